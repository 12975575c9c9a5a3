/**
 * `eval --promptset s3://…` reads the promptset with the registry's AWS client (default credential
 * chain, --region, --s3-endpoint-url), against s3rver on loopback.
 */
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../bench/cli/main';
import { CORE_PROMPTSET } from '../../../bench/eval/promptsets/core';
import { evalResultSchema } from '../../../bench/eval/result';
import { promptQuestion } from '../../../bench/eval/promptset';
import { type Simulator, startSimulator } from '../../../bench/sim/simulator';
import { tempDir } from '../../support/temp';
import { argv, memoryIo } from '../helpers';
import { LOCAL_REGION, type LocalAws, startLocalAws, stubLocalCredentials } from '../registry/support/servers';

const BUCKET = 'team-promptsets';
let aws: LocalAws;
let sim: Simulator;
beforeAll(async () => {
  stubLocalCredentials();
  aws = await startLocalAws();
  const { s3 } = aws.clients();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const mine = CORE_PROMPTSET.filter((p) => p.category === 'extraction').slice(0, 5);
  await s3.send(
    new PutObjectCommand({ Bucket: BUCKET, Key: 'sets/extraction.jsonl', Body: mine.map((p) => JSON.stringify(p)).join('\n') }),
  );
  sim = await startSimulator({
    port: 0,
    ttftMs: 1,
    itlMs: 0.1,
    models: ['m'],
    script: { answers: new Map(mine.map((p) => [promptQuestion(p), p.example!])) },
  });
});
afterAll(async () => {
  await sim.close();
  await aws.stop();
  vi.unstubAllEnvs();
});

describe('eval --promptset s3://', () => {
  it('reads the promptset from S3 and runs it', async () => {
    const dir = tempDir('eval-s3-');
    const io = memoryIo();
    const s3 = ['--region', LOCAL_REGION, '--s3-endpoint-url', aws.s3Endpoint];
    const code = await main(
      argv(
        'eval',
        '--base-url',
        sim.url,
        '--model',
        'm',
        '--promptset',
        `s3://${BUCKET}/sets/extraction.jsonl`,
        ...s3,
        '--json',
        join(dir, 'r.json'),
      ),
      io,
    );
    expect(code, io.err()).toBe(0);
    const r = evalResultSchema.parse(JSON.parse(await readFile(join(dir, 'r.json'), 'utf8')));
    expect(r.promptset).toEqual({ source: `s3://${BUCKET}/sets/extraction.jsonl`, prompts: 5, reference: 5 });
    expect(r.models[0]!.reference).toMatchObject({ passed: 5, total: 5 });
  });

  it('exits 2 naming a missing key', async () => {
    const io = memoryIo();
    const code = await main(
      argv(
        'eval',
        '--base-url',
        sim.url,
        '--model',
        'm',
        '--promptset',
        `s3://${BUCKET}/nope.jsonl`,
        '--region',
        LOCAL_REGION,
        '--s3-endpoint-url',
        aws.s3Endpoint,
      ),
      io,
    );
    expect(code).toBe(2);
    expect(io.err()).toContain(`--promptset s3://${BUCKET}/nope.jsonl does not exist`);
  });
});
