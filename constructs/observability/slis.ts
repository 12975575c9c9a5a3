/**
 * The recording rules of the models of a namespace: their service level indicators, named
 * `level:metric:operation` and labelled `namespace` + `model_name`, so alerts and dashboards read
 * one short series instead of repeating a histogram quantile or a pod join.
 *
 * The rules cover the namespace and aggregate by `model_name`: each series is recorded by one
 * rule, in one group of the environment's PrometheusRule (platform-observability.ts), however many models run. One rule per model writing
 * the same series name is what `promtool check rules` reports as duplicate rules: two groups
 * evaluated at different moments would write one name with no ordering between them.
 *
 * Every expression is built from the metrics catalog (constructs/metrics.ts); nothing here
 * names a Prometheus series itself.
 */
import {
  ABORTED_REASON,
  DCGM_METRICS,
  FINISHED_REASON_LABEL,
  GENERATION_HANDLER_REGEX,
  MODEL_LABEL,
  OPENAI_HANDLER_REGEX,
  SERVER_ERROR_STATUS,
  SUCCESS_STATUS,
  VLLM_HTTP_METRICS,
  labelMatchers,
  modelMatchers,
  type LabelMatchers,
  modelPromql,
  type ModelScope,
  type ModelSelector,
} from '../metrics';

/** Rate and quantile window of the SLIs: four scrapes at the 15 s ServiceMonitor interval, and then some. */
export const SLI_WINDOW = '5m';
/** Longer window the error ratio is also recorded over, to confirm a burn before paging. */
export const SLI_LONG_WINDOW = '1h';
/** The latency percentile the SLOs are written against. */
export const SLO_QUANTILE = 0.95;

/** Names of the recorded series; each is labelled with `namespace` and `model_name`. */
export const RECORDED = {
  ttftP95: 'llm:time_to_first_token_seconds:p95_5m',
  itlP95: 'llm:inter_token_latency_seconds:p95_5m',
  tpotP95: 'llm:time_per_output_token_seconds:p95_5m',
  e2eP95: 'llm:e2e_request_latency_seconds:p95_5m',
  requestRate: 'llm:requests:rate5m',
  httpRequestRate: 'llm:http_requests:rate5m',
  httpRequestRateLong: 'llm:http_requests:rate1h',
  errorRatio: 'llm:request_errors:ratio_rate5m',
  errorRatioLong: 'llm:request_errors:ratio_rate1h',
  abortRatio: 'llm:requests_aborted:ratio_rate5m',
  cancelRatio: 'llm:requests_cancelled:ratio_rate5m',
  requestsWaiting: 'llm:requests_waiting:sum',
  requestsRunning: 'llm:requests_running:sum',
  kvCacheUsage: 'llm:kv_cache_usage:max',
  preemptionRate: 'llm:preemptions:rate5m',
  promptTokenRate: 'llm:prompt_tokens:rate5m',
  generationTokenRate: 'llm:generation_tokens:rate5m',
  gpuUtilization: 'llm:gpu_utilization:avg_ratio',
  gpuMemoryUsed: 'llm:gpu_memory_used:max_ratio',
  gpuPower: 'llm:gpu_power_watts:sum',
  gpuEnergyPer1kTokens: 'llm:gpu_energy_joules_per_1k_generated_tokens:rate5m',
} as const;

export type RecordedId = keyof typeof RECORDED;

/** A Prometheus recording rule. */
export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
}

/** `llm:…{namespace="…",model_name="…"}`: one model's recorded series. */
export function recorded(id: RecordedId, sel: ModelSelector): string {
  return `${RECORDED[id]}${labelMatchers(modelMatchers(sel))}`;
}

/** `llm:…{namespace="…"[,model_name="…"]}`: a recorded series of every model in scope. */
export function recordedIn(id: RecordedId, scope: ModelScope, extra: LabelMatchers = {}): string {
  return `${RECORDED[id]}${labelMatchers(modelMatchers(scope, extra))}`;
}

/** `llm:…{namespace="…"}`: a recorded series for every model of the namespace. */
export function recordedInNamespace(id: RecordedId, namespace: string): string {
  return `${RECORDED[id]}${labelMatchers({ namespace })}`;
}

/**
 * Per-second OpenAI API requests of the model's pods, by status class (`2xx`, `4xx`, `5xx`),
 * counting pods that were replaced within the window.
 */
export function httpRequestRate(sel: ModelScope, window: string): string {
  const m = { namespace: sel.namespace, handler: { regex: OPENAI_HANDLER_REGEX } };
  const rate = `rate(${modelPromql.series(VLLM_HTTP_METRICS.httpRequests, m)}[${window}])`;
  return `sum by (namespace, ${MODEL_LABEL}, status) (${modelPromql.onModelPods(rate, sel, window)})`;
}

/**
 * Share of OpenAI API requests answered with a 5xx, from a recorded {@link httpRequestRate}. A
 * window with requests and no errors has no 5xx series at all, so it counts as 0 rather than as
 * no data; a window without requests stays empty (0/0), which never fires an alert.
 */
