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

/**
 * Upper bounds (`le`) of a histogram: a fixed list, or vLLM's 1-2-5 rule up to the model's
 * `max_model_len` (1, 2, 5, 10, 20, 50, … ≤ max_model_len), which token-count histograms use.
 */
export type HistogramBuckets =
  { readonly kind: 'fixed'; readonly bounds: readonly number[] } | { readonly kind: '1-2-5'; readonly upTo: 'maxModelLen' };

/** One series family exported by vLLM. */
export interface MetricSpec {
  /** Full exposition name (counters include `_total`). */
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  /** Label names besides `model_name` and `engine` that vLLM attaches. */
  readonly labels?: readonly string[];
  /** Unit of the sample value, for dashboards and alert text. */
  readonly unit: MetricUnit;
  /** Histogram bounds vLLM uses; thresholds and quantiles interpolate between them. */
  readonly buckets?: HistogramBuckets;
}

/** Units of catalog series; GPU units are DCGM's own (MiB, W, mJ, %). */
export type MetricUnit =
  | 'requests'
  | 'ratio'
  | 'seconds'
  | 'tokens'
  | 'count'
  | 'replicas'
  | 'percent'
  | 'mebibytes'
  | 'watts'
  | 'millijoules'
  | 'celsius'
  | 'code';

/** The label vLLM puts the served model name in. */
export const MODEL_LABEL = 'model_name';

