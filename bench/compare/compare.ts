/**
 * Two load (or sweep) results side by side: per metric the baseline, the candidate, the delta and
 * whether it is beyond run-to-run noise, from a 95 % interval of the difference; then the
 * regression gates. Pure: results in, result out, the same for the same seed.
 */
import { UsageError } from '../errors';
import { LatencyHistogram } from '../load/stats';
import { describeRun } from '../report/format';
import { envelope, type EncodedHistogram, type LoadResult, type SweepResult, type TimelineBucket } from '../result';
import { percentileDifferenceInterval, percentileUnavailable, seedFor, WeightedSample } from '../stats/bootstrap';
import { CONFIDENCE, excludes, type Interval, type Moments, newcombe, welch } from '../stats/intervals';
import { describeLimit, type RegressionGate } from './gates';
import {
  betterWhen,
  COMPARE_METRICS,
  type CompareMetric,
  type ComparedLatency,
  type ComparedStat,
  PERCENTILE_OF,
  readMetric,
  unitOf,
} from './metrics';
import type { CompareResult, CompareSource, Comparison, GateResult, MetricComparison } from './result';

/** How each interval is made; every report states it. */
export const COMPARE_METHODS: Readonly<Record<string, string>> = {
  percentiles:
    "p50/p95/p99: percentile bootstrap of candidate − baseline over the per-request samples in each run's HDR histogram, " +
    "2,000 seeded replicates, each side resampled independently (a resample's k-th order statistic drawn exactly through Beta(k, n−k+1)); " +
    `a percentile needs at least 5 samples beyond it (p95: 100 requests, p99: 500)`,
  mean: "mean: Welch's t interval of the difference, with each run's variance from its histogram",
  clusters:
    "ITL: its gaps come many to a request and share that request's moment on the server, so its resamples and its mean count one " +
    'independent unit per request, not per gap (a narrower interval would flag noise as change)',
  throughput:
    "throughput: Welch's t interval of the difference in mean rate over the steady state (the timeline's whole seconds without the " +
    'first and the last), in batches at least as long as the median request so that batches are close to independent; at least 5 batches a side',
  errorRate: "error rate: Newcombe's hybrid score interval (Wilson on each side) of the difference in failed / finished requests",
  noise:
    'beyond noise: the 95 % interval of candidate − baseline excludes 0; a gate fails only when the regression is past its limit and beyond noise',
};

/** Options of a comparison. */
export interface CompareOptions {
  readonly gates?: readonly RegressionGate[];
  /** Seed of the bootstrap. @default COMPARE_DEFAULTS.seed */
  readonly seed?: number;
}

export const COMPARE_DEFAULTS = {
  seed: 1,
  /** Steady-state batches a side needs for a throughput interval. */
  minBatches: 5,
} as const;

/** A file without histograms was written before they existed (or by a tool that does not keep them). */
const NO_HISTOGRAMS =
  'has no latency histograms (written before llm-bench kept them), so its noise is unknown; rerun it with this llm-bench';

// ---- intervals per kind of metric -------------------------------------------------------------

interface Side {
  readonly result: LoadResult;
  readonly histograms: Partial<Record<ComparedLatency, LatencyHistogram>>;
}

function decodeHistograms(r: LoadResult): Side['histograms'] {
  const out: Side['histograms'] = {};
  if (r.histograms === undefined) return out;
  for (const [name, encoded] of Object.entries(r.histograms) as [ComparedLatency, EncodedHistogram][]) {
    try {
      out[name] = LatencyHistogram.decode(encoded);
    } catch {
      // A corrupt histogram leaves that latency without a noise test, said in the note.
    }
  }
  return out;
}

type Noise = { readonly interval: Interval; readonly note?: string } | { readonly interval: null; readonly note: string };

function histogramMoments(h: LatencyHistogram, exactMean: number, draws: number): Moments {
  let m2 = 0;
  for (const [v, c] of h.buckets()) m2 += c * (v - exactMean) ** 2;
  return { n: Math.min(draws, h.count), mean: exactMean, variance: h.count > 1 ? m2 / (h.count - 1) : 0 };
}

/**
 * Independent units behind a latency's samples: one per sample, except ITL, whose gaps come many
 * to a request and share its moment on the server, so its unit is the request.
 */
