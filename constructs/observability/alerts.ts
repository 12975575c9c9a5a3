/**
 * Alerting rules: per model (SLOs, saturation, availability, GPU memory) and per environment
 * (GPU health). Every threshold is an input taken from the environment's config; the only
 * constants here are the `for:` and lookback windows, each documented in {@link ALERT_WINDOWS}.
 *
 * Every alert carries `severity`, `team` and `environment` labels and the annotations
 * `summary`, `description` (with the value that fired it) and `runbook_url`.
 */
import {
  DCGM_GPU_LABELS,
  DCGM_METRICS,
  KUBE_STATE_METRICS,
  VLLM_METRICS,
  deploymentPodRegex,
  modelMatchers,
  modelPromql,
  type ModelSelector,
} from '../metrics';
import { SLI_LONG_WINDOW, SLI_WINDOW, recorded } from './slis';

/** Where the runbooks live in this repository; each alert has `<dir>/<alert>.md`. */
export const RUNBOOK_DIR = 'docs/runbooks';

/**
 * The runbook of one alert: `<baseUrl>/<alert>.md` when the environment says where docs/runbooks
 * is published (`observability.runbookBaseUrl`, a link a pager can open), else the page's path
 * relative to the repository root.
 */
export function runbookUrl(alert: string, baseUrl?: string): string {
  return baseUrl === undefined ? `${RUNBOOK_DIR}/${alert}.md` : `${baseUrl.replace(/\/+$/, '')}/${alert}.md`;
}

/** `critical` pages (users are affected now); `warning` goes to the team's channel. */
export type Severity = 'critical' | 'warning';

/** A Prometheus alerting rule. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: Readonly<Record<string, string>> & { readonly severity: Severity };
  readonly annotations: { readonly summary: string; readonly description: string; readonly runbook_url: string };
}

/**
 * How long a condition must hold before its alert fires, and the lookbacks of event-type
 * alerts. Long enough that one burst of long prompts or one slow scrape does not page; short
 * enough that a real regression is seen within a quarter of an hour.
 */
export const ALERT_WINDOWS = {
  /** Latency p95 over budget: two SLI windows. */
  latency: '10m',
  /** Error ratio over the SLO, confirmed over the 1 h ratio as well. */
  errorRatio: '5m',
  /** Fast burn: both the 5 m and 1 h ratios are already averages, so a short hold suffices. */
  errorFastBurn: '2m',
  /** Queue above its bound: KEDA adds pods within a minute, so 10 m means scaling cannot keep up. */
  queue: '10m',
  kvCache: '10m',
  /** Preemptions are normal in a burst; sustained, they mean the KV cache is too small for the load. */
  preemptions: '15m',
  /** Engine aborts and client cancellations: a burst of either at a rollout is expected. */
  aborts: '15m',
  /** Restarts are counted over this lookback; any restart is a cold start of minutes. */
  restartLookback: '30m',
  restarts: '1m',
  gpuMemory: '10m',
  /** XID codes are events: any code in the lookback fires. */
  xidLookback: '10m',
  xid: '1m',
  gpuMetricsAbsent: '15m',
} as const;

/**
 * How long a model with at least two serving pods may have none ready: a rolling update or a
 * node drain never takes both, so anything longer is an outage, not a disruption.
 */
export const REDUNDANT_OUTAGE_SEC = 300;

/**
 * SRE-workbook fast-burn factor for a 30-day error budget: at 14.4× the SLO error ratio, 2% of
 * the month's budget is gone in one hour.
 */
export const FAST_BURN_FACTOR = 14.4;

/** The SLO bounds of one model, as `config.models[id].slo` gives them. */
export interface ModelSloProps {
  readonly ttftP95Ms: number;
  readonly itlP95Ms: number;
  readonly errorRatio: number;
  readonly queueDepth: number;
  readonly kvCacheUsage: number;
  readonly abortRatio: number;
  /** USD per 1M generated tokens above which `VllmTokenCostHigh` fires (see cost.ts). @default - no cost alert */
  readonly maxCostPer1MTokens?: number;
}

