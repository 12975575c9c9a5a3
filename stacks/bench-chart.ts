/**
 * The llm-bench charts of one environment: the bench namespace every distributed load run relies
 * on (restricted pods, default deny, the coordinator's Role, the API key), and, when `bench.image`
 * names the llm-bench image, a load worker Job for the first enabled variant, created suspended:
 * applying it runs nothing; unsuspending it (`kubectl -n llm-bench patch job llm-bench-load -p
 * '{"spec":{"suspend":false}}'`, or a GitOps change) runs the load, each pod printing its report
 * to its log, and `llm-bench collect --job llm-bench-load` merges them into one result. The committed environments set no `bench.image` (CI pushes the image to a registry
 * only the user knows); stacks/policy-run.ts judges the Job with an example image instead.
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { BenchNamespace } from '../constructs/bench-namespace';
import { LoadWorkerJob } from '../constructs/load-job';
import { API_KEY_SECRET } from '../constructs/workload-layout';
import { VLLM_PORT } from '../constructs/vllm-args';
import type { ModelConfig, PlatformConfig } from '../config/platform';
import type { WorkerSpec } from '../bench/distributed/spec';
import { BENCH_DEFAULTS } from '../bench/defaults';
import { OTLP_PORTS } from '../facts/otel';
import { cachedImage, imageRegistryOf, PULL_THROUGH_UPSTREAMS } from '../constructs/image-cache';

/** Chart (and file) of the bench namespace's objects. */
export const BENCH_CHART = 'bench';
/** Chart (and file) of the suspended load worker Job. */
export const BENCH_LOAD_CHART = 'bench-load';
/** Name of that Job. */
export const BENCH_LOAD_JOB = 'llm-bench-load';
/** Workers of that Job. */
export const BENCH_LOAD_WORKERS = 4;
/** Requests per user of that Job's run. */
const REQUESTS_PER_USER = 20;

/**
 * The run the Job's workers share: every sequence slot of the variant's minimum replicas busy
 * (at least one user per worker), 20 requests per user, the variant's TTFT and error objectives as
 * thresholds. Workers start when their pods do: a GitOps Job has no coordinator to set a barrier.
 */
export function benchLoadSpec(c: PlatformConfig, m: ModelConfig): WorkerSpec {
  const concurrency = Math.max(m.maxNumSeqs * m.minReplicas, BENCH_LOAD_WORKERS);
  return {
    protocol: 1,
    runId: `${c.environment}-${m.name}`
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-')
      .slice(0, 40),
    workers: BENCH_LOAD_WORKERS,
    startAtMs: 0,
    settings: {
      baseUrl: `http://${m.name}.${c.workloads.namespace}.svc:${VLLM_PORT}`,
      model: m.name,
      endpoint: BENCH_DEFAULTS.endpoint,
      stream: true,
      profile: { kind: 'concurrency', concurrency },
      requests: concurrency * REQUESTS_PER_USER,
      durationSec: null,
      inputTokens: BENCH_DEFAULTS.inputTokens,
      outputTokens: null,
      prompts: `synthetic, ~${BENCH_DEFAULTS.inputTokens} tokens`,
      seed: BENCH_DEFAULTS.seed,
      timeouts: {
        connectSec: BENCH_DEFAULTS.connectTimeoutSec,
        firstTokenSec: BENCH_DEFAULTS.firstTokenTimeoutSec,
        totalSec: BENCH_DEFAULTS.timeoutSec,
      },
    },
    thresholds: [`ttftMs.p95<${m.slo.ttftP95Ms}`, `errorRate<${m.slo.errorRatio}`],
    ...(c.tracing.enabled && { otlpEndpoint: `http://otel-collector.${c.tracing.namespace}.svc:${OTLP_PORTS.http}` }),
  };
}

/**
 * The llm-bench image as the pods pull it: through the ECR pull-through cache when it is on and the
 * image's registry is one the cache serves (as platform-chart.ts pulledImage does); as named when
 * it is not, the usual case: CI pushes the image to the account's own registry.
 */
export function benchImage(c: PlatformConfig, ref: string): string {
  return c.imageCache.enabled && PULL_THROUGH_UPSTREAMS[imageRegistryOf(ref)] ? cachedImage(ref, c.imageCache.registry!) : ref;
}

/** Adds the bench charts of `c` to `app`. */
export function addBenchCharts(app: Construct, c: PlatformConfig): void {
  const w = c.workloads;
  const chart = new Chart(app, BENCH_CHART, { disableResourceNameHashes: true });
  const egress = {
    modelNamespace: w.namespace,
    modelPort: VLLM_PORT,
    ...(c.tracing.enabled && { collector: { namespace: c.tracing.namespace, port: OTLP_PORTS.http } }),
  };
  new BenchNamespace(chart, 'Namespace', {
    name: w.benchNamespace,
    ...egress,
    secretStoreName: c.secrets.storeName,
    ...(w.enableAuth && { apiKeyName: c.secrets.apiKeyName }),
    apiKeySecret: API_KEY_SECRET,
    refreshInterval: c.secrets.refreshInterval,
  });
  const m = c.enabledModels[0];
  if (c.bench.image === undefined || m === undefined) return;
  const load = new Chart(app, BENCH_LOAD_CHART, { disableResourceNameHashes: true });
  const spec = benchLoadSpec(c, m);
  new LoadWorkerJob(load, 'Job', {
    name: BENCH_LOAD_JOB,
    namespace: w.benchNamespace,
    image: benchImage(c, c.bench.image),
    workers: spec.workers,
    spec: JSON.stringify(spec),
    runId: spec.runId,
    ...(w.enableAuth && { apiKeySecret: API_KEY_SECRET }),
    cpu: c.bench.workerCpu,
    memoryGiB: c.bench.workerMemoryGiB,
    // Each user's requests at their own timeout, twice over, plus a minute for scheduling and image pulls.
    activeDeadlineSeconds: 60 + 2 * REQUESTS_PER_USER * BENCH_DEFAULTS.timeoutSec,
    suspend: true,
    egress,
  });
}
