/**
 * Capacity planning: from the highest load one replica carried within its SLO to the replicas,
 * GPUs, nodes and monthly bill a target load needs.
 *
 * `replicas = ceil(target / perReplica) + spare`: the spare (one by default) keeps the target
 * served while a SPOT interruption replaces a node, which takes minutes on a T4. Both columns
 * price the same fleet, on SPOT and on demand, plus the cluster's fixed floor (control plane,
 * system nodes, NAT, storage: `npm run cost -- --json` gives it as `floorMonthlyUsd`).
 */
import { HOURS_PER_MONTH } from '../../facts/prices';
import { GPU_INSTANCE_TYPES } from '../../constructs/hardware';
import type { CapacityType, PriceBook } from './prices';

export interface CapacityPlanInput {
  /** Load to carry, in the same unit as `perReplica` (requests/s or output tokens/s). */
  readonly target: number;
  /** Highest load one replica carried while meeting the SLO, e.g. from a sweep. */
  readonly perReplica: number;
  /** Replicas on top of what the load needs, for a SPOT interruption. @default 1 */
  readonly spareReplicas?: number;
  /** GPU instance type the replicas run on. */
  readonly instanceType: string;
  /** Monthly USD the cluster costs with no GPU node (control plane, system nodes, NAT, storage, logs). */
  readonly fixedMonthlyUsd: number;
  /** Monthly USD each GPU node adds besides the instance (its EBS volume). @default 0 */
  readonly perNodeMonthlyUsd?: number;
  /** @default HOURS_PER_MONTH (730) */
  readonly hoursPerMonth?: number;
}

/** One column of a plan's bill. */
export interface PlanBill {
  readonly capacityType: CapacityType;
  /** GPU nodes: instances plus their per-node extras. */
  readonly gpuMonthlyUsd: number;
  readonly fixedMonthlyUsd: number;
  readonly totalMonthlyUsd: number;
}

export interface CapacityPlan {
  /** ceil(target / perReplica). */
  readonly servingReplicas: number;
  readonly spareReplicas: number;
  /** Serving plus spare; one GPU each. */
  readonly replicas: number;
  readonly gpus: number;
  /** GPU nodes that hold the GPUs: ceil(gpus / GPUs per instance). */
  readonly nodes: number;
  readonly spot: PlanBill;
  readonly onDemand: PlanBill;
}

/** Replicas, GPUs, nodes and $/month for a target load. */
export function planCapacity(input: CapacityPlanInput, prices: PriceBook): CapacityPlan {
  const problems: string[] = [];
  if (!(Number.isFinite(input.target) && input.target > 0)) problems.push(`target must be a positive number, got ${input.target}`);
  if (!(Number.isFinite(input.perReplica) && input.perReplica > 0)) {
    problems.push(`perReplica must be a positive number, got ${input.perReplica}`);
  }
  const spare = input.spareReplicas ?? 1;
  if (!(Number.isInteger(spare) && spare >= 0)) problems.push(`spareReplicas must be a whole number at least 0, got ${spare}`);
  if (!(Number.isFinite(input.fixedMonthlyUsd) && input.fixedMonthlyUsd >= 0)) {
    problems.push(`fixedMonthlyUsd must be at least 0, got ${input.fixedMonthlyUsd}`);
  }
  const gpusPerNode = GPU_INSTANCE_TYPES[input.instanceType]?.gpuCount;
  if (!gpusPerNode) problems.push(`instanceType ${input.instanceType} is not a GPU instance type of constructs/hardware.ts`);
  if (problems.length > 0) throw new RangeError(problems.join('; '));

  // A rate a hair over a whole multiple (floating point) must not buy a whole extra GPU.
  const servingReplicas = Math.max(1, Math.ceil(Number((input.target / input.perReplica).toPrecision(12))));
  const replicas = servingReplicas + spare;
  const nodes = Math.ceil(replicas / gpusPerNode!);
  const hours = input.hoursPerMonth ?? HOURS_PER_MONTH;
  const bill = (capacityType: CapacityType): PlanBill => {
    const gpuMonthlyUsd = nodes * (prices.instanceHourlyUsd(input.instanceType, capacityType) * hours + (input.perNodeMonthlyUsd ?? 0));
    return { capacityType, gpuMonthlyUsd, fixedMonthlyUsd: input.fixedMonthlyUsd, totalMonthlyUsd: gpuMonthlyUsd + input.fixedMonthlyUsd };
  };
  return { servingReplicas, spareReplicas: spare, replicas, gpus: replicas, nodes, spot: bill('SPOT'), onDemand: bill('ON_DEMAND') };
}
