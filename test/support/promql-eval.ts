/**
 * A small PromQL evaluator for tests: instant queries over a few scrapes held in memory, enough
 * for the project's recording rules, alerts and KEDA queries (selectors, rate/increase, the
 * *_over_time family, histogram_quantile, clamp_min, absent, aggregations with by/without,
 * arithmetic and comparisons with on/ignoring and group_left/right, and/or/unless). It parses
 * with Prometheus' own grammar (@prometheus-io/lezer-promql). Simplifications: rate() is
 * (last − first) / their time apart (no extrapolation, no counter resets); a range includes a
 * sample exactly at its start (Prometheus 2; Prometheus 3 leaves it out); staleness is a 5 m lookback. A real Prometheus (promtool) gives the exact figures; this shows the queries select
 * and combine the series the exposition really has.
 */
import { parser } from '@prometheus-io/lezer-promql';
import type { SyntaxNode } from '@lezer/common';

export type Labels = Readonly<Record<string, string>>;
export interface StoredSeries {
  readonly labels: Labels;
  readonly points: [number, number][];
}
export interface Sample {
  readonly labels: Labels;
  readonly value: number;
}
type Value =
  { kind: 'scalar'; value: number } | { kind: 'vector'; samples: Sample[] } | { kind: 'matrix'; series: StoredSeries[]; rangeSec: number };

const LOOKBACK_SEC = 300;

/** Series by name and labels, each with timestamped points. */
export class SeriesStore {
  private readonly byKey = new Map<string, { labels: Record<string, string>; points: [number, number][] }>();

  add(labels: Labels, t: number, v: number): void {
    const key = JSON.stringify(Object.entries(labels).sort());
    let s = this.byKey.get(key);
    if (!s) this.byKey.set(key, (s = { labels: { ...labels }, points: [] }));
    s.points.push([t, v]);
    s.points.sort((a, b) => a[0] - b[0]);
  }

  all(): StoredSeries[] {
    return [...this.byKey.values()];
  }
}

function durationSec(text: string): number {
  let total = 0;
  for (const [, n, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/g)) {
    total += Number(n) * { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 }[unit as 'ms'];
  }
  return total;
}

const withoutName = (l: Labels): Labels => Object.fromEntries(Object.entries(l).filter(([k]) => k !== '__name__'));
const sigKey = (l: Labels, on: string[] | null, ignoring: string[]): string =>
  JSON.stringify(
    Object.entries(l)
      .filter(([k]) => k !== '__name__' && (on === null ? !ignoring.includes(k) : on.includes(k)))
      .sort(),
  );

function bucketQuantile(q: number, buckets: { le: number; count: number }[]): number {
  buckets.sort((a, b) => a.le - b.le);
  if (buckets.length < 2 || buckets.at(-1)!.le !== Infinity) return NaN;
  const total = buckets.at(-1)!.count;
  if (total === 0) return NaN;
  const rank = q * total;
  const i = buckets.findIndex((b) => b.count >= rank);
  if (buckets[i]!.le === Infinity) return buckets[i - 1]!.le;
  const lower = i === 0 ? 0 : buckets[i - 1]!.le;
  const below = i === 0 ? 0 : buckets[i - 1]!.count;
  return lower + (buckets[i]!.le - lower) * ((rank - below) / (buckets[i]!.count - below));
}

export class PromqlEvaluator {
  constructor(
    private readonly store: SeriesStore,
    private readonly at: number,
  ) {}

  /** Evaluates an expression to an instant vector (a scalar becomes one unlabelled sample). */
  query(expr: string): Sample[] {
    const tree = parser.parse(expr);
    const errors: string[] = [];
    tree.iterate({ enter: (n) => void (n.type.isError && errors.push(`syntax error at ${n.from}`)) });
    if (errors.length) throw new Error(`${errors.join(', ')} in ${expr}`);
    const v = this.eval(tree.topNode.firstChild!, expr);
    if (v.kind === 'scalar') return [{ labels: {}, value: v.value }];
    if (v.kind === 'matrix') throw new Error('a range vector is not a query result');
    return v.samples;
  }

  private text(n: SyntaxNode, src: string): string {
    return src.slice(n.from, n.to);
  }

