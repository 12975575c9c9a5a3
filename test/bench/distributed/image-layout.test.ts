/**
 * The Dockerfile's runtime stage holds package.json, the lockfile's production dependencies,
 * build/bench/ and bench/bin/ only. These tests rebuild that file set in a temp folder (with this
 * checkout's node_modules standing in for `npm ci --omit=dev`) and run a worker from it, check
 * that every package the compiled program imports is a production dependency, and that the base
 * image is a supported Node LTS line (facts/node.ts).
 */
import { spawn } from 'node:child_process';
import { builtinModules } from 'node:module';
import { cpSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findReport, WORKER_PROTOCOL, type WorkerSpec } from '../../../bench/distributed/spec';
import { type Simulator, startSimulator } from '../../../bench/sim/simulator';
import { WORKER_COMMAND } from '../../../constructs/bench-layout';
import { BENCH_NODE_IMAGE, NODE_LTS_LINES, NODE_SCHEDULE_READ } from '../../../facts/node';
import { CHILD_DEADLINE_MS } from '../../support/deadlines';
import { tempDir } from '../../support/temp';

const root = join(import.meta.dirname, '../../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  engines: { node: string };
};

let sim: Simulator;
let app: string;
beforeAll(async () => {
  sim = await startSimulator({ port: 0, ttftMs: 2, itlMs: 1, models: ['m'] });
  app = tempDir('llm-bench-image-');
  // COPY package.json package-lock.json; COPY --from=build /app/build/bench; COPY bench/bin
  for (const f of ['package.json', 'package-lock.json']) cpSync(join(root, f), join(app, f));
  cpSync(join(root, 'build', 'bench'), join(app, 'build', 'bench'), { recursive: true });
  cpSync(join(root, 'bench', 'bin'), join(app, 'bench', 'bin'), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(app, 'node_modules'), 'dir');
});
afterAll(() => sim.close());

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? jsFiles(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : [],
  );
}

describe('the llm-bench image', () => {
  it('builds every stage on a Node LTS line still supported when the schedule was read, pinned to a release, slim', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    expect(/^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1]).toBe(BENCH_NODE_IMAGE);
    expect(dockerfile.match(/^FROM .*$/gm)).toEqual(['FROM ${NODE_IMAGE} AS build', 'FROM ${NODE_IMAGE} AS runtime']);
    expect(dockerfile).toMatch(/^USER node$/m);
    const version = /^node:(\d+)\.\d+\.\d+-[a-z]+-slim$/.exec(BENCH_NODE_IMAGE);
    expect(version, 'a full version and the slim variant').not.toBeNull();
    const line = NODE_LTS_LINES.find((l) => l.major === Number(version![1]));
    expect(line, `Node ${version![1]} is an LTS line`).toBeDefined();
    expect(line!.endOfLife > NODE_SCHEDULE_READ).toBe(true);
    // Node 20 is past its end of life, but the package (and this suite's machine) still runs on it.
    expect(NODE_LTS_LINES.find((l) => l.major === 20)!.endOfLife < NODE_SCHEDULE_READ).toBe(true);
    expect(pkg.engines.node).toBe('>=20.18.1');
  });

  it('needs only production dependencies at run time', () => {
    const imported = new Set<string>();
    for (const f of jsFiles(join(root, 'build', 'bench'))) {
      for (const m of readFileSync(f, 'utf8').matchAll(/(?:from\s+|import\()\s*"([^".][^"]*)"/g)) {
        const spec = m[1]!;
        if (spec.startsWith('node:') || builtinModules.includes(spec)) continue;
        imported.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
      }
    }
    expect(imported.size).toBeGreaterThan(3);
    expect([...imported].filter((p) => pkg.dependencies[p] === undefined)).toEqual([]);
  });

  it('runs a worker with the command the Job gives its pods', async () => {
    const spec: WorkerSpec = {
      protocol: WORKER_PROTOCOL,
      runId: 'image-test',
      workers: 2,
      startAtMs: 0,
      settings: {
        baseUrl: sim.url,
        model: 'm',
        endpoint: 'chat',
        stream: true,
        profile: { kind: 'concurrency', concurrency: 2 },
        requests: 6,
        durationSec: null,
        inputTokens: 16,
        outputTokens: 2,
        prompts: 'synthetic, ~16 tokens',
        seed: 1,
        timeouts: { connectSec: 5, firstTokenSec: 30, totalSec: 60 },
      },
      thresholds: [],
    };
    // The image's /app is this temp folder.
    const [node, bin, ...args] = WORKER_COMMAND.map((a) => a.replace('/app', app));
    expect(node).toBe('node');
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [bin!, ...args], {
        cwd: app,
        timeout: CHILD_DEADLINE_MS,
        env: { PATH: process.env.PATH, LLM_BENCH_WORKER_SPEC: JSON.stringify(spec), JOB_COMPLETION_INDEX: '1' },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const found = findReport(out.stdout, 'image-test', 1);
    expect('report' in found && found.report.summary.requests).toEqual({ total: 3, succeeded: 3, failed: 0, cancelled: 0 });
  });
});
