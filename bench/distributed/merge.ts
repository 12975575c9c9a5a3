/**
 * Merges the reports of a distributed run's workers into one load result, as if one client had
 * sent the whole load: counts add up, each latency's HDR histograms merge exactly (so the
 * percentiles are those of every request, within the histograms' 0.1 %), the timeline is rebuilt
 * on the barrier's clock, and the thresholds are evaluated once, on the merged summary.
 *
 * Two figures cannot be rebuilt exactly from per-worker data and are upper bounds: the highest
 * number of requests in flight at once (the sum of each worker's highest), and a timeline
 * second's p50/p95 (the highest of the workers'; the run-wide percentiles are exact).
 */
import { BENCH_DEFAULTS } from '../defaults';
import { METRIC_DEFINITIONS } from '../definitions';
import { keepSlowest } from '../load/collector';
import { shortAnswers } from '../load/engine';
import { LatencyHistogram, round3 } from '../load/stats';
import { envelope, type LatencyHistograms, type LoadResult, type LoadSummary, type TimelineBucket } from '../result';
import { evaluateThresholds, parseThresholds } from '../thresholds';
import { findReport, type WorkerReport, type WorkerSpec } from './spec';

/** A worker that produced no report: it failed, never started, or printed something else. */
export interface WorkerFailure {
  readonly index: number;
  readonly problem: string;
}

/**
 * Each index's report from the workers' outputs (their stdout or pod logs, by index), or why it has
 * none: no output at all (`never reported from <where>`), the worker's own problem, or what is
 * wrong with what it printed. A report in the output counts even when the worker then failed.
 */
export function reportsFromOutputs(
  spec: Pick<WorkerSpec, 'runId' | 'workers'>,
  outputs: readonly { readonly index: number; readonly output: string; readonly problem?: string }[],
  where: string,
): { reports: WorkerReport[]; failures: WorkerFailure[] } {
  const reports: WorkerReport[] = [];
  const failures: WorkerFailure[] = [];
  for (let index = 0; index < spec.workers; index++) {
    const out = outputs.find((o) => o.index === index);
    if (out === undefined) {
      failures.push({ index, problem: `never reported from ${where}` });
      continue;
    }
    const found = findReport(out.output, spec.runId, index);
    if ('report' in found) reports.push(found.report);
    else failures.push({ index, problem: out.problem ?? found.problem });
  }
  return { reports, failures };
}

const LATENCIES = ['ttftMs', 'tpotMs', 'itlMs', 'e2eMs'] as const;
type Latency = (typeof LATENCIES)[number];

/** Each latency's histogram over every report, merged exactly. */
export function mergeHistograms(reports: readonly WorkerReport[]): Record<Latency, LatencyHistogram> {
  const merged = {
    ttftMs: new LatencyHistogram(),
    tpotMs: new LatencyHistogram(),
    itlMs: new LatencyHistogram(),
    e2eMs: new LatencyHistogram(),
  };
  for (const r of reports) for (const k of LATENCIES) merged[k].merge(LatencyHistogram.decode(r.histograms[k]));
  return merged;
}

const sum = (reports: readonly WorkerReport[], f: (s: LoadSummary) => number) => reports.reduce((n, r) => n + f(r.summary), 0);

function addCounts(into: Record<string, number>, from: Readonly<Record<string, number>>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

/** The merged summary; `durationSec` is the span from the first worker's start to the last one's end. */
export function mergeSummaries(reports: readonly WorkerReport[], h: Record<Latency, LatencyHistogram>, durationSec: number): LoadSummary {
  const succeeded = sum(reports, (s) => s.requests.succeeded);
  const failed = sum(reports, (s) => s.requests.failed);
  const inputTotal = sum(reports, (s) => s.inputTokens.total);
  const inputReports = reports.reduce((n, r) => n + r.inputReports, 0);
  const outputTotal = sum(reports, (s) => s.outputTokens.total);
  const errors: Record<string, number> = {};
  const errorMessages: Record<string, string> = {};
  for (const r of reports) {
    addCounts(errors, r.summary.errors);
    for (const [k, v] of Object.entries(r.summary.errorMessages)) errorMessages[k] ??= v;
  }
  const perSec = (n: number) => (durationSec > 0 ? round3(n / durationSec)! : 0);
  return {
    durationSec: round3(durationSec)!,
    requests: { total: sum(reports, (s) => s.requests.total), succeeded, failed, cancelled: sum(reports, (s) => s.requests.cancelled) },
    ttftMs: h.ttftMs.stats(),
    tpotMs: h.tpotMs.stats(),
    itlMs: h.itlMs.stats(),
    e2eMs: h.e2eMs.stats(),
    requestThroughput: perSec(succeeded),
    outputTokenThroughput: perSec(outputTotal),
    inputTokens: { total: inputTotal, mean: inputReports > 0 ? round3(inputTotal / inputReports) : null },
    outputTokens: { total: outputTotal, mean: succeeded > 0 ? round3(outputTotal / succeeded) : null },
    errorRate: succeeded + failed > 0 ? failed / (succeeded + failed) : null,
    errors,
    errorMessages,
    usageMissing: sum(reports, (s) => s.usageMissing),
    maxInFlight: sum(reports, (s) => s.maxInFlight),
  };
}

const maxOf = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));