  private select(n: SyntaxNode, src: string): { labels: Record<string, string>; series: StoredSeries }[] {
    const name = n.getChild('Identifier');
    const matchers: { label: string; op: string; value: string }[] = [];
    if (name) matchers.push({ label: '__name__', op: '=', value: this.text(name, src) });
    for (const m of n.getChild('LabelMatchers')?.getChildren('UnquotedLabelMatcher') ?? []) {
      matchers.push({
        label: this.text(m.getChild('LabelName')!, src),
        op: this.text(m.getChild('MatchOp')!, src),
        value: JSON.parse(this.text(m.getChild('StringLiteral')!, src)) as string,
      });
    }
    return this.store
      .all()
      .filter((s) =>
        matchers.every(({ label, op, value }) => {
          const v = s.labels[label] ?? '';
          if (op === '=') return v === value;
          if (op === '!=') return v !== value;
          const re = new RegExp(`^(?:${value})$`);
          return op === '=~' ? re.test(v) : !re.test(v);
        }),
      )
      .map((s) => ({ labels: { ...s.labels }, series: s }));
  }

  private eval(n: SyntaxNode, src: string): Value {
    switch (n.name) {
      case 'NumberDurationLiteral':
        return { kind: 'scalar', value: Number(this.text(n, src)) };
      case 'ParenExpr':
        return this.eval(n.firstChild!, src);
      case 'UnaryExpr': {
        const v = this.eval(n.lastChild!, src);
        const neg = this.text(n.firstChild!, src) === '-';
        if (!neg) return v;
        return v.kind === 'scalar'
          ? { kind: 'scalar', value: -v.value }
          : { kind: 'vector', samples: this.vec(v).map((s) => ({ labels: withoutName(s.labels), value: -s.value })) };
      }
      case 'VectorSelector': {
        const samples: Sample[] = [];
        for (const { labels, series } of this.select(n, src)) {
          const p = [...series.points].reverse().find(([t]) => t <= this.at && this.at - t <= LOOKBACK_SEC);
          if (p) samples.push({ labels, value: p[1] });
        }
        return { kind: 'vector', samples };
      }
      case 'MatrixSelector': {
        const range = durationSec(this.text(n.getChild('DurationExpr')!, src));
        const series = this.select(n.getChild('VectorSelector')!, src).map(({ labels, series: s }) => ({
          labels,
          points: s.points.filter(([t]) => t <= this.at && t >= this.at - range),
        }));
        return { kind: 'matrix', series, rangeSec: range };
      }
      case 'FunctionCall':
        return this.call(n, src);
      case 'AggregateExpr':
        return this.aggregate(n, src);
      case 'BinaryExpr':
        return this.binary(n, src);
      default:
        throw new Error(`unsupported PromQL node ${n.name}: ${this.text(n, src)}`);
    }
  }

  private vec(v: Value): Sample[] {
    if (v.kind !== 'vector') throw new Error(`expected an instant vector, got a ${v.kind}`);
    return v.samples;
  }

  private args(n: SyntaxNode): SyntaxNode[] {
    const body = n.getChild('FunctionCallBody')!;
    const out: SyntaxNode[] = [];
    for (let c = body.firstChild; c; c = c.nextSibling) if (c.name !== '(' && c.name !== ')' && c.name !== ',') out.push(c);
    return out;
  }

