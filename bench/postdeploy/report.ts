/** Reports of the post-deploy stage: one HTML page, one JUnit file, a Markdown summary. */
import { autoscaleHtmlSections, autoscaleSuite } from '../autoscale/report';
import { autoscalePassed } from '../autoscale/result';
import { EXIT } from '../errors';
import { resultPassed } from '../load/engine';
import { latencyChart, timelineLatency } from '../report/charts';
import { escapeXml, fmt, fmtRate, verdict } from '../report/format';
import { type JunitSuite, loadSuite, renderJunit, smokeSuite } from '../report/junit';
import type { Renderers } from '../report/renderers';
import { abortedNote, notesList, page, passMark, table, thresholdTable } from '../report/page';
import { lineChart, PALETTE } from '../report/svg';
import type { LoadResult } from '../result';
import { rollbackHtmlSections, rollbackSuite } from '../rollout/report';
import { rollbackPassed } from '../rollout/result';
import { frontDoorHtmlSections, frontDoorMarkdown, frontDoorSuite } from '../frontdoor/report';
import { decisionsHtml, decisionsMarkdown, decisionsSuites } from './decide-report';
import type { PostdeployResult, Stage, VariantResult } from './result';

const EXIT_MEANING: Record<number, string> = {
  [EXIT.ok]: 'every check, threshold and gate passed',
  [EXIT.thresholdCrossed]: 'a threshold or gate was crossed',
  [EXIT.runFailed]: 'a stage could not run or failed',
};

export function postdeployVerdict(r: PostdeployResult): string {
  return `${r.exitCode === EXIT.ok ? 'PASSED' : 'FAILED'} (exit ${r.exitCode}: ${EXIT_MEANING[r.exitCode] ?? 'unknown'})`;
}

type Cell = { readonly status: 'pass' | 'fail' | 'skip' | 'none'; readonly text: string };

function stageCell(v: VariantResult, stage: Stage): Cell {
  const failure = v.failures.find((f) => f.stage === stage);
  if (failure !== undefined) return { status: 'fail', text: failure.message };
  const skipped = v.skipped.find((s) => s.stage === stage);
  if (skipped !== undefined) return { status: 'skip', text: skipped.reason };
  switch (stage) {
    case 'smoke': {
      if (v.smoke === null) return { status: 'none', text: '' };
      const failed = v.smoke.checks.filter((c) => c.status === 'fail');
      return v.smoke.passed
        ? { status: 'pass', text: `${v.smoke.checks.length} checks` }
        : { status: 'fail', text: failed.map((c) => c.name).join(', ') };
    }
    case 'load':
      return v.load === null
        ? { status: 'none', text: '' }
        : {
            status: resultPassed(v.load) ? 'pass' : 'fail',
            text: `${verdict(v.load)}, TTFT p95 ${fmt(v.load.summary.ttftMs.p95)} ms, errors ${fmtRate(v.load.summary.errorRate)}`,
          };
    case 'rollback':
    case 'restore': {
      const r = stage === 'rollback' ? v.rollback : v.restore;
      return r === null
        ? { status: 'none', text: '' }
        : {
            status: rollbackPassed(r) ? 'pass' : 'fail',
            text: `${r.durationSec === null ? r.detail : `${fmt(r.durationSec)} s`}, ${r.requests.failed} failed requests`,
          };
    }
    case 'autoscale': {
      const a = v.autoscale;
      return a === null
        ? { status: 'none', text: '' }
        : {
            status: autoscalePassed(a) ? 'pass' : 'fail',
            text: `up ${a.scaleUpSec === null ? 'never' : `${fmt(a.scaleUpSec)} s`}, down ${a.scaleDownSec === null ? 'never' : `${fmt(a.scaleDownSec)} s`}`,
          };
    }
    default: {
      const never: never = stage;
      return never;
    }
  }
}

const STAGE_COLUMNS: readonly Stage[] = ['smoke', 'load', 'rollback', 'restore', 'autoscale'];
const MARK = { pass: '✔', fail: '✘', skip: '–', none: '' } as const;

