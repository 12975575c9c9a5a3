/**
 * Prometheus histograms read from scrapes: one family's buckets summed over the series that match
 * (every engine of a model), the difference of two scrapes of one target (with Prometheus's
 * counter-reset rule), sums over targets, and quantiles interpolated as PromQL's
 * `histogram_quantile` does.
 */
import type { Exposition } from './exposition';

/** A cumulative histogram: counts of observations ≤ each finite bound, then the total (+Inf). */
export interface CumulativeHistogram {
  /** Finite upper bounds (`le`), ascending. */
  readonly bounds: readonly number[];
  /** Observations ≤ `bounds[i]`; same length as bounds. */
  readonly cumulative: readonly number[];
  /** Every observation (the +Inf bucket, `_count`). */
  readonly count: number;
  /** Sum of the observations, in the family's unit. */
  readonly sum: number;
}

const matches = (labels: Readonly<Record<string, string>>, match: Readonly<Record<string, string>>) =>
  Object.entries(match).every(([k, v]) => labels[k] === v);

/**
 * The family's histogram in one scrape, summed over every series whose labels include `match`
 * (e.g. `{model_name: "m"}` sums the engines); null when the scrape has no such series.
 */
export function histogramOf(scrape: Exposition, family: string, match: Readonly<Record<string, string>>): CumulativeHistogram | null {
  const byBound = new Map<number, number>();
  let count: number | null = null;
  let sum = 0;
  for (const s of scrape.samples) {
    if (!matches(s.labels, match)) continue;
    if (s.name === `${family}_bucket`) {
      const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
      if (Number.isNaN(le)) continue;
      byBound.set(le, (byBound.get(le) ?? 0) + s.value);
    } else if (s.name === `${family}_count`) {
      count = (count ?? 0) + s.value;
    } else if (s.name === `${family}_sum`) {
      sum += s.value;
    }
  }
  if (byBound.size === 0 && count === null) return null;
  const bounds = [...byBound.keys()].filter(Number.isFinite).sort((a, b) => a - b);
  const total = byBound.get(Infinity) ?? count ?? 0;
  return { bounds, cumulative: bounds.map((b) => byBound.get(b)!), count: total, sum };
}

/**
 * What happened between two scrapes of one target: `after − before`, bucket by bucket. A counter
 * that went down means the target restarted in between (a new pod, a crash): then, as Prometheus's
 * `increase()` does, everything since the restart is `after` itself.
 */
export function histogramDelta(after: CumulativeHistogram, before: CumulativeHistogram | null): CumulativeHistogram {
  if (before === null) return after;
  const prior = new Map(before.bounds.map((b, i) => [b, before.cumulative[i]!]));
  const cumulative = after.bounds.map((b, i) => after.cumulative[i]! - (prior.get(b) ?? 0));
  const reset = after.count < before.count || cumulative.some((c) => c < 0) || after.sum < before.sum;
  if (reset) return after;
  return { bounds: after.bounds, cumulative, count: after.count - before.count, sum: after.sum - before.sum };
}

/** The sum of histograms with the same bounds (several pods of one model). */
export function addHistograms(a: CumulativeHistogram, b: CumulativeHistogram): CumulativeHistogram {
  const all = [...new Set([...a.bounds, ...b.bounds])].sort((x, y) => x - y);
  const at = (h: CumulativeHistogram, bound: number) => {
    // A bound one side lacks: its cumulative count is the one of the largest bound below it.
    let c = 0;
    for (let i = 0; i < h.bounds.length && h.bounds[i]! <= bound; i++) c = h.cumulative[i]!;
    return c;
  };
  return { bounds: all, cumulative: all.map((x) => at(a, x) + at(b, x)), count: a.count + b.count, sum: a.sum + b.sum };
}

/** Where a quantile lies: its interpolated value and the bucket it was interpolated in. */
export interface QuantileEstimate {
  readonly value: number;
  /** The bucket's lower and upper bound: the true quantile lies in between. */
  readonly lower: number;
  readonly upper: number;
}

/**
 * The `q` quantile (0..1) as PromQL's `histogram_quantile` computes it: find the bucket that
 * holds rank `q × count` and interpolate linearly inside it, the first bucket starting at 0 (its
 * bound being positive). A rank in the +Inf bucket gives the highest finite bound, as Prometheus
 * does. Null without observations.
 */
export function histogramQuantile(q: number, h: CumulativeHistogram): QuantileEstimate | null {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be between 0 and 1, got ${q}`);
  if (h.count <= 0) return null;
  const rank = q * h.count;
  for (let i = 0; i < h.bounds.length; i++) {
    const upper = h.bounds[i]!;
    const count = h.cumulative[i]!;
    if (count < rank) continue;
    const lower = i === 0 ? (upper > 0 ? 0 : upper) : h.bounds[i - 1]!;
    const below = i === 0 ? 0 : h.cumulative[i - 1]!;
    const inBucket = count - below;
    const value = i === 0 && upper <= 0 ? upper : inBucket === 0 ? upper : lower + (upper - lower) * ((rank - below) / inBucket);
    return { value, lower, upper };
  }
  const highest = h.bounds[h.bounds.length - 1];
  return highest === undefined ? null : { value: highest, lower: highest, upper: Infinity };
}
