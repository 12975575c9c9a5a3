/**
 * The Grafana dashboards: one per model (latency, throughput, batch and KV cache, replicas,
 * GPU and energy, with the model's own SLO bounds drawn as thresholds) and one overview of
 * every model and GPU of the environment. Queries come from the metrics catalog and the
 * recorded SLIs.
 */
import {
  DCGM_GPU_LABELS,
  DCGM_METRICS,
  FINISHED_REASON_LABEL,
  KUBE_STATE_METRICS,
  VLLM_METRICS,
  deploymentPodRegex,
  modelMatchers,
  modelPromql,
  regexLiteral,
  type ModelSelector,
  type VllmMetricId,
} from '../metrics';
import { gpuMemoryAlertRatio, type ModelSloProps } from './alerts';
import { dashboardJson, type DashboardJson, type PanelSpec, type QuerySpec } from './grafana';
import { SLI_WINDOW, dcgm, gpuMemoryUsedRatio, gpuOfModel, recorded, recordedInNamespace, type RecordedId } from './slis';

/** Tag every platform dashboard carries, for Grafana's dashboard search. */
export const DASHBOARD_TAG = 'llm-platform';
/** uid of the environment overview. */
export const OVERVIEW_DASHBOARD_UID = 'llm-platform-overview';

/** The dashboard uid of a model. */
export function modelDashboardUid(modelName: string): string {
  return `llm-${modelName}`;
}

export interface ModelDashboardInputs {
  readonly sel: ModelSelector;
  readonly variant: string;
  readonly environment: string;
  readonly slo: ModelSloProps;
  readonly kvCacheUsageTarget: number;
  readonly gpuMemoryUtilization: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Every Deployment of the model. */
  readonly deployments: readonly string[];
  /** The Deployment that serves traffic. */
  readonly activeDeployment: string;
  /** The HPA KEDA created for the model. @default - not autoscaled */
  readonly hpaName?: string;
}

const PERCENTILES = [0.5, 0.95, 0.99] as const;

function percentiles(id: VllmMetricId, sel: ModelSelector, qs: readonly number[] = PERCENTILES): QuerySpec[] {
  return qs.map((q) => ({ expr: modelPromql.quantile(id, q, sel, SLI_WINDOW), legend: `p${Math.round(q * 100)}` }));
}

/** `op by (labels) (rate(series[window]))` of a catalog counter narrowed to the model. */
function rateBy(by: string, id: VllmMetricId, sel: ModelSelector): string {
  return `sum by (${by}) (rate(${modelPromql.series(VLLM_METRICS[id], modelMatchers(sel))}[${SLI_WINDOW}]))`;
}

/** What every row of a model's dashboard reads. */
interface ModelDashboardContext {
  readonly p: ModelDashboardInputs;
  readonly sel: ModelSelector;
  readonly slo: ModelDashboardInputs['slo'];
  readonly ns: string;
  readonly ksm: typeof KUBE_STATE_METRICS;
  readonly deployments: { readonly regex: string };
  readonly pods: { readonly regex: string };
  readonly vllmPerPod: (id: VllmMetricId) => string;
  readonly gpuPerPod: (expr: string) => string;
  readonly ttftSec: number;
  readonly itlSec: number;
  readonly ksmDeployments: { readonly namespace: string; readonly deployment: { readonly regex: string } };
  readonly gpuMem: ReturnType<typeof gpuMemoryAlertRatio>;
}

