/**
 * One load over several targets, against real simulators on loopback: the order requests are
 * dealt in, the count each target gets, each target's own client settings and failures, and that
 * a slower candidate shows as a regression when the two results are compared.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareResults } from '../../bench/compare/compare';
import type { CompareResult } from '../../bench/compare/result';
import { parseRegressionGates } from '../../bench/compare/gates';
import { type InterleavedLoadOptions, interleavedSlot, resolveInterleavedOptions, startInterleavedLoad } from '../../bench/load/engine';
import { loadResultSchema } from '../../bench/result';
import { type Simulator, startSimulator } from '../../bench/sim/simulator';
import { UsageError } from '../../bench/errors';
import { useVirtualTime } from '../support/virtual-time';

// Virtual time: the simulators' TTFTs are exact, so only their seeded jitter differs between requests.
const vt = useVirtualTime('all');

let a: Simulator;
let b: Simulator;
let pair: Simulator;
beforeAll(async () => {
  a = await startSimulator({ port: 0, ttftMs: 100, itlMs: 5, models: ['m'], apiKey: 'key-a', recordTimings: true, seed: 1 });
  b = await startSimulator({ port: 0, ttftMs: 100, itlMs: 5, models: ['m'], apiKey: 'key-b', recordTimings: true, seed: 2 });
  // Two models on one endpoint.
  pair = await startSimulator({ port: 0, ttftMs: 50, itlMs: 5, models: ['awq', 'fp16'], seed: 3 });
});
afterAll(async () => {
  await vt.run(Promise.all([a.close(), b.close(), pair.close()]));
});

const targets = () => [
  { baseUrl: a.url, model: 'm', apiKey: 'key-a' },
  { baseUrl: b.url, model: 'm', apiKey: 'key-b' },
];

/** The request index inside `<runId>-<i>`. */
const indexOf = (id: string) => Number(id.slice(id.lastIndexOf('-') + 1));

