/**
 * What serving costs, as Prometheus sees it: recorded GPU spend and $ per 1M tokens per model,
 * the alert on a model whose tokens cost too much for an hour, and the cost dashboard (spend,
 * SPOT against on-demand GPU nodes, utilization against cost, idle GPU hours).
 *
 * Prometheus knows no prices: the price of a GPU-hour comes from facts/prices.ts through the
 * environment's config (stacks/cost/gpu-hour.ts) and is written into the rules as a number. Which
 * GPU pods run on on-demand nodes comes from KUBE_STATE_METRICS.nodeLabels, whose capacity-type and
 * node-pool labels kube-state-metrics exports only when allow-listed ({@link nodeLabelsAllowlist},
 * set in infra/addons.ts). Without them every GPU is priced as the configured capacity type.
 */
import { CAPACITY_TYPE_LABEL, GPU_NODE_LABEL } from '../hardware';
import {
  DCGM_GPU_LABELS,
  DCGM_METRICS,
  KUBE_STATE_METRICS,
  VLLM_METRICS,
  kubeNodeLabel,
  labelMatchers,
  modelPromql,
  type ModelSelector,
} from '../metrics';
import { num, runbookUrl, type AlertRule } from './alerts';
import { DASHBOARD_TAG, OVERVIEW_DASHBOARD_UID } from './dashboards';
import { dashboardJson, type DashboardJson, type PanelSpec } from './grafana';
import { recordedInNamespace, type RecordingRule } from './slis';

/** Node labels the cost rules read from KUBE_STATE_METRICS.nodeLabels. */
export const COST_NODE_LABELS = [CAPACITY_TYPE_LABEL, GPU_NODE_LABEL.key] as const;

/** The kube-state-metrics `--metric-labels-allowlist` entry that exports {@link COST_NODE_LABELS}. */
export function nodeLabelsAllowlist(): string {
  return `nodes=[${COST_NODE_LABELS.join(',')}]`;
}

/** Recorded cost series, each labelled `namespace` and `model_name`. */
export const COST_RECORDED = {
  gpus: 'llm:gpus:count',
  onDemandGpus: 'llm:gpus_on_demand:count',
  gpuCostPerHour: 'llm:gpu_cost_usd_per_hour:sum',
  costPer1MGenerated: 'llm:cost_usd_per_1m_generated_tokens:rate5m',
  costPer1MTokens: 'llm:cost_usd_per_1m_tokens:rate5m',
} as const;

/** How long a model's tokens must cost too much before the alert fires: an hour, so one quiet lunch break does not page. */
export const COST_ALERT_FOR = '1h';

/** A GPU whose 5-minute mean utilization is below this share (percent) counts as idle. */
export const IDLE_GPU_UTILIZATION_PERCENT = 5;

/** uid of the cost dashboard. */
export const COST_DASHBOARD_UID = 'llm-platform-cost';

/** What one GPU-hour costs, per GPU (an instance's price over its GPUs), from facts/prices.ts. */
export interface GpuHourPrice {
  readonly spotUsdPerHour: number;
  readonly onDemandUsdPerHour: number;
  /** What the primary GPU groups buy; GPUs on nodes labelled otherwise are priced as those. */
  readonly capacityType: 'SPOT' | 'ON_DEMAND';
}

const capacityLabel = kubeNodeLabel(CAPACITY_TYPE_LABEL);
const poolLabel = kubeNodeLabel(GPU_NODE_LABEL.key);
const gpuNodes = (extra: Record<string, string> = {}) =>
  modelPromql.series(KUBE_STATE_METRICS.nodeLabels, { [poolLabel]: GPU_NODE_LABEL.value, ...extra });

function costSeries(id: keyof typeof COST_RECORDED, namespace: string): string {
  return `${COST_RECORDED[id]}${labelMatchers({ namespace })}`;
}

/**
 * The cost recording rules of every model in `namespace`. A model's GPU spend is its pods (one
 * GPU each, standby included) at the SPOT price, plus the on-demand premium for the pods whose
 * node says ON_DEMAND; its $ per 1M tokens is that spend over the tokens of the same window.
 */
