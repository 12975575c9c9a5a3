/**
 * Merging worker reports is exact: N shards of the same requests, each through its own Collector
 * (as each worker's load engine does), merge into the summary one Collector gives for all of them.
 */
import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../../bench/client/openai';
import { mergeWorkerReports } from '../../../bench/distributed/merge';
import {
  findReport,
  reportLine,
  shareOf,
  shardProblems,
  WORKER_PROTOCOL,
  type WorkerReport,
  type WorkerSpec,
  workerSeed,
} from '../../../bench/distributed/spec';
import { Collector } from '../../../bench/load/collector';
import { seededRandom } from '../../../bench/load/random';
import { LatencyHistogram } from '../../../bench/load/stats';
import { renderHtml } from '../../../bench/report/html';
import { renderMarkdown } from '../../../bench/report/markdown';
import type { LoadSettings } from '../../../bench/result';

const settings: LoadSettings = {
  baseUrl: 'http://127.0.0.1:1',
  model: 'm',
  endpoint: 'chat',
  stream: true,
  profile: { kind: 'concurrency', concurrency: 8 },
  requests: 2000,
  durationSec: null,
  inputTokens: 64,
  outputTokens: null,
  prompts: 'synthetic',
  seed: 1,
  timeouts: { connectSec: 1, firstTokenSec: 1, totalSec: 1 },
};

/** Seeded records: mostly successes with long-tailed latencies, some failures, a few cancelled. */
function records(n: number): RequestRecord[] {
  const rnd = seededRandom(7);
  return Array.from({ length: n }, (_, i): RequestRecord => {
    const startMs = rnd() * 9_000;
    const u = rnd();
    const traceId = i.toString(16).padStart(32, '0');
    if (u < 0.03) return { id: `r${i}`, outcome: 'cancelled', startMs, e2eMs: 5, itlMs: [], contentChunks: 0, traceId };
    if (u < 0.1) {
      const reason = u < 0.06 ? 'http_503' : 'stream_cut';
      return {
        id: `r${i}`,
        outcome: 'failure',
        reason,
        message: `m-${reason}`,
        status: 503,
        startMs,
        e2eMs: 3 + rnd() * 50,
        itlMs: [],
        contentChunks: 0,
        traceId,
      };
    }
    const ttftMs = 20 + -Math.log(1 - rnd()) * 80;
    const tokens = 1 + Math.floor(rnd() * 60);
    const itl = Float64Array.from({ length: tokens - 1 }, () => 1 + rnd() * 30);
    const lastTokenMs = ttftMs + itl.reduce((a, b) => a + b, 0);
    return {
      id: `r${i}`,
      traceId,
      outcome: 'success',
      status: 200,
      startMs,
      ttftMs,
      lastTokenMs,
      e2eMs: lastTokenMs + rnd() * 2,
      itlMs: itl,
      contentChunks: tokens,
      outputTokens: tokens,
      ...(rnd() < 0.9 && { inputTokens: 50 + Math.floor(rnd() * 30) }),
    };
  });
}

function collect(rs: readonly RequestRecord[], endMs: number): { collector: Collector; inputReports: number } {
  const c = new Collector(0, 1000);
  let inputReports = 0;
  for (const r of [...rs].sort((a, b) => a.startMs - b.startMs)) {
    c.onStart(r.startMs, 1);
    c.onEnd(r);
    if (r.outcome === 'success' && r.inputTokens !== undefined) inputReports++;
  }
  c.closeAll(endMs);
  return { collector: c, inputReports };
}

function report(index: number, rs: readonly RequestRecord[], durationSec: number): WorkerReport {
  const { collector: c, inputReports } = collect(rs, durationSec * 1000);
  return {
    protocol: WORKER_PROTOCOL,
    runId: 'run-1',
    index,
    loadStartMs: 1_000_000,
    startLagMs: 0,
    inputReports,
    summary: c.summary(durationSec),
    histograms: { ttftMs: c.ttft.encode(), tpotMs: c.tpot.encode(), itlMs: c.itl.encode(), e2eMs: c.e2e.encode() },
    timeline: c.timeline,
    slowest: c.slowest,
  };
}

const spec = (workers: number, thresholds: string[] = []): WorkerSpec => ({
  protocol: WORKER_PROTOCOL,
  runId: 'run-1',
  workers,
  startAtMs: 1_000_000,
  settings,
  thresholds,
});

