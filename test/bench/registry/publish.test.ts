import { truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../bench/errors';
import { RegistryError } from '../../../bench/registry/errors';
import { manifestSchema } from '../../../bench/registry/model';
import type { PublishEvent } from '../../../bench/registry/registry';
import {
  BUCKET,
  IMAGE,
  MiB,
  beforeS3Command,
  bytes,
  getItem,
  getObject,
  listKeys,
  localRegistry,
  makeModelDir,
  putItem,
  recordCommands,
  rejection,
  sha256,
} from './support/fixtures';
import { startLocalAws, type LocalAws } from './support/servers';
import { delay, inVirtualTime } from '../../support/virtual-time';

let aws: LocalAws;

beforeAll(async () => {
  aws = await startLocalAws();
  await aws.createRegistryStore(BUCKET, 'llm-registry-test');
});

afterAll(async () => {
  await aws?.stop();
});

/** A small model: nested paths, an empty file, and a weights file big enough for three parts. */
async function sampleModel() {
  const files = {
    'config.json': '{"architectures":["MistralForCausalLM"]}',
    'tokenizer/tokenizer.json': '{"version":"1.0"}',
    'empty.txt': '',
    'model.safetensors': bytes(11 * MiB + 123, 7),
  };
  return { files, dir: await makeModelDir(aws, files) };
}

describe('publish', () => {
  it('uploads every file, writes MANIFEST.json with correct hashes, and a ready item', async () => {
    const { registry, s3, ddb } = localRegistry(aws);
    const commands = recordCommands(s3);
    const { files, dir } = await sampleModel();
    const events: PublishEvent['type'][] = [];

    const result = await registry.publish({
      model: 'mistral-7b-awq',
      version: '1.0.0',
      path: dir,
      image: IMAGE,
      vllmArgs: ['--quantization', 'awq', '--dtype', 'half'],
      onProgress: (event) => events.push(event.type),
    });

    const prefix = 'models/mistral-7b-awq/v1.0.0/';
    expect(await listKeys(s3, prefix)).toEqual([...Object.keys(files).map((path) => prefix + path), `${prefix}MANIFEST.json`].sort());
    for (const [path, content] of Object.entries(files)) {
      expect(sha256(await getObject(s3, prefix + path)), path).toBe(sha256(content));
    }

    const manifestBytes = await getObject(s3, `${prefix}MANIFEST.json`);
    const manifest = manifestSchema.parse(JSON.parse(manifestBytes.toString('utf8')));
    expect(manifest).toMatchObject({
      manifestVersion: 1,
      model: 'mistral-7b-awq',
      version: '1.0.0',
      image: IMAGE,
      vllmArgs: ['--quantization', 'awq', '--dtype', 'half'],
    });
    expect(manifest.files).toEqual(
      Object.entries(files)
        .map(([path, content]) => ({ path, size: Buffer.byteLength(content), sha256: sha256(content) }))
        .sort((a, b) => (a.path < b.path ? -1 : 1)),
    );
    expect(manifest.totalBytes).toBe(Object.values(files).reduce((sum, content) => sum + Buffer.byteLength(content), 0));

    const item = await getItem(ddb, 'mistral-7b-awq', '1.0.0');
    expect(item).toMatchObject({
      model_name: 'mistral-7b-awq',
      version: '1.0.0',
      status: 'ready',
      image: IMAGE,
      vllm_args: ['--quantization', 'awq', '--dtype', 'half'],
      files: manifest.files,
      file_count: 4,
      total_bytes: manifest.totalBytes,
      created_at: manifest.createdAt,
      manifest_sha256: sha256(manifestBytes),
      s3_uri: `s3://${BUCKET}/${prefix}`,
    });
    expect(result.version).toMatchObject({
      status: 'ready',
      uri: `s3://${BUCKET}/${prefix}`,
      fileCount: 4,
      manifestSha256: sha256(manifestBytes),
    });

    // The 11 MiB file went up in 5 MiB parts; the manifest was the last object written.
    expect(commands.filter((c) => c === `UploadPartCommand ${prefix}model.safetensors`)).toHaveLength(3);
    const puts = commands.filter((c) => c.startsWith('PutObjectCommand') || c.startsWith('CompleteMultipartUploadCommand'));
    expect(puts.at(-1)).toBe(`PutObjectCommand ${prefix}MANIFEST.json`);
    expect(events).toEqual(['claimed', 'uploaded', 'uploaded', 'uploaded', 'uploaded', 'ready']);
  });

  it('fails when the version is already published, leaving it untouched', async () => {
    const { registry, ddb } = localRegistry(aws);
    const dir = await makeModelDir(aws, { 'config.json': '{}' });
    await registry.publish({ model: 'dup', version: '1.0.0', path: dir, image: IMAGE });
    const before = await getItem(ddb, 'dup', '1.0.0');

    const other = await makeModelDir(aws, { 'config.json': '{"changed":true}' });
    const error = await rejection(registry.publish({ model: 'dup', version: '1.0.0', path: other, image: IMAGE }));

    expect(error).toBeInstanceOf(RegistryError);
    expect(error.code).toBe('conflict');
    expect(error.exitCode).toBe(1);
    expect(error.message).toBe(
      `model dup version 1.0.0 is already published, got status ready since ${String(before?.['published_at'])}; versions are immutable: publish a new version`,
    );
    expect(await getItem(ddb, 'dup', '1.0.0')).toEqual(before);
  });

  it('rolls back a failed upload: no item, no objects, and a retry publishes', async () => {
    const { registry, s3, ddb } = localRegistry(aws);
    const { dir } = await sampleModel();
    const prefix = 'models/interrupted/v2.0.0/';
    let failing = true;
    // The second part of the weights fails as a dropped connection would, after other files landed.
    beforeS3Command(s3, (command, input) => {
      if (failing && command === 'UploadPartCommand' && input.Key === `${prefix}model.safetensors` && input.PartNumber === 2) {
        throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
      }
    });

    const error = await rejection(registry.publish({ model: 'interrupted', version: '2.0.0', path: dir, image: IMAGE }));

    expect(error.message).toMatch(
      /^publish of model interrupted version 2\.0\.0 failed, got TimeoutError: socket hang up; retry; if it persists check the endpoint, region and credentials \(rolled back: deleted [1-9]\d* objects and the claim\)$/,
    );
    expect(await getItem(ddb, 'interrupted', '2.0.0')).toBeUndefined();
    expect(await listKeys(s3, prefix)).toEqual([]);

    failing = false;
    const retry = await registry.publish({ model: 'interrupted', version: '2.0.0', path: dir, image: IMAGE });
    expect(retry.version.fileCount).toBe(4);
    expect((await getItem(ddb, 'interrupted', '2.0.0'))?.['status']).toBe('ready');
  });

  it('fails with source_changed when a file shrinks mid-publish, and rolls back', async () => {
    const { registry, s3, ddb } = localRegistry(aws, { fileConcurrency: 1 });
    const dir = await makeModelDir(aws, { 'a.json': '{}', 'b.bin': bytes(4096, 3) });
    let truncated = false;
    beforeS3Command(s3, async (command, input) => {
      if (!truncated && command === 'PutObjectCommand' && input.Key?.endsWith('/a.json')) {
        truncated = true;
        await truncate(join(dir, 'b.bin'), 100);
      }
    });

    const error = await rejection(registry.publish({ model: 'shrinking', version: '1.0.0', path: dir, image: IMAGE }));

    expect(error.code).toBe('source_changed');
    expect(error.message).toMatch(
      /^b\.bin changed while publishing, got size 100 \(was 4096\) and mtime .*; keep the model directory unchanged while publishing \(rolled back: deleted 1 objects and the claim\)$/,
    );
    expect(await getItem(ddb, 'shrinking', '1.0.0')).toBeUndefined();
    expect(await listKeys(s3, 'models/shrinking/')).toEqual([]);
  });

  it('rolls back when the caller cancels mid-upload', async () => {
    const { registry, s3, ddb } = localRegistry(aws, { fileConcurrency: 1 });
    const dir = await makeModelDir(aws, { 'a.json': '{}', 'b.json': '{}', 'c.json': '{}' });
    const cancel = new AbortController();
    beforeS3Command(s3, (command, input) => {
      if (command === 'PutObjectCommand' && input.Key?.endsWith('/b.json')) {
        cancel.abort(
          new RegistryError('cancelled', 'publish of model cancelled version 1.0.0 was cancelled, got SIGTERM; rerun it to publish'),
        );
      }
    });

    const error = await rejection(
      registry.publish({ model: 'cancelled', version: '1.0.0', path: dir, image: IMAGE, signal: cancel.signal }),
    );

    expect(error.code).toBe('cancelled');
    expect(error.message).toMatch(
      /^publish of model cancelled version 1\.0\.0 was cancelled, got SIGTERM; rerun it to publish \(rolled back: deleted [12] objects and the claim\)$/,
    );
    expect(await getItem(ddb, 'cancelled', '1.0.0')).toBeUndefined();
    expect(await listKeys(s3, 'models/cancelled/')).toEqual([]);
  });

  it('fails when the input is invalid, before claiming anything', async () => {
    const { registry, ddb } = localRegistry(aws);
    const dir = await makeModelDir(aws, { 'config.json': '{}' });

    const error = await rejection(registry.publish({ model: 'Bad/Name', version: '1.0', path: dir, image: 'vllm/vllm-openai' }));

    expect(error).toBeInstanceOf(UsageError);
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(
      [
        '3 problems:',
        `- model name must be 1-100 lowercase letters, digits, '.', '_' or '-', starting and ending with a letter or digit, got "Bad/Name"; e.g. mistral-7b-awq`,
        '- version must be a semantic version MAJOR.MINOR.PATCH[-PRERELEASE], got "1.0"; e.g. 1.2.0 or 1.3.0-rc.1',
        '- image must pin a tag or a digest, got "vllm/vllm-openai"; append :TAG or @sha256:DIGEST',
      ].join('\n'),
    );
    expect(await getItem(ddb, 'Bad/Name', '1.0')).toBeUndefined();
  });

  it('fails when the directory holds a MANIFEST.json of its own', async () => {
    const { registry } = localRegistry(aws);
    const dir = await makeModelDir(aws, { 'MANIFEST.json': '{}', 'config.json': '{}' });

    const error = await rejection(registry.publish({ model: 'reserved', version: '1.0.0', path: dir, image: IMAGE }));

    expect(error.message).toBe(
      `MANIFEST.json is reserved for the registry's manifest, got one in ${JSON.stringify(dir)}; remove or rename it`,
    );
  });

  it('fails when the path is not a directory or is empty', async () => {
    const { registry } = localRegistry(aws);
    const empty = await makeModelDir(aws, {});

    expect((await rejection(registry.publish({ model: 'm', version: '1.0.0', path: join(empty, 'nope'), image: IMAGE }))).message).toBe(
      `path must be a readable directory, got ${JSON.stringify(join(empty, 'nope'))}; pass the folder holding the model files`,
    );
    expect((await rejection(registry.publish({ model: 'm', version: '1.0.0', path: empty, image: IMAGE }))).message).toBe(
      `path must contain at least one file, got an empty directory ${JSON.stringify(empty)}; pass the folder holding the model files`,
    );
  });
});

describe('claims left by a crashed publisher', () => {
  const crashedClaim = (model: string, heartbeatAt: Date) => ({
    model_name: model,
    version: '1.0.0',
    kind: 'version',
    status: 'uploading',
    claim_id: 'crashed-claim',
    claimed_at: heartbeatAt.toISOString(),
    claimed_by: 'ci-runner-7:4242',
    heartbeat_at: heartbeatAt.toISOString(),
  });

  it('shows the claim in list, with its age, and not in show', async () => {
    const { registry, ddb } = localRegistry(aws);
    await putItem(ddb, crashedClaim('crashed-list', new Date(Date.now() - 20 * 60_000)));

    const [listing] = await registry.list('crashed-list');
    expect(listing?.versions).toEqual([
      expect.objectContaining({
        status: 'uploading',
        version: '1.0.0',
        claimId: 'crashed-claim',
        claimedBy: 'ci-runner-7:4242',
        stale: true,
      }),
    ]);

    const error = await rejection(registry.show('crashed-list', '1.0.0'));
    expect(error.code).toBe('not_found');
    expect(error.message).toMatch(
      /^model crashed-list version 1\.0\.0 is not ready, got status uploading by ci-runner-7:4242 \(heartbeat 20m ago, stale\); wait for the publish to finish, or take it over with publish --force-reclaim$/,
    );
  });

  it('fails when the claim is fresh, naming the publisher and the way out', async () => {
    const { registry } = localRegistry(aws);
    const { ddb } = aws.clients();
    await putItem(ddb, crashedClaim('crashed-fresh', new Date(Date.now() - 5_000)));
    const dir = await makeModelDir(aws, { 'config.json': '{}' });

    const error = await rejection(registry.publish({ model: 'crashed-fresh', version: '1.0.0', path: dir, image: IMAGE }));

    expect(error.code).toBe('conflict');
    expect(error.message).toMatch(
      /^model crashed-fresh version 1\.0\.0 is being published by ci-runner-7:4242, got claim crashed-claim with a heartbeat \d+s ago; wait for it, or if that publisher is dead rerun with --force-reclaim \(or after its heartbeat is 15m old\)$/,
    );
  });

  it("takes over a stale claim, deleting the crashed attempt's objects", async () => {
    const { registry, s3, ddb } = localRegistry(aws);
    await putItem(ddb, crashedClaim('crashed-stale', new Date(Date.now() - 16 * 60_000)));
    const prefix = 'models/crashed-stale/v1.0.0/';
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}partial-leftover.bin`, Body: 'half a file' }));
    const dir = await makeModelDir(aws, { 'config.json': '{}' });
    const events: PublishEvent[] = [];

    const result = await registry.publish({
      model: 'crashed-stale',
      version: '1.0.0',
      path: dir,
      image: IMAGE,
      onProgress: (e) => events.push(e),
    });

    expect(result.reclaimed).toMatchObject({ claimId: 'crashed-claim', stale: true });
    expect(events).toContainEqual({ type: 'cleaned', objects: 1 });
    expect(await listKeys(s3, prefix)).toEqual([`${prefix}MANIFEST.json`, `${prefix}config.json`]);
    expect(await getItem(ddb, 'crashed-stale', '1.0.0')).toMatchObject({ status: 'ready' });
  });

  it('takes over a fresh claim with forceReclaim, and honours a shorter staleAfterMs', async () => {
    const { registry, ddb } = localRegistry(aws);
    const dir = await makeModelDir(aws, { 'config.json': '{}' });
    await putItem(ddb, crashedClaim('crashed-forced', new Date(Date.now() - 5_000)));
    await putItem(ddb, crashedClaim('crashed-short', new Date(Date.now() - 90_000)));

    const forced = await registry.publish({ model: 'crashed-forced', version: '1.0.0', path: dir, image: IMAGE, forceReclaim: true });
    const short = await registry.publish({ model: 'crashed-short', version: '1.0.0', path: dir, image: IMAGE, staleAfterMs: 60_000 });

    expect(forced.reclaimed).toMatchObject({ claimId: 'crashed-claim', stale: false });
    expect(short.reclaimed).toMatchObject({ claimId: 'crashed-claim', stale: true });
  });

  it('fails when staleAfterMs is shorter than two heartbeats', async () => {
    const { registry } = localRegistry(aws);
    const dir = await makeModelDir(aws, { 'config.json': '{}' });

    const error = await rejection(registry.publish({ model: 'short', version: '1.0.0', path: dir, image: IMAGE, staleAfterMs: 45_000 }));

    expect(error.message).toBe(
      'stale-after must be at least twice the heartbeat interval (30s), got 45s; a shorter rule would take over live publishes',
    );
  });

  it("stops a publisher whose claim was taken over, without touching the new owner's objects", async () => {
    const { registry, s3, ddb } = localRegistry(aws, { heartbeatIntervalMs: 50, fileConcurrency: 1 });
    const files: Record<string, string> = {};
    for (let i = 0; i < 10; i++) files[`shard-${i}.bin`] = `shard ${i}`;
    const dir = await makeModelDir(aws, files);
    const prefix = 'models/zombie/v1.0.0/';
    let uploads = 0;
    // After the first file, another publisher takes the claim over; later uploads are slow
    // enough for a heartbeat to notice (on virtual time: 150 ms are three heartbeats, however
    // busy the machine is).
    beforeS3Command(s3, async (command) => {
      if (command !== 'PutObjectCommand') return;
      uploads++;
      if (uploads === 2) {
        const item = await getItem(ddb, 'zombie', '1.0.0');
        await putItem(ddb, { ...item, claim_id: 'new-owner', claimed_by: 'other:1' });
      }
      if (uploads >= 2) await delay(150);
    });

    const error = await inVirtualTime(() => rejection(registry.publish({ model: 'zombie', version: '1.0.0', path: dir, image: IMAGE })));

    expect(error.code).toBe('claim_lost');
    expect(error.message).toBe(
      `publish of model zombie version 1.0.0 lost its claim ${String(error.message.match(/claim ([0-9a-f-]{36})/)?.[1])}, got it taken over or removed; ` +
        'another publisher reclaimed it (--force-reclaim or stale-after): check list before retrying (left the objects alone: the claim now belongs to another publisher)',
    );
    expect(await getItem(ddb, 'zombie', '1.0.0')).toMatchObject({ status: 'uploading', claim_id: 'new-owner' });
    expect((await listKeys(s3, prefix)).length).toBeGreaterThan(0);
    // The heartbeat stopped it well before the last file.
    expect(uploads).toBeLessThan(10);
  });
});
