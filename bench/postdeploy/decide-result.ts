/** What `postdeploy --baseline` and `--eval` add to the post-deploy result. */
import { z } from 'zod';
import { compareResultSchema } from '../compare/result';
import { evalResultSchema } from '../eval/result';

export const releaseComparisonSchema = z.object({
  variant: z.string(),
  /** The comparison, or null with why it could not be made. */
  compare: compareResultSchema.nullable(),
  skipped: z.string().optional(),
});
export type ReleaseComparison = z.infer<typeof releaseComparisonSchema>;

export const decisionsSchema = z.object({
  baselineFile: z.string().optional(),
  releases: z.array(releaseComparisonSchema),
  evals: z.array(z.object({ candidate: z.string(), baseline: z.string(), result: evalResultSchema })),
  exitCode: z.int(),
});
export type Decisions = z.infer<typeof decisionsSchema>;
