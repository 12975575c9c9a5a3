/**
 * The rollback result: the JSON contract of `llm-bench rollback --json`. zod schemas are the
 * single source; the types are inferred.
 */
import { z } from 'zod';
import { envelopeSchema, eventSchema, loadResultSchema, requestCountsSchema, thresholdResultSchema } from '../result';

/** Pods of one side of the rollback (the version rolled to, or the one rolled away from). */
export const podSideSchema = z.object({
  /** Replicas the side's Deployment asks for (for rolling: the Deployment's). */
  desired: z.int().nonnegative(),
  ready: z.int().nonnegative(),
  /** Not terminating. */
  live: z.int().nonnegative(),
  pending: z.int().nonnegative(),
  terminating: z.int().nonnegative(),
});
export type PodSide = z.infer<typeof podSideSchema>;

/** One sample of the timeline: cluster state at its end, requests that ended during it. */
export const rollbackSampleSchema = z.object({
  /** Seconds from the start of the load to the end of the sample. */
  t: z.number(),
  phase: z.enum(['before', 'rolling', 'after']),
  /** Blue/green: the track the Service selects. */
  serving: z.string().nullable(),
  new: podSideSchema,
  old: podSideSchema,
  /** Blue/green: ready endpoints of the variant's Service by side; null for rolling updates. */
  endpoints: z.object({ new: z.int().nonnegative(), old: z.int().nonnegative() }).nullable(),
  completed: z.int().nonnegative(),
  failed: z.int().nonnegative(),
  errors: z.record(z.string(), z.int().nonnegative()),
  ttftP50Ms: z.number().nullable(),
  ttftP95Ms: z.number().nullable(),
  e2eP95Ms: z.number().nullable(),
});
export type RollbackSample = z.infer<typeof rollbackSampleSchema>;

export const rollbackResultSchema = z.object({
  ...envelopeSchema('rollback'),
  namespace: z.string(),
  variant: z.string(),
  strategy: z.enum(['rolling', 'blue-green']),
  /** What was rolled back, e.g. `revision 4 → revision 3` or `track blue → green`. */
  from: z.string(),
  to: z.string(),
  /** Set when rolling to a registry version. */
  registryVersion: z.string().optional(),
  /** The duration includes starting pods from nothing (a parked standby, a changed template, any rolling update). */
  coldStart: z.boolean(),
  /** Seconds from the first change to the cluster until every new pod was ready and no old one served; null if never. */
  durationSec: z.number().nullable(),
  completed: z.boolean(),
  /** `complete`, or what was still missing when the wait ended. */
  detail: z.string(),
  gates: z.array(thresholdResultSchema),
  requests: requestCountsSchema,
  events: z.array(eventSchema),
  notes: z.array(z.string()),
  timeline: z.array(rollbackSampleSchema),
  /** The load engine's own result of the background load. */
  load: loadResultSchema.nullable(),
  /** Set when the check could not do its job (interrupted, the load stopped itself). */
  aborted: z.object({ reason: z.string() }).optional(),
});
export type RollbackResult = z.infer<typeof rollbackResultSchema>;

/** True when every gate passed and nothing aborted. */
export function rollbackPassed(r: RollbackResult): boolean {
  return r.aborted === undefined && r.gates.every((g) => g.passed);
}