/** The dashboard of one model: one row per concern, each built by its own function below. */
export function modelDashboard(p: ModelDashboardInputs): DashboardJson {
  const { sel, slo } = p;
  const ns = sel.namespace;
  const ksm = KUBE_STATE_METRICS;
  const deployments = { regex: p.deployments.map(regexLiteral).join('|') };
  const pods = { regex: deploymentPodRegex(p.deployments) };
  const vllmPerPod = (id: VllmMetricId) => `max by (pod) (${modelPromql.series(VLLM_METRICS[id], modelMatchers(sel))})`;
  const gpuPerPod = (expr: string) => `max by (pod) (${gpuOfModel(expr, sel)})`;
  const ttftSec = slo.ttftP95Ms / 1000;
  const itlSec = slo.itlP95Ms / 1000;
  const ksmDeployments = { namespace: ns, deployment: deployments };
  const gpuMem = gpuMemoryAlertRatio(p.gpuMemoryUtilization);
  const c: ModelDashboardContext = {
    p,
    sel,
    slo,
    ns,
    ksm,
    deployments,
    pods,
    vllmPerPod,
    gpuPerPod,
    ttftSec,
    itlSec,
    ksmDeployments,
    gpuMem,
  };
  return dashboardJson({
    uid: modelDashboardUid(sel.modelName),
    title: `LLM ${sel.modelName} (${p.environment})`,
    description: `vLLM variant ${p.variant} in ${ns}: latency against its SLOs, throughput, batch and KV cache, replicas and GPU.`,
    tags: [DASHBOARD_TAG, 'vllm', p.variant],
    annotations: [
      {
        name: 'Replica changes',
        expr: `changes(${modelPromql.series(ksm.deploymentReplicasDesired, ksmDeployments)}[1m]) > 0`,
        title: 'desired replicas changed',
        color: 'purple',
      },
    ],
    links: [{ title: 'Overview', uid: OVERVIEW_DASHBOARD_UID }],
    rows: [
      { title: 'Service level', panels: serviceLevelPanels(c) },
      { title: 'Latency', panels: latencyPanels(c) },
      { title: 'Throughput', panels: throughputPanels(c) },
      { title: 'Batch and KV cache', panels: batchPanels(c) },
      { title: 'Replicas and scaling', panels: scalingPanels(c) },
      { title: 'GPU and energy', panels: gpuPanels(c) },
    ],
  });
}

/** Stat panels against the SLOs: latency, errors, load, pods. */
function serviceLevelPanels(c: ModelDashboardContext): PanelSpec[] {
  const { p, sel, slo, ns, ksm, ttftSec, itlSec } = c;
  return [
    {
      kind: 'stat',
      title: 'TTFT p95',
      description: `p95 time to first token over ${SLI_WINDOW}; red above the ${slo.ttftP95Ms} ms budget (slo.ttftP95Ms).`,
      unit: 's',
      queries: [{ expr: recorded('ttftP95', sel), legend: 'TTFT p95' }],
      thresholds: [{ value: ttftSec, color: 'red' }],
    },
    {
      kind: 'stat',
      title: 'ITL p95',
      description: `p95 inter-token latency over ${SLI_WINDOW}; red above the ${slo.itlP95Ms} ms budget (slo.itlP95Ms).`,
      unit: 's',
      queries: [{ expr: recorded('itlP95', sel), legend: 'ITL p95' }],
      thresholds: [{ value: itlSec, color: 'red' }],
    },
    {
      kind: 'stat',
      title: '5xx ratio',
      description: `Share of OpenAI API requests answered with a 5xx over ${SLI_WINDOW}; red above slo.errorRatio ${slo.errorRatio}.`,
      unit: 'percentunit',
      queries: [{ expr: recorded('errorRatio', sel), legend: '5xx' }],
      thresholds: [{ value: slo.errorRatio, color: 'red' }],
    },
    {
      kind: 'stat',
      title: 'Requests/s',
      description: 'Finished requests per second, every finish reason.',
      unit: 'reqps',
      queries: [{ expr: recorded('requestRate', sel), legend: 'req/s' }],
    },
    {
      kind: 'stat',
      title: 'Generated tokens/s',
      description: 'Output tokens per second across the pods.',
      unit: 'short',
      queries: [{ expr: recorded('generationTokenRate', sel), legend: 'tok/s' }],
    },
    {
      kind: 'stat',
      title: 'Ready pods',
      description: `Available pods of ${p.activeDeployment}, the Deployment that serves traffic (min ${p.minReplicas}, max ${p.maxReplicas}).`,
      unit: 'short',
      queries: [
        {
          expr: `sum(${modelPromql.series(ksm.deploymentReplicasAvailable, { namespace: ns, deployment: p.activeDeployment })})`,
          legend: 'ready',
        },
      ],
    },
  ];
}

/** Latency percentiles over time against their budgets. */
function latencyPanels(c: ModelDashboardContext): PanelSpec[] {
  const { sel, slo, ttftSec, itlSec } = c;
  return [
    {
      title: 'Time to first token',
      description: `Request arrival to the first generated token; the dashed line is the p95 budget, ${slo.ttftP95Ms} ms.`,
      unit: 's',
      queries: percentiles('timeToFirstToken', sel),
      thresholds: [{ value: ttftSec, color: 'red' }],
    },
    {
      title: 'Time per output token (TPOT)',
      description: 'Per request: (E2E - TTFT) / (output tokens - 1).',
      unit: 's',
      queries: percentiles('timePerOutputToken', sel),
    },
    {
      title: 'Inter-token latency',
      description: `Gap between successive tokens; the dashed line is the p95 budget, ${slo.itlP95Ms} ms.`,
      unit: 's',
      queries: percentiles('interTokenLatency', sel),
      thresholds: [{ value: itlSec, color: 'red' }],
    },
    {
      title: 'End-to-end latency',
      description: 'Request arrival to the last token.',
      unit: 's',
      width: 12,
      queries: percentiles('e2eRequestLatency', sel),
    },
    {
      title: 'Queue time',
      description: 'Time a request waited before it was first scheduled: rises before TTFT does.',
      unit: 's',
      width: 12,
      queries: percentiles('requestQueueTime', sel, [0.5, 0.95]),
    },
  ];
}