export function renderPostdeployMarkdown(r: PostdeployResult): string {
  const lines = [
    `# llm-bench post-deploy: ${postdeployVerdict(r)}`,
    '',
    `${r.targets} (${r.shape})${r.environment !== undefined ? ` · environment ${r.environment}` : ''} · ${r.startedAt} → ${r.finishedAt}`,
    '',
    `| variant | ${STAGE_COLUMNS.join(' | ')} |`,
    `| --- | ${STAGE_COLUMNS.map(() => '---').join(' | ')} |`,
    ...r.variants.map(
      (v) =>
        `| ${v.name} | ${STAGE_COLUMNS.map((s) => {
          const c = stageCell(v, s);
          return c.status === 'none' ? '' : `${MARK[c.status]} ${c.text.replace(/\|/g, '\\|')}`;
        }).join(' | ')} |`,
    ),
    '',
    ...(r.frontDoor !== undefined ? frontDoorMarkdown(r.frontDoor) : []),
    ...decisionsMarkdown(r.decisions),
  ];
  return lines.join('\n');
}

function loadSection(l: LoadResult): string[] {
  const t = l.timeline;
  const s = l.summary;
  return [
    `<p class="run">${escapeXml(verdict(l))} · ${s.requests.succeeded}/${s.requests.total} requests · error rate ${escapeXml(fmtRate(s.errorRate))} · ${escapeXml(fmt(s.requestThroughput))} req/s · ${escapeXml(fmt(s.outputTokenThroughput))} output tok/s</p>`,
    ...abortedNote(l.aborted),
    table(
      ['', 'mean', 'p50', 'p95', 'p99', 'max'],
      (['ttftMs', 'tpotMs', 'itlMs', 'e2eMs'] as const).map((k) => [
        k.replace('Ms', '').toUpperCase(),
        fmt(s[k].mean),
        fmt(s[k].p50),
        fmt(s[k].p95),
        fmt(s[k].p99),
        fmt(s[k].max),
      ]),
      [false, true, true, true, true, true],
    ),
    l.thresholds.length === 0 ? '<p>no thresholds</p>' : thresholdTable(l.thresholds),
    '<div class="charts">',
    lineChart({
      title: 'Requests per second',
      xLabel: 'time (s)',
      yLabel: 'requests',
      stepped: true,
      series: [
        { name: 'completed', color: PALETTE[2], points: t.map((b) => [b.t, b.completed] as const) },
        { name: 'failed', color: PALETTE[3], points: t.map((b) => [b.t, b.failed] as const) },
      ],
    }),
    latencyChart(timelineLatency(t)),
    '</div>',
  ];
}