describe('an interleaved load over two targets', () => {
  it('deals 20 requests A, B, A, B…: 10 each, each with its own key, the same prompts in the same order', async () => {
    const dealt: number[] = [];
    const run = startInterleavedLoad(
      { targets: targets(), profile: { kind: 'concurrency', concurrency: 1 }, requests: 20, outputTokens: 4 },
      { onRequest: (_r, target) => dealt.push(target) },
    );
    const [ra, rb] = await vt.run(run.done);
    // One user: requests go out one at a time, in index order.
    expect(dealt).toEqual(Array.from({ length: 20 }, (_, i) => i % 2));
    for (const [r, target] of [
      [ra!, 0],
      [rb!, 1],
    ] as const) {
      expect(loadResultSchema.parse(r)).toEqual(r);
      expect(r.aborted).toBeUndefined();
      expect(r.summary.requests).toEqual({ total: 10, succeeded: 10, failed: 0, cancelled: 0 });
      expect(r.settings.interleaved).toEqual({ target, targets: 2 });
      expect(r.histograms?.ttftMs.count).toBe(10);
    }
    expect(ra!.settings.baseUrl).toBe(a.url);
    expect(rb!.settings.baseUrl).toBe(b.url);
    // The servers saw even request indices at A, odd at B, and arrivals alternating in time.
    // (The preflight's warm-up request carries the client's own `req-<n>` id, not the run's.)
    const counted = (sim: Simulator, server: string) =>
      [...sim.timings()].filter(([id]) => /^[0-9a-f]{8}-\d+$/.test(id)).map(([id, t]) => ({ i: indexOf(id), at: t.arrivedAtMs, server }));
    const seen = [...counted(a, 'A'), ...counted(b, 'B')];
    expect(seen).toHaveLength(20);
    expect(seen.filter((s) => s.server === 'A').map((s) => s.i % 2)).toEqual(Array(10).fill(0));
    expect(seen.filter((s) => s.server === 'B').map((s) => s.i % 2)).toEqual(Array(10).fill(1));
    expect(seen.sort((x, y) => x.at - y.at).map((s) => s.server)).toEqual(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 'A' : 'B')));
    // Request 2k to A and 2k+1 to B carry prompt k: the same prompts, so the same input tokens.
    expect(ra!.summary.inputTokens).toEqual(rb!.summary.inputTokens);
    expect(a.stats().requests).toBe(10 + 1); // + the uncounted warm-up request of the preflight
    expect(b.stats().requests).toBe(10 + 1);
  });

  it('deals an open-loop arrival stream the same way, and an odd count gives the first target one more', async () => {
    const dealt: number[] = [];
    const run = startInterleavedLoad(
      {
        targets: [
          { baseUrl: pair.url, model: 'awq' },
          { baseUrl: pair.url, model: 'fp16' },
        ],
        profile: { kind: 'rate', rate: 40, burstiness: 1 },
        requests: 21,
        outputTokens: 4,
        seed: 5,
      },
      { onRequest: (r, target) => dealt.push(indexOf(r.id) % 2 === target ? target : -1) },
    );
    const [awq, fp16] = await vt.run(run.done);
    expect(dealt).not.toContain(-1);
    expect([awq!.summary.requests.succeeded, fp16!.summary.requests.succeeded]).toEqual([11, 10]);
    expect([awq!.settings.model, fp16!.settings.model]).toEqual(['awq', 'fp16']);
    expect(awq!.settings.profile).toEqual({ kind: 'rate', rate: 40, burstiness: 1 });
  });

  it('counts a failing target on its side only', async () => {
    b.update({ faults: { error: 1 } });
    try {
      const [ra, rb] = await vt.run(
        startInterleavedLoad({
          targets: targets(),
          profile: { kind: 'concurrency', concurrency: 4 },
          requests: 20,
          outputTokens: 4,
          preflight: false,
        }).done,
      );
      expect(ra!.summary.requests).toEqual({ total: 10, succeeded: 10, failed: 0, cancelled: 0 });
      expect(ra!.summary.errors).toEqual({});
      expect(rb!.summary.requests).toEqual({ total: 10, succeeded: 0, failed: 10, cancelled: 0 });
      expect(rb!.summary.errors).toEqual({ http_500: 10 });
      expect(rb!.summary.errorRate).toBe(1);
      expect(ra!.aborted).toBeUndefined();
      expect(rb!.aborted).toBeUndefined();
    } finally {
      b.update({ faults: { error: 0 } });
    }
  });

  it('stops before any counted request when a target fails its preflight, naming that target in every result', async () => {
    const results = await vt.run(
      startInterleavedLoad({
        targets: [targets()[0]!, { baseUrl: b.url, model: 'm', apiKey: 'wrong' }],
        profile: { kind: 'concurrency', concurrency: 2 },
        requests: 10,
      }).done,
    );
    for (const r of results) {
      expect(r.summary.requests.total).toBe(0);
      expect(r.aborted?.reason).toMatch(new RegExp(`^target 2 \\(m at ${b.url}\\): .*rejected the request with 401`));
    }
  });

  it('finds two equal targets inside the noise, and a slower candidate a regression beyond it', async () => {
    const gates = parseRegressionGates(['ttftMs.p95=10%', 'errorRate=+0.005', 'outputTokenThroughput=-5%']);
    const compareLive = async () => {
      const [base, cand] = await vt.run(
        startInterleavedLoad({ targets: targets(), profile: { kind: 'concurrency', concurrency: 16 }, requests: 400, outputTokens: 4 })
          .done,
      );
      return compareResults({ baseline: base!, candidate: cand!, baselineFile: null, candidateFile: null }, { gates });
    };
    const ttftOf = (r: CompareResult) => r.comparisons[0]!.metrics.find((m) => m.metric === 'ttftMs.p95')!;
    // Jitter (σ 0.2, seeded per simulator) makes the two sides differ as two servers do.
    a.update({ jitter: 0.2 });
    b.update({ jitter: 0.2 });
    try {
      const same = await compareLive();
      expect(ttftOf(same).change).toBe('same');
      expect(same.passed).toBe(true);

      b.update({ ttftMs: 130 });
      const slower = await compareLive();
      const [c] = slower.comparisons;
      expect(ttftOf(slower).change).toBe('worse');
      expect(ttftOf(slower).interval!.low).toBeGreaterThan(0);
      expect(c!.gates.map((g) => [g.expression, g.passed])).toEqual([
        ['ttftMs.p95=10%', false],
        ['errorRate=+0.005', true],
        ['outputTokenThroughput=-5%', null],
      ]);
      expect(c!.gates[2]!.reason).toMatch(/^in one interleaved load each target gets the same share/);
      const tput = c!.metrics.find((m) => m.metric === 'outputTokenThroughput')!;
      expect(tput.noise).toBe('unavailable');
      expect(tput.note).toContain('interleaved load');
      expect(slower.mode).toBe('live');
      expect(slower.notes[0]).toBe(
        "requests were interleaved in one load, so both targets saw the same moment's noise: request i went to the baseline when i is even " +
          'and to the candidate when it is odd, with the same prompts in the same order (200 requests to the baseline, 200 to the candidate); ' +
          "concurrency 16 was the whole load's: its users were shared by the targets, so a slower target held more of them at a time",
      );
    } finally {
      a.update({ jitter: 0 });
      b.update({ ttftMs: 100, jitter: 0 });
    }
  }, 60_000);
});

