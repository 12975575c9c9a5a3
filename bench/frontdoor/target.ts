/**
 * The front door as the post-deploy stage sees it: the stack output `frontDoor` (or the same
 * shape under `frontDoor:` in a targets file): its URL, the models it serves, its rate limits, the
 * header naming the serving backend, and each A/B route's backends and weights.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { usageErrors } from '../errors';

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
  routes: z.array(z.strictObject({ model: z.string().min(1), backends: z.array(backendSchema).min(1) })).default([]),
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
      (i) =>
        `${where} frontDoor.${i.path.map(String).join('.') || '(root)'} ${i.message.toLowerCase()}, got ${JSON.stringify((i as { input?: unknown }).input) ?? 'nothing'}`,
    ),
  };
}

/** The `frontDoor` of stack outputs or a targets file; every problem is a UsageError. */
export async function loadFrontDoor(file: string): Promise<FrontDoorTarget> {
  let raw: unknown;
  try {
    raw = parseYaml(await readFile(file, 'utf8'));
  } catch (err) {
    throw usageErrors([
      `--targets ${file} cannot be read as YAML or JSON, got ${(err as NodeJS.ErrnoException).code ?? (err as Error).message.split('\n')[0]}`,
    ]);
  }
  const value = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>).frontDoor : undefined;
  if (value === undefined) {
    throw usageErrors([
      `--targets ${file} has no frontDoor; pass pulumi stack output --json of a stack with gateway.enabled, or a targets file with frontDoor:`,
    ]);
  }
  const { target, problems } = parseFrontDoor(value, file);
  if (!target) throw usageErrors(problems);
  return target;
}
