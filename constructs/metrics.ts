/**
 * The vLLM metrics catalog: the one place that names the Prometheus series vLLM exports.
 *
 * KEDA triggers, alert rules, dashboards, the bench smoke check and the simulator all read
 * names from here, so a rename in vLLM is one change. Names follow the vLLM V1 engine
 * (`vllm:` prefix, `model_name` label); histograms are listed by their base name and get
 * `_bucket`/`_sum`/`_count` from {@link series}.
 *
 * This module is plain data with no cdk8s or Pulumi imports: the bench runs it at run time.
 */

/** Prometheus metric types used by vLLM. */
export type MetricType = 'counter' | 'gauge' | 'histogram';

/** One series family exported by vLLM. */
export interface MetricSpec {
  /** Full exposition name (counters include `_total`). */
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  /** Label names besides `model_name` and `engine` that vLLM attaches. */
  readonly labels?: readonly string[];
  /** Unit of the sample value, for dashboards and alert text. */
  readonly unit: 'requests' | 'ratio' | 'seconds' | 'tokens' | 'count';
}

/** The label vLLM puts the served model name in. */
export const MODEL_LABEL = 'model_name';

/** Every vLLM series the platform depends on, keyed by a stable camelCase id. */
export const VLLM_METRICS = {
  requestsRunning: {
    name: 'vllm:num_requests_running',
    type: 'gauge',
    unit: 'requests',
    help: 'Requests currently in the running batch',
  },
  requestsWaiting: {
    name: 'vllm:num_requests_waiting',
    type: 'gauge',
    unit: 'requests',
    help: 'Requests queued and waiting for a batch slot',
  },
  kvCacheUsage: {
    name: 'vllm:kv_cache_usage_perc',
    type: 'gauge',
    unit: 'ratio',
    help: 'Fraction of KV-cache blocks in use (0..1); named gpu_cache_usage_perc before V1',
  },
  preemptions: {
    name: 'vllm:num_preemptions_total',
    type: 'counter',
    unit: 'count',
    help: 'Requests preempted because the KV cache ran out',
  },
  promptTokens: {
    name: 'vllm:prompt_tokens_total',
    type: 'counter',
    unit: 'tokens',
    help: 'Prefill tokens processed',
  },
  generationTokens: {
    name: 'vllm:generation_tokens_total',
    type: 'counter',
    unit: 'tokens',
    help: 'Tokens generated',
  },
  requestSuccess: {
    name: 'vllm:request_success_total',
    type: 'counter',
    unit: 'requests',
    labels: ['finished_reason'],
    help: 'Finished requests by reason (stop, length, abort)',
  },
  timeToFirstToken: {
    name: 'vllm:time_to_first_token_seconds',
    type: 'histogram',
    unit: 'seconds',
    help: 'Time from request arrival to the first generated token',
  },
  interTokenLatency: {
    name: 'vllm:inter_token_latency_seconds',
    type: 'histogram',
    unit: 'seconds',
    help: 'Gap between successive generated tokens',
  },
  e2eRequestLatency: {
    name: 'vllm:e2e_request_latency_seconds',
    type: 'histogram',
    unit: 'seconds',
    help: 'Request arrival to last token',
  },
  requestQueueTime: {
    name: 'vllm:request_queue_time_seconds',
    type: 'histogram',
    unit: 'seconds',
    help: 'Time a request spent waiting before its first schedule',
  },
  prefixCacheQueries: {
    name: 'vllm:prefix_cache_queries_total',
    type: 'counter',
    unit: 'tokens',
    help: 'Tokens looked up in the prefix cache',
  },
  prefixCacheHits: {
    name: 'vllm:prefix_cache_hits_total',
    type: 'counter',
    unit: 'tokens',
    help: 'Tokens found in the prefix cache',
  },
} as const satisfies Record<string, MetricSpec>;

export type VllmMetricId = keyof typeof VLLM_METRICS;

/** The series a Prometheus scrape exposes for one metric family. */
export function series(id: VllmMetricId): string[] {
  const m: MetricSpec = VLLM_METRICS[id];
  return m.type === 'histogram' ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name];
}

/** Every exposition series name in the catalog (histograms expanded). */
export function allSeriesNames(): string[] {
  return (Object.keys(VLLM_METRICS) as VllmMetricId[]).flatMap(series);
}

/** Label matchers that pick one model's series, e.g. `{namespace="llm-baseline",model_name="mistral-7b-awq"}`. */
export interface ModelSelector {
  readonly namespace: string;
  readonly modelName: string;
}

function quoteLabel(value: string): string {
  return JSON.stringify(value);
}

/** `{namespace="…",model_name="…"}` for one model. */
export function matchers(sel: ModelSelector): string {
  return `{namespace=${quoteLabel(sel.namespace)},${MODEL_LABEL}=${quoteLabel(sel.modelName)}}`;
}

/** PromQL building blocks, all from catalog names, shared by KEDA, alerts and dashboards. */
export const promql = {
  /** Sum of a gauge or counter family over the model's pods. */
  sum(id: VllmMetricId, sel: ModelSelector): string {
    return `sum(${VLLM_METRICS[id].name}${matchers(sel)})`;
  },
  /** Highest value of a gauge across the model's pods. */
  max(id: VllmMetricId, sel: ModelSelector): string {
    return `max(${VLLM_METRICS[id].name}${matchers(sel)})`;
  },
  /** Per-second rate of a counter, summed over pods. */
  rate(id: VllmMetricId, sel: ModelSelector, window: string): string {
    return `sum(rate(${VLLM_METRICS[id].name}${matchers(sel)}[${window}]))`;
  },
  /** A quantile of a histogram family over all of the model's pods. */
  quantile(id: VllmMetricId, q: number, sel: ModelSelector, window: string): string {
    const m: MetricSpec = VLLM_METRICS[id];
    if (m.type !== 'histogram') throw new Error(`promql.quantile ${id} is a ${m.type}, not a histogram`);
    return `histogram_quantile(${q}, sum by (le) (rate(${m.name}_bucket${matchers(sel)}[${window}])))`;
  },
};