describe('merging worker reports', () => {
  const all = records(2000);
  const durationSec = 10;
  const reference = collect(all, durationSec * 1000).collector;
  const ref = reference.summary(durationSec);
  const shards = [0, 1, 2, 3].map((w) => all.filter((_, i) => i % 4 === w));
  const merged = mergeWorkerReports(
    spec(4, ['ttftMs.p95<1000', 'errorRate<0.01']),
    new Date(0),
    shards.map((s, i) => report(i, s, durationSec)),
    [],
  );

  it('adds up every count exactly, as one client would have counted them', () => {
    const m = merged.summary;
    expect(m.requests).toEqual(ref.requests);
    expect(m.requests.total).toBe(2000);
    expect(merged.distributed!.reported.reduce((n, r) => n + r.requests, 0)).toBe(m.requests.total);
    expect(m.errors).toEqual(ref.errors);
    expect(m.errorMessages).toEqual(ref.errorMessages);
    expect(m.errorRate).toBe(ref.errorRate);
    expect(m.inputTokens).toEqual(ref.inputTokens);
    expect(m.outputTokens).toEqual(ref.outputTokens);
    expect(m.usageMissing).toBe(ref.usageMissing);
    expect(m.requestThroughput).toBe(ref.requestThroughput);
    expect(m.outputTokenThroughput).toBe(ref.outputTokenThroughput);
    expect(merged.aborted).toBeUndefined();
  });

  it('gives the percentiles of the single-process reference: the histograms merge without resampling', () => {
    for (const k of ['ttftMs', 'tpotMs', 'itlMs', 'e2eMs'] as const) {
      const { mean, ...rest } = merged.summary[k];
      const { mean: refMean, ...refRest } = ref[k];
      expect(rest).toEqual(refRest);
      // The sum adds in another order: the mean may differ in its last rounded digit.
      expect(Math.abs(mean! - refMean!)).toBeLessThanOrEqual(0.001);
      const decoded = LatencyHistogram.decode(merged.histograms![k]);
      expect(decoded.count).toBe(ref[k].count);
    }
    expect(merged.distributions.e2eMs).toEqual(reference.e2e.distribution());
  });

  it('rebuilds the timeline: each second holds the sum of the workers’ counts', () => {
    const byT = new Map(reference.timeline.map((b) => [b.t, b]));
    expect(merged.timeline.map((b) => b.t)).toEqual(reference.timeline.map((b) => b.t));
    for (const b of merged.timeline) {
      const r = byT.get(b.t)!;
      expect([b.started, b.completed, b.failed, b.outputTokens]).toEqual([r.started, r.completed, r.failed, r.outputTokens]);
      expect(b.errors ?? {}).toEqual(r.errors ?? {});
      // Per-second percentiles are the highest worker's: never below the exact one.
      expect(b.e2eMs.p95 ?? 0).toBeGreaterThanOrEqual(r.e2eMs.p95 ?? 0);
    }
  });

  it('names the run’s slowest requests with their trace ids, as one collector would', () => {
    expect(merged.slowest).toEqual(reference.slowest);
    expect(merged.slowest).toHaveLength(5);
    const slowestE2e = all
      .filter((r) => r.outcome !== 'cancelled')
      .map((r) => r.e2eMs)
      .sort((a, b) => b - a)[0]!;
    expect(merged.slowest![0]!.e2eMs).toBeCloseTo(slowestE2e, 3);
    for (const q of merged.slowest!) expect(q.traceId).toBe(Number(q.requestId.slice(1)).toString(16).padStart(32, '0'));
    const q = merged.slowest![0]!;
    expect(renderMarkdown(merged)).toContain(`| \`${q.requestId}\` | ${q.outcome} |`);
    expect(renderMarkdown(merged)).toContain(`\`${q.traceId}\``);
    expect(renderHtml(merged)).toContain(`<code>${q.traceId}</code>`);
  });

  it('evaluates the thresholds once, on the merged summary', () => {
    expect(merged.thresholds.map((t) => [t.expression, t.value, t.passed])).toEqual([
      ['ttftMs.p95<1000', ref.ttftMs.p95, true],
      ['errorRate<0.01', ref.errorRate, false],
    ]);
  });

  it('names the workers that did not report, and the result says the load was incomplete', () => {
    const partial = mergeWorkerReports(
      spec(4),
      new Date(0),
      shards.slice(0, 3).map((s, i) => report(i, s, durationSec)),
      [{ index: 3, problem: 'exited with code 1: boom' }],
    );
    expect(partial.summary.requests.total).toBe(shards[0]!.length + shards[1]!.length + shards[2]!.length);
    expect(partial.distributed!.failed).toEqual([{ index: 3, problem: 'exited with code 1: boom' }]);
    expect(partial.aborted?.reason).toBe(
      '3 of 4 workers ran their share, so the load offered was less than asked: worker 3 exited with code 1: boom',
    );
  });
});

describe('sharing a run among workers', () => {
  it('splits users and requests so the shares add up to the whole', () => {
    for (const [total, n] of [
      [8, 4],
      [10, 4],
      [7, 3],
      [1, 1],
    ] as const) {
      const shares = Array.from({ length: n }, (_, i) => shareOf(total, i, n));
      expect(shares.reduce((a, b) => a + b, 0)).toBe(total);
      expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
    }
  });

  it('gives each worker its own seed, the same on every run', () => {
    const seeds = [0, 1, 2, 3].map((i) => workerSeed(42, i));
    expect(new Set(seeds).size).toBe(4);
    expect(seeds[0]).toBe(42);
    expect([0, 1, 2, 3].map((i) => workerSeed(42, i))).toEqual(seeds);
  });

  it('refuses more workers than users or requests', () => {
    expect(shardProblems({ ...settings, profile: { kind: 'concurrency', concurrency: 2 }, requests: 3 }, 4)).toEqual([
      '--workers 4 leaves some workers without a user, got --concurrency 2; use at most 2 workers',
      '--workers 4 leaves some workers without a request, got --requests 3; use at most 3 workers',
    ]);
    expect(shardProblems(settings, 0)).toEqual(['--workers must be a positive integer, got 0; pass e.g. --workers 4']);
  });

  it('finds a worker’s report in its output, and says why when it cannot', () => {
    const r = report(2, records(10), 1);
    expect(findReport(`starting\n${reportLine(r)}`, 'run-1', 2)).toEqual({ report: r });
    expect(findReport('crashed\n', 'run-1', 2)).toEqual({ problem: 'printed no report' });
    expect(findReport(reportLine(r), 'run-1', 3)).toEqual({ problem: 'printed the report of run run-1 worker 2, not run run-1 worker 3' });
  });
});
