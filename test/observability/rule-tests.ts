/**
 * `promtool test rules` unit tests generated from one environment's synthesized PrometheusRules.
 *
 * Input series carry the names, labels and buckets that vLLM 0.18 (facts/vllm), dcgm-exporter and
 * kube-state-metrics export, with the target labels the ServiceMonitors add (namespace, pod, job,
 * instance…). Every model of the environment runs healthy; one scenario per alert trips it for one
 * model (or, for the GPU alerts, for the cluster). Each scenario checks that the alert is silent a
 * minute before its `for:` has passed since the data turned, and then fires with exactly the
 * expected labels and annotations (the value rendered as the template formats it, the budget, the
 * runbook link) for that model alone: every other model's rule with the same name stays silent. A
 * last test checks that nothing fires on healthy data.
 */
import { stringify } from 'yaml';
import { DCGM_GPU_LABELS, DCGM_METRICS, KUBE_STATE_METRICS, VLLM_HTTP_METRICS, VLLM_METRICS } from '../../constructs/metrics';
import { CURRENT_VLLM, bucketBounds, familyOfSeries } from '../../facts/vllm';
import type { PlatformConfig } from '../../config/platform';
import type { KubernetesObject } from '../../stacks/manifests';
import { ofKind } from '../support/manifests';
import { rulesOf, type Rule } from './support';

/** Minutes of input of the healthy test: past the longest `for:` (the cost alert's 1 h) and its margins. */
const HEALTHY_SPAN_MIN = 75;
/** Total GPU memory of a T4 as DCGM reports it (used + free), MiB. */
const GPU_MEMORY_MIB = 15360;

/** The rule groups of an environment as the operator loads them: every PrometheusRule, all together. */
export function environmentRuleGroups(objs: readonly KubernetesObject[]): { name: string; rules: Rule[] }[] {
  return ofKind(objs, 'PrometheusRule').flatMap((o) => ((o as any).spec as { groups: { name: string; rules: Rule[] }[] }).groups);
}

/** `name{a="b",…}` as promtool's input_series wants it. */
function seriesName(name: string, labels: Record<string, string>): string {
  const inner = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
  return `${name}{${inner}}`;
}

/** prometheus_client's `le` text: floats keep a `.0`. */
function le(b: number): string {
  return Number.isInteger(b) ? `${b}.0` : String(b);
}

/** What a scenario changes about one model's pods; everything else stays healthy. */
interface ModelKnobs {
  /** Bucket index (into the family's bounds) every TTFT observation falls in. */
  ttftBucket: number;
  itlBucket: number;
  running: boolean;
  waiting: number;
  kvCache: number;
  preemptionsPerMin: number;
  /** Requests finished by the engine per minute, by finished_reason. */
  finished: { stop: number; length: number; abort: number };
  /** OpenAI chat requests answered 2xx per minute, and 5xx. */
  http2xxPerMin: number;
  http5xxPerMin: number;
  generationTokensPerMin: number;
  gpuMemoryUsedMib: number;
  activeAvailable: number;
  standbyAvailable: number;
  /** Minute at which the serving container restarts once. */
  restartAt?: number;
  /** A pod of the model stuck in Pending. */
  pending: boolean;
}

interface ModelFacts {
  name: string;
  namespace: string;
  active: string;
  standby?: { deployment: string; replicas: number };
  /** One serving pod per Deployment. */
  pods: { pod: string; deployment: string; node: string; ip: string }[];
  podRegex: RegExp;
  alerts: Rule[];
}

interface Scenario {
  /** The test's name in promtool's output. */
  name: string;
  alert: string;
  /** The rule that must fire (its labels and annotations are what fires). */
  rule: Rule;
  /** Minute the data turned bad and the alert's expression first holds. */
  onsetMin: number;
  /** Labels the expression's result carries (before the rule's own). */
  resultLabels: Record<string, string>;
  /** `$value` as the alert sees it; undefined where the description does not print it. */
  value?: number;
  /** The healthy knobs it changes for `model`, or a change to the cluster. */
  model?: string;
  knobs?: Partial<ModelKnobs>;
  cluster?: { xidAt?: number; noGpuUtilization?: boolean };
}