/** One self-contained HTML page for the whole stage. */
export function renderPostdeployHtml(r: PostdeployResult): string {
  const ok = r.exitCode === EXIT.ok;
  const cell = (c: Cell) => (c.status === 'none' ? '' : `<span class="${c.status}">${MARK[c.status]}</span> ${escapeXml(c.text)}`);
  const body = [
    `<h1>llm-bench post-deploy: <span class="${ok ? 'pass' : 'fail'}">${escapeXml(postdeployVerdict(r))}</span></h1>`,
    `<p class="run">${escapeXml(r.targets)} (${r.shape})${r.environment !== undefined ? ` · environment ${escapeXml(r.environment)}` : ''} · ${escapeXml(r.startedAt)} → ${escapeXml(r.finishedAt)} · ${escapeXml(r.tool.name)} ${escapeXml(r.tool.version)}</p>`,
    table(
      ['variant', ...STAGE_COLUMNS],
      r.variants.map((v) => [
        `<a href="#${escapeXml(v.name)}">${escapeXml(v.name)}</a>`,
        ...STAGE_COLUMNS.map((s) => cell(stageCell(v, s))),
      ]),
    ),
  ];
  for (const v of r.variants) {
    body.push(
      `<h2 id="${escapeXml(v.name)}">${escapeXml(v.name)}</h2>`,
      `<p class="run">${escapeXml(v.url)} · namespace ${escapeXml(v.namespace)} · thresholds ${v.thresholds.length === 0 ? 'none' : v.thresholds.map((x) => `<code>${escapeXml(x)}</code>`).join(' ')}${v.thresholdSource === 'env-file' ? " (from the environment's SLO)" : ''}</p>`,
    );
    if (v.failures.length > 0)
      body.push(`<ul>${v.failures.map((f) => `<li class="fail"><b>${f.stage}</b>: ${escapeXml(f.message)}</li>`).join('')}</ul>`);
    if (v.smoke !== null) {
      body.push(
        `<h3>Smoke: <span class="${v.smoke.passed ? 'pass' : 'fail'}">${v.smoke.passed ? 'PASSED' : 'FAILED'}</span></h3>`,
        table(
          ['', 'check', 'result', 'ms'],
          v.smoke.checks.map((c) => [
            c.status === 'skip' ? '<span class="skip">– skip</span>' : passMark(c.status === 'pass'),
            escapeXml(c.name),
            escapeXml(c.reason),
            fmt(c.durationMs),
          ]),
          [false, false, false, true],
        ),
      );
    }
    if (v.load !== null) body.push('<h3>Load</h3>', ...loadSection(v.load));
    if (v.rollback !== null) body.push(...rollbackHtmlSections(v.rollback, 'h3'));
    if (v.restore !== null)
      body.push(...rollbackHtmlSections(v.restore, 'h3').map((s, i) => (i === 0 ? s.replace('Rollback', 'Restore (roll forward)') : s)));
    if (v.autoscale !== null) body.push(...autoscaleHtmlSections(v.autoscale, 'h3'));
    body.push(notesList(v.skipped.map((s) => `${s.stage} skipped: ${s.reason}`)));
  }
  if (r.frontDoor !== undefined) body.push(...frontDoorHtmlSections(r.frontDoor));
  body.push(...decisionsHtml(r.decisions));
  return page(`llm-bench post-deploy ${postdeployVerdict(r)}`, body);
}

/** Every stage's suite, plus one suite per variant for stages that failed outright or were skipped. */
export function postdeploySuites(r: PostdeployResult): JunitSuite[] {
  const suites: JunitSuite[] = [];
  for (const v of r.variants) {
    if (v.smoke !== null)
      suites.push({
        ...smokeSuite(v.smoke),
        name: `smoke ${v.name}`,
        cases: smokeSuite(v.smoke).cases.map((c) => ({ ...c, classname: `llm-bench.smoke.${v.name}` })),
      });
    if (v.load !== null)
      suites.push({
        ...loadSuite(v.load, `load ${v.name}`),
        cases: loadSuite(v.load).cases.map((c) => ({ ...c, classname: `llm-bench.load.${v.name}` })),
      });
    if (v.rollback !== null) suites.push(rollbackSuite(v.rollback, `rollback ${v.name}`));
    if (v.restore !== null) suites.push(rollbackSuite(v.restore, `restore ${v.name}`));
    if (v.autoscale !== null) suites.push(autoscaleSuite(v.autoscale, `autoscale ${v.name}`));
    const extra = [
      ...v.failures.map((f) => ({ name: f.stage, classname: `llm-bench.postdeploy.${v.name}`, timeSec: 0, failure: f.message })),
      ...v.skipped.map((s) => ({ name: s.stage, classname: `llm-bench.postdeploy.${v.name}`, timeSec: 0, skipped: s.reason })),
    ];
    if (extra.length > 0) suites.push({ name: `postdeploy ${v.name}`, timestamp: r.startedAt, timeSec: 0, cases: extra });
  }
  if (r.frontDoor !== undefined) suites.push(frontDoorSuite(r.frontDoor));
  suites.push(...decisionsSuites(r.decisions));
  return suites;
}

/** The reports of a post-deploy result. */
export const POSTDEPLOY_RENDERERS: Renderers<PostdeployResult> = {
  markdown: renderPostdeployMarkdown,
  html: renderPostdeployHtml,
  junit: (r) => renderJunit(postdeploySuites(r)),
};
