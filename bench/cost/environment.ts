/**
 * The one place that reads a {@link PlatformConfig} for the bill: what the environment runs,
 * in the terms of {@link CostInput}, and the prices it is billed at. Every count comes from the
 * config (variants' replicas, blue/green standby, node group sizes, cache kind), none is typed in.
 *
 * In bench/ rather than stacks/ so that `npm run cost` (stacks/cost.ts) and `llm-bench plan
 * --env` price an environment with the same code; it reads only leaf modules (config/,
 * constructs/catalog.ts, facts/).
 */
import { CATALOG } from '../../constructs/catalog';
import { HOURS_PER_MONTH } from '../../facts/prices';
import { PROMETHEUS_STORAGE_GIB } from '../../config/sizes';
import { ConfigError, type PlatformConfig } from '../../config/platform';
import { missingInstancePrices, priceBook, type PriceBook } from './prices';
import type { CostInput, CostVariant, SupportTier } from './estimate';

/** Usage the bill depends on but no config states; each is printed with the estimate. */
export interface CostUsage {
  /** Starts of each GPU node per month: SPOT replacements, rollouts, scale-outs. */
  readonly coldStartsPerGpuNodePerMonth: number;
  /** The vLLM image is ~10 GB compressed (see gpuNodes.rootVolumeGiB in config/platform.ts). */
  readonly imageGbPerColdStart: number;
  /** EKS control-plane logs (every type, audit the largest) of a small cluster. */
  readonly controlPlaneLogGbPerMonth: number;
  /**
   * NLCUs the front door's NLB is billed each hour. One NLCU covers 800 new TLS connections a
   * second, 50,000 active ones or 1 GB an hour processed: far more than a few GPUs can answer.
   */
  readonly frontDoorNlcuPerHour: number;
}

/** What a month looks like unless a flag says otherwise: a start a week, 20 GB of logs. */
export const DEFAULT_USAGE: CostUsage = {
  coldStartsPerGpuNodePerMonth: 4,
  imageGbPerColdStart: 10,
  controlPlaneLogGbPerMonth: 20,
  frontDoorNlcuPerHour: 1,
};

/** Customer managed KMS keys the stack creates: the cluster's secrets key and the registry's key. */
export const KMS_KEYS = 2;

/** The region prices are read for when a config came without its stack's aws:region. */
export const FALLBACK_PRICING_REGION = 'us-east-1';

/**
 * The support tier the control plane is billed at. Reads `cluster.supportType` (or
 * `cluster.upgradePolicy.supportType`) defensively: EXTENDED bills the extended rate, anything
 * else the standard one. EKS charges the extended rate only while the version is past its end of
 * standard support; under EXTENDED the estimate assumes it will be, which is the bound.
 */
export function supportTierOf(cluster: PlatformConfig['cluster']): SupportTier {
  const c = cluster as Record<string, unknown>;
  const policy = c.upgradePolicy as Record<string, unknown> | undefined;
  const type = c.supportType ?? policy?.supportType;
  return typeof type === 'string' && type.toUpperCase() === 'EXTENDED' ? 'extended' : 'standard';
}

/** Seconds of a duration like `1h`, `30m`, `45s`. */
function durationSec(d: string): number {
  const m = /^(\d+)([smh])$/.exec(d);
  if (!m) throw new RangeError(`duration must look like 1h, 30m or 45s, got ${d}`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as 's' | 'm' | 'h'];
}

/** The region whose prices apply: `pricing.region`, else the stack's aws:region. */
export function pricingRegion(c: PlatformConfig): string {
  return c.pricing.region ?? c.region ?? FALLBACK_PRICING_REGION;
}

/**
 * The price book of an environment, from facts/prices.ts and its `pricing` settings.
 *
 * @throws ConfigError when the region or an instance type has no price
 */
export function environmentPrices(c: PlatformConfig, source = `Pulumi.${c.environment}.yaml`): PriceBook {
  const region = pricingRegion(c);
  let prices: PriceBook;
  try {
    prices = priceBook(region, { spotDiscount: c.pricing.spotDiscount, instanceHourlyUsd: c.pricing.instanceHourlyUsd });
  } catch {
    throw new ConfigError(source, [
      `aws:region ${region} has no prices in facts/prices.ts; ` +
        "set pricing.region to the nearest priced region, or add the region's prices there",
    ]);
  }
  const types = [...c.gpuNodes.instanceTypes, c.systemNodes.instanceType];
  const missing = missingInstancePrices(prices.region, types, c.pricing);
  if (missing.length > 0) {
    throw new ConfigError(
      source,
      missing.map(
        (t) =>
          `${t} has no on-demand price for ${prices.region} in facts/prices.ts; ` +
          `set one under pricing.instanceHourlyUsd: { ${t}: { onDemand: <USD per hour> } }`,
      ),
    );
  }
  return prices;
}