function bounds(series: string): number[] {
  const f = familyOfSeries(CURRENT_VLLM, `${series}_bucket`);
  if (!f?.buckets) throw new Error(`facts/vllm has no buckets for ${series}`);
  return bucketBounds(f.buckets, 4096);
}

/** Index of the last bucket whose upper bound is within `limit`, at least the first. */
function bucketWithin(b: number[], limit: number): number {
  const i = b.findIndex((x) => x > limit);
  return Math.max(0, (i === -1 ? b.length : i) - 1);
}

/** Index of the first bucket whose lower bound is at or above `limit`: every observation over it. */
function bucketAbove(b: number[], limit: number): number {
  const i = b.findIndex((_x, j) => j > 0 && b[j - 1]! >= limit);
  if (i === -1) throw new Error(`no bucket lies above ${limit}`);
  return i;
}

/** histogram_quantile(0.95) when every observation falls in bucket `i`. */
function p95Of(b: number[], i: number): number {
  const lo = i === 0 ? 0 : b[i - 1]!;
  return lo + (b[i]! - lo) * 0.95;
}

/** A ratio that trips `bound`: a half, or nine in ten when the bound is at or above a half. */
function trippingShare(bound: number): number {
  if (bound < 0.5) return 0.5;
  if (bound < 0.9) return 0.9;
  throw new Error(`a ratio bound of ${bound} leaves no room to trip it`);
}

const TTFT = VLLM_METRICS.timeToFirstToken.name;
const ITL = VLLM_METRICS.interTokenLatency.name;

/** Requests per minute per pod, finished by the engine: the healthy traffic. */
const REQUESTS_PER_MIN = 660;

class EnvironmentFixture {
  readonly models: ModelFacts[];
  readonly healthy = new Map<string, ModelKnobs>();
  readonly namespace: string;
  /** USD per GPU-hour the cost rules charge a GPU of unknown capacity type. */
  readonly gpuHourUsd: number;

