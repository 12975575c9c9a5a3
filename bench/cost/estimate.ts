/**
 * The monthly bill of one environment, line by line, from a small description of what it runs
 * ({@link CostInput}) and a {@link PriceBook}. Pure: bench/cost/environment.ts maps a config onto the
 * input, stacks/cost/report.ts prints the result.
 *
 * Two columns throughout: the primary GPU groups on SPOT, and the same groups on demand (the
 * on-demand fallback groups are on demand in both). The environment's estimate is the column of
 * its configured capacity type; the other says what that choice is worth.
 */
import { GPU_INSTANCE_TYPES } from '../../constructs/hardware';
import { EKS_CONTROL_PLANE_USD_PER_HOUR, KMS, PRICES_READ_ON, PUBLIC_IPV4_USD_PER_HOUR, SECRETS_MANAGER } from '../../facts/prices';
import type { CapacityType, PriceBook } from './prices';

/** EKS bills the control plane at one of two rates. */
export type SupportTier = 'standard' | 'extended';

/** One enabled model variant, as far as the bill is concerned. Every pod holds one GPU. */
export interface CostVariant {
  /** Short name for the quantity column, e.g. `awq`. */
  readonly id: string;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Pods the blue/green standby track keeps warm; 0 without BlueGreen. */
  readonly standbyReplicas: number;
  /** GB of weights each cold start downloads through NAT; 0 when a cache keeps them or S3 serves them. */
  readonly weightsGbPerColdStart: number;
}

/** A load balancer on the bill: its hours, its capacity units, and the public IPv4 addresses it holds. */
export interface CostLoadBalancer {
  readonly kind: 'alb' | 'nlb';
  /** What it is for, as the line names it, e.g. `the front door`. */
  readonly name: string;
  /** LCUs (ALB) or NLCUs (NLB) billed each hour on average. */
  readonly capacityUnits: number;
  /** Public IPv4 addresses it holds: an internet-facing load balancer has one per zone. @default 0 */
  readonly publicIpv4?: number;
}

/** What an environment runs, in the terms the bill is made of. */
export interface CostInput {
  readonly environment: string;
  readonly supportTier: SupportTier;
  readonly systemNodes: { readonly instanceType: string; readonly count: number; readonly volumeGb: number };
  readonly gpuNodes: {
    /** Several types: priced at the most expensive, with the cheapest shown beside. */
    readonly instanceTypes: readonly string[];
    readonly capacityType: CapacityType;
    readonly volumeGb: number;
    /** One primary group (and one fallback group) per zone. */
    readonly zones: number;
    /** Pool-wide sizes, spread over the zones' groups. */
    readonly minSize: number;
    readonly desiredSize: number;
    /** The most nodes each zone's primary group may grow to. */
    readonly maxSizePerZone: number;
    /** The most nodes each zone's on-demand fallback group may grow to; 0 without a fallback. */
    readonly fallbackMaxSizePerZone: number;
    /** GPU nodes the cluster autoscaler allows in all (its max-nodes-total less the system nodes). */
    readonly nodeLimit: number;
  };
  readonly variants: readonly CostVariant[];
  readonly natGateways: number;
  readonly storage: {
    /** Fixed EBS volumes: per-variant caches, Prometheus. */
    readonly ebsVolumes: readonly { readonly item: string; readonly count: number; readonly sizeGb: number }[];
    /** EBS GB each model pod claims for itself (an ephemeral cache); 0 otherwise. */
    readonly ebsGbPerPod: number;
    /** EFS GB of a shared cache; 0 without one. */
    readonly efsGb: number;
  };
  /** Control-plane log GB ingested per month (every log type is on). */
  readonly controlPlaneLogGbPerMonth: number;
  readonly kmsKeys: number;
  readonly secrets: { readonly count: number; readonly readsPerMonth: number };
  /** Load balancers in front of the models: the front door's NLB when `gateway.enabled`, else none. */
  readonly loadBalancers: readonly CostLoadBalancer[];
  /** Times each GPU node starts per month (SPOT replacements, rollouts, scale-outs): image pulls through NAT. */
  readonly coldStartsPerGpuNodePerMonth: number;
  /** GB of container image each GPU node start pulls through NAT. */
  readonly imageGbPerColdStart: number;
  readonly hoursPerMonth: number;
}

