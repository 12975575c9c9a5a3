/**
 * The JSON contract other tools read: zod schemas are the single source, the types are inferred.
 *
 * Reading a saved file (`llm-bench report`) validates it with the same schemas the run produced it
 * from. Bump {@link SCHEMA_VERSION} on any breaking change; adding optional fields is not one.
 */
import { z } from 'zod';
import { runCostSchema } from './cost/result';
import { serverMetricsSchema } from './server-metrics/result';
import { TOOL } from './version';

/** Version of the result files; readers refuse other versions. */
export const SCHEMA_VERSION = 1;

/** The fields every result file starts with: the contract's version, what ran, which tool, when. */
export function envelopeSchema<K extends string>(kind: K) {
  return {
    schemaVersion: z.literal(SCHEMA_VERSION),
    kind: z.literal(kind),
    tool: z.object({ name: z.string(), version: z.string() }),
    startedAt: z.string(),
    finishedAt: z.string(),
  };
}

/** The envelope of a `kind` result that started at `startedAt` and ends now (or at `finishedAt`). */
export function envelope<K extends string>(
  kind: K,
  startedAt: Date,
  finishedAt: Date = new Date(),
): { schemaVersion: typeof SCHEMA_VERSION; kind: K; tool: { name: string; version: string }; startedAt: string; finishedAt: string } {
  return {
    schemaVersion: SCHEMA_VERSION,
    kind,
    tool: { ...TOOL },
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
  };
}

const num = z.number();
const nullableNum = z.number().nullable();

/** Mean, percentiles and extremes of one latency, in ms; null when no request produced a sample. */
export const latencyStatsSchema = z.object({
  count: z.int().nonnegative(),
  mean: nullableNum,
  min: nullableNum,
  p50: nullableNum,
  p90: nullableNum,
  p95: nullableNum,
  p99: nullableNum,
  max: nullableNum,
});
export type LatencyStats = z.infer<typeof latencyStatsSchema>;

/** The latency percentiles a timeline bucket keeps. */
export const bucketLatencySchema = z.object({ p50: nullableNum, p95: nullableNum });

/** One second of a run, by completion time (`completed` counts successes). */
export const timelineBucketSchema = z.object({
  /** Seconds from the run's start to the bucket's start. */
  t: num,
  started: z.int().nonnegative(),
  completed: z.int().nonnegative(),
  failed: z.int().nonnegative(),
  /** Requests in flight when the bucket closed. */
  inFlight: z.int().nonnegative(),
  /** Output tokens of the requests that completed in this bucket. */
  outputTokens: z.int().nonnegative(),
  /**
   * Output tokens that arrived in this bucket, each request's spread evenly from its first to its
   * last token (a steady stream, not a spike at completion); the throughput chart plots this.
   * Set on the final result only, not on the live buckets of a run.
   */
  tokensArrived: num.optional(),
  ttftMs: bucketLatencySchema,
  e2eMs: bucketLatencySchema,
  errors: z.record(z.string(), z.int()).optional(),
});
export type TimelineBucket = z.infer<typeof timelineBucketSchema>;

/** A latency distribution for charts: CDF points and linear histogram bins, in ms. */
export const distributionSchema = z.object({
  /** [percentile 0..100, value ms] pairs, ascending. */
  cdf: z.array(z.tuple([num, num])),
  bins: z.array(z.object({ fromMs: num, toMs: num, count: z.int().nonnegative() })),
});
export type Distribution = z.infer<typeof distributionSchema>;

/**
 * One latency's full distribution, so results can be merged (workers) and compared with
 * confidence intervals: an HDR histogram in HdrHistogram's compressed base64 encoding, in µs,
 * plus the exact count, sum and extremes in ms (null extremes when empty).
 */
export const encodedHistogramSchema = z.object({
  unit: z.literal('us'),
  significantDigits: z.int().min(1).max(5),
  count: z.int().nonnegative(),
  sumMs: num,
  minMs: nullableNum,
  maxMs: nullableNum,
  hdr: z.string(),
});
export type EncodedHistogram = z.infer<typeof encodedHistogramSchema>;

