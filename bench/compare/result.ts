/** The compare result: the JSON contract of `llm-bench compare --json`. */
import { z } from 'zod';
import { envelopeSchema } from '../result';

const num = z.number();
const nullableNum = z.number().nullable();

/** One figure of two runs side by side. */
export const metricComparisonSchema = z.object({
  /** `ttftMs.p95`, `outputTokenThroughput`, `errorRate`, … */
  metric: z.string(),
  unit: z.string(),
  better: z.enum(['lower', 'higher']),
  baseline: nullableNum,
  candidate: nullableNum,
  /** candidate − baseline; null when either was not measured. */
  delta: nullableNum,
  /** delta / baseline; null when either was not measured or the baseline is 0. */
  deltaPct: nullableNum,
  /** 95 % interval of candidate − baseline; null when the noise test is unavailable. */
  interval: z.object({ low: num, high: num }).nullable(),
  /** `beyond`: the interval excludes 0; `within`: it does not; `unavailable`: no interval (see note). */
  noise: z.enum(['beyond', 'within', 'unavailable']),
  /** `worse` / `better` beyond noise, `same` within it, `unknown` without a noise test. */
  change: z.enum(['better', 'worse', 'same', 'unknown']),
  /** Why the noise test is unavailable, or how it was made. */
  note: z.string().optional(),
});
export type MetricComparison = z.infer<typeof metricComparisonSchema>;

/** One regression gate's verdict. */
export const gateResultSchema = z.object({
  expression: z.string(),
  metric: z.string(),
  kind: z.enum(['relative', 'absolute']),
  /** The allowed worsening (a share for relative gates). */
  limit: num,
  /** How much worse the candidate is, in the gate's kind (negative: better); null when not measured. */
  regression: nullableNum,
  /** false: past the limit and past the noise; null: past the limit, but the noise is unknown (undecided, not failed). */
  passed: z.boolean().nullable(),
  reason: z.string(),
});
export type GateResult = z.infer<typeof gateResultSchema>;

/** CDF points of one latency in both runs, for the chart. */
export const cdfPairSchema = z.object({
  baseline: z.array(z.tuple([num, num])),
  candidate: z.array(z.tuple([num, num])),
});

/** One pair of runs: a load against a load, or one sweep step against the same step. */
export const comparisonSchema = z.object({
  /** `load`, or the step (`concurrency 8`). */
  label: z.string(),
  metrics: z.array(metricComparisonSchema),
  gates: z.array(gateResultSchema),
  /** TTFT and E2E CDFs of both runs. */
  cdfs: z.object({ ttftMs: cdfPairSchema, e2eMs: cdfPairSchema }),
});
export type Comparison = z.infer<typeof comparisonSchema>;

/** Where a side of the comparison came from. */
export const compareSourceSchema = z.object({
  /** The file read, or null for a live run. */
  file: z.string().nullable(),
  kind: z.enum(['load', 'sweep']),
  baseUrl: z.string(),
  model: z.string(),
  startedAt: z.string(),
  /** The run's shape in one line. */
  description: z.string(),
});
export type CompareSource = z.infer<typeof compareSourceSchema>;

export const compareResultSchema = z.object({
  ...envelopeSchema('compare'),
  /** `files`: two saved results; `live`: one interleaved load against both targets. */
  mode: z.enum(['files', 'live']),
  baseline: compareSourceSchema,
  candidate: compareSourceSchema,
  confidence: num,
  /** Seed of the bootstrap: the same files and seed give the same intervals. */
  seed: z.int(),
  comparisons: z.array(comparisonSchema),
  /** Settings the runs differ in, steps only one side has, noise tests unavailable. */
  notes: z.array(z.string()),
  /** How each interval is made (stated in every report). */
  methods: z.record(z.string(), z.string()),
  /** False when some gate failed (past its limit and past the noise). */
  passed: z.boolean(),
});
export type CompareResult = z.infer<typeof compareResultSchema>;
