/**
 * Where a post-deploy result is kept for the next deploy: `postdeploy --store-result DEST` writes
 * this run's result there, and the next deploy's `--baseline DEST` reads it. DEST is a local path
 * or an `s3://bucket/key` URI (read and written with the registry's AWS client, credentials and
 * deadlines), so `--baseline s3://b/k --store-result s3://b/k` is a CI loop that needs no artifact
 * store: each passing release becomes the baseline of the next.
 *
 * The destination is checked with the other flags, before any stage runs; the result is stored
 * only after the run has finished, passed and written its own outputs, and a failed store never
 * loses the run (the error says where its result is).
 */
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { RunError, UsageError } from '../errors';

/** A result's place: a local file or an S3 object. */
export type ResultLocation =
  | { readonly kind: 'file'; readonly uri: string; readonly path: string }
  | { readonly kind: 's3'; readonly uri: string; readonly bucket: string; readonly key: string };

/** The S3 side of a result store; the CLI passes the registry's client. */
export interface ResultObjects {
  /** The object's text, or undefined when it does not exist. */
  get(bucket: string, key: string): Promise<string | undefined>;
  put(bucket: string, key: string, body: string): Promise<void>;
}

/** S3's bucket naming rule (general purpose buckets). */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** S3 object keys are at most 1,024 bytes of UTF-8. */
const MAX_KEY_BYTES = 1024;

/** Parses `--baseline`/`--store-result`'s value; a bad one is a UsageError naming flag and value. */
export function parseResultLocation(flag: string, value: string): ResultLocation {
  const fix = 'pass a local path or s3://<bucket>/<key>.json';
  if (value === '' || value === '-') throw new UsageError(`${flag} needs a file or an S3 object, got ${JSON.stringify(value)}; ${fix}`);
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(value);
  if (scheme === null) return { kind: 'file', uri: value, path: value };
  if (scheme[1] !== 's3')
    throw new UsageError(`${flag} ${value} is neither a local path nor an s3:// URI, got scheme ${scheme[1]}; ${fix}`);
  const m = /^s3:\/\/([^/]*)\/(.*)$/.exec(value);
  const bucket = m?.[1] ?? value.slice('s3://'.length);
  const key = m?.[2] ?? '';
  if (!BUCKET.test(bucket))
    throw new UsageError(
      `${flag} ${value} names no valid bucket, got ${JSON.stringify(bucket)}; ${fix} (3–63 lowercase letters, digits, dots, hyphens)`,
    );
  if (key === '' || key.endsWith('/')) throw new UsageError(`${flag} ${value} names no object key, got ${JSON.stringify(key)}; ${fix}`);
  if (Buffer.byteLength(key) > MAX_KEY_BYTES)
    throw new UsageError(
      `${flag} ${value} has a key longer than S3's ${MAX_KEY_BYTES} bytes, got ${Buffer.byteLength(key)}; use a shorter key`,
    );
  return { kind: 's3', uri: value, bucket, key };
}

/** Problems with a local destination that can be seen before the run (it is a folder). */
export async function localLocationProblems(flag: string, where: ResultLocation): Promise<string[]> {
  if (where.kind !== 'file') return [];
  const s = await stat(where.path).catch(() => undefined);
  return s?.isDirectory() === true
    ? [`${flag} ${where.path} is a folder, got a directory; pass a file path such as ${where.path.replace(/\/$/, '')}/postdeploy.json`]
    : [];
}

/** Same place? (`--baseline X --store-result X` is the CI loop, whose first run finds nothing yet.) */
export const sameLocation = (a: ResultLocation, b: ResultLocation): boolean => a.uri === b.uri;

/** A result's text, or undefined when there is none there yet. Other failures throw. */
export async function readStoredResult(where: ResultLocation, objects: () => ResultObjects): Promise<string | undefined> {
  if (where.kind === 's3') return objects().get(where.bucket, where.key);
  try {
    return await readFile(where.path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Fixes for the failures a store meets most, by error name. */
const STORE_HINTS: Readonly<Record<string, string>> = {
  AccessDenied: 'grant the CI role s3:PutObject on that object',
  NoSuchBucket: 'create the bucket or fix the URI (the registry bucket works: pulumi stack output registryBucket)',
  CredentialsProviderError: 'configure AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID, or a role)',
  EACCES: 'make the folder writable or pass another path',
  ENOTDIR: 'pass a path whose folders are folders',
};

/**
 * Writes the result; a failure is a RunError (exit 1) naming the destination, the fix and where
 * the run's result still is (`kept`). A local file is written whole or not at all (temp + rename),
 * so the next deploy never reads half a result.
 */
export async function storeResult(
  where: ResultLocation,
  text: string,
  objects: () => ResultObjects,
  kept: () => Promise<string>,
): Promise<void> {
  try {
    if (where.kind === 's3') {
      await objects().put(where.bucket, where.key, text);
      return;
    }
    await mkdir(dirname(where.path), { recursive: true });
    const temp = `${where.path}.${process.pid}.tmp`;
    await writeFile(temp, text);
    await rename(temp, where.path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const name = e.code ?? e.name ?? 'Error';
    const hint = STORE_HINTS[name] ?? STORE_HINTS[e.name] ?? 'check the destination and retry';
    throw new RunError(
      `--store-result ${where.uri} cannot be written, got ${name}: ${e.message}; ${hint}. This run's result is in ${await kept()}: ` +
        `copy it there (the next deploy's --baseline reads it)`,
    );
  }
}
