import { escapeXml, fmt } from './format';

/** One line of a chart. */
export interface Series {
  readonly name: string;
  readonly color: string;
  readonly points: readonly (readonly [number, number])[];
}

/** A line chart; `stepped` draws a staircase where each value holds until the next x (per-second counts). */
export interface LineChartSpec {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly stepped?: boolean;
}

const W = 460;
const H = 260;
const M = { left: 56, right: 14, top: 30, bottom: 42 };
/** Width of one legend entry and height of one legend row, in the band above the plot. */
const LEGEND_ITEM = 120;
const LEGEND_ROW = 14;

/** Colors that stay apart for the colour-blind (Okabe–Ito). */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9'] as const;

/** Round tick values covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  // toPrecision drops float noise such as 0.6000000000000001.
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step)
    ticks.push(Number((Math.round(v / step) * step).toPrecision(12)));
  return ticks;
}

function frame(title: string, xLabel: string, yLabel: string, body: string): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeXml(title)}">`,
    `<text x="${W / 2}" y="18" text-anchor="middle" class="t">${escapeXml(title)}</text>`,
    body,
    `<text x="${M.left + (W - M.left - M.right) / 2}" y="${H - 6}" text-anchor="middle" class="a">${escapeXml(xLabel)}</text>`,
    `<text transform="translate(13 ${M.top + (H - M.top - M.bottom) / 2}) rotate(-90)" text-anchor="middle" class="a">${escapeXml(yLabel)}</text>`,
    '</svg>',
  ].join('\n');
}

/** Tick labels: as short as the value allows (500, 2, 0.25). */
function tick(v: number): string {
  return String(Number(v.toPrecision(6)));
}

function axes(xTicks: number[], yTicks: number[], sx: (v: number) => number, sy: (v: number) => number): string {
  const parts: string[] = [];
  for (const t of yTicks) {
    const y = sy(t).toFixed(1);
    parts.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${y}" y2="${y}" class="g"/>`,
      `<text x="${M.left - 6}" y="${y}" dy="4" text-anchor="end" class="k">${tick(t)}</text>`,
    );
  }
  for (const t of xTicks) {
    const x = sx(t).toFixed(1);
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${H - M.bottom}" y2="${H - M.bottom + 4}" class="x"/>`,
      `<text x="${x}" y="${H - M.bottom + 16}" text-anchor="middle" class="k">${tick(t)}</text>`,
    );
  }
  parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}" class="x"/>`);
  return parts.join('\n');
}

function noData(title: string, xLabel: string, yLabel: string): string {
  return frame(title, xLabel, yLabel, `<text x="${W / 2}" y="${H / 2}" text-anchor="middle" class="a">no data</text>`);
}

/** An inline SVG line chart with a legend. */
export function lineChart(spec: LineChartSpec): string {
  const all = spec.series.flatMap((s) => s.points);
  if (all.length === 0) return noData(spec.title, spec.xLabel, spec.yLabel);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const xTicks = niceTicks(Math.min(...xs), Math.max(...xs, Math.min(...xs) + 1e-9));
  const yTicks = niceTicks(Math.min(0, ...ys), Math.max(...ys, 1e-9));
  const [x0, x1] = [Math.min(xTicks[0]!, ...xs), Math.max(xTicks.at(-1)!, ...xs)];
  const [y0, y1] = [Math.min(yTicks[0]!, 0), Math.max(yTicks.at(-1)!, ...ys)];
  // The legend has a band of its own between the title and the plot, so it never covers a line.
  const perRow = Math.max(1, Math.floor((W - M.left - M.right) / LEGEND_ITEM));
  const rows = Math.ceil(spec.series.length / perRow);
  const plotTop = M.top + rows * LEGEND_ROW + 6;
  const sx = (v: number) => M.left + ((v - x0) / (x1 - x0 || 1)) * (W - M.left - M.right);
  const sy = (v: number) => H - M.bottom - ((v - y0) / (y1 - y0 || 1)) * (H - plotTop - M.bottom);
  const paths = spec.series.map((s) => {
    let d = '';
    s.points.forEach(([x, y], i) => {
      const px = sx(x).toFixed(1);
      const py = sy(y).toFixed(1);
      if (i === 0) d += `M${px} ${py}`;
      else if (spec.stepped === true) d += `H${px}V${py}`;
      else d += `L${px} ${py}`;
    });
    return `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.8"><title>${escapeXml(s.name)}</title></path>`;
  });
  const legend = spec.series.map((s, i) => {
    const x = M.left + (i % perRow) * LEGEND_ITEM;
    const y = M.top + 2 + Math.floor(i / perRow) * LEGEND_ROW;
    return `<rect x="${x}" y="${y - 4}" width="10" height="3" fill="${s.color}"/><text x="${x + 14}" y="${y}" class="k legend">${escapeXml(s.name)}</text>`;
  });
  return frame(spec.title, spec.xLabel, spec.yLabel, [axes(xTicks, yTicks, sx, sy), ...paths, ...legend].join('\n'));
}

/** An inline SVG histogram. */
export function barChart(spec: {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly bins: readonly { fromMs: number; toMs: number; count: number }[];
}): string {
  if (spec.bins.length === 0) return noData(spec.title, spec.xLabel, spec.yLabel);
  const x0 = spec.bins[0]!.fromMs;
  const x1 = spec.bins.at(-1)!.toMs;
  const max = Math.max(...spec.bins.map((b) => b.count), 1);
  const yTicks = niceTicks(0, max);
  const y1 = Math.max(yTicks.at(-1)!, max);
  const sx = (v: number) => M.left + ((v - x0) / (x1 - x0 || 1)) * (W - M.left - M.right);
  const sy = (v: number) => H - M.bottom - (v / y1) * (H - M.top - M.bottom);
  const bars = spec.bins.map((b) => {
    const x = sx(b.fromMs);
    const w = Math.max(sx(b.toMs) - x - 1, 1);
    const y = sy(b.count);
    return `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${w.toFixed(1)}" height="${(H - M.bottom - y).toFixed(1)}" fill="${PALETTE[0]}"><title>${fmt(b.fromMs)}–${fmt(b.toMs)} ms: ${b.count}</title></rect>`;
  });
  return frame(spec.title, spec.xLabel, spec.yLabel, [axes(niceTicks(x0, x1), yTicks, sx, sy), ...bars].join('\n'));
}
