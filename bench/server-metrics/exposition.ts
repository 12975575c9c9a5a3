/**
 * A reader of the Prometheus text exposition format 0.0.4, as vLLM's prometheus_client writes it
 * and as Prometheus itself accepts it: `# HELP` / `# TYPE` lines, other comments, and samples
 * `name{label="value",…} value [timestamp]` with escaped label values (`\\`, `\"`, `\n`) and the
 * values `+Inf`, `-Inf`, `NaN`. Families need not be contiguous and labels come in any order.
 *
 * Lenient where Prometheus is (unknown comments, a trailing comma in the labels) and strict where
 * a wrong number would follow: a line that is neither a comment nor a sample is an error that
 * names the line.
 */

/** One sample line. */
export interface ExpositionSample {
  /** Series name as written: `vllm:e2e_request_latency_seconds_bucket`. */
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** What one scrape said: its samples in order, and the declared type of each family. */
export interface Exposition {
  readonly samples: readonly ExpositionSample[];
  /** Family name → `counter`, `gauge`, `histogram`, `summary`, `untyped`. */
  readonly types: ReadonlyMap<string, string>;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

/** A sample value as Prometheus parses it (Go's ParseFloat): numbers, `+Inf`, `-Inf`, `NaN`. */
export function parseSampleValue(raw: string): number | undefined {
  switch (raw) {
    case '+Inf':
    case 'Inf':
      return Infinity;
    case '-Inf':
      return -Infinity;
    case 'NaN':
      return NaN;
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw)) return undefined;
  return Number(raw);
}

/** `{a="1",b="x\"y"}` starting at `text[start]` (the `{`): the labels and where the `}` ends. */
function readLabels(text: string, start: number, lineNo: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = start + 1;
  const fail = (what: string): never => {
    throw new Error(`metrics line ${lineNo}: ${what} at column ${i + 1}, got ${JSON.stringify(text)}`);
  };
  for (;;) {
    while (text[i] === ' ') i++;
    if (text[i] === '}') return { labels, end: i + 1 };
    const name = LABEL_NAME.exec(text.slice(i))?.[0];
    if (name === undefined) fail('expected a label name');
    i += name!.length;
    while (text[i] === ' ') i++;
    if (text[i] !== '=') fail('expected =');
    i++;
    while (text[i] === ' ') i++;
    if (text[i] !== '"') fail('expected a quoted label value');
    i++;
    let value = '';
    for (;;) {
      const c = text[i];
      if (c === undefined) fail('unterminated label value');
      if (c === '"') break;
      if (c === '\\') {
        const next = text[i + 1];
        value += next === 'n' ? '\n' : (next ?? '');
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    i++;
    labels[name!] = value;
    while (text[i] === ' ') i++;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') fail('expected , or }');
  }
}

/**
 * Parses one scrape.
 *
 * @throws Error naming the first line that is neither a comment nor a sample
 */
export function parseExposition(text: string): Exposition {
  const samples: ExpositionSample[] = [];
  const types = new Map<string, string>();
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.replace(/\r$/, '').trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^#\s*TYPE\s+(\S+)\s+(\S+)/.exec(line);
      if (m) types.set(m[1]!, m[2]!);
      continue;
    }
    const name = NAME.exec(line)?.[0];
    if (name === undefined) throw new Error(`metrics line ${n + 1} is not a sample, got ${JSON.stringify(line)}`);
    let rest = name.length;
    let labels: Record<string, string> = {};
    if (line[rest] === '{') {
      const read = readLabels(line, rest, n + 1);
      labels = read.labels;
      rest = read.end;
    }
    const fields = line.slice(rest).trim().split(/\s+/);
    const value = parseSampleValue(fields[0] ?? '');
    if (value === undefined || fields.length > 2)
      throw new Error(`metrics line ${n + 1} has no valid sample value, got ${JSON.stringify(line)}`);
    samples.push({ name, labels, value });
  }
  return { samples, types };
}
