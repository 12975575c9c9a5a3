/**
 * Every alert has a runbook page in docs/runbooks with the sections on-call needs, the index
 * lists them all, no page is orphaned, and every PromQL example in them is valid and uses
 * catalog series.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RUNBOOK_DIR, costAlert, modelAlerts, platformAlerts, runbookUrl } from '../../constructs/observability';
import { renderManifests } from '../../stacks/manifests';
import { PROJECT_ROOT } from '../../stacks/synthesize';
import { ofKind } from '../support/manifests';
import { envs, promqlProblems, rulesOf } from './support';

const dir = join(PROJECT_ROOT, RUNBOOK_DIR);
const slo = { ttftP95Ms: 1, itlP95Ms: 1, errorRatio: 0.1, queueDepth: 1, kvCacheUsage: 0.9, abortRatio: 0.1 };
/** Every alert the code can emit, including ones no real environment enables (a warm standby). */
const EVERY_ALERT = [
  ...modelAlerts({
    sel: { namespace: 'ns', modelName: 'm' },
    team: 't',
    environment: 'e',
    slo,
    gpuMemoryUtilization: 0.9,
    deployments: ['m-blue', 'm-green'],
    activeDeployment: 'm-blue',
    standby: { deployment: 'm-green', replicas: 1 },
    outageToleranceSec: 600,
    scheduleAllowanceSec: 600,
  }),
  ...platformAlerts({ namespace: 'ns', team: 't', environment: 'e' }),
  costAlert({ sel: { namespace: 'ns', modelName: 'm' }, team: 't', environment: 'e', maxCostPer1MTokens: 1 }),
];
const ALL_ALERTS = EVERY_ALERT.map((a) => a.alert);

const pages = readdirSync(dir).filter((f) => f.endsWith('.md') && f !== 'README.md');

describe('runbooks', () => {
  it('links <runbookBaseUrl>/<alert>.md, with or without a trailing slash on the base, else the path in the repository', () => {
    const base = 'https://github.com/acme/llm-platform/blob/main/docs/runbooks';
    expect(runbookUrl('VllmDown', base)).toBe(`${base}/VllmDown.md`);
    expect(runbookUrl('VllmDown', `${base}/`)).toBe(`${base}/VllmDown.md`);
    expect(runbookUrl('VllmDown')).toBe(`${RUNBOOK_DIR}/VllmDown.md`);
  });

  it('has a page for every alert any environment emits, and for every alert the code can emit', () => {
    const emitted = new Set(
      envs.flatMap(([, c]) =>
        ofKind(renderManifests(c), 'PrometheusRule').flatMap((r) => rulesOf(r).flatMap((x) => (x.alert ? [x.alert] : []))),
      ),
    );
    for (const a of [...emitted, ...ALL_ALERTS]) expect(pages).toContain(`${a}.md`);
    expect(pages.map((p) => p.replace(/\.md$/, '')).sort()).toEqual([...new Set(ALL_ALERTS)].sort());
  });

  it.each(pages)('%s says what fired, why it matters, how to look and what to do', (page) => {
    const text = readFileSync(join(dir, page), 'utf8');
    expect(text.split('\n')[0]).toBe(`# ${page.replace(/\.md$/, '')}`);
    expect(text).toMatch(/^\*\*Severity:\*\* (critical|warning)\./m);
    expect(text).toMatch(/^\*\*Threshold:\*\* /m);
    const sections = [...text.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    expect(sections).toEqual(['Meaning', 'Impact', 'Diagnosis', 'Mitigation']);
    for (const [, expr] of text.matchAll(/```promql\n([\s\S]*?)```/g)) {
      for (const line of expr!.trim().split('\n')) expect(promqlProblems(line), `${page}: ${line}`).toEqual([]);
    }
  });

  it('lists every page in the index with the severity the alert carries', () => {
    const index = readFileSync(join(dir, 'README.md'), 'utf8');
    const severity = new Map(EVERY_ALERT.map((a) => [a.alert, a.labels.severity]));
    for (const page of pages) {
      const alert = page.replace(/\.md$/, '');
      expect(index).toContain(`| [${alert}](${page}) | ${severity.get(alert)} |`);
      expect(readFileSync(join(dir, page), 'utf8')).toContain(`**Severity:** ${severity.get(alert)}.`);
    }
  });
});
