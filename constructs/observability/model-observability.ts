/**
 * What watches one vLLM variant: a PrometheusRule with its alerts, and a Grafana dashboard in a
 * ConfigMap the kube-prometheus-stack Grafana sidecar loads. The SLIs both read are recorded once
 * for the whole namespace, in the environment's rule (PlatformObservability).
 */
import type { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { PrometheusRule } from '../imports/monitoring.coreos.com';
import { SCHEDULE_AND_PULL_ALLOWANCE_SEC, type VllmModel, type VllmModelProps } from '../vllm-model';
import { REDUNDANT_OUTAGE_SEC, modelAlerts, type ModelSloProps } from './alerts';
import { costAlert } from './cost';
import { modelDashboard } from './dashboards';
import { dashboardConfigMap, ruleGroups, PART_OF } from './objects';

/** KEDA names the HPA it creates for a ScaledObject `keda-hpa-<name>` (no custom name is set). */
export const KEDA_HPA_PREFIX = 'keda-hpa-';

export interface ModelObservabilityProps extends Pick<
  VllmModelProps,
  | 'namespace'
  | 'name'
  | 'variant'
  | 'team'
  | 'minReplicas'
  | 'maxReplicas'
  | 'kvCacheUsageTarget'
  | 'gpuMemoryUtilization'
  | 'startupTimeoutSec'
  | 'rolloutStrategy'
  | 'blueGreen'
  | 'monitoringLabels'
> {
  /** The variant's objects: Deployment names and the ScaledObject are read from it. */
  readonly model: VllmModel;
  /** Environment name, as an alert label and in the dashboard title. */
  readonly environment: string;
  /** The variant's SLO bounds (`config.models[id].slo`). */
  readonly slo: ModelSloProps;
  /** Where docs/runbooks is published (`observability.runbookBaseUrl`). @default - runbook links relative to the repository root */
  readonly runbookBaseUrl?: string;
}

/**
 * Seconds every serving pod of a variant may be gone in normal operation: a cold start when one
 * event can take them all (a Recreate rollout, or a single replica on a draining node), the
 * redundant-outage window otherwise.
 */
export function outageToleranceSec(p: Pick<ModelObservabilityProps, 'rolloutStrategy' | 'minReplicas' | 'startupTimeoutSec'>): number {
  const singlePointOfFailure = p.rolloutStrategy === 'Recreate' || p.minReplicas < 2;
  return singlePointOfFailure ? p.startupTimeoutSec + SCHEDULE_AND_PULL_ALLOWANCE_SEC : REDUNDANT_OUTAGE_SEC;
}

export class ModelObservability extends Construct {
  readonly rule: PrometheusRule;
  readonly dashboard: k8s.KubeConfigMap;

  constructor(scope: Construct, id: string, props: ModelObservabilityProps) {
    super(scope, id);
    const p = props;
    const sel = { namespace: p.namespace, modelName: p.name };
    const deployments = p.model.deployments.map((d) => d.name);
    const activeDeployment = p.model.deployment.name;
    const standbyDeployment = deployments.find((d) => d !== activeDeployment);
    const standby =
      p.rolloutStrategy === 'BlueGreen' && p.blueGreen && standbyDeployment
        ? { deployment: standbyDeployment, replicas: p.blueGreen.standbyReplicas }
        : undefined;
    const labels = { ...PART_OF, 'app.kubernetes.io/instance': p.name, 'llm-platform.io/variant': p.variant };

    const alerts = modelAlerts({
      sel,
      team: p.team,
      environment: p.environment,
      slo: p.slo,
      gpuMemoryUtilization: p.gpuMemoryUtilization,
      deployments,
      activeDeployment,
      standby,
      outageToleranceSec: outageToleranceSec(p),
      scheduleAllowanceSec: SCHEDULE_AND_PULL_ALLOWANCE_SEC,
      runbookBaseUrl: p.runbookBaseUrl,
    });
    const max = p.slo.maxCostPer1MTokens;
    if (max !== undefined)
      alerts.push(costAlert({ sel, team: p.team, environment: p.environment, maxCostPer1MTokens: max, runbookBaseUrl: p.runbookBaseUrl }));
    this.rule = new PrometheusRule(this, 'Rules', {
      metadata: { name: p.name, namespace: p.namespace, labels: { ...labels, ...p.monitoringLabels } },
      spec: {
        groups: ruleGroups([{ name: `${p.name}.alerts`, rules: alerts }]),
      },
    });

    this.dashboard = dashboardConfigMap(this, 'Dashboard', {
      name: `${p.name}-dashboard`,
      namespace: p.namespace,
      labels,
      dashboard: modelDashboard({
        sel,
        variant: p.variant,
        environment: p.environment,
        slo: p.slo,
        kvCacheUsageTarget: p.kvCacheUsageTarget,
        gpuMemoryUtilization: p.gpuMemoryUtilization,
        minReplicas: p.minReplicas,
        maxReplicas: p.maxReplicas,
        deployments,
        activeDeployment,
        hpaName: p.model.scaledObject ? `${KEDA_HPA_PREFIX}${p.model.scaledObject.name}` : undefined,
      }),
    });
  }
}