export function costRules(namespace: string, price: GpuHourPrice): RecordingRule[] {
  const pods = modelPromql.series(VLLM_METRICS.requestsRunning, { namespace });
  const podNodes = `group by (namespace, pod, node) (${modelPromql.series(KUBE_STATE_METRICS.podInfo, { namespace })})`;
  const onDemandPods =
    `count by (namespace, model_name) (group by (namespace, pod, model_name) (${pods})` +
    ` * on (namespace, pod) group_left (node) ${podNodes}` +
    ` * on (node) group_left () group by (node) (${gpuNodes({ [capacityLabel]: 'ON_DEMAND' })}))`;
  // Pods whose node is not labelled (no allow-list yet) are priced as the configured capacity type.
  const base = price.capacityType === 'SPOT' ? price.spotUsdPerHour : price.onDemandUsdPerHour;
  const premium = price.capacityType === 'SPOT' ? price.onDemandUsdPerHour - price.spotUsdPerHour : 0;
  const perMillion = (tokensPerSec: string) => `${costSeries('gpuCostPerHour', namespace)} / (${tokensPerSec} * 3600 > 0) * 1000000`;
  const generated = recordedInNamespace('generationTokenRate', namespace);
  return [
    { record: COST_RECORDED.gpus, expr: `count by (namespace, model_name) (${pods})` },
    { record: COST_RECORDED.onDemandGpus, expr: `${onDemandPods} or ${costSeries('gpus', namespace)} * 0` },
    {
      record: COST_RECORDED.gpuCostPerHour,
      expr: `${costSeries('gpus', namespace)} * ${num(base)} + ${costSeries('onDemandGpus', namespace)} * ${num(premium)}`,
    },
    { record: COST_RECORDED.costPer1MGenerated, expr: perMillion(generated) },
    { record: COST_RECORDED.costPer1MTokens, expr: perMillion(`(${recordedInNamespace('promptTokenRate', namespace)} + ${generated})`) },
  ];
}

/** Everything the cost alert of one model needs. */
export interface CostAlertInputs {
  readonly sel: ModelSelector;
  readonly team: string;
  readonly environment: string;
  /** USD per 1M generated tokens (`slo.maxCostPer1MTokens`). */
  readonly maxCostPer1MTokens: number;
  /** Where docs/runbooks is published (see {@link runbookUrl}). @default - links relative to the repository root */
  readonly runbookBaseUrl?: string;
}

/** The alert on a model whose generated tokens cost more than its bound for an hour. */
export function costAlert(p: CostAlertInputs): AlertRule {
  const name = p.sel.modelName;
  const bound = p.maxCostPer1MTokens;
  const usd = `$${num(bound)}`;
  return {
    alert: 'VllmTokenCostHigh',
    expr: `${COST_RECORDED.costPer1MGenerated}${labelMatchers({ namespace: p.sel.namespace, model_name: name })} > ${num(bound)}`,
    for: COST_ALERT_FOR,
    labels: { severity: 'warning', team: p.team, environment: p.environment, model_name: name },
    annotations: {
      summary: `${name}: generated tokens cost more than ${usd} per 1M for ${COST_ALERT_FOR}`,
      description:
        `The GPUs of ${name} in ${p.sel.namespace} cost {{ $value | printf "%.2f" }} USD per 1M generated tokens ` +
        `(GPU-hour price × GPUs ÷ token rate), above slo.maxCostPer1MTokens ${usd} for ${COST_ALERT_FOR}: ` +
        'more GPUs than the traffic needs, or a slow engine.',
      runbook_url: runbookUrl('VllmTokenCostHigh', p.runbookBaseUrl),
    },
  };
}

export interface CostDashboardInputs {
  readonly namespace: string;
  readonly environment: string;
  readonly price: GpuHourPrice;
  /** The environment's `slo.maxCostPer1MTokens`, drawn as a line (models may override it). */
  readonly maxCostPer1MTokens: number;
}

