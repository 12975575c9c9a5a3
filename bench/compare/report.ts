/** The compare result as Markdown, HTML and JUnit: each metric side by side, its interval, the gates. */
import { escapeXml, fmt } from '../report/format';
import { renderJunit, type JunitSuite } from '../report/junit';
import { notesList, page, table } from '../report/page';
import type { Renderers } from '../report/renderers';
import { lineChart, PALETTE } from '../report/svg';
import type { CompareResult, Comparison, GateResult, MetricComparison } from './result';

/** PASSED / FAILED / UNDECIDED over the gates, or DONE without gates. */
export function compareVerdict(r: CompareResult): string {
  const gates = r.comparisons.flatMap((c) => c.gates);
  if (gates.length === 0) return 'DONE (no gates)';
  const failed = gates.filter((g) => g.passed === false).length;
  const undecided = gates.filter((g) => g.passed === null).length;
  if (failed > 0) return `FAILED (${failed} of ${gates.length} gates regressed beyond noise)`;
  if (undecided > 0) return `PASSED with ${undecided} undecided of ${gates.length} gates`;
  return `PASSED (${gates.length} gates)`;
}

const showValue = (m: MetricComparison, v: number | null) => (m.metric === 'errorRate' && v !== null ? `${fmt(v * 100, 2)} %` : fmt(v));

function showDelta(m: MetricComparison): string {
  if (m.delta === null) return '–';
  const sign = m.delta > 0 ? '+' : '';
  const pct = m.deltaPct === null ? '' : ` (${m.deltaPct > 0 ? '+' : ''}${fmt(m.deltaPct * 100, 1)} %)`;
  return `${sign}${showValue(m, m.delta)}${pct}`;
}

function showInterval(m: MetricComparison): string {
  if (m.interval === null) return 'n/a';
  return `[${showValue(m, m.interval.low)}, ${showValue(m, m.interval.high)}]`;
}

/** The verdict word of a metric. */
export function changeWord(m: MetricComparison): string {
  switch (m.change) {
    case 'better':
      return 'better';
    case 'worse':
      return 'WORSE';
    case 'same':
      return 'no detectable difference';
    default:
      return 'unknown (no noise test)';
  }
}

const gateMark = (g: GateResult) => (g.passed === true ? '✅ pass' : g.passed === false ? '❌ FAIL' : '⚠️ undecided');

function metricRows(c: Comparison): string[][] {
  return c.metrics.map((m) => [
    m.metric,
    showValue(m, m.baseline),
    showValue(m, m.candidate),
    showDelta(m),
    showInterval(m),
    changeWord(m),
  ]);
}

const HEAD = ['Metric', 'Baseline', 'Candidate', 'Δ (Δ %)', '95 % interval of Δ', 'Verdict'];

function mdTable(head: readonly string[], rows: readonly (readonly string[])[], numeric: readonly boolean[]): string[] {
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [
    `| ${head.join(' | ')} |`,
    `|${numeric.map((n) => (n ? '---:' : ':---')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ];
}

/** The comparison as Markdown for a CI log or a PR comment, with how each interval is made. */
export function renderCompareMarkdown(r: CompareResult): string {
  const out = [
    `## llm-bench compare: ${compareVerdict(r)}`,
    '',
    `- **Baseline:** ${r.baseline.file ?? 'live'} · ${r.baseline.description}`,
    `- **Candidate:** ${r.candidate.file ?? 'live'} · ${r.candidate.description}`,
    '',
  ];
  for (const n of r.notes) out.push(`> ${n}`, '');
  for (const c of r.comparisons) {
    if (r.comparisons.length > 1 || r.baseline.kind === 'sweep') out.push(`### ${c.label}`, '');
    out.push(...mdTable(HEAD, metricRows(c), [false, true, true, true, true, false]), '');
    if (c.gates.length > 0) {
      out.push(
        ...mdTable(
          ['', 'Gate', 'Why'],
          c.gates.map((g) => [gateMark(g), `\`${g.expression}\``, g.reason]),
          [false, false, false],
        ),
        '',
      );
    }
    const unavailable = c.metrics.filter((m) => m.noise === 'unavailable' && m.note !== undefined);
    if (unavailable.length > 0) out.push(...unavailable.map((m) => `- ${m.metric}: ${m.note!}`), '');
  }
  out.push('### How the intervals are made', '', ...Object.values(r.methods).map((v) => `- ${v}`), '');
  return out.join('\n');
}

/** Self-contained HTML: the table, the gates and the TTFT/E2E CDFs of both runs. */
export function renderCompareHtml(r: CompareResult): string {
  const body = [
    `<h1>llm-bench compare: ${escapeXml(compareVerdict(r))}</h1>`,
    `<p class="run"><b>Baseline</b> ${escapeXml(r.baseline.file ?? 'live')} · ${escapeXml(r.baseline.description)}<br>` +
      `<b>Candidate</b> ${escapeXml(r.candidate.file ?? 'live')} · ${escapeXml(r.candidate.description)}</p>`,
    notesList(r.notes),
  ];
  for (const c of r.comparisons) {
    if (r.comparisons.length > 1 || r.baseline.kind === 'sweep') body.push(`<h2>${escapeXml(c.label)}</h2>`);
    body.push(
      table(
        HEAD,
        metricRows(c).map((row) => row.map(escapeXml)),
        [false, true, true, true, true, false],
      ),
    );
    if (c.gates.length > 0) {
      body.push(
        table(
          ['', 'gate', 'why'],
          c.gates.map((g) => [escapeXml(gateMark(g)), `<code>${escapeXml(g.expression)}</code>`, escapeXml(g.reason)]),
        ),
      );
    }
    const cdf = (name: string, pair: Comparison['cdfs']['ttftMs']) =>
      lineChart({
        title: `${name} CDF`,
        xLabel: 'ms',
        yLabel: 'share of requests',
        series: [
          { name: 'baseline', color: PALETTE[0], points: pair.baseline },
          { name: 'candidate', color: PALETTE[1], points: pair.candidate },
        ],
      });
    body.push('<div class="charts">', cdf('TTFT', c.cdfs.ttftMs), cdf('E2E', c.cdfs.e2eMs), '</div>');
  }
  body.push(
    '<h2>How the intervals are made</h2>',
    `<ul class="notes">${Object.values(r.methods)
      .map((v) => `<li>${escapeXml(v)}</li>`)
      .join('')}</ul>`,
  );
  return page('llm-bench compare', body);
}

/** One JUnit case per gate; an undecided gate is skipped, with its reason. */
export function compareSuites(r: CompareResult): JunitSuite[] {
  return r.comparisons.map((c) => ({
    name: r.comparisons.length > 1 ? `llm-bench compare ${c.label}` : 'llm-bench compare',
    timestamp: r.startedAt,
    timeSec: 0,
    cases: c.gates.map((g) => ({
      name: g.expression,
      classname: 'llm-bench.compare',
      timeSec: 0,
      ...(g.passed === false && { failure: g.reason }),
      ...(g.passed === null && { skipped: g.reason }),
    })),
  }));
}

export const COMPARE_RENDERERS: Renderers<CompareResult> = {
  markdown: renderCompareMarkdown,
  html: renderCompareHtml,
  junit: (r) => renderJunit(compareSuites(r)),
};