/** vLLM's TTFT bounds (seconds). */
const TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640, 2560];
/** vLLM's ITL and TPOT bounds (seconds). */
const TOKEN_LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80];
/** vLLM's bounds for whole-request times: E2E, queue, inference, prefill and decode time (seconds). */
const REQUEST_LATENCY_BUCKETS = [0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680];

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
    help: 'Requests the engine finished, by reason; a client disconnect is not counted (see ABORTED_REASON)',
  },
  timeToFirstToken: {
    name: 'vllm:time_to_first_token_seconds',
    type: 'histogram',
    unit: 'seconds',
    help: 'Time from request arrival to the first generated token',
    buckets: { kind: 'fixed', bounds: TTFT_BUCKETS },
  },
  interTokenLatency: {
    name: 'vllm:inter_token_latency_seconds',
    type: 'histogram',
    unit: 'seconds',
    help: 'Gap between successive generated tokens',
    buckets: { kind: 'fixed', bounds: TOKEN_LATENCY_BUCKETS },
  },
  e2eRequestLatency: {
    name: 'vllm:e2e_request_latency_seconds',
    type: 'histogram',
    unit: 'seconds',
    help: 'Request arrival to last token',
    buckets: { kind: 'fixed', bounds: REQUEST_LATENCY_BUCKETS },
  },
  timePerOutputToken: {
    name: 'vllm:request_time_per_output_token_seconds',
    type: 'histogram',
    unit: 'seconds',
    help: 'TPOT per request: (last token - first token) / (output tokens - 1), one sample per finished request with 2+ tokens',
    buckets: { kind: 'fixed', bounds: TOKEN_LATENCY_BUCKETS },
  },
  requestPromptTokens: {
    name: 'vllm:request_prompt_tokens',
    type: 'histogram',
    unit: 'tokens',
    help: 'Prompt length of each finished request',
    buckets: { kind: '1-2-5', upTo: 'maxModelLen' },
  },
  requestGenerationTokens: {
    name: 'vllm:request_generation_tokens',
    type: 'histogram',
    unit: 'tokens',
    help: 'Output length of each finished request',
    buckets: { kind: '1-2-5', upTo: 'maxModelLen' },
  },
  requestQueueTime: {
    name: 'vllm:request_queue_time_seconds',
    type: 'histogram',
    unit: 'seconds',
    help: 'Time a request spent waiting before its first schedule',
    buckets: { kind: 'fixed', bounds: REQUEST_LATENCY_BUCKETS },
  },
  requestInferenceTime: {
    name: 'vllm:request_inference_time_seconds',
    type: 'histogram',
    unit: 'seconds',
    help: 'Time a request spent running: first schedule to last token (prefill + decode)',
    buckets: { kind: 'fixed', bounds: REQUEST_LATENCY_BUCKETS },
  },
  requestPrefillTime: {
    name: 'vllm:request_prefill_time_seconds',
    type: 'histogram',
    unit: 'seconds',
    help: 'Time a request spent in prefill: first schedule to first token',
    buckets: { kind: 'fixed', bounds: REQUEST_LATENCY_BUCKETS },
  },
  requestDecodeTime: {
    name: 'vllm:request_decode_time_seconds',
    type: 'histogram',
    unit: 'seconds',
    help: 'Time a request spent in decode: first token to last token',
    buckets: { kind: 'fixed', bounds: REQUEST_LATENCY_BUCKETS },
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

/**
 * The models a query covers: every model of a namespace, or one model of it. Recording rules
 * cover the namespace (each series recorded once, labelled by `model_name`); alerts, dashboards
 * and KEDA pick one model.
 */
export interface ModelScope {
  readonly namespace: string;
  /** @default - every model of the namespace */
  readonly modelName?: string;
}

/** Label matchers that pick one model's series, e.g. `{namespace="llm-baseline",model_name="mistral-7b-awq"}`. */
export interface ModelSelector extends ModelScope {
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

/**
 * HTTP series the vLLM API server exports through prometheus-fastapi-instrumentator. They carry
 * no `model_name`: join them to a model on the pod with {@link promql.onModelPods}. `status` is
 * the status class (`2xx`, `4xx`, `5xx`) and `handler` the route template (`/v1/completions`);
 * /health and /metrics are not counted.
 */
export const VLLM_HTTP_METRICS = {
  httpRequests: {
    name: 'http_requests_total',
    type: 'counter',
    unit: 'requests',
    labels: ['handler', 'method', 'status'],
    help: 'HTTP requests by route template, method and status class',
  },
} as const satisfies Record<string, MetricSpec>;

/** Route templates of the OpenAI API, the requests the error SLI counts. */
export const OPENAI_HANDLER_REGEX = '/v1/.+';
/** Route templates of the generation requests: each one answered 2xx should finish in the engine. */
export const GENERATION_HANDLER_REGEX = '/v1/(chat/)?completions';
/** The status class of answered requests. */
export const SUCCESS_STATUS = '2xx';
/**
 * The status class of server errors; vLLM answers an engine or request-level failure with a 500.
 * vLLM 0.18 also counts a 400 it raises while rendering a request (prompt or max_tokens past the
 * context) as 5xx: the instrumentator sees the exception before the 400 is written.
 */
export const SERVER_ERROR_STATUS = '5xx';

/** The label of `vllm:request_success_total` that says how the engine finished a request. */
export const FINISHED_REASON_LABEL = 'finished_reason';
/** Every `finished_reason` vLLM exports (each from the first scrape, at 0). */
export const FINISHED_REASONS = ['stop', 'length', 'abort', 'error', 'repetition'] as const;
export type FinishedReason = (typeof FINISHED_REASONS)[number];
/**
 * `finished_reason` of requests the engine aborted itself (SIGTERM with `--shutdown-timeout 0`,
 * a pause with abort). A client that disconnects or cancels is NOT counted: vLLM drops such a
 * request without recording any stats, so cancellations show only as OpenAI requests answered
 * 2xx that never finished in the engine (see {@link GENERATION_HANDLER_REGEX}).
 */
export const ABORTED_REASON = 'abort';

/** The bounds of a histogram for a model served with `maxModelLen` (1-2-5 rule: vLLM's `build_1_2_5_buckets`). */
export function histogramBounds(id: VllmMetricId, maxModelLen: number): number[] {
  const b = (VLLM_METRICS[id] as MetricSpec).buckets;
  if (b === undefined) throw new Error(`histogramBounds ${id} is not a histogram`);
  if (b.kind === 'fixed') return [...b.bounds];
  const out: number[] = [];
  for (let scale = 1; ; scale *= 10) {
    for (const m of [1, 2, 5]) {
      if (m * scale > maxModelLen) return out;
      out.push(m * scale);
    }
  }
}

/**
 * kube-state-metrics series (kube-prometheus-stack runs it), labelled with the object they
 * describe (`namespace`, `deployment`, `pod`, `horizontalpodautoscaler`).
 */
export const KUBE_STATE_METRICS = {
  deploymentReplicasAvailable: {
    name: 'kube_deployment_status_replicas_available',
    type: 'gauge',
    unit: 'replicas',
    labels: ['deployment'],
    help: 'Ready pods of a Deployment that have been ready for minReadySeconds',
  },
  deploymentReplicasDesired: {
    name: 'kube_deployment_spec_replicas',
    type: 'gauge',
    unit: 'replicas',
    labels: ['deployment'],
    help: 'Replicas a Deployment asks for (set by the HPA when KEDA scales it)',
  },
  podRestarts: {
    name: 'kube_pod_container_status_restarts_total',
    type: 'counter',
    unit: 'count',
    labels: ['pod', 'container'],
    help: 'Container restarts per pod',
  },
  podPhase: {
    name: 'kube_pod_status_phase',
    type: 'gauge',
    unit: 'count',
    labels: ['pod', 'phase'],
    help: '1 for the phase a pod is in (Pending covers scheduling and image pulls)',
  },
  hpaDesiredReplicas: {
    name: 'kube_horizontalpodautoscaler_status_desired_replicas',
    type: 'gauge',
    unit: 'replicas',
    labels: ['horizontalpodautoscaler'],
    help: 'Replicas the HPA (created by KEDA) last computed',
  },
  podInfo: {
    name: 'kube_pod_info',
    type: 'gauge',
    unit: 'count',
    labels: ['pod', 'node'],
    help: '1 per pod, labelled with the node it runs on',
  },
  nodeLabels: {
    name: 'kube_node_labels',
    type: 'gauge',
    unit: 'count',
    labels: ['node'],
    help: '1 per node, with each label allow-listed in kube-state-metrics --metric-labels-allowlist as label_<name> (kubeNodeLabel)',
  },
} as const satisfies Record<string, MetricSpec>;

/**
 * The label kube-state-metrics gives a Kubernetes label on `kube_node_labels`: `label_` and the
 * key with every character outside [a-zA-Z0-9_] made `_` and camelCase made snake_case, so
 * `eks.amazonaws.com/capacityType` is `label_eks_amazonaws_com_capacity_type`.
 */
export function kubeNodeLabel(key: string): string {
  return `label_${key
    .replace(/[^a-zA-Z0-9_]/g, '_')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()}`;
}

/**
 * NVIDIA DCGM exporter series, one per GPU (default counters of dcgm-exporter). With Kubernetes
 * pod mapping on, each carries the pod that holds the GPU in {@link DCGM_POD_LABELS}.
 */
export const DCGM_METRICS = {
  gpuUtilization: {
    name: 'DCGM_FI_DEV_GPU_UTIL',
    type: 'gauge',
    unit: 'percent',
    help: 'Share of time a kernel was running on the GPU (0-100)',
  },
  memoryCopyUtilization: {
    name: 'DCGM_FI_DEV_MEM_COPY_UTIL',
    type: 'gauge',
    unit: 'percent',
    help: 'Share of time GPU memory was being read or written (0-100); decode is bound by it',
  },
  memoryUsed: {
    name: 'DCGM_FI_DEV_FB_USED',
    type: 'gauge',
    unit: 'mebibytes',
    help: 'Framebuffer memory in use',
  },
  memoryFree: {
    name: 'DCGM_FI_DEV_FB_FREE',
    type: 'gauge',
    unit: 'mebibytes',
    help: 'Framebuffer memory free',
  },
  powerUsage: {
    name: 'DCGM_FI_DEV_POWER_USAGE',
    type: 'gauge',
    unit: 'watts',
    help: 'Board power draw',
  },
  totalEnergy: {
    name: 'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION',
    type: 'counter',
    unit: 'millijoules',
    help: 'Energy used since the driver loaded',
  },
  temperature: {
    name: 'DCGM_FI_DEV_GPU_TEMP',
    type: 'gauge',
    unit: 'celsius',
    help: 'GPU temperature',
  },
  xidErrors: {
    name: 'DCGM_FI_DEV_XID_ERRORS',
    type: 'gauge',
    unit: 'code',
    help: 'Code of the last XID error the driver reported (0: none); see NVIDIA XID catalog',
  },
} as const satisfies Record<string, MetricSpec>;

/**
 * Labels that tie a series to the pod it describes: Prometheus target labels for the vLLM and
 * HTTP series, dcgm-exporter's pod mapping for GPU series. The DCGM exporter's ServiceMonitor
 * must set `honorLabels: true`, or Prometheus renames the exporter's labels to `exported_pod` /
 * `exported_namespace` and the GPU series no longer join to model pods.
 */
export const POD_LABELS = { namespace: 'namespace', pod: 'pod' } as const;
/** The same contract, named for the DCGM side of the join. */
export const DCGM_POD_LABELS = POD_LABELS;
/** dcgm-exporter labels naming the node and the GPU index on it. */
export const DCGM_GPU_LABELS = { node: 'Hostname', gpu: 'gpu' } as const;

/** Every series name of every catalog (vLLM with histograms expanded, HTTP, kube-state-metrics, DCGM). */
export function catalogSeriesNames(): string[] {
  const specs: MetricSpec[] = [...Object.values(VLLM_HTTP_METRICS), ...Object.values(KUBE_STATE_METRICS), ...Object.values(DCGM_METRICS)];
  return [...allSeriesNames(), ...specs.map((m) => m.name)];
}

/** Label matchers: a string is an exact match (`=`), `{ regex }` a fully anchored one (`=~`). */
export type LabelMatchers = Readonly<Record<string, string | { readonly regex: string }>>;

/** `{a="x",b=~"y"}` from {@link LabelMatchers}; empty braces are left out. */
export function labelMatchers(m: LabelMatchers): string {
  const parts = Object.entries(m).map(([k, v]) => (typeof v === 'string' ? `${k}=${quoteLabel(v)}` : `${k}=~${quoteLabel(v.regex)}`));
  return parts.length ? `{${parts.join(',')}}` : '';
}

/** The matchers of one model's series, or of every model of the namespace when the scope names none. */
export function modelMatchers(sel: ModelScope, extra: LabelMatchers = {}): LabelMatchers {
  return { namespace: sel.namespace, ...(sel.modelName === undefined ? {} : { [MODEL_LABEL]: sel.modelName }), ...extra };
}

/** Escape a literal for use inside a PromQL (RE2) regex matcher. */
export function regexLiteral(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Pod names of Deployments: `<deployment>-<pod-template-hash>-<suffix>`, as one anchored regex.
 * Exactly two segments follow the name, so `m` never matches the pods of `m-blue`.
 */
export function deploymentPodRegex(deployments: readonly string[]): string {
  const names = deployments.map(regexLiteral);
  return `${names.length === 1 ? names[0] : `(${names.join('|')})`}-[a-z0-9]+-[a-z0-9]+`;
}

const MODEL_BY = `by (${POD_LABELS.namespace}, ${MODEL_LABEL})`;

/**
 * PromQL that keeps a model's identity: every result is labelled `namespace` and `model_name`,
 * so recording rules and alerts built from these route and join per model.
 */
export const modelPromql = {
  /** `name{matchers}` of any catalog series; histogram parts by `suffix`. */
  series(spec: MetricSpec, m: LabelMatchers = {}, suffix: '' | '_bucket' | '_sum' | '_count' = ''): string {
    if (suffix && spec.type !== 'histogram') throw new Error(`modelPromql.series ${spec.name} is a ${spec.type}, not a histogram`);
    return `${spec.name}${suffix}${labelMatchers(m)}`;
  },
  /** A histogram quantile per model. */
  quantile(id: VllmMetricId, q: number, sel: ModelScope, window: string): string {
    const m: MetricSpec = VLLM_METRICS[id];
    if (m.type !== 'histogram') throw new Error(`modelPromql.quantile ${id} is a ${m.type}, not a histogram`);
    return `histogram_quantile(${q}, sum by (${POD_LABELS.namespace}, ${MODEL_LABEL}, le) (rate(${m.name}_bucket${labelMatchers(modelMatchers(sel))}[${window}])))`;
  },
  /** Per-second rate of a vLLM counter per model, optionally narrowed by more labels. */
  rate(id: VllmMetricId, sel: ModelScope, window: string, extra: LabelMatchers = {}): string {
    return `sum ${MODEL_BY} (rate(${VLLM_METRICS[id].name}${labelMatchers(modelMatchers(sel, extra))}[${window}]))`;
  },
  /** A vLLM gauge aggregated over the model's pods. */
  gauge(op: 'sum' | 'max' | 'avg', id: VllmMetricId, sel: ModelScope): string {
    return `${op} ${MODEL_BY} (${VLLM_METRICS[id].name}${labelMatchers(modelMatchers(sel))})`;
  },
  /**
   * One series per pod of the model, value 1, labelled `namespace`, `pod`, `model_name`: the
   * right-hand side that gives pod-level series (HTTP, GPU) their model. Every vLLM pod exports
   * `vllm:num_requests_running` from its first scrape, idle or not. With `lookback`, pods seen
   * at any time in it count too, so a rate over that window keeps the pods that died in it.
   */
  modelPods(sel: ModelScope, lookback?: string): string {
    const running = `${VLLM_METRICS.requestsRunning.name}${labelMatchers(modelMatchers(sel))}`;
    return `group by (${POD_LABELS.namespace}, ${POD_LABELS.pod}, ${MODEL_LABEL}) (${lookback ? `last_over_time(${running}[${lookback}])` : running})`;
  },
  /** `expr` restricted to the model's pods and labelled with its `model_name`. */
  onModelPods(expr: string, sel: ModelScope, lookback?: string): string {
    return `(${expr}) * on (${POD_LABELS.namespace}, ${POD_LABELS.pod}) group_left (${MODEL_LABEL}) ${modelPromql.modelPods(sel, lookback)}`;
  },
  /** `op by (namespace, model_name) (expr)`. */
  byModel(op: 'sum' | 'max' | 'avg', expr: string): string {
    return `${op} ${MODEL_BY} (${expr})`;
  },
};