/** One line of the bill: USD per month in each column. */
export interface CostLine {
  readonly item: string;
  readonly quantity: string;
  readonly spot: number;
  readonly onDemand: number;
}

/** GPU nodes and pods in one situation. */
export interface GpuNodeCount {
  /** Nodes of the primary groups. */
  readonly primary: number;
  /** Nodes of the on-demand fallback groups. */
  readonly fallback: number;
  /** Model pods running. */
  readonly pods: number;
  /** Pods no group can place. */
  readonly pending: number;
}

/** The monthly total of one situation. */
export interface CostScenario {
  readonly id: 'floor' | 'desired' | 'steady' | 'peak' | 'spotGone';
  readonly description: string;
  readonly nodes: GpuNodeCount;
  readonly spot: number;
  readonly onDemand: number;
}

export interface CostEstimate {
  readonly environment: string;
  readonly region: string;
  readonly pricesReadOn: string;
  readonly hoursPerMonth: number;
  readonly supportTier: SupportTier;
  readonly capacityType: CapacityType;
  readonly spotDiscount: number;
  /** The GPU instance type the lines price (the most expensive of a mixed list). */
  readonly gpuInstanceType: string;
  readonly gpuInstanceTypes: readonly string[];
  /** Pods of the variants at minReplicas, without the standby. */
  readonly servingPods: number;
  readonly standbyPods: number;
  /** Pods with every variant at maxReplicas, standby included. */
  readonly peakPods: number;
  /** GPU nodes in the steady state. */
  readonly steadyNodes: GpuNodeCount;
  /** The steady state, line by line. */
  readonly lines: readonly CostLine[];
  readonly total: { readonly spot: number; readonly onDemand: number };
  /** The total of the configured capacity type: what the environment is estimated to cost. */
  readonly billed: number;
  /** With a mixed list: the steady total if every GPU node were the cheapest type. */
  readonly cheapest?: { readonly instanceType: string; readonly spot: number; readonly onDemand: number };
  readonly scenarios: readonly CostScenario[];
  /** What the environment costs with no GPU node: the fixed floor a capacity plan adds GPUs to. */
  readonly floorMonthlyUsd: number;
  /** What one more GPU node adds per month (instance, volume, image pulls), for capacity plans. */
  readonly perGpuNodeMonthlyUsd: { readonly spot: number; readonly onDemand: number };
  /** The usage figures the estimate assumes, in words. */
  readonly assumptions: readonly string[];
}

