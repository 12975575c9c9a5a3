/**
 * `load --prompts FILE --workers N`: every worker reads the same promptset (local workers the
 * coordinator's file, here; pods a ConfigMap, in kube.test.ts), checked against the size and hash
 * the coordinator read, and takes every N-th prompt of it, so the workers together send the
 * prompts one process sends.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../bench/cli/main';
import { runDistributedLoad, type WorkerLauncher } from '../../../bench/distributed/run';
import { shareOf, stridedPrompts, WORKER_PROTOCOL, type WorkerSpec } from '../../../bench/distributed/spec';
import { runWorker } from '../../../bench/distributed/worker';
import { loadPromptset, sha256Hex } from '../../../bench/load/prompts';
import { loadResultSchema } from '../../../bench/result';
import { type Simulator, startSimulator } from '../../../bench/sim/simulator';
import { tempDir } from '../../support/temp';
import { argv, memoryIo, runLlmBench } from '../helpers';

/** Five prompts of very different lengths: which ones were sent shows in the prompt tokens. */
const PROMPTSET = [1, 3, 9, 27, 81]
  .map((n) => JSON.stringify({ prompt: Array.from({ length: n }, (_, i) => `w${i}`).join(' ') }))
  .join('\n');

const run = (...args: string[]) => runLlmBench(args);

let sim: Simulator;
let file: string;
beforeAll(async () => {
  sim = await startSimulator({ port: 0, ttftMs: 2, itlMs: 1, models: ['m'], apiKey: 'k' });
  file = join(tempDir('prompts-workers-'), 'set.jsonl');
  writeFileSync(file, `${PROMPTSET}\n`);
});
afterAll(() => sim.close());

const common = (): string[] => [
  '--base-url',
  sim.url,
  '--model',
  'm',
  '--api-key',
  'k',
  '--endpoint',
  'completions',
  '--concurrency',
  '2',
  '--requests',
  '12',
  '--output-tokens',
  '2',
  '--prompts',
  file,
  '--json',
  '-',
];

describe('load --prompts with --workers', () => {
  it('has local workers read the coordinator’s file and send, together, the prompts one process sends', async () => {
    const io = memoryIo();
    expect(await main(argv('load', ...common()), io), io.err()).toBe(0);
    const single = loadResultSchema.parse(JSON.parse(io.out()));

    const r = await run('load', ...common(), '--workers', '2', '--barrier', '0');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const merged = loadResultSchema.parse(JSON.parse(r.stdout));
    expect(merged.settings.prompts).toBe(`${file} (5 prompts)`);
    expect(merged.settings.inputTokens).toBeNull();
    expect(merged.distributed!.reported.map((w) => [w.index, w.requests])).toEqual([
      [0, 6],
      [1, 6],
    ]);
    // 12 requests over 5 prompts: 0-4 twice, then 0 and 1. Without striding each worker would send
    // 0-4 and 0, which the prompt tokens would tell apart (1 + 3 ≠ 1 + 1).
    expect(merged.summary.requests.succeeded).toBe(12);
    expect(merged.summary.inputTokens.total).toBe(single.summary.inputTokens.total);
    expect(merged.summary.inputTokens.total).toBeGreaterThan(0);
  });

  it('strides: worker k sends prompts k, k+N, k+2N…, which for its share of --requests are exactly the first R prompts', () => {
    const source = { description: 'ids', sample: (i: number) => ({ prompt: { text: String(i) } }) };
    for (const [requests, workers] of [
      [10, 3],
      [12, 5],
      [7, 7],
    ] as const) {
      const sent = Array.from({ length: workers }, (_, k) =>
        Array.from({ length: shareOf(requests, k, workers) }, (_, i) => {
          const p = stridedPrompts(source, k, workers).sample(i).prompt;
          return Number('text' in p ? p.text : NaN);
        }),
      ).flat();
      expect(sent.sort((a, b) => a - b)).toEqual(Array.from({ length: requests }, (_, i) => i));
    }
  });

  it('makes a worker refuse a promptset that is not the file the run started with', async () => {
    const raw = readFileSync(file);
    const spec: WorkerSpec = {
      protocol: WORKER_PROTOCOL,
      runId: 'changed',
      workers: 2,
      startAtMs: 0,
      settings: {
        baseUrl: sim.url,
        model: 'm',
        endpoint: 'completions',
        stream: true,
        profile: { kind: 'concurrency', concurrency: 2 },
        requests: 4,
        durationSec: null,
        inputTokens: null,
        outputTokens: 2,
        prompts: `${file} (5 prompts)`,
        seed: 1,
        timeouts: { connectSec: 5, firstTokenSec: 30, totalSec: 60 },
      },
      thresholds: [],
      promptset: { path: file, bytes: raw.length + 1, sha256: '0'.repeat(64), prompts: 5 },
    };
    const got = sha256Hex(raw);
    await expect(runWorker(spec, 1, 'k')).rejects.toThrow(
      `promptset ${file} is not the file the run started with, got ${raw.length} bytes with sha256 ${got.slice(0, 12)}… ` +
        `instead of ${raw.length + 1} bytes with sha256 000000000000…; leave the file alone until the run ends`,
    );
    // The same spec with the file's real size and hash runs.
    const report = await runWorker({ ...spec, promptset: { ...spec.promptset!, bytes: raw.length, sha256: got } }, 1, 'k');
    expect(report.summary.requests.succeeded).toBe(2);
  });

  it('refuses prompts that workers cannot read from a file, before starting any', async () => {
    const launcher: WorkerLauncher = { where: 'nowhere', barrierMs: 0, run: () => Promise.reject(new Error('must not start')) };
    const fromFile = await loadPromptset(file, 'completions');
    const inMemory = { description: 'generated in memory', sample: (i: number) => fromFile.sample(i) };
    await expect(
      runDistributedLoad(
        {
          baseUrl: sim.url,
          model: 'm',
          apiKey: 'k',
          endpoint: 'completions',
          profile: { kind: 'concurrency', concurrency: 2 },
          requests: 4,
          prompts: inMemory,
        },
        { workers: 2, launcher },
      ),
    ).rejects.toThrow('workers read prompts from a file, got prompts from generated in memory; pass the promptset as --prompts FILE');
  });
});
