/**
 * The registry on this machine: s3rver (S3) and dynalite (DynamoDB) on loopback, with the bucket
 * and a table shaped like infra's, for trying `llm-bench registry` without AWS.
 *
 *   npm run --silent registry:local > out/registry.env &   # prints the settings once ready, runs until stopped
 *   set -a; . out/registry.env; set +a                     # wait for the file to have its lines first
 *
 * The settings are environment variables the registry commands read: the bucket and table,
 * the endpoints (AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL_DYNAMODB), the region and s3rver's fixed
 * credentials. Repository tooling only: s3rver and dynalite are development dependencies.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import dynalite from 'dynalite';
import S3rver from 's3rver';
import { silenceAwsNodeVersionNotice } from './aws';

export interface LocalRegistry {
  /** `NAME=value` lines for the registry commands. */
  readonly env: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

/** s3rver's built-in account (dynalite takes any). */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
export const LOCAL_REGION = 'us-east-1';

/** s3rver and dynalite listening on 127.0.0.1. */
export interface LocalAwsServers {
  readonly s3Endpoint: string;
  readonly ddbEndpoint: string;
  /** Closes both servers; leaves s3rver's folder. */
  stop(): Promise<void>;
}

/** Starts s3rver (its objects under `directory`) and dynalite on 127.0.0.1; port 0 (the default) takes a free one. */
export async function startLocalAwsServers(o: {
  readonly directory: string;
  readonly s3Port?: number;
  readonly dynamodbPort?: number;
}): Promise<LocalAwsServers> {
  const s3rver = new S3rver({ address: '127.0.0.1', port: o.s3Port ?? 0, silent: true, directory: o.directory });
  const s3Address = await s3rver.run();
  const ddbServer: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    ddbServer.once('error', reject);
    ddbServer.listen(o.dynamodbPort ?? 0, '127.0.0.1', () => resolve());
  });
  return {
    s3Endpoint: `http://127.0.0.1:${s3Address.port}`,
    ddbEndpoint: `http://127.0.0.1:${(ddbServer.address() as AddressInfo).port}`,
    async stop() {
      s3rver.httpServer?.closeAllConnections();
      ddbServer.closeAllConnections();
      await Promise.all([s3rver.close(), new Promise<void>((resolve) => ddbServer.close(() => resolve()))]);
    },
  };
}

/** Creates a bucket and a table shaped like infra's (hash model_name S, range version S, on-demand). */
export async function createRegistryStore(servers: Omit<LocalAwsServers, 'stop'>, bucket: string, table: string): Promise<void> {
  const s3 = new S3Client({ region: LOCAL_REGION, endpoint: servers.s3Endpoint, forcePathStyle: true, credentials: LOCAL_CREDENTIALS });
  const ddb = new DynamoDBClient({ region: LOCAL_REGION, endpoint: servers.ddbEndpoint, credentials: LOCAL_CREDENTIALS });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await ddb.send(
      new CreateTableCommand({
        TableName: table,
        AttributeDefinitions: [
          { AttributeName: 'model_name', AttributeType: 'S' },
          { AttributeName: 'version', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'model_name', KeyType: 'HASH' },
          { AttributeName: 'version', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } finally {
    s3.destroy();
    ddb.destroy();
  }
}

/** Starts both servers (ports 0: free ones), creates the bucket and the table, returns the settings. */
export async function startLocalRegistry(
  o: { readonly s3Port?: number; readonly dynamodbPort?: number; readonly bucket?: string; readonly table?: string } = {},
): Promise<LocalRegistry> {
  const bucket = o.bucket ?? 'llm-registry-local';
  const table = o.table ?? 'llm-registry-local';
  const dir = await mkdtemp(join(tmpdir(), 'llm-registry-local-'));
  const servers = await startLocalAwsServers({ directory: join(dir, 's3'), s3Port: o.s3Port, dynamodbPort: o.dynamodbPort });
  await createRegistryStore(servers, bucket, table);
  return {
    env: {
      LLM_REGISTRY_BUCKET: bucket,
      LLM_REGISTRY_TABLE: table,
      AWS_ENDPOINT_URL_S3: servers.s3Endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: servers.ddbEndpoint,
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    },
    async stop() {
      await servers.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** `npm run registry:local [-- --s3-port N --dynamodb-port N]`: prints the settings, runs until Ctrl-C. */
async function cli(args: readonly string[]): Promise<void> {
  const port = (flag: string) => {
    const i = args.indexOf(flag);
    return i < 0 ? undefined : Number(args[i + 1]);
  };
  silenceAwsNodeVersionNotice();
  const s3Port = port('--s3-port');
  const dynamodbPort = port('--dynamodb-port');
  const local = await startLocalRegistry({ ...(s3Port !== undefined && { s3Port }), ...(dynamodbPort !== undefined && { dynamodbPort }) });
  process.stdout.write(
    Object.entries(local.env)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(''),
  );
  process.stderr.write('registry running locally (s3rver + dynalite); Ctrl-C stops it and deletes its data\n');
  await new Promise<void>((resolve) => {
    for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => resolve());
  });
  await local.stop();
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) await cli(process.argv.slice(2));
