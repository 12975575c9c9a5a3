/**
 * The registry against endpoints that accept a connection and never answer: every command ends
 * with exit 1 naming the endpoint, SIGTERM ends a hung publish and releases its claim, and a
 * wrong bucket does not leave a claim behind. The spawned runs use the real bin, so the AWS SDK's
 * Node-version notice (which vitest's env turns off for in-process tests) is checked too.
 */
import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BinRun, runLlmBench, silentServer } from '../helpers';
import { BUCKET, IMAGE, makeModelDir, TABLE } from './support/fixtures';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startLocalAws, type LocalAws } from './support/servers';

/**
 * A proxy in front of s3rver that forwards everything except object uploads (PUT), which it
 * holds open without an answer; `onHold` runs when the first one arrives.
 */
async function holdUploads(target: string, onHold: () => void): Promise<{ url: string; close: () => Promise<void> }> {
  const upstream = new URL(target);
  let held = false;
  const server = http.createServer((req, res) => {
    if (req.method === 'PUT') {
      req.resume();
      if (!held) {
        held = true;
        onHold();
      }
      return;
    }
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Runs the bin with local credentials and without the test env's notice switch. */
function run(args: readonly string[], started?: (child: ChildProcess) => void): Promise<BinRun> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  };
  delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  delete env.AWS_PROFILE;
  return runLlmBench(args, { env, started });
}

let aws: LocalAws;
let dir: string;
beforeAll(async () => {
  aws = await startLocalAws();
  await aws.createRegistryStore(BUCKET, TABLE);
  dir = await makeModelDir(aws, { 'config.json': '{"a":1}', 'weights/model.safetensors': 'weights' });
});
afterAll(async () => {
  await aws?.stop();
});

const at = (s3: string, ddb: string) => [
  'registry',
  '--region',
  LOCAL_REGION,
  '--bucket',
  BUCKET,
  '--table',
  TABLE,
  '--s3-endpoint-url',
  s3,
  '--dynamodb-endpoint-url',
  ddb,
];

/** `publish` of version 1.0.0 of `model` from the test's model folder. */
const publish = (model: string) => ['publish', '--model', model, '--version', '1.0.0', '--path', dir, '--image', IMAGE];

describe('registry commands against an endpoint that never answers', () => {
  it('resolve, verify and publish end with exit 1 naming the endpoint, after three tries of --request-timeout each', async () => {
    const silent = await silentServer();
    try {
      const resolved = await run([
        ...at(aws.s3Endpoint, silent.url),
        '--request-timeout',
        '0.2',
        'resolve',
        '--model',
        'm',
        '--env',
        'prod',
      ]);
      expect(resolved.status).toBe(1);
      expect(resolved.stdout).toBe('');
      expect(resolved.stderr).toMatch(
        new RegExp(`^error: resolve of model m in prod failed: DynamoDB at ${silent.url} gave no answer \\(3 tries, 0\\.2 s each\\)`),
      );
      expect(resolved.stderr).toContain('raise --request-timeout');
      // The SDK's "will require node >=22" notice is not printed.
      expect(resolved.stderr).not.toContain('NodeVersionSupportWarning');
      expect(resolved.stderr.trim().split('\n')).toHaveLength(1);
      expect(silent.connections()).toBe(3);

      const verified = await run([
        ...at(silent.url, aws.ddbEndpoint),
        '--request-timeout',
        '0.2',
        'verify',
        '--model',
        'm',
        '--version',
        '1.0.0',
      ]);
      expect(verified.status).toBe(1);
      // verify reads the table first (which answers: not published), so S3 is never reached.
      expect(verified.stderr).toContain('model m version 1.0.0 is not published');

      const published = await run([...at(aws.s3Endpoint, silent.url), '--request-timeout', '0.2', ...publish('m')]);
      expect(published.status).toBe(1);
      expect(published.stderr).toMatch(
        new RegExp(`^error: claim of model m version 1\\.0\\.0 failed: DynamoDB at ${silent.url} gave no answer`),
      );
    } finally {
      await silent.close();
    }
  });

  it('publish: an S3 that never answers fails the publish naming S3, and the claim is rolled back', async () => {
    const silent = await silentServer();
    try {
      const published = await run([...at(silent.url, aws.ddbEndpoint), '--request-timeout', '0.2', ...publish('silent-s3')]);
      expect(published.status).toBe(1);
      expect(published.stderr).toContain(`publish of model silent-s3 version 1.0.0 failed: S3 at ${silent.url} gave no answer`);
      // The rollback cannot delete objects on the silent S3, so the claim stays, and says so.
      expect(published.stderr).toContain('rollback failed too');
    } finally {
      await silent.close();
    }
    const listed = await run([...at(aws.s3Endpoint, aws.ddbEndpoint), '--json', 'list', '--model', 'silent-s3']);
    expect(JSON.parse(listed.stdout)).toMatchObject([{ versions: [{ status: 'uploading' }] }]);
  });

  it('SIGTERM ends a publish hung on an upload and releases its claim', async () => {
    let child: ChildProcess | undefined;
    const proxy = await holdUploads(aws.s3Endpoint, () => child?.kill('SIGTERM'));
    try {
      const published = await run([...at(proxy.url, aws.ddbEndpoint), ...publish('sigterm')], (c) => (child = c));
      expect(published.status).toBe(1);
      expect(published.stderr).toContain('received SIGTERM: stopping the publish and rolling it back');
      expect(published.stderr).toContain('error: publish of model sigterm version 1.0.0 was cancelled, got SIGTERM');
      expect(published.stderr).toContain('(rolled back: deleted 0 objects and the claim)');
    } finally {
      await proxy.close();
    }
    const listed = await run([...at(aws.s3Endpoint, aws.ddbEndpoint), '--json', 'list', '--model', 'sigterm']);
    expect(JSON.parse(listed.stdout)).toEqual([]);
  });

  it('a wrong --bucket leaves no claim: the next publish with the right one goes through at once', async () => {
    const wrong = await run([...at(aws.s3Endpoint, aws.ddbEndpoint), '--bucket', 'no-such-bucket', ...publish('typo')]);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain('NoSuchBucket');
    expect(wrong.stderr).toContain('(rolled back: no objects (no such bucket), deleted the claim)');
    const right = await run([...at(aws.s3Endpoint, aws.ddbEndpoint), ...publish('typo')]);
    expect(right.stderr).not.toContain('error');
    expect(right.status).toBe(0);
  });

  it("rejects a --request-timeout past Node's timer limit before any request", async () => {
    const silent = await silentServer();
    try {
      const ran = await run([...at(silent.url, silent.url), '--request-timeout', '1e9', 'resolve', '--model', 'm', '--env', 'prod']);
      expect(ran.status).toBe(2);
      expect(ran.stderr).toBe(
        "error: --request-timeout must be at most 2147483 seconds (Node's timer limit, about 24.8 days), got 1000000000; pass e.g. --request-timeout 30\n",
      );
      expect(silent.connections()).toBe(0);
    } finally {
      await silent.close();
    }
  });
});