/** The workers' timelines on one clock (the earliest start), second by second. */
export function mergeTimelines(reports: readonly WorkerReport[], bucketMs: number = BENCH_DEFAULTS.bucketMs): TimelineBucket[] {
  if (reports.length === 0) return [];
  const t0 = Math.min(...reports.map((r) => r.loadStartMs));
  const byIndex = new Map<number, TimelineBucket>();
  for (const r of reports) {
    const offset = Math.round((r.loadStartMs - t0) / bucketMs);
    for (const b of r.timeline) {
      const i = Math.round((b.t * 1000) / bucketMs) + offset;
      const m = byIndex.get(i);
      if (m === undefined) {
        byIndex.set(i, { ...b, t: (i * bucketMs) / 1000, ...(b.errors !== undefined && { errors: { ...b.errors } }) });
        continue;
      }
      const errors = (m.errors ?? b.errors) ? { ...m.errors } : undefined;
      if (errors !== undefined && b.errors !== undefined) addCounts(errors, b.errors);
      byIndex.set(i, {
        t: m.t,
        started: m.started + b.started,
        completed: m.completed + b.completed,
        failed: m.failed + b.failed,
        inFlight: m.inFlight + b.inFlight,
        outputTokens: m.outputTokens + b.outputTokens,
        ttftMs: { p50: maxOf(m.ttftMs.p50, b.ttftMs.p50), p95: maxOf(m.ttftMs.p95, b.ttftMs.p95) },
        e2eMs: { p50: maxOf(m.e2eMs.p50, b.e2eMs.p50), p95: maxOf(m.e2eMs.p95, b.e2eMs.p95) },
        ...(errors !== undefined && { errors }),
      });
    }
  }
  return [...byIndex.keys()].sort((a, b) => a - b).map((i) => byIndex.get(i)!);
}

/** What went wrong with the workers, as one sentence for `aborted`, or null when every one reported a whole run. */
function incompleteReason(spec: WorkerSpec, reports: readonly WorkerReport[], failures: readonly WorkerFailure[]): string | null {
  const parts = [
    ...failures.map((f) => `worker ${f.index} ${f.problem}`),
    ...reports.filter((r) => r.aborted !== undefined).map((r) => `worker ${r.index} stopped: ${r.aborted}`),
  ];
  if (parts.length === 0) return null;
  const reported = reports.filter((r) => r.aborted === undefined).length;
  return `${reported} of ${spec.workers} workers ran their share, so the load offered was less than asked: ${parts.join('; ')}`;
}

/** One load result from the workers' reports; `failures` are the workers that produced none. */
export function mergeWorkerReports(
  spec: WorkerSpec,
  startedAt: Date,
  reports: readonly WorkerReport[],
  failures: readonly WorkerFailure[],
): LoadResult {
  const sorted = [...reports].sort((a, b) => a.index - b.index);
  const h = mergeHistograms(sorted);
  const t0 = sorted.length === 0 ? 0 : Math.min(...sorted.map((r) => r.loadStartMs));
  const end = sorted.length === 0 ? 0 : Math.max(...sorted.map((r) => r.loadStartMs + r.summary.durationSec * 1000));
  const summary = mergeSummaries(sorted, h, (end - t0) / 1000);
  const short = shortAnswers(spec.settings.outputTokens, summary.outputTokens.mean);
  const thresholds = evaluateThresholds(parseThresholds(spec.thresholds), summary).map((t) =>
    short !== null && (t.metric === 'outputTokenThroughput' || t.metric === 'requestThroughput') ? { ...t, passed: false, note: short } : t,
  );
  const aborted = incompleteReason(spec, sorted, failures);
  const slowest = keepSlowest(
    [],
    sorted.flatMap((r) => r.slowest ?? []),
  );
  const histograms: LatencyHistograms = {
    ttftMs: h.ttftMs.encode(),
    tpotMs: h.tpotMs.encode(),
    itlMs: h.itlMs.encode(),
    e2eMs: h.e2eMs.encode(),
  };
  return {
    ...envelope('load', startedAt),
    settings: spec.settings,
    summary,
    thresholds,
    ...(aborted !== null && { aborted: { reason: aborted } }),
    ...(short !== null && { warnings: [short] }),
    timeline: mergeTimelines(sorted),
    ...(slowest.length > 0 && { slowest }),
    distributions: {
      ttftMs: h.ttftMs.distribution(),
      tpotMs: h.tpotMs.distribution(),
      itlMs: h.itlMs.distribution(),
      e2eMs: h.e2eMs.distribution(),
    },
    histograms,
    distributed: {
      runId: spec.runId,
      workers: spec.workers,
      reported: sorted.map((r) => ({
        index: r.index,
        requests: r.summary.requests.total,
        succeeded: r.summary.requests.succeeded,
        failed: r.summary.requests.failed,
        startLagMs: round3(r.startLagMs)!,
        ...(r.aborted !== undefined && { aborted: r.aborted }),
      })),
      failed: [...failures].sort((a, b) => a.index - b.index).map((f) => ({ index: f.index, problem: f.problem })),
    },
    definitions: { ...METRIC_DEFINITIONS },
  };
}
