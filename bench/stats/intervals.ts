/**
 * 95 % confidence intervals with closed forms: proportions (Wilson), the difference of two
 * proportions (Newcombe), means and the difference of two means (Student and Welch).
 *
 * Shared by `compare` (error rates, throughput, mean latencies) and `eval` (judge scores, win
 * rates, reference pass rates). Pure functions over plain numbers; nothing here draws random
 * numbers, so every interval is the same on every run.
 */

/** The confidence level of every interval llm-bench reports. */
export const CONFIDENCE = 0.95;

/** The standard normal quantile at 1 − (1 − CONFIDENCE) / 2 (1.959963…). */
export const Z_95 = 1.959963984540054;

/** A two-sided interval; `low <= high`. */
export interface Interval {
  readonly low: number;
  readonly high: number;
}

/** True when the interval lies wholly on one side of `value` (the difference is beyond noise). */
export function excludes(interval: Interval, value: number): boolean {
  return interval.low > value || interval.high < value;
}

/**
 * Wilson score interval of a proportion `successes / trials` (Wilson 1927). Unlike the normal
 * ("Wald") interval it stays inside [0, 1] and keeps its coverage near 0 and 1 and for small
 * samples, which is where error rates and win rates live.
 *
 * @returns null without trials
 */
export function wilson(successes: number, trials: number): Interval | null {
  if (!(trials > 0)) return null;
  const p = successes / trials;
  const z2 = Z_95 * Z_95;
  const denominator = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denominator;
  const half = (Z_95 * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denominator;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/**
 * Newcombe's hybrid score interval for the difference of two independent proportions
 * `k1/n1 − k2/n2` (Newcombe 1998, method 10): built from each proportion's Wilson interval, it
 * keeps its coverage with rare events (error rates of 0.1 %) where the Wald difference fails.
 *
 * @returns null when either side has no trials
 */
export function newcombe(k1: number, n1: number, k2: number, n2: number): Interval | null {
  const w1 = wilson(k1, n1);
  const w2 = wilson(k2, n2);
  if (w1 === null || w2 === null) return null;
  const p1 = k1 / n1;
  const p2 = k2 / n2;
  const d = p1 - p2;
  return {
    low: d - Math.sqrt((p1 - w1.low) ** 2 + (w2.high - p2) ** 2),
    high: d + Math.sqrt((w1.high - p1) ** 2 + (p2 - w2.low) ** 2),
  };
}

/**
 * Student's t quantile at 0.975 for `df` degrees of freedom: exact for 1 and 2, otherwise the
 * Cornish–Fisher expansion of Abramowitz & Stegun 26.7.5 (within 0.003 at df 3, 1e-5 by df 10).
 * Non-integer `df` (Welch) is accepted.
 */
export function tQuantile975(df: number): number {
  if (!(df > 0)) throw new RangeError(`degrees of freedom must be positive, got ${df}`);
  if (df === 1) return 12.706204736174705;
  if (df === 2) return 4.302652729749464;
  const z = Z_95;
  const z3 = z ** 3;
  const z5 = z ** 5;
  const z7 = z ** 7;
  const z9 = z ** 9;
  const g1 = (z3 + z) / 4;
  const g2 = (5 * z5 + 16 * z3 + 3 * z) / 96;
  const g3 = (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / 384;
  const g4 = (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / 92160;
  return z + g1 / df + g2 / df ** 2 + g3 / df ** 3 + g4 / df ** 4;
}

/** Count, mean and sample variance of a list of numbers. */
export interface Moments {
  readonly n: number;
  readonly mean: number;
  /** Sample variance (n − 1 in the denominator); 0 with fewer than two values. */
  readonly variance: number;
}

/** Count, mean and sample variance (Welford's update, stable for long lists). */
export function moments(values: Iterable<number>): Moments {
  let n = 0;
  let mean = 0;
  let m2 = 0;
  for (const v of values) {
    n++;
    const d = v - mean;
    mean += d / n;
    m2 += d * (v - mean);
  }
  return { n, mean: n === 0 ? NaN : mean, variance: n > 1 ? m2 / (n - 1) : 0 };
}

/**
 * Student's t interval of a mean.
 *
 * @returns null with fewer than two values
 */
export function meanInterval(m: Moments): Interval | null {
  if (m.n < 2) return null;
  const half = tQuantile975(m.n - 1) * Math.sqrt(m.variance / m.n);
  return { low: m.mean - half, high: m.mean + half };
}

/**
 * Welch's interval for the difference of two means `b.mean − a.mean`, without assuming equal
 * variances (Welch–Satterthwaite degrees of freedom).
 *
 * @returns null when either side has fewer than two values
 */
export function welch(a: Moments, b: Moments): Interval | null {
  if (a.n < 2 || b.n < 2) return null;
  const va = a.variance / a.n;
  const vb = b.variance / b.n;
  const se2 = va + vb;
  const d = b.mean - a.mean;
  if (se2 === 0) return { low: d, high: d };
  const df = (se2 * se2) / ((va * va) / (a.n - 1) + (vb * vb) / (b.n - 1));
  const half = tQuantile975(df) * Math.sqrt(se2);
  return { low: d - half, high: d + half };
}
