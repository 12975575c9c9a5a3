/**
 * HTML building blocks of every llm-bench report: one self-contained page (inline CSS and SVG,
 * no scripts, no CDN: it opens offline and from CI artifacts), tables, gate rows. The charts
 * come from `svg.ts` and `charts.ts`, so every report looks alike.
 */
import type { ThresholdResult } from '../result';
import { escapeXml, fmt, fmtValue } from './format';

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1000px;color:#1b1f24;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
h3{font-size:15px;margin:20px 0 6px}
.run{color:#57606a;margin:0 0 12px}.pass{color:#1a7f37}.fail{color:#cf222e}.skip{color:#9a6700}
table{border-collapse:collapse;margin:6px 0}td,th{border:1px solid #d0d7de;padding:4px 10px;vertical-align:top}th{background:#f6f8fa}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(460px,1fr));gap:12px}
svg{background:#fff;border:1px solid #eaeef2;border-radius:6px}
svg .t{font-size:13px;font-weight:600}svg .a{font-size:11px;fill:#57606a}svg .k{font-size:10px;fill:#57606a}
svg .g{stroke:#eaeef2}svg .x{stroke:#8c959f}
ul.notes li{color:#424a53}
.cards{display:flex;flex-wrap:wrap;gap:10px}.card{border:1px solid #d0d7de;border-radius:6px;padding:8px 14px;min-width:120px}
.card b{display:block;font-size:20px}.card span{color:#57606a;font-size:12px}
dl dt{font-weight:600;margin-top:6px}dl dd{margin:0 0 0 16px;color:#424a53}
`;

/** A whole HTML document around `body`. */
export function page(title: string, body: readonly string[]): string {
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">\n<title>${escapeXml(title)}</title><style>${STYLE}</style></head>\n<body>\n${body.join('\n')}\n</body></html>\n`;
}

/** A table; cells are HTML (escape text before passing it). */
export function table(head: readonly string[], rows: readonly (readonly string[])[], numeric: readonly boolean[] = []): string {
  return `<table><thead><tr>${head.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c, i) => `<td${numeric[i] === true ? ' class="n"' : ''}>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

export const passMark = (passed: boolean) => (passed ? '<span class="pass">✔ pass</span>' : '<span class="fail">✘ FAIL</span>');

/** A load's thresholds as a table. */
export function thresholdTable(thresholds: readonly ThresholdResult[]): string {
  return table(
    ['', 'threshold', 'measured'],
    thresholds.map((t) => [
      passMark(t.passed),
      `<code>${escapeXml(t.expression)}</code>`,
      t.value === null ? 'not measured' : fmt(t.value),
    ]),
    [false, false, true],
  );
}

/** The gates of a check as a table. */
export function gateTable(gates: readonly ThresholdResult[]): string {
  return table(
    ['', 'gate', 'measured'],
    gates.map((g) => [passMark(g.passed), `<code>${escapeXml(g.expression)}</code>`, escapeXml(fmtValue(g.value))]),
    [false, false, true],
  );
}

/** Events as a table of seconds and messages. */
export function eventTable(events: readonly { readonly t: number; readonly message: string }[]): string {
  return table(
    ['t (s)', 'event'],
    events.map((e) => [e.t.toFixed(2), escapeXml(e.message)]),
    [true, false],
  );
}

/** Failures by reason with their first message. */
export function errorTable(errors: Readonly<Record<string, number>>, messages: Readonly<Record<string, string>>): string {
  const rows = Object.entries(errors).sort((a, b) => b[1] - a[1]);
  return table(
    ['reason', 'count', 'first message'],
    rows.map(([k, n]) => [`<code>${escapeXml(k)}</code>`, String(n), escapeXml(messages[k] ?? '')]),
    [false, true, false],
  );
}

/** Why a run stopped itself, when it did. */
export function abortedNote(aborted: { readonly reason: string } | undefined): string[] {
  return aborted === undefined ? [] : [`<p class="fail"><b>Aborted:</b> ${escapeXml(aborted.reason)}</p>`];
}

export function notesList(notes: readonly string[]): string {
  return notes.length === 0 ? '' : `<ul class="notes">${notes.map((n) => `<li>${escapeXml(n)}</li>`).join('')}</ul>`;
}

/** A vertical line on a time chart (a trigger, a completion), as a two-point series. */
export function marker(t: number, top: number): (readonly [number, number])[] {
  return [
    [t, 0],
    [t, top],
  ];
}
