/** What `load --server-metrics` adds to a load result (optional in schemaVersion 1). */
import { z } from 'zod';

const num = z.number();

/** A quantile from histogram buckets: the interpolated value and the bucket it lies in, ms (upper null: the +Inf bucket). */
export const bucketQuantileSchema = z.object({ value: num, lower: num, upper: num.nullable() });
export type BucketQuantile = z.infer<typeof bucketQuantileSchema>;

const quantiles = <T extends z.ZodType>(v: T) => z.object({ p50: v, p90: v, p95: v, p99: v });

/** One latency as the engine measured it, beside the client's. */
export const serverLatencySchema = z.object({
  /** `ttftMs`, `queueMs`, `prefillMs`, `decodeMs`, `inferenceMs`, `e2eMs`, `tpotMs`, `itlMs`. */
  metric: z.string(),
  /** The vLLM histogram it comes from. */
  family: z.string(),
  /** Observations between the scrapes, summed over the targets. */
  count: num,
  /** Null when the engine observed nothing. */
  server: quantiles(bucketQuantileSchema.nullable()),
  meanMs: num.nullable(),
  /** The client's percentiles of the same latency; null for those only the engine sees (queue, prefill, decode). */
  client: quantiles(num.nullable()).nullable(),
  /** Client − server at p50 and p95: network, gateway, client. Null when either side is missing. */
  gapMs: z.object({ p50: num.nullable(), p95: num.nullable() }).nullable(),
});
export type ServerLatency = z.infer<typeof serverLatencySchema>;

export const serverMetricsSchema = z.object({
  /** `service`: the --base-url's /metrics; `urls`: --metrics-url; `kube`: each ready pod of the Service through the API server's proxy. */
  source: z.enum(['service', 'urls', 'kube']),
  /** What was scraped: URLs or `namespace/pod:port`. */
  targets: z.array(z.string()),
  /** The model_name the series were matched on; null when they were summed over every model. */
  model: z.string().nullable(),
  /** Requests the engine finished between the scrapes (E2E observations). */
  requests: num,
  latencies: z.array(serverLatencySchema),
  notes: z.array(z.string()),
});
export type ServerMetricsReport = z.infer<typeof serverMetricsSchema>;