/** The four latencies' histograms (optional: files written before they existed lack them). */
export const latencyHistogramsSchema = z.object({
  ttftMs: encodedHistogramSchema,
  tpotMs: encodedHistogramSchema,
  itlMs: encodedHistogramSchema,
  e2eMs: encodedHistogramSchema,
});
export type LatencyHistograms = z.infer<typeof latencyHistogramsSchema>;

export const summarySchema = z.object({
  durationSec: num,
  requests: z.object({
    total: z.int().nonnegative(),
    succeeded: z.int().nonnegative(),
    failed: z.int().nonnegative(),
    cancelled: z.int().nonnegative(),
  }),
  ttftMs: latencyStatsSchema,
  tpotMs: latencyStatsSchema,
  itlMs: latencyStatsSchema,
  e2eMs: latencyStatsSchema,
  requestThroughput: num,
  outputTokenThroughput: num,
  inputTokens: z.object({ total: z.int().nonnegative(), mean: nullableNum }),
  outputTokens: z.object({ total: z.int().nonnegative(), mean: nullableNum }),
  /** Null when no request finished. */
  errorRate: nullableNum,
  /** Failed requests by reason (`http_503`, `stream_cut`, `first_token_timeout`, …). */
  errors: z.record(z.string(), z.int().nonnegative()),
  /** The first message seen for each reason. */
  errorMessages: z.record(z.string(), z.string()),
  /** Successful requests whose server sent no usage; their output tokens are content chunks. */
  usageMissing: z.int().nonnegative(),
  /** Highest number of requests in flight at once. */
  maxInFlight: z.int().nonnegative(),
});
export type LoadSummary = z.infer<typeof summarySchema>;

/** Something a cluster-side check (rollback, autoscale) saw or did, seconds from its start. */
export const eventSchema = z.object({ t: z.number(), message: z.string() });
export type CheckEvent = z.infer<typeof eventSchema>;

/** Requests a cluster-side check (rollback, autoscale) saw end, by outcome. */
export const requestCountsSchema = z.object({
  succeeded: z.int().nonnegative(),
  failed: z.int().nonnegative(),
  errors: z.record(z.string(), z.int().nonnegative()),
  errorMessages: z.record(z.string(), z.string()),
});

export const thresholdResultSchema = z.object({
  expression: z.string(),
  metric: z.string(),
  op: z.enum(['<', '<=', '>', '>=']),
  limit: num,
  /** The measured value; null when there was nothing to measure (which fails the threshold). */
  value: nullableNum,
  passed: z.boolean(),
  /** Why it failed although the value holds (a throughput measured on answers far shorter than asked). */
  note: z.string().optional(),
});
export type ThresholdResult = z.infer<typeof thresholdResultSchema>;

export const profileSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('concurrency'), concurrency: z.int().positive() }),
  z.object({ kind: z.literal('rate'), rate: z.number().positive(), burstiness: z.number().positive() }),
]);

/** The run's resolved settings (never the API key). */
export const settingsSchema = z.object({
  baseUrl: z.string(),
  model: z.string(),
  endpoint: z.enum(['chat', 'completions']),
  stream: z.boolean(),
  profile: profileSchema,
  requests: z.int().positive().nullable(),
  durationSec: z.number().positive().nullable(),
  /** Target synthetic prompt length; null with a promptset. */
  inputTokens: z.int().positive().nullable(),
  /** Forced output length; null when the server decides. */
  outputTokens: z.int().positive().nullable(),
  prompts: z.string(),
  seed: z.int(),
  timeouts: z.object({ connectSec: num, firstTokenSec: num, totalSec: num }),
  /**
   * Set when this target shared one load with others (`compare --live`): request i of the load
   * went to target `i mod targets`; profile, requests and durationSec are the whole load's.
   */
  interleaved: z.object({ target: z.int().nonnegative(), targets: z.int().min(2) }).optional(),
});
export type LoadSettings = z.infer<typeof settingsSchema>;

