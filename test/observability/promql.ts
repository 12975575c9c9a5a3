/**
 * PromQL checks with Prometheus' own lezer grammar (@prometheus-io/lezer-promql, the parser of
 * the Prometheus UI): a parse tree with an error node is a syntax error. The grammar accepts a
 * few type errors Prometheus rejects at load time, so two of those are checked here too: range
 * functions need a range vector (`rate(x)` is an error), and regex matchers must compile.
 */
import { parser } from '@prometheus-io/lezer-promql';

/** Functions whose argument must be a range vector (a `[5m]` selector or a subquery). */
const RANGE_FUNCTIONS = new Set([
  'rate',
  'irate',
  'increase',
  'delta',
  'idelta',
  'deriv',
  'changes',
  'resets',
  'absent_over_time',
  'present_over_time',
  'avg_over_time',
  'min_over_time',
  'max_over_time',
  'sum_over_time',
  'count_over_time',
  'last_over_time',
  'stddev_over_time',
  'stdvar_over_time',
  'predict_linear',
]);

export interface PromqlReport {
  /** Syntax and type problems; empty when the expression is valid. */
  readonly errors: string[];
  /** Metric names the expression selects, in order of appearance. */
  readonly metrics: string[];
  /** Every `label="value"` equality matcher, for checks like "scoped to the namespace". */
  readonly matchers: { readonly label: string; readonly op: string; readonly value: string }[];
}

export function checkPromql(expr: string): PromqlReport {
  const tree = parser.parse(expr);
  const errors: string[] = [];
  const metrics: string[] = [];
  const matchers: { label: string; op: string; value: string }[] = [];
  const text = (from: number, to: number) => expr.slice(from, to);
  tree.iterate({
    enter(n) {
      if (n.type.isError) {
        errors.push(`syntax error at ${n.from}: ${JSON.stringify(text(Math.max(0, n.from - 20), n.to + 20))}`);
        return;
      }
      if (n.name === 'VectorSelector') {
        const first = n.node.firstChild;
        if (first?.name === 'Identifier') metrics.push(text(first.from, first.to));
        else errors.push(`selector without a metric name at ${n.from}: ${text(n.from, n.to)}`);
      }
      if (n.name === 'UnquotedLabelMatcher') {
        const label = n.node.getChild('LabelName');
        const op = n.node.getChild('MatchOp');
        const value = n.node.getChild('StringLiteral');
        if (label && op && value) {
          const v = JSON.parse(text(value.from, value.to)) as string;
          const o = text(op.from, op.to);
          matchers.push({ label: text(label.from, label.to), op: o, value: v });
          if (o === '=~' || o === '!~') {
            try {
              new RegExp(`^(?:${v})$`);
            } catch (e) {
              errors.push(`regex ${JSON.stringify(v)} does not compile: ${(e as Error).message}`);
            }
          }
        }
      }
      if (n.name === 'FunctionCall') {
        const id = n.node.getChild('FunctionIdentifier');
        const body = n.node.getChild('FunctionCallBody');
        const fn = id ? text(id.from, id.to) : '';
        if (RANGE_FUNCTIONS.has(fn)) {
          const arg = body?.firstChild;
          if (!arg || (arg.name !== 'MatrixSelector' && arg.name !== 'SubqueryExpr')) {
            errors.push(`${fn}() needs a range vector, got ${arg ? text(arg.from, arg.to) : 'nothing'}`);
          }
        }
      }
    },
  });
  return { errors, metrics, matchers };
}
