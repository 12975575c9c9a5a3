/** The Pareto result: the JSON contract of `llm-bench pareto --json`. */
import { z } from 'zod';
import { envelopeSchema } from '../result';

const nullableNum = z.number().nullable();

export const paretoVariantSchema = z.object({
  name: z.string(),
  /** Higher is better; null when the eval has no figure for it. */
  quality: nullableNum,
  qualityInterval: z.object({ low: z.number(), high: z.number() }).nullable(),
  /** Lower is better. */
  latencyMs: nullableNum,
  outputTokensPerSec: z.number(),
  instanceType: z.string(),
  replicas: z.int(),
  usdPerHour: z.number(),
  /** Lower is better; null when no output tokens were measured. */
  usdPer1MOutputTokens: nullableNum,
  /** No other variant is at least as good on all three and better on one. */
  frontier: z.boolean(),
  dominatedBy: z.array(z.string()),
});
export type ParetoVariant = z.infer<typeof paretoVariantSchema>;

export const paretoResultSchema = z.object({
  ...envelopeSchema('pareto'),
  region: z.string(),
  capacity: z.enum(['SPOT', 'ON_DEMAND']),
  quality: z.string(),
  latency: z.string(),
  eval: z.object({ promptset: z.string(), prompts: z.int(), judge: z.string().nullable() }),
  variants: z.array(paretoVariantSchema),
  frontier: z.array(z.string()),
  notes: z.array(z.string()),
});
export type ParetoResult = z.infer<typeof paretoResultSchema>;
