import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUCKET, IMAGE, MiB, bytes, localRegistry, makeModelDir, rejection, sha256 } from './support/fixtures';
import { startLocalAws, type LocalAws } from './support/servers';

let aws: LocalAws;

beforeAll(async () => {
  aws = await startLocalAws();
  await aws.createRegistryStore(BUCKET, 'llm-registry-test');
});

afterAll(async () => {
  await aws?.stop();
});

const files = {
  'config.json': '{"architectures":["MistralForCausalLM"]}',
  'tokenizer.json': '{"version":"1.0"}',
  'model.safetensors': bytes(6 * MiB, 11),
};

async function publish(model: string) {
  const { registry, s3 } = localRegistry(aws);
  const dir = await makeModelDir(aws, files);
  await registry.publish({ model, version: '1.0.0', path: dir, image: IMAGE });
  return { registry, s3, prefix: `models/${model}/v1.0.0/` };
}

describe('verify', () => {
  it('passes a version whose objects match the manifest', async () => {
    const { registry } = await publish('intact');

    expect(await registry.verify('intact', '1.0.0')).toEqual({
      model: 'intact',
      version: '1.0.0',
      uri: `s3://${BUCKET}/models/intact/v1.0.0/`,
      checkedFiles: 4,
      ok: true,
      problems: [],
    });
  });

  it('reports an object changed behind the registry, one deleted and one added', async () => {
    const { registry, s3, prefix } = await publish('tampered');
    const changed = Buffer.from('{"architectures":["LlamaForCausalLM"]}');
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}config.json`, Body: changed }));
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `${prefix}tokenizer.json` }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}adapter.bin`, Body: 'extra' }));

    const report = await registry.verify('tampered', '1.0.0');

    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      { path: 'adapter.bin', kind: 'extra', actual: { size: 5 } },
      {
        path: 'config.json',
        kind: 'mismatch',
        expected: { size: Buffer.byteLength(files['config.json']), sha256: sha256(files['config.json']) },
        actual: { size: changed.length, sha256: sha256(changed) },
      },
      {
        path: 'tokenizer.json',
        kind: 'missing',
        expected: { size: Buffer.byteLength(files['tokenizer.json']), sha256: sha256(files['tokenizer.json']) },
      },
    ]);
  });

  it('catches a same-size change in a large object and a rewritten manifest', async () => {
    const { registry, s3, prefix } = await publish('bitflip');
    const flipped = Buffer.from(files['model.safetensors']);
    flipped[3 * MiB] = flipped[3 * MiB]! ^ 0xff;
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}model.safetensors`, Body: flipped }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}MANIFEST.json`, Body: '{"forged":true}\n' }));

    const report = await registry.verify('bitflip', '1.0.0');

    expect(report.problems.map((p) => [p.path, p.kind])).toEqual([
      ['MANIFEST.json', 'mismatch'],
      ['model.safetensors', 'mismatch'],
    ]);
    expect(report.problems[0]).toMatchObject({
      expected: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
      actual: { sha256: sha256('{"forged":true}\n') },
    });
    expect(report.problems[0]?.expected?.size).toBeUndefined();
    expect(report.problems[1]?.actual).toEqual({ size: 6 * MiB, sha256: sha256(flipped) });
  });

  it('fails when the version is not published', async () => {
    const { registry } = localRegistry(aws);

    const error = await rejection(registry.verify('ghost', '1.0.0'));

    expect(error.code).toBe('not_found');
    expect(error.message).toBe(
      'model ghost version 1.0.0 is not published, got no item in llm-registry-test; run list --model ghost to see its versions',
    );
  });
});
