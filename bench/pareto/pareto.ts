/**
 * The Pareto view: variants placed on quality (from an eval), latency and cost (from their load
 * results), naming those no other variant beats on all three. Cost is $ per 1M output tokens at
 * the measured output token rate and the instance's price from bench/cost (facts/prices.ts): the
 * one price source of the project.
 */
import { type CapacityType, priceBook, servingCost } from '../cost';
import type { EvalModelSummary, EvalResult } from '../eval/result';
import { envelope, type LoadResult, type LoadSummary } from '../result';
import type { ParetoResult, ParetoVariant } from './result';

/** Quality figures an eval gives each model; higher is better. */
export const QUALITY_METRICS = {
  'score.mean': (m: EvalModelSummary) => m.score.mean,
  referencePass: (m: EvalModelSummary) => m.reference.rate,
  winRate: (m: EvalModelSummary) => m.pairwise?.winRate ?? (m.baseline ? 0.5 : null),
} as const;
export type QualityMetric = keyof typeof QUALITY_METRICS;

/** Latencies a load gives; lower is better. */
export const LATENCY_METRICS = ['ttftMs.p50', 'ttftMs.p95', 'tpotMs.p50', 'tpotMs.p95', 'e2eMs.p50', 'e2eMs.p95'] as const;
export type LatencyMetric = (typeof LATENCY_METRICS)[number];

/** One variant: its name in the eval, its load result, the instance its replica ran on. */
export interface ParetoInput {
  readonly name: string;
  readonly load: LoadResult;
  readonly instanceType: string;
  /** Replicas that served the load (one GPU each). @default 1 */
  readonly replicas?: number;
}

export interface ParetoOptions {
  readonly variants: readonly ParetoInput[];
  readonly eval: EvalResult;
  readonly region: string;
  readonly capacity: CapacityType;
  readonly quality: QualityMetric;
  readonly latency: LatencyMetric;
}

function readLatency(s: LoadSummary, metric: LatencyMetric): number | null {
  const [family, stat] = metric.split('.') as ['ttftMs' | 'tpotMs' | 'e2eMs', 'p50' | 'p95'];
  return s[family][stat];
}

/** Whether `a` is at least as good as `b` on all three and better on one. */
export function dominates(a: ParetoVariant, b: ParetoVariant): boolean {
  if (a.quality === null || a.latencyMs === null || a.usdPer1MOutputTokens === null) return false;
  if (b.quality === null || b.latencyMs === null || b.usdPer1MOutputTokens === null) return true;
  const noWorse = a.quality >= b.quality && a.latencyMs <= b.latencyMs && a.usdPer1MOutputTokens <= b.usdPer1MOutputTokens;
  const better = a.quality > b.quality || a.latencyMs < b.latencyMs || a.usdPer1MOutputTokens < b.usdPer1MOutputTokens;
  return noWorse && better;
}

/**
 * Places every variant and names the frontier.
 *
 * @throws RangeError for a region or instance type without a price (the CLI checks first)
 */
export function paretoView(opts: ParetoOptions, startedAt = new Date()): ParetoResult {
  const prices = priceBook(opts.region);
  const notes: string[] = [];
  const placed = opts.variants.map((v): Omit<ParetoVariant, 'frontier' | 'dominatedBy'> => {
    const model = opts.eval.models.find((m) => m.model === v.name);
    if (model === undefined)
      notes.push(`${v.name} is not a model of the eval (${opts.eval.models.map((m) => m.model).join(', ')}): no quality`);
    const s = v.load.summary;
    const promptTokensPerSec = (s.inputTokens.mean ?? 0) * s.requestThroughput;
    const cost = servingCost(
      { outputTokensPerSec: s.outputTokenThroughput, promptTokensPerSec, replicas: v.replicas ?? 1, instanceType: v.instanceType },
      prices,
    );
    const chosen = opts.capacity === 'SPOT' ? cost.spot : cost.onDemand;
    return {
      name: v.name,
      quality: model === undefined ? null : QUALITY_METRICS[opts.quality](model),
      qualityInterval:
        model === undefined
          ? null
          : opts.quality === 'score.mean'
            ? model.score.interval
            : opts.quality === 'referencePass'
              ? model.reference.interval
              : (model.pairwise?.interval ?? null),
      latencyMs: readLatency(s, opts.latency),
      outputTokensPerSec: s.outputTokenThroughput,
      instanceType: v.instanceType,
      replicas: v.replicas ?? 1,
      usdPerHour: chosen.usdPerHour,
      usdPer1MOutputTokens: chosen.usdPer1MOutputTokens,
    };
  });
  const variants = placed.map((v) => {
    const full = { ...v, frontier: false, dominatedBy: [] as string[] };
    full.dominatedBy = placed
      .filter((o) => o.name !== v.name && dominates({ ...o, frontier: false, dominatedBy: [] }, full))
      .map((o) => o.name);
    full.frontier = full.dominatedBy.length === 0 && v.quality !== null && v.latencyMs !== null && v.usdPer1MOutputTokens !== null;
    return full;
  });
  for (const v of variants) {
    if (v.quality === null || v.latencyMs === null || v.usdPer1MOutputTokens === null)
      notes.push(`${v.name} lacks a figure, so it is not placed on the frontier`);
  }
  const overlapping = variants.filter((v) => v.frontier && v.qualityInterval !== null);
  if (overlapping.length > 1)
    notes.push(
      'quality differences inside overlapping 95 % intervals are not evidence: read the intervals before choosing by quality alone',
    );
  return {
    ...envelope('pareto', startedAt),
    region: prices.region,
    capacity: opts.capacity,
    quality: opts.quality,
    latency: opts.latency,
    eval: { promptset: opts.eval.promptset.source, prompts: opts.eval.promptset.prompts, judge: opts.eval.settings.judge?.model ?? null },
    variants,
    frontier: variants.filter((v) => v.frontier).map((v) => v.name),
    notes,
  };
}
