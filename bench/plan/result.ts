/** The plan result: the JSON contract of `llm-bench plan --json`. */
import { z } from 'zod';
import { envelopeSchema } from '../result';

const num = z.number();

/** One capacity type's monthly bill of the plan. */
export const planBillSchema = z.object({
  /** GPU nodes: instances, their volumes and the image pulls of their starts. */
  gpuMonthlyUsd: num,
  /** The environment with no GPU node: control plane, system nodes, NAT, storage, logs. */
  fixedMonthlyUsd: num,
  totalMonthlyUsd: num,
});

export const planResultSchema = z.object({
  ...envelopeSchema('plan'),
  /** The sweep the per-replica capacity comes from. */
  sweep: z.object({
    file: z.string(),
    dimension: z.enum(['concurrency', 'rate']),
    /** The step whose load is the per-replica capacity: the highest that met every threshold. */
    value: num,
    /** The thresholds the step was judged by (the sweep's, or --threshold given to plan). */
    thresholds: z.array(z.string()),
    /** Replicas that served the sweep. */
    replicas: z.int().positive(),
    replicasFrom: z.enum(['sweep', 'flag', 'assumed']),
    /** The step's measured rate, across those replicas. */
    measured: num,
  }),
  /** `requests`: --target-rps, requests/s; `outputTokens`: --target-output-tps, output tokens/s. */
  basis: z.enum(['requests', 'outputTokens']),
  target: num,
  /** The step's rate over its replicas: what one replica carries within the SLO. */
  perReplica: num,
  servingReplicas: z.int().positive(),
  spareReplicas: z.int().nonnegative(),
  replicas: z.int().positive(),
  gpus: z.int().positive(),
  nodes: z.int().positive(),
  instanceType: z.string(),
  region: z.string(),
  pricesReadOn: z.string(),
  spotDiscount: num,
  hoursPerMonth: num,
  /** Whose fixed floor and per-node extras the bill adds: an environment file, or the defaults. */
  environment: z.string(),
  spot: planBillSchema,
  onDemand: planBillSchema,
  notes: z.array(z.string()),
});
export type PlanResult = z.infer<typeof planResultSchema>;