/** Requests and tokens over time. */
function throughputPanels(c: ModelDashboardContext): PanelSpec[] {
  const { sel, slo } = c;
  return [
    {
      title: 'Requests/s by finish reason',
      description:
        'Requests the engine finished. stop: the model ended; length: max_tokens or the context; abort: vLLM aborted it (shutdown without drain); error: a request-level failure. A client that leaves is not counted here (see Aborted ratio).',
      unit: 'reqps',
      queries: [{ expr: rateBy(FINISHED_REASON_LABEL, 'requestSuccess', sel), legend: `{{${FINISHED_REASON_LABEL}}}` }],
    },
    {
      title: 'Tokens/s',
      description: 'Prompt (prefill) and generated (decode) tokens per second across the pods.',
      unit: 'short',
      queries: [
        { expr: recorded('promptTokenRate', sel), legend: 'prompt' },
        { expr: recorded('generationTokenRate', sel), legend: 'generated' },
      ],
    },
    {
      title: 'Request length',
      description: 'Prompt and output tokens per finished request.',
      unit: 'short',
      queries: [
        ...percentiles('requestPromptTokens', sel, [0.5, 0.95]).map((q) => ({ ...q, legend: `prompt ${q.legend}` })),
        ...percentiles('requestGenerationTokens', sel, [0.5, 0.95]).map((q) => ({ ...q, legend: `output ${q.legend}` })),
      ],
    },
    {
      title: '5xx ratio',
      description: `Share of OpenAI API requests answered with a 5xx; the dashed line is slo.errorRatio ${slo.errorRatio}.`,
      unit: 'percentunit',
      width: 12,
      queries: [
        { expr: recorded('errorRatio', sel), legend: `${SLI_WINDOW}` },
        { expr: recorded('errorRatioLong', sel), legend: '1h' },
      ],
      thresholds: [{ value: slo.errorRatio, color: 'red' }],
    },
    {
      title: 'Aborted ratio',
      description: `Unfinished requests: chat and completion requests answered 2xx that the engine never finished (clients that cancelled, timed out or disconnected: vLLM keeps no stats for them), and requests vLLM aborted itself (finished_reason abort); the dashed line is slo.abortRatio ${slo.abortRatio}.`,
      unit: 'percentunit',
      width: 12,
      queries: [
        { expr: recorded('cancelRatio', sel), legend: 'cancelled by the client' },
        { expr: recorded('abortRatio', sel), legend: 'aborted by vLLM' },
      ],
      thresholds: [{ value: slo.abortRatio, color: 'orange' }],
    },
  ];
}

/** What the engine is doing: running, waiting, preemptions, KV cache. */
function batchPanels(c: ModelDashboardContext): PanelSpec[] {
  const { p, sel, slo, vllmPerPod } = c;
  return [
    {
      title: 'Running and waiting requests',
      description: `Requests in the running batch and in the queue, summed over pods; the dashed line is slo.queueDepth ${slo.queueDepth}.`,
      unit: 'short',
      width: 12,
      queries: [
        { expr: recorded('requestsRunning', sel), legend: 'running' },
        { expr: recorded('requestsWaiting', sel), legend: 'waiting' },
      ],
      thresholds: [{ value: slo.queueDepth, color: 'red' }],
    },
    {
      title: 'KV-cache usage per pod',
      description: `KEDA scales out above kvCacheUsageTarget ${p.kvCacheUsageTarget} (orange); the alert fires above slo.kvCacheUsage ${slo.kvCacheUsage} (red).`,
      unit: 'percentunit',
      width: 12,
      min: 0,
      max: 1,
      queries: [{ expr: vllmPerPod('kvCacheUsage'), legend: '{{pod}}' }],
      thresholds: [
        { value: p.kvCacheUsageTarget, color: 'orange' },
        { value: slo.kvCacheUsage, color: 'red' },
      ],
    },
    {
      title: 'Preemptions/s',
      description: 'Requests evicted from the batch because the KV cache ran out; they are recomputed later.',
      unit: 'short',
      width: 12,
      bars: true,
      queries: [{ expr: recorded('preemptionRate', sel), legend: 'preemptions/s' }],
    },
    {
      title: 'Prefix-cache hit ratio',
      description: 'Share of prompt tokens found in the prefix cache.',
      unit: 'percentunit',
      width: 12,
      min: 0,
      max: 1,
      queries: [
        {
          expr: `${modelPromql.rate('prefixCacheHits', sel, SLI_WINDOW)} / ${modelPromql.rate('prefixCacheQueries', sel, SLI_WINDOW)}`,
          legend: 'hit ratio',
        },
      ],
    },
  ];
}

