/** The autoscale result: the JSON contract of `llm-bench autoscale --json`. */
import { z } from 'zod';
import { coldStartCostSchema } from '../cost/result';
import { envelopeSchema, eventSchema, profileSchema, requestCountsSchema, summarySchema, thresholdResultSchema } from '../result';

/** One sample: the scaler's view, the pods, the queue, and the requests that ended in it. */
export const autoscaleSampleSchema = z.object({
  /** Seconds from the start of the load to the end of the sample. */
  t: z.number(),
  /** Index of the load step running; null once the load has stopped. */
  step: z.int().nonnegative().nullable(),
  /** The Deployment's spec.replicas (what the HPA set). */
  desired: z.int().nonnegative(),
  ready: z.int().nonnegative(),
  /** Pods waiting for a node or an image. */
  pending: z.int().nonnegative(),
  terminating: z.int().nonnegative(),
  /** HPA status; null without an HPA. */
  hpaDesired: z.int().nonnegative().nullable(),
  /** The HPA's current value of its first metric (per replica for AverageValue). */
  hpaMetric: z.number().nullable(),
  /** The ScaledObject's Active condition. */
  scalerActive: z.boolean().nullable(),
  /** `vllm:num_requests_waiting` summed over the model's pods (or one pod's view through /metrics). */
  queueDepth: z.number().nullable(),
  completed: z.int().nonnegative(),
  failed: z.int().nonnegative(),
  ttftP50Ms: z.number().nullable(),
  ttftP95Ms: z.number().nullable(),
});
export type AutoscaleSample = z.infer<typeof autoscaleSampleSchema>;

export const autoscaleResultSchema = z.object({
  ...envelopeSchema('autoscale'),
  namespace: z.string(),
  variant: z.string(),
  /** The Deployment scaled, the ScaledObject and the HPA watched. */
  deployment: z.string(),
  scaledObject: z.string(),
  hpa: z.string(),
  minReplicas: z.int().nonnegative(),
  maxReplicas: z.int().nonnegative(),
  initialReplicas: z.int().nonnegative(),
  scaleUpTo: z.int().nonnegative(),
  scaleDownTo: z.int().nonnegative(),
  /** Where queue depth came from: `metrics <url>` or `prometheus <url>`. */
  queueSource: z.string(),
  steps: z.array(z.object({ profile: profileSchema, startedAtSec: z.number(), summary: summarySchema.nullable() })),
  /** Load start → the HPA asked for scaleUpTo replicas. */
  scaleUpDecisionSec: z.number().nullable(),
  /** Load start → scaleUpTo replicas ready. */
  scaleUpSec: z.number().nullable(),
  /** Load stop → back to scaleDownTo replicas, none terminating. */
  scaleDownSec: z.number().nullable(),
  loadStoppedAtSec: z.number().nullable(),
  peak: z.object({
    desired: z.int().nonnegative(),
    ready: z.int().nonnegative(),
    pending: z.int().nonnegative(),
    queueDepth: z.number().nullable(),
  }),
  gates: z.array(thresholdResultSchema),
  requests: requestCountsSchema,
  events: z.array(eventSchema),
  notes: z.array(z.string()),
  timeline: z.array(autoscaleSampleSchema),
  /** GPU time paid for replicas asked for but not ready yet, SPOT and on demand. */
  coldStartCost: coldStartCostSchema.optional(),
  aborted: z.object({ reason: z.string() }).optional(),
});
export type AutoscaleResult = z.infer<typeof autoscaleResultSchema>;

export function autoscalePassed(r: AutoscaleResult): boolean {
  return r.aborted === undefined && r.gates.every((g) => g.passed);
}
