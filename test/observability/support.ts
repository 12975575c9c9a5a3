/** Helpers for the observability suites: rules and dashboards out of synthesized manifests. */
import { catalogSeriesNames } from '../../constructs/metrics';
import { COST_RECORDED, RECORDED } from '../../constructs/observability';
import type { ModelConfig, PlatformConfig } from '../../config/platform';
import type { KubernetesObject } from '../../stacks/manifests';
import { ofKind, realEnvironments } from '../support/manifests';
import { checkPromql } from './promql';

export const envs = realEnvironments();

/** [`env/model`, config, model] for every enabled model of every environment. */
export const modelCases: [string, PlatformConfig, ModelConfig][] = envs.flatMap(([env, c]) =>
  c.enabledModels.map((m) => [`${env}/${m.name}`, c, m] as [string, PlatformConfig, ModelConfig]),
);

/** Series an expression may select: the catalogs plus the recorded SLIs and cost series. */
export const KNOWN_SERIES = new Set([...catalogSeriesNames(), ...Object.values(RECORDED), ...Object.values(COST_RECORDED)]);

export interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Every rule of a PrometheusRule object, with its group name. */
export function rulesOf(obj: KubernetesObject): (Rule & { group: string })[] {
  const spec = (obj as any).spec as { groups: { name: string; rules: Rule[] }[] };
  return spec.groups.flatMap((g) => g.rules.map((r) => ({ ...r, group: g.name })));
}

export function alertsOf(objs: readonly KubernetesObject[], ruleName: string): Rule[] {
  const rule = ofKind(objs, 'PrometheusRule').find((o) => o.metadata.name === ruleName);
  if (!rule) throw new Error(`no PrometheusRule ${ruleName}`);
  return rulesOf(rule).filter((r) => r.alert);
}

export function alertOf(objs: readonly KubernetesObject[], ruleName: string, alert: string): Rule {
  const hit = alertsOf(objs, ruleName).find((r) => r.alert === alert);
  if (!hit) throw new Error(`PrometheusRule ${ruleName} has no alert ${alert}`);
  return hit;
}

/** The numbers an expression compares against with `>` or `<`, in order. */
export function comparedTo(expr: string): number[] {
  return [...expr.matchAll(/ [<>] (-?[0-9.]+(?:e-?\d+)?)(?=$| |\))/g)].map((m) => Number(m[1]));
}

/** Problems of one expression: syntax, types, and series outside the catalog. */
export function promqlProblems(expr: string): string[] {
  const r = checkPromql(expr);
  return [...r.errors, ...r.metrics.filter((m) => !KNOWN_SERIES.has(m)).map((m) => `selects ${m}, which no catalog lists`)];
}

export interface DashboardPanel {
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: { expr: string; legendFormat: string }[];
  fieldConfig?: { defaults: { thresholds: { steps: { value: number | null; color: string }[] } } };
}

export interface Dashboard {
  uid: string;
  title: string;
  panels: DashboardPanel[];
  templating: { list: { name: string; type: string; query: string }[] };
  annotations: { list: { expr?: string }[] };
  links: { url: string }[];
}

/** Dashboard ConfigMaps (the Grafana sidecar's label) and their parsed dashboards. */
export function dashboardsOf(objs: readonly KubernetesObject[]): { name: string; key: string; raw: string; dashboard: Dashboard }[] {
  return ofKind(objs, 'ConfigMap')
    .filter((o) => (o.metadata as any).labels?.grafana_dashboard === '1')
    .flatMap((o) =>
      Object.entries((o as any).data as Record<string, string>).map(([key, raw]) => ({
        name: o.metadata.name,
        key,
        raw,
        dashboard: JSON.parse(raw) as Dashboard,
      })),
    );
}

export function panelOf(d: Dashboard, title: string): DashboardPanel {
  const hit = d.panels.filter((p) => p.title === title);
  if (hit.length !== 1)
    throw new Error(`dashboard ${d.uid} has ${hit.length} panels titled ${title}; has ${d.panels.map((p) => p.title).join(', ')}`);
  return hit[0]!;
}

/** Threshold values of a panel, without the base step. */
export function thresholdsOf(p: DashboardPanel): number[] {
  return (p.fieldConfig?.defaults.thresholds.steps ?? []).flatMap((s) => (s.value === null ? [] : [s.value]));
}
