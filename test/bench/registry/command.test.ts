import { PutObjectCommand } from '@aws-sdk/client-s3';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registryCommand } from '../../../bench/cli/commands/registry';
import type { CliIo } from '../../../bench/cli/io';
import { main } from '../../../bench/cli/main';
import { BUCKET, IMAGE, makeModelDir } from './support/fixtures';
import { LOCAL_REGION, startLocalAws, type LocalAws, stubLocalCredentials } from './support/servers';
import { argv, runLlmBench } from '../helpers';

let aws: LocalAws;
let dir: string;

beforeAll(async () => {
  aws = await startLocalAws();
  await aws.createRegistryStore(BUCKET, 'llm-registry-test');
  dir = await makeModelDir(aws, { 'config.json': '{"a":1}', 'weights/model.safetensors': 'weights' });
  // The default client factory uses the SDK's credential chain, as in CI.
  stubLocalCredentials();
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await aws?.stop();
});

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function captureIo(env: Record<string, string | undefined> = {}): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), env };
}

/** `registry` with the local servers' region and endpoints. */
const registryAt = () => [
  'registry',
  '--region',
  LOCAL_REGION,
  '--s3-endpoint-url',
  aws.s3Endpoint,
  '--dynamodb-endpoint-url',
  aws.ddbEndpoint,
];

/** Runs the registry CLI against the local servers, with bucket and table from flags or `env`. */
async function cli(args: readonly string[], env?: Record<string, string | undefined>): Promise<Run> {
  const io = captureIo(env);
  const store = env === undefined ? ['--bucket', BUCKET, '--table', 'llm-registry-test'] : [];
  const code = await main(argv(...registryAt(), ...store, ...args), io);
  return { code, stdout: io.out.join(''), stderr: io.err.join('') };
}

