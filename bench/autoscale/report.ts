/** Reports of an autoscale check: Markdown, HTML (timeline charts) and a JUnit suite. */
import { describeProfile } from '../load/schedule';
import { latencyChart } from '../report/charts';
import { checkVerdict, markdownEventLog } from '../report/checks';
import { escapeXml, fmt, fmtRate, fmtValue } from '../report/format';
import { type JunitCase, type JunitSuite, renderJunit } from '../report/junit';
import type { Renderers } from '../report/renderers';
import { describeColdStart } from '../report/cost';
import { abortedNote, errorTable, eventTable, gateTable, marker, notesList, page, table } from '../report/page';
import { lineChart, PALETTE } from '../report/svg';
import { type AutoscaleResult, autoscalePassed } from './result';

const sec = (v: number | null) => (v === null ? 'never' : `${fmt(v)} s`);

export function renderAutoscaleMarkdown(r: AutoscaleResult): string {
  const lines = [
    `## Autoscale ${r.namespace}/${r.variant}: ${checkVerdict(r)}`,
    '',
    `${r.deployment} via scaledobject ${r.scaledObject} (${r.minReplicas}–${r.maxReplicas} replicas): ${r.initialReplicas} → ${r.scaleUpTo} → ${r.scaleDownTo}`,
    '',
    `Scale-up: decided ${sec(r.scaleUpDecisionSec)}, ready ${sec(r.scaleUpSec)} after the load started · scale-down: ${sec(r.scaleDownSec)} after it stopped · peak ${r.peak.ready} ready, ${r.peak.pending} pending, queue ${r.peak.queueDepth ?? '–'}`,
    '',
    ...(r.coldStartCost !== undefined ? [`Cold-start cost: ${describeColdStart(r.coldStartCost)}.`, ''] : []),
    '| | gate | measured |',
    '| --- | --- | --- |',
    ...r.gates.map((g) => `| ${g.passed ? '✔' : '✘'} | \`${g.expression}\` | ${g.value === null ? 'never' : fmtValue(g.value)} |`),
    '',
    '| step | load | from (s) | requests | error rate | TTFT p95 (ms) |',
    '| --- | --- | --- | --- | --- | --- |',
    ...r.steps.map(
      (s, i) =>
        `| ${i + 1} | ${describeProfile(s.profile)} | ${fmt(s.startedAtSec)} | ${s.summary?.requests.total ?? '–'} | ${fmtRate(s.summary?.errorRate ?? null)} | ${fmt(s.summary?.ttftMs.p95)} |`,
    ),
    '',
  ];
  if (r.aborted !== undefined) lines.push(`**Aborted:** ${r.aborted.reason}`, '');
  lines.push(...markdownEventLog(r));
  return lines.join('\n');
}

