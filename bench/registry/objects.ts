/**
 * S3 operations of the registry: streamed, hashed uploads (single PUT or multipart), listing
 * and deleting a version's prefix, and re-hashing stored objects.
 *
 * Files are read sequentially in part-sized buffers, so the sha256 is computed while reading
 * and memory stays at partConcurrency × partSize per file, whatever the file's size.
 */
import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { AWS_LIMITS } from './defaults';
import { RegistryError } from './errors';
import type { SourceFile } from './files';
import type { ManifestFile } from './model';

/** Where and how to upload one file. */
export interface UploadSettings {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly key: string;
  readonly partSizeBytes: number;
  readonly partConcurrency: number;
  readonly signal: AbortSignal;
}

/** A stored object as listed. */
export interface StoredObject {
  readonly key: string;
  readonly size: number;
}

/**
 * The part size for a file: the configured size, raised to the next MiB multiple that keeps
 * the file within S3's 10,000 parts.
 */
export function partSizeFor(fileSize: number, partSizeBytes: number): number {
  const MiB = 1024 * 1024;
  const needed = Math.ceil(fileSize / AWS_LIMITS.maxParts / MiB) * MiB;
  return Math.max(partSizeBytes, needed);
}

/**
 * Uploads one file to `key`, hashing it as it is read, and returns its manifest entry.
 *
 * Fails with `source_changed` when the file's size or modification time moves during the
 * upload, since the hash would then describe bytes that are not the file's.
 */
export async function uploadFile(source: SourceFile, settings: UploadSettings): Promise<ManifestFile> {
  const handle = await open(source.absolutePath, 'r').catch((error: NodeJS.ErrnoException) => {
    throw new RegistryError(
      'source_changed',
      `${source.path} cannot be opened, got ${error.code ?? error.message}; keep the model directory unchanged while publishing`,
      { cause: error },
    );
  });
  try {
    await assertUnchanged(handle, source);
    const hash = createHash('sha256');
    const partSize = partSizeFor(source.size, settings.partSizeBytes);
    if (source.size <= partSize) {
      const body = await readExactly(handle, source, 0, source.size);
      hash.update(body);
      await settings.s3.send(new PutObjectCommand({ Bucket: settings.bucket, Key: settings.key, Body: body, ContentLength: body.length }), {
        abortSignal: settings.signal,
      });
    } else {
      await uploadMultipart(handle, source, partSize, hash, settings);
    }
    await assertUnchanged(handle, source);
    return { path: source.path, size: source.size, sha256: hash.digest('hex') };
  } finally {
    await handle.close();
  }
}

async function uploadMultipart(
  handle: FileHandle,
  source: SourceFile,
  partSize: number,
  hash: ReturnType<typeof createHash>,
  settings: UploadSettings,
): Promise<void> {
  const { s3, bucket, key } = settings;
  const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }), { abortSignal: settings.signal });
  const uploadId = created.UploadId;
  if (uploadId === undefined) {
    throw new RegistryError('aws', `s3 CreateMultipartUpload for ${key} returned no UploadId, got an empty response; retry the publish`);
  }
  // One failed part cancels its siblings without cancelling the caller's signal.
  const partsAbort = new AbortController();
  const onOuterAbort = () => partsAbort.abort(settings.signal.reason);
  settings.signal.addEventListener('abort', onOuterAbort, { once: true });
  const completed: CompletedPart[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  try {
    for (let partNumber = 1, offset = 0; offset < source.size; partNumber++, offset += partSize) {
      while (inFlight.size >= settings.partConcurrency && failure === undefined) await Promise.race(inFlight);
      if (failure !== undefined) break;
      partsAbort.signal.throwIfAborted();
      const body = await readExactly(handle, source, offset, Math.min(partSize, source.size - offset));
      hash.update(body);
      const number = partNumber;
      // Each task settles to undefined and records its error, so a part failing while the next
      // one is being read never becomes an unhandled rejection.
      const task: Promise<void> = s3
        .send(
          new UploadPartCommand({
            Bucket: bucket,
            Key: key,
            UploadId: uploadId,
            PartNumber: number,
            Body: body,
            ContentLength: body.length,
          }),
          { abortSignal: partsAbort.signal },
        )
        .then(
          (response) => {
            completed.push({
              PartNumber: number,
              ETag: response.ETag,
              ChecksumCRC32: response.ChecksumCRC32,
              ChecksumCRC32C: response.ChecksumCRC32C,
              ChecksumCRC64NVME: response.ChecksumCRC64NVME,
              ChecksumSHA1: response.ChecksumSHA1,
              ChecksumSHA256: response.ChecksumSHA256,
            });
          },
          (error: unknown) => {
            failure ??= { error };
            partsAbort.abort(error);
          },
        )
        .finally(() => inFlight.delete(task));
      inFlight.add(task);
    }
    await Promise.all(inFlight);
    if (failure !== undefined) throw failure.error;
    completed.sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
    await s3.send(
      new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: completed } }),
      { abortSignal: settings.signal },
    );
  } catch (error) {
    partsAbort.abort(error);
    await Promise.all(inFlight);
    // Best effort: the bucket's AbortIncompleteMultipartUpload lifecycle rule is the backstop
    // for parts left by a crash or by an abort that fails here.
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
    throw error;
  } finally {
    settings.signal.removeEventListener('abort', onOuterAbort);
  }
}

