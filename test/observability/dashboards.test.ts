/**
 * Grafana dashboards of every real environment: loadable by the kube-prometheus-stack sidecar,
 * laid out on the grid, every query valid PromQL over catalog series, every threshold line from
 * the environment's config.
 */
import { describe, expect, it } from 'vitest';
import {
  COST_DASHBOARD_UID,
  DATASOURCE_VARIABLE,
  GRID_COLUMNS,
  KEDA_HPA_PREFIX,
  OVERVIEW_DASHBOARD_UID,
  dashboardJson,
  gpuMemoryAlertRatio,
  modelDashboardUid,
} from '../../constructs/observability';
import { renderManifests } from '../../stacks/manifests';
import { validateObject } from '../support/schemas';
import { dashboardsOf, envs, modelCases, panelOf, promqlProblems, thresholdsOf } from './support';

/** kubectl apply keeps the whole object in an annotation limited to 256 KiB. */
const LAST_APPLIED_LIMIT = 262_144;

describe.each(envs)('%s environment', (_env, c) => {
  const objs = renderManifests(c);
  const dashboards = dashboardsOf(objs);

  it('ships one dashboard per enabled model, an overview and the cost dashboard, each a valid ConfigMap the Grafana sidecar loads', () => {
    expect(dashboards.map((d) => d.dashboard.uid).sort()).toEqual(
      [OVERVIEW_DASHBOARD_UID, COST_DASHBOARD_UID, ...c.enabledModels.map((m) => modelDashboardUid(m.name))].sort(),
    );
    for (const d of dashboards) {
      const cm = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === d.name)!;
      validateObject(cm);
      expect(cm.metadata.namespace).toBe(c.workloads.namespace);
      expect(d.key).toBe(`${d.dashboard.uid}.json`);
      expect(d.dashboard.uid.length).toBeLessThanOrEqual(40);
      expect(JSON.stringify(cm).length, d.name).toBeLessThan(LAST_APPLIED_LIMIT / 2);
    }
  });

  it('queries through a Prometheus data source variable, never a fixed data source', () => {
    for (const { dashboard: d } of dashboards) {
      expect(d.templating.list).toContainEqual(
        expect.objectContaining({ name: DATASOURCE_VARIABLE, type: 'datasource', query: 'prometheus' }),
      );
      for (const p of d.panels.filter((p) => p.type !== 'row'))
        expect((p as any).datasource, `${d.uid}/${p.title}`).toEqual({ type: 'prometheus', uid: `\${${DATASOURCE_VARIABLE}}` });
    }
  });

  it('lays every panel inside the 24-column grid with no two overlapping, and unique ids', () => {
    for (const { dashboard: d } of dashboards) {
      expect(new Set(d.panels.map((p: any) => p.id)).size, d.uid).toBe(d.panels.length);
      for (const p of d.panels) {
        expect(p.gridPos.x + p.gridPos.w, `${d.uid}/${p.title}`).toBeLessThanOrEqual(GRID_COLUMNS);
        expect(p.gridPos.w).toBeGreaterThan(0);
      }
      for (const [i, a] of d.panels.entries()) {
        for (const b of d.panels.slice(i + 1)) {
          const overlap =
            a.gridPos.x < b.gridPos.x + b.gridPos.w &&
            b.gridPos.x < a.gridPos.x + a.gridPos.w &&
            a.gridPos.y < b.gridPos.y + b.gridPos.h &&
            b.gridPos.y < a.gridPos.y + a.gridPos.h;
          expect(overlap, `${d.uid}: ${a.title} and ${b.title}`).toBe(false);
        }
      }
    }
  });

  it('writes every query and annotation in valid PromQL over catalog series or recorded SLIs, scoped to the namespace', () => {
    let queries = 0;
    for (const { dashboard: d } of dashboards) {
      const exprs = [
        ...d.panels.flatMap((p) => (p.targets ?? []).map((t) => [p.title, t.expr] as const)),
        ...d.annotations.list.flatMap((a) => (a.expr ? [['annotation', a.expr] as const] : [])),
      ];
      for (const [title, expr] of exprs) {
        queries++;
        expect(promqlProblems(expr), `${d.uid}/${title}: ${expr}`).toEqual([]);
        const namespaces = [...expr.matchAll(/namespace="([^"]*)"/g)].map((m) => m[1]);
        for (const ns of namespaces) expect(ns).toBe(c.workloads.namespace);
      }
      for (const p of d.panels.filter((p) => p.type !== 'row')) expect(p.targets?.length, `${d.uid}/${p.title}`).toBeGreaterThan(0);
    }
    expect(queries).toBeGreaterThan(40);
  });

  it('links the overview to every model dashboard and back', () => {
    const overview = dashboards.find((d) => d.dashboard.uid === OVERVIEW_DASHBOARD_UID)!.dashboard;
    expect(overview.links.map((l) => l.url)).toEqual(c.enabledModels.map((m) => `/d/${modelDashboardUid(m.name)}`));
    for (const m of c.enabledModels) {
      const d = dashboards.find((x) => x.dashboard.uid === modelDashboardUid(m.name))!.dashboard;
      expect(d.links.map((l) => l.url)).toEqual([`/d/${OVERVIEW_DASHBOARD_UID}`]);
    }
  });
});

