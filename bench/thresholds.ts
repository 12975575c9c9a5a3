import { usageErrors } from './errors';
import type { LoadSummary, ThresholdResult } from './result';

/** Latency families a threshold can name, each with a statistic (`ttftMs.p95`). */
export const LATENCY_METRICS = ['ttftMs', 'tpotMs', 'itlMs', 'e2eMs'] as const;
/** Statistics of a latency family. */
export const LATENCY_STATS = ['mean', 'min', 'p50', 'p90', 'p95', 'p99', 'max'] as const;
/** Scalar summary values a threshold can name directly. */
export const SCALAR_METRICS = ['errorRate', 'requestThroughput', 'outputTokenThroughput'] as const;

type Op = ThresholdResult['op'];

/** A parsed threshold such as `ttftMs.p95<500`. */
export interface Threshold {
  readonly expression: string;
  /** `ttftMs.p95` or `errorRate`. */
  readonly metric: string;
  readonly op: Op;
  readonly limit: number;
  /** Reads the metric's value from a summary (null when it was not measured). */
  readonly read: (s: LoadSummary) => number | null;
}

const GRAMMAR = /^\s*([A-Za-z][A-Za-z0-9]*)(?:\.([A-Za-z0-9]+))?\s*(<=|>=|<|>)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*$/;

function includes<T extends string>(list: readonly T[], v: string): v is T {
  return (list as readonly string[]).includes(v);
}

/** Parses one expression; returns the problem text instead of throwing so all can be reported. */
function parseOne(expression: string): Threshold | string {
  const m = GRAMMAR.exec(expression);
  if (m === null) {
    return `threshold ${JSON.stringify(expression)} is not <metric><op><number>, got no match; write e.g. ttftMs.p95<500 or errorRate<0.01 (ops: < <= > >=)`;
  }
  const [, family, stat, op, num] = m as unknown as [string, string, string | undefined, Op, string];
  const limit = Number(num);
  if (includes(LATENCY_METRICS, family)) {
    if (stat === undefined) {
      return `threshold ${JSON.stringify(expression)} needs a statistic for ${family}, got none; write e.g. ${family}.p95${op}${num} (one of ${LATENCY_STATS.join(', ')})`;
    }
    if (!includes(LATENCY_STATS, stat)) {
      return `threshold ${JSON.stringify(expression)} has an unknown statistic, got ${stat}; use one of ${LATENCY_STATS.join(', ')}`;
    }
    return { expression, metric: `${family}.${stat}`, op, limit, read: (s) => s[family][stat] };
  }
  if (includes(SCALAR_METRICS, family)) {
    if (stat !== undefined) {
      return `threshold ${JSON.stringify(expression)} gives a statistic to a scalar, got ${family}.${stat}; write ${family}${op}${num}`;
    }
    return { expression, metric: family, op, limit, read: (s) => s[family] };
  }
  return `threshold ${JSON.stringify(expression)} has an unknown metric, got ${family}; use ${LATENCY_METRICS.map((f) => `${f}.<stat>`).join(', ')}, ${SCALAR_METRICS.join(', ')}`;
}

/** Parses threshold expressions; throws one UsageError (exit 2) listing every bad one. */
export function parseThresholds(expressions: readonly string[]): Threshold[] {
  const parsed = expressions.map(parseOne);
  const problems = parsed.filter((p): p is string => typeof p === 'string');
  if (problems.length > 0) throw usageErrors(problems);
  return parsed as Threshold[];
}

function holds(value: number, op: Op, limit: number): boolean {
  switch (op) {
    case '<':
      return value < limit;
    case '<=':
      return value <= limit;
    case '>':
      return value > limit;
    case '>=':
      return value >= limit;
    default: {
      const never: never = op;
      return never;
    }
  }
}

/**
 * Checks thresholds against a summary. A metric with no value (no successful request, no
 * finished request) fails: an SLO cannot be shown to hold without measurements.
 */
export function evaluateThresholds(thresholds: readonly Threshold[], summary: LoadSummary): ThresholdResult[] {
  return thresholds.map((t) => {
    const value = t.read(summary);
    return {
      expression: t.expression,
      metric: t.metric,
      op: t.op,
      limit: t.limit,
      value,
      passed: value !== null && holds(value, t.op, t.limit),
    };
  });
}