/** Replicas, scaler and pods. */
function scalingPanels(c: ModelDashboardContext): PanelSpec[] {
  const { p, ns, ksm, pods, ksmDeployments } = c;
  return [
    {
      title: 'Replicas',
      description: `Available and desired pods per Deployment${p.hpaName ? `, and what KEDA asks for (between ${p.minReplicas} and ${p.maxReplicas})` : ''}.`,
      unit: 'short',
      width: 12,
      min: 0,
      queries: [
        { expr: modelPromql.series(ksm.deploymentReplicasAvailable, ksmDeployments), legend: '{{deployment}} available' },
        { expr: modelPromql.series(ksm.deploymentReplicasDesired, ksmDeployments), legend: '{{deployment}} desired' },
        ...(p.hpaName
          ? [
              {
                expr: modelPromql.series(ksm.hpaDesiredReplicas, { namespace: ns, horizontalpodautoscaler: p.hpaName }),
                legend: 'KEDA desired',
              },
            ]
          : []),
      ],
    },
    {
      title: 'Scaling events',
      description: 'Changes of the desired replica count (scale-outs, scale-ins, rollouts).',
      unit: 'short',
      width: 12,
      bars: true,
      queries: [
        { expr: `changes(${modelPromql.series(ksm.deploymentReplicasDesired, ksmDeployments)}[${SLI_WINDOW}])`, legend: '{{deployment}}' },
      ],
    },
    {
      title: 'Container restarts',
      description: 'Each restart is a cold start: weights, CUDA graphs, minutes on a T4.',
      unit: 'short',
      width: 12,
      bars: true,
      queries: [
        {
          expr: `sum by (pod) (increase(${modelPromql.series(ksm.podRestarts, { namespace: ns, pod: pods })}[${SLI_WINDOW}]))`,
          legend: '{{pod}}',
        },
      ],
    },
    {
      title: 'Pending pods',
      description: 'Pods waiting for a GPU node or their image; KEDA scales pods, the Cluster Autoscaler adds nodes.',
      unit: 'short',
      width: 12,
      queries: [{ expr: `sum(${modelPromql.series(ksm.podPhase, { namespace: ns, pod: pods, phase: 'Pending' })})`, legend: 'pending' }],
    },
  ];
}

/** GPU memory, utilization, power and temperature. */
function gpuPanels(c: ModelDashboardContext): PanelSpec[] {
  const { p, sel, ns, gpuPerPod, gpuMem } = c;
  return [
    {
      title: 'GPU utilization per pod',
      description: 'Share of time a kernel was running on the GPU.',
      unit: 'percent',
      min: 0,
      max: 100,
      queries: [{ expr: gpuPerPod(dcgm('gpuUtilization', ns)), legend: '{{pod}}' }],
    },
    {
      title: 'GPU memory bandwidth per pod',
      description: 'Share of time memory was read or written: decode is bandwidth-bound on a T4.',
      unit: 'percent',
      min: 0,
      max: 100,
      queries: [{ expr: gpuPerPod(dcgm('memoryCopyUtilization', ns)), legend: '{{pod}}' }],
    },
    {
      title: 'GPU memory used per pod',
      description: `vLLM reserves gpuMemoryUtilization ${p.gpuMemoryUtilization} at start; the alert fires above ${gpuMem} (red).`,
      unit: 'percentunit',
      min: 0,
      max: 1,
      queries: [{ expr: gpuPerPod(gpuMemoryUsedRatio(ns)), legend: '{{pod}}' }],
      thresholds: [{ value: gpuMem, color: 'red' }],
    },
    {
      title: 'GPU power per pod',
      description: 'Board power draw.',
      unit: 'watt',
      queries: [{ expr: gpuPerPod(dcgm('powerUsage', ns)), legend: '{{pod}}' }],
    },
    {
      title: 'Energy per 1K generated tokens',
      description: 'GPU energy (DCGM) over generated tokens across the pods: J per 1,000 output tokens. Empty while idle.',
      unit: 'joule',
      queries: [{ expr: recorded('gpuEnergyPer1kTokens', sel), legend: 'J / 1K tokens' }],
    },
    {
      title: 'GPU temperature per pod',
      description: 'A T4 throttles its clocks near 85 °C.',
      unit: 'celsius',
      queries: [{ expr: gpuPerPod(dcgm('temperature', ns)), legend: '{{pod}}' }],
    },
  ];
}