  private call(n: SyntaxNode, src: string): Value {
    const fn = this.text(n.getChild('FunctionIdentifier')!, src);
    const args = this.args(n).map((a) => a);
    const overTime = (f: (points: [number, number][], range: number) => number | undefined, keepName = false): Value => {
      const m = this.eval(args[0]!, src);
      if (m.kind !== 'matrix') throw new Error(`${fn}() needs a range vector`);
      const samples: Sample[] = [];
      for (const s of m.series) {
        const v = f(s.points, m.rangeSec);
        if (v !== undefined) samples.push({ labels: keepName ? s.labels : withoutName(s.labels), value: v });
      }
      return { kind: 'vector', samples };
    };
    switch (fn) {
      case 'rate':
        return overTime((p) => (p.length < 2 ? undefined : (p.at(-1)![1] - p[0]![1]) / (p.at(-1)![0] - p[0]![0])));
      case 'increase':
        return overTime((p) => (p.length < 2 ? undefined : p.at(-1)![1] - p[0]![1]));
      case 'last_over_time':
        return overTime((p) => p.at(-1)?.[1], true);
      case 'max_over_time':
        return overTime((p) => (p.length ? Math.max(...p.map((x) => x[1])) : undefined));
      case 'clamp_min': {
        const min = this.eval(args[1]!, src);
        if (min.kind !== 'scalar') throw new Error('clamp_min needs a scalar');
        return {
          kind: 'vector',
          samples: this.vec(this.eval(args[0]!, src)).map((s) => ({ labels: withoutName(s.labels), value: Math.max(s.value, min.value) })),
        };
      }
      case 'absent': {
        const v = this.vec(this.eval(args[0]!, src));
        if (v.length > 0) return { kind: 'vector', samples: [] };
        const labels: Record<string, string> = {};
        const sel = args[0]!.name === 'VectorSelector' ? args[0]! : undefined;
        for (const m of sel?.getChild('LabelMatchers')?.getChildren('UnquotedLabelMatcher') ?? []) {
          if (this.text(m.getChild('MatchOp')!, src) === '=')
            labels[this.text(m.getChild('LabelName')!, src)] = JSON.parse(this.text(m.getChild('StringLiteral')!, src)) as string;
        }
        return { kind: 'vector', samples: [{ labels, value: 1 }] };
      }
      case 'histogram_quantile': {
        const q = this.eval(args[0]!, src);
        if (q.kind !== 'scalar') throw new Error('histogram_quantile needs a scalar quantile');
        const groups = new Map<string, { labels: Labels; buckets: { le: number; count: number }[] }>();
        for (const s of this.vec(this.eval(args[1]!, src))) {
          const labels = Object.fromEntries(Object.entries(withoutName(s.labels)).filter(([k]) => k !== 'le'));
          const key = JSON.stringify(Object.entries(labels).sort());
          if (!groups.has(key)) groups.set(key, { labels, buckets: [] });
          groups.get(key)!.buckets.push({ le: s.labels.le === '+Inf' ? Infinity : Number(s.labels.le), count: s.value });
        }
        return {
          kind: 'vector',
          samples: [...groups.values()].map((g) => ({ labels: g.labels, value: bucketQuantile(q.value, g.buckets) })),
        };
      }
      default:
        throw new Error(`unsupported PromQL function ${fn}`);
    }
  }

  private aggregate(n: SyntaxNode, src: string): Value {
    const op = this.text(n.getChild('AggregateOp')!, src);
    const mod = n.getChild('AggregateModifier');
    const labels =
      mod
        ?.getChild('GroupingLabels')
        ?.getChildren('LabelName')
        .map((l) => this.text(l, src)) ?? [];
    const without = mod?.getChild('Without') !== null && mod !== null;
    const body = n.getChild('FunctionCallBody')!;
    const input = this.vec(this.eval(body.firstChild!.name === '(' ? body.firstChild!.nextSibling! : body.firstChild!, src));
    const groups = new Map<string, { labels: Labels; values: number[] }>();
    for (const s of input) {
      const kept = Object.fromEntries(
        Object.entries(withoutName(s.labels)).filter(([k]) => (without ? !labels.includes(k) : labels.includes(k))),
      );
      const key = JSON.stringify(Object.entries(kept).sort());
      if (!groups.has(key)) groups.set(key, { labels: kept, values: [] });
      groups.get(key)!.values.push(s.value);
    }
    const f: Record<string, (v: number[]) => number> = {
      sum: (v) => v.reduce((a, b) => a + b, 0),
      avg: (v) => v.reduce((a, b) => a + b, 0) / v.length,
      max: (v) => Math.max(...v),
      min: (v) => Math.min(...v),
      count: (v) => v.length,
      group: () => 1,
    };
    if (!f[op]) throw new Error(`unsupported aggregation ${op}`);
    return { kind: 'vector', samples: [...groups.values()].map((g) => ({ labels: g.labels, value: f[op]!(g.values) })) };
  }