function drawsOf(side: Side, latency: ComparedLatency, h: LatencyHistogram): number {
  if (latency !== 'itlMs') return h.count;
  return Math.min(h.count, side.histograms.e2eMs?.count ?? side.result.summary.e2eMs.count);
}

function latencyNoise(base: Side, cand: Side, latency: ComparedLatency, stat: ComparedStat, seed: number): Noise {
  const hb = base.histograms[latency];
  const hc = cand.histograms[latency];
  if (base.result.histograms === undefined) return { interval: null, note: `the baseline ${NO_HISTOGRAMS}` };
  if (cand.result.histograms === undefined) return { interval: null, note: `the candidate ${NO_HISTOGRAMS}` };
  if (hb === undefined || hc === undefined) return { interval: null, note: `a ${latency} histogram cannot be decoded` };
  if (stat === 'mean') {
    const mb = base.result.summary[latency].mean;
    const mc = cand.result.summary[latency].mean;
    const interval =
      mb === null || mc === null
        ? null
        : welch(histogramMoments(hb, mb, drawsOf(base, latency, hb)), histogramMoments(hc, mc, drawsOf(cand, latency, hc)));
    return interval === null ? { interval: null, note: 'a mean needs at least 2 samples a side' } : { interval };
  }
  const p = PERCENTILE_OF[stat];
  const [db, dc] = [drawsOf(base, latency, hb), drawsOf(cand, latency, hc)];
  const missing = percentileUnavailable(p, db) ?? percentileUnavailable(p, dc);
  if (missing !== null) return { interval: null, note: missing };
  const interval = percentileDifferenceInterval(
    WeightedSample.fromBuckets(hb.buckets()).withDraws(db),
    WeightedSample.fromBuckets(hc.buckets()).withDraws(dc),
    p,
    seedFor(seed, `${latency}.${stat}`),
  );
  return { interval };
}

/** Per-second rates over the steady state, averaged in batches of `batchSec` seconds. */
export function steadyStateBatches(timeline: readonly TimelineBucket[], value: (b: TimelineBucket) => number, batchSec: number): number[] {
  const steady = timeline.slice(1, -1);
  const batches: number[] = [];
  for (let i = 0; i + batchSec <= steady.length; i += batchSec) {
    batches.push(steady.slice(i, i + batchSec).reduce((sum, b) => sum + value(b), 0) / batchSec);
  }
  return batches;
}

function batchMoments(values: readonly number[]): Moments {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / Math.max(n, 1);
  const variance = n > 1 ? values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1) : 0;
  return { n, mean, variance };
}

function throughputNoise(base: LoadResult, cand: LoadResult, metric: 'requestThroughput' | 'outputTokenThroughput'): Noise {
  const value = metric === 'requestThroughput' ? (b: TimelineBucket) => b.completed : (b: TimelineBucket) => b.outputTokens;
  // Batches at least as long as the slower run's median request, so one request rarely spans two.
  const medianE2eMs = Math.max(base.summary.e2eMs.p50 ?? 0, cand.summary.e2eMs.p50 ?? 0);
  const batchSec = Math.max(1, Math.ceil(medianE2eMs / 1000));
  const bb = steadyStateBatches(base.timeline, value, batchSec);
  const bc = steadyStateBatches(cand.timeline, value, batchSec);
  const fewest = Math.min(bb.length, bc.length);
  if (fewest < COMPARE_DEFAULTS.minBatches) {
    const seconds = COMPARE_DEFAULTS.minBatches * batchSec + 2;
    return {
      interval: null,
      note: `throughput needs ${COMPARE_DEFAULTS.minBatches} steady-state batches of ${batchSec} s a side, got ${fewest}; run each load for at least ${seconds} s`,
    };
  }
  const interval = welch(batchMoments(bb), batchMoments(bc))!;
  return { interval, note: `steady state in ${batchSec}-s batches: ${bb.length} baseline, ${bc.length} candidate` };
}

function errorRateNoise(base: LoadResult, cand: LoadResult): Noise {
  const n = (r: LoadResult) => r.summary.requests.succeeded + r.summary.requests.failed;
  const interval = newcombe(cand.summary.requests.failed, n(cand), base.summary.requests.failed, n(base));
  return interval === null ? { interval: null, note: 'no finished requests on one side' } : { interval };
}

// ---- one metric, one gate ---------------------------------------------------------------------

/** Both sides are targets of one interleaved load (`compare --live`, or the files it saved). */
function interleavedPair(base: LoadResult, cand: LoadResult): boolean {
  return base.settings.interleaved !== undefined && cand.settings.interleaved !== undefined;
}