export interface OverviewDashboardInputs {
  readonly namespace: string;
  readonly environment: string;
  /** Names of the enabled models, for links to their dashboards. */
  readonly models: readonly string[];
}

/** Every model and every GPU of the environment on one page. */
export function overviewDashboard(p: OverviewDashboardInputs): DashboardJson {
  const ns = p.namespace;
  const { node, gpu } = DCGM_GPU_LABELS;
  /** A panel of one recorded SLI with a line per model. */
  const perModel = (
    title: string,
    description: string,
    unit: string,
    id: RecordedId,
    range: Pick<PanelSpec, 'min' | 'max'> = {},
  ): PanelSpec => ({
    title,
    description,
    unit,
    ...range,
    queries: [{ expr: recordedInNamespace(id, ns), legend: '{{model_name}}' }],
  });
  const models: PanelSpec[] = [
    perModel('TTFT p95', 'Per model; each has its own budget (see its dashboard).', 's', 'ttftP95'),
    perModel('ITL p95', 'Per model.', 's', 'itlP95'),
    perModel('TPOT p95', 'Time per output token per request, per model.', 's', 'tpotP95'),
    perModel('E2E p95', 'Request arrival to last token, per model.', 's', 'e2eP95'),
    perModel('5xx ratio', 'Share of OpenAI API requests answered with a 5xx.', 'percentunit', 'errorRatio'),
    perModel('Requests/s', 'Finished requests per second.', 'reqps', 'requestRate'),
    perModel('Generated tokens/s', 'Output tokens per second.', 'short', 'generationTokenRate'),
    perModel('Waiting requests', 'Queued requests, summed over pods.', 'short', 'requestsWaiting'),
    perModel('KV-cache usage (fullest pod)', 'Per model.', 'percentunit', 'kvCacheUsage', { min: 0, max: 1 }),
    {
      title: 'Available pods',
      description: 'Per Deployment (both tracks of a blue/green model).',
      unit: 'short',
      min: 0,
      queries: [{ expr: modelPromql.series(KUBE_STATE_METRICS.deploymentReplicasAvailable, { namespace: ns }), legend: '{{deployment}}' }],
    },
  ];
  const gpus: PanelSpec[] = [
    perModel('GPU utilization by model', "Mean over the model's GPUs.", 'percentunit', 'gpuUtilization', { min: 0, max: 1 }),
    perModel('Energy per 1K generated tokens', 'J per 1,000 output tokens, per model.', 'joule', 'gpuEnergyPer1kTokens'),
    perModel('GPU power by model', "Sum over the model's GPUs.", 'watt', 'gpuPower'),
    {
      title: 'GPU utilization by node',
      description: 'Every GPU of the cluster, serving or idle: idle GPU nodes cost as much as busy ones.',
      unit: 'percent',
      width: 12,
      min: 0,
      max: 100,
      queries: [{ expr: `avg by (${node}) (${modelPromql.series(DCGM_METRICS.gpuUtilization)})`, legend: `{{${node}}}` }],
    },
    {
      title: 'Last XID error by GPU',
      description: 'XID code the driver last reported (0: none); see the GpuXidError runbook.',
      unit: 'short',
      width: 12,
      queries: [{ expr: `max by (${node}, ${gpu}) (${modelPromql.series(DCGM_METRICS.xidErrors)})`, legend: `{{${node}}} gpu {{${gpu}}}` }],
    },
  ];
  return dashboardJson({
    uid: OVERVIEW_DASHBOARD_UID,
    title: `LLM platform overview (${p.environment})`,
    description: `Every vLLM model in ${ns} and every GPU of the ${p.environment} cluster.`,
    tags: [DASHBOARD_TAG, 'vllm', 'gpu'],
    links: p.models.map((m) => ({ title: m, uid: modelDashboardUid(m) })),
    rows: [
      { title: 'Models', panels: models },
      { title: 'GPUs', panels: gpus },
    ],
  });
}
