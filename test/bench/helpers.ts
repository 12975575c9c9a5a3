/**
 * Shared pieces of the bench tests: raw HTTP servers that misbehave on purpose, and an in-memory
 * CliIo. Everything listens on 127.0.0.1 with an ephemeral port.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { CliIo } from '../../bench/cli/io';
import { CHILD_DEADLINE_MS } from '../support/deadlines';

/**
 * A server whose handler the test writes; returns its URL and a close(). An async handler that
 * throws destroys its response, so the client sees a broken connection rather than a hang.
 */
export async function rawServer(
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => unknown,
): Promise<{ url: string; port: number; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    Promise.resolve(handler(req, res)).catch((err: unknown) => res.destroy(err instanceof Error ? err : new Error(String(err))));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on (bound once, then released). */
export async function closedPort(): Promise<number> {
  const s = await rawServer(() => {});
  await s.close();
  return s.port;
}

/** An SSE chat chunk with the given delta. */
export function chatChunk(delta: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  return `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: null }], ...extra })}\n\n`;
}

export const usageChunk = (completion: number) =>
  `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: 5, completion_tokens: completion, total_tokens: 5 + completion } })}\n\n`;

/** CliIo that records output. */
export function memoryIo(env: Record<string, string> = {}): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    stderrIsTTY: false,
    env,
    handleSignals: false,
    out: () => out,
    err: () => err,
  };
}

/** node + script placeholders, as process.argv has them. */
export const argv = (...args: string[]) => ['node', 'llm-bench', ...args];

/** The llm-bench executable (the build that vitest's global setup makes). */
export const LLM_BENCH_BIN = join(import.meta.dirname, '../../bench/bin/llm-bench.mjs');

/** What a run of the executable printed and how it exited (null: killed by a signal). */
export interface BinRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the llm-bench executable with `args`, asynchronously: servers the test started live in this
 * process, so blocking on the child would starve them. Past the child deadline the child is killed.
 */
export function runLlmBench(
  args: readonly string[],
  o: { readonly env?: NodeJS.ProcessEnv; readonly started?: (child: ChildProcess) => void } = {},
): Promise<BinRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [LLM_BENCH_BIN, ...args], { ...(o.env && { env: o.env }), timeout: CHILD_DEADLINE_MS });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    o.started?.(child);
  });
}

/** A TCP server that accepts every connection and never writes a byte; counts connections. */
export async function silentServer(): Promise<{ url: string; port: number; connections: () => number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let count = 0;
  const server = net.createServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connections: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
