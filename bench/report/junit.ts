import type { LoadResult, SmokeResult, SweepResult } from '../result';
import { runFailure } from '../load/outcome';
import { escapeXml, fmt } from './format';

/** One JUnit test case; `failure` and `skipped` are mutually exclusive. */
export interface JunitCase {
  readonly name: string;
  readonly classname: string;
  readonly timeSec: number;
  readonly failure?: string;
  readonly skipped?: string;
}

export interface JunitSuite {
  readonly name: string;
  readonly timestamp: string;
  readonly timeSec: number;
  readonly cases: readonly JunitCase[];
}

/** One test case per threshold; an aborted run, or one where every request failed, adds a failing `run` case with the reason. */
export function loadSuite(r: LoadResult, name = 'llm-bench thresholds'): JunitSuite {
  const cases: JunitCase[] = r.thresholds.map((t) => ({
    name: t.expression,
    classname: 'llm-bench.thresholds',
    timeSec: 0,
    ...(!t.passed && {
      failure:
        t.value === null
          ? `${t.metric} was not measured (no successful requests)`
          : `${t.metric} = ${fmt(t.value)}, required ${t.op} ${t.limit}`,
    }),
  }));
  const failure = runFailure(r);
  if (failure !== undefined) cases.unshift({ name: 'run', classname: 'llm-bench.load', timeSec: r.summary.durationSec, failure });
  return { name, timestamp: r.startedAt, timeSec: r.summary.durationSec, cases };
}

/** One suite per sweep step. */
export function sweepSuites(r: SweepResult): JunitSuite[] {
  return r.steps.map((step, i) => loadSuite(step, `llm-bench sweep ${r.dimension} ${r.values[i]}`));
}

/** One test case per smoke check. */
export function smokeSuite(r: SmokeResult): JunitSuite {
  return {
    name: 'llm-bench smoke',
    timestamp: r.startedAt,
    timeSec: r.checks.reduce((t, c) => t + c.durationMs, 0) / 1000,
    cases: r.checks.map((c) => ({
      name: c.name,
      classname: 'llm-bench.smoke',
      timeSec: c.durationMs / 1000,
      ...(c.status === 'fail' && { failure: c.reason }),
      ...(c.status === 'skip' && { skipped: c.reason }),
    })),
  };
}

/** JUnit XML in the shape Jenkins, GitLab and GitHub test reporters read. */
export function renderJunit(suites: readonly JunitSuite[]): string {
  const attr = (s: string) => escapeXml(s);
  const count = (pred: (c: JunitCase) => boolean) => suites.reduce((n, s) => n + s.cases.filter(pred).length, 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="llm-bench" tests="${count(() => true)}" failures="${count((c) => c.failure !== undefined)}" skipped="${count((c) => c.skipped !== undefined)}">`,
  ];
  for (const s of suites) {
    const failures = s.cases.filter((c) => c.failure !== undefined).length;
    const skipped = s.cases.filter((c) => c.skipped !== undefined).length;
    lines.push(
      `  <testsuite name="${attr(s.name)}" tests="${s.cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${s.timeSec.toFixed(3)}" timestamp="${attr(s.timestamp)}">`,
    );
    for (const c of s.cases) {
      const open = `    <testcase classname="${attr(c.classname)}" name="${attr(c.name)}" time="${c.timeSec.toFixed(3)}"`;
      if (c.failure !== undefined)
        lines.push(
          `${open}>`,
          `      <failure message="${attr(c.failure)}" type="failure">${escapeXml(c.failure)}</failure>`,
          '    </testcase>',
        );
      else if (c.skipped !== undefined) lines.push(`${open}>`, `      <skipped message="${attr(c.skipped)}"/>`, '    </testcase>');
      else lines.push(`${open}/>`);
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>', '');
  return lines.join('\n');
}
