/**
 * What the post-deploy stage checks: one target per variant (URL, expected models and adapters,
 * thresholds, load, and whether to drill a rollback or an autoscale), read from
 *
 * - `pulumi stack output --json` (stacks/pulumi.ts exports `modelEndpoints`: served model name →
 *   in-cluster URL, plus `registryBucket` / `registryTable`), or
 * - a small YAML or JSON file (`variants:` name → URL or settings; see docs/postdeploy.md),
 *
 * with defaults from the environment's service contract (config/service-contract.ts, read from
 * `--env-config Pulumi.prod.yaml`): each variant's SLO as thresholds (`ttftMs.p95<slo.ttftP95Ms`,
 * `itlMs.p95<slo.itlP95Ms`, `errorRate<slo.errorRatio`), its LoRA adapters, its namespace, and
 * whether it autoscales.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { ServiceContract, SloContract } from '../../config/service-contract';
import { UsageError, usageErrors } from '../errors';
import { parseThresholds } from '../thresholds';
import { POSTDEPLOY_DEFAULTS } from '../checks/defaults';
import { type FrontDoorTarget, parseFrontDoor } from '../frontdoor/target';

const semver = z.string().regex(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/, 'must be a semantic version like 1.2.0');
const positive = z.number().positive();

const loadSchema = z.strictObject({
  concurrency: z.int().positive().optional(),
  rate: positive.optional(),
  durationSec: positive.optional(),
});

const rollbackSchema = z.strictObject({
  /** A registry version to roll to; without it, the previous revision or the standby track. */
  registryVersion: semver.optional(),
  /** With previousOf: the registry environment whose previous version to roll to. */
  previousOf: z.string().optional(),
  limitSec: positive.optional(),
  keepWarmSec: z.number().min(0).optional(),
  /** Roll forward again afterwards (a drill that leaves the deployed version running). */
  restore: z.boolean().optional(),
});

const autoscaleSchema = z.strictObject({
  concurrency: z.array(z.int().positive()).min(1).optional(),
  rate: z.array(positive).min(1).optional(),
  holdSec: positive.optional(),
  scaleUpLimitSec: positive.optional(),
  scaleDownLimitSec: positive.optional(),
  scaleUpTo: z.int().positive().optional(),
  scaleDownTo: z.int().min(0).optional(),
});

const variantSchema = z.union([
  z.url(),
  z.strictObject({
    url: z.url(),
    namespace: z.string().optional(),
    /** Base models `/v1/models` must list. @default - the variant name */
    models: z.array(z.string().min(1)).optional(),
    /** `name` or `name=parent` LoRA adapters. @default - the env file's adapters of the variant */
    adapters: z.array(z.string().min(1)).optional(),
    /** @default - from the env file's SLO, else none */
    thresholds: z.array(z.string()).optional(),
    load: loadSchema.optional(),
    rollback: z.union([z.boolean(), rollbackSchema]).optional(),
    autoscale: z.union([z.boolean(), autoscaleSchema]).optional(),
  }),
]);

/** The small targets file. */
export const targetsFileSchema = z.strictObject({
  namespace: z.string().optional(),
  registryBucket: z.string().optional(),
  registryTable: z.string().optional(),
  variants: z.record(z.string(), variantSchema).default({}),
  /** The public front door (bench/frontdoor/target.ts). */
  frontDoor: z.unknown().optional(),
});

/** `pulumi stack output --json` of stacks/pulumi.ts; other outputs are ignored. */
export const stackOutputsSchema = z.looseObject({
  modelEndpoints: z.record(z.string(), z.string()),
  registryBucket: z.string().optional(),
  registryTable: z.string().optional(),
  /** Present when the stack runs the front door (gateway.enabled). */
  frontDoor: z.unknown().optional(),
});

export type RollbackPlan = z.output<typeof rollbackSchema>;
export type AutoscalePlan = z.output<typeof autoscaleSchema>;

/** One variant to check, after defaults. */
export interface Target {
  readonly name: string;
  readonly url: string;
  readonly namespace: string;
  readonly models: readonly string[];
  readonly adapters: readonly string[];
  readonly thresholds: readonly string[];
  /** Where the thresholds came from, for the report. */
  readonly thresholdSource: 'targets' | 'env-file' | 'none';
  readonly load: z.output<typeof loadSchema>;
  /** null: not asked for this variant. */
  readonly rollback: RollbackPlan | null;
  /** null: not asked; `skip` with the reason when the variant cannot autoscale. */
  readonly autoscale: AutoscalePlan | { readonly skip: string } | null;
  /** From the env file: the variant's rollout strategy. */
  readonly rolloutStrategy?: string;
}

