import type { LoadResult, SweepResult } from '../result';
import { describeRun, escapeXml, fmt, fmtRate, LATENCY_ROWS, verdict } from './format';
import { barChart, lineChart, PALETTE } from './svg';

// Inline styles only: the report is one file that opens offline and from CI artifacts (no CDN).
const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1000px;color:#1b1f24;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.run{color:#57606a;margin:0 0 16px}.pass{color:#1a7f37}.fail{color:#cf222e}
.cards{display:flex;flex-wrap:wrap;gap:10px}.card{border:1px solid #d0d7de;border-radius:6px;padding:8px 14px;min-width:120px}
.card b{display:block;font-size:20px}.card span{color:#57606a;font-size:12px}
table{border-collapse:collapse;margin:6px 0}td,th{border:1px solid #d0d7de;padding:4px 10px}th{background:#f6f8fa}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(460px,1fr));gap:12px}
svg{background:#fff;border:1px solid #eaeef2;border-radius:6px}
svg .t{font-size:13px;font-weight:600}svg .a{font-size:11px;fill:#57606a}svg .k{font-size:10px;fill:#57606a}
svg .g{stroke:#eaeef2}svg .x{stroke:#8c959f}
dl dt{font-weight:600;margin-top:6px}dl dd{margin:0 0 0 16px;color:#424a53}
`;

function page(title: string, body: string[]): string {
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">\n<title>${escapeXml(title)}</title><style>${STYLE}</style></head>\n<body>\n${body.join('\n')}\n</body></html>\n`;
}

function htmlTable(head: readonly string[], rows: readonly (readonly string[])[], numeric: readonly boolean[]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c, i) => `<td${numeric[i] === true ? ' class="n"' : ''}>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** A self-contained HTML report: summary, thresholds, errors, inline SVG charts, definitions. */
export function renderHtml(r: LoadResult): string {
  const s = r.summary;
  const ok = r.aborted === undefined && r.thresholds.every((t) => t.passed);
  const card = (value: string, label: string) => `<div class="card"><b>${escapeXml(value)}</b><span>${escapeXml(label)}</span></div>`;
  const body: string[] = [
    `<h1>llm-bench load: <span class="${ok ? 'pass' : 'fail'}">${escapeXml(verdict(r))}</span></h1>`,
    `<p class="run">${escapeXml(describeRun(r.settings))}<br>${escapeXml(r.startedAt)} → ${escapeXml(r.finishedAt)} · ${escapeXml(r.tool.name)} ${escapeXml(r.tool.version)}</p>`,
  ];
  if (r.aborted !== undefined) body.push(`<p class="fail"><b>Aborted:</b> ${escapeXml(r.aborted.reason)}</p>`);
  body.push(
    '<div class="cards">',
    card(`${s.requests.succeeded} / ${s.requests.total}`, 'requests succeeded'),
    card(fmtRate(s.errorRate), 'error rate'),
    card(fmt(s.requestThroughput), 'requests / s'),
    card(fmt(s.outputTokenThroughput), 'output tokens / s'),
    card(`${fmt(s.ttftMs.p95)} ms`, 'TTFT p95'),
    card(`${fmt(s.durationSec)} s`, 'duration'),
    '</div>',
    '<h2>Latency (ms)</h2>',
    htmlTable(
      ['', 'mean', 'p50', 'p90', 'p95', 'p99', 'max', 'samples'],
      LATENCY_ROWS.map(([key, label]) => {
        const l = s[key];
        return [label, fmt(l.mean), fmt(l.p50), fmt(l.p90), fmt(l.p95), fmt(l.p99), fmt(l.max), String(l.count)];
      }),
      [false, true, true, true, true, true, true, true],
    ),
  );
  if (r.thresholds.length > 0) {
    body.push(
      '<h2>Thresholds</h2>',
      htmlTable(
        ['', 'threshold', 'measured'],
        r.thresholds.map((t) => [
          t.passed ? '<span class="pass">✔ pass</span>' : '<span class="fail">✘ FAIL</span>',
          `<code>${escapeXml(t.expression)}</code>`,
          t.value === null ? 'not measured' : fmt(t.value),
        ]),
        [false, false, true],
      ),
    );
  }
  const reasons = Object.entries(s.errors).sort((a, b) => b[1] - a[1]);
  if (reasons.length > 0) {
    body.push('<h2>Errors</h2>', htmlTable(['reason', 'count', 'first message'], reasons.map(([k, n]) => [`<code>${escapeXml(k)}</code>`, String(n), escapeXml(s.errorMessages[k] ?? '')]), [false, true, false]));
  }
  const cdf = (key: (typeof LATENCY_ROWS)[number][0], label: string, color: string) =>
    lineChart({
      title: `${label} CDF`,
      xLabel: `${label} (ms)`,
      yLabel: 'percentile',
      series: [{ name: label, color, points: r.distributions[key].cdf.map(([p, v]) => [v, p] as const) }],
    });
  const t = r.timeline;
  // Each bucket covers [t, t + 1 s): close the staircase at the end of the last one.
  const perSecond = (f: (b: (typeof t)[number]) => number) => {
    const pts = t.map((b) => [b.t, f(b)] as const);
    const last = pts.at(-1);
    return last === undefined ? pts : [...pts, [last[0] + 1, last[1]] as const];
  };
  body.push(
    '<h2>Latency distributions</h2>',
    '<div class="charts">',
    ...LATENCY_ROWS.map(([key, label], i) => cdf(key, label, PALETTE[i]!)),
    barChart({ title: 'TTFT histogram', xLabel: 'TTFT (ms)', yLabel: 'requests', bins: r.distributions.ttftMs.bins }),
    '</div>',
    '<h2>Over time (per second, by completion)</h2>',
    '<div class="charts">',
    lineChart({
      title: 'Throughput',
      xLabel: 'time (s)',
      yLabel: 'output tokens / s',
      stepped: true,
      series: [{ name: 'output tok/s', color: PALETTE[0], points: perSecond((b) => b.outputTokens) }],
    }),
    lineChart({
      title: 'Requests',
      xLabel: 'time (s)',
      yLabel: 'requests',
      stepped: true,
      series: [
        { name: 'completed/s', color: PALETTE[2], points: perSecond((b) => b.completed) },
        { name: 'failed/s', color: PALETTE[3], points: perSecond((b) => b.failed) },
        { name: 'in flight', color: PALETTE[1], points: perSecond((b) => b.inFlight) },
      ],
    }),
    lineChart({
      title: 'TTFT over time',
      xLabel: 'time (s)',
      yLabel: 'ms',
      series: [
        { name: 'p50', color: PALETTE[0], points: t.flatMap((b) => (b.ttftMs.p50 === null ? [] : [[b.t, b.ttftMs.p50] as const])) },
        { name: 'p95', color: PALETTE[3], points: t.flatMap((b) => (b.ttftMs.p95 === null ? [] : [[b.t, b.ttftMs.p95] as const])) },
      ],
    }),
    '</div>',
    '<h2>Definitions</h2>',
    `<dl>${Object.entries(r.definitions)
      .map(([k, v]) => `<dt>${escapeXml(k)}</dt><dd>${escapeXml(v)}</dd>`)
      .join('')}</dl>`,
  );
  return page(`llm-bench ${r.settings.model} ${verdict(r)}`, body);
}

/** A sweep: one table row per step and throughput / latency against load. */
export function renderSweepHtml(r: SweepResult): string {
  const points = (f: (step: LoadResult) => number | null) =>
    r.steps.flatMap((step, i) => {
      const v = f(step);
      return v === null ? [] : [[r.values[i]!, v] as const];
    });
  const body = [
    `<h1>llm-bench sweep over ${r.dimension}: ${r.best === null ? '<span class="fail">no step met the thresholds</span>' : `<span class="pass">best ${r.best}</span>`}</h1>`,
    r.steps[0] !== undefined ? `<p class="run">${escapeXml(describeRun(r.steps[0].settings, false))}</p>` : '',
    htmlTable(
      [r.dimension, 'req/s', 'output tok/s', 'TTFT p95', 'E2E p95', 'error rate', 'verdict'],
      r.steps.map((step, i) => [
        String(r.values[i]),
        fmt(step.summary.requestThroughput),
        fmt(step.summary.outputTokenThroughput),
        fmt(step.summary.ttftMs.p95),
        fmt(step.summary.e2eMs.p95),
        fmtRate(step.summary.errorRate),
        escapeXml(verdict(step)),
      ]),
      [true, true, true, true, true, true, false],
    ),
    '<div class="charts">',
    lineChart({ title: 'Throughput vs load', xLabel: r.dimension, yLabel: 'output tokens / s', series: [{ name: 'output tok/s', color: PALETTE[0], points: points((s) => s.summary.outputTokenThroughput) }] }),
    lineChart({
      title: 'Latency vs load',
      xLabel: r.dimension,
      yLabel: 'ms',
      series: [
        { name: 'TTFT p95', color: PALETTE[3], points: points((s) => s.summary.ttftMs.p95) },
        { name: 'TPOT p95', color: PALETTE[2], points: points((s) => s.summary.tpotMs.p95) },
      ],
    }),
    '</div>',
  ];
  return page(`llm-bench sweep ${r.dimension}`, body);
}