describe('interleaved load options', () => {
  const opts = (over: Partial<InterleavedLoadOptions>): InterleavedLoadOptions => ({
    targets: [
      { baseUrl: 'http://127.0.0.1:1', model: 'a' },
      { baseUrl: 'http://127.0.0.1:2', model: 'b' },
    ],
    profile: { kind: 'concurrency', concurrency: 2 },
    ...over,
  });

  it('maps request i to target i mod N with prompt floor(i / N)', () => {
    expect([0, 1, 2, 3, 4].map((i) => interleavedSlot(i, 2))).toEqual([
      { target: 0, prompt: 0 },
      { target: 1, prompt: 0 },
      { target: 0, prompt: 1 },
      { target: 1, prompt: 1 },
      { target: 0, prompt: 2 },
    ]);
    expect(interleavedSlot(7, 3)).toEqual({ target: 1, prompt: 2 });
  });

  it('reports every problem once: too few targets, too few requests, a bad URL and a shared bad field', () => {
    const problems = (o: InterleavedLoadOptions) => {
      try {
        resolveInterleavedOptions(o);
        return [];
      } catch (err) {
        expect(err).toBeInstanceOf(UsageError);
        return (err as UsageError).problems;
      }
    };
    expect(problems(opts({ targets: [{ baseUrl: 'http://127.0.0.1:1', model: 'a' }] }))).toEqual([
      'an interleaved load needs 2 to 16 targets, got 1; pass a baseline and a candidate',
    ]);
    const many = problems(
      opts({
        requests: 1,
        inputTokens: 0,
        targets: [
          { baseUrl: 'http://127.0.0.1:1', model: 'a' },
          { baseUrl: 'nope', model: 'b' },
        ],
      }),
    );
    expect(many).toHaveLength(3);
    expect(many[0]).toBe('--requests must give each of the 2 targets a request, got 1; pass at least 2');
    expect(many.filter((p) => p.startsWith('--input-tokens'))).toHaveLength(1);
    expect(many.some((p) => p.includes('"nope"'))).toBe(true);
    expect(resolveInterleavedOptions(opts({})).settings.map((s) => s.interleaved)).toEqual([
      { target: 0, targets: 2 },
      { target: 1, targets: 2 },
    ]);
  });
});