export interface Targets {
  readonly source: string;
  readonly shape: 'pulumi-outputs' | 'targets-file';
  readonly variants: readonly Target[];
  readonly registryBucket?: string;
  readonly registryTable?: string;
  readonly environment?: string;
  /** The public front door, when the targets describe one. */
  readonly frontDoor?: FrontDoorTarget;
}

function issues(file: string, error: z.ZodError): string[] {
  return error.issues.map(
    (i) =>
      `${file} ${i.path.map(String).join('.') || 'root'} ${i.message.toLowerCase()}, got ${JSON.stringify((i as { input?: unknown }).input) ?? 'nothing'}`,
  );
}

/** Namespace from an in-cluster URL `http://<svc>.<ns>.svc…`. */
export function namespaceOfUrl(url: string): string | undefined {
  try {
    const host = new URL(url).hostname.split('.');
    return host.length >= 3 && host[2] === 'svc' ? host[1] : undefined;
  } catch {
    return undefined;
  }
}

/** Thresholds a variant's SLO implies. */
export function sloThresholds(slo: SloContract): string[] {
  return [`ttftMs.p95<${slo.ttftP95Ms}`, `itlMs.p95<${slo.itlP95Ms}`, `errorRate<${slo.errorRatio}`];
}

export interface TargetsRequest {
  readonly file: string;
  /** The environment's promises (`loadEnvDefaults`): thresholds, adapters, namespace, scaling. */
  readonly env?: ServiceContract;
  /** Check only these variants. @default - all */
  readonly only?: readonly string[];
  /** URL overrides (port-forwards), by variant. */
  readonly urls?: Readonly<Record<string, string>>;
  readonly namespace?: string;
  /** Run the rollback drill on every variant that does not opt out. */
  readonly rollback?: boolean;
  /** Run the autoscale check on every variant that autoscales and does not opt out. */
  readonly autoscale?: boolean;
  /** Check only the front door (a runner outside the cluster's network). */
  readonly frontDoorOnly?: boolean;
}

/** The variants of a targets file, in either shape, with the settings every variant falls back to. */
interface TargetsFile {
  readonly shape: Targets['shape'];
  readonly entries: [string, z.output<typeof variantSchema>][];
  readonly base: { readonly namespace?: string; readonly registryBucket?: string; readonly registryTable?: string };
  /** The `frontDoor` value as written, checked by {@link parseFrontDoor}. */
  readonly door: unknown;
}

/** Reads the file and tells stack outputs from a targets file; throws UsageError when it is neither. */
async function readTargetsFile(file: string): Promise<TargetsFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(
      `--targets ${file} cannot be read, got ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; pass the stack outputs (pulumi stack output --json) or a targets YAML`,
    );
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new UsageError(
      `--targets ${file} is not YAML or JSON, got ${(err as Error).message.split('\n')[0]}; pass the stack outputs or a targets YAML`,
    );
  }
  if (raw !== null && typeof raw === 'object' && 'modelEndpoints' in raw) {
    const parsed = stackOutputsSchema.safeParse(raw);
    if (!parsed.success) throw usageErrors(issues(file, parsed.error));
    const { registryBucket, registryTable } = parsed.data;
    return {
      shape: 'pulumi-outputs',
      entries: Object.entries(parsed.data.modelEndpoints),
      base: { ...(registryBucket !== undefined && { registryBucket }), ...(registryTable !== undefined && { registryTable }) },
      door: parsed.data.frontDoor,
    };
  }
  const parsed = targetsFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw usageErrors([
      ...issues(file, parsed.error),
      `${file} is neither stack outputs (with modelEndpoints) nor a targets file (with variants); see docs/postdeploy.md`,
    ]);
  }
  return { shape: 'targets-file', entries: Object.entries(parsed.data.variants), base: parsed.data, door: parsed.data.frontDoor };
}