  private binary(n: SyntaxNode, src: string): Value {
    const lhsNode = n.firstChild!;
    const opNode = lhsNode.nextSibling!;
    const op = this.text(opNode, src);
    let rhsNode = opNode.nextSibling!;
    let bool = false;
    let on: string[] | null = null;
    let ignoring: string[] = [];
    let group: 'left' | 'right' | null = null;
    let include: string[] = [];
    while (rhsNode.name === 'BoolModifier' || rhsNode.name === 'MatchingModifierClause') {
      if (rhsNode.name === 'BoolModifier') bool = true;
      else {
        const lists = rhsNode.getChildren('GroupingLabels').map((g) => g.getChildren('LabelName').map((l) => this.text(l, src)));
        if (rhsNode.getChild('On')) on = lists[0] ?? [];
        if (rhsNode.getChild('Ignoring')) ignoring = lists[0] ?? [];
        if (rhsNode.getChild('GroupLeft')) group = 'left';
        if (rhsNode.getChild('GroupRight')) group = 'right';
        include = lists[1] ?? [];
      }
      rhsNode = rhsNode.nextSibling!;
    }
    const lhs = this.eval(lhsNode, src);
    const rhs = this.eval(rhsNode, src);
    const cmp = ['>', '<', '>=', '<=', '==', '!='].includes(op);
    const apply = (a: number, b: number): number => {
      switch (op) {
        case '+':
          return a + b;
        case '-':
          return a - b;
        case '*':
          return a * b;
        case '/':
          return a / b;
        case '%':
          return a % b;
        case '^':
          return a ** b;
        case '>':
          return Number(a > b);
        case '<':
          return Number(a < b);
        case '>=':
          return Number(a >= b);
        case '<=':
          return Number(a <= b);
        case '==':
          return Number(a === b);
        case '!=':
          return Number(a !== b);
        default:
          throw new Error(`unsupported operator ${op}`);
      }
    };
    if (lhs.kind === 'scalar' && rhs.kind === 'scalar') return { kind: 'scalar', value: apply(lhs.value, rhs.value) };
    if (op === 'and' || op === 'or' || op === 'unless') {
      const l = this.vec(lhs);
      const r = this.vec(rhs);
      const rKeys = new Set(r.map((s) => sigKey(s.labels, on, ignoring)));
      if (op === 'and') return { kind: 'vector', samples: l.filter((s) => rKeys.has(sigKey(s.labels, on, ignoring))) };
      if (op === 'unless') return { kind: 'vector', samples: l.filter((s) => !rKeys.has(sigKey(s.labels, on, ignoring))) };
      const lKeys = new Set(l.map((s) => sigKey(s.labels, on, ignoring)));
      return { kind: 'vector', samples: [...l, ...r.filter((s) => !lKeys.has(sigKey(s.labels, on, ignoring)))] };
    }
    const result = (labels: Labels, a: number, b: number, keep: number): Sample | null => {
      const v = apply(a, b);
      if (cmp && !bool) return v ? { labels, value: keep } : null;
      return { labels: withoutName(labels), value: v };
    };
    const out: Sample[] = [];
    if (lhs.kind === 'scalar' || rhs.kind === 'scalar') {
      const scalarLeft = lhs.kind === 'scalar';
      const scalar = (scalarLeft ? lhs : rhs) as { value: number };
      for (const s of this.vec(scalarLeft ? rhs : lhs)) {
        const r = scalarLeft ? result(s.labels, scalar.value, s.value, s.value) : result(s.labels, s.value, scalar.value, s.value);
        if (r) out.push(r);
      }
      return { kind: 'vector', samples: out };
    }
    const l = this.vec(lhs);
    const r = this.vec(rhs);
    const one = group === 'right' ? l : r;
    const many = group === 'right' ? r : l;
    const byKey = new Map<string, Sample[]>();
    for (const s of one) {
      const k = sigKey(s.labels, on, ignoring);
      byKey.set(k, [...(byKey.get(k) ?? []), s]);
    }
    for (const s of many) {
      const match = byKey.get(sigKey(s.labels, on, ignoring));
      if (!match) continue;
      if (match.length > 1) throw new Error(`many-to-many match in ${this.text(n, src)}`);
      const other = match[0]!;
      const [a, b] = group === 'right' ? [other, s] : [s, other];
      let labels: Record<string, string> =
        group === null
          ? Object.fromEntries(Object.entries(a.labels).filter(([k]) => (on === null ? !ignoring.includes(k) : on.includes(k)) || cmp))
          : { ...s.labels };
      if (group !== null) for (const k of include) if (other.labels[k] !== undefined) labels[k] = other.labels[k]!;
      if (group === null && !cmp)
        labels = Object.fromEntries(Object.entries(a.labels).filter(([k]) => (on === null ? !ignoring.includes(k) : on.includes(k))));
      const res = result(labels, a.value, b.value, a.value);
      if (res) out.push(res);
    }
    return { kind: 'vector', samples: out };
  }
}
