import type { LoadResult, SweepResult } from '../result';
import { latencyChart, timelineLatency } from './charts';
import { COST_HEAD, costRows, describePricing, describeReplicas, fmtUsd } from './cost';
import { describeServer, SERVER_HEAD, serverRows } from './server';
import { describeRun, escapeXml, fmt, fmtRate, LATENCY_ROWS, verdict } from './format';
import { abortedNote, errorTable, page, table, thresholdTable } from './page';
import { barChart, lineChart, PALETTE } from './svg';

/** A self-contained HTML report: summary, thresholds, errors, inline SVG charts, definitions. */
export function renderHtml(r: LoadResult): string {
  const s = r.summary;
  const ok = r.aborted === undefined && r.thresholds.every((t) => t.passed);
  const card = (value: string, label: string) => `<div class="card"><b>${escapeXml(value)}</b><span>${escapeXml(label)}</span></div>`;
  const body: string[] = [
    `<h1>llm-bench load: <span class="${ok ? 'pass' : 'fail'}">${escapeXml(verdict(r))}</span></h1>`,
    `<p class="run">${escapeXml(describeRun(r.settings))}<br>${escapeXml(r.startedAt)} → ${escapeXml(r.finishedAt)} · ${escapeXml(r.tool.name)} ${escapeXml(r.tool.version)}</p>`,
  ];
  body.push(...abortedNote(r.aborted));
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
    table(
      ['', 'mean', 'p50', 'p90', 'p95', 'p99', 'max', 'samples'],
      LATENCY_ROWS.map(([key, label]) => {
        const l = s[key];
        return [label, fmt(l.mean), fmt(l.p50), fmt(l.p90), fmt(l.p95), fmt(l.p99), fmt(l.max), String(l.count)];
      }),
      [false, true, true, true, true, true, true, true],
    ),
  );
  if (r.serverMetrics !== undefined) {
    const sm = r.serverMetrics;
    body.push(
      '<h2>Server side</h2>',
      `<p>${escapeXml(describeServer(sm))}</p>`,
      table(
        [...SERVER_HEAD],
        serverRows(sm).map((row) => row.map(escapeXml)),
        [false, true, true, true, true, true, true, true, true],
      ),
      ...sm.notes.map((n) => `<p class="run">${escapeXml(n)}</p>`),
    );
  }
  if (r.cost !== undefined) {
    const c = r.cost;
    body.push(
      '<h2>Cost</h2>',
      `<p>${escapeXml(`${describeReplicas(c)} at ${fmt(c.outputTokensPerSec)} output tokens/s (${fmt(c.totalTokensPerSec)} total); ${describePricing(c)}.`)}</p>`,
      table(
        [...COST_HEAD],
        costRows(c).map((row) => row.map(escapeXml)),
        [false, true, true, true],
      ),
      ...c.notes.map((n) => `<p class="run">${escapeXml(n)}</p>`),
    );
  }
  if (r.thresholds.length > 0) body.push('<h2>Thresholds</h2>', thresholdTable(r.thresholds));
  if (Object.keys(s.errors).length > 0) body.push('<h2>Errors</h2>', errorTable(s.errors, s.errorMessages));
  if (r.slowest !== undefined && r.slowest.length > 0) {
    body.push(
      '<h2>Slowest requests</h2>',
      table(
        ['Request', 'Outcome', 'E2E (ms)', 'TTFT (ms)', 'Trace id'],
        r.slowest.map((q) => [
          escapeXml(q.requestId),
          q.outcome,
          fmt(q.e2eMs),
          fmt(q.ttftMs),
          q.traceId === undefined ? '' : `<code>${escapeXml(q.traceId)}</code>`,
        ]),
        [false, false, true, true, false],
      ),
    );
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
    '<h2>Over time (per second: tokens as they arrived, requests and latency by completion)</h2>',
    '<div class="charts">',
    lineChart({
      title: 'Throughput',
      xLabel: 'time (s)',
      yLabel: 'output tokens / s',
      stepped: true,
      // Results saved before tokensArrived existed fall back to tokens by completion.
      series: [{ name: 'output tok/s', color: PALETTE[0], points: perSecond((b) => b.tokensArrived ?? b.outputTokens) }],
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
    latencyChart(timelineLatency(t)),
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
  const priced = r.steps.some((step) => step.cost !== undefined);
  const body = [
    `<h1>llm-bench sweep over ${r.dimension}: ${r.best === null ? '<span class="fail">no step met the thresholds</span>' : `<span class="pass">best ${r.best}</span>`}</h1>`,
    r.steps[0] !== undefined ? `<p class="run">${escapeXml(describeRun(r.steps[0].settings, false))}</p>` : '',
    table(
      [
        r.dimension,
        'req/s',
        'output tok/s',
        'TTFT p95',
        'E2E p95',
        'error rate',
        ...(priced ? ['$/1M out SPOT', '$/1M out on demand'] : []),
        'verdict',
      ],
      r.steps.map((step, i) => [
        String(r.values[i]),
        fmt(step.summary.requestThroughput),
        fmt(step.summary.outputTokenThroughput),
        fmt(step.summary.ttftMs.p95),
        fmt(step.summary.e2eMs.p95),
        fmtRate(step.summary.errorRate),
        ...(priced ? [fmtUsd(step.cost?.spot.usdPer1MOutputTokens), fmtUsd(step.cost?.onDemand.usdPer1MOutputTokens)] : []),
        escapeXml(verdict(step)),
      ]),
      [true, true, true, true, true, true, ...(priced ? [true, true] : []), false],
    ),
    '<div class="charts">',
    lineChart({
      title: 'Throughput vs load',
      xLabel: r.dimension,
      yLabel: 'output tokens / s',
      series: [{ name: 'output tok/s', color: PALETTE[0], points: points((s) => s.summary.outputTokenThroughput) }],
    }),
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