/** One variant after defaults from the request, the file and the environment's contract. */
function targetOf(
  name: string,
  v: z.output<typeof variantSchema>,
  r: TargetsRequest,
  base: TargetsFile['base'],
  problems: string[],
): Target {
  const o = typeof v === 'string' ? { url: v } : v;
  const env = r.env;
  const model = env?.variants.find((m) => m.name === name);
  if (env !== undefined && model === undefined)
    problems.push(
      `variant ${name} is not an enabled model of ${env.environment}, got ${env.variants.map((m) => m.name).join(', ')}; check --env-config`,
    );
  const namespace =
    r.namespace ??
    ('namespace' in o ? o.namespace : undefined) ??
    namespaceOfUrl(o.url) ??
    base.namespace ??
    env?.namespace ??
    POSTDEPLOY_DEFAULTS.namespace;
  const fromTargets = 'thresholds' in o ? o.thresholds : undefined;
  const thresholds = fromTargets ?? (model !== undefined ? sloThresholds(model.slo) : []);
  try {
    parseThresholds(thresholds);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    problems.push(...err.problems.map((p) => `variant ${name}: ${p}`));
  }
  const rollbackSetting = 'rollback' in o ? o.rollback : undefined;
  const autoscaleSetting = 'autoscale' in o ? o.autoscale : undefined;
  let autoscale: Target['autoscale'] = optIn<AutoscalePlan>(autoscaleSetting, r.autoscale, {});
  if (autoscale !== null && model !== undefined && model.maxReplicas <= model.minReplicas) {
    autoscale = {
      skip: `${name} does not autoscale in ${env!.environment} (minReplicas ${model.minReplicas} = maxReplicas ${model.maxReplicas})`,
    };
  }
  return {
    name,
    url: r.urls?.[name] ?? o.url,
    namespace,
    models: ('models' in o ? o.models : undefined) ?? [name],
    adapters: ('adapters' in o ? o.adapters : undefined) ?? (model?.adapters ?? []).map((a) => `${a}=${name}`),
    thresholds,
    thresholdSource: fromTargets !== undefined ? 'targets' : model !== undefined ? 'env-file' : 'none',
    load: ('load' in o ? o.load : undefined) ?? {},
    rollback: optIn<RollbackPlan>(rollbackSetting, r.rollback, {}),
    autoscale,
    ...(model !== undefined && { rolloutStrategy: model.rolloutStrategy }),
  };
}

/** A stage a variant opts into or out of: its own setting wins, else the run's flag. */
function optIn<P extends object>(setting: boolean | P | undefined, all: boolean | undefined, defaults: P): P | null {
  if (setting === false) return null;
  if (typeof setting === 'object') return setting;
  return setting === true || all === true ? defaults : null;
}

/** Reads and validates the targets; throws one UsageError with every problem. */
export async function loadTargets(r: TargetsRequest): Promise<Targets> {
  const { shape, entries: listed, base, door } = await readTargetsFile(r.file);
  const problems: string[] = [];
  const frontDoor = door === undefined ? undefined : parseFrontDoor(door, r.file);
  problems.push(...(frontDoor?.problems ?? []));
  if (r.frontDoorOnly === true && door === undefined) {
    problems.push(
      `--front-door-only needs a frontDoor in ${r.file}, got none; deploy with gateway.enabled or add frontDoor: to the targets file`,
    );
  }
  const entries = r.frontDoorOnly === true ? [] : listed;
  const names = entries.map(([n]) => n);
  for (const n of r.only ?? [])
    if (!names.includes(n)) problems.push(`--variant ${n} is not in ${r.file}, got ${names.join(', ') || 'no variants'}; pass one of them`);
  for (const n of Object.keys(r.urls ?? {}))
    if (!names.includes(n))
      problems.push(`--url ${n}=… names no variant of ${r.file}, got ${names.join(', ') || 'no variants'}; use a variant name`);
  const narrowed = r.only !== undefined && r.only.length > 0;
  // A hand-written targets file that leaves out a variant the environment enables would skip it
  // without a word; --variant is how a run checks fewer on purpose.
  const missing =
    r.env === undefined || narrowed || r.frontDoorOnly === true ? [] : r.env.variants.map((v) => v.name).filter((n) => !names.includes(n));
  if (missing.length > 0) {
    problems.push(
      `${r.file} leaves out ${missing.join(', ')}, which ${r.env!.environment} enables (--env-config), got ${names.join(', ') || 'no variants'}; ` +
        `add ${missing.length === 1 ? 'it' : 'them'} to the targets, or pass --variant for each variant to check`,
    );
  }
  const chosen = narrowed ? entries.filter(([name]) => r.only!.includes(name)) : entries;
  const variants = chosen.map(([name, v]) => targetOf(name, v, r, base, problems));
  if (entries.length === 0 && door === undefined) {
    problems.push(
      `${r.file} lists no variants, got an empty ${shape === 'pulumi-outputs' ? 'modelEndpoints' : 'variants'}; deploy at least one model`,
    );
  }
  if (problems.length > 0) throw usageErrors(problems);
  return {
    source: r.file,
    shape,
    variants,
    ...(base.registryBucket !== undefined && { registryBucket: base.registryBucket }),
    ...(base.registryTable !== undefined && { registryTable: base.registryTable }),
    ...(r.env !== undefined && { environment: r.env.environment }),
    ...(frontDoor?.target !== undefined && { frontDoor: frontDoor.target }),
  };
}
