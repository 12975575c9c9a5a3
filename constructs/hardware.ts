/**
 * Hardware facts the platform plans with: GPU instance types, the GPUs in them, and the node
 * labels and taints that tie workloads to the GPU node groups.
 *
 * Plain data shared by config validation (stacks/), the node groups (infra/) and the model
 * constructs; no cdk8s or Pulumi imports.
 */

/** A GPU model as vLLM sees it. */
export interface GpuSpec {
  /** Marketing name used in messages, e.g. `T4`. */
  readonly name: string;
  /** Memory a process can allocate after the CUDA context, in GiB. */
  readonly usableMemoryGiB: number;
  /** CUDA compute capability, e.g. 7.5 for Turing. */
  readonly computeCapability: number;
  /** Memory bandwidth in GB/s, for decode rooflines. */
  readonly bandwidthGBs: number;
}

export const GPUS = {
  t4: { name: 'T4', usableMemoryGiB: 14.75, computeCapability: 7.5, bandwidthGBs: 320 },
  a10g: { name: 'A10G', usableMemoryGiB: 22.0, computeCapability: 8.6, bandwidthGBs: 600 },
  l4: { name: 'L4', usableMemoryGiB: 22.0, computeCapability: 8.9, bandwidthGBs: 300 },
  l40s: { name: 'L40S', usableMemoryGiB: 44.5, computeCapability: 8.9, bandwidthGBs: 864 },
} as const satisfies Record<string, GpuSpec>;

/** An EC2 instance type that carries NVIDIA GPUs. */
export interface GpuInstanceType {
  readonly gpu: GpuSpec;
  readonly gpuCount: number;
  readonly vcpu: number;
  readonly memoryGiB: number;
}

/**
 * The GPU instance types a node group may use. Anything else is rejected by config validation.
 * Their prices are in facts/prices.ts.
 */
export const GPU_INSTANCE_TYPES: Readonly<Record<string, GpuInstanceType>> = {
  'g4dn.xlarge': { gpu: GPUS.t4, gpuCount: 1, vcpu: 4, memoryGiB: 16 },
  'g4dn.2xlarge': { gpu: GPUS.t4, gpuCount: 1, vcpu: 8, memoryGiB: 32 },
  'g4dn.4xlarge': { gpu: GPUS.t4, gpuCount: 1, vcpu: 16, memoryGiB: 64 },
  'g4dn.8xlarge': { gpu: GPUS.t4, gpuCount: 1, vcpu: 32, memoryGiB: 128 },
  'g4dn.12xlarge': { gpu: GPUS.t4, gpuCount: 4, vcpu: 48, memoryGiB: 192 },
  'g5.xlarge': { gpu: GPUS.a10g, gpuCount: 1, vcpu: 4, memoryGiB: 16 },
  'g5.2xlarge': { gpu: GPUS.a10g, gpuCount: 1, vcpu: 8, memoryGiB: 32 },
  'g6.xlarge': { gpu: GPUS.l4, gpuCount: 1, vcpu: 4, memoryGiB: 16 },
  'g6.2xlarge': { gpu: GPUS.l4, gpuCount: 1, vcpu: 8, memoryGiB: 32 },
  'g6e.xlarge': { gpu: GPUS.l40s, gpuCount: 1, vcpu: 4, memoryGiB: 32 },
};

/**
 * What a mixed list of instance types can promise every pod: the smallest GPU memory, the
 * lowest compute capability, the fewest vCPUs and the least memory. A pod may land on any of
 * them, so the fit check and resource checks use this floor.
 */
export interface GpuFloor {
  readonly gpuName: string;
  readonly usableMemoryGiB: number;
  readonly computeCapability: number;
  readonly vcpu: number;
  readonly memoryGiB: number;
  /** The instance types that set the floor, for messages. */
  readonly instanceTypes: readonly string[];
}

/** The floor over known instance types; unknown names are the caller's to reject first. */
export function gpuFloor(instanceTypes: readonly string[]): GpuFloor {
  const known = instanceTypes.map((t) => GPU_INSTANCE_TYPES[t]).filter((t): t is GpuInstanceType => !!t);
  if (known.length === 0) throw new Error(`gpuFloor needs at least one known instance type, got ${instanceTypes.join(', ')}`);
  const minGpu = known.reduce((a, b) => (b.gpu.usableMemoryGiB < a.gpu.usableMemoryGiB ? b : a)).gpu;
  return {
    gpuName: minGpu.name,
    usableMemoryGiB: Math.min(...known.map((t) => t.gpu.usableMemoryGiB)),
    computeCapability: Math.min(...known.map((t) => t.gpu.computeCapability)),
    vcpu: Math.min(...known.map((t) => t.vcpu)),
    memoryGiB: Math.min(...known.map((t) => t.memoryGiB)),
    instanceTypes,
  };
}

/**
 * Node label every GPU node group carries and every model pod requires.
 * infra/ sets it on the managed node groups; constructs/ selects on it.
 */
export const GPU_NODE_LABEL = { key: 'llm-platform.io/node-pool', value: 'gpu' } as const;

/** Taint on GPU nodes so only pods that ask for a GPU land there. */
export const GPU_NODE_TAINT = { key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' } as const;

/** Label EKS managed node groups put on nodes: `SPOT` or `ON_DEMAND`. */
export const CAPACITY_TYPE_LABEL = 'eks.amazonaws.com/capacityType';

/**
 * Room left on a GPU node for the kubelet reservation and the daemon sets (CNI, kube-proxy,
 * CSI node plugins, device plugin, node and DCGM exporters). A model pod's requests must fit
 * in what remains, or it never schedules.
 */
export const NODE_RESERVE = { cpu: 0.5, memoryGiB: 2.5 } as const;