describe.each(modelCases)('%s dashboard', (_name, c, m) => {
  const objs = renderManifests(c);
  const d = dashboardsOf(objs).find((x) => x.dashboard.uid === modelDashboardUid(m.name))!.dashboard;
  const exprs = (title: string) => (panelOf(d, title).targets ?? []).map((t) => t.expr);

  it('covers latency, throughput, queue and running requests, KV cache, replicas and scaling, GPU and energy', () => {
    const rows = d.panels.filter((p) => p.type === 'row').map((p) => p.title);
    expect(rows).toEqual(['Service level', 'Latency', 'Throughput', 'Batch and KV cache', 'Replicas and scaling', 'GPU and energy']);
    for (const title of [
      'Time to first token',
      'Time per output token (TPOT)',
      'Inter-token latency',
      'End-to-end latency',
      'Requests/s by finish reason',
      'Tokens/s',
      'Running and waiting requests',
      'KV-cache usage per pod',
      'Replicas',
      'Scaling events',
      'GPU utilization per pod',
      'GPU memory used per pod',
      'GPU power per pod',
      'Energy per 1K generated tokens',
    ]) {
      panelOf(d, title);
    }
    expect(exprs('Time to first token').map((e) => /histogram_quantile\(([0-9.]+)/.exec(e)?.[1])).toEqual(['0.5', '0.95', '0.99']);
  });

  it('draws the model SLO bounds from its config as threshold lines', () => {
    expect(thresholdsOf(panelOf(d, 'Time to first token'))).toEqual([m.slo.ttftP95Ms / 1000]);
    expect(thresholdsOf(panelOf(d, 'TTFT p95'))).toEqual([m.slo.ttftP95Ms / 1000]);
    expect(thresholdsOf(panelOf(d, 'Inter-token latency'))).toEqual([m.slo.itlP95Ms / 1000]);
    expect(thresholdsOf(panelOf(d, 'Running and waiting requests'))).toEqual([m.slo.queueDepth]);
    expect(thresholdsOf(panelOf(d, 'KV-cache usage per pod'))).toEqual([m.kvCacheUsageTarget, m.slo.kvCacheUsage]);
    expect(thresholdsOf(panelOf(d, 'Aborted ratio'))).toEqual([m.slo.abortRatio]);
    expect(thresholdsOf(panelOf(d, 'GPU memory used per pod'))).toEqual([gpuMemoryAlertRatio(m.gpuMemoryUtilization)]);
    const errors = d.panels.filter((p) => p.title === '5xx ratio');
    for (const p of errors) expect(thresholdsOf(p)).toEqual([m.slo.errorRatio]);
  });

  it('joins GPU series to the model pods through the DCGM pod labels', () => {
    for (const title of ['GPU utilization per pod', 'GPU memory used per pod', 'GPU power per pod']) {
      const [expr] = exprs(title);
      expect(expr).toContain('* on (namespace, pod) group_left (model_name) group by (namespace, pod, model_name)');
      expect(expr).toContain(`model_name="${m.name}"`);
    }
  });

  it('shows what KEDA asks for only when the model autoscales, and every Deployment of the model', () => {
    const replicas = exprs('Replicas');
    const hpa = replicas.filter((e) => e.includes('horizontalpodautoscaler='));
    if (m.maxReplicas > m.minReplicas)
      expect(hpa).toEqual([expect.stringContaining(`horizontalpodautoscaler="${KEDA_HPA_PREFIX}${m.name}"`)]);
    else expect(hpa).toEqual([]);
    const deployments = objs
      .filter((o: any) => o.kind === 'Deployment' && o.metadata.labels['app.kubernetes.io/instance'] === m.name)
      .map((o) => o.metadata.name);
    const regex = /deployment=~"([^"]+)"/.exec(replicas[0]!)![1]!;
    expect(
      regex
        .split('|')
        .map((s) => s.replace(/\\/g, ''))
        .sort(),
    ).toEqual(deployments.sort());
  });
});

describe('dashboard layout', () => {
  it('fails when a uid is too long for Grafana', () => {
    expect(() => dashboardJson({ uid: 'x'.repeat(41), title: 't', description: 'd', tags: [], rows: [] })).toThrow(
      `dashboard uid must be at most 40 characters, got ${'x'.repeat(41)} (41)`,
    );
  });

  it('wraps panels that do not fit the row onto the next line', () => {
    const panel = { title: 'p', description: 'd', unit: 's', queries: [{ expr: 'up', legend: 'up' }], width: 16 };
    const d = dashboardJson({ uid: 'u', title: 't', description: 'd', tags: [], rows: [{ title: 'r', panels: [panel, panel] }] });
    expect(d.panels.map((p) => p.gridPos)).toEqual([
      { x: 0, y: 0, w: 24, h: 1 },
      { x: 0, y: 1, w: 16, h: 8 },
      { x: 0, y: 9, w: 16, h: 8 },
    ]);
  });
});
