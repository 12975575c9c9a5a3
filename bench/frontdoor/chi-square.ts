/**
 * Pearson's chi-square goodness-of-fit test: do observed counts per backend fit the configured
 * weights? The p-value is the upper tail of the chi-square distribution, P(X ≥ statistic) for
 * k − 1 degrees of freedom, from the regularized incomplete gamma function Q(df/2, x/2).
 */

/** ln Γ(x) for x > 0 (Lanczos approximation, g = 7, 9 terms; ~15 significant digits). */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = c[0]!;
  for (let i = 1; i < c.length; i++) sum += c[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Regularized upper incomplete gamma Q(a, x) = Γ(a, x) / Γ(a), for a > 0, x ≥ 0. */
export function upperGammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  const front = Math.exp(-x + a * Math.log(x) - logGamma(a));
  if (x < a + 1) {
    // Series for the lower part P(a, x); Q = 1 − P.
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 1000 && Math.abs(term) > Math.abs(sum) * 1e-15; n++) {
      term *= x / (a + n);
      sum += term;
    }
    return Math.max(0, 1 - sum * front);
  }
  // Continued fraction for Q (modified Lentz).
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return Math.min(1, front * h);
}

/** P(X ≥ statistic) for a chi-square variable with `df` degrees of freedom. */
export function chiSquareSurvival(statistic: number, df: number): number {
  if (df <= 0) return 1;
  return upperGammaQ(df / 2, statistic / 2);
}

export interface ChiSquareTest {
  readonly statistic: number;
  readonly degreesOfFreedom: number;
  readonly pValue: number;
  /** Expected count per category under the weights. */
  readonly expected: readonly number[];
}

/**
 * Goodness of fit of `observed` counts to `weights` (any positive scale). A category with weight 0
 * that received requests makes the fit impossible: p = 0.
 */
export function chiSquareTest(observed: readonly number[], weights: readonly number[]): ChiSquareTest {
  if (observed.length !== weights.length || observed.length === 0) throw new Error('chi-square needs one weight per observed count');
  const n = observed.reduce((a, b) => a + b, 0);
  const total = weights.reduce((a, b) => a + b, 0);
  const expected = weights.map((w) => (total > 0 ? (n * w) / total : 0));
  let statistic = 0;
  let impossible = false;
  let categories = 0;
  observed.forEach((o, i) => {
    const e = expected[i]!;
    if (e === 0) {
      if (o > 0) impossible = true;
      return;
    }
    categories++;
    statistic += (o - e) ** 2 / e;
  });
  const degreesOfFreedom = Math.max(categories - 1, 0);
  const pValue = impossible ? 0 : chiSquareSurvival(statistic, degreesOfFreedom);
  return { statistic: impossible ? Number.POSITIVE_INFINITY : statistic, degreesOfFreedom, pValue, expected };
}
