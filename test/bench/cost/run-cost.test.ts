/**
 * $ per 1M tokens in load and sweep results, cold-start cost in autoscale's: the figures worked
 * out by hand from facts/prices.ts (us-east-1: g4dn.xlarge $0.526/h on demand, SPOT 60 % off =
 * $0.2104/h; g4dn.2xlarge $0.752/h, SPOT $0.3008/h), and the CLI against the simulator.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../bench/cli/main';
import { coldStartGpuMinutes, coldStartReport, runCost } from '../../../bench/cost/run-cost';
import { renderMarkdown } from '../../../bench/report/markdown';
import { loadResultSchema, type LoadSummary, sweepResultSchema } from '../../../bench/result';
import { type Simulator, startSimulator } from '../../../bench/sim/simulator';
import { PROJECT_ROOT } from '../../../stacks/synthesize';
import { tempDir } from '../../support/temp';
import { useVirtualTime, vt } from '../../support/virtual-time';
import { argv, memoryIo } from '../helpers';

/** A summary with only what pricing reads filled in. */
function summary(durationSec: number, outputTokensPerSec: number, inputTokens: number): LoadSummary {
  const latency = { mean: null, p50: null, p90: null, p95: null, p99: null, min: null, max: null, stddev: null, count: 0 };
  return {
    durationSec,
    requests: { total: 1, succeeded: 1, failed: 0, cancelled: 0 },
    ttftMs: latency,
    tpotMs: latency,
    itlMs: latency,
    e2eMs: latency,
    requestThroughput: 1,
    outputTokenThroughput: outputTokensPerSec,
    inputTokens: { total: inputTokens, mean: null },
    outputTokens: { total: outputTokensPerSec * durationSec, mean: null },
    errorRate: 0,
    errors: {},
    errorMessages: {},
    usageMissing: 0,
    maxInFlight: 1,
  };
}

describe('run cost', () => {
  it('prices the replicas that served at the measured rate, SPOT and on demand', () => {
    // 500 output tok/s and 10,000 prompt tokens over 10 s: 1,500 total tok/s; 2 × g4dn.xlarge.
    const c = runCost(summary(10, 500, 10_000), { replicas: 2 });
    expect(c).toMatchObject({
      region: 'us-east-1',
      instanceType: 'g4dn.xlarge',
      replicas: 2,
      replicasFrom: 'flag',
      outputTokensPerSec: 500,
      totalTokensPerSec: 1500,
    });
    expect(c.spot.usdPerHour).toBe(0.4208);
    // 0.4208 $/h over 500 × 3600 = 1.8M tokens/h → $0.233778 per 1M; over 5.4M total tokens/h → $0.077926.
    expect(c.spot.usdPer1MOutputTokens).toBe(0.233778);
    expect(c.spot.usdPer1MTotalTokens).toBe(0.077926);
    expect(c.onDemand.usdPerHour).toBe(1.052);
    expect(c.onDemand.usdPer1MOutputTokens).toBe(0.584444);
    expect(c.onDemand.usdPer1MTotalTokens).toBe(0.194815);
    expect(c.notes).toEqual([]);
  });

  it('notes an assumed replica count, and has no price for a run that produced nothing', () => {
    const c = runCost(summary(10, 0, 0));
    expect(c.replicasFrom).toBe('assumed');
    expect(c.notes[0]).toMatch(/^priced as 1 replica: pass --replicas N/);
    expect(c.spot.usdPer1MOutputTokens).toBeNull();
    expect(c.spot.usdPer1MTotalTokens).toBeNull();
  });

  it('applies a discount and an instance price given instead of the facts', () => {
    const c = runCost(summary(1, 1000, 0), {
      replicas: 1,
      instanceType: 'g4dn.2xlarge',
      region: 'eu-central-1',
      overrides: { spotDiscount: 0.5, instanceHourlyUsd: { 'g4dn.2xlarge': { onDemand: 1 } } },
    });
    expect(c.onDemand.usdPerHour).toBe(1);
    expect(c.spot.usdPerHour).toBe(0.5);
    // $0.5/h over 3.6M tokens/h.
    expect(c.spot.usdPer1MOutputTokens).toBe(0.138889);
  });

  it('counts GPU minutes of replicas asked for but not ready, up to a given time', () => {
    const samples = [
      { t: 0, desired: 1, ready: 1 },
      { t: 10, desired: 3, ready: 1 },
      { t: 70, desired: 3, ready: 2 },
      { t: 100, desired: 3, ready: 3 },
      { t: 200, desired: 1, ready: 3 },
    ];
    // 2 replicas waiting 60 s and 1 waiting 30 s: 150 GPU seconds; a scale-down costs nothing here.
    expect(coldStartGpuMinutes(samples)).toBe(2.5);
    expect(coldStartGpuMinutes(samples, 40)).toBe(1);
    const r = coldStartReport(samples, null);
    expect(r).toMatchObject({ gpuMinutes: 2.5, replicasStarted: 2, instanceType: 'g4dn.xlarge' });
    // 2.5 min of $0.2104/h and $0.526/h.
    expect(r.spotUsd).toBe(0.008767);
    expect(r.onDemandUsd).toBe(0.021917);
  });
});

