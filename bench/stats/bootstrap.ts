/**
 * Bootstrap intervals for the difference of two percentiles, computed from histogram buckets
 * with a seeded generator: the same two results and seed give the same interval on every run.
 *
 * A bootstrap resample of n values from a histogram has, as its k-th smallest value, the
 * histogram's quantile at the k-th order statistic of n uniforms, which follows Beta(k, n − k + 1).
 * So one replicate of a percentile costs two gamma draws and a binary search over the buckets,
 * whatever n is: exactly the percentile bootstrap, without materializing a million ITL samples.
 */
import { gamma, type Random, seededRandom } from '../load/random';
import type { Interval } from './intervals';

/** Replicates per interval: percentile-bootstrap endpoints at 2.5 % and 97.5 % are stable to ~1 % of the spread. */
export const BOOTSTRAP_REPLICATES = 2000;

/**
 * Fewest samples above (or below) a percentile for its interval to mean anything: with fewer, the
 * bootstrap only reshuffles a handful of extreme values. p95 needs 100 samples, p99 500.
 */
export const MIN_TAIL_SAMPLES = 5;

/** A histogram ready for resampling: ascending values and their cumulative counts. */
export class WeightedSample {
  private constructor(
    private readonly values: Float64Array,
    private readonly cumulative: Float64Array,
    /** Samples in all buckets. */
    readonly n: number,
    /** Independent draws a resample makes (n unless the samples come in clusters). */
    readonly draws: number = n,
  ) {}

  /**
   * The same distribution, resampled as `draws` independent values: for samples that come in
   * clusters (ITL: many gaps per request, sharing its server's moment), the number of clusters,
   * so the interval is not narrowed by samples that are not independent.
   */
  withDraws(draws: number): WeightedSample {
    return new WeightedSample(this.values, this.cumulative, this.n, Math.max(1, Math.min(Math.round(draws), this.n)));
  }

  /** From ascending [value, count] buckets (`LatencyHistogram.buckets()`); empty buckets are skipped. */
  static fromBuckets(buckets: Iterable<readonly [number, number]>): WeightedSample {
    const values: number[] = [];
    const cumulative: number[] = [];
    let n = 0;
    for (const [value, count] of buckets) {
      if (count <= 0) continue;
      n += count;
      values.push(value);
      cumulative.push(n);
    }
    return new WeightedSample(Float64Array.from(values), Float64Array.from(cumulative), n);
  }

  /** The smallest value whose cumulative share reaches `u` (0 < u ≤ 1): the inverse of the sample's CDF. */
  quantileAt(u: number): number {
    const target = u * this.n;
    let lo = 0;
    let hi = this.values.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulative[mid]! >= target) hi = mid;
      else lo = mid + 1;
    }
    return this.values[lo]!;
  }

  /** The rank of percentile `p` (0..100) among the resample's draws: the nearest-rank rule, at least 1. */
  rank(p: number): number {
    return Math.min(Math.max(Math.ceil((p / 100) * this.draws), 1), this.draws);
  }

  /** One bootstrap replicate of percentile `p`. */
  resamplePercentile(p: number, random: Random): number {
    const k = this.rank(p);
    const a = gamma(random, k, 1);
    const b = gamma(random, this.draws - k + 1, 1);
    return this.quantileAt(a / (a + b));
  }
}

/** Why a percentile's interval cannot be computed from these samples, or null when it can. */
export function percentileUnavailable(p: number, n: number): string | null {
  const tail = Math.min(p, 100 - p) / 100;
  const needed = Math.ceil(MIN_TAIL_SAMPLES / tail);
  return n >= needed ? null : `p${p} needs at least ${needed} samples for an interval (${MIN_TAIL_SAMPLES} beyond it), got ${n}`;
}

/** A seed for one named quantity, so adding a metric does not change the others' draws. */
export function seedFor(seed: number, name: string): number {
  let h = (seed ^ 0x811c9dc5) >>> 0;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Empirical quantile (linear interpolation) of sorted numbers. */
function sortedQuantile(sorted: Float64Array, q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * 95 % percentile-bootstrap interval of `candidate − baseline` for percentile `p`, both sides
 * resampled independently.
 */
export function percentileDifferenceInterval(
  baseline: WeightedSample,
  candidate: WeightedSample,
  p: number,
  seed: number,
  replicates = BOOTSTRAP_REPLICATES,
): Interval {
  const random = seededRandom(seed);
  const deltas = new Float64Array(replicates);
  for (let i = 0; i < replicates; i++) deltas[i] = candidate.resamplePercentile(p, random) - baseline.resamplePercentile(p, random);
  deltas.sort();
  return { low: sortedQuantile(deltas, 0.025), high: sortedQuantile(deltas, 0.975) };
}
