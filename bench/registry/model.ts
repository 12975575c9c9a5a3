/**
 * The registry's data: the MANIFEST.json written next to a version's files, the DynamoDB items
 * (snake_case, as the infra table's keys are), and the camelCase shapes the library returns.
 *
 * Items are parsed with zod on the way in, so a hand-edited or foreign item fails with its key
 * in the message instead of surfacing later as an undefined field.
 */
import { z } from 'zod';
import { RegistryError } from './errors';

/** One file of a published version, relative to the version's prefix. */
export interface ManifestFile {
  /** POSIX path relative to the model directory, e.g. `tokenizer.json`. */
  readonly path: string;
  readonly size: number;
  /** Lowercase hex sha256 of the file's bytes. */
  readonly sha256: string;
}

/** The content of `MANIFEST.json`, written last into `models/NAME/vVERSION/`. */
export interface Manifest {
  readonly manifestVersion: 1;
  readonly model: string;
  readonly version: string;
  /** ISO 8601 time the manifest was written. */
  readonly createdAt: string;
  /** The vLLM image (tag or digest) the version was published for. */
  readonly image: string;
  /** Arguments vLLM serves this version with, e.g. `["--quantization", "awq"]`. */
  readonly vllmArgs: readonly string[];
  readonly totalBytes: number;
  /** Sorted by path. */
  readonly files: readonly ManifestFile[];
}

/** Name of the manifest object; reserved, so a model directory may not contain one at its root. */
export const MANIFEST_FILE = 'MANIFEST.json';

/** Sort-key prefix of environment items; semantic versions start with a digit, so they never collide. */
export const ENV_KEY_PREFIX = 'env#';

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);
const manifestFileSchema = z.strictObject({
  path: z.string().min(1),
  size: z.number().int().nonnegative(),
  sha256: sha256Hex,
});

export const manifestSchema = z.strictObject({
  manifestVersion: z.literal(1),
  model: z.string(),
  version: z.string(),
  createdAt: z.string(),
  image: z.string(),
  vllmArgs: z.array(z.string()),
  totalBytes: z.number().int().nonnegative(),
  files: z.array(manifestFileSchema),
});

/** Serializes a manifest the way publish writes it; verify hashes exactly these bytes. */
export function serializeManifest(manifest: Manifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

const claimFields = {
  model_name: z.string(),
  version: z.string(),
  kind: z.literal('version'),
  claim_id: z.string(),
  claimed_at: z.string(),
  claimed_by: z.string(),
  heartbeat_at: z.string(),
};

/** A version being published: it claims the version but nothing may use it. */
export const uploadingItemSchema = z.object({ ...claimFields, status: z.literal('uploading') });
export type UploadingItem = z.output<typeof uploadingItemSchema>;

/** A published, immutable version. */
export const readyItemSchema = z.object({
  ...claimFields,
  status: z.literal('ready'),
  created_at: z.string(),
  published_at: z.string(),
  image: z.string(),
  vllm_args: z.array(z.string()),
  files: z.array(manifestFileSchema),
  total_bytes: z.number(),
  file_count: z.number(),
  manifest_sha256: sha256Hex,
  s3_uri: z.string(),
});
export type ReadyItem = z.output<typeof readyItemSchema>;

export const versionItemSchema = z.discriminatedUnion('status', [uploadingItemSchema, readyItemSchema]);
export type VersionItem = z.output<typeof versionItemSchema>;

/** Which version an environment runs, with the one before it for rollback. */
export const envItemSchema = z.object({
  model_name: z.string(),
  version: z.string().startsWith(ENV_KEY_PREFIX),
  kind: z.literal('env'),
  env: z.string(),
  current: z.string(),
  previous: z.string().optional(),
  /** Bumped by every promote; the optimistic lock. */
  revision: z.number().int().positive(),
  promoted_at: z.string(),
});
export type EnvItem = z.output<typeof envItemSchema>;

/** Parses an item read from the table, naming its key when it does not fit the schema. */
export function parseItem<T>(schema: z.ZodType<T>, item: Record<string, unknown>): T {
  const result = schema.safeParse(item);
  if (!result.success) {
    const key = `${String(item['model_name'])}/${String(item['version'])}`;
    const issues = result.error.issues.map((issue) => `${issue.path.join('.') || '(item)'}: ${issue.message}`).join(', ');
    throw new RegistryError('aws', `registry item ${key} is malformed, got ${issues}; fix or delete the item in the table`);
  }
  return result.data;
}

/** A published version as the library returns it. */
export interface ReadyVersion {
  readonly status: 'ready';
  readonly model: string;
  readonly version: string;
  /** `s3://BUCKET/models/NAME/vVERSION/`. */
  readonly uri: string;
  readonly createdAt: string;
  readonly publishedAt: string;
  readonly image: string;
  readonly vllmArgs: readonly string[];
  readonly totalBytes: number;
  readonly fileCount: number;
  readonly files: readonly ManifestFile[];
  /** sha256 of the MANIFEST.json bytes; verify checks the object against it. */
  readonly manifestSha256: string;
}

/** A claim on a version whose publish has not finished (or whose publisher crashed). */
export interface PendingVersion {
  readonly status: 'uploading';
  readonly model: string;
  readonly version: string;
  readonly claimId: string;
  readonly claimedAt: string;
  /** `host:pid` of the publisher, to tell whether it is still alive. */
  readonly claimedBy: string;
  readonly heartbeatAt: string;
  readonly heartbeatAgeMs: number;
  /** True when the heartbeat is older than the stale-after rule: the next publish may take it over. */
  readonly stale: boolean;
}

export type VersionEntry = ReadyVersion | PendingVersion;

/** Which version an environment runs. */
export interface EnvPointer {
  readonly model: string;
  readonly env: string;
  readonly current: string;
  /** The version before the last promote, for rollback; absent after the first promote. */
  readonly previous?: string;
  readonly revision: number;
  readonly promotedAt: string;
}

export function toReadyVersion(item: ReadyItem): ReadyVersion {
  return {
    status: 'ready',
    model: item.model_name,
    version: item.version,
    uri: item.s3_uri,
    createdAt: item.created_at,
    publishedAt: item.published_at,
    image: item.image,
    vllmArgs: item.vllm_args,
    totalBytes: item.total_bytes,
    fileCount: item.file_count,
    files: item.files,
    manifestSha256: item.manifest_sha256,
  };
}

export function toPendingVersion(item: UploadingItem, now: Date, staleAfterMs: number): PendingVersion {
  const heartbeatAgeMs = Math.max(0, now.getTime() - Date.parse(item.heartbeat_at));
  return {
    status: 'uploading',
    model: item.model_name,
    version: item.version,
    claimId: item.claim_id,
    claimedAt: item.claimed_at,
    claimedBy: item.claimed_by,
    heartbeatAt: item.heartbeat_at,
    heartbeatAgeMs,
    stale: heartbeatAgeMs > staleAfterMs,
  };
}

export function toEnvPointer(item: EnvItem): EnvPointer {
  return {
    model: item.model_name,
    env: item.env,
    current: item.current,
    ...(item.previous === undefined ? {} : { previous: item.previous }),
    revision: item.revision,
    promotedAt: item.promoted_at,
  };
}