  constructor(
    readonly c: PlatformConfig,
    readonly objs: readonly KubernetesObject[],
  ) {
    this.namespace = c.workloads.namespace;
    const rules = ofKind(objs, 'PrometheusRule');
    const costRule = rules.flatMap(rulesOf).find((r) => r.record === 'llm:gpu_cost_usd_per_hour:sum');
    const price = /llm:gpus:count\{[^}]*\} \* ([0-9.]+) \+/.exec(costRule?.expr ?? '');
    if (!price) throw new Error(`cannot read the GPU-hour price from ${costRule?.expr}`);
    this.gpuHourUsd = Number(price[1]);
    this.models = c.enabledModels.map((m, mi) => {
      const rule = rules.find((r) => r.metadata.name === m.name);
      if (!rule) throw new Error(`no PrometheusRule ${m.name}`);
      const alerts = rulesOf(rule).filter((r) => r.alert);
      const deploymentOf = (alert: string) => /deployment="([^"]+)"/.exec(alerts.find((a) => a.alert === alert)?.expr ?? '')?.[1];
      const active = deploymentOf('VllmNoReadyPods');
      if (!active) throw new Error(`${m.name}: no VllmNoReadyPods alert naming its Deployment`);
      const standbyRule = alerts.find((a) => a.alert === 'VllmStandbyNotWarm');
      const standby = standbyRule
        ? { deployment: deploymentOf('VllmStandbyNotWarm')!, replicas: Number(/< (\d+)$/.exec(standbyRule.expr)![1]) }
        : undefined;
      const regex = /pod=~"([^"]+)"/.exec(alerts.find((a) => a.alert === 'VllmPodRestarting')!.expr)![1]!;
      const deployments = [active, ...(standby ? [standby.deployment] : [])];
      const pods = deployments.map((d, di) => ({
        pod: `${d}-7d9f8c6b5-x${mi}k${di}q`,
        deployment: d,
        node: `ip-10-0-${mi}-${di + 10}.ec2.internal`,
        ip: `10.0.${mi}.${di + 20}`,
      }));
      return { name: m.name, namespace: this.namespace, active, standby, pods, podRegex: new RegExp(`^(?:${regex})$`), alerts };
    });
    for (const m of this.models) {
      const slo = this.c.enabledModels.find((x) => x.name === m.name)!.slo;
      const hourly = this.gpuHourUsd * m.pods.length;
      // Tokens per minute at which the GPUs cost a quarter of the bound (1000 tokens/s at least).
      const maxCost = slo.maxCostPer1MTokens ?? Infinity;
      const healthyTokens = Math.max(60_000, Math.ceil((hourly * 1e6 * 60 * 4) / (3600 * maxCost)));
      this.healthy.set(m.name, {
        ttftBucket: bucketWithin(bounds(TTFT), slo.ttftP95Ms / 1000 / 2),
        itlBucket: bucketWithin(bounds(ITL), slo.itlP95Ms / 1000 / 2),
        running: true,
        waiting: 0,
        kvCache: 0.3,
        preemptionsPerMin: 0,
        finished: { stop: REQUESTS_PER_MIN - 60, length: 60, abort: 0 },
        http2xxPerMin: REQUESTS_PER_MIN,
        http5xxPerMin: 0,
        generationTokensPerMin: healthyTokens,
        gpuMemoryUsedMib: Math.round(GPU_MEMORY_MIB * this.c.enabledModels.find((x) => x.name === m.name)!.gpuMemoryUtilization),
        activeAvailable: 1,
        standbyAvailable: m.standby?.replicas ?? 0,
        pending: false,
      });
    }
  }

  /** Every input series for the models' knobs and the cluster's state. */
  inputSeries(
    spanMin: number,
    knobsOf: (m: string) => ModelKnobs,
    cluster: Scenario['cluster'] = {},
  ): { series: string; values: string }[] {
    const out: { series: string; values: string }[] = [];
    // A counter from `start` growing by `perMin` a minute, a gauge holding `v`, and a step from `before` to `after` at minute `at`.
    const counter = (perMin: number, start = 1000) => `${start}+${perMin}x${spanMin}`;
    const gauge = (v: number) => `${v}x${spanMin}`;
    const stepAt = (at: number, before: number, after: number) => `${before}x${at - 1} ${after}x${spanMin - at}`;
    const add = (name: string, labels: Record<string, string>, values: string) => out.push({ series: seriesName(name, labels), values });
    const ksm = { job: 'kube-state-metrics', namespace: this.namespace };
    const { node: nodeLabel, gpu: gpuLabel } = DCGM_GPU_LABELS;
    for (const m of this.models) {
      const k = knobsOf(m.name);
      m.pods.forEach((p, pi) => {
        // What the ServiceMonitor's relabelling sets on every series scraped from the pod.
        const target = {
          namespace: m.namespace,
          pod: p.pod,
          container: 'vllm',
          service: m.name,
          endpoint: 'http',
          job: m.name,
          instance: `${p.ip}:8000`,
        };
        const v = { ...target, model_name: m.name, engine: '0' };
        // The first pod carries the model's load; the standby track idles.
        const share = pi === 0 ? 1 : 0;
        if (k.running) add(VLLM_METRICS.requestsRunning.name, v, gauge(4 * share));
        add(VLLM_METRICS.requestsWaiting.name, v, gauge(k.waiting * share));
        add(VLLM_METRICS.kvCacheUsage.name, v, gauge(pi === 0 ? k.kvCache : 0));
        add(VLLM_METRICS.preemptions.name, v, counter(k.preemptionsPerMin * share));
        add(VLLM_METRICS.promptTokens.name, v, counter(30_000 * share));
        add(VLLM_METRICS.generationTokens.name, v, counter(k.generationTokensPerMin * share));
        const finished = { ...k.finished, error: 0, repetition: 0 } as Record<string, number>;
        for (const reason of familyOfSeries(CURRENT_VLLM, VLLM_METRICS.requestSuccess.name)!.labelValues!.finished_reason!) {
          add(VLLM_METRICS.requestSuccess.name, { ...v, finished_reason: reason }, counter((finished[reason] ?? 0) * share));
        }
        const requests = (k.finished.stop + k.finished.length + k.finished.abort) * share;
        const histogram = (name: string, bucket: number) => {
          const b = bounds(name);
          for (const [i, x] of b.entries()) add(`${name}_bucket`, { ...v, le: le(x) }, counter(i >= bucket ? requests : 0));
          add(`${name}_bucket`, { ...v, le: '+Inf' }, counter(requests));
          add(`${name}_count`, v, counter(requests));
          add(`${name}_sum`, v, counter(requests * p95Of(b, bucket)));
        };
        histogram(TTFT, k.ttftBucket);
        histogram(ITL, k.itlBucket);
        // TPOT and end-to-end latency feed dashboards only; the end-to-end test evaluates them.
        const http = { ...target, handler: '/v1/chat/completions', method: 'POST' };
        add(VLLM_HTTP_METRICS.httpRequests.name, { ...http, status: '2xx' }, counter(k.http2xxPerMin * share));
        if (k.http5xxPerMin > 0) add(VLLM_HTTP_METRICS.httpRequests.name, { ...http, status: '5xx' }, counter(k.http5xxPerMin * share));
        add(VLLM_HTTP_METRICS.httpRequests.name, { ...http, handler: '/health', method: 'GET', status: '2xx' }, counter(4));

        // dcgm-exporter with honorLabels: the pod that holds the GPU, not the exporter's.
        const gpu = {
          [gpuLabel]: '0',
          UUID: `GPU-${m.name}-${pi}`,
          device: 'nvidia0',
          modelName: 'Tesla T4',
          [nodeLabel]: p.node,
          DCGM_FI_DRIVER_VERSION: '570.172.08',
          namespace: m.namespace,
          pod: p.pod,
          container: 'vllm',
          job: 'dcgm-exporter',
          instance: `${p.node}:9400`,
        };
        if (!cluster.noGpuUtilization) add(DCGM_METRICS.gpuUtilization.name, gpu, gauge(60 * share));
        add(DCGM_METRICS.memoryUsed.name, gpu, gauge(k.gpuMemoryUsedMib));
        add(DCGM_METRICS.memoryFree.name, gpu, gauge(GPU_MEMORY_MIB - k.gpuMemoryUsedMib));
        add(DCGM_METRICS.powerUsage.name, gpu, gauge(pi === 0 ? 65 : 30));
        add(DCGM_METRICS.totalEnergy.name, gpu, counter(pi === 0 ? 3_900_000 : 1_800_000));
        const xid = cluster.xidAt !== undefined && m === this.models[0] && pi === 0;
        add(DCGM_METRICS.xidErrors.name, gpu, xid ? stepAt(cluster.xidAt!, 0, 79) : gauge(0));

        add(
          KUBE_STATE_METRICS.podRestarts.name,
          { ...ksm, pod: p.pod, container: 'vllm', uid: `uid-${p.pod}` },
          pi === 0 && k.restartAt !== undefined ? stepAt(k.restartAt, 0, 1) : gauge(0),
        );
        for (const phase of ['Pending', 'Running'])
          add(KUBE_STATE_METRICS.podPhase.name, { ...ksm, pod: p.pod, uid: `uid-${p.pod}`, phase }, gauge(phase === 'Running' ? 1 : 0));
      });
      if (k.pending) {
        const pod = `${m.active}-7d9f8c6b5-pend1`;
        if (!m.podRegex.test(pod)) throw new Error(`${pod} does not match the pod pattern ${m.podRegex}`);
        for (const phase of ['Pending', 'Running'])
          add(KUBE_STATE_METRICS.podPhase.name, { ...ksm, pod, uid: `uid-${pod}`, phase }, gauge(phase === 'Pending' ? 1 : 0));
      }
      add(KUBE_STATE_METRICS.deploymentReplicasAvailable.name, { ...ksm, deployment: m.active }, gauge(k.activeAvailable));
      if (m.standby)
        add(KUBE_STATE_METRICS.deploymentReplicasAvailable.name, { ...ksm, deployment: m.standby.deployment }, gauge(k.standbyAvailable));
    }
    for (const m of this.models)
      for (const p of m.pods) if (!m.podRegex.test(p.pod)) throw new Error(`${p.pod} does not match ${m.podRegex}`);
    return out;
  }

  /** One scenario per alert of every model, and per GPU alert of the environment. */
  scenarios(): Scenario[] {
    const out: Scenario[] = [];
    for (const m of this.models) {
      const slo = this.c.enabledModels.find((x) => x.name === m.name)!.slo;
      const h = this.healthy.get(m.name)!;
      const rec = { namespace: m.namespace, model_name: m.name };
      for (const rule of m.alerts) {
        const s = (
          onsetMin: number,
          knobs: Partial<ModelKnobs>,
          value: number | undefined,
          resultLabels: Record<string, string> = rec,
        ): Scenario => ({
          name: `${m.name} ${rule.alert}`,
          alert: rule.alert!,
          rule,
          onsetMin,
          resultLabels,
          value,
          model: m.name,
          knobs,
        });
        const bad = (ratio: number, base: number) => Math.round((base * ratio) / (1 - ratio));
        switch (rule.alert) {
          case 'VllmTimeToFirstTokenHigh': {
            const i = bucketAbove(bounds(TTFT), slo.ttftP95Ms / 1000);
            out.push(s(1, { ttftBucket: i }, p95Of(bounds(TTFT), i)));
            break;
          }
          case 'VllmInterTokenLatencyHigh': {
            const i = bucketAbove(bounds(ITL), slo.itlP95Ms / 1000);
            out.push(s(1, { itlBucket: i }, p95Of(bounds(ITL), i)));
            break;
          }
          case 'VllmErrorBudgetFastBurn':
          case 'VllmErrorRatioHigh': {
            const bound = rule.alert === 'VllmErrorRatioHigh' ? slo.errorRatio : slo.errorRatio * 14.4;
            const share = trippingShare(bound);
            const errors = bad(share, h.http2xxPerMin);
            out.push(s(1, { http5xxPerMin: errors }, errors / (errors + h.http2xxPerMin)));
            break;
          }
          case 'VllmQueueDepthHigh':
            out.push(s(0, { waiting: slo.queueDepth + 5 }, slo.queueDepth + 5));
            break;
          case 'VllmKvCacheNearlyFull': {
            const kv = Number(((slo.kvCacheUsage + 1) / 2).toFixed(4));
            out.push(s(0, { kvCache: kv }, kv));
            break;
          }
          case 'VllmPreemptions':
            out.push(s(1, { preemptionsPerMin: 60 }, 1));
            break;
          case 'VllmRequestsAborted': {
            const done = h.finished.stop + h.finished.length;
            const abort = bad(trippingShare(slo.abortRatio), done);
            out.push(s(1, { finished: { ...h.finished, abort }, http2xxPerMin: done + abort }, abort / (done + abort)));
            break;
          }
          case 'VllmRequestsCancelled': {
            const finished = h.finished.stop + h.finished.length;
            const answered = Math.round(finished / (1 - trippingShare(slo.abortRatio)));
            out.push(s(1, { http2xxPerMin: answered }, 1 - finished / answered));
            break;
          }
          case 'VllmNoReadyPods':
            out.push(s(0, { activeAvailable: 0 }, 0, { job: 'kube-state-metrics', namespace: m.namespace, deployment: m.active }));
            break;
          case 'VllmStandbyNotWarm':
            out.push(
              s(0, { standbyAvailable: m.standby!.replicas - 1 }, m.standby!.replicas - 1, {
                job: 'kube-state-metrics',
                namespace: m.namespace,
                deployment: m.standby!.deployment,
              }),
            );
            break;
          case 'VllmMetricsAbsent':
            out.push(s(0, { running: false }, 1, rec));
            break;
          case 'VllmPodRestarting': {
            const pod = m.pods[0]!.pod;
            out.push(
              s(6, { restartAt: 6 }, 1, { job: 'kube-state-metrics', namespace: m.namespace, pod, container: 'vllm', uid: `uid-${pod}` }),
            );
            break;
          }
          case 'VllmPodsPending':
            out.push(s(0, { pending: true }, 1, { namespace: m.namespace }));
            break;
          case 'VllmGpuMemoryNearlyFull': {
            const used = GPU_MEMORY_MIB - 10;
            out.push(s(0, { gpuMemoryUsedMib: used }, used / GPU_MEMORY_MIB));
            break;
          }
          case 'VllmTokenCostHigh': {
            const hourly = this.gpuHourUsd * m.pods.length;
            const tokensPerMin = Math.floor((hourly * 1e6 * 60) / (3600 * 2 * slo.maxCostPer1MTokens));
            if (tokensPerMin < 1) throw new Error(`${m.name}: the cost bound is too high to trip with whole tokens`);
            out.push(s(1, { generationTokensPerMin: tokensPerMin }, (hourly / ((tokensPerMin / 60) * 3600)) * 1e6));
            break;
          }
          default:
            throw new Error(`no scenario trips ${m.name} ${rule.alert}: add one to test/observability/rule-tests.ts`);
        }
      }
    }
    const platform = ofKind(this.objs, 'PrometheusRule')
      .flatMap(rulesOf)
      .filter((r) => r.alert && r.labels?.model_name === undefined);
    for (const rule of platform) {
      if (rule.alert === 'GpuXidError') {
        const p = this.models[0]!.pods[0]!;
        out.push({
          name: `cluster ${rule.alert}`,
          alert: rule.alert,
          rule,
          onsetMin: 5,
          resultLabels: { Hostname: p.node, gpu: '0' },
          value: 79,
          cluster: { xidAt: 5 },
        });
      } else if (rule.alert === 'GpuMetricsAbsent') {
        out.push({
          name: `cluster ${rule.alert}`,
          alert: rule.alert,
          rule,
          onsetMin: 0,
          resultLabels: { namespace: this.namespace },
          cluster: { noGpuUtilization: true },
        });
      } else {
        throw new Error(`no scenario trips ${rule.alert}: add one to test/observability/rule-tests.ts`);
      }
    }
    return out;
  }
}