/** Everything the model alerts need; the construct derives it from the config and the VllmModel. */
export interface ModelAlertInputs {
  readonly sel: ModelSelector;
  readonly team: string;
  readonly environment: string;
  readonly slo: ModelSloProps;
  readonly gpuMemoryUtilization: number;
  /** Every Deployment of the model (both tracks under blue/green). */
  readonly deployments: readonly string[];
  /** The Deployment the Service sends traffic to. */
  readonly activeDeployment: string;
  /** A blue/green standby track that should stay warm. */
  readonly standby?: { readonly deployment: string; readonly replicas: number };
  /** How long every serving pod may be gone in normal operation (a cold start), in seconds. */
  readonly outageToleranceSec: number;
  /** How long a pod may wait for a GPU node and its image, in seconds. */
  readonly scheduleAllowanceSec: number;
  /** Where docs/runbooks is published (see {@link runbookUrl}). @default - links relative to the repository root */
  readonly runbookBaseUrl?: string;
}

/** A number as PromQL and humans read it: no float noise (14.4 × 0.001 is 0.0144). */
export function num(x: number): string {
  return String(Number(x.toPrecision(12)));
}

/** Seconds as a Prometheus duration, rounded up to whole minutes. */
export function minutes(sec: number): string {
  return `${Math.max(1, Math.ceil(sec / 60))}m`;
}

/** `humanizePercentage` of a ratio, for annotation text. */
function pct(ratio: number): string {
  return `${num(ratio * 100)}%`;
}

/**
 * The GPU memory share above which something besides vLLM's own reservation is using the GPU:
 * halfway from `gpuMemoryUtilization` (what vLLM claims at start) to the full card.
 */
export function gpuMemoryAlertRatio(gpuMemoryUtilization: number): number {
  return Number((gpuMemoryUtilization + (1 - gpuMemoryUtilization) / 2).toPrecision(12));
}

