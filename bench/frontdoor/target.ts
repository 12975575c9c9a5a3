/**
 * The front door as the post-deploy stage sees it: the stack output `frontDoor` (or the same
 * shape under `frontDoor:` in a targets file): its URL, the models it serves, its rate limits, the
 * header naming the serving backend, and each A/B route's backends and weights.
 */
import { z } from 'zod';

const backendSchema = z.strictObject({
  /** The backend as the gateway names it in the backend header. */
  name: z.string().min(1),
  /** The served model the gateway rewrites the alias to. */
  model: z.string().min(1),
  weight: z.number().min(0),
});

export const frontDoorTargetSchema = z.strictObject({
  /** `https://<hostname>`, the base URL clients use. */
  url: z.url(),
  /** Response header naming the backend that served. */
  backendHeader: z.string().min(1).default('x-llm-backend'),
  /** Models `/v1/models` must list (served models, adapters and aliases). */
  models: z.array(z.string().min(1)).min(1),
  rateLimit: z.strictObject({
    requestsPerSecondPerKey: z.number().positive(),
    requestsPerSecond: z.number().positive(),
    tokensPerMinutePerKey: z.number().positive().nullable().optional(),
  }),
  routes: z
    .array(z.strictObject({ model: z.string().min(1), backends: z.array(backendSchema).min(1) }))
    .default([]),
  /** Where plain HTTP must be refused or redirected. @default - http://<host>/v1/models */
  plainHttpUrl: z.url().optional(),
});

export type FrontDoorTarget = z.output<typeof frontDoorTargetSchema>;

/** Problems with a `frontDoor` value, worded with where it came from. */
export function parseFrontDoor(value: unknown, where: string): { target?: FrontDoorTarget; problems: string[] } {
  const parsed = frontDoorTargetSchema.safeParse(value, { reportInput: true });
  if (parsed.success) return { target: parsed.data, problems: [] };
  return {
    problems: parsed.error.issues.map(
      (i) => `${where} frontDoor.${i.path.map(String).join('.') || '(root)'} ${i.message.toLowerCase()}, got ${JSON.stringify((i as { input?: unknown }).input) ?? 'nothing'}`,
    ),
  };
}
