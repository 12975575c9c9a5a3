/**
 * `npm run cost`: the estimator against a bill worked out by hand, the config mapping against
 * the synthesized manifests (GPU pods and volumes are counted, never typed in), the README
 * blocks against the command, and the command's exit codes.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { priceBook } from '../../bench/cost';
import { ConfigError, parsePlatformConfig, type PlatformConfig } from '../../config/platform';
import { estimates, staleReadmes } from '../../stacks/cost';
import { estimateMonthlyCost, type CostInput } from '../../bench/cost/estimate';
import { DEFAULT_USAGE, costInput, environmentPrices, supportTierOf } from '../../bench/cost/environment';
import { renderManifests } from '../../stacks/manifests';
import { PROJECT_ROOT } from '../../stacks/synthesize';
import { ofKind, realEnvironments } from '../support/manifests';
import { CHILD_DEADLINE_MS } from '../support/deadlines';

const prices = priceBook('us-east-1');

/** A small environment whose bill is computed by hand below. */
const INPUT: CostInput = {
  environment: 'hand',
  supportTier: 'extended',
  systemNodes: { instanceType: 't3.large', count: 2, volumeGb: 50 },
  gpuNodes: {
    instanceTypes: ['g4dn.xlarge'],
    capacityType: 'SPOT',
    volumeGb: 100,
    zones: 2,
    minSize: 0,
    desiredSize: 1,
    maxSizePerZone: 2,
    fallbackMaxSizePerZone: 1,
    nodeLimit: 5,
  },
  variants: [
    { id: 'a', minReplicas: 2, maxReplicas: 3, standbyReplicas: 1, weightsGbPerColdStart: 0 },
    { id: 'b', minReplicas: 1, maxReplicas: 1, standbyReplicas: 0, weightsGbPerColdStart: 4 },
  ],
  natGateways: 1,
  storage: { ebsVolumes: [{ item: 'Prometheus', count: 1, sizeGb: 50 }], ebsGbPerPod: 0, efsGb: 0 },
  controlPlaneLogGbPerMonth: 10,
  kmsKeys: 2,
  secrets: { count: 2, readsPerMonth: 1460 },
  loadBalancers: [{ kind: 'alb', name: 'front', capacityUnits: 2 }],
  coldStartsPerGpuNodePerMonth: 4,
  imageGbPerColdStart: 10,
  hoursPerMonth: 730,
};

