/** The front-door result: the JSON contract of `llm-bench frontdoor --json` and of postdeploy's `frontDoor`. */
import { z } from 'zod';
import { envelopeSchema } from '../result';

export const frontDoorCheckSchema = z.object({
  name: z.string(),
  status: z.enum(['pass', 'fail', 'skip']),
  reason: z.string(),
  /** `gate`: a limit or split off its target (exit 99); `run`: the door does not work (exit 1). */
  severity: z.enum(['run', 'gate']),
  durationMs: z.number(),
});
export type FrontDoorCheck = z.infer<typeof frontDoorCheckSchema>;

export const splitResultSchema = z.object({
  model: z.string(),
  requests: z.int(),
  backends: z.array(z.object({ name: z.string(), weight: z.number(), observed: z.int(), expected: z.number() })),
  /** Responses whose backend header named none of the route's backends. */
  unattributed: z.int(),
  statistic: z.number(),
  degreesOfFreedom: z.int(),
  pValue: z.number(),
  alpha: z.number(),
});
export type SplitResult = z.infer<typeof splitResultSchema>;

export const rateLimitResultSchema = z.object({
  burst: z.int(),
  statuses: z.record(z.string(), z.int()),
  retryAfter: z.array(z.string()),
  recovered: z.boolean(),
});
export type RateLimitResult = z.infer<typeof rateLimitResultSchema>;

export const frontDoorResultSchema = z.object({
  ...envelopeSchema('frontdoor'),
  /** Front-door files written before llm-bench 0.1.0 shipped its build have no finishedAt. */
  finishedAt: z.string().optional(),
  url: z.string(),
  checks: z.array(frontDoorCheckSchema),
  rateLimit: rateLimitResultSchema.nullable(),
  splits: z.array(splitResultSchema),
  /** 0 passed, 99 a gate failed (rate limit, split), 1 the door does not work. */
  exitCode: z.int(),
});
export type FrontDoorResult = z.infer<typeof frontDoorResultSchema>;
