/**
 * The cost rules, alert and dashboard of every real environment: prices baked in from
 * facts/prices.ts through the config, thresholds from slo.maxCostPer1MTokens, node labels read
 * under the names kube-state-metrics gives them.
 */
import { describe, expect, it } from 'vitest';
import { CAPACITY_TYPE_LABEL, GPU_NODE_LABEL } from '../../constructs/hardware';
import { kubeNodeLabel } from '../../constructs/metrics';
import {
  COST_ALERT_FOR,
  COST_DASHBOARD_UID,
  COST_RECORDED,
  IDLE_GPU_UTILIZATION_PERCENT,
  PLATFORM_RULE_NAME,
  costRules,
  nodeLabelsAllowlist,
} from '../../constructs/observability';
import { parsePlatformConfig } from '../../config/platform';
import { gpuHourPrice } from '../../stacks/cost/gpu-hour';
import { renderManifests } from '../../stacks/manifests';
import { find } from '../support/manifests';
import { alertOf, comparedTo, dashboardsOf, envs, modelCases, panelOf, promqlProblems, rulesOf, thresholdsOf } from './support';

describe('kube-state-metrics node labels', () => {
  it('names labels as kube-state-metrics does: invalid characters to _, camelCase to snake_case', () => {
    expect(kubeNodeLabel('eks.amazonaws.com/capacityType')).toBe('label_eks_amazonaws_com_capacity_type');
    expect(kubeNodeLabel('llm-platform.io/node-pool')).toBe('label_llm_platform_io_node_pool');
    expect(kubeNodeLabel('node.kubernetes.io/instance-type')).toBe('label_node_kubernetes_io_instance_type');
  });

  it('allow-lists exactly the node labels the cost rules read', () => {
    expect(nodeLabelsAllowlist()).toBe(`nodes=[${CAPACITY_TYPE_LABEL},${GPU_NODE_LABEL.key}]`);
  });
});

describe('cost rules', () => {
  it('price GPUs at SPOT and add the on-demand premium for pods on ON_DEMAND nodes', () => {
    const rules = costRules('ns', { spotUsdPerHour: 0.2104, onDemandUsdPerHour: 0.526, capacityType: 'SPOT' });
    expect(rules.map((r) => r.record)).toEqual(Object.values(COST_RECORDED));
    const cost = rules.find((r) => r.record === COST_RECORDED.gpuCostPerHour)!.expr;
    expect(cost).toBe('llm:gpus:count{namespace="ns"} * 0.2104 + llm:gpus_on_demand:count{namespace="ns"} * 0.3156');
    const onDemand = rules.find((r) => r.record === COST_RECORDED.onDemandGpus)!.expr;
    expect(onDemand).toContain('label_eks_amazonaws_com_capacity_type="ON_DEMAND"');
    expect(onDemand).toContain('label_llm_platform_io_node_pool="gpu"');
    expect(onDemand).toMatch(/ or llm:gpus:count\{namespace="ns"\} \* 0$/);
    expect(rules.find((r) => r.record === COST_RECORDED.costPer1MGenerated)!.expr).toBe(
      'llm:gpu_cost_usd_per_hour:sum{namespace="ns"} / (llm:generation_tokens:rate5m{namespace="ns"} * 3600 > 0) * 1000000',
    );
    for (const r of rules) expect(promqlProblems(r.expr), r.record).toEqual([]);
  });

  it('price every GPU on demand when the groups are on demand', () => {
    const rules = costRules('ns', { spotUsdPerHour: 0.2104, onDemandUsdPerHour: 0.526, capacityType: 'ON_DEMAND' });
    expect(rules.find((r) => r.record === COST_RECORDED.gpuCostPerHour)!.expr).toBe(
      'llm:gpus:count{namespace="ns"} * 0.526 + llm:gpus_on_demand:count{namespace="ns"} * 0',
    );
  });

  it('take the GPU-hour price of the most expensive type of a mixed list, per GPU', () => {
    const settings = { gpuNodes: { instanceTypes: ['g4dn.xlarge', 'g4dn.2xlarge'] }, pricing: { spotDiscount: 0.5 } };
    const c = parsePlatformConfig(settings, 'test', 'test');
    expect(gpuHourPrice(c)).toEqual({ spotUsdPerHour: 0.376, onDemandUsdPerHour: 0.752, capacityType: 'SPOT' });
  });
});