describe('estimate', () => {
  const e = estimateMonthlyCost(INPUT, prices);
  const line = (item: string) => {
    const hit = e.lines.filter((l) => l.item === item);
    if (hit.length !== 1) throw new Error(`${hit.length} lines named ${item}; have ${e.lines.map((l) => l.item).join(', ')}`);
    return hit[0]!;
  };

  it('bills every line of the steady state as worked out by hand', () => {
    // 4 steady pods (a 2 + 1 standby, b 1) on 4 SPOT g4dn.xlarge; 730 h.
    expect(line('EKS control plane, extended support').spot).toBeCloseTo(0.6 * 730, 9); // 438
    expect(line('system nodes, t3.large on demand').spot).toBeCloseTo(2 * 0.0832 * 730, 9); // 121.472
    const serving = line('GPU nodes serving every variant at minReplicas');
    expect(serving.spot).toBeCloseTo(3 * 0.2104 * 730, 9); // 460.776
    expect(serving.onDemand).toBeCloseTo(3 * 0.526 * 730, 9); // 1,151.94
    expect(serving.quantity).toBe('3 × g4dn.xlarge (a 2, b 1) at $0.2104/h SPOT, $0.526/h on demand');
    expect(line('GPU nodes of the blue/green standby').spot).toBeCloseTo(0.2104 * 730, 9); // 153.592
    expect(line('NAT gateways with their public IPv4').spot).toBeCloseTo(0.05 * 730, 9); // 36.5
    // 4 starts × (4 nodes × 10 GB image + 1 pod of b × 4 GB weights) = 176 GB × $0.045.
    expect(line('NAT data: image (and uncached weights) pulls at GPU node starts').spot).toBeCloseTo(7.92, 9);
    expect(line('ALB of front').spot).toBeCloseTo((0.0225 + 2 * 0.008) * 730, 9); // 28.105
    expect(line('EBS gp3: GPU node volumes').spot).toBeCloseTo(4 * 100 * 0.08, 9); // 32
    expect(line('EBS gp3: system node volumes').spot).toBeCloseTo(8, 9);
    expect(line('EBS gp3: Prometheus').spot).toBeCloseTo(4, 9);
    expect(line('CloudWatch Logs: control plane (ingested, stored a month)').spot).toBeCloseTo(10 * 0.53, 9);
    expect(line('KMS keys (requests within the free tier)').spot).toBe(2);
    expect(line('Secrets Manager').spot).toBeCloseTo(0.8 + 0.146 * 0.05, 9);
    expect(e.total.spot).toBeCloseTo(1298.4723, 9);
    expect(e.total.onDemand).toBeCloseTo(1298.4723 + (1151.94 - 460.776) + (383.98 - 153.592), 9); // 2,220.0243
    expect(e.billed).toBe(e.total.spot);
    expect(e.steadyNodes).toEqual({ primary: 4, fallback: 0, pods: 4, pending: 0 });
  });

  it('splits the bill into a floor without GPU nodes and what each GPU node adds', () => {
    // GPU-dependent: nodes 460.776 + 153.592, NAT data 7.92, GPU volumes 32.
    expect(e.floorMonthlyUsd).toBeCloseTo(1298.4723 - 654.288, 9); // 644.1843
    // A node: its instance, its 100 GB volume ($8) and 4 starts × 10 GB of image through NAT ($1.80).
    expect(e.perGpuNodeMonthlyUsd.spot).toBeCloseTo(0.2104 * 730 + 8 + 1.8, 9);
    expect(e.perGpuNodeMonthlyUsd.onDemand).toBeCloseTo(0.526 * 730 + 8 + 1.8, 9);
  });

  it('totals the floor, the groups as created, the steady state, the peak and a month without SPOT', () => {
    const by = Object.fromEntries(e.scenarios.map((s) => [s.id, s]));
    expect(Object.keys(by)).toEqual(['floor', 'desired', 'steady', 'peak', 'spotGone']);
    expect(by.floor!.spot).toBeCloseTo(644.1843, 9);
    // desiredSize 1: one SPOT node, 3 pods Pending; it pulls 4 × (10 + 4) GB.
    expect(by.desired!.nodes).toEqual({ primary: 1, fallback: 0, pods: 1, pending: 3 });
    expect(by.desired!.spot).toBeCloseTo(644.1843 + 153.592 + 8 + 56 * 0.045, 9);
    expect(by.steady!.spot).toBeCloseTo(e.total.spot, 9);
    expect(by.steady!.onDemand).toBeCloseTo(e.total.onDemand, 9);
    // Peak: 5 pods; the primary groups hold 2 zones × 2 = 4, the fallback takes the fifth.
    expect(by.peak!.nodes).toEqual({ primary: 4, fallback: 1, pods: 5, pending: 0 });
    expect(by.peak!.spot).toBeCloseTo(644.1843 + 4 * 153.592 + 383.98 + 5 * 8 + 216 * 0.045, 9);
    // No SPOT: 2 zones × 1 fallback node carry 2 of the 4 pods, on demand in both columns.
    expect(by.spotGone!.nodes).toEqual({ primary: 0, fallback: 2, pods: 2, pending: 2 });
    expect(by.spotGone!.spot).toBeCloseTo(644.1843 + 2 * 383.98 + 16 + 96 * 0.045, 9);
    expect(by.spotGone!.onDemand).toBe(by.spotGone!.spot);
  });

  it('prices a mixed list at its most expensive type and shows the cheapest beside it', () => {
    const gpuNodes = { ...INPUT.gpuNodes, instanceTypes: ['g4dn.xlarge', 'g4dn.2xlarge'] };
    const mixed = estimateMonthlyCost({ ...INPUT, gpuNodes }, prices);
    const xl = estimateMonthlyCost(INPUT, prices);
    expect(mixed.gpuInstanceType).toBe('g4dn.2xlarge');
    expect(mixed.total.spot).toBeCloseTo(xl.total.spot + 4 * (0.752 - 0.526) * 0.4 * 730, 9);
    expect(mixed.cheapest).toEqual({ instanceType: 'g4dn.xlarge', spot: xl.total.spot, onDemand: xl.total.onDemand });
    expect(xl.cheapest).toBeUndefined();
  });

  it('bills an on-demand pool in the on-demand column and has no SPOT-gone situation', () => {
    const od = estimateMonthlyCost({ ...INPUT, gpuNodes: { ...INPUT.gpuNodes, capacityType: 'ON_DEMAND' } }, prices);
    expect(od.billed).toBe(od.total.onDemand);
    expect(od.scenarios.map((s) => s.id)).toEqual(['floor', 'desired', 'steady', 'peak']);
  });
});

describe('support tier', () => {
  it('is extended only when cluster.supportType says EXTENDED', () => {
    const cluster = parsePlatformConfig({}, 'test', 'test').cluster;
    expect(supportTierOf(cluster)).toBe('standard');
    expect(supportTierOf({ ...cluster, supportType: 'EXTENDED' })).toBe('extended');
    expect(supportTierOf({ ...cluster, supportType: 'STANDARD' })).toBe('standard');
  });
});

