/**
 * Bad input on the command line, as a table: each row is an input, its exit code and its message.
 * No row may exit 0, print a stack trace, or reach the server: every one is found before a request.
 * Then outputs: probed before the run (nothing left behind on a usage error) and, when writing
 * still fails after the run, the result goes to a fallback file whose path is printed.
 */
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../bench/cli/main';
import { loadResultSchema } from '../../bench/result';
import { type Simulator, startSimulator } from '../../bench/sim/simulator';
import { CHILD_DEADLINE_MS } from '../support/deadlines';
import { tempDir } from '../support/temp';
import { argv, memoryIo, rawServer } from './helpers';

const PROJECT_ROOT = join(import.meta.dirname, '../..');

// Made when the file loads: the table's messages name these paths.
const dir = tempDir('llm-bench-input-');
const targets = join(dir, 'targets.yaml');
const kubeconfig = join(dir, 'missing-kubeconfig');
let server: Awaited<ReturnType<typeof rawServer>>;
let requests = 0;
beforeAll(async () => {
  server = await rawServer((_req, res) => {
    requests++;
    res.writeHead(500).end();
  });
  await writeFile(targets, `variants:\n  mistral-7b-awq: ${server.url}\n`);
});
afterAll(async () => {
  await server.close();
});

const url = () => server.url;
const load = (...extra: string[]) => ['load', '--base-url', url(), '--model', 'm', '--requests', '4', ...extra];

interface Row {
  readonly name: string;
  readonly args: () => string[];
  /** Each line must appear in stderr. */
  readonly messages: readonly string[];
}