export function autoscaleHtmlSections(r: AutoscaleResult, heading = 'h2'): string[] {
  const ok = autoscalePassed(r);
  const t = r.timeline;
  const top = Math.max(1, r.maxReplicas, ...t.map((s) => s.desired));
  const reqTop = Math.max(1, ...t.map((s) => s.completed + s.failed));
  const stop = r.loadStoppedAtSec === null ? [] : [{ name: 'load stop', color: '#cf222e', points: marker(r.loadStoppedAtSec, top) }];
  const body = [
    `<${heading}>Autoscale ${escapeXml(`${r.namespace}/${r.variant}`)}: <span class="${ok ? 'pass' : 'fail'}">${escapeXml(checkVerdict(r))}</span></${heading}>`,
    `<p class="run">${escapeXml(r.deployment)} via scaledobject ${escapeXml(r.scaledObject)} / hpa ${escapeXml(r.hpa)} (${r.minReplicas}–${r.maxReplicas} replicas): ` +
      `${r.initialReplicas} → ${r.scaleUpTo} → ${r.scaleDownTo} · queue from ${escapeXml(r.queueSource)}<br>` +
      `scale-up decided ${escapeXml(sec(r.scaleUpDecisionSec))}, ready ${escapeXml(sec(r.scaleUpSec))} after the load started · scale-down ${escapeXml(sec(r.scaleDownSec))} after it stopped · ` +
      `${r.requests.succeeded} requests succeeded, ${r.requests.failed} failed</p>`,
  ];
  body.push(
    ...abortedNote(r.aborted),
    gateTable(r.gates),
    table(
      ['step', 'load', 'from (s)', 'requests', 'error rate', 'TTFT p95 (ms)'],
      r.steps.map((s, i) => [
        String(i + 1),
        escapeXml(describeProfile(s.profile)),
        fmt(s.startedAtSec),
        String(s.summary?.requests.total ?? '–'),
        fmtRate(s.summary?.errorRate ?? null),
        fmt(s.summary?.ttftMs.p95),
      ]),
      [true, false, true, true, true, true],
    ),
  );
  if (r.requests.failed > 0) body.push(errorTable(r.requests.errors, r.requests.errorMessages));
  body.push(
    '<div class="charts">',
    lineChart({
      title: 'Replicas',
      xLabel: 'time (s)',
      yLabel: 'replicas',
      stepped: true,
      series: [
        { name: 'desired', color: PALETTE[0], points: t.map((s) => [s.t, s.desired] as const) },
        { name: 'ready', color: PALETTE[2], points: t.map((s) => [s.t, s.ready] as const) },
        { name: 'pending', color: PALETTE[1], points: t.map((s) => [s.t, s.pending] as const) },
        // One marker only: the legend has room for four series; steps show on the requests chart.
        ...stop,
      ],
    }),
    lineChart({
      title: 'Queue (vllm:num_requests_waiting)',
      xLabel: 'time (s)',
      yLabel: 'requests waiting',
      series: [
        { name: 'queue', color: PALETTE[3], points: t.flatMap((s) => (s.queueDepth === null ? [] : [[s.t, s.queueDepth] as const])) },
        {
          name: 'HPA metric / replica',
          color: PALETTE[4],
          points: t.flatMap((s) => (s.hpaMetric === null ? [] : [[s.t, s.hpaMetric] as const])),
        },
      ],
    }),
    lineChart({
      title: 'Requests per sample',
      xLabel: 'time (s)',
      yLabel: 'requests',
      stepped: true,
      series: [
        { name: 'completed', color: PALETTE[2], points: t.map((s) => [s.t, s.completed] as const) },
        { name: 'failed', color: PALETTE[3], points: t.map((s) => [s.t, s.failed] as const) },
        // One series for every step change: up and down at each, along the axis in between.
        ...(r.steps.length > 1
          ? [
              {
                name: 'next step',
                color: '#8c959f',
                points: r.steps.slice(1).flatMap((st) => [...marker(st.startedAtSec, reqTop), [st.startedAtSec, 0] as const]),
              },
            ]
          : []),
      ],
    }),
    latencyChart(t),
    '</div>',
    ...(r.coldStartCost !== undefined ? [`<p>Cold-start cost: ${escapeXml(describeColdStart(r.coldStartCost))}.</p>`] : []),
    '<h3>Events</h3>',
    eventTable(r.events),
    notesList(r.notes),
  );
  return body;
}

export function renderAutoscaleHtml(r: AutoscaleResult): string {
  return page(`llm-bench autoscale ${r.variant} ${checkVerdict(r)}`, ['<h1>llm-bench autoscale</h1>', ...autoscaleHtmlSections(r)]);
}

/** One test case per gate; an aborted check adds a failing `autoscale` case. */
export function autoscaleSuite(r: AutoscaleResult, name = `llm-bench autoscale ${r.variant}`): JunitSuite {
  const timeSec = (Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000;
  const cases: JunitCase[] = r.gates.map((g) => ({
    name: g.expression,
    classname: `llm-bench.autoscale.${r.variant}`,
    timeSec: g.value ?? 0,
    ...(!g.passed && {
      failure:
        g.value === null
          ? `${g.metric}: never reached ${g.metric === 'scaleUpSec' ? `${r.scaleUpTo} ready replicas` : `${r.scaleDownTo} replicas`} within ${g.limit} s`
          : `${g.metric} = ${fmtValue(g.value)}, required ${g.op} ${g.limit}`,
    }),
  }));
  if (r.aborted !== undefined)
    cases.unshift({ name: 'autoscale', classname: `llm-bench.autoscale.${r.variant}`, timeSec, failure: r.aborted.reason });
  return { name, timestamp: r.startedAt, timeSec, cases };
}

/** The reports of an autoscale result. */
export const AUTOSCALE_RENDERERS: Renderers<AutoscaleResult> = {
  markdown: renderAutoscaleMarkdown,
  html: renderAutoscaleHtml,
  junit: (r) => renderJunit([autoscaleSuite(r)]),
};
