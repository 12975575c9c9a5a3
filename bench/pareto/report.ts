/** The Pareto view as Markdown and HTML (a quality × cost chart, latency on each point's label). */
import { escapeXml, fmt } from '../report/format';
import { notesList, page, table } from '../report/page';
import type { Renderers } from '../report/renderers';
import { niceTicks, PALETTE } from '../report/svg';
import type { ParetoResult, ParetoVariant } from './result';

const HEAD = (r: ParetoResult) => [
  'Variant',
  `Quality (${r.quality})`,
  '95 % interval',
  `Latency (${r.latency}, ms)`,
  'Output tok/s',
  'Instance',
  '$/h',
  '$/1M output tokens',
  'Pareto',
];

function row(v: ParetoVariant): string[] {
  return [
    v.name,
    fmt(v.quality, 3),
    v.qualityInterval === null ? 'n/a' : `[${v.qualityInterval.low.toFixed(3)}, ${v.qualityInterval.high.toFixed(3)}]`,
    fmt(v.latencyMs),
    fmt(v.outputTokensPerSec),
    `${v.replicas} × ${v.instanceType}`,
    v.usdPerHour.toFixed(3),
    v.usdPer1MOutputTokens === null ? '–' : v.usdPer1MOutputTokens.toFixed(2),
    v.frontier ? 'frontier' : v.dominatedBy.length > 0 ? `beaten by ${v.dominatedBy.join(', ')}` : '–',
  ];
}

const title = (r: ParetoResult) =>
  `llm-bench pareto: ${r.frontier.length === 0 ? 'no variant placed' : `frontier ${r.frontier.join(', ')}`}`;
const line = (r: ParetoResult) =>
  `${r.capacity === 'SPOT' ? 'SPOT' : 'on-demand'} prices of ${r.region} (facts/prices.ts) · quality from ${r.eval.promptset} (${r.eval.prompts} prompts, judge ${r.eval.judge ?? 'none'})`;

export function renderParetoMarkdown(r: ParetoResult): string {
  const head = HEAD(r);
  return [
    `## ${title(r)}`,
    '',
    line(r),
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i === 0 || i === 5 || i === 8 ? ':---' : '---:')).join('|')}|`,
    ...r.variants.map((v) => `| ${row(v).join(' | ')} |`),
    '',
    ...r.notes.map((n) => `> ${n}\n`),
    'A variant is on the frontier when no other is at least as good on quality, latency and cost and better on one.',
    '',
  ].join('\n');
}

const W = 560;
const H = 320;
const M = { left: 60, right: 20, top: 30, bottom: 44 };

/** Quality against $/1M output tokens; frontier points filled, the others hollow, labelled with their latency. */
export function paretoChart(r: ParetoResult): string {
  const pts = r.variants.filter((v) => v.quality !== null && v.usdPer1MOutputTokens !== null);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img">`];
  parts.push(`<text x="${M.left}" y="18" class="t">Quality vs cost (label: ${escapeXml(r.latency)})</text>`);
  if (pts.length === 0) {
    parts.push(`<text x="${W / 2}" y="${H / 2}" text-anchor="middle" class="a">no data</text></svg>`);
    return parts.join('\n');
  }
  const xs = pts.map((v) => v.usdPer1MOutputTokens!);
  const ys = pts.map((v) => v.quality!);
  const xt = niceTicks(0, Math.max(...xs) * 1.1 || 1);
  const yt = niceTicks(Math.min(...ys) * 0.9, Math.max(...ys) * 1.05 || 1);
  const [x0, x1, y0, y1] = [xt[0]!, xt.at(-1)!, yt[0]!, yt.at(-1)!];
  const sx = (v: number) => M.left + ((v - x0) / (x1 - x0 || 1)) * (W - M.left - M.right);
  const sy = (v: number) => H - M.bottom - ((v - y0) / (y1 - y0 || 1)) * (H - M.top - M.bottom);
  for (const t of yt)
    parts.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${sy(t).toFixed(1)}" y2="${sy(t).toFixed(1)}" class="g"/><text x="${M.left - 6}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end" class="k">${fmt(t)}</text>`,
    );
  for (const t of xt) parts.push(`<text x="${sx(t).toFixed(1)}" y="${H - M.bottom + 16}" text-anchor="middle" class="k">${fmt(t)}</text>`);
  parts.push(`<text x="${(M.left + W - M.right) / 2}" y="${H - 8}" text-anchor="middle" class="a">$ per 1M output tokens</text>`);
  parts.push(
    `<text x="14" y="${(M.top + H - M.bottom) / 2}" text-anchor="middle" class="a" transform="rotate(-90 14 ${(M.top + H - M.bottom) / 2})">${escapeXml(r.quality)}</text>`,
  );
  pts.forEach((v, i) => {
    const [x, y] = [sx(v.usdPer1MOutputTokens!).toFixed(1), sy(v.quality!).toFixed(1)];
    const color = PALETTE[i % PALETTE.length]!;
    parts.push(
      `<circle cx="${x}" cy="${y}" r="6" stroke="${color}" stroke-width="2" fill="${v.frontier ? color : '#fff'}"><title>${escapeXml(row(v).join(' · '))}</title></circle>`,
      `<text x="${x}" y="${(Number(y) - 10).toFixed(1)}" text-anchor="middle" class="k">${escapeXml(`${v.name} · ${fmt(v.latencyMs)} ms`)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

export function renderParetoHtml(r: ParetoResult): string {
  return page('llm-bench pareto', [
    `<h1>${escapeXml(title(r))}</h1>`,
    `<p class="run">${escapeXml(line(r))}</p>`,
    table(
      HEAD(r),
      r.variants.map((v) => row(v).map(escapeXml)),
      [false, true, true, true, true, false, true, true, false],
    ),
    paretoChart(r),
    notesList(r.notes),
    '<p>Filled points are on the frontier: no other variant is at least as good on quality, latency and cost and better on one.</p>',
  ]);
}

export const PARETO_RENDERERS: Renderers<ParetoResult> = { markdown: renderParetoMarkdown, html: renderParetoHtml };
