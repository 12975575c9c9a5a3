/**
 * The per-environment cdk8s app: maps a validated {@link PlatformConfig} onto the constructs.
 *
 * One chart for what the namespace shares and one chart per enabled variant, so a GitOps repo
 * gets one file per model (`mistral-7b-awq.k8s.yaml`) and a diff names the model it touches.
 */
import { App, Chart, YamlOutputType } from 'cdk8s';
import type { Construct } from 'constructs';
import { CATALOG } from '../constructs/catalog';
import { cachedImage } from '../constructs/image-cache';
import { HF_TOKEN_SECRET, ModelNamespace, SHARED_CACHE_CLAIM } from '../constructs/model-namespace';
import { ModelObservability, PlatformObservability } from '../constructs/observability';
import { registryModelUri } from '../constructs/registry-layout';
import {
  VllmModel,
  type LoraAdapterProps,
  type ModelCacheProps,
  type ModelSourceProps,
  type VllmModelProps,
} from '../constructs/vllm-model';
import { API_KEY_SECRET, registryCachePath } from '../constructs/workload-layout';
import type { LoraAdapter, ModelConfig, PlatformConfig } from '../config/platform';
import { collectorGrpcEndpoint } from '../config/tracing';
import { OTLP_PORTS } from '../facts/otel';
import { gpuHourPrice } from './cost/gpu-hour';
import { addBenchCharts } from './bench-chart';
import { addGatewayChart, gatewayClientNamespaces } from './gateway-chart';

/** Name of the chart (and file) holding the namespace-wide objects. */
export const NAMESPACE_CHART = 'namespace';

/** `ref` as the pods pull it: through the ECR pull-through cache when `imageCache` is on. */
export function pulledImage(c: PlatformConfig, ref: string): string {
  // Config validation guarantees the registry whenever the cache is on.
  return c.imageCache.enabled ? cachedImage(ref, c.imageCache.registry!) : ref;
}

/** The image reference a config pins: digest when given, else the tag. */
export function imageRef(c: PlatformConfig): string {
  const { repository, tag, digest } = c.workloads.image;
  return pulledImage(c, digest ? `${repository}@${digest}` : `${repository}:${tag}`);
}

function cacheProps(c: PlatformConfig): ModelCacheProps {
  const cache = c.workloads.modelCache;
  switch (cache.kind) {
    case 'pvc':
    case 'ephemeral':
      return { kind: cache.kind, storageClassName: cache.storageClassName, sizeGiB: cache.sizeGiB };
    case 'shared':
      return { kind: 'shared', claimName: SHARED_CACHE_CLAIM };
    default: {
      const never: never = cache.kind;
      throw new Error(`workloads.modelCache.kind ${String(never)} is not handled`);
    }
  }
}

/** Where a variant (or one of its tracks, at `version`) loads its weights from. */
function sourceProps(c: PlatformConfig, m: ModelConfig, version?: string): ModelSourceProps {
  if (m.source.kind === 'huggingface') return { kind: 'huggingface' };
  // Config validation guarantees the bucket name whenever a model loads from the registry.
  const bucket = c.registry.bucketName!;
  return {
    kind: 'registry',
    uri: registryModelUri(bucket, m.name, version ?? m.source.version),
    loader: m.source.loader,
    syncImage: pulledImage(c, c.registry.syncImage),
  };
}

/** What `--lora-modules` names for an adapter, and the registry copy that has to happen first. */
export function adapterProps(c: PlatformConfig, a: LoraAdapter): LoraAdapterProps {
  const src = a.source;
  switch (src.kind) {
    case 'huggingface':
      return { name: a.name, path: src.repo };
    case 'cache':
      return { name: a.name, path: src.path };
    case 'registry': {
      // Config validation guarantees the bucket name whenever an adapter loads from the registry.
      const uri = registryModelUri(c.registry.bucketName!, src.model ?? a.name, src.version);
      return { name: a.name, path: registryCachePath(uri), sync: { uri, image: pulledImage(c, c.registry.syncImage) } };
    }
    default: {
      const never: never = src;
      throw new Error(`adapter source ${JSON.stringify(never)} is not handled`);
    }
  }
}

/** Image, revision and source of one blue/green track: its overrides, else the variant's. */
function trackVersion(c: PlatformConfig, m: ModelConfig, t: 'blue' | 'green') {
  const o = m.blueGreen.tracks[t];
  return {
    image: o.imageTag ? pulledImage(c, `${c.workloads.image.repository}:${o.imageTag}`) : imageRef(c),
    revision: o.revision ?? m.revision,
    source: sourceProps(c, m, o.registryVersion),
  };
}