/** Why throughput says nothing about the targets of one interleaved load. */
export const INTERLEAVED_THROUGHPUT =
  'in one interleaved load each target gets the same share of the requests over the same time, so its throughput follows the load ' +
  '(and the answer lengths), not the target: no noise test; compare capacity with separate loads or sweeps';

const THROUGHPUTS: ReadonlySet<string> = new Set(['requestThroughput', 'outputTokenThroughput']);

function noiseOf(base: Side, cand: Side, metric: CompareMetric, seed: number): Noise {
  if (metric === 'errorRate') return errorRateNoise(base.result, cand.result);
  if (metric === 'requestThroughput' || metric === 'outputTokenThroughput') {
    if (interleavedPair(base.result, cand.result)) return { interval: null, note: INTERLEAVED_THROUGHPUT };
    return throughputNoise(base.result, cand.result, metric);
  }
  const [latency, stat] = metric.split('.') as [ComparedLatency, ComparedStat];
  return latencyNoise(base, cand, latency, stat, seed);
}

function compareMetric(base: Side, cand: Side, metric: CompareMetric, seed: number): MetricComparison {
  const b = readMetric(base.result.summary, metric);
  const c = readMetric(cand.result.summary, metric);
  const better = betterWhen(metric);
  const delta = b === null || c === null ? null : c - b;
  const deltaPct = delta === null || b === 0 ? null : delta / b!;
  const noise =
    b === null || c === null
      ? ({ interval: null, note: 'not measured on one side (no successful request)' } as const)
      : noiseOf(base, cand, metric, seed);
  const beyond = noise.interval !== null && excludes(noise.interval, 0);
  const worse = noise.interval !== null && (better === 'lower' ? noise.interval.low > 0 : noise.interval.high < 0);
  return {
    metric,
    unit: unitOf(metric),
    better,
    baseline: b,
    candidate: c,
    delta,
    deltaPct,
    interval: noise.interval,
    noise: noise.interval === null ? 'unavailable' : beyond ? 'beyond' : 'within',
    change: noise.interval === null ? 'unknown' : !beyond ? 'same' : worse ? 'worse' : 'better',
    ...(noise.note !== undefined && { note: noise.note }),
  };
}

const pct = (share: number) => `${Number((share * 100).toPrecision(3))} %`;

/** A gate's verdict over a metric's comparison. */
export function judgeGate(gate: RegressionGate, m: MetricComparison): GateResult {
  const base = { expression: gate.expression, metric: gate.metric, kind: gate.kind, limit: gate.limit };
  const limit = describeLimit(gate);
  if (m.candidate === null)
    return { ...base, regression: null, passed: false, reason: `${gate.metric} was not measured on the candidate (no successful request)` };
  if (m.baseline === null || m.delta === null)
    return { ...base, regression: null, passed: null, reason: `${gate.metric} was not measured on the baseline; nothing to compare` };
  const worseBy = m.better === 'lower' ? m.delta : -m.delta;
  if (gate.kind === 'relative' && m.baseline === 0) {
    return {
      ...base,
      regression: null,
      passed: null,
      reason: `the baseline's ${gate.metric} is 0, so a relative limit cannot apply; use an absolute one`,
    };
  }
  const regression = gate.kind === 'relative' ? worseBy / m.baseline : worseBy;
  const shown = gate.kind === 'relative' ? pct(regression) : String(Number(regression.toPrecision(4)));
  if (regression <= 0) {
    const better = gate.kind === 'relative' ? pct(-regression) : String(Number((-regression).toPrecision(4)));
    return { ...base, regression, passed: true, reason: regression === 0 ? 'unchanged' : `better by ${better}` };
  }
  if (regression <= gate.limit) return { ...base, regression, passed: true, reason: `worse by ${shown}, within the limit ${limit}` };
  if (m.noise === 'unavailable') {
    return {
      ...base,
      regression,
      passed: null,
      reason: `worse by ${shown}, past the limit ${limit}, but the noise test is unavailable (${m.note ?? 'no interval'}): undecided`,
    };
  }
  if (m.change !== 'worse')
    return { ...base, regression, passed: true, reason: `worse by ${shown}, past the limit ${limit} but within run-to-run noise` };
  return { ...base, regression, passed: false, reason: `worse by ${shown}, past the limit ${limit} and beyond run-to-run noise` };
}

