/** Reports of a rollback check: Markdown, HTML (timeline charts) and a JUnit suite. */
import { latencyChart } from '../report/charts';
import { checkVerdict, markdownEventLog } from '../report/checks';
import { escapeXml, fmt, fmtValue } from '../report/format';
import { type JunitCase, type JunitSuite, renderJunit } from '../report/junit';
import type { Renderers } from '../report/renderers';
import { abortedNote, errorTable, eventTable, gateTable, marker, notesList, page } from '../report/page';
import { lineChart, PALETTE } from '../report/svg';
import { type RollbackResult, rollbackPassed } from './result';

function trigger(r: RollbackResult): number | undefined {
  return r.timeline.find((s) => s.phase !== 'before')?.t;
}

/** A Markdown summary. */
export function renderRollbackMarkdown(r: RollbackResult): string {
  const lines = [
    `## Rollback ${r.namespace}/${r.variant}: ${checkVerdict(r)}`,
    '',
    `${r.strategy}: ${r.from} → ${r.to}${r.coldStart ? ' (includes a cold start)' : ''}`,
    '',
    `Duration: ${r.durationSec === null ? `not complete (${r.detail})` : `${fmt(r.durationSec)} s`} · requests: ${r.requests.succeeded} succeeded, ${r.requests.failed} failed`,
    '',
    '| | gate | measured |',
    '| --- | --- | --- |',
    ...r.gates.map((g) => `| ${g.passed ? '✔' : '✘'} | \`${g.expression}\` | ${fmtValue(g.value)} |`),
    '',
  ];
  if (r.aborted !== undefined) lines.push(`**Aborted:** ${r.aborted.reason}`, '');
  const errors = Object.entries(r.requests.errors);
  if (errors.length > 0) lines.push('Failures: ' + errors.map(([k, n]) => `${k} ${n}`).join(', '), '');
  lines.push(...markdownEventLog(r));
  return lines.join('\n');
}

/** The report's sections, to embed in another page (the post-deploy report). */
export function rollbackHtmlSections(r: RollbackResult, heading = 'h2'): string[] {
  const ok = rollbackPassed(r);
  const t = r.timeline;
  const start = trigger(r);
  const reqTop = Math.max(1, ...t.map((s) => s.completed + s.failed));
  const markers = (top: number) => [
    ...(start === undefined ? [] : [{ name: 'trigger', color: '#8c959f', points: marker(start, top) }]),
    ...(start === undefined || r.durationSec === null
      ? []
      : [{ name: 'complete', color: '#1a7f37', points: marker(start + r.durationSec, top) }]),
  ];
  const body = [
    `<${heading}>Rollback ${escapeXml(`${r.namespace}/${r.variant}`)}: <span class="${ok ? 'pass' : 'fail'}">${escapeXml(checkVerdict(r))}</span></${heading}>`,
    `<p class="run">${escapeXml(r.strategy)}: ${escapeXml(r.from)} → ${escapeXml(r.to)}${r.coldStart ? ' · <b>includes a cold start</b>' : ''}<br>` +
      `duration ${r.durationSec === null ? `<span class="fail">not complete: ${escapeXml(r.detail)}</span>` : `${escapeXml(fmt(r.durationSec))} s`} · ` +
      `${r.requests.succeeded} requests succeeded, ${r.requests.failed} failed · ${escapeXml(r.startedAt)} → ${escapeXml(r.finishedAt)}</p>`,
  ];
  body.push(...abortedNote(r.aborted), gateTable(r.gates));
  if (r.requests.failed > 0) body.push(errorTable(r.requests.errors, r.requests.errorMessages));
  body.push(
    '<div class="charts">',
    lineChart({
      title: 'Pods',
      xLabel: 'time (s)',
      yLabel: 'pods',
      stepped: true,
      // Three series: the legend has room for four, and the markers live on the requests chart.
      series: [
        { name: 'new ready', color: PALETTE[2], points: t.map((s) => [s.t, s.new.ready] as const) },
        { name: 'old ready', color: PALETTE[0], points: t.map((s) => [s.t, s.old.ready] as const) },
        t.some((s) => s.endpoints !== null)
          ? { name: 'old endpoints', color: PALETTE[4], points: t.map((s) => [s.t, s.endpoints?.old ?? 0] as const) }
          : { name: 'old terminating', color: PALETTE[4], points: t.map((s) => [s.t, s.old.terminating] as const) },
      ],
    }),
    lineChart({
      title: 'Requests per sample (by end time)',
      xLabel: 'time (s)',
      yLabel: 'requests',
      stepped: true,
      series: [
        { name: 'completed', color: PALETTE[2], points: t.map((s) => [s.t, s.completed] as const) },
        { name: 'failed', color: PALETTE[3], points: t.map((s) => [s.t, s.failed] as const) },
        ...markers(reqTop),
      ],
    }),
    latencyChart(t, { withE2e: true }),
    '</div>',
    '<h3>Events</h3>',
    eventTable(r.events),
    notesList(r.notes),
  );
  return body;
}

/** A self-contained HTML report of one rollback check. */
export function renderRollbackHtml(r: RollbackResult): string {
  return page(`llm-bench rollback ${r.variant} ${checkVerdict(r)}`, ['<h1>llm-bench rollback</h1>', ...rollbackHtmlSections(r)]);
}

/** One test case per gate; an aborted or incomplete check adds a failing `rollback` case. */
export function rollbackSuite(r: RollbackResult, name = `llm-bench rollback ${r.variant}`): JunitSuite {
  const timeSec = (Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000;
  const cases: JunitCase[] = r.gates.map((g) => ({
    name: g.expression,
    classname: `llm-bench.rollback.${r.variant}`,
    timeSec: 0,
    ...(!g.passed && {
      failure:
        g.value === null ? `${g.metric} was not measured: ${r.detail}` : `${g.metric} = ${fmtValue(g.value)}, required ${g.op} ${g.limit}`,
    }),
  }));
  cases.unshift({
    name: `${r.strategy} ${r.from} → ${r.to}`,
    classname: `llm-bench.rollback.${r.variant}`,
    timeSec: r.durationSec ?? timeSec,
    ...(r.aborted !== undefined ? { failure: r.aborted.reason } : !r.completed ? { failure: r.detail } : {}),
  });
  return { name, timestamp: r.startedAt, timeSec, cases };
}

/** The reports of a rollback result. */
export const ROLLBACK_RENDERERS: Renderers<RollbackResult> = {
  markdown: renderRollbackMarkdown,
  html: renderRollbackHtml,
  junit: (r) => renderJunit([rollbackSuite(r)]),
};
