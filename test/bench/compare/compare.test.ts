/**
 * compare against real simulators on loopback: a candidate with 30 % higher TTFT fails a 10 % gate
 * beyond noise; a rerun of the same settings stays inside it. Jitter makes two runs differ as two
 * runs on a real server do; every draw is seeded.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../bench/cli/main';
import { judgeGate } from '../../../bench/compare/compare';
import { parseRegressionGates } from '../../../bench/compare/gates';
import { compareResultSchema, type MetricComparison } from '../../../bench/compare/result';
import { UsageError } from '../../../bench/errors';
import { loadResultSchema } from '../../../bench/result';
import { type Simulator, startSimulator } from '../../../bench/sim/simulator';
import { tempDir } from '../../support/temp';
import { useVirtualTime } from '../../support/virtual-time';
import { argv, closedPort, memoryIo } from '../helpers';

// Virtual time: a simulator's 200 ms TTFT is 200 ms however busy the machine is, so the only
// run-to-run noise is the simulator's seeded jitter.
const vt = useVirtualTime('all');

let base: Simulator;
let slow: Simulator;
let dir: string;
const file = (name: string) => join(dir, name);

async function load(sim: Simulator, out: string, seed: number): Promise<void> {
  const io = memoryIo();
  const code = await vt.run(
    main(
      argv(
        'load',
        '--base-url',
        sim.url,
        '--model',
        'm',
        '--concurrency',
        '32',
        '--requests',
        '320',
        '--output-tokens',
        '4',
        '--seed',
        String(seed),
        '--json',
        out,
      ),
      io,
    ),
  );
  expect(code, io.err()).toBe(0);
}

beforeAll(async () => {
  // One simulator per side; the slow one's TTFT is 30 % higher. Jitter σ 0.2 on both.
  base = await startSimulator({ port: 0, ttftMs: 200, itlMs: 10, models: ['m'], jitter: 0.2, seed: 11 });
  slow = await startSimulator({ port: 0, ttftMs: 260, itlMs: 10, models: ['m'], jitter: 0.2, seed: 12 });
  dir = tempDir('llm-bench-compare-');
  await load(base, file('a1.json'), 1);
  await load(base, file('a2.json'), 2);
  await load(slow, file('b.json'), 1);
}, 60_000);
afterAll(async () => {
  await vt.run(Promise.all([base.close(), slow.close()]));
});

const gates = ['--max-regression', 'ttftMs.p95=10%', '--max-regression', 'errorRate=+0.005'];

describe('llm-bench compare of two saved loads', () => {
  it('keeps each latency histogram in the load result', async () => {
    const r = loadResultSchema.parse(JSON.parse(await readFile(file('a1.json'), 'utf8')));
    expect(r.histograms?.ttftMs.count).toBe(320);
  });

  it('exits 0 for a rerun of the same settings: inside the noise', async () => {
    const io = memoryIo();
    const code = await vt.run(main(argv('compare', file('a1.json'), file('a2.json'), ...gates, '--json', file('same.json')), io));
    expect(code, io.err()).toBe(0);
    const r = compareResultSchema.parse(JSON.parse(await readFile(file('same.json'), 'utf8')));
    expect(r.passed).toBe(true);
    const ttft = r.comparisons[0]!.metrics.find((m) => m.metric === 'ttftMs.p95')!;
    expect(ttft.interval!.low).toBeLessThan(ttft.interval!.high);
    expect(r.comparisons[0]!.gates.map((g) => g.passed)).toEqual([true, true]);
    expect(io.out()).toContain('## llm-bench compare: PASSED (2 gates)');
  });

  it('exits 99 for the candidate with 30 % higher TTFT, and writes every report', async () => {
    const io = memoryIo();
    const code = await vt.run(
      main(
        argv(
          'compare',
          file('a1.json'),
          file('b.json'),
          ...gates,
          '--json',
          file('c.json'),
          '--junit',
          file('c.xml'),
          '--html',
          file('c.html'),
          '--markdown',
          file('c.md'),
        ),
        io,
      ),
    );
    expect(code, io.out() + io.err()).toBe(99);
    const r = compareResultSchema.parse(JSON.parse(await readFile(file('c.json'), 'utf8')));
    const ttft = r.comparisons[0]!.metrics.find((m) => m.metric === 'ttftMs.p95')!;
    expect(ttft.change).toBe('worse');
    expect(ttft.deltaPct!).toBeGreaterThan(0.15);
    expect(ttft.interval!.low).toBeGreaterThan(0);
    expect(r.comparisons[0]!.gates.map((g) => [g.expression, g.passed])).toEqual([
      ['ttftMs.p95=10%', false],
      ['errorRate=+0.005', true],
    ]);
    expect(r.notes).toContain(`baseUrl differs: ${base.url} → ${slow.url}`);
    expect(io.err()).toContain('gates crossed: ttftMs.p95=10% (worse by');
    expect(await readFile(file('c.xml'), 'utf8')).toContain('tests="2" failures="1"');
    expect(await readFile(file('c.html'), 'utf8')).toContain('TTFT CDF');
    expect(await readFile(file('c.md'), 'utf8')).toContain('| ttftMs.p95 |');
  });

  it('leaves a gate undecided, not failed, when a result has no histograms', async () => {
    const old = JSON.parse(await readFile(file('b.json'), 'utf8')) as Record<string, unknown>;
    delete old.histograms;
    await writeFile(file('old.json'), JSON.stringify(old));
    const io = memoryIo();
    const code = await vt.run(main(argv('compare', file('a1.json'), file('old.json'), ...gates, '--json', file('u.json')), io));
    expect(code).toBe(0);
    const r = compareResultSchema.parse(JSON.parse(await readFile(file('u.json'), 'utf8')));
    expect(r.comparisons[0]!.gates[0]!.passed).toBeNull();
    expect(io.err()).toContain('warning: gate ttftMs.p95=10% undecided');
  });

  it('exits 2 on bad gates, files of another kind and live flags without --live, naming every problem', async () => {
    const io = memoryIo();
    const code = await vt.run(
      main(
        argv(
          'compare',
          file('a1.json'),
          file('b.json'),
          '--max-regression',
          'ttft=10%',
          '--max-regression',
          'outputTokenThroughput=+5%',
          '--concurrency',
          '2',
        ),
        io,
      ),
    );
    expect(code).toBe(2);
    expect(io.err()).toContain('names an unknown metric, got ttft');
    expect(io.err()).toContain('limits the wrong direction, got +');
    expect(io.err()).toContain('--concurrency only apply with --live');
    const missing = memoryIo();
    expect(await main(argv('compare', file('nope.json'), file('b.json')), missing)).toBe(2);
    expect(missing.err()).toContain('baseline file');
  });
});

describe('llm-bench compare of two sweeps', () => {
  it('compares step by step and names steps only one side has', async () => {
    const sweep = (sim: Simulator, values: string, out: string) =>
      vt.run(
        main(
          argv(
            'sweep',
            '--base-url',
            sim.url,
            '--model',
            'm',
            '--concurrency',
            values,
            '--requests',
            '200',
            '--output-tokens',
            '4',
            '--json',
            out,
          ),
          memoryIo(),
        ),
      );
    expect(await sweep(base, '8,16', file('sa.json'))).toBe(0);
    expect(await sweep(slow, '8,32', file('sb.json'))).toBe(0);
    const io = memoryIo();
    const code = await vt.run(main(argv('compare', file('sa.json'), file('sb.json'), ...gates, '--json', file('sweep.json')), io));
    expect(code).toBe(99);
    const r = compareResultSchema.parse(JSON.parse(await readFile(file('sweep.json'), 'utf8')));
    expect(r.comparisons.map((c) => [c.label, c.gates[0]!.passed])).toEqual([['concurrency 8', false]]);
    expect(r.notes).toEqual(
      expect.arrayContaining(['step concurrency 16 is only in the baseline', 'step concurrency 32 is only in the candidate']),
    );
    expect(io.out()).toContain('### concurrency 8');
  });
});

describe('llm-bench compare --live', () => {
  it('runs one load interleaved over both targets and flags the slower one', async () => {
    const io = memoryIo();
    const [servedBase, servedSlow] = [base.stats().requests, slow.stats().requests];
    const code = await vt.run(
      main(
        argv(
          'compare',
          '--live',
          '--base-url',
          base.url,
          '--model',
          'm',
          '--candidate-base-url',
          slow.url,
          '--concurrency',
          '32',
          '--requests',
          '640',
          '--output-tokens',
          '4',
          ...gates,
          '--json',
          file('live.json'),
          '--save-baseline',
          file('live-a.json'),
          '--save-candidate',
          file('live-b.json'),
        ),
        io,
      ),
    );
    expect(code, io.err()).toBe(99);
    const r = compareResultSchema.parse(JSON.parse(await readFile(file('live.json'), 'utf8')));
    expect(r.mode).toBe('live');
    expect(r.comparisons[0]!.metrics.find((m) => m.metric === 'ttftMs.p95')!.change).toBe('worse');
    expect(r.notes[0]).toContain('requests were interleaved in one load');
    expect(r.notes[0]).toContain('(320 requests to the baseline, 320 to the candidate)');
    expect(r.notes[0]).toContain("concurrency 32 was the whole load's");
    expect(io.out()).toContain('> requests were interleaved in one load');
    // Each side is an ordinary load result, readable as a saved file; each server got its half (+ a warm-up).
    const [a, b] = await Promise.all(
      ['live-a.json', 'live-b.json'].map(async (f) => loadResultSchema.parse(JSON.parse(await readFile(file(f), 'utf8')))),
    );
    expect([a!.settings.baseUrl, b!.settings.baseUrl]).toEqual([base.url, slow.url]);
    expect([a!.settings.interleaved, b!.settings.interleaved]).toEqual([
      { target: 0, targets: 2 },
      { target: 1, targets: 2 },
    ]);
    expect([a!.summary.requests.succeeded, b!.summary.requests.succeeded]).toEqual([320, 320]);
    expect([base.stats().requests - servedBase, slow.stats().requests - servedSlow]).toEqual([321, 321]);
    const again = memoryIo();
    expect(await vt.run(main(argv('compare', file('live-a.json'), file('live-b.json'), ...gates), again))).toBe(99);
    expect(again.out()).toContain('> requests were interleaved in one load');
  }, 60_000);

  it('exits 1 naming the candidate when it cannot be reached, before any counted request', async () => {
    const io = memoryIo();
    const port = await closedPort();
    const code = await vt.run(
      main(
        argv(
          'compare',
          '--live',
          '--base-url',
          base.url,
          '--model',
          'm',
          '--candidate-base-url',
          `http://127.0.0.1:${port}`,
          '--requests',
          '20',
        ),
        io,
      ),
    );
    expect(code).toBe(1);
    expect(io.err()).toContain(
      `the live load stopped itself: target 2 (m at http://127.0.0.1:${port}): http://127.0.0.1:${port} is unreachable`,
    );
  });

  it('exits 2 on live flags that conflict, naming every problem', async () => {
    const io = memoryIo();
    const code = await vt.run(
      main(
        argv(
          'compare',
          '--live',
          '--base-url',
          base.url,
          '--model',
          'm',
          '--candidate-base-url',
          'not a url',
          '--concurrency',
          '4',
          '--rate',
          '2',
          '--requests',
          '1',
        ),
        io,
      ),
    );
    expect(code).toBe(2);
    expect(io.err()).toContain('the load takes one of --concurrency or --rate, got both (4 and 2); pass one');
    expect(io.err()).toContain('--candidate-base-url is not a url, got "not a url"');
    expect(io.err()).toContain('--requests must give each of the 2 targets a request, got 1; pass at least 2');
  });
});

describe('regression gates', () => {
  const metric = (over: Partial<MetricComparison>): MetricComparison => ({
    metric: 'ttftMs.p95',
    unit: 'ms',
    better: 'lower',
    baseline: 100,
    candidate: 120,
    delta: 20,
    deltaPct: 0.2,
    interval: { low: 5, high: 35 },
    noise: 'beyond',
    change: 'worse',
    ...over,
  });
  const [gate] = parseRegressionGates(['ttftMs.p95=10%']);

  it('fail only past the limit and beyond the noise', () => {
    expect(judgeGate(gate!, metric({})).passed).toBe(false);
    expect(judgeGate(gate!, metric({ interval: { low: -5, high: 35 }, noise: 'within', change: 'same' })).passed).toBe(true);
    expect(judgeGate(gate!, metric({ candidate: 105, delta: 5, deltaPct: 0.05 })).passed).toBe(true);
    expect(judgeGate(gate!, metric({ interval: null, noise: 'unavailable', change: 'unknown', note: 'no histograms' })).passed).toBeNull();
  });

  it('read throughput limits as falls and error-rate limits as absolute rises', () => {
    const [tput, err] = parseRegressionGates(['outputTokenThroughput=-5%', 'errorRate=+0.005']);
    expect(tput).toMatchObject({ kind: 'relative', limit: 0.05 });
    expect(err).toMatchObject({ kind: 'absolute', limit: 0.005 });
    const fall = metric({
      metric: 'outputTokenThroughput',
      better: 'higher',
      baseline: 100,
      candidate: 90,
      delta: -10,
      deltaPct: -0.1,
      interval: { low: -15, high: -5 },
    });
    expect(judgeGate(tput!, fall)).toMatchObject({ passed: false, regression: 0.1 });
  });

  it('report every bad expression at once', () => {
    expect(() => parseRegressionGates(['x', 'ttftMs.p95=-10%'])).toThrow(UsageError);
    try {
      parseRegressionGates(['x', 'ttftMs.p95=-10%']);
    } catch (err) {
      expect((err as UsageError).problems).toHaveLength(2);
    }
  });
});
