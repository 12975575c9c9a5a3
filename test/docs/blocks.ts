/**
 * The docs' shell command blocks and how the docs tests run them (test/docs/*.test.ts): every
 * block runs as written, or says why it cannot here.
 *
 * A ```bash / ```sh block is run unless the line before its fence is a marker:
 * `<!-- needs-cluster … -->` (it needs AWS, a cluster or a deployed stack) or
 * `<!-- not-run: reason -->` (it runs elsewhere, e.g. the suite itself). The runnable blocks of a
 * file run in order, from the repository root, with `llm-bench` on PATH as this checkout's bin.
 * A block that starts `llm-bench sim` is a server: it starts first (on a free port instead of
 * 8000; the other blocks' 127.0.0.1:8000 point at it) and stops after the file's last block.
 * The registry README's blocks run against the local registry its "Trying it locally" starts.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalRegistry } from '../../bench/registry/local';
import { CHILD_DEADLINE_MS } from '../support/deadlines';
import { tempDir } from '../support/temp';

const ROOT = join(import.meta.dirname, '../..');
export const DOCS = ['README.md', 'bench/README.md', 'bench/registry/README.md', 'docs/postdeploy.md'] as const;

export interface Block {
  readonly file: string;
  readonly line: number;
  readonly text: string;
  /** The marker before the fence, if any. */
  readonly marker?: string;
}

/** The shell blocks of a Markdown file, with the marker line before each fence. */
export function shellBlocks(file: string, markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]!);
    if (open === null) continue;
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    if (end < 0) throw new Error(`${file}:${i + 1} has a fence that never closes`);
    if (open[1] === 'bash' || open[1] === 'sh') {
      const before = lines[i - 1]?.trim() ?? '';
      const marker = /^<!-- (needs-cluster|not-run)\b.*-->$/.test(before) ? before : undefined;
      blocks.push({ file, line: i + 1, text: lines.slice(i + 1, end).join('\n'), ...(marker !== undefined && { marker }) });
    }
    i = end;
  }
  return blocks;
}