describe('registry CLI', () => {
  it('publishes, shows, promotes and resolves, exiting 0', async () => {
    const published = await cli([
      'publish',
      '--model',
      'cli',
      '--version',
      '1.0.0',
      '--path',
      dir,
      '--image',
      IMAGE,
      '--',
      '--quantization',
      'awq',
      '--dtype',
      'half',
    ]);
    expect(published).toMatchObject({ code: 0, stdout: `published cli 1.0.0 s3://${BUCKET}/models/cli/v1.0.0/ (2 files, 14 B)\n` });
    expect(published.stderr).toMatch(/^claimed the version \(claim [0-9a-f-]{36}\)\n/);
    // Two files go up at once, so either may finish first.
    expect(published.stderr).toMatch(/\nuploaded [12]\/2 config\.json \(7 B, sha256 [0-9a-f]{12}\)\n/);
    expect(published.stderr).toMatch(/\nuploaded [12]\/2 weights\/model\.safetensors \(7 B, sha256 [0-9a-f]{12}\)\n/);
    expect(published.stderr).toContain('marked 1.0.0 ready\n');
    await cli(['publish', '--model', 'cli', '--version', '1.1.0', '--path', dir, '--image', IMAGE]);

    const shown = await cli(['--json', 'show', '--model', 'cli', '--version', '1.0.0']);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({
      status: 'ready',
      vllmArgs: ['--quantization', 'awq', '--dtype', 'half'],
      image: IMAGE,
      fileCount: 2,
    });
    expect((await cli(['show', '--model', 'cli', '--version', '1.0.0'])).stdout).toContain(
      `uri        s3://${BUCKET}/models/cli/v1.0.0/\n`,
    );

    expect(await cli(['promote', '--model', 'cli', '--version', '1.0.0', '--env', 'prod'])).toEqual({
      code: 0,
      stdout: 'promoted cli 1.0.0 to prod (revision 1, previous none)\n',
      stderr: '',
    });
    expect((await cli(['promote', '--model', 'cli', '--version', '1.1.0', '--env', 'prod', '--expect-revision', '1'])).stdout).toBe(
      'promoted cli 1.1.0 to prod (revision 2, previous 1.0.0)\n',
    );
    expect((await cli(['resolve', '--model', 'cli', '--env', 'prod'])).stdout).toBe(`1.1.0 s3://${BUCKET}/models/cli/v1.1.0/\n`);
    expect((await cli(['resolve', '--model', 'cli', '--env', 'prod', '--previous'])).stdout).toBe(
      `1.0.0 s3://${BUCKET}/models/cli/v1.0.0/\n`,
    );
    expect(JSON.parse((await cli(['resolve', '--json', '--model', 'cli', '--env', 'prod'])).stdout)).toEqual({
      model: 'cli',
      env: 'prod',
      version: '1.1.0',
      uri: `s3://${BUCKET}/models/cli/v1.1.0/`,
      previous: false,
      revision: 2,
    });

    const listed = await cli(['list', '--model', 'cli']);
    expect(listed.code).toBe(0);
    expect(listed.stdout.split('\n')[0]).toMatch(/^MODEL\s+VERSION\s+STATUS\s+FILES\s+SIZE\s+PUBLISHED\s+ENVS$/);
    expect(listed.stdout).toMatch(/\ncli\s+1\.0\.0\s+ready\s+2\s+14 B\s+\S+\s+prod\(previous\)\n/);
    expect(listed.stdout).toMatch(/\ncli\s+1\.1\.0\s+ready\s+2\s+14 B\s+\S+\s+prod\n/);
  });

  it('reads the bucket and table from LLM_REGISTRY_BUCKET and LLM_REGISTRY_TABLE', async () => {
    const run = await cli(['--json', 'list'], { LLM_REGISTRY_BUCKET: BUCKET, LLM_REGISTRY_TABLE: 'llm-registry-test' });

    expect(run.code).toBe(0);
    expect(Array.isArray(JSON.parse(run.stdout))).toBe(true);
  });

  it('exits 1 when publishing an existing version', async () => {
    await cli(['publish', '--model', 'cli-dup', '--version', '1.0.0', '--path', dir, '--image', IMAGE]);

    const run = await cli(['publish', '--model', 'cli-dup', '--version', '1.0.0', '--path', dir, '--image', IMAGE]);

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /error: model cli-dup version 1\.0\.0 is already published, got status ready since \S+; versions are immutable: publish a new version\n$/,
    );
  });

  it('exits 1 when a promote lost the race for the revision it expected', async () => {
    await cli(['publish', '--model', 'cli-race', '--version', '1.0.0', '--path', dir, '--image', IMAGE]);
    await cli(['promote', '--model', 'cli-race', '--version', '1.0.0', '--env', 'dev']);

    const run = await cli(['promote', '--model', 'cli-race', '--version', '1.0.0', '--env', 'dev', '--expect-revision', '0']);

    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toBe(
      'error: environment dev of model cli-race is at revision 1 (version 1.0.0), got expected revision 0; someone promoted since you looked: resolve again and decide\n',
    );
  });

  it('exits 1 and lists each problem when verify finds a changed object', async () => {
    await cli(['publish', '--model', 'cli-verify', '--version', '1.0.0', '--path', dir, '--image', IMAGE]);
    expect(await cli(['verify', '--model', 'cli-verify', '--version', '1.0.0'])).toEqual({
      code: 0,
      stdout: 'ok: 3 files of cli-verify 1.0.0 match the manifest\n',
      stderr: '',
    });
    const { s3 } = aws.clients();
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'models/cli-verify/v1.0.0/config.json', Body: '{"a":2}' }));

    const run = await cli(['verify', '--model', 'cli-verify', '--version', '1.0.0']);

    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /^mismatch config\.json expected 7 bytes sha256 [0-9a-f]{12} got 7 bytes sha256 [0-9a-f]{12}\nfailed: 1 problems in 3 files of cli-verify 1\.0\.0\n$/,
    );
    expect(run.stderr).toBe(
      "error: model cli-verify version 1.0.0 failed verification, got 1 mismatch; restore the objects from the bucket's noncurrent versions or publish a new version\n",
    );
  });

  it('exits 2 on a bad semantic version', async () => {
    const run = await cli(['publish', '--model', 'cli', '--version', '1.0', '--path', dir, '--image', IMAGE]);

    expect(run).toEqual({
      code: 2,
      stdout: '',
      stderr: 'error: version must be a semantic version MAJOR.MINOR.PATCH[-PRERELEASE], got "1.0"; e.g. 1.2.0 or 1.3.0-rc.1\n',
    });
  });

  it('exits 2 on a missing flag, a bad duration, and a missing bucket', async () => {
    const missing = await cli(['publish', '--model', 'cli', '--version', '1.0.0', '--image', IMAGE]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe("error: required option '--path <dir>' not specified\n(run with --help for usage)\n");

    const duration = await cli([
      'publish',
      '--model',
      'cli',
      '--version',
      '1.0.0',
      '--path',
      dir,
      '--image',
      IMAGE,
      '--stale-after',
      '10 minutes',
    ]);
    expect(duration.code).toBe(2);
    expect(duration.stderr).toContain(
      `error: option '--stale-after <duration>' argument '10 minutes' is invalid. --stale-after must be a duration such as 90s, 15m or 1h, got "10 minutes"`,
    );

    const noStore = await cli(['list'], {});
    expect(noStore).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'error: 2 problems:\n- --bucket is required, got neither the flag nor LLM_REGISTRY_BUCKET; pass the registry bucket name\n' +
        '- --table is required, got neither the flag nor LLM_REGISTRY_TABLE; pass the registry table name\n',
    });
  });

  it('exits 1 with a hint when the table does not exist', async () => {
    const io = captureIo();
    const code = await main(argv(...registryAt(), '--bucket', BUCKET, '--table', 'no-such-table', 'list', '--model', 'x'), io);

    expect(code).toBe(1);
    expect(io.err.join('')).toMatch(
      /^error: list of model x failed from DynamoDB at http:\/\/127\.0\.0\.1:\d+, got ResourceNotFoundException: .*; check --table \(LLM_REGISTRY_TABLE\) and --region\n$/,
    );
  });

  it('runs under a parent program with its own --version when positional options are on', async () => {
    const io = captureIo();
    const program = new Command('llm-bench').version('0.1.0').enablePositionalOptions().exitOverride();
    program.addCommand(registryCommand({ io }));

    await program.parseAsync(
      [...registryAt(), '--bucket', BUCKET, '--table', 'llm-registry-test', 'show', '--model', 'cli', '--version', '1.0.0', '--json'],
      { from: 'user' },
    );

    expect(JSON.parse(io.out.join(''))).toMatchObject({ model: 'cli', version: '1.0.0' });
  });

  it('runs through the llm-bench executable with its exit code', async () => {
    const env: Record<string, string | undefined> = { ...process.env, LLM_REGISTRY_BUCKET: undefined, LLM_REGISTRY_TABLE: undefined };
    const result = await runLlmBench(['registry', 'list'], { env });

    expect(result.status).toBe(2);
    expect(result.stderr).toContain('error: 2 problems:\n- --bucket is required, got neither the flag nor LLM_REGISTRY_BUCKET');
  });
});