/** One of the slowest requests of a run, with the trace id its `traceparent` carried. */
export const slowRequestSchema = z.object({
  requestId: z.string(),
  /** W3C trace id (32 hex): find the request's spans (client and server) in the tracing backend. */
  traceId: z.string().optional(),
  outcome: z.enum(['success', 'failure']),
  e2eMs: num,
  ttftMs: nullableNum,
});
export type SlowRequest = z.infer<typeof slowRequestSchema>;

/** The workers of a distributed run, as the coordinator saw them. */
export const distributedSchema = z.object({
  runId: z.string(),
  workers: z.int().positive(),
  /** Workers whose report was merged, by index. */
  reported: z.array(
    z.object({
      index: z.int().nonnegative(),
      requests: z.int().nonnegative(),
      succeeded: z.int().nonnegative(),
      failed: z.int().nonnegative(),
      /** How long after the barrier the worker started sending. */
      startLagMs: z.number().nonnegative(),
      /** Why the worker's load stopped itself. */
      aborted: z.string().optional(),
    }),
  ),
  /** Workers with no report (failed, never started, or printed something else). */
  failed: z.array(z.object({ index: z.int().nonnegative(), problem: z.string() })),
});
export type DistributedRun = z.infer<typeof distributedSchema>;

export const loadResultSchema = z.object({
  ...envelopeSchema('load'),
  settings: settingsSchema,
  summary: summarySchema,
  thresholds: z.array(thresholdResultSchema),
  /** Set when the run stopped itself: unreachable URL, rejected key, unknown model. */
  aborted: z.object({ reason: z.string() }).optional(),
  /** Things that make the figures mean less than they seem (answers far shorter than asked). */
  warnings: z.array(z.string()).optional(),
  timeline: z.array(timelineBucketSchema),
  distributions: z.object({
    ttftMs: distributionSchema,
    tpotMs: distributionSchema,
    itlMs: distributionSchema,
    e2eMs: distributionSchema,
  }),
  /** Encoded histograms of every latency (added in 0.2 of the tool; schemaVersion 1 files may lack them). */
  histograms: latencyHistogramsSchema.optional(),
  /** $ per 1M tokens at the measured throughput, SPOT and on demand (when the run was priced). */
  cost: runCostSchema.optional(),
  /** The engine's own percentiles from vLLM's /metrics before and after the run (`load --server-metrics`). */
  serverMetrics: serverMetricsSchema.optional(),
  /** The slowest finished requests (by E2E, slowest first), each with its trace id. */
  slowest: z.array(slowRequestSchema).optional(),
  /** Set when the load ran as N workers (`load --workers N`): who reported what, and who did not. */
  distributed: distributedSchema.optional(),
  definitions: z.record(z.string(), z.string()),
});
export type LoadResult = z.infer<typeof loadResultSchema>;

export const sweepResultSchema = z.object({
  ...envelopeSchema('sweep'),
  /** The swept dimension and its values, in run order. */
  dimension: z.enum(['concurrency', 'rate']),
  values: z.array(z.number()),
  steps: z.array(loadResultSchema),
  /** Highest load whose step passed every threshold; null when none did. */
  best: z.number().nullable(),
});
export type SweepResult = z.infer<typeof sweepResultSchema>;

export const smokeCheckSchema = z.object({
  name: z.string(),
  status: z.enum(['pass', 'fail', 'skip']),
  reason: z.string(),
  durationMs: num,
});
export type SmokeCheck = z.infer<typeof smokeCheckSchema>;

export const smokeResultSchema = z.object({
  ...envelopeSchema('smoke'),
  /** Smoke files written before llm-bench 0.1.0 shipped its build have no finishedAt. */
  finishedAt: z.string().optional(),
  baseUrl: z.string(),
  /** `vllm` (default): every check; `openai`: only what any OpenAI-compatible server must answer. */
  profile: z.enum(['vllm', 'openai']).optional(),
  checks: z.array(smokeCheckSchema),
  passed: z.boolean(),
});
export type SmokeResult = z.infer<typeof smokeResultSchema>;

/** Any file llm-bench writes. */
export const anyResultSchema = z.discriminatedUnion('kind', [loadResultSchema, sweepResultSchema, smokeResultSchema]);
export type AnyResult = z.infer<typeof anyResultSchema>;
