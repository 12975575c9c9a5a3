/**
 * What watches the environment as a whole: the recorded SLIs of every model in the namespace,
 * GPU health alerts (XID errors, missing DCGM series), the cost recording rules, the overview
 * dashboard of every model and GPU, and the cost dashboard.
 */
import type { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { PrometheusRule } from '../imports/monitoring.coreos.com';
import { platformAlerts } from './alerts';
import { COST_DASHBOARD_UID, costDashboard, costRules, type GpuHourPrice } from './cost';
import { OVERVIEW_DASHBOARD_UID, overviewDashboard } from './dashboards';
import { PART_OF, dashboardConfigMap, ruleGroups } from './objects';
import { sliRules } from './slis';

/** Name of the environment-wide PrometheusRule. */
export const PLATFORM_RULE_NAME = 'llm-platform';
/** The rule group that records every SLI of the namespace, once, by model_name (slis.ts). */
export const SLI_GROUP = `${PLATFORM_RULE_NAME}.slis`;

export interface PlatformObservabilityProps {
  /** The model namespace; the rule and dashboard live there too. */
  readonly namespace: string;
  readonly environment: string;
  /** Names of the enabled models, linked from the overview. */
  readonly models: readonly string[];
  /** Labels the Prometheus operator selects rules by. */
  readonly monitoringLabels: Readonly<Record<string, string>>;
  /** Team that owns the GPUs, as the alerts' `team` label. @default 'platform' */
  readonly team?: string;
  /** What a GPU-hour costs (facts/prices.ts through the config): the cost rules and dashboard price with it. */
  readonly gpuPrice: GpuHourPrice;
  /** The environment's `slo.maxCostPer1MTokens`, drawn on the cost dashboard. */
  readonly maxCostPer1MTokens: number;
  /** Where docs/runbooks is published (`observability.runbookBaseUrl`). @default - runbook links relative to the repository root */
  readonly runbookBaseUrl?: string;
}

export class PlatformObservability extends Construct {
  readonly rule: PrometheusRule;
  readonly dashboard: k8s.KubeConfigMap;
  readonly costDashboard: k8s.KubeConfigMap;

  constructor(scope: Construct, id: string, props: PlatformObservabilityProps) {
    super(scope, id);
    const team = props.team ?? 'platform';
    this.rule = new PrometheusRule(this, 'Rules', {
      metadata: { name: PLATFORM_RULE_NAME, namespace: props.namespace, labels: { ...PART_OF, ...props.monitoringLabels } },
      spec: {
        // Groups run on their own schedules: the cost rules and every model's alerts read the SLIs
        // this group last recorded, at most one evaluation interval old.
        groups: ruleGroups([
          { name: SLI_GROUP, rules: sliRules({ namespace: props.namespace }) },
          {
            name: `${PLATFORM_RULE_NAME}.gpu`,
            rules: platformAlerts({
              namespace: props.namespace,
              team,
              environment: props.environment,
              runbookBaseUrl: props.runbookBaseUrl,
            }),
          },
          { name: `${PLATFORM_RULE_NAME}.cost`, rules: costRules(props.namespace, props.gpuPrice) },
        ]),
      },
    });
    this.dashboard = dashboardConfigMap(this, 'Dashboard', {
      name: OVERVIEW_DASHBOARD_UID,
      namespace: props.namespace,
      labels: PART_OF,
      dashboard: overviewDashboard({ namespace: props.namespace, environment: props.environment, models: props.models }),
    });
    this.costDashboard = dashboardConfigMap(this, 'CostDashboard', {
      name: COST_DASHBOARD_UID,
      namespace: props.namespace,
      labels: PART_OF,
      dashboard: costDashboard({
        namespace: props.namespace,
        environment: props.environment,
        price: props.gpuPrice,
        maxCostPer1MTokens: props.maxCostPer1MTokens,
      }),
    });
  }
}