/** Compares one run with another. */
export function compareLoads(baseline: LoadResult, candidate: LoadResult, label: string, opts: CompareOptions = {}): Comparison {
  const seed = opts.seed ?? COMPARE_DEFAULTS.seed;
  const base: Side = { result: baseline, histograms: decodeHistograms(baseline) };
  const cand: Side = { result: candidate, histograms: decodeHistograms(candidate) };
  const metrics = COMPARE_METRICS.map((m) => compareMetric(base, cand, m, seedFor(seed, label)));
  const interleaved = interleavedPair(baseline, candidate);
  const gates = (opts.gates ?? []).map((g) => {
    const verdict = judgeGate(
      g,
      metrics.find((m) => m.metric === g.metric)!,
    );
    // Equal by construction, so it would always pass: say it cannot decide instead.
    if (interleaved && THROUGHPUTS.has(g.metric) && verdict.passed !== false)
      return { ...verdict, passed: null, reason: INTERLEAVED_THROUGHPUT };
    return verdict;
  });
  return {
    label,
    metrics,
    gates,
    cdfs: {
      ttftMs: { baseline: baseline.distributions.ttftMs.cdf, candidate: candidate.distributions.ttftMs.cdf },
      e2eMs: { baseline: baseline.distributions.e2eMs.cdf, candidate: candidate.distributions.e2eMs.cdf },
    },
  };
}

// ---- whole results ----------------------------------------------------------------------------

/**
 * The note that says two load results are the targets of one interleaved load: which requests
 * each got, and that the load shape was the whole load's; null when they are not.
 */
export function interleavingNote(baseline: LoadResult, candidate: LoadResult): string | null {
  const [b, c] = [baseline.settings.interleaved, candidate.settings.interleaved];
  if (b === undefined || c === undefined) return null;
  const s = baseline.settings;
  const which = (i: number) => (b.targets === 2 ? (i === 0 ? 'even' : 'odd') : `i mod ${b.targets} = ${i}`);
  const sides =
    b.targets === 2
      ? `is ${which(b.target)} and to the candidate when it is ${which(c.target)}`
      : `${which(b.target)}, to the candidate when ${which(c.target)}`;
  const share =
    s.profile.kind === 'concurrency'
      ? `concurrency ${s.profile.concurrency} was the whole load's: its users were shared by the targets, so a slower target held more of them at a time`
      : `rate ${s.profile.rate}/s was the whole load's: each target was offered ${Number((s.profile.rate / b.targets).toPrecision(4))}/s of one arrival stream`;
  const counts = `${baseline.summary.requests.total} requests to the baseline, ${candidate.summary.requests.total} to the candidate`;
  return (
    `requests were interleaved in one load, so both targets saw the same moment's noise: request i went to the baseline when i ${sides}, ` +
    `with the same prompts in the same order (${counts}); ${share}`
  );
}

/** Settings two runs differ in, as notes; a different load shape is called out. */
export function settingDifferences(a: LoadResult['settings'], b: LoadResult['settings'], withProfile = true): string[] {
  const notes: string[] = [];
  const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
  const shape: (keyof LoadResult['settings'])[] = [
    'endpoint',
    'stream',
    'inputTokens',
    'outputTokens',
    'prompts',
    'requests',
    'durationSec',
  ];
  if (withProfile) shape.push('profile');
  for (const key of ['baseUrl', 'model'] as const) if (a[key] !== b[key]) notes.push(`${key} differs: ${a[key]} → ${b[key]}`);
  for (const key of shape) {
    if (show(a[key]) !== show(b[key]))
      notes.push(`the load differs in ${key}: ${show(a[key])} → ${show(b[key])}, so a difference may come from the load, not the server`);
  }
  return notes;
}

function source(r: LoadResult | SweepResult, file: string | null): CompareSource {
  const settings = r.kind === 'load' ? r.settings : r.steps[0]?.settings;
  return {
    file,
    kind: r.kind,
    baseUrl: settings?.baseUrl ?? '',
    model: settings?.model ?? '',
    startedAt: r.startedAt,
    description: settings === undefined ? 'an empty sweep' : describeRun(settings, r.kind === 'load'),
  };
}

function stepLabel(dimension: SweepResult['dimension'], value: number): string {
  return `${dimension} ${value}`;
}