/** Replicas of every GPU Deployment at its minimum: the Deployment's own, or its ScaledObject's. */
function gpuPodsAtMin(c: PlatformConfig): number {
  const objs = renderManifests(c);
  const scaled = new Map(
    ofKind(objs, 'ScaledObject').map((s: any) => [s.spec.scaleTargetRef.name as string, s.spec.minReplicaCount as number]),
  );
  return ofKind(objs, 'Deployment')
    .filter((d: any) => d.spec.template.spec.containers.some((x: any) => x.resources?.requests?.['nvidia.com/gpu']))
    .reduce((n, d: any) => n + (d.spec.replicas ?? scaled.get(d.metadata.name)), 0);
}

function claimedGiB(c: PlatformConfig): number {
  const gib = (p: any) => Number(/^(\d+)Gi$/.exec(p.spec.resources.requests.storage)![1]);
  return ofKind(renderManifests(c), 'PersistentVolumeClaim').reduce((n, p) => n + gib(p), 0);
}

describe.each(realEnvironments())('%s environment', (env, c) => {
  const input = costInput(c);
  const e = estimateMonthlyCost(input, environmentPrices(c));

  it('counts the GPU pods the manifests run at their minimum, standby included', () => {
    expect(e.servingPods + e.standbyPods).toBe(gpuPodsAtMin(c));
    expect(e.steadyNodes.pods).toBe(gpuPodsAtMin(c));
    expect(e.steadyNodes.pending).toBe(0);
  });

  it('bills the volumes the manifests claim: per-variant caches on EBS, a shared cache on EFS', () => {
    const caches = input.storage.ebsVolumes.filter((v) => v.item.startsWith('model caches'));
    expect(caches.reduce((n, v) => n + v.count * v.sizeGb, 0) + input.storage.efsGb).toBe(claimedGiB(c));
  });

  it('adds up to the floor plus the steady GPU nodes when no pod brings costs of its own', () => {
    if (input.storage.ebsGbPerPod > 0 || input.variants.some((v) => v.weightsGbPerColdStart > 0) || e.steadyNodes.fallback > 0) return;
    const nodes = e.steadyNodes.primary;
    expect(e.floorMonthlyUsd + nodes * e.perGpuNodeMonthlyUsd.spot).toBeCloseTo(e.total.spot, 9);
    expect(e.floorMonthlyUsd + nodes * e.perGpuNodeMonthlyUsd.onDemand).toBeCloseTo(e.total.onDemand, 9);
  });

  it('bills the configured region, capacity type and node groups', () => {
    expect(e.region).toBe(c.region);
    expect(e.capacityType).toBe(c.gpuNodes.capacityType);
    expect(input.natGateways).toBe(c.network.natGateways === 'single' ? 1 : c.network.availabilityZoneCount);
    expect(input.gpuNodes.zones).toBe(c.network.availabilityZoneCount);
    expect(e.billed).toBeGreaterThan(e.floorMonthlyUsd);
    expect(env).toBe(c.environment);
  });
});

