/**
 * Checks of the project against a recorded vLLM surface (facts/vllm): a command line as vLLM
 * would parse it, the metrics catalog, and the series and labels a PromQL expression selects.
 * Each returns its problems as sentences, so a test shows exactly what disagrees.
 */
import { parser } from '@prometheus-io/lezer-promql';
import type { MetricSpec } from '../../constructs/metrics';
import { bucketBounds, compareVllmVersions, familyOfSeries, lookupFlag, type VllmSurface } from '../../facts/vllm';

const INT = /^-?\d+$/;
const HUMAN_INT = /^\d+(\.\d+)?[kKmMgGtT]?$/;

function valueProblem(flag: string, type: string, value: string): string | undefined {
  switch (type) {
    case 'int':
      return INT.test(value) ? undefined : `${flag} takes an int, got ${JSON.stringify(value)}`;
    case 'float':
      return value.trim() !== '' && Number.isFinite(Number(value)) ? undefined : `${flag} takes a float, got ${JSON.stringify(value)}`;
    case 'human-int':
      return HUMAN_INT.test(value) ? undefined : `${flag} takes an integer like 8192 or 8k, got ${JSON.stringify(value)}`;
    case 'human-int-or-auto':
      return HUMAN_INT.test(value) || value === '-1' || value.toLowerCase() === 'auto'
        ? undefined
        : `${flag} takes an integer or auto, got ${JSON.stringify(value)}`;
    default:
      return undefined;
  }
}

/**
 * `vllm serve <args>` as vLLM `version` would parse them: the model first and positional, then
 * flags it has (with `_` spellings and short aliases), values of the right type, choice and range,
 * and each flag present in that version.
 */
export function argsProblems(args: readonly string[], surface: VllmSurface, version = surface.version): string[] {
  const problems: string[] = [];
  if (args.length === 0 || args[0]!.startsWith('-'))
    problems.push(`the model must be the first (positional) argument of vllm serve, got ${JSON.stringify(args[0] ?? null)}`);
  for (let i = args[0]?.startsWith('-') === false ? 1 : 0; i < args.length; i++) {
    const token = args[i]!;
    if (!token.startsWith('-')) {
      problems.push(`${JSON.stringify(token)} is a second positional argument; vllm serve takes one (the model)`);
      continue;
    }
    const hit = lookupFlag(surface, token);
    if (hit === undefined) {
      problems.push(`${token.split('=')[0]} is not a flag of vLLM ${surface.version}`);
      continue;
    }
    const { name, fact } = hit;
    if (fact.deprecated) problems.push(`${name} is deprecated: ${fact.deprecated}`);
    if (fact.addedIn !== null && compareVllmVersions(version, fact.addedIn) < 0)
      problems.push(`${name} needs vLLM ${fact.addedIn}, the image is ${version}`);
    const inline = token.includes('=') ? token.slice(token.indexOf('=') + 1) : undefined;
    if (fact.type === 'bool') {
      if (inline !== undefined) problems.push(`${name} takes no value, got ${JSON.stringify(inline)}`);
      continue;
    }
    const values: string[] = [];
    if (inline !== undefined) values.push(inline);
    else {
      while (i + 1 < args.length && !args[i + 1]!.startsWith('--') && (values.length === 0 || fact.nargs === '+')) values.push(args[++i]!);
    }
    if (values.length === 0) problems.push(`${name} needs a value`);
    for (const v of values) {
      const bad = valueProblem(name, fact.type, v);
      if (bad) problems.push(bad);
      const n = Number(v);
      if (fact.choices && !fact.choices.some((c) => String(c) === v))
        problems.push(`${name} must be one of ${fact.choices.join(', ')}, got ${JSON.stringify(v)}`);
      if (fact.range && Number.isFinite(n)) {
        const r = fact.range;
        if ((r.gt !== undefined && !(n > r.gt)) || (r.ge !== undefined && !(n >= r.ge)) || (r.le !== undefined && !(n <= r.le))) {
          problems.push(`${name} ${v} is out of vLLM's range ${JSON.stringify(r)}`);
        }
      }
    }
  }
  return problems;
}