interface Rates {
  readonly spot: number;
  readonly onDemand: number;
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const same = (item: string, quantity: string, monthly: number): CostLine => ({ item, quantity, spot: monthly, onDemand: monthly });

/** A unit price with at least two decimals: `$0.10`, `$0.0832`. */
export function unitPrice(usd: number): string {
  const decimals = Math.min(4, Math.max(2, (String(Number(usd.toFixed(4))).split('.')[1] ?? '').length));
  return `$${usd.toFixed(decimals)}`;
}

/** The pool's limits: what the per-zone groups may hold, within the autoscaler's total. */
function caps(input: CostInput) {
  const g = input.gpuNodes;
  const primary = Math.min(g.maxSizePerZone * g.zones, g.nodeLimit);
  const fallback = Math.min(g.fallbackMaxSizePerZone * g.zones, g.nodeLimit);
  return { primary, fallback, total: g.nodeLimit };
}

/** How the groups place `pods` when the primary groups keep at least `primaryFloor` nodes. */
function place(input: CostInput, gpusPerNode: number, pods: number, primaryFloor: number): GpuNodeCount {
  const cap = caps(input);
  const need = Math.ceil(pods / gpusPerNode);
  const primary = Math.min(cap.primary, Math.max(primaryFloor, need));
  const fallback = Math.max(0, Math.min(cap.fallback, cap.total - primary, need - primary));
  return { primary, fallback, pods, pending: Math.max(0, pods - (primary + fallback) * gpusPerNode) };
}

/** GB pulled through NAT per month: every GPU node start pulls the image, and weights where nothing keeps them. */
function natPullGb(input: CostInput, nodes: number, podsByVariant: ReadonlyMap<string, number>): number {
  const weights = sum(input.variants.map((v) => (podsByVariant.get(v.id) ?? 0) * v.weightsGbPerColdStart));
  return input.coldStartsPerGpuNodePerMonth * (nodes * input.imageGbPerColdStart + weights);
}

/** Monthly USD of everything that grows with GPU nodes and pods. */
function gpuMonthly(input: CostInput, prices: PriceBook, instance: Rates, n: GpuNodeCount, pods: ReadonlyMap<string, number>): Rates {
  const s = prices.services;
  const h = input.hoursPerMonth;
  const nodes = n.primary + n.fallback;
  const other =
    nodes * input.gpuNodes.volumeGb * s.ebsGp3UsdPerGbMonth +
    n.pods * input.storage.ebsGbPerPod * s.ebsGp3UsdPerGbMonth +
    natPullGb(input, nodes, pods) * s.natGatewayUsdPerGb;
  const fallback = n.fallback * instance.onDemand * h;
  return { spot: n.primary * instance.spot * h + fallback + other, onDemand: n.primary * instance.onDemand * h + fallback + other };
}

/** The steady-state GPU node lines: serving pods, the standby, nodes minSize keeps idle, fallback overflow. */
function gpuNodeLines(input: CostInput, type: string, instance: Rates, steady: GpuNodeCount, gpusPerNode: number): CostLine[] {
  const h = input.hoursPerMonth;
  const serving = sum(input.variants.map((v) => v.minReplicas));
  const servingNodes = Math.min(steady.primary, Math.ceil(serving / gpusPerNode));
  const withStandby = Math.min(steady.primary, Math.ceil(steady.pods / gpusPerNode));
  const rates = `${unitPrice(instance.spot)}/h SPOT, ${unitPrice(instance.onDemand)}/h on demand`;
  const line = (item: string, nodes: number, detail: string): CostLine => ({
    item,
    quantity: `${nodes} × ${type} (${detail}) at ${rates}`,
    spot: nodes * instance.spot * h,
    onDemand: nodes * instance.onDemand * h,
  });
  const perVariant = input.variants.map((v) => `${v.id} ${v.minReplicas}`).join(', ');
  const lines = [line('GPU nodes serving every variant at minReplicas', servingNodes, perVariant)];
  if (withStandby > servingNodes) {
    const standby = input.variants.filter((v) => v.standbyReplicas > 0).map((v) => `${v.id} ${v.standbyReplicas}`);
    lines.push(line('GPU nodes of the blue/green standby', withStandby - servingNodes, standby.join(', ')));
  }
  if (steady.primary > withStandby) {
    lines.push(line('GPU nodes gpuNodes.minSize keeps with no pod', steady.primary - withStandby, `minSize ${input.gpuNodes.minSize}`));
  }
  if (steady.fallback > 0) {
    const quantity = `${steady.fallback} × ${type} at ${unitPrice(instance.onDemand)}/h`;
    lines.push(same('GPU nodes of the on-demand fallback, past the primary groups', quantity, steady.fallback * instance.onDemand * h));
  }
  return lines;
}

/** The network lines: NAT gateways, what GPU node starts pull through them, load balancers. */
function networkLines(input: CostInput, prices: PriceBook, pulledGb: number): CostLine[] {
  const s = prices.services;
  const h = input.hoursPerMonth;
  const lines: CostLine[] = [];
  if (input.natGateways > 0) {
    const quantity = `${input.natGateways} × (${unitPrice(s.natGatewayUsdPerHour)} + ${unitPrice(PUBLIC_IPV4_USD_PER_HOUR)} IPv4)/h`;
    const monthly = input.natGateways * (s.natGatewayUsdPerHour + PUBLIC_IPV4_USD_PER_HOUR) * h;
    lines.push(same('NAT gateways with their public IPv4', quantity, monthly));
  }
  if (pulledGb > 0) {
    const quantity = `${Number(pulledGb.toFixed(1))} GB × ${unitPrice(s.natGatewayUsdPerGb)}`;
    lines.push(same('NAT data: image (and uncached weights) pulls at GPU node starts', quantity, pulledGb * s.natGatewayUsdPerGb));
  }
  for (const lb of input.loadBalancers) {
    const [hourly, unit, units] =
      lb.kind === 'alb' ? [s.albUsdPerHour, s.albUsdPerLcuHour, 'LCU'] : [s.nlbUsdPerHour, s.nlbUsdPerNlcuHour, 'NLCU'];
    const ips = lb.publicIpv4 ?? 0;
    const ipText = ips > 0 ? ` + ${ips} public IPv4 × ${unitPrice(PUBLIC_IPV4_USD_PER_HOUR)}/h` : '';
    const quantity = `${unitPrice(hourly)}/h + ${lb.capacityUnits} ${units} × ${unitPrice(unit)}/h${ipText}`;
    const item = `${lb.kind.toUpperCase()} of ${lb.name}${ips > 0 ? ', with its public IPv4' : ''}`;
    lines.push(same(item, quantity, (hourly + lb.capacityUnits * unit + ips * PUBLIC_IPV4_USD_PER_HOUR) * h));
  }
  return lines;
}

/** The storage lines: EBS of GPU and system nodes, caches, Prometheus; EFS. */
function storageLines(input: CostInput, prices: PriceBook, gpuNodes: number, pods: number): CostLine[] {
  const gb = prices.services.ebsGp3UsdPerGbMonth;
  const ebs = (item: string, count: number, sizeGb: number) =>
    same(`EBS gp3: ${item}`, `${count} × ${sizeGb} GB × ${unitPrice(gb)}`, count * sizeGb * gb);
  const lines = [ebs('GPU node volumes', gpuNodes, input.gpuNodes.volumeGb)];
  if (input.systemNodes.count > 0) lines.push(ebs('system node volumes', input.systemNodes.count, input.systemNodes.volumeGb));
  if (input.storage.ebsGbPerPod > 0) lines.push(ebs('model caches, one per pod', pods, input.storage.ebsGbPerPod));
  for (const v of input.storage.ebsVolumes.filter((x) => x.count > 0)) lines.push(ebs(v.item, v.count, v.sizeGb));
  if (input.storage.efsGb > 0) {
    const efs = prices.services.efsStandardUsdPerGbMonth;
    const quantity = `${input.storage.efsGb} GB × ${unitPrice(efs)}`;
    lines.push(same('EFS: shared model cache (its claim, an upper bound)', quantity, input.storage.efsGb * efs));
  }
  return lines;
}

/** Logs, keys and secrets. */
function operationsLines(input: CostInput, prices: PriceBook): CostLine[] {
  const s = prices.services;
  const logs = input.controlPlaneLogGbPerMonth;
  const sec = input.secrets;
  return [
    same(
      'CloudWatch Logs: control plane (ingested, stored a month)',
      `${logs} GB × (${unitPrice(s.cloudWatchLogsIngestUsdPerGb)} + ${unitPrice(s.cloudWatchLogsStoreUsdPerGbMonth)})`,
      logs * (s.cloudWatchLogsIngestUsdPerGb + s.cloudWatchLogsStoreUsdPerGbMonth),
    ),
    same(
      'KMS keys (requests within the free tier)',
      `${input.kmsKeys} × ${unitPrice(KMS.keyUsdPerMonth)}`,
      input.kmsKeys * KMS.keyUsdPerMonth,
    ),
    same(
      'Secrets Manager',
      `${sec.count} × ${unitPrice(SECRETS_MANAGER.secretUsdPerMonth)} + ${sec.readsPerMonth.toLocaleString('en-US')} reads`,
      sec.count * SECRETS_MANAGER.secretUsdPerMonth + (sec.readsPerMonth / 10_000) * SECRETS_MANAGER.usdPer10kCalls,
    ),
  ];
}

interface TypedEstimate {
  readonly instanceType: string;
  readonly steady: GpuNodeCount;
  readonly lines: CostLine[];
  readonly total: Rates;
  readonly scenarios: CostScenario[];
  readonly floor: number;
  readonly perNode: Rates;
}

/** The estimate with every GPU node of one instance type. */
function estimateFor(input: CostInput, prices: PriceBook, type: string): TypedEstimate {
  const gpusPerNode = GPU_INSTANCE_TYPES[type]?.gpuCount;
  if (!gpusPerNode) throw new RangeError(`${type} is not a GPU instance type of constructs/hardware.ts`);
  const instance = { spot: prices.instanceHourlyUsd(type, 'SPOT'), onDemand: prices.instanceHourlyUsd(type, 'ON_DEMAND') };
  const g = input.gpuNodes;
  const h = input.hoursPerMonth;
  const podsAt = (pick: (v: CostVariant) => number) => new Map(input.variants.map((v) => [v.id, pick(v)]));
  const steadyPods = podsAt((v) => v.minReplicas + v.standbyReplicas);
  const peakPods = podsAt((v) => v.maxReplicas + v.standbyReplicas);
  const steadyCount = sum([...steadyPods.values()]);
  const steady = place(input, gpusPerNode, steadyCount, g.minSize);
  const nodes = steady.primary + steady.fallback;

  const sys = input.systemNodes;
  const sysRate = prices.instanceHourlyUsd(sys.instanceType, 'ON_DEMAND');
  const cp = EKS_CONTROL_PLANE_USD_PER_HOUR[input.supportTier];
  const lines = [
    same(`EKS control plane, ${input.supportTier} support`, `1 cluster × ${unitPrice(cp)}/h`, cp * h),
    same(`system nodes, ${sys.instanceType} on demand`, `${sys.count} × ${unitPrice(sysRate)}/h`, sys.count * sysRate * h),
    ...gpuNodeLines(input, type, instance, steady, gpusPerNode),
    ...networkLines(input, prices, natPullGb(input, nodes, steadyPods)),
    ...storageLines(input, prices, nodes, steady.pods),
    ...operationsLines(input, prices),
  ];
  const total = { spot: sum(lines.map((l) => l.spot)), onDemand: sum(lines.map((l) => l.onDemand)) };
  // The floor: the same environment with no GPU node and no pod.
  const none = { primary: 0, fallback: 0, pods: 0, pending: 0 };
  const withoutGpus = gpuMonthly(input, prices, instance, steady, steadyPods);
  const floor = total.spot - withoutGpus.spot;

  const scenario = (id: CostScenario['id'], description: string, n: GpuNodeCount, pods: ReadonlyMap<string, number>): CostScenario => {
    const m = gpuMonthly(input, prices, instance, n, pods);
    return { id, description, nodes: n, spot: floor + m.spot, onDemand: floor + m.onDemand };
  };
  const desiredNodes = Math.min(caps(input).primary, g.desiredSize);
  const desiredPods = Math.min(steadyCount, desiredNodes * gpusPerNode);
  const scenarios: CostScenario[] = [
    scenario(
      'floor',
      `GPU groups at minSize ${g.minSize} and no model pod: the least the environment costs`,
      { ...none, primary: g.minSize },
      new Map(),
    ),
    scenario(
      'desired',
      `GPU groups at desiredSize ${g.desiredSize}, as created, before the autoscaler adds or removes nodes`,
      { primary: desiredNodes, fallback: 0, pods: desiredPods, pending: steadyCount - desiredPods },
      steadyPods,
    ),
    scenario('steady', 'every variant at minReplicas, blue/green standby warm: the estimate', steady, steadyPods),
    scenario('peak', 'every variant at maxReplicas', place(input, gpusPerNode, sum([...peakPods.values()]), g.minSize), peakPods),
  ];
  if (g.capacityType === 'SPOT' && g.fallbackMaxSizePerZone > 0) {
    const fallback = Math.min(caps(input).fallback, Math.ceil(steadyCount / gpusPerNode));
    const placed = Math.min(steadyCount, fallback * gpusPerNode);
    scenarios.push(
      scenario(
        'spotGone',
        `no SPOT capacity all month: the on-demand fallback groups (${g.fallbackMaxSizePerZone} per zone) carry the steady pods`,
        { primary: 0, fallback, pods: placed, pending: steadyCount - placed },
        steadyPods,
      ),
    );
  }
  // A node's volume and the image its starts pull through NAT come with it.
  const extras = g.volumeGb * prices.services.ebsGp3UsdPerGbMonth + natPullGb(input, 1, new Map()) * prices.services.natGatewayUsdPerGb;
  const perNode = { spot: instance.spot * h + extras, onDemand: instance.onDemand * h + extras };
  return { instanceType: type, steady, lines, total, scenarios, floor, perNode };
}

/**
 * The environment's monthly estimate: the steady state line by line, and the totals at the GPU
 * groups' floor, as created, at peak and with SPOT gone.
 *
 * @throws RangeError for an instance type without a price
 */
export function estimateMonthlyCost(input: CostInput, prices: PriceBook): CostEstimate {
  const g = input.gpuNodes;
  const column = g.capacityType === 'SPOT' ? 'spot' : 'onDemand';
  const typed = g.instanceTypes.map((t) => estimateFor(input, prices, t)).sort((a, b) => a.total[column] - b.total[column]);
  const priced = typed[typed.length - 1]!;
  const cheapest = typed[0]!;
  return {
    environment: input.environment,
    region: prices.region,
    pricesReadOn: PRICES_READ_ON,
    hoursPerMonth: input.hoursPerMonth,
    supportTier: input.supportTier,
    capacityType: g.capacityType,
    spotDiscount: prices.spotDiscount,
    gpuInstanceType: priced.instanceType,
    gpuInstanceTypes: g.instanceTypes,
    servingPods: sum(input.variants.map((v) => v.minReplicas)),
    standbyPods: sum(input.variants.map((v) => v.standbyReplicas)),
    peakPods: sum(input.variants.map((v) => v.maxReplicas + v.standbyReplicas)),
    steadyNodes: priced.steady,
    lines: priced.lines,
    total: priced.total,
    billed: priced.total[column],
    ...(cheapest.instanceType !== priced.instanceType
      ? { cheapest: { instanceType: cheapest.instanceType, spot: cheapest.total.spot, onDemand: cheapest.total.onDemand } }
      : {}),
    scenarios: priced.scenarios,
    floorMonthlyUsd: priced.floor,
    perGpuNodeMonthlyUsd: priced.perNode,
    assumptions: [
      `${input.hoursPerMonth} hours a month`,
      `SPOT at ${Math.round(prices.spotDiscount * 100)}% off on demand unless a SPOT price is given`,
      `each GPU node starts ${input.coldStartsPerGpuNodePerMonth} times a month and pulls ` +
        `${input.imageGbPerColdStart} GB of image through NAT`,
      `${input.controlPlaneLogGbPerMonth} GB of control-plane logs a month`,
      'not included: S3 and DynamoDB of the model registry (a few dollars for a handful of versions), ' +
        'data transfer out of AWS and across zones, CloudWatch metrics, taxes',
    ],
  };
}
