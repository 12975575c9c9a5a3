/**
 * Helpers for registry tests: model directories on disk, a registry wired to the local
 * servers, failure injection through S3 client middleware, and direct reads of the store.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ModelRegistry, type ModelRegistryProps } from '../../../../bench/registry/registry';
import type { LocalAws } from './servers';

export const BUCKET = 'llm-registry-test';
export const TABLE = 'llm-registry-test';
export const IMAGE = 'vllm/vllm-openai:v0.11.0';
export const MiB = 1024 * 1024;

export function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Writes `files` (relative path → content) into a fresh directory under the work dir. */
export async function makeModelDir(aws: LocalAws, files: Record<string, Buffer | string>): Promise<string> {
  const dir = await mkdtemp(join(aws.workDir, 'model-'));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

/** Deterministic pseudo-random bytes, so a multipart file's hash is stable across runs. */
export function bytes(size: number, seed: number): Buffer {
  const buffer = Buffer.alloc(size);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < size; i += 4) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    buffer.writeUInt32LE(state >>> 0, Math.min(i, size - 4));
  }
  return buffer;
}

/** A registry on the local servers with fresh clients and test-sized settings. */
export function localRegistry(
  aws: LocalAws,
  props: Partial<ModelRegistryProps> = {},
): { registry: ModelRegistry; s3: S3Client; ddb: DynamoDBDocumentClient } {
  const { s3, ddb } = aws.clients();
  const registry = new ModelRegistry({ bucket: BUCKET, table: TABLE, s3, ddb, partSizeBytes: 5 * MiB, ...props });
  return { registry, s3, ddb };
}

/** Commands an S3 client sent, as `CommandName key`. */
export function recordCommands(s3: S3Client): string[] {
  const seen: string[] = [];
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Key?: string };
      seen.push(`${context.commandName ?? '?'} ${input.Key ?? ''}`.trim());
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
  return seen;
}

/**
 * Runs `hook` before each S3 command; a hook that throws fails that command as the network
 * or S3 would, before anything is sent.
 */
export function beforeS3Command(
  s3: S3Client,
  hook: (commandName: string, input: { Key?: string; PartNumber?: number }) => void | Promise<void>,
): void {
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      await hook(context.commandName ?? '?', args.input as { Key?: string; PartNumber?: number });
      return next(args);
    },
    { step: 'initialize', name: 'beforeS3Command' },
  );
}

export async function listKeys(s3: S3Client, prefix: string): Promise<string[]> {
  const page = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (page.Contents ?? []).map((object) => object.Key!).sort();
}

export async function getObject(s3: S3Client, key: string): Promise<Buffer> {
  const response = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await response.Body!.transformToByteArray());
}

export async function getItem(ddb: DynamoDBDocumentClient, model: string, version: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await ddb.send(new GetCommand({ TableName: TABLE, Key: { model_name: model, version }, ConsistentRead: true }));
  return Item;
}

export async function putItem(ddb: DynamoDBDocumentClient, item: Record<string, unknown>): Promise<void> {
  await ddb.send(new PutCommand({ TableName: TABLE, Item: item }));
}

/** Settles a promise into its error, failing the test if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; exitCode?: number }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string; exitCode?: number };
  }
  throw new Error('expected a rejection, got a fulfilled promise');
}