describe('environment prices', () => {
  const base = parsePlatformConfig({}, 'test', 'Pulumi.test.yaml');

  it('reads pricing from the config: region, discount and per-type prices', () => {
    const c = parsePlatformConfig(
      { pricing: { region: 'eu-west-1', spotDiscount: 0.5, instanceHourlyUsd: { 'g4dn.xlarge': { spot: 0.2 } } } },
      'test',
      'Pulumi.test.yaml',
    );
    const p = environmentPrices(c);
    expect(p.region).toBe('eu-west-1');
    expect(p.instanceHourlyUsd('g4dn.xlarge', 'SPOT')).toBe(0.2);
    expect(p.instanceHourlyUsd('g4dn.2xlarge', 'SPOT')).toBeCloseTo(0.838 * 0.5, 12);
    expect(environmentPrices({ ...base, region: 'us-west-2' }).region).toBe('us-west-2');
    expect(environmentPrices(base).region).toBe('us-east-1');
  });

  it('bills the front door: its NLB with one public IPv4 per zone, its keys secret and two more secret reads', () => {
    const gateway = { enabled: true, hostname: 'llm.example.com', certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc' };
    const on = parsePlatformConfig({ gateway, network: { availabilityZoneCount: 3 } }, 'test', 'Pulumi.test.yaml');
    const off = parsePlatformConfig({ network: { availabilityZoneCount: 3 } }, 'test', 'Pulumi.test.yaml');
    const lines = (c: PlatformConfig) => estimateMonthlyCost(costInput(c), environmentPrices(c)).lines;
    const nlb = lines(on).filter((l) => l.item === 'NLB of the front door, with its public IPv4');
    // us-east-1: $0.0225/h + 1 NLCU × $0.006/h + 3 × $0.005/h public IPv4, 730 h = $31.755.
    expect(nlb).toEqual([
      {
        item: 'NLB of the front door, with its public IPv4',
        quantity: '$0.0225/h + 1 NLCU × $0.006/h + 3 public IPv4 × $0.005/h',
        spot: expect.closeTo(31.755, 9) as number,
        onDemand: expect.closeTo(31.755, 9) as number,
      },
    ]);
    expect(lines(off).some((l) => l.item.startsWith('NLB'))).toBe(false);
    // Auth on: HF token and API key; the front door adds its client keys (and reads the upstream key).
    expect(costInput(off).secrets).toEqual({ count: 2, readsPerMonth: 1460 });
    expect(costInput(on).secrets).toEqual({ count: 3, readsPerMonth: 2920 });
    expect(costInput(on, { ...DEFAULT_USAGE, frontDoorNlcuPerHour: 4 }).loadBalancers).toEqual([
      { kind: 'nlb', name: 'the front door', capacityUnits: 4, publicIpv4: 3 },
    ]);
  });

  it('fails when the stack region has no prices', () => {
    expect(() => environmentPrices({ ...base, region: 'ap-south-1' })).toThrow(ConfigError);
    expect(() => environmentPrices({ ...base, region: 'ap-south-1' })).toThrow(
      "aws:region ap-south-1 has no prices in facts/prices.ts; set pricing.region to the nearest priced region, or add the region's prices there",
    );
  });

  it('fails when a GPU type has no price in the region, unless the config gives one', () => {
    const settings = { gpuNodes: { instanceTypes: ['g5.xlarge'] }, pricing: { region: 'eu-west-1' } };
    const g5 = parsePlatformConfig(settings, 'test', 'Pulumi.test.yaml');
    expect(() => environmentPrices(g5)).toThrow(
      'g5.xlarge has no on-demand price for eu-west-1 in facts/prices.ts; set one under pricing.instanceHourlyUsd: { g5.xlarge: { onDemand: <USD per hour> } }',
    );
    const priced = { ...g5, pricing: { ...g5.pricing, instanceHourlyUsd: { 'g5.xlarge': { onDemand: 1.1 } } } };
    expect(environmentPrices(priced).instanceHourlyUsd('g5.xlarge', 'ON_DEMAND')).toBe(1.1);
  });

  it('fails when pricing settings are out of range', () => {
    const problems = (settings: Record<string, unknown>) => {
      try {
        parsePlatformConfig(settings, 'test', 'Pulumi.test.yaml');
      } catch (e) {
        return (e as ConfigError).problems;
      }
      throw new Error('accepted');
    };
    expect(problems({ pricing: { region: 'mars-1', spotDiscount: 1, instanceHourlyUsd: { 'g4dn.xlarge': { spot: 0 } } } })).toEqual([
      'pricing.region must be one of "us-east-1", "us-west-2", "eu-west-1", "eu-central-1", got "mars-1"',
      'pricing.spotDiscount must be less than 1, got 1',
      'pricing.instanceHourlyUsd.g4dn.xlarge.spot must be more than 0, got 0',
    ]);
  });
});

describe('README blocks', () => {
  it('quote what npm run cost computes for every environment', () => {
    const all = estimates(
      realEnvironments().map(([env]) => env),
      { prices: {}, usage: DEFAULT_USAGE },
    );
    expect(all.map((e) => e.environment)).toEqual(['dev', 'prod']);
    expect(staleReadmes(all).map((s) => s.file)).toEqual([]);
  });
});

describe('npm run cost', () => {
  const run = (args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'stacks/cost.ts'), ...args], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      timeout: CHILD_DEADLINE_MS,
    });

  it('prints an environment as JSON with the totals the library computes', () => {
    const r = run(['--env', 'prod', '--json', '--spot-price', 'g4dn.xlarge=0.19']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const [prod] = (JSON.parse(r.stdout) as { environments: { environment: string; billed: number }[] }).environments;
    const expected = estimates(['prod'], { prices: { 'g4dn.xlarge': { spot: 0.19 } }, usage: DEFAULT_USAGE })[0]!;
    expect(prod).toMatchObject({ environment: 'prod', billed: expected.billed });
  });

  it('exits 2 with every problem of its flags, and changes nothing', () => {
    const r = run(['--env', 'nope', '--spot-discount', '1.5', '--price', 'g4dn.xlarge=-1', '--write-readme']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('--env nope has no Pulumi.nope.yaml; known environments: dev, prod');
    expect(r.stderr).toContain('--spot-discount must be a number at least 0 and below 1, got "1.5"');
    expect(r.stderr).toContain('--price must be TYPE=USD with a positive USD per hour, like g4dn.xlarge=0.21, got "g4dn.xlarge=-1"');
    expect(r.stderr).toContain(
      '--write-readme and --check-readme cover every environment as configured; drop --env and the price and usage options',
    );
    const unknown = run(['--nope', '--region']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('--nope is not an option');
    expect(unknown.stderr).toContain('--region needs a value');
  });
});