describe('llm-bench load and sweep with prices', () => {
  // Throughputs are the simulator's schedule on a clock that moves only when no byte is in flight.
  useVirtualTime();
  let sim: Simulator;
  let dir: string;
  beforeAll(async () => {
    sim = await startSimulator({ port: 0, ttftMs: 5, itlMs: 1, models: ['m'] });
    dir = tempDir('llm-bench-run-cost-');
  });
  afterAll(async () => {
    await sim.close();
  });
  const run = (...extra: string[]) => argv('--base-url', sim.url, '--model', 'm', '--requests', '12', '--output-tokens', '8', ...extra);

  it('load reports $ per 1M tokens for --replicas at its measured throughput', async () => {
    const io = memoryIo();
    const file = join(dir, 'load.json');
    expect(
      await vt.run(
        main(
          [...run('--concurrency', '4', '--replicas', '2', '--json', file, '--html', join(dir, 'load.html'))].toSpliced(2, 0, 'load'),
          io,
        ),
      ),
    ).toBe(0);
    const r = loadResultSchema.parse(JSON.parse(await readFile(file, 'utf8')));
    const s = r.summary;
    expect(r.cost).toMatchObject({
      replicas: 2,
      replicasFrom: 'flag',
      instanceType: 'g4dn.xlarge',
      region: 'us-east-1',
      pricesReadOn: '2026-12-06',
    });
    const perHour = (usd: number, tokensPerSec: number) => Number(((usd / (tokensPerSec * 3600)) * 1e6).toFixed(6));
    expect(r.cost!.spot.usdPer1MOutputTokens).toBe(perHour(0.4208, s.outputTokenThroughput));
    expect(r.cost!.onDemand.usdPer1MOutputTokens).toBe(perHour(1.052, s.outputTokenThroughput));
    expect(r.cost!.spot.usdPer1MTotalTokens).toBe(perHour(0.4208, s.outputTokenThroughput + s.inputTokens.total / s.durationSec));
    expect(io.out()).toContain('### Cost');
    expect(io.out()).toContain('| SPOT | $0.4208 |');
    expect(renderMarkdown(r)).toContain('2 replicas (--replicas)');
    const html = await readFile(join(dir, 'load.html'), 'utf8');
    expect(html).toContain('<h2>Cost</h2>');
    expect(html).toContain('$0.4208');
  });

  it('prices as an environment file does: its region, pricing section and dearest GPU type', async () => {
    const io = memoryIo();
    const code = await vt.run(
      main(
        [...run('--concurrency', '2', '--pricing-config', join(PROJECT_ROOT, 'Pulumi.prod.yaml'), '--json', '-')].toSpliced(2, 0, 'load'),
        io,
      ),
    );
    expect(code).toBe(0);
    const r = loadResultSchema.parse(JSON.parse(io.out()));
    expect(r.cost).toMatchObject({
      instanceType: 'g4dn.2xlarge',
      region: 'us-east-1',
      replicasFrom: 'assumed',
      spot: { gpuUsdPerHour: 0.3008 },
      onDemand: { gpuUsdPerHour: 0.752 },
    });
  });

  it('exits 2 before any request for pricing flags it cannot use, naming each', async () => {
    const io = memoryIo();
    const before = sim.stats().requests;
    const code = await vt.run(
      main(
        [...run('--concurrency', '2', '--replicas', '0', '--instance-type', 't3.large', '--spot-discount', '1.5')].toSpliced(2, 0, 'load'),
        io,
      ),
    );
    expect(code).toBe(2);
    expect(io.err()).toContain('--replicas must be a whole number at least 1, got 0');
    expect(io.err()).toContain('--instance-type must be a GPU instance type of constructs/hardware.ts, got t3.large');
    expect(io.err()).toContain('--spot-discount');
    expect(sim.stats().requests).toBe(before);
  });

  it('sweep prices every step and shows $ per 1M output tokens beside each', async () => {
    const io = memoryIo();
    const file = join(dir, 'sweep.json');
    expect(await vt.run(main([...run('--concurrency', '1,4', '--replicas', '1', '--json', file)].toSpliced(2, 0, 'sweep'), io))).toBe(0);
    const r = sweepResultSchema.parse(JSON.parse(await readFile(file, 'utf8')));
    expect(r.steps.map((s) => s.cost?.replicas)).toEqual([1, 1]);
    for (const step of r.steps) {
      expect(step.cost!.spot.usdPer1MOutputTokens).toBe(Number(((0.2104 / (step.summary.outputTokenThroughput * 3600)) * 1e6).toFixed(6)));
    }
    expect(io.out()).toContain('| $/1M out SPOT | $/1M out on demand |');
  });
});
