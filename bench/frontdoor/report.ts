/** Reports of the front-door checks: a JUnit suite, Markdown lines, HTML sections. */
import { escapeXml, fmt } from '../report/format';
import type { JunitSuite } from '../report/junit';
import type { FrontDoorResult } from './result';

const MARK = { pass: '✔', fail: '✘', skip: '–' } as const;

/** One test case per check. */
export function frontDoorSuite(r: FrontDoorResult, name = 'front door'): JunitSuite {
  return {
    name,
    timestamp: r.startedAt,
    timeSec: r.checks.reduce((t, c) => t + c.durationMs, 0) / 1000,
    cases: r.checks.map((c) => ({
      name: c.name,
      classname: 'llm-bench.frontdoor',
      timeSec: c.durationMs / 1000,
      ...(c.status === 'fail' && { failure: c.reason }),
      ...(c.status === 'skip' && { skipped: c.reason }),
    })),
  };
}

export function frontDoorMarkdown(r: FrontDoorResult): string[] {
  return [
    `## Front door ${r.url}: ${r.exitCode === 0 ? 'PASSED' : `FAILED (exit ${r.exitCode})`}`,
    '',
    '| check | result |',
    '| --- | --- |',
    ...r.checks.map((c) => `| ${MARK[c.status]} ${c.name} | ${c.reason.replace(/\|/g, '\\|')} |`),
    '',
  ];
}

export function frontDoorHtmlSections(r: FrontDoorResult): string[] {
  const rows = r.checks
    .map(
      (c) =>
        `<tr><td class="${c.status}">${MARK[c.status]}</td><td>${escapeXml(c.name)}</td><td>${escapeXml(c.reason)}</td><td class="num">${fmt(c.durationMs)}</td></tr>`,
    )
    .join('');
  const splits = r.splits.map(
    (s) =>
      `<p class="run">${escapeXml(s.model)}: ${s.requests} requests · ${s.backends.map((b) => `${escapeXml(b.name)} ${b.observed} (expected ${fmt(b.expected)}, weight ${fmt(b.weight)})`).join(' · ')} · χ² ${Number.isFinite(s.statistic) ? fmt(s.statistic) : '∞'}, df ${s.degreesOfFreedom}, p ${s.pValue.toPrecision(3)} (α ${s.alpha})</p>`,
  );
  return [
    `<h2 id="front-door">Front door: <span class="${r.exitCode === 0 ? 'pass' : 'fail'}">${r.exitCode === 0 ? 'PASSED' : `FAILED (exit ${r.exitCode})`}</span></h2>`,
    `<p class="run">${escapeXml(r.url)} · ${escapeXml(r.startedAt)}</p>`,
    `<table><tr><th></th><th>check</th><th>result</th><th>ms</th></tr>${rows}</table>`,
    ...splits,
  ];
}