/** Spend, $ per token, SPOT against on demand, utilization against cost, idle GPUs. */
export function costDashboard(p: CostDashboardInputs): DashboardJson {
  const ns = p.namespace;
  const byModel = '{{model_name}}';
  const { node, gpu } = DCGM_GPU_LABELS;
  const base = p.price.capacityType === 'SPOT' ? p.price.spotUsdPerHour : p.price.onDemandUsdPerHour;
  const baseName = p.price.capacityType === 'SPOT' ? 'SPOT' : 'on-demand';
  const utilization = `max by (${node}, ${gpu}) (avg_over_time(${modelPromql.series(DCGM_METRICS.gpuUtilization)}[5m]))`;
  const idleGpus = `(count(${utilization} < ${IDLE_GPU_UTILIZATION_PERCENT}) or vector(0))`;
  const idleGpuHours = `sum_over_time(${idleGpus}[24h:5m]) / 12`;
  const onDemandShare = `(count(${gpuNodes({ [capacityLabel]: 'ON_DEMAND' })}) or vector(0)) / count(${gpuNodes()})`;
  const spend = `sum(${costSeries('gpuCostPerHour', ns)})`;

  const perToken: PanelSpec[] = [
    {
      title: 'Cost per 1M generated tokens',
      description:
        `GPU spend of each model over its output tokens (5 m). The line is slo.maxCostPer1MTokens $${num(p.maxCostPer1MTokens)}; ` +
        `VllmTokenCostHigh fires after ${COST_ALERT_FOR} above a model's bound. Empty while a model generates nothing.`,
      unit: 'currencyUSD',
      width: 12,
      min: 0,
      queries: [{ expr: costSeries('costPer1MGenerated', ns), legend: byModel }],
      thresholds: [{ value: p.maxCostPer1MTokens, color: 'red' }],
    },
    {
      title: 'Cost per 1M tokens, prompt and generated',
      description: 'GPU spend of each model over all the tokens it processed (5 m): what a blended per-token price would have to be.',
      unit: 'currencyUSD',
      width: 12,
      min: 0,
      queries: [{ expr: costSeries('costPer1MTokens', ns), legend: byModel }],
    },
    {
      kind: 'stat',
      title: 'GPU spend now',
      description:
        `USD per hour of every model GPU in ${ns}, at $${num(p.price.spotUsdPerHour)} SPOT and ` +
        `$${num(p.price.onDemandUsdPerHour)} on demand per GPU-hour (facts/prices.ts).`,
      unit: 'currencyUSD',
      width: 6,
      queries: [{ expr: spend, legend: '$/h' }],
    },
    {
      kind: 'stat',
      title: 'GPU spend, a month at this rate',
      description: 'GPU spend now × 730 hours. `npm run cost` has the whole bill, nodes and storage included.',
      unit: 'currencyUSD',
      width: 6,
      queries: [{ expr: `${spend} * 730`, legend: '$/month' }],
    },
    {
      kind: 'stat',
      title: 'On-demand share of GPU nodes',
      description:
        `GPU nodes whose ${CAPACITY_TYPE_LABEL} is ON_DEMAND (the fallback) over all GPU nodes. ` +
        'Empty when kube-state-metrics does not export the node labels (see infra/addons.ts).',
      unit: 'percentunit',
      width: 6,
      queries: [{ expr: onDemandShare, legend: 'on demand' }],
      thresholds: [{ value: 0.5, color: 'orange' }],
    },
    {
      kind: 'stat',
      title: 'Idle GPU spend, last 24 h',
      description:
        `GPU-hours below ${IDLE_GPU_UTILIZATION_PERCENT}% utilization in the last 24 h, ` +
        `at the ${baseName} price of $${num(base)} per GPU-hour.`,
      unit: 'currencyUSD',
      width: 6,
      queries: [{ expr: `${idleGpuHours} * ${num(base)}`, legend: '$' }],
    },
  ];
  const capacity: PanelSpec[] = [
    {
      title: 'GPU spend by model',
      description: "USD per hour of each model's GPUs, blue/green standby included.",
      unit: 'currencyUSD',
      min: 0,
      queries: [{ expr: costSeries('gpuCostPerHour', ns), legend: byModel }],
    },
    {
      title: 'GPU nodes by capacity type',
      description: `GPU nodes by ${CAPACITY_TYPE_LABEL}: SPOT groups first, the on-demand fallback when SPOT capacity is gone.`,
      unit: 'short',
      min: 0,
      queries: [{ expr: `count by (${capacityLabel}) (${gpuNodes()})`, legend: `{{${capacityLabel}}}` }],
    },
    {
      title: 'GPUs by model, on demand of them',
      description: 'Pods (one GPU each) of each model, and how many of them run on on-demand nodes.',
      unit: 'short',
      min: 0,
      queries: [
        { expr: costSeries('gpus', ns), legend: `${byModel} all` },
        { expr: costSeries('onDemandGpus', ns), legend: `${byModel} on demand` },
      ],
    },
  ];
  const utilizationRow: PanelSpec[] = [
    {
      title: 'GPU utilization by model',
      description: "Mean utilization of each model's GPUs: a GPU at 20% costs as much as one at 100%.",
      unit: 'percentunit',
      min: 0,
      max: 1,
      queries: [{ expr: recordedInNamespace('gpuUtilization', ns), legend: byModel }],
    },
    {
      title: 'Cost of a busy GPU-hour by model',
      description: 'Price per GPU-hour over utilization: what an hour of kernels actually running costs. Falls as utilization rises.',
      unit: 'currencyUSD',
      min: 0,
      queries: [
        {
          expr: `${costSeries('gpuCostPerHour', ns)} / ${costSeries('gpus', ns)} / (${recordedInNamespace('gpuUtilization', ns)} > 0)`,
          legend: byModel,
        },
      ],
    },
    {
      title: 'Idle GPUs',
      description:
        `GPUs of the cluster whose 5-minute mean utilization is below ${IDLE_GPU_UTILIZATION_PERCENT}%, ` +
        'and idle GPU-hours over the last 24 h.',
      unit: 'short',
      min: 0,
      queries: [
        { expr: idleGpus, legend: 'idle now' },
        { expr: idleGpuHours, legend: 'idle GPU-hours, 24 h' },
      ],
    },
  ];
  return dashboardJson({
    uid: COST_DASHBOARD_UID,
    title: `LLM platform cost (${p.environment})`,
    description:
      `What the models in ${ns} cost: GPU spend, $ per 1M tokens, SPOT against on-demand GPU nodes, ` +
      'utilization against cost and idle GPUs. Prices of facts/prices.ts as of the last synth.',
    tags: [DASHBOARD_TAG, 'cost', 'gpu'],
    links: [{ title: 'Overview', uid: OVERVIEW_DASHBOARD_UID }],
    rows: [
      { title: 'Cost per token', panels: perToken },
      { title: 'Capacity type', panels: capacity },
      { title: 'Utilization against cost', panels: utilizationRow },
    ],
  });
}