/** Go's `%.4g` for the magnitudes alert values take (no exponent form). */
function g4(v: number): string {
  return String(Number(v.toPrecision(4)));
}

/** Prometheus's humanizeDuration, for values under a minute. */
function humanizeDuration(v: number): string {
  if (v === 0) return '0s';
  if (Math.abs(v) >= 60) throw new Error(`humanizeDuration of ${v}: only values under a minute are rendered here`);
  if (Math.abs(v) >= 1) return `${g4(v)}s`;
  let x = v;
  let prefix = '';
  for (const p of ['m', 'u', 'n']) {
    if (Math.abs(x) >= 1) break;
    prefix = p;
    x *= 1000;
  }
  return `${g4(x)}${prefix}s`;
}

/** An annotation as Prometheus renders it for `value` and the alert's `labels`. */
export function renderTemplate(text: string, value: number | undefined, labels: Record<string, string>): string {
  return text.replace(/\{\{ ([^}]+) \}\}/g, (whole, inner: string) => {
    const label = /^\$labels\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(inner);
    if (label) return labels[label[1]!] ?? '';
    if (value === undefined) throw new Error(`${whole} needs a value, and the scenario gives none`);
    if (inner === '$value') return String(value);
    if (inner === '$value | humanizeDuration') return humanizeDuration(value);
    if (inner === '$value | humanizePercentage') return `${g4(value * 100)}%`;
    const printf = /^\$value \| printf "%\.(\d)f"$/.exec(inner);
    if (printf) return value.toFixed(Number(printf[1]));
    throw new Error(`cannot render ${whole}: teach renderTemplate in test/observability/rule-tests.ts`);
  });
}

