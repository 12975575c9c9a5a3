/** The Kubernetes objects observability is shipped in: PrometheusRule groups and dashboard ConfigMaps. */
import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { PrometheusRuleSpecGroupsRulesExpr, type PrometheusRuleSpecGroups } from '../imports/monitoring.coreos.com';
import type { AlertRule } from './alerts';
import type { DashboardJson } from './grafana';
import type { RecordingRule } from './slis';

export const PART_OF = { 'app.kubernetes.io/part-of': 'llm-platform' } as const;

/**
 * The label the kube-prometheus-stack Grafana sidecar watches for (`sidecar.dashboards.label`
 * and `labelValue`); it loads every such ConfigMap it can see (`searchNamespace`).
 */
export const GRAFANA_DASHBOARD_LABEL = { grafana_dashboard: '1' } as const;

export interface RuleGroupSpec {
  readonly name: string;
  readonly rules: readonly (AlertRule | RecordingRule)[];
}

/** Rule groups in the CRD's shape. */
export function ruleGroups(groups: readonly RuleGroupSpec[]): PrometheusRuleSpecGroups[] {
  return groups.map((g) => ({
    name: g.name,
    rules: g.rules.map((r) =>
      'alert' in r
        ? {
            alert: r.alert,
            expr: PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr),
            for: r.for,
            labels: { ...r.labels },
            annotations: { ...r.annotations },
          }
        : { record: r.record, expr: PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr) },
    ),
  }));
}

export interface DashboardConfigMapProps {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly dashboard: DashboardJson;
}

/** A ConfigMap holding one dashboard as `<name>.json`, indented so GitOps diffs stay readable. */
export function dashboardConfigMap(scope: Construct, id: string, p: DashboardConfigMapProps): k8s.KubeConfigMap {
  return new k8s.KubeConfigMap(scope, id, {
    metadata: { name: p.name, namespace: p.namespace, labels: { ...p.labels, ...GRAFANA_DASHBOARD_LABEL } },
    data: { [`${p.dashboard.uid}.json`]: `${JSON.stringify(p.dashboard, null, 2)}\n` },
  });
}