export function errorRatio(httpRate: RecordedId, sel: ModelScope): string {
  const all = modelPromql.byModel('sum', recordedIn(httpRate, sel));
  const errors = modelPromql.byModel('sum', recordedIn(httpRate, sel, { status: SERVER_ERROR_STATUS }));
  return `(${errors} or ${all} * 0) / ${all}`;
}

/**
 * Share of generation requests (chat and completions) the model's pods answered 2xx that the
 * engine never finished: clients that cancelled, timed out or disconnected. vLLM records no stats
 * for those (no `request_success`, not even `abort`), and its HTTP counter records the 2xx it had
 * already sent, so the gap between the two counters is where they show. Clamped at 0 (the two
 * counters tick at slightly different moments); empty without traffic (0/0).
 */
export function cancelRatio(sel: ModelScope, window: string): string {
  const m = { namespace: sel.namespace, handler: { regex: GENERATION_HANDLER_REGEX }, status: SUCCESS_STATUS };
  const answered = modelPromql.byModel(
    'sum',
    modelPromql.onModelPods(`rate(${modelPromql.series(VLLM_HTTP_METRICS.httpRequests, m)}[${window}])`, sel, window),
  );
  return `clamp_min(1 - ${modelPromql.rate('requestSuccess', sel, window)} / ${answered}, 0)`;
}

/** The GPU series of the model's pods, labelled with its model_name. */
export function gpuOfModel(expr: string, sel: ModelScope): string {
  return modelPromql.onModelPods(expr, sel);
}

/** A DCGM series in the model's namespace (the pod that holds the GPU). */
export function dcgm(id: keyof typeof DCGM_METRICS, namespace: string): string {
  return modelPromql.series(DCGM_METRICS[id], { namespace });
}

/** Framebuffer in use as a share of what the driver offers (used + free), per GPU. */
export function gpuMemoryUsedRatio(namespace: string): string {
  const used = dcgm('memoryUsed', namespace);
  return `${used} / (${used} + ${dcgm('memoryFree', namespace)})`;
}

/**
 * Every recording rule of the models in `sel`, in evaluation order: with a namespace only (what
 * the platform records), each series holds every model of the namespace, by `model_name`.
 */
export function sliRules(sel: ModelScope): RecordingRule[] {
  const w = SLI_WINDOW;
  const rules: Record<RecordedId, string> = {
    ttftP95: modelPromql.quantile('timeToFirstToken', SLO_QUANTILE, sel, w),
    itlP95: modelPromql.quantile('interTokenLatency', SLO_QUANTILE, sel, w),
    tpotP95: modelPromql.quantile('timePerOutputToken', SLO_QUANTILE, sel, w),
    e2eP95: modelPromql.quantile('e2eRequestLatency', SLO_QUANTILE, sel, w),
    requestRate: modelPromql.rate('requestSuccess', sel, w),
    httpRequestRate: httpRequestRate(sel, w),
    httpRequestRateLong: httpRequestRate(sel, SLI_LONG_WINDOW),
    errorRatio: errorRatio('httpRequestRate', sel),
    errorRatioLong: errorRatio('httpRequestRateLong', sel),
    // Engine aborts only (shutdown without drain, a pause with abort): a client that leaves is not counted by vLLM.
    abortRatio: `${modelPromql.rate('requestSuccess', sel, w, { [FINISHED_REASON_LABEL]: ABORTED_REASON })} / ${modelPromql.rate('requestSuccess', sel, w)}`,
    cancelRatio: cancelRatio(sel, w),
    requestsWaiting: modelPromql.gauge('sum', 'requestsWaiting', sel),
    requestsRunning: modelPromql.gauge('sum', 'requestsRunning', sel),
    kvCacheUsage: modelPromql.gauge('max', 'kvCacheUsage', sel),
    preemptionRate: modelPromql.rate('preemptions', sel, w),
    promptTokenRate: modelPromql.rate('promptTokens', sel, w),
    generationTokenRate: modelPromql.rate('generationTokens', sel, w),
    // DCGM reports utilization in percent; the SLIs are ratios like vLLM's KV-cache usage.
    gpuUtilization: `${modelPromql.byModel('avg', gpuOfModel(dcgm('gpuUtilization', sel.namespace), sel))} / 100`,
    gpuMemoryUsed: modelPromql.byModel('max', gpuOfModel(gpuMemoryUsedRatio(sel.namespace), sel)),
    gpuPower: modelPromql.byModel('sum', gpuOfModel(dcgm('powerUsage', sel.namespace), sel)),
    // mJ/s over generated tokens/s is mJ per token, which is J per 1,000 tokens. Idle windows
    // (no tokens) are dropped instead of dividing by zero.
    gpuEnergyPer1kTokens:
      `${modelPromql.byModel('sum', gpuOfModel(`rate(${dcgm('totalEnergy', sel.namespace)}[${w}])`, sel))}` +
      ` / (${modelPromql.rate('generationTokens', sel, w)} > 0)`,
  };
  return (Object.keys(RECORDED) as RecordedId[]).map((id) => ({ record: RECORDED[id], expr: rules[id] }));
}