describe.each(envs)('%s environment', (_env, c) => {
  const objs = renderManifests(c);
  // A mixed list is priced at its most expensive type (the stack files list two g4dn sizes).
  const { spotUsdPerHour: spot, onDemandUsdPerHour: onDemand } = gpuHourPrice(c);
  const ns = c.workloads.namespace;

  it('records GPUs, spend and $ per 1M tokens in the environment rule, at the prices of facts/prices.ts', () => {
    const rule = find(objs, 'PrometheusRule', PLATFORM_RULE_NAME);
    const cost = rulesOf(rule as any).filter((r) => r.group === `${PLATFORM_RULE_NAME}.cost`);
    expect(cost.map((r) => r.record)).toEqual(Object.values(COST_RECORDED));
    const spend = cost.find((r) => r.record === COST_RECORDED.gpuCostPerHour)!.expr;
    expect(comparedTo(spend)).toEqual([]);
    expect(spend).toContain(`* ${Number(spot.toPrecision(12))} +`);
    expect(spend).toContain(`* ${Number((onDemand - spot).toPrecision(12))}`);
  });

  it('ships the cost dashboard: $ per token against the bound, spend, capacity types, utilization, idle GPUs', () => {
    const d = dashboardsOf(objs).find((x) => x.dashboard.uid === COST_DASHBOARD_UID)!.dashboard;
    const rows = d.panels.filter((p) => p.type === 'row').map((p) => p.title);
    expect(rows).toEqual(['Cost per token', 'Capacity type', 'Utilization against cost']);
    expect(thresholdsOf(panelOf(d, 'Cost per 1M generated tokens'))).toEqual([c.slo.maxCostPer1MTokens]);
    expect(panelOf(d, 'Cost per 1M generated tokens').targets![0]!.expr).toBe(`${COST_RECORDED.costPer1MGenerated}{namespace="${ns}"}`);
    expect(panelOf(d, 'GPU nodes by capacity type').targets![0]!.expr).toBe(
      'count by (label_eks_amazonaws_com_capacity_type) (kube_node_labels{label_llm_platform_io_node_pool="gpu"})',
    );
    expect(panelOf(d, 'Idle GPUs').targets![0]!.expr).toContain(`< ${IDLE_GPU_UTILIZATION_PERCENT})`);
    expect(panelOf(d, 'Idle GPU spend, last 24 h').targets![0]!.expr).toMatch(/^sum_over_time\(.*\[24h:5m\]\) \/ 12 \* [0-9.]+$/);
    expect((panelOf(d, 'GPU spend now') as any).description).toContain(`$${Number(spot.toPrecision(12))} SPOT`);
    for (const title of [
      'GPU utilization by model',
      'Cost of a busy GPU-hour by model',
      'GPU spend by model',
      'On-demand share of GPU nodes',
    ]) {
      expect(panelOf(d, title).targets!.length, title).toBeGreaterThan(0);
    }
  });
});

describe.each(modelCases)('%s cost alert', (_name, c, m) => {
  const a = alertOf(renderManifests(c), m.name, 'VllmTokenCostHigh');

  it("fires when the model's generated tokens cost more than slo.maxCostPer1MTokens for an hour", () => {
    expect(comparedTo(a.expr)).toEqual([m.slo.maxCostPer1MTokens]);
    expect(a.expr).toContain(`${COST_RECORDED.costPer1MGenerated}{namespace="${c.workloads.namespace}",model_name="${m.name}"}`);
    expect(a.for).toBe(COST_ALERT_FOR);
    expect(a.labels).toMatchObject({ severity: 'warning', model_name: m.name, environment: c.environment });
    expect(a.annotations?.runbook_url).toBe(`${c.observability.runbookBaseUrl}/VllmTokenCostHigh.md`);
  });
});

describe('cost bound across config layers', () => {
  it("takes a model's own bound over the environment's, and the default of $1 otherwise", () => {
    const c = parsePlatformConfig({ slo: { maxCostPer1MTokens: 2 }, models: { fp16: { slo: { maxCostPer1MTokens: 6 } } } }, 'test', 'test');
    expect(parsePlatformConfig({}, 'test', 'test').slo.maxCostPer1MTokens).toBe(1);
    const objs = renderManifests(c);
    expect(comparedTo(alertOf(objs, 'mistral-7b-fp16', 'VllmTokenCostHigh').expr)).toEqual([6]);
    expect(comparedTo(alertOf(objs, 'mistral-7b-awq', 'VllmTokenCostHigh').expr)).toEqual([2]);
  });
});