/** Every alert of one model. */
export function modelAlerts(p: ModelAlertInputs): AlertRule[] {
  const { sel, slo } = p;
  const name = sel.modelName;
  const labels = (severity: Severity) => ({ severity, team: p.team, environment: p.environment, model_name: name });
  const rule = (alert: string, severity: Severity, expr: string, hold: string, summary: string, description: string): AlertRule => ({
    alert,
    expr,
    for: hold,
    labels: labels(severity),
    annotations: { summary, description, runbook_url: runbookUrl(alert, p.runbookBaseUrl) },
  });
  const ns = sel.namespace;
  const pods = { regex: deploymentPodRegex(p.deployments) };
  const ksm = KUBE_STATE_METRICS;
  const outage = minutes(p.outageToleranceSec);
  const ttftSec = slo.ttftP95Ms / 1000;
  const itlSec = slo.itlP95Ms / 1000;
  const burn = FAST_BURN_FACTOR * slo.errorRatio;
  const gpuMem = gpuMemoryAlertRatio(p.gpuMemoryUtilization);

  const alerts: AlertRule[] = [
    rule(
      'VllmTimeToFirstTokenHigh',
      'critical',
      `${recorded('ttftP95', sel)} > ${num(ttftSec)}`,
      ALERT_WINDOWS.latency,
      `${name}: p95 time to first token over its ${slo.ttftP95Ms} ms budget`,
      `p95 TTFT of ${name} in ${ns} is {{ $value | humanizeDuration }} (over ${SLI_WINDOW}), above the ${slo.ttftP95Ms} ms budget (slo.ttftP95Ms) for ${ALERT_WINDOWS.latency}.`,
    ),
    rule(
      'VllmInterTokenLatencyHigh',
      'warning',
      `${recorded('itlP95', sel)} > ${num(itlSec)}`,
      ALERT_WINDOWS.latency,
      `${name}: p95 inter-token latency over its ${slo.itlP95Ms} ms budget`,
      `p95 ITL of ${name} in ${ns} is {{ $value | humanizeDuration }} (over ${SLI_WINDOW}), above the ${slo.itlP95Ms} ms budget (slo.itlP95Ms) for ${ALERT_WINDOWS.latency}.`,
    ),
    rule(
      'VllmErrorBudgetFastBurn',
      'critical',
      `${recorded('errorRatioLong', sel)} > ${num(burn)} and ${recorded('errorRatio', sel)} > ${num(burn)}`,
      ALERT_WINDOWS.errorFastBurn,
      `${name}: burning its error budget ${FAST_BURN_FACTOR}x too fast`,
      `${name} answered {{ $value | humanizePercentage }} of OpenAI API requests with a 5xx over ${SLI_LONG_WINDOW}, more than ${FAST_BURN_FACTOR}x its ${pct(slo.errorRatio)} SLO (slo.errorRatio); at this rate a 30-day error budget lasts about two days.`,
    ),
    rule(
      'VllmErrorRatioHigh',
      'warning',
      `${recorded('errorRatio', sel)} > ${num(slo.errorRatio)} and ${recorded('errorRatioLong', sel)} > ${num(slo.errorRatio)}`,
      ALERT_WINDOWS.errorRatio,
      `${name}: 5xx ratio over its ${pct(slo.errorRatio)} SLO`,
      `${name} answered {{ $value | humanizePercentage }} of OpenAI API requests with a 5xx over ${SLI_WINDOW}, and more than ${pct(slo.errorRatio)} (slo.errorRatio) over ${SLI_LONG_WINDOW} too.`,
    ),
    rule(
      'VllmQueueDepthHigh',
      'warning',
      `${recorded('requestsWaiting', sel)} > ${slo.queueDepth}`,
      ALERT_WINDOWS.queue,
      `${name}: more than ${slo.queueDepth} requests waiting for ${ALERT_WINDOWS.queue}`,
      `{{ $value | printf "%.0f" }} requests are queued across the pods of ${name} in ${ns}, above slo.queueDepth ${slo.queueDepth} for ${ALERT_WINDOWS.queue}: scaling has not caught up with the load.`,
    ),
    rule(
      'VllmKvCacheNearlyFull',
      'warning',
      `${recorded('kvCacheUsage', sel)} > ${num(slo.kvCacheUsage)}`,
      ALERT_WINDOWS.kvCache,
      `${name}: KV cache above ${pct(slo.kvCacheUsage)}`,
      `The fullest pod of ${name} in ${ns} uses {{ $value | humanizePercentage }} of its KV cache, above slo.kvCacheUsage ${pct(slo.kvCacheUsage)} for ${ALERT_WINDOWS.kvCache}; vLLM preempts requests when it runs out.`,
    ),
    rule(
      'VllmPreemptions',
      'warning',
      `${recorded('preemptionRate', sel)} > 0`,
      ALERT_WINDOWS.preemptions,
      `${name}: requests preempted for ${ALERT_WINDOWS.preemptions}`,
      `${name} in ${ns} has preempted {{ $value | printf "%.2f" }} requests/s for ${ALERT_WINDOWS.preemptions}: the KV cache cannot hold the running batch, so requests are recomputed and latency rises.`,
    ),
    rule(
      'VllmRequestsAborted',
      'warning',
      `${recorded('abortRatio', sel)} > ${num(slo.abortRatio)}`,
      ALERT_WINDOWS.aborts,
      `${name}: the engine aborts more than ${pct(slo.abortRatio)} of requests`,
      `vLLM itself aborted {{ $value | humanizePercentage }} of the requests ${name} finished in ${ns} (finished_reason="abort": pods stopped without draining, shutdownTimeoutSec 0), above slo.abortRatio ${pct(slo.abortRatio)} for ${ALERT_WINDOWS.aborts}. Client cancellations are not in this count: see VllmRequestsCancelled.`,
    ),
    rule(
      'VllmRequestsCancelled',
      'warning',
      `${recorded('cancelRatio', sel)} > ${num(slo.abortRatio)}`,
      ALERT_WINDOWS.aborts,
      `${name}: clients give up on more than ${pct(slo.abortRatio)} of requests`,
      `{{ $value | humanizePercentage }} of the chat and completion requests ${name} answered in ${ns} never finished in the engine (the client cancelled, timed out or disconnected; vLLM records no stats for them), above slo.abortRatio ${pct(slo.abortRatio)} for ${ALERT_WINDOWS.aborts}.`,
    ),
    rule(
      'VllmNoReadyPods',
      'critical',
      `${modelPromql.series(ksm.deploymentReplicasAvailable, { namespace: ns, deployment: p.activeDeployment })} < 1`,
      outage,
      `${name}: no ready pod is serving`,
      `Deployment ${p.activeDeployment} in ${ns} has had {{ $value | printf "%.0f" }} available pods for ${outage} (the outage window: a cold start when one disruption can take every serving pod): requests to ${name} fail.`,
    ),
    rule(
      'VllmMetricsAbsent',
      'warning',
      `absent(${modelPromql.series(VLLM_METRICS.requestsRunning, modelMatchers(sel))})`,
      outage,
      `${name}: no pod is scraped`,
      `Prometheus has no vLLM series for ${name} in ${ns} for ${outage}: either no pod runs, or scraping fails, and every SLO alert of ${name} is blind.`,
    ),
    rule(
      'VllmPodRestarting',
      'warning',
      `increase(${modelPromql.series(ksm.podRestarts, { namespace: ns, pod: pods })}[${ALERT_WINDOWS.restartLookback}]) > 0`,
      ALERT_WINDOWS.restarts,
      `${name}: a pod restarted`,
      `Container {{ $labels.container }} of pod {{ $labels.pod }} (${name}) restarted {{ $value | printf "%.0f" }} times in ${ALERT_WINDOWS.restartLookback}; each restart is a cold start of minutes on a T4.`,
    ),
    rule(
      'VllmPodsPending',
      'warning',
      `sum by (namespace) (${modelPromql.series(ksm.podPhase, { namespace: ns, pod: pods, phase: 'Pending' })}) > 0`,
      minutes(p.scheduleAllowanceSec),
      `${name}: pods cannot start`,
      `{{ $value | printf "%.0f" }} pods of ${name} have been Pending for ${minutes(p.scheduleAllowanceSec)}, the time allowed for a GPU node to join and the image to pull: no GPU capacity (SPOT, node group max size) or a volume that cannot attach.`,
    ),
    rule(
      'VllmGpuMemoryNearlyFull',
      'warning',
      `${recorded('gpuMemoryUsed', sel)} > ${num(gpuMem)}`,
      ALERT_WINDOWS.gpuMemory,
      `${name}: GPU memory above ${pct(gpuMem)}`,
      `A GPU of ${name} in ${ns} has {{ $value | humanizePercentage }} of its memory in use, beyond the ${pct(p.gpuMemoryUtilization)} vLLM reserves (gpuMemoryUtilization) plus half the headroom: the next allocation may fail with CUDA out of memory.`,
    ),
  ];
  if (p.standby && p.standby.replicas > 0) {
    const s = p.standby;
    alerts.push(
      rule(
        'VllmStandbyNotWarm',
        'warning',
        `${modelPromql.series(ksm.deploymentReplicasAvailable, { namespace: ns, deployment: s.deployment })} < ${s.replicas}`,
        outage,
        `${name}: the blue/green standby is not warm`,
        `Standby Deployment ${s.deployment} has {{ $value | printf "%.0f" }} of ${s.replicas} pods available for ${outage}: a rollback now is a cold start, not a Service switch.`,
      ),
    );
  }
  return alerts;
}

