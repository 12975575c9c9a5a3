/**
 * `llm-bench load --workers N` end to end: the executable starts N worker processes on 127.0.0.1
 * against one simulator, and writes one result whose counts are the sum of the workers'.
 * (Their spans: tracing.test.ts.)
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDistributedLoad, type WorkerLauncher } from '../../../bench/distributed/run';
import { reportLine } from '../../../bench/distributed/spec';
import { runWorker } from '../../../bench/distributed/worker';
import { LatencyHistogram } from '../../../bench/load/stats';
import { loadResultSchema } from '../../../bench/result';
import { type Simulator, startSimulator } from '../../../bench/sim/simulator';
import { tempDir } from '../../support/temp';
import { runLlmBench } from '../helpers';

const run = (...args: string[]) => runLlmBench(args);

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ port: 0, ttftMs: 5, itlMs: 1, models: ['m'], apiKey: 'k', recordTimings: true });
});
afterAll(() => sim.close());

/** `load` against the simulator: the flags every run here starts with. */
const loadArgs = () => ['load', '--base-url', sim.url, '--model', 'm', '--api-key', 'k'];

describe('llm-bench load --workers 4 (local worker processes)', () => {
  it('writes one result whose counts are the sum of the workers’, with the workers listed', async () => {
    const r = await run(
      ...loadArgs(),
      '--workers',
      '4',
      '--barrier',
      '0',
      '--concurrency',
      '8',
      '--requests',
      '200',
      '--output-tokens',
      '4',
      '--threshold',
      'errorRate<0.01',
      '--json',
      '-',
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const result = loadResultSchema.parse(JSON.parse(r.stdout));
    const d = result.distributed!;
    expect(d.workers).toBe(4);
    expect(d.failed).toEqual([]);
    expect(d.reported.map((w) => [w.index, w.requests])).toEqual([
      [0, 50],
      [1, 50],
      [2, 50],
      [3, 50],
    ]);
    expect(result.summary.requests).toEqual({ total: 200, succeeded: 200, failed: 0, cancelled: 0 });
    expect(d.reported.reduce((n, w) => n + w.succeeded, 0)).toBe(result.summary.requests.succeeded);
    // Every request's latency is in the merged histograms, and the summary is read from them.
    const e2e = LatencyHistogram.decode(result.histograms!.e2eMs);
    expect(e2e.count).toBe(200);
    expect(e2e.stats()).toEqual(result.summary.e2eMs);
    expect(result.summary.outputTokens.total).toBe(800);
    expect(result.timeline.reduce((n, b) => n + b.completed, 0)).toBe(200);
    expect(result.thresholds).toMatchObject([{ expression: 'errorRate<0.01', value: 0, passed: true }]);
    expect(result.slowest?.map((q) => q.traceId)).toEqual(expect.arrayContaining([expect.stringMatching(/^[0-9a-f]{32}$/)]));
  });

  it('refuses a split that leaves a worker idle, before starting any', async () => {
    const r = await run(...loadArgs(), '--workers', '4', '--concurrency', '2', '--requests', '10');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('error: --workers 4 leaves some workers without a user, got --concurrency 2; use at most 2 workers\n');
  });

  it('names a worker that failed, and the merged result says the load was incomplete', async () => {
    // Workers 0-2 run in this process; worker 3 "crashes" without a report.
    const launcher: WorkerLauncher = {
      where: 'this test',
      barrierMs: 0,
      run: (spec, apiKey) =>
        Promise.all(
          [0, 1, 2, 3].map(async (index) =>
            index === 3
              ? { index, output: 'Killed\n', problem: 'was killed by SIGKILL' }
              : { index, output: reportLine(await runWorker(spec, index, apiKey)) },
          ),
        ),
    };
    const result = await runDistributedLoad(
      { baseUrl: sim.url, model: 'm', apiKey: 'k', profile: { kind: 'concurrency', concurrency: 4 }, requests: 40, outputTokens: 2 },
      { workers: 4, launcher },
    );
    expect(result.summary.requests.total).toBe(30);
    expect(result.distributed!.failed).toEqual([{ index: 3, problem: 'was killed by SIGKILL' }]);
    expect(result.aborted?.reason).toBe(
      '3 of 4 workers ran their share, so the load offered was less than asked: worker 3 was killed by SIGKILL',
    );
  });

  it('runs postdeploy’s load test as workers with --load-workers', async () => {
    const targets = join(tempDir('postdeploy-workers-'), 'targets.yaml');
    writeFileSync(targets, `variants:\n  m: ${sim.url}\n`);
    const r = await run(
      'postdeploy',
      '--targets',
      targets,
      '--api-key',
      'k',
      '--load-workers',
      '2',
      '--concurrency',
      '2',
      '--duration',
      '1',
      '--output-tokens',
      '2',
      '--json',
      '-',
    );
    expect(r.status).toBe(0);
    const load = (JSON.parse(r.stdout) as { variants: { load: unknown }[] }).variants[0]!.load;
    const result = loadResultSchema.parse(load);
    expect(result.distributed!.workers).toBe(2);
    expect(result.distributed!.failed).toEqual([]);
    expect(result.distributed!.reported.reduce((n, w) => n + w.requests, 0)).toBe(result.summary.requests.total);
    expect(result.summary.requests.total).toBeGreaterThan(0);
  });

  it('exits 2 when started as a worker without a spec', async () => {
    const r = await run('worker');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('LLM_BENCH_WORKER_SPEC must hold the run');
  });
});
