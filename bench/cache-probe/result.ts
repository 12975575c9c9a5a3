/** The cache-probe result: the JSON contract of `llm-bench cache-probe --json`. */
import { z } from 'zod';
import { envelopeSchema } from '../result';

const num = z.number();

/** One phase's requests: their TTFT, and the engine's prefix-cache counters over the phase. */
export const probePhaseSchema = z.object({
  requests: z.int().nonnegative(),
  failed: z.int().nonnegative(),
  /** Client TTFT of the successful requests, ms; null without one. */
  ttftMs: z.object({ p50: num.nullable(), mean: num.nullable(), min: num.nullable(), max: num.nullable() }),
  /** `vllm:prefix_cache_queries_total` over the phase (prompt tokens looked up); null without metrics. */
  queriedTokens: num.nullable(),
  /** `vllm:prefix_cache_hits_total` over the phase (prompt tokens found cached); null without metrics. */
  hitTokens: num.nullable(),
});
export type ProbePhase = z.infer<typeof probePhaseSchema>;

export const cacheProbeResultSchema = z.object({
  ...envelopeSchema('cache-probe'),
  baseUrl: z.string(),
  model: z.string(),
  endpoint: z.enum(['chat', 'completions']),
  /** Words of the shared prefix and of each request's own part (about a token each). */
  prefixTokens: z.int().positive(),
  suffixTokens: z.int().positive(),
  /** Where the counters were read; null when they could not be. */
  metricsUrl: z.string().nullable(),
  /** Prompts with nothing in common. */
  unique: probePhaseSchema,
  /** One request that puts the prefix in the cache. */
  warm: probePhaseSchema,
  /** Prompts sharing the prefix, after the warm-up. */
  shared: probePhaseSchema,
  /** Unique TTFT p50 − shared TTFT p50, ms, and as a share of the unique p50. */
  ttftSavedMs: num.nullable(),
  ttftSavedShare: num.nullable(),
  /** Shared phase: hit tokens over queried tokens. */
  sharedHitRate: num.nullable(),
  /** `on`: the shared prompts hit the cache; `off`: the engine looked nothing up; `no-hits`: it looked up but found nothing; `unknown`: no counters. */
  verdict: z.enum(['on', 'off', 'no-hits', 'unknown']),
  /** Set with --expect: whether the verdict is the one expected. */
  expected: z.enum(['on', 'off']).nullable(),
  passed: z.boolean(),
  notes: z.array(z.string()),
});
export type CacheProbeResult = z.infer<typeof cacheProbeResultSchema>;
