/** The post-deploy result: the JSON contract of `llm-bench postdeploy --json`. */
import { z } from 'zod';
import { autoscaleResultSchema } from '../autoscale/result';
import { envelopeSchema, loadResultSchema, smokeResultSchema } from '../result';
import { rollbackResultSchema } from '../rollout/result';
import { frontDoorResultSchema } from '../frontdoor/result';
import { decisionsSchema } from './decide-result';

export const STAGES = ['smoke', 'load', 'rollback', 'restore', 'autoscale'] as const;
export type Stage = (typeof STAGES)[number];

export const variantResultSchema = z.object({
  name: z.string(),
  url: z.string(),
  namespace: z.string(),
  thresholds: z.array(z.string()),
  /** `env-file`: the thresholds are the environment's SLO. */
  thresholdSource: z.enum(['targets', 'env-file', 'none']),
  smoke: smokeResultSchema.nullable(),
  load: loadResultSchema.nullable(),
  rollback: rollbackResultSchema.nullable(),
  /** The roll forward after the rollback drill. */
  restore: rollbackResultSchema.nullable(),
  autoscale: autoscaleResultSchema.nullable(),
  /** Stages that could not run or failed outright (exit 1). */
  failures: z.array(z.object({ stage: z.enum(STAGES), message: z.string() })),
  skipped: z.array(z.object({ stage: z.enum(STAGES), reason: z.string() })),
  exitCode: z.int(),
});
export type VariantResult = z.infer<typeof variantResultSchema>;

export const postdeployResultSchema = z.object({
  ...envelopeSchema('postdeploy'),
  targets: z.string(),
  shape: z.enum(['pulumi-outputs', 'targets-file']),
  environment: z.string().optional(),
  variants: z.array(variantResultSchema),
  /** The public front door's checks, when the targets describe one. */
  frontDoor: frontDoorResultSchema.optional(),
  /** `--baseline` (this release's loads against the previous release's) and `--eval` (short evals with the judge). */
  decisions: decisionsSchema.optional(),
  /** 0 passed, 99 a threshold or gate was crossed, 1 a stage could not run or failed. */
  exitCode: z.int(),
});
export type PostdeployResult = z.infer<typeof postdeployResultSchema>;