/** Evaluation order: recording groups before the alerts that read them, as one Prometheus evaluation would settle. */
function groupOrder(groups: { name: string; rules: Rule[] }[]): string[] {
  const recording = groups.filter((g) => g.rules.some((r) => r.record)).map((g) => g.name);
  return [...recording, ...groups.map((g) => g.name).filter((n) => !recording.includes(n))];
}

function minutesOf(duration: string): number {
  const m = /^(\d+)([mh])$/.exec(duration);
  if (!m) throw new Error(`for: ${duration} is not in whole minutes or hours`);
  return Number(m[1]) * (m[2] === 'h' ? 60 : 1);
}

/** What the generator produced: the promtool test file and what it covers. */
export interface RuleTests {
  /** The unit-test file, for `promtool test rules`. */
  readonly yaml: string;
  /** `<model|cluster> <alert>` of every positive scenario. */
  readonly scenarios: readonly string[];
  /** Every alert name of the environment, checked silent on healthy data. */
  readonly alertNames: readonly string[];
}

/** The `promtool test rules` file for one environment, reading `rulesFile` (the environment's groups). */
export function generateRuleTests(c: PlatformConfig, objs: readonly KubernetesObject[], rulesFile: string): RuleTests {
  const f = new EnvironmentFixture(c, objs);
  const groups = environmentRuleGroups(objs);
  const alertNames = [...new Set(groups.flatMap((g) => g.rules.flatMap((r) => (r.alert ? [r.alert] : []))))].sort();
  const scenarios = f.scenarios();
  const tests = scenarios.map((sc) => {
    const holdMin = minutesOf(sc.rule.for!);
    const labels = { ...sc.resultLabels, ...sc.rule.labels };
    const annotations = Object.fromEntries(
      Object.entries(sc.rule.annotations ?? {}).map(([k, v]) => [k, renderTemplate(v, sc.value, labels)]),
    );
    const knobsOf = (m: string) => ({ ...f.healthy.get(m)!, ...(m === sc.model ? sc.knobs : {}) });
    const firesAt = sc.onsetMin + holdMin + 1;
    return {
      name: sc.name,
      interval: '1m',
      input_series: f.inputSeries(firesAt, knobsOf, sc.cluster),
      alert_rule_test: [
        { eval_time: `${sc.onsetMin + holdMin - 1}m`, alertname: sc.alert, exp_alerts: [] },
        { eval_time: `${firesAt}m`, alertname: sc.alert, exp_alerts: [{ exp_labels: labels, exp_annotations: annotations }] },
      ],
    };
  });
  tests.push({
    name: 'healthy: nothing fires',
    interval: '1m',
    input_series: f.inputSeries(HEALTHY_SPAN_MIN, (m) => f.healthy.get(m)!),
    alert_rule_test: alertNames.map((alertname) => ({ eval_time: `${HEALTHY_SPAN_MIN}m`, alertname, exp_alerts: [] })),
  });
  const doc = { rule_files: [rulesFile], evaluation_interval: '1m', group_eval_order: groupOrder(groups), tests };
  return { yaml: stringify(doc, { lineWidth: 0 }), scenarios: scenarios.map((s) => s.name), alertNames };
}