function compareSweeps(baseline: SweepResult, candidate: SweepResult, opts: CompareOptions, notes: string[]): Comparison[] {
  if (baseline.dimension !== candidate.dimension) {
    throw new UsageError(
      `compare needs sweeps over the same dimension, got ${baseline.dimension} and ${candidate.dimension}; sweep both with --${baseline.dimension}`,
    );
  }
  const comparisons: Comparison[] = [];
  baseline.values.forEach((value, i) => {
    const j = candidate.values.indexOf(value);
    if (j === -1) {
      notes.push(`step ${stepLabel(baseline.dimension, value)} is only in the baseline`);
      return;
    }
    comparisons.push(compareLoads(baseline.steps[i]!, candidate.steps[j]!, stepLabel(baseline.dimension, value), opts));
  });
  for (const value of candidate.values)
    if (!baseline.values.includes(value)) notes.push(`step ${stepLabel(candidate.dimension, value)} is only in the candidate`);
  if (comparisons.length === 0)
    throw new UsageError(
      `compare found no sweep step in both files, got ${baseline.values.join(', ')} and ${candidate.values.join(', ')}; sweep the same values`,
    );
  const shared = baseline.values.find((v) => candidate.values.includes(v))!;
  const [bs, cs] = [baseline.steps[baseline.values.indexOf(shared)]!, candidate.steps[candidate.values.indexOf(shared)]!];
  notes.unshift(...settingDifferences(bs.settings, cs.settings, false));
  return comparisons;
}

/** Where each side came from: file paths, or null for a live run. */
export interface CompareInputs {
  readonly baseline: LoadResult | SweepResult;
  readonly candidate: LoadResult | SweepResult;
  readonly baselineFile: string | null;
  readonly candidateFile: string | null;
}

/**
 * Compares two saved (or live) results of the same kind: a load with a load, a sweep with a sweep
 * step by step.
 *
 * @throws UsageError for results of different kinds or sweeps that share no step
 */
export function compareResults(inputs: CompareInputs, opts: CompareOptions = {}, startedAt = new Date()): CompareResult {
  const { baseline, candidate } = inputs;
  if (baseline.kind !== candidate.kind) {
    throw new UsageError(
      `compare needs two results of one kind, got a ${baseline.kind} and a ${candidate.kind}; compare a load with a load or a sweep with a sweep`,
    );
  }
  const notes: string[] = [];
  let comparisons: Comparison[];
  if (baseline.kind === 'load' && candidate.kind === 'load') {
    const interleaving = interleavingNote(baseline, candidate);
    if (interleaving !== null) notes.push(interleaving);
    notes.push(...settingDifferences(baseline.settings, candidate.settings));
    comparisons = [compareLoads(baseline, candidate, 'load', opts)];
  } else {
    comparisons = compareSweeps(baseline as SweepResult, candidate as SweepResult, opts, notes);
  }
  for (const [r, side] of [
    [baseline, 'baseline'],
    [candidate, 'candidate'],
  ] as const) {
    const loads = r.kind === 'load' ? [r] : r.steps;
    if (loads.some((l) => l.histograms === undefined))
      notes.push(`the ${side} ${NO_HISTOGRAMS}: latency changes are shown without a noise test`);
    if (loads.some((l) => l.aborted !== undefined))
      notes.push(`the ${side} run stopped itself (${loads.find((l) => l.aborted)!.aborted!.reason}); its figures cover what ran`);
  }
  const live = inputs.baselineFile === null && inputs.candidateFile === null;
  return {
    ...envelope('compare', startedAt),
    mode: live ? 'live' : 'files',
    baseline: source(baseline, inputs.baselineFile),
    candidate: source(candidate, inputs.candidateFile),
    confidence: CONFIDENCE,
    seed: opts.seed ?? COMPARE_DEFAULTS.seed,
    comparisons,
    notes,
    methods: { ...COMPARE_METHODS },
    passed: comparisons.every((c) => c.gates.every((g) => g.passed !== false)),
  };
}

/** The gates that failed and the ones left undecided, over every comparison. */
export function gateOutcomes(r: CompareResult): {
  readonly failed: (GateResult & { step: string })[];
  readonly undecided: (GateResult & { step: string })[];
} {
  const all = r.comparisons.flatMap((c) => c.gates.map((g) => ({ ...g, step: c.label })));
  return { failed: all.filter((g) => g.passed === false), undecided: all.filter((g) => g.passed === null) };
}