/** Reads exactly `length` bytes at `position`, failing with `source_changed` if the file is shorter. */
async function readExactly(handle: FileHandle, source: SourceFile, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) {
      throw new RegistryError(
        'source_changed',
        `${source.path} shrank while publishing, got end of file at byte ${position + filled} of ${source.size}; keep the model directory unchanged while publishing`,
      );
    }
    filled += bytesRead;
  }
  return buffer;
}

async function assertUnchanged(handle: FileHandle, source: SourceFile): Promise<void> {
  const now = await handle.stat();
  if (now.size !== source.size || now.mtimeMs !== source.mtimeMs) {
    throw new RegistryError(
      'source_changed',
      `${source.path} changed while publishing, got size ${now.size} (was ${source.size}) and mtime ${new Date(now.mtimeMs).toISOString()}; keep the model directory unchanged while publishing`,
    );
  }
}

/** Writes a small in-memory object (the manifest). */
export async function putSmallObject(s3: S3Client, bucket: string, key: string, body: string, signal?: AbortSignal): Promise<void> {
  await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }),
    signal === undefined ? {} : { abortSignal: signal },
  );
}

/** Lists every object under `prefix`, following pagination. */
export async function listPrefix(s3: S3Client, bucket: string, prefix: string, signal?: AbortSignal): Promise<StoredObject[]> {
  const objects: StoredObject[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      signal === undefined ? {} : { abortSignal: signal },
    );
    for (const object of page.Contents ?? []) {
      if (object.Key !== undefined) objects.push({ key: object.Key, size: object.Size ?? 0 });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return objects;
}

/**
 * Deletes every object under `prefix` and returns how many there were.
 *
 * On a versioned bucket this writes delete markers: readers and `aws s3 sync` no longer see
 * the objects, and the noncurrent versions expire with the bucket's lifecycle rule.
 */
export async function deletePrefix(s3: S3Client, bucket: string, prefix: string, signal?: AbortSignal): Promise<number> {
  const objects = await listPrefix(s3, bucket, prefix, signal);
  for (let start = 0; start < objects.length; start += AWS_LIMITS.maxDeleteKeys) {
    const batch = objects.slice(start, start + AWS_LIMITS.maxDeleteKeys);
    const result = await s3.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((object) => ({ Key: object.key })), Quiet: true } }),
      signal === undefined ? {} : { abortSignal: signal },
    );
    const failed = result.Errors ?? [];
    if (failed.length > 0) {
      const first = failed[0]!;
      throw new RegistryError(
        'aws',
        `s3 DeleteObjects under ${prefix} failed for ${failed.length} objects, got ${first.Code ?? 'error'} on ${first.Key ?? '?'}; check s3:DeleteObject on the bucket`,
      );
    }
  }
  return objects.length;
}

/** Streams an object through sha256; undefined when the object does not exist. */
export async function hashObject(
  s3: S3Client,
  bucket: string,
  key: string,
): Promise<{ readonly size: number; readonly sha256: string } | undefined> {
  let response;
  try {
    response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  } catch (error) {
    if (error instanceof Error && (error.name === 'NoSuchKey' || error.name === 'NotFound')) return undefined;
    throw error;
  }
  const body = response.Body as AsyncIterable<Uint8Array> | undefined;
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of body ?? []) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { size, sha256: hash.digest('hex') };
}

/** Reads a small object as text; undefined when the object does not exist. */
export async function readSmallObject(s3: S3Client, bucket: string, key: string): Promise<string | undefined> {
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await response.Body?.transformToString('utf8');
  } catch (error) {
    if (error instanceof Error && (error.name === 'NoSuchKey' || error.name === 'NotFound')) return undefined;
    throw error;
  }
}
