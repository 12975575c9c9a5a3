/**
 * What a report says a run cost: the JSON fields load, sweep and autoscale results carry (all
 * optional in schemaVersion 1, so files written before them stay readable).
 */
import { z } from 'zod';

const num = z.number();

/** One capacity type's price of the replicas that served, and what a token cost at the measured rate. */
export const servingCostSchema = z.object({
  /** USD per hour of one replica's GPU: the instance price over its GPUs. */
  gpuUsdPerHour: num,
  /** USD per hour of every replica that served. */
  usdPerHour: num,
  /** Null when no output token was produced. */
  usdPer1MOutputTokens: num.nullable(),
  /** Prompt + output tokens; null when no token was produced. */
  usdPer1MTotalTokens: num.nullable(),
});
export type ServingCostReport = z.infer<typeof servingCostSchema>;

/** Where the prices came from: region, instance type, the date of facts/prices.ts, the SPOT discount. */
const pricingFields = {
  region: z.string(),
  instanceType: z.string(),
  /** The date the figures of facts/prices.ts were read. */
  pricesReadOn: z.string(),
  /** SPOT price as a share off on demand (unless a SPOT price was given). */
  spotDiscount: num,
};

/** $ per 1M tokens of a load run at its measured throughput, SPOT and on demand. */
export const runCostSchema = z.object({
  ...pricingFields,
  /** Replicas (one GPU each) that served the run. */
  replicas: z.int().positive(),
  /** `flag`: --replicas; `cluster`: the Service's ready endpoints; `assumed`: neither given, 1. */
  replicasFrom: z.enum(['flag', 'cluster', 'assumed']),
  outputTokensPerSec: num,
  /** Prompt + output tokens per second. */
  totalTokensPerSec: num,
  spot: servingCostSchema,
  onDemand: servingCostSchema,
  /** What makes the figure less than exact (replicas that changed during the run, an assumed count). */
  notes: z.array(z.string()),
});
export type RunCost = z.infer<typeof runCostSchema>;

/** What the GPUs of replicas that were starting cost before they served. */
export const coldStartCostSchema = z.object({
  ...pricingFields,
  /** GPU minutes paid while replicas were asked for but not ready yet (node boot, image pull, weights, CUDA graphs). */
  gpuMinutes: num,
  /** Replicas that became ready during the check. */
  replicasStarted: z.int().nonnegative(),
  spotUsd: num,
  onDemandUsd: num,
});
export type ColdStartCostReport = z.infer<typeof coldStartCostSchema>;