/** The construct props of one variant, every value from the config. */
export function modelProps(c: PlatformConfig, m: ModelConfig): VllmModelProps {
  const w = c.workloads;
  return {
    namespace: w.namespace,
    name: m.name,
    variant: m.id,
    team: CATALOG[m.id].team,
    image: imageRef(c),
    modelId: m.modelId,
    source: sourceProps(c, m),
    revision: m.revision,
    quantization: m.quantization,
    dtype: m.dtype,
    maxModelLen: m.maxModelLen,
    maxNumSeqs: m.maxNumSeqs,
    maxNumBatchedTokens: m.maxNumBatchedTokens,
    gpuMemoryUtilization: m.gpuMemoryUtilization,
    enforceEager: m.enforceEager,
    enablePrefixCaching: m.enablePrefixCaching,
    lora:
      m.maxLoras !== undefined && m.maxLoraRank !== undefined
        ? { maxLoras: m.maxLoras, maxLoraRank: m.maxLoraRank, adapters: (m.adapters ?? []).map((a) => adapterProps(c, a)) }
        : undefined,
    extraArgs: m.extraArgs,
    minReplicas: m.minReplicas,
    maxReplicas: m.maxReplicas,
    queueDepthPerReplica: m.queueDepthPerReplica,
    kvCacheUsageTarget: m.kvCacheUsageTarget,
    scaleDownStabilizationSec: m.scaleDownStabilizationSec,
    rolloutStrategy: m.rolloutStrategy,
    blueGreen:
      m.rolloutStrategy === 'BlueGreen'
        ? {
            activeTrack: m.blueGreen.activeTrack,
            standbyReplicas: m.blueGreen.standbyReplicas,
            tracks: {
              blue: trackVersion(c, m, 'blue'),
              green: trackVersion(c, m, 'green'),
            },
          }
        : undefined,
    cpuRequest: m.cpuRequest,
    cpuLimit: m.cpuLimit,
    memoryRequestGiB: m.memoryRequestGiB,
    memoryLimitGiB: m.memoryLimitGiB,
    shmSizeGiB: m.shmSizeGiB,
    startupTimeoutSec: m.startupTimeoutSec,
    preStopSleepSec: m.preStopSleepSec,
    shutdownTimeoutSec: m.shutdownTimeoutSec,
    cache: cacheProps(c),
    hfTokenSecret: HF_TOKEN_SECRET,
    apiKeySecret: w.enableAuth ? API_KEY_SECRET : undefined,
    prometheusUrl: w.monitoring.prometheusUrl,
    monitoringLabels: w.monitoring.selectorLabels,
    monitoringNamespace: w.monitoring.namespace,
    clientNamespaces: [...w.clientNamespaces, w.benchNamespace, ...gatewayClientNamespaces(c)],
    tracing: c.tracing.enabled
      ? { otlpTracesEndpoint: collectorGrpcEndpoint(c.tracing), collectorNamespace: c.tracing.namespace, collectorPort: OTLP_PORTS.grpc }
      : undefined,
  };
}

/** Add every chart of one environment to `app`; returns the model constructs by variant name. */
export function addPlatformCharts(app: Construct, c: PlatformConfig): Map<string, VllmModel> {
  const w = c.workloads;
  const shared = new Chart(app, NAMESPACE_CHART, { disableResourceNameHashes: true });
  new ModelNamespace(shared, 'Namespace', {
    name: w.namespace,
    secretStoreName: c.secrets.storeName,
    hfTokenName: c.secrets.hfTokenName,
    apiKeyName: w.enableAuth ? c.secrets.apiKeyName : undefined,
    refreshInterval: c.secrets.refreshInterval,
    sharedCache:
      w.modelCache.kind === 'shared' ? { storageClassName: w.modelCache.sharedStorageClassName, sizeGiB: w.modelCache.sizeGiB } : undefined,
  });
  new PlatformObservability(shared, 'Observability', {
    namespace: w.namespace,
    environment: c.environment,
    models: c.enabledModels.map((m) => m.name),
    monitoringLabels: w.monitoring.selectorLabels,
    gpuPrice: gpuHourPrice(c),
    maxCostPer1MTokens: c.slo.maxCostPer1MTokens,
    runbookBaseUrl: c.observability.runbookBaseUrl,
  });
  const models = new Map<string, VllmModel>();
  for (const m of c.enabledModels) {
    const chart = new Chart(app, m.name, { disableResourceNameHashes: true });
    const props = modelProps(c, m);
    const model = new VllmModel(chart, 'Model', props);
    models.set(m.name, model);
    new ModelObservability(chart, 'Observability', {
      ...props,
      model,
      environment: c.environment,
      slo: m.slo,
      runbookBaseUrl: c.observability.runbookBaseUrl,
    });
  }
  addGatewayChart(app, c);
  addBenchCharts(app, c);
  return models;
}

/** A cdk8s App for one environment writing one YAML file per chart into `outdir`. */
export function platformApp(c: PlatformConfig, outdir: string): App {
  const app = new App({ outdir, outputFileExtension: '.k8s.yaml', yamlOutputType: YamlOutputType.FILE_PER_CHART });
  addPlatformCharts(app, c);
  return app;
}
