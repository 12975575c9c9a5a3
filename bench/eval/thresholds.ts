/**
 * Eval thresholds: `winRate>=0.45`, `score.mean>=6.5`, `referencePass>=0.9`, and the lower ends of
 * their intervals (`winRate.low>=0.4`). Each applies to every model that has the figure (winRate:
 * every model but the baseline); any crossed → exit 99.
 */
import { usageErrors } from '../errors';
import type { EvalModelSummary } from './result';

type Op = '<' | '<=' | '>' | '>=';

/** The figures a threshold can name, and where a model summary keeps them. */
export const EVAL_METRICS: Readonly<Record<string, (m: EvalModelSummary) => number | null | undefined>> = {
  'score.mean': (m) => m.score.mean,
  'score.low': (m) => m.score.interval?.low ?? null,
  referencePass: (m) => m.reference.rate,
  'referencePass.low': (m) => m.reference.interval?.low ?? null,
  winRate: (m) => (m.pairwise === undefined ? undefined : m.pairwise.winRate),
  'winRate.low': (m) => (m.pairwise === undefined ? undefined : (m.pairwise.interval?.low ?? null)),
  /** `winRate.high>=0.5` fails only when the candidate loses beyond noise. */
  'winRate.high': (m) => (m.pairwise === undefined ? undefined : (m.pairwise.interval?.high ?? null)),
  judgeFailures: (m) => m.judgeFailures,
};

export interface EvalThresholdSpec {
  readonly expression: string;
  readonly metric: string;
  readonly op: Op;
  readonly limit: number;
}

const GRAMMAR = /^\s*([A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)?)\s*(<=|>=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/;

/** Parses every threshold; one UsageError lists every bad one. */
export function parseEvalThresholds(expressions: readonly string[]): EvalThresholdSpec[] {
  const problems: string[] = [];
  const specs: EvalThresholdSpec[] = [];
  for (const expression of expressions) {
    const m = GRAMMAR.exec(expression);
    if (m === null) {
      problems.push(
        `--threshold ${JSON.stringify(expression)} is not <metric><op><number>, got no match; write e.g. winRate>=0.45 or score.mean>=6.5`,
      );
      continue;
    }
    const [, metric, op, num] = m as unknown as [string, string, Op, string];
    if (!(metric in EVAL_METRICS)) {
      problems.push(
        `--threshold ${JSON.stringify(expression)} names an unknown metric, got ${metric}; use one of ${Object.keys(EVAL_METRICS).join(', ')}`,
      );
      continue;
    }
    specs.push({ expression: expression.trim(), metric, op, limit: Number(num) });
  }
  if (problems.length > 0) throw usageErrors(problems);
  return specs;
}

const holds = (v: number, op: Op, limit: number) =>
  op === '<' ? v < limit : op === '<=' ? v <= limit : op === '>' ? v > limit : v >= limit;

/** Each threshold against each model that has its figure; an unmeasured figure fails. */
export function evaluateEvalThresholds(specs: readonly EvalThresholdSpec[], models: readonly EvalModelSummary[]) {
  return specs.flatMap((s) =>
    models.flatMap((m) => {
      const v = EVAL_METRICS[s.metric]!(m);
      if (v === undefined) return [];
      return [
        {
          expression: s.expression,
          model: m.model,
          metric: s.metric,
          op: s.op,
          limit: s.limit,
          value: v,
          passed: v !== null && holds(v, s.op, s.limit),
        },
      ];
    }),
  );
}