const ROWS: readonly Row[] = [
  {
    name: 'load --json /dev/full',
    args: () => load('--concurrency', '1', '--json', '/dev/full'),
    messages: ['--json /dev/full cannot be written, got ENOSPC; pass a writable file or - for stdout'],
  },
  {
    name: 'load --json /proc/x/r.json',
    args: () => load('--concurrency', '1', '--json', '/proc/x/r.json'),
    messages: ['--json /proc/x/r.json has no folder that can be made, got ENOENT for /proc/x; pass a writable file or - for stdout'],
  },
  {
    name: 'smoke --json /dev/full',
    args: () => ['smoke', '--base-url', url(), '--model', 'm', '--json', '/dev/full'],
    messages: ['--json /dev/full cannot be written, got ENOSPC'],
  },
  {
    name: 'sweep --junit /proc/x/j.xml',
    args: () => ['sweep', '--base-url', url(), '--model', 'm', '--concurrency', '1,2', '--requests', '2', '--junit', '/proc/x/j.xml'],
    messages: ['--junit /proc/x/j.xml has no folder that can be made'],
  },
  {
    name: 'load --markdown <a folder>',
    args: () => load('--concurrency', '1', '--markdown', dir),
    messages: [`--markdown ${dir} is a folder, got EISDIR`],
  },
  {
    name: 'load: two outputs, one file',
    args: () => load('--concurrency', '1', '--json', join(dir, 'same'), '--html', join(dir, 'same')),
    messages: ['--json and --html name the same file'],
  },
  {
    name: 'load --concurrency 1e9',
    args: () => load('--concurrency', '1e9'),
    messages: ['--concurrency must be at most 10000 (one process measures itself past that; spread the load over workers), got 1000000000'],
  },
  { name: 'load --rate 1e9', args: () => load('--rate', '1e9'), messages: ['--rate must be at most 10000 requests per second'] },
  {
    name: 'load --input-tokens 1e9',
    args: () => load('--concurrency', '1', '--input-tokens', '1e9'),
    messages: ['--input-tokens must be at most 1048576 (above the longest context vLLM serves), got 1000000000'],
  },
  {
    name: 'load --timeout 1e9',
    args: () => load('--concurrency', '1', '--timeout', '1e9'),
    messages: ["--timeout must be at most 2147483 seconds (Node's timer limit, about 24.8 days), got 1000000000"],
  },
  {
    name: 'smoke --timeout 1e9',
    args: () => ['smoke', '--base-url', url(), '--model', 'm', '--timeout', '1e9'],
    messages: ['--timeout must be at most 2147483 seconds'],
  },
  {
    name: 'smoke --model ""',
    args: () => ['smoke', '--base-url', url(), '--model', ''],
    messages: ['--model must name a served model, got ""'],
  },
  {
    name: 'postdeploy --env-file (the old name)',
    args: () => ['postdeploy', '--targets', targets, '--env-file', 'Pulumi.prod.yaml'],
    messages: ['--env-file was renamed --env-config, got --env-file Pulumi.prod.yaml; pass --env-config Pulumi.prod.yaml'],
  },
  {
    name: 'postdeploy: bad load flags are reported with the others, before smoke',
    args: () => ['postdeploy', '--targets', targets, '--duration', '-1', '--concurrency', '0', '--json', '/dev/full'],
    messages: [
      'error: 3 problems:',
      '--concurrency must be a positive integer, got 0',
      '--duration must be a positive number of seconds, got -1',
      '--json /dev/full cannot be written',
    ],
  },
  {
    name: 'postdeploy: a targets file that leaves out an enabled variant',
    args: () => ['postdeploy', '--targets', targets, '--env-config', join(PROJECT_ROOT, 'Pulumi.dev.yaml')],
    messages: [
      `${targets} leaves out mistral-7b-lora, mistral-7b-judge, which dev enables (--env-config), got mistral-7b-awq; add them to the targets, or pass --variant`,
    ],
  },
  {
    name: 'rollback: bad flags and the kubeconfig together',
    args: () => [
      'rollback',
      '--variant',
      'v',
      '--base-url',
      url(),
      '--concurrency',
      '0',
      '--input-tokens',
      '1e9',
      '--kubeconfig',
      kubeconfig,
    ],
    messages: ['--concurrency must be a positive integer, got 0', '--input-tokens must be at most 1048576', `kubeconfig ${kubeconfig}`],
  },
  {
    name: 'autoscale: every bad step and the kubeconfig together',
    args: () => [
      'autoscale',
      '--variant',
      'v',
      '--base-url',
      url(),
      '--concurrency',
      '0,1e9',
      '--request-timeout',
      '0',
      '--kubeconfig',
      kubeconfig,
    ],
    messages: [
      '--concurrency must be a positive integer, got 0',
      '--concurrency must be at most 10000',
      '--request-timeout must be a positive number of seconds, got 0',
      `kubeconfig ${kubeconfig}`,
    ],
  },
  {
    name: 'registry --request-timeout 0',
    args: () => ['registry', '--bucket', 'b', '--table', 't', '--request-timeout', '0', 'list'],
    messages: ['--request-timeout must be a positive number of seconds, got 0'],
  },
  {
    name: 'report --markdown /dev/full',
    args: () => ['report', join(dir, 'nothing.json'), '--markdown', '/dev/full'],
    messages: [`report file ${join(dir, 'nothing.json')}`, '--markdown /dev/full cannot be written, got ENOSPC'],
  },
  {
    name: 'load --base-url without a scheme',
    args: () => ['load', '--base-url', 'localhost:8000', '--model', 'm', '--concurrency', '1'],
    messages: ['--base-url must be http or https, got "localhost:8000"'],
  },
];