const bin = tempDir('llm-bench-docs-');
writeFileSync(join(bin, 'llm-bench'), `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'bench/bin/llm-bench.mjs')}" "$@"\n`);
chmodSync(join(bin, 'llm-bench'), 0o755);
const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` };
// vitest's env turns the AWS SDK's Node-version notice off; the docs run as a user would.
delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
const servers: ChildProcess[] = [];
afterAll(() => {
  for (const s of servers) s.kill('SIGTERM');
});

/** Where a file's blocks run and what they see: the repository, or a setup of their own. */
interface Place {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly done?: () => Promise<void>;
}

/**
 * The registry README's blocks run as its "Trying it locally" steps set them up: the local
 * registry's settings in the environment, a weights folder in the working directory.
 */
async function placeFor(file: string): Promise<Place> {
  if (file !== 'bench/registry/README.md') return { cwd: ROOT, env };
  const local = await startLocalRegistry();
  const cwd = tempDir('llm-bench-docs-registry-');
  mkdirSync(join(cwd, 'weights'));
  writeFileSync(join(cwd, 'weights/config.json'), '{}\n');
  const localEnv: NodeJS.ProcessEnv = { ...env, ...local.env };
  delete localEnv.AWS_PROFILE;
  return {
    cwd,
    env: localEnv,
    done: async () => {
      await local.stop();
    },
  };
}

/** Runs a block in its own process group; past the child deadline the whole group is killed (npm's children too). */
function run(script: string, place: Place): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-euo', 'pipefail', '-c', script], { cwd: place.cwd, env: place.env, detached: true });
    const deadline = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), CHILD_DEADLINE_MS);
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    child.on('close', (code) => {
      clearTimeout(deadline);
      resolve({ code, out });
    });
  });
}

/** Starts a `llm-bench sim` block on a free port; resolves with its URL once it listens. */
function startServer(script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', `exec ${script.replace(/\\\n\s*/g, ' ').replace('--port 8000', '--port 0')}`], { cwd: ROOT, env });
    servers.push(child);
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m !== null) resolve(m[1]!);
    });
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    child.on('close', (code) => reject(new Error(`the sim block exited ${code} before listening:\n${out}`)));
  });
}

export const all = DOCS.flatMap((file) => shellBlocks(file, readFileSync(join(ROOT, file), 'utf8')));

/** A block by its file and first command, stable when lines move. */
export const blockKey = (b: Block) => {
  const commands = b.text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
  // A block that starts by building is named by its next command too.
  const name =
    commands[0]!.startsWith('npm run build') && commands[1] !== undefined
      ? `${commands[0]!.slice(0, 13)} · ${commands[1].slice(0, 60)}`
      : commands[0]!.slice(0, 40);
  return `${b.file}: ${name}`;
};

/**
 * The runnable blocks, by the test file that runs them: only these run (an unmarked block that is
 * not listed fails the contract test without being executed — it could be anything, e.g. the whole
 * suite). A group runs its blocks in the docs' order (later blocks read what earlier ones wrote);
 * groups are separate files, so they run side by side, each on ports of its own.
 */
export const GROUPS = {
  demo: ['bench/README.md: npm run demo                 # simulator'],
  workers: ['bench/README.md: mkdir -p out && rm -f out/sim-18210.log'],
  quick: [
    'bench/README.md: llm-bench smoke --base-url http://127.0.',
    'bench/README.md: llm-bench sim --port 8000 --model mistra',
    'bench/registry/README.md: llm-bench registry publish --model mistr',
  ],
  plan: ['bench/README.md: npm run build · node bench/bin/llm-bench.mjs sim --port 18200 --model m --ma'],
  server: [
    'bench/README.md: npm run build · node bench/bin/llm-bench.mjs sim --port 18201 --model m --ma',
    'bench/README.md: npm run build · node bench/bin/llm-bench.mjs sim --port 18202 --model m --pr',
  ],
  compare: ['bench/README.md: npm run build · node bench/bin/llm-bench.mjs sim --port 8100 --model m --ttf'],
  live: ['bench/README.md: npm run build · node bench/bin/llm-bench.mjs sim --port 8130 --model m --mod'],
  decide: [
    'bench/README.md: npm run build · node bench/bin/llm-bench.mjs sim --port 8110 --model fp16 --',
    'bench/README.md: npm run build · node bench/bin/llm-bench.mjs sim --port 8120 --model fp16 --',
  ],
} as const satisfies Record<string, readonly string[]>;

/** Registers one test per block of `keys`, file by file in the docs' order, against the servers each file starts. */
export function describeBlocks(keys: readonly string[]): void {
  for (const file of DOCS) {
    const blocks = all.filter((b) => b.file === file && b.marker === undefined && keys.includes(blockKey(b)));
    if (blocks.length === 0) continue;
    describe(file, () => {
      const serverBlocks = blocks.filter((b) => /^llm-bench sim\b/.test(b.text.trim()));
      let urls: string[] = [];
      let place: Place | undefined;
      beforeAll(async () => {
        urls = await Promise.all(serverBlocks.map((b) => startServer(b.text.trim())));
        place = await placeFor(file);
      }, CHILD_DEADLINE_MS);
      afterAll(async () => {
        await place?.done?.();
      });
      for (const b of blocks.filter((x) => !serverBlocks.includes(x))) {
        it(
          `${b.file}:${b.line} exits 0 as written (${blockKey(b).slice(file.length + 2)})`,
          { timeout: CHILD_DEADLINE_MS + 10_000 },
          async () => {
            const script = urls.length > 0 ? b.text.replaceAll('http://127.0.0.1:8000', urls[0]!) : b.text;
            const ran = await run(script, place!);
            expect(ran.code, `${b.file}:${b.line} exited ${ran.code}:\n${ran.out}`).toBe(0);
            expect(ran.out).not.toMatch(/\n\s+at |NodeVersionSupportWarning/);
          },
        );
      }
    });
  }
}