/** The metrics catalog against the surface: name, type, labels and buckets of every family. */
export function catalogProblems(
  catalog: Readonly<Record<string, MetricSpec>>,
  surface: VllmSurface,
  histogramBounds: (id: string, maxModelLen: number) => number[],
): string[] {
  const problems: string[] = [];
  for (const [id, spec] of Object.entries(catalog)) {
    const fact = surface.metrics.families.find((f) => f.name === spec.name);
    if (fact === undefined) {
      problems.push(`${id}: ${spec.name} is not a vLLM ${surface.version} family`);
      continue;
    }
    if (fact.type !== spec.type) problems.push(`${id}: ${spec.name} is a ${fact.type} in vLLM, the catalog says ${spec.type}`);
    const labels = [...surface.metrics.engineLabels, ...(spec.labels ?? [])].sort();
    if (labels.join() !== [...fact.labels].sort().join())
      problems.push(`${id}: ${spec.name} has labels ${[...fact.labels].sort().join(', ')} in vLLM, the catalog says ${labels.join(', ')}`);
    if (fact.buckets !== undefined || spec.buckets !== undefined) {
      for (const len of [128, 1000, 1024, 4096, 8192, 32768]) {
        const want = fact.buckets ? bucketBounds(fact.buckets, len) : [];
        const got = spec.buckets ? histogramBounds(id, len) : [];
        if (want.join() !== got.join()) {
          problems.push(
            `${id}: ${spec.name} buckets at max_model_len ${len} are ${want.join(', ')} in vLLM, the catalog gives ${got.join(', ') || 'none'}`,
          );
          break;
        }
      }
    }
  }
  return problems;
}

/** Labels Prometheus adds to every scraped series (ServiceMonitor target labels). */
export const TARGET_LABELS = ['namespace', 'pod', 'service', 'endpoint', 'container', 'job', 'instance'];

/** One vector selector of an expression: its metric and label matchers. */
export interface Selector {
  readonly metric: string;
  readonly matchers: { readonly label: string; readonly op: string; readonly value: string }[];
}

/** Every vector selector of a PromQL expression. */
export function selectorsOf(expr: string): Selector[] {
  const out: Selector[] = [];
  parser.parse(expr).iterate({
    enter(n) {
      if (n.name !== 'VectorSelector') return;
      const id = n.node.getChild('Identifier');
      const matchers: Selector['matchers'] = [];
      const lm = n.node.getChild('LabelMatchers');
      for (const m of lm?.getChildren('UnquotedLabelMatcher') ?? []) {
        const label = m.getChild('LabelName');
        const op = m.getChild('MatchOp');
        const value = m.getChild('StringLiteral');
        if (label && op && value)
          matchers.push({
            label: expr.slice(label.from, label.to),
            op: expr.slice(op.from, op.to),
            value: JSON.parse(expr.slice(value.from, value.to)) as string,
          });
      }
      if (id) out.push({ metric: expr.slice(id.from, id.to), matchers });
    },
  });
  return out;
}

/**
 * The vLLM and HTTP series an expression selects against the surface: each must exist, each
 * label matched must be one the family has (or a target label), each fixed label value one vLLM
 * exports.
 */
export function selectorProblems(expr: string, surface: VllmSurface): string[] {
  const problems: string[] = [];
  for (const s of selectorsOf(expr)) {
    if (!s.metric.startsWith('vllm:') && s.metric !== surface.metrics.http.name) continue;
    const family = familyOfSeries(surface, s.metric);
    if (family === undefined) {
      problems.push(`${s.metric} is not a series of vLLM ${surface.version}`);
      continue;
    }
    const known = new Set([...family.labels, ...TARGET_LABELS, ...(s.metric.endsWith('_bucket') ? ['le'] : [])]);
    for (const m of s.matchers) {
      if (!known.has(m.label)) problems.push(`${s.metric} has no label ${m.label} in vLLM ${surface.version}`);
      const values =
        family === surface.metrics.http && m.label === 'status' ? surface.metrics.http.statusValues : family.labelValues?.[m.label];
      if (values !== undefined && m.op === '=' && !values.includes(m.value))
        problems.push(`${s.metric}{${m.label}="${m.value}"} never exists: vLLM exports ${values.join(', ')}`);
      if (values !== undefined && m.op === '=~' && !values.some((v) => new RegExp(`^(?:${m.value})$`).test(v))) {
        problems.push(`${s.metric}{${m.label}=~"${m.value}"} matches no value vLLM exports (${values.join(', ')})`);
      }
    }
  }
  return problems;
}
