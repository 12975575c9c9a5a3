/**
 * Regression gates: `--max-regression 'ttftMs.p95=10%'`, `'errorRate=+0.005'`,
 * `'outputTokenThroughput=-5%'`. A gate fails only when the candidate is worse than the baseline
 * by more than its limit and the difference is beyond run-to-run noise.
 */
import { usageErrors } from '../errors';
import { betterWhen, COMPARE_METRICS, type CompareMetric, isCompareMetric } from './metrics';

/** A parsed gate: how much worse `metric` may get, relative (0.1 = 10 %) or in the metric's unit. */
export interface RegressionGate {
  readonly expression: string;
  readonly metric: CompareMetric;
  readonly kind: 'relative' | 'absolute';
  /** The allowed worsening, as a positive magnitude (a share for relative gates). */
  readonly limit: number;
}

const GRAMMAR = /^\s*([A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)?)\s*=\s*([+-]?)\s*(\d+(?:\.\d+)?(?:e-?\d+)?)\s*(%?)\s*$/;

function parseOne(expression: string): RegressionGate | string {
  const m = GRAMMAR.exec(expression);
  if (m === null) {
    return `--max-regression ${JSON.stringify(expression)} is not <metric>=<limit>, got no match; write e.g. ttftMs.p95=10%, errorRate=+0.005 or outputTokenThroughput=-5%`;
  }
  const [, metric, sign, num, percent] = m as unknown as [string, string, '' | '+' | '-', string, '' | '%'];
  if (!isCompareMetric(metric)) {
    return `--max-regression ${JSON.stringify(expression)} names an unknown metric, got ${metric}; use one of ${COMPARE_METRICS.join(', ')}`;
  }
  const worse = betterWhen(metric) === 'lower' ? '+' : '-';
  if (sign !== '' && sign !== worse) {
    const way = worse === '+' ? 'rises' : 'falls';
    return `--max-regression ${JSON.stringify(expression)} limits the wrong direction, got ${sign}; ${metric} regresses when it ${way}, so write ${metric}=${worse}${num}${percent}`;
  }
  return {
    expression: expression.trim(),
    metric,
    kind: percent === '%' ? 'relative' : 'absolute',
    limit: percent === '%' ? Number(num) / 100 : Number(num),
  };
}

/** Parses every gate; throws one UsageError (exit 2) listing every bad one. */
export function parseRegressionGates(expressions: readonly string[]): RegressionGate[] {
  const parsed = expressions.map(parseOne);
  const problems = parsed.filter((p): p is string => typeof p === 'string');
  if (problems.length > 0) throw usageErrors(problems);
  return parsed as RegressionGate[];
}

/** The limit as people read it: `+10 %`, `-5 %`, `+0.005`. */
export function describeLimit(g: RegressionGate): string {
  const sign = betterWhen(g.metric) === 'lower' ? '+' : '-';
  return g.kind === 'relative' ? `${sign}${Number((g.limit * 100).toPrecision(6))} %` : `${sign}${g.limit}`;
}
