/**
 * A strict reader of the Prometheus text format 0.0.4 for tests: families with their HELP, TYPE
 * and samples, in order, and the layout checks prometheus_client's output always passes.
 */

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Label names in the order the line wrote them. */
  readonly labelOrder: readonly string[];
  readonly value: number;
  /** The value as written (`1.0`, `+Inf`). */
  readonly raw: string;
}

export interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly samples: Sample[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/gy;

function parseLabels(text: string, line: string): { labels: Record<string, string>; order: string[] } {
  const labels: Record<string, string> = {};
  const order: string[] = [];
  LABEL.lastIndex = 0;
  let pos = 0;
  while (pos < text.length) {
    LABEL.lastIndex = pos;
    const m = LABEL.exec(text);
    if (!m) throw new Error(`bad labels at ${pos} in ${JSON.stringify(line)}`);
    labels[m[1]!] = JSON.parse(`"${m[2]!}"`) as string;
    order.push(m[1]!);
    pos = LABEL.lastIndex;
    if (text[pos] === ',') pos++;
  }
  return { labels, order };
}

function parseValue(raw: string): number {
  if (raw === '+Inf') return Infinity;
  if (raw === '-Inf') return -Infinity;
  if (raw === 'NaN') return NaN;
  const v = Number(raw);
  if (!Number.isFinite(v)) throw new Error(`bad sample value ${raw}`);
  return v;
}

/** Families in order; throws on a line that is not HELP, TYPE, a sample or empty. */
export function parseExposition(text: string): Family[] {
  const families: Family[] = [];
  let current: { name: string; help: string; type: string; samples: Sample[] } | undefined;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# HELP ')) {
      const rest = line.slice(7);
      const sp = rest.indexOf(' ');
      current = { name: rest.slice(0, sp), help: rest.slice(sp + 1), type: '', samples: [] };
      families.push(current);
      continue;
    }
    if (line.startsWith('# TYPE ')) {
      const [name, type] = line.slice(7).split(' ');
      if (!current || current.name !== name) throw new Error(`TYPE without its HELP: ${line}`);
      current.type = type!;
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`not a sample line: ${JSON.stringify(line)}`);
    if (!current) throw new Error(`sample before any family: ${line}`);
    const { labels, order } = m[3] ? parseLabels(m[3], line) : { labels: {}, order: [] };
    current.samples.push({ name: m[1]!, labels, labelOrder: order, value: parseValue(m[4]!), raw: m[4]! });
  }
  return families;
}

/** The samples of one series name, across families. */
export function samplesOf(families: readonly Family[], name: string): Sample[] {
  return families.flatMap((f) => f.samples.filter((s) => s.name === name));
}

/** Labels of a sample without `le`, as a sorted `a=b,c=d` key. */
export function seriesKey(s: Sample, drop: readonly string[] = ['le']): string {
  return Object.keys(s.labels)
    .filter((k) => !drop.includes(k))
    .sort()
    .map((k) => `${k}=${s.labels[k]}`)
    .join(',');
}