/** Inputs of the environment-wide GPU alerts. */
export interface PlatformAlertInputs {
  readonly namespace: string;
  readonly team: string;
  readonly environment: string;
  /** Where docs/runbooks is published (see {@link runbookUrl}). @default - links relative to the repository root */
  readonly runbookBaseUrl?: string;
}

/** Alerts about the GPUs themselves, across the environment's cluster. */
export function platformAlerts(p: PlatformAlertInputs): AlertRule[] {
  const labels = (severity: Severity) => ({ severity, team: p.team, environment: p.environment });
  const { node, gpu } = DCGM_GPU_LABELS;
  const xid = modelPromql.series(DCGM_METRICS.xidErrors);
  const running = modelPromql.series(VLLM_METRICS.requestsRunning, { namespace: p.namespace });
  return [
    {
      alert: 'GpuXidError',
      expr: `max by (${node}, ${gpu}) (max_over_time(${xid}[${ALERT_WINDOWS.xidLookback}])) > 0`,
      for: ALERT_WINDOWS.xid,
      labels: labels('warning'),
      annotations: {
        summary: 'A GPU reported an XID error',
        description: `GPU {{ $labels.${gpu} }} on node {{ $labels.${node} }} reported XID {{ $value | printf "%.0f" }} in the last ${ALERT_WINDOWS.xidLookback}: a driver, memory or hardware fault that can kill or corrupt the model on it.`,
        runbook_url: runbookUrl('GpuXidError', p.runbookBaseUrl),
      },
    },
    {
      alert: 'GpuMetricsAbsent',
      expr: `absent(${modelPromql.series(DCGM_METRICS.gpuUtilization, { namespace: p.namespace })}) and on () (count(${running}) > 0)`,
      for: ALERT_WINDOWS.gpuMetricsAbsent,
      labels: labels('warning'),
      annotations: {
        summary: `No GPU metrics for the model pods in ${p.namespace}`,
        description: `Model pods run in ${p.namespace}, but no DCGM series names a pod there for ${ALERT_WINDOWS.gpuMetricsAbsent}: dcgm-exporter is down, or its ServiceMonitor lacks honorLabels: true. GPU memory alerts and energy panels are blind.`,
        runbook_url: runbookUrl('GpuMetricsAbsent', p.runbookBaseUrl),
      },
    },
  ];
}