describe('bad command lines: exit 2 with every problem, before any request', () => {
  it.each(ROWS)('$name', async (row) => {
    const before = requests;
    const io = memoryIo();
    const code = await main(argv(...row.args()), io);
    expect(io.err()).not.toMatch(/\n\s+at /); // no stack trace
    for (const m of row.messages) expect(io.err()).toContain(m);
    expect(code).toBe(2);
    expect(requests - before).toBe(0);
  });

  it('leaves no folder behind when the input is refused', async () => {
    const io = memoryIo();
    expect(await main(argv(...load('--concurrency', '0', '--json', join(dir, 'new', 'deeper', 'r.json'))), io)).toBe(2);
    await expect(stat(join(dir, 'new'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('a finished run is never lost to its output', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ port: 0, ttftMs: 1, itlMs: 1, models: ['m'] });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('writes the result to a fallback file, prints its path and exits 1 when the output folder is gone after the run', async () => {
    const out = join(dir, 'vanishing');
    // The run takes the probed folder away (and puts a file in its place) once it sends a request.
    let sabotaged = false;
    const front = await rawServer(async (req, res) => {
      if (!sabotaged) {
        sabotaged = true;
        await rm(out, { recursive: true, force: true });
        await writeFile(out, 'not a folder');
      }
      const upstream = await fetch(`${sim.url}${req.url}`, {
        method: req.method,
        headers: { 'content-type': 'application/json' },
        body: req.method === 'POST' ? await text(req) : undefined,
      });
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
      res.end(Buffer.from(await upstream.arrayBuffer()));
    });
    try {
      const io = memoryIo();
      const code = await main(
        argv(
          'load',
          '--base-url',
          front.url,
          '--model',
          'm',
          '--concurrency',
          '1',
          '--requests',
          '2',
          '--output-tokens',
          '2',
          '--json',
          join(out, 'r.json'),
        ),
        io,
      );
      const match = /error: cannot write .*r\.json, got ENOTDIR; the json output went to (\S+) instead\n/.exec(io.err());
      expect(match, io.err()).not.toBeNull();
      const fallback = match![1]!;
      try {
        expect(loadResultSchema.parse(JSON.parse(await readFile(fallback, 'utf8'))).summary.requests.succeeded).toBe(2);
      } finally {
        await rm(fallback, { force: true });
      }
      expect(code).toBe(1);
      expect(io.err()).not.toMatch(/\n\s+at /);
    } finally {
      await front.close();
    }
  });

  it('probing an existing output leaves its content as it was', async () => {
    const file = join(dir, 'kept.json');
    await writeFile(file, 'old content');
    const io = memoryIo();
    expect(await main(argv(...load('--concurrency', '0', '--json', file)), io)).toBe(2);
    expect(await readFile(file, 'utf8')).toBe('old content');
  });
});

function text(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (b: Buffer) => (body += b.toString()));
    req.on('end', () => resolve(body));
  });
}

describe('advice and streams', () => {
  it('a 429 on the warm-up request gets rate-limit advice, not advice about --model', async () => {
    const limited = await rawServer((req, res) => {
      if (req.url === '/v1/models')
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ object: 'list', data: [{ id: 'm', object: 'model' }] }));
      else
        res
          .writeHead(429, { 'content-type': 'application/json', 'retry-after': '30' })
          .end(JSON.stringify({ error: { message: 'rate limit exceeded' } }));
    });
    try {
      const io = memoryIo();
      expect(await main(argv('load', '--base-url', limited.url, '--model', 'm', '--concurrency', '1', '--requests', '2'), io)).toBe(1);
      expect(io.err()).toContain(`error: ${limited.url} rate-limited the warm-up chat request with 429`);
      expect(io.err()).toContain('limits this key');
      expect(io.err()).not.toContain('check --model');
    } finally {
      await limited.close();
    }
  });

  it('a reader that closes stdout ends the output, not the command: no EPIPE stack trace, the exit code stands', async () => {
    // A FIFO whose only reader is gone: every write to it fails with EPIPE, deterministically.
    const fifo = join(dir, 'closed-pipe');
    execFileSync('mkfifo', [fifo]);
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const writer = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    closeSync(reader);
    const bin = join(import.meta.dirname, '../../bench/bin/llm-bench.mjs');
    try {
      const ran = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [bin, 'load', '--help'], { stdio: ['ignore', writer, 'pipe'], timeout: CHILD_DEADLINE_MS });
        let stderr = '';
        child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
        child.on('close', (status) => resolve({ status, stderr }));
      });
      expect(ran.stderr).not.toMatch(/\n\s+at /);
      expect(ran.stderr).toBe('note: stdout was closed by its reader; the rest of the output there is dropped\n');
      expect(ran.status).toBe(0);
    } finally {
      closeSync(writer);
    }
  });
});