function variantsOf(c: PlatformConfig): CostVariant[] {
  const cache = c.workloads.modelCache.kind;
  return c.enabledModels.map((m) => {
    // Weights come through NAT at every start only when nothing keeps them: an ephemeral cache
    // filled from Hugging Face. A per-variant or shared cache downloads once; S3 (the registry)
    // goes through the free gateway endpoint.
    const fromInternet = cache === 'ephemeral' && m.source.kind === 'huggingface';
    const weightsGb = m.modelId === CATALOG[m.id].modelId ? CATALOG[m.id].weightsGiB : 15;
    return {
      id: m.id,
      minReplicas: m.minReplicas,
      maxReplicas: m.maxReplicas,
      standbyReplicas: m.rolloutStrategy === 'BlueGreen' ? m.blueGreen.standbyReplicas : 0,
      weightsGbPerColdStart: fromInternet ? weightsGb : 0,
    };
  });
}

/** The bill's view of an environment. */
export function costInput(c: PlatformConfig, usage: CostUsage = DEFAULT_USAGE): CostInput {
  const cache = c.workloads.modelCache;
  // A per-variant cache is one PVC per Deployment: both tracks under blue/green.
  const pvcs = cache.kind === 'pvc' ? c.enabledModels.reduce((n, m) => n + (m.rolloutStrategy === 'BlueGreen' ? 2 : 1), 0) : 0;
  // The front door adds the client keys' secret (infra/gateway.ts) and two ExternalSecrets that
  // read it and the upstream key (constructs/gateway.ts).
  const front = c.gateway.enabled;
  const secrets = (c.workloads.enableAuth ? 2 : 1) + (front ? 1 : 0);
  const secretReads = secrets + (front ? 1 : 0);
  const g = c.gpuNodes;
  const fallbackMax = g.onDemandFallback.enabled ? g.onDemandFallback.maxSize : 0;
  // The cluster autoscaler's max-nodes-total, as stacks/pulumi.ts sets it, less the system nodes.
  const nodeLimit = c.systemNodes.maxSize + g.maxSize + fallbackMax - c.systemNodes.desiredSize;
  return {
    environment: c.environment,
    supportTier: supportTierOf(c.cluster),
    systemNodes: { instanceType: c.systemNodes.instanceType, count: c.systemNodes.desiredSize, volumeGb: c.systemNodes.rootVolumeGiB },
    gpuNodes: {
      instanceTypes: g.instanceTypes,
      capacityType: g.capacityType,
      volumeGb: g.rootVolumeGiB,
      // infra/node-groups.ts: one primary and one fallback group per zone; min and desired are
      // spread over them, and each may grow to the pool's maxSize.
      zones: c.network.availabilityZoneCount,
      minSize: g.minSize,
      desiredSize: g.desiredSize,
      maxSizePerZone: g.maxSize,
      fallbackMaxSizePerZone: fallbackMax,
      nodeLimit,
    },
    variants: variantsOf(c),
    natGateways: c.network.natGateways === 'single' ? 1 : c.network.availabilityZoneCount,
    storage: {
      ebsVolumes: [
        { item: 'model caches, one per variant Deployment', count: pvcs, sizeGb: cache.sizeGiB },
        { item: 'Prometheus', count: 1, sizeGb: PROMETHEUS_STORAGE_GIB },
      ],
      ebsGbPerPod: cache.kind === 'ephemeral' ? cache.sizeGiB : 0,
      efsGb: cache.kind === 'shared' ? cache.sizeGiB : 0,
    },
    controlPlaneLogGbPerMonth: usage.controlPlaneLogGbPerMonth,
    kmsKeys: KMS_KEYS,
    // External Secrets reads each secret once per refreshInterval.
    secrets: { count: secrets, readsPerMonth: Math.round((secretReads * HOURS_PER_MONTH * 3600) / durationSec(c.secrets.refreshInterval)) },
    // An internet-facing NLB (infra/gateway.ts) in each public subnet: one public IPv4 per zone.
    loadBalancers: front
      ? [{ kind: 'nlb', name: 'the front door', capacityUnits: usage.frontDoorNlcuPerHour, publicIpv4: c.network.availabilityZoneCount }]
      : [],
    coldStartsPerGpuNodePerMonth: usage.coldStartsPerGpuNodePerMonth,
    imageGbPerColdStart: usage.imageGbPerColdStart,
    hoursPerMonth: HOURS_PER_MONTH,
  };
}
