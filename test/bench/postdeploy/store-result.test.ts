/**
 * `postdeploy --baseline X --store-result X`, the CI loop, through `main` against simulators on
 * loopback: the first run finds nothing at X and starts the loop, a passing run replaces X, a run
 * that regressed leaves X alone; X a local file (on virtual time, so the 30 % TTFT rise is exact)
 * and an S3 object in s3rver (the registry's client and credentials). A store that fails exits 1
 * naming the destination with the run's --json written; a bad destination exits 2 before any stage.
 */
import { CreateBucketCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../bench/cli/main';
import { postdeployResultSchema } from '../../../bench/postdeploy/result';
import { type Simulator, startSimulator } from '../../../bench/sim/simulator';
import { tempDir } from '../../support/temp';
import { useVirtualTime, vt } from '../../support/virtual-time';
import { argv, closedPort, memoryIo } from '../helpers';
import { LOCAL_REGION, type LocalAws, startLocalAws, stubLocalCredentials } from '../registry/support/servers';

let dir: string;
const file = (n: string) => join(dir, n);
beforeAll(() => {
  dir = tempDir('postdeploy-store-');
});

async function outputs(name: string): Promise<string> {
  await writeFile(
    file(name),
    JSON.stringify({ clusterName: 'c', kubeconfig: '[secret]', modelEndpoints: { m: 'http://m.llm.svc.cluster.local:8000' } }),
  );
  return file(name);
}

async function runPostdeploy(sim: Simulator | string, out: string, extra: string[], wrap: <T>(p: Promise<T>) => Promise<T> = (p) => p) {
  const targets = await outputs('targets.json');
  const url = typeof sim === 'string' ? sim : sim.url;
  const io = memoryIo();
  const code = await wrap(main(argv('postdeploy', '--targets', targets, '--url', `m=${url}`, '--json', file(out), ...extra), io));
  const written = existsSync(file(out)) ? postdeployResultSchema.parse(JSON.parse(await readFile(file(out), 'utf8'))) : undefined;
  return { code, io, result: written };
}

describe('postdeploy --store-result to a local file', () => {
  // Virtual time: the simulators' TTFTs are what they schedule, however busy the machine is.
  useVirtualTime();
  it('starts the loop, replaces the stored result after a pass and keeps it after a regression', async () => {
    const before = await startSimulator({ port: 0, models: ['m'], ttftMs: 200, itlMs: 10, jitter: 0.2, seed: 3 });
    const slower = await startSimulator({ port: 0, models: ['m'], ttftMs: 260, itlMs: 10, jitter: 0.2, seed: 4 });
    const stored = file('releases/m.json');
    const loop = [
      '--duration',
      '2',
      '--concurrency',
      '32',
      '--output-tokens',
      '4',
      '--baseline',
      stored,
      '--store-result',
      stored,
      '--max-regression',
      'ttftMs.p95=10%',
    ];
    const run = (sim: Simulator, out: string) => runPostdeploy(sim, out, loop, (p) => vt.run(p));

    const first = await run(before, 'first.json');
    expect(first.code, first.io.err()).toBe(0);
    expect(first.result!.decisions!.releases).toEqual([
      { variant: 'm', compare: null, skipped: `no previous result at ${stored} yet: the first run of the --store-result loop` },
    ]);
    expect(first.io.err()).toContain(`stored this run's result to ${stored}`);
    expect(await readFile(stored, 'utf8')).toBe(await readFile(file('first.json'), 'utf8'));

    const worse = await run(slower, 'worse.json');
    expect(worse.code, worse.io.out()).toBe(99);
    expect(worse.result!.decisions!.releases[0]!.compare!.passed).toBe(false);
    expect(worse.io.err()).toContain(`not stored to ${stored}: the run did not pass (exit 99)`);
    expect(await readFile(stored, 'utf8')).toBe(await readFile(file('first.json'), 'utf8'));

    const again = await run(before, 'again.json');
    expect(again.code, again.io.out()).toBe(0);
    expect(again.result!.decisions!.releases[0]!.compare!.passed).toBe(true);
    expect(await readFile(stored, 'utf8')).toBe(await readFile(file('again.json'), 'utf8'));
    await vt.run(Promise.all([before.close(), slower.close()]));
  });
});

describe('postdeploy --store-result to S3', () => {
  const BUCKET = 'llm-releases';
  let aws: LocalAws;
  let sim: Simulator;
  beforeAll(async () => {
    stubLocalCredentials();
    aws = await startLocalAws();
    await aws.clients().s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    sim = await startSimulator({ port: 0, models: ['m'], ttftMs: 1, itlMs: 0.5, outputTokens: 4 });
  });
  afterAll(async () => {
    await sim?.close();
    await aws?.stop();
    vi.unstubAllEnvs();
  });
  const s3 = () => ['--region', LOCAL_REGION, '--s3-endpoint-url', aws.s3Endpoint];
  // Only the error-rate gate: this file checks where results go, decide.test.ts what the latency gates decide.
  const LOAD = ['--duration', '0.3', '--concurrency', '2'];
  const GATE = ['--max-regression', 'errorRate=+0.5'];
  const object = async (key: string) =>
    (await aws.clients().s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToString('utf8');

  it('reads the previous result from the object and stores this one there', async () => {
    const uri = `s3://${BUCKET}/postdeploy/prod.json`;
    const loop = [...LOAD, ...GATE, '--baseline', uri, '--store-result', uri, ...s3()];
    const first = await runPostdeploy(sim, 's3-first.json', loop);
    expect(first.code, first.io.err()).toBe(0);
    expect(first.result!.decisions!.releases[0]!.skipped).toContain('the first run of the --store-result loop');
    expect(await object('postdeploy/prod.json')).toBe(await readFile(file('s3-first.json'), 'utf8'));

    const second = await runPostdeploy(sim, 's3-second.json', loop);
    expect(second.code, second.io.err()).toBe(0);
    expect(second.result!.decisions!.baselineFile).toBe(uri);
    const compared = second.result!.decisions!.releases[0]!.compare!;
    expect([compared.baseline.file, compared.baseline.startedAt, compared.passed]).toEqual([
      uri,
      first.result!.variants[0]!.load!.startedAt,
      true,
    ]);
    expect(await object('postdeploy/prod.json')).toBe(await readFile(file('s3-second.json'), 'utf8'));
  });

  it('exits 1 naming the destination when the store fails, with the run and its --json kept', async () => {
    const r = await runPostdeploy(sim, 'kept.json', [...LOAD, '--store-result', 's3://no-such-bucket/prod.json', ...s3()]);
    expect(r.code).toBe(1);
    expect(r.io.err()).toContain('--store-result s3://no-such-bucket/prod.json cannot be written, got NoSuchBucket');
    expect(r.io.err()).toContain(`create the bucket or fix the URI`);
    expect(r.io.err()).toContain(`This run's result is in ${file('kept.json')}`);
    expect(r.result!.exitCode).toBe(0);
    expect(r.result!.variants[0]!.load!.summary.requests.succeeded).toBeGreaterThan(0);

    // Without --json, the error names the fallback file that holds the run's result.
    const io = memoryIo();
    const code = await main(
      argv(
        'postdeploy',
        '--targets',
        await outputs('targets.json'),
        '--url',
        `m=${sim.url}`,
        ...LOAD,
        '--store-result',
        's3://no-such-bucket/prod.json',
        ...s3(),
      ),
      io,
    );
    expect(code).toBe(1);
    const kept = /This run's result is in (\S+):/.exec(io.err())?.[1];
    expect(kept, io.err()).toMatch(/llm-bench-json-.*\.json$/);
    try {
      expect(postdeployResultSchema.parse(JSON.parse(await readFile(kept!, 'utf8'))).exitCode).toBe(0);
    } finally {
      await rm(kept!, { force: true });
    }
  });

  it('exits 2 before any stage on a bad destination or a baseline that is not there', async () => {
    const unreachable = `http://127.0.0.1:${await closedPort()}`;
    for (const [flags, message] of [
      [['--store-result', 'gs://b/prod.json'], '--store-result gs://b/prod.json is neither a local path nor an s3:// URI, got scheme gs'],
      [['--store-result', `s3://${BUCKET}`], `--store-result s3://${BUCKET} names no object key, got ""`],
      [['--store-result', 's3://B_ad/k.json'], '--store-result s3://B_ad/k.json names no valid bucket, got "B_ad"'],
      [['--store-result', dir], `--store-result ${dir} is a folder`],
      [['--baseline', `s3://${BUCKET}/none.json`], `--baseline s3://${BUCKET}/none.json does not exist, got NoSuchKey`],
      [
        ['--baseline', `s3://${BUCKET}/none.json`, '--store-result', `s3://${BUCKET}/other.json`],
        `--baseline s3://${BUCKET}/none.json does not exist`,
      ],
      // --eval-promptset s3:// reads through the same client (a missing key, not "no S3 client").
      [
        ['--eval', '--eval-pair', 'm=m', '--eval-judge', 'm', '--eval-promptset', `s3://${BUCKET}/none.jsonl`],
        `--promptset s3://${BUCKET}/none.jsonl does not exist, got NoSuchKey`,
      ],
    ] as const) {
      const r = await runPostdeploy(unreachable, 'never.json', [...flags, ...s3()]);
      expect(r.code, r.io.err()).toBe(2);
      expect(r.io.err()).toContain(message);
      expect(r.result).toBeUndefined();
    }
  });
});
