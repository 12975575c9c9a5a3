/** The eval result: the JSON contract of `llm-bench eval --json`. */
import { z } from 'zod';
import { envelopeSchema } from '../result';

const num = z.number();
const interval = z.object({ low: num, high: num }).nullable();

/** One model's answer to one prompt, its exact checks and the judge's score. */
export const evalAnswerSchema = z.object({
  promptId: z.string(),
  category: z.string(),
  model: z.string(),
  /** The answer, or null when the model did not answer (see `problem`). */
  text: z.string().nullable(),
  problem: z.string().optional(),
  finishReason: z.string().nullable(),
  outputTokens: z.number().nullable(),
  ms: num,
  /** Exact checks: null for a prompt without them. */
  reference: z.object({ passed: z.boolean(), details: z.array(z.string()) }).nullable(),
  /** The judge's score 1–10; null when not judged or the judge failed (see `judgeProblem`). */
  score: z.int().nullable(),
  judgeProblem: z.string().optional(),
});
export type EvalAnswer = z.infer<typeof evalAnswerSchema>;

/** A pairwise verdict as the judge gave it in one order: the candidate's position won, lost, tied, or the judge failed. */
const orderVerdict = z.enum(['candidate', 'baseline', 'tie', 'failed']);

/** Candidate against baseline on one prompt, asked in both orders. */
export const evalPairSchema = z.object({
  promptId: z.string(),
  candidate: z.string(),
  baseline: z.string(),
  /** Candidate shown first (as A). */
  candidateFirst: orderVerdict,
  /** Baseline shown first (as A). */
  baselineFirst: orderVerdict,
  /** A win or loss only when both orders agree; any disagreement is a tie; a failed order fails the pair. */
  outcome: z.enum(['win', 'tie', 'loss', 'failed']),
});
export type EvalPair = z.infer<typeof evalPairSchema>;

/** Per model: the figures a team chooses by. */
export const evalModelSummarySchema = z.object({
  model: z.string(),
  baseline: z.boolean(),
  prompts: z.int(),
  answered: z.int(),
  /** Mean judge score with its Student t interval; null without two judged answers. */
  score: z.object({ mean: num.nullable(), interval, judged: z.int() }),
  /** Share of reference prompts whose exact checks pass, with its Wilson interval. */
  reference: z.object({ passed: z.int(), total: z.int(), rate: num.nullable(), interval }),
  /** Against the baseline model (absent for the baseline): wins + half the ties over decided pairs. */
  pairwise: z.object({ wins: z.int(), ties: z.int(), losses: z.int(), failed: z.int(), winRate: num.nullable(), interval }).optional(),
  /** Judge calls that gave no valid verdict after one retry (pointwise answers + pairwise orders). */
  judgeFailures: z.int(),
  outputTokens: z.int(),
  /** Sum of the answer times. */
  answerSec: num,
});
export type EvalModelSummary = z.infer<typeof evalModelSummarySchema>;

/** How far the judge can be trusted, from the prompts whose answers can be checked exactly. */
export const judgeCalibrationSchema = z.object({
  /** Judged reference answers where the judge's pass (score ≥ passScore) agrees with the checks. */
  agreed: z.int(),
  total: z.int(),
  agreement: num.nullable(),
  interval,
  passScore: z.int(),
  minAgreement: num,
  /** True when the agreement is below minAgreement: the judge's scores are not to be trusted. */
  flagged: z.boolean(),
  /** Pairwise orders won by the answer shown first, over decided orders: 0.5 for an unbiased judge. */
  firstPositionShare: num.nullable(),
  /** Pairs whose two orders disagreed (each picked a different winner, or one tied). */
  inconsistentPairs: z.int(),
  /** Calls that asked for structured output (response_format json_schema). */
  structuredOutput: z.boolean(),
});
export type JudgeCalibration = z.infer<typeof judgeCalibrationSchema>;

export const evalThresholdSchema = z.object({
  expression: z.string(),
  model: z.string(),
  metric: z.string(),
  op: z.enum(['<', '<=', '>', '>=']),
  limit: num,
  value: num.nullable(),
  passed: z.boolean(),
});
export type EvalThreshold = z.infer<typeof evalThresholdSchema>;

export const evalResultSchema = z.object({
  ...envelopeSchema('eval'),
  promptset: z.object({ source: z.string(), prompts: z.int(), reference: z.int() }),
  settings: z.object({
    models: z.array(z.object({ model: z.string(), baseUrl: z.string() })),
    baseline: z.string(),
    judge: z.object({ model: z.string(), baseUrl: z.string() }).nullable(),
    maxTokens: z.int(),
    seed: z.int(),
    temperature: num,
    concurrency: z.int(),
  }),
  durationSec: num,
  models: z.array(evalModelSummarySchema),
  judge: judgeCalibrationSchema.nullable(),
  thresholds: z.array(evalThresholdSchema),
  answers: z.array(evalAnswerSchema),
  pairs: z.array(evalPairSchema),
  /** How each figure is made (stated in every report). */
  methods: z.record(z.string(), z.string()),
  notes: z.array(z.string()),
});
export type EvalResult = z.infer<typeof evalResultSchema>;
