/**
 * PrometheusRules of every real environment: every expression parses and selects only catalog
 * series, every alert is complete (for, severity, annotations, runbook), and every threshold
 * traces back to the environment's config.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ALERT_WINDOWS,
  FAST_BURN_FACTOR,
  PLATFORM_RULE_NAME,
  RECORDED,
  REDUNDANT_OUTAGE_SEC,
  RUNBOOK_DIR,
  SLI_GROUP,
  gpuMemoryAlertRatio,
  minutes,
} from '../../constructs/observability';
import { SCHEDULE_AND_PULL_ALLOWANCE_SEC } from '../../constructs/vllm-model';
import { parsePlatformConfig } from '../../config/platform';
import { renderManifests } from '../../stacks/manifests';
import { PROJECT_ROOT } from '../../stacks/synthesize';
import { find, matches, ofKind } from '../support/manifests';
import { validateObject } from '../support/schemas';
import { alertOf, alertsOf, comparedTo, envs, modelCases, promqlProblems, rulesOf } from './support';

const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;
const RECORD_NAME = /^[a-z_]+:[a-z0-9_]+:[a-z0-9_]+$/;
const ALERT_NAME = /^[A-Z][A-Za-z0-9]+$/;

describe.each(envs)('%s environment', (_env, c) => {
  const objs = renderManifests(c);
  const ns = c.workloads.namespace;
  const rules = ofKind(objs, 'PrometheusRule');
  const all = rules.flatMap(rulesOf);

  it('has one PrometheusRule per enabled model and one for the environment, each valid and selected by the operator', () => {
    expect(rules.map((r) => r.metadata.name).sort()).toEqual([PLATFORM_RULE_NAME, ...c.enabledModels.map((m) => m.name)].sort());
    for (const r of rules) {
      validateObject(r);
      expect(r.metadata.namespace).toBe(ns);
      expect(matches(c.workloads.monitoring.selectorLabels, (r.metadata as any).labels), r.metadata.name).toBe(true);
    }
  });

  it('writes every expression in valid PromQL that selects only catalog series or recorded SLIs', () => {
    const problems = all.flatMap((r) => promqlProblems(r.expr).map((p) => `${r.alert ?? r.record}: ${p}`));
    expect(problems).toEqual([]);
    expect(all.length).toBeGreaterThan(30);
  });

  it('keeps the KEDA queries in valid PromQL over catalog series too', () => {
    const queries = ofKind(objs, 'ScaledObject').flatMap((so: any) => so.spec.triggers.map((t: any) => t.metadata.query as string));
    for (const q of queries) expect(promqlProblems(q), q).toEqual([]);
  });

  it('scopes every model query to the model namespace', () => {
    for (const r of all) {
      const namespaces = [...r.expr.matchAll(/namespace="([^"]*)"/g)].map((m) => m[1]);
      expect([...new Set(namespaces)], r.alert ?? r.record).toEqual(r.alert === 'GpuXidError' ? [] : [ns]);
    }
  });

  it('records each SLI once for the namespace, by model, named level:metric:operation, in the environment rule', () => {
    const platform = find(objs, 'PrometheusRule', PLATFORM_RULE_NAME);
    const groups = (platform.spec.groups as { name: string }[]).map((g) => g.name);
    expect(groups[0]).toBe(SLI_GROUP);
    const slis = rulesOf(platform as any).filter((r) => r.group === SLI_GROUP);
    expect(slis.map((r) => r.record)).toEqual(Object.values(RECORDED));
    for (const r of slis) {
      expect(r.record, r.expr).toMatch(RECORD_NAME);
      // Namespace-wide: no model filter, every result keeps its model_name.
      expect(r.expr, r.record).not.toContain('model_name="');
      expect(r.expr, r.record).toContain('model_name');
    }
    // Each series has exactly one rule across the environment: promtool's duplicate-rule lint.
    const records = all.filter((r) => r.record).map((r) => r.record!);
    expect(records.length).toBe(new Set(records).size);
    for (const m of c.enabledModels) {
      const rule = find(objs, 'PrometheusRule', m.name);
      expect((rule.spec.groups as { name: string }[]).map((g) => g.name)).toEqual([`${m.name}.alerts`]);
      expect(rulesOf(rule as any).filter((r) => r.record)).toEqual([]);
    }
  });

  it('reads every recorded series somewhere: an alert or a dashboard', () => {
    const text = JSON.stringify(objs.filter((o) => o.kind === 'ConfigMap')) + JSON.stringify(all.filter((r) => r.alert));
    const unused = Object.values(RECORDED).filter(
      (r) => !text.includes(`${r}{`) && !all.some((x) => x.record !== r && x.expr.includes(`${r}{`)),
    );
    expect(unused).toEqual([]);
    expect(text.length).toBeGreaterThan(0);
  });

  it('gives every alert a for window, a severity, its team and environment, a summary, a description with the value and a runbook link that opens a page of the repo', () => {
    const alerts = all.filter((r) => r.alert);
    expect(alerts.length).toBeGreaterThanOrEqual(c.enabledModels.length * 13 + 2);
    for (const a of alerts) {
      const id = `${a.group}/${a.alert}`;
      expect(a.alert, id).toMatch(ALERT_NAME);
      expect(a.for, id).toMatch(DURATION);
      expect(['critical', 'warning'], id).toContain(a.labels?.severity);
      expect(a.labels?.environment, id).toBe(c.environment);
      expect(a.labels?.team, id).toMatch(/^[a-z]+$/);
      expect(a.annotations?.summary, id).toMatch(/\S/);
      // An absent() alert has no value worth printing (always 1): its description names what is missing.
      if (!a.expr.startsWith('absent(')) expect(a.annotations?.description, id).toMatch(/\{\{ \$value( \| [a-zA-Z]+( "[^"]+")?)? \}\}/);
      else expect(a.annotations?.description, id).toMatch(/no (vLLM|DCGM) series/);
      // An absolute link a pager can open, <runbookBaseUrl>/<alert>.md, naming a page of docs/runbooks.
      const base = c.observability.runbookBaseUrl ?? '';
      expect(base, 'observability.runbookBaseUrl').toMatch(/^https:\/\/[^?#]+[^/]$/);
      expect(a.annotations?.runbook_url, id).toBe(`${base}/${a.alert}.md`);
      const runbook = join(RUNBOOK_DIR, `${a.alert}.md`);
      expect(existsSync(join(PROJECT_ROOT, runbook)), `${id}: ${runbook}`).toBe(true);
      expect(readFileSync(join(PROJECT_ROOT, runbook), 'utf8').split('\n')[0], runbook).toBe(`# ${a.alert}`);
    }
  });

  it('labels every model alert with the model and its team, and no two alerts of a model share a name', () => {
    for (const m of c.enabledModels) {
      const alerts = alertsOf(objs, m.name);
      expect(new Set(alerts.map((a) => a.alert)).size).toBe(alerts.length);
      for (const a of alerts) expect(a.labels).toMatchObject({ model_name: m.name, team: expect.any(String) });
    }
    for (const a of alertsOf(objs, PLATFORM_RULE_NAME)) expect(a.labels?.team).toBe('platform');
  });
});

describe.each(modelCases)('%s alerts', (_name, c, m) => {
  const objs = renderManifests(c);
  const alert = (name: string) => alertOf(objs, m.name, name);
  const bg = m.rolloutStrategy === 'BlueGreen';
  const active = bg ? `${m.name}-${m.blueGreen.activeTrack}` : m.name;

  it('fires on TTFT and ITL p95 over the model budget from config.models[id].slo', () => {
    expect(comparedTo(alert('VllmTimeToFirstTokenHigh').expr)).toEqual([m.slo.ttftP95Ms / 1000]);
    expect(alert('VllmTimeToFirstTokenHigh').expr).toContain(RECORDED.ttftP95);
    expect(alert('VllmTimeToFirstTokenHigh').annotations?.summary).toContain(`${m.slo.ttftP95Ms} ms`);
    expect(comparedTo(alert('VllmInterTokenLatencyHigh').expr)).toEqual([m.slo.itlP95Ms / 1000]);
    expect(alert('VllmTimeToFirstTokenHigh').for).toBe(ALERT_WINDOWS.latency);
  });

  it('fires on the error ratio over slo.errorRatio, and pages on a 14.4x burn over both windows', () => {
    expect(comparedTo(alert('VllmErrorRatioHigh').expr)).toEqual([m.slo.errorRatio, m.slo.errorRatio]);
    const burn = alert('VllmErrorBudgetFastBurn');
    const [long, short] = comparedTo(burn.expr);
    expect(long).toBeCloseTo(FAST_BURN_FACTOR * m.slo.errorRatio, 12);
    expect(short).toBe(long);
    expect(burn.expr).toContain(RECORDED.errorRatioLong);
    expect(burn.expr).toContain(RECORDED.errorRatio);
    expect(burn.labels?.severity).toBe('critical');
  });

  it('fires on sustained queue depth, KV-cache use, preemptions and aborts at the configured bounds', () => {
    expect(comparedTo(alert('VllmQueueDepthHigh').expr)).toEqual([m.slo.queueDepth]);
    expect(comparedTo(alert('VllmKvCacheNearlyFull').expr)).toEqual([m.slo.kvCacheUsage]);
    expect(m.slo.kvCacheUsage).toBeGreaterThan(m.kvCacheUsageTarget);
    expect(comparedTo(alert('VllmPreemptions').expr)).toEqual([0]);
    expect(comparedTo(alert('VllmRequestsAborted').expr)).toEqual([m.slo.abortRatio]);
    expect(comparedTo(alert('VllmRequestsCancelled').expr)).toEqual([m.slo.abortRatio]);
    for (const a of ['VllmQueueDepthHigh', 'VllmKvCacheNearlyFull', 'VllmPreemptions', 'VllmRequestsAborted']) {
      expect(alert(a).for).toMatch(/^1[05]m$/);
    }
  });

  it('fires when the Deployment that serves traffic has no ready pod, after a cold start when one event can take them all', () => {
    const a = alert('VllmNoReadyPods');
    expect(a.expr).toContain(`deployment="${active}"`);
    find(objs, 'Deployment', active);
    const spof = m.rolloutStrategy === 'Recreate' || m.minReplicas < 2;
    expect(a.for).toBe(minutes(spof ? m.startupTimeoutSec + SCHEDULE_AND_PULL_ALLOWANCE_SEC : REDUNDANT_OUTAGE_SEC));
    expect(a.labels?.severity).toBe('critical');
    expect(alert('VllmMetricsAbsent').expr).toBe(
      `absent(vllm:num_requests_running{namespace="${c.workloads.namespace}",model_name="${m.name}"})`,
    );
    expect(alert('VllmMetricsAbsent').for).toBe(a.for);
  });

  it('watches restarts and Pending pods of every Deployment of the model, and of no other', () => {
    const mine = ofKind(objs, 'Deployment').filter((d: any) => d.metadata.labels['app.kubernetes.io/instance'] === m.name);
    const others = ofKind(objs, 'Deployment').filter((d: any) => d.metadata.labels['app.kubernetes.io/instance'] !== m.name);
    const pod = (d: string) => `${d}-7d9f8c6b5d-x2x4k`;
    for (const name of ['VllmPodRestarting', 'VllmPodsPending']) {
      const regex = /pod=~"([^"]+)"/.exec(alert(name).expr)![1]!;
      const re = new RegExp(`^(?:${regex})$`);
      for (const d of mine) expect(re.test(pod(d.metadata.name)), `${name} ${d.metadata.name}`).toBe(true);
      for (const d of others) expect(re.test(pod(d.metadata.name)), `${name} ${d.metadata.name}`).toBe(false);
      // A blue/green track's pods are not the plain Deployment's, and the other way round.
      expect(re.test(pod(`${m.name}-canary`))).toBe(false);
    }
    expect(alert('VllmPodsPending').for).toBe(minutes(SCHEDULE_AND_PULL_ALLOWANCE_SEC));
  });

  it('fires on GPU memory beyond what vLLM reserves, from gpuMemoryUtilization', () => {
    const [threshold] = comparedTo(alert('VllmGpuMemoryNearlyFull').expr);
    expect(threshold).toBe(gpuMemoryAlertRatio(m.gpuMemoryUtilization));
    expect(threshold).toBeGreaterThan(m.gpuMemoryUtilization);
    expect(threshold).toBeLessThan(1);
  });

  it('watches the blue/green standby only when it should be warm', () => {
    const standby = alertsOf(objs, m.name).filter((a) => a.alert === 'VllmStandbyNotWarm');
    if (!bg || m.blueGreen.standbyReplicas === 0) {
      expect(standby).toEqual([]);
      return;
    }
    const track = m.blueGreen.activeTrack === 'blue' ? 'green' : 'blue';
    expect(standby).toHaveLength(1);
    expect(standby[0]!.expr).toContain(`deployment="${m.name}-${track}"`);
    expect(comparedTo(standby[0]!.expr)).toEqual([m.blueGreen.standbyReplicas]);
  });
});

describe('thresholds across config layers', () => {
  it('takes every SLO key a model does not override from the environment, not from the schema defaults', () => {
    const c = parsePlatformConfig(
      {
        slo: { ttftP95Ms: 700, queueDepth: 7, kvCacheUsage: 0.95 },
        models: { fp16: { enabled: false }, awq: { slo: { itlP95Ms: 60 } } },
        gpuNodes: { maxSize: 4 },
      },
      'test',
      'test',
    );
    const objs = renderManifests(c);
    const alert = (name: string) => alertOf(objs, 'mistral-7b-awq', name);
    expect(comparedTo(alert('VllmInterTokenLatencyHigh').expr)).toEqual([0.06]);
    expect(comparedTo(alert('VllmTimeToFirstTokenHigh').expr)).toEqual([0.7]);
    expect(comparedTo(alert('VllmQueueDepthHigh').expr)).toEqual([7]);
    expect(comparedTo(alert('VllmKvCacheNearlyFull').expr)).toEqual([0.95]);
    expect(comparedTo(alertOf(objs, 'mistral-7b-judge', 'VllmInterTokenLatencyHigh').expr)).toEqual([0.1]);
  });
});

describe('promtool coverage', () => {
  it('every environment has its promtool test file (promtool-<env>.test.ts)', () => {
    for (const [env] of envs) expect(existsSync(join(import.meta.dirname, `promtool-${env}.test.ts`)), env).toBe(true);
  });
});
