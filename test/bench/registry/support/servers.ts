/**
 * Local S3 (s3rver) and DynamoDB (dynalite) on 127.0.0.1 ephemeral ports, with the bucket and
 * the table the infra creates, so the registry runs the real AWS SDK end to end offline. The
 * servers are the ones `npm run registry:local` starts (bench/registry/local.ts).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { vi } from 'vitest';
import { createRegistryStore, LOCAL_CREDENTIALS, LOCAL_REGION, startLocalAwsServers } from '../../../../bench/registry/local';
import { tempDir } from '../../../support/temp';

export { LOCAL_CREDENTIALS, LOCAL_REGION };

/** Gives the AWS SDK's default chain s3rver's account and no profile, until `vi.unstubAllEnvs()`. */
export function stubLocalCredentials(): void {
  vi.stubEnv('AWS_ACCESS_KEY_ID', LOCAL_CREDENTIALS.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', LOCAL_CREDENTIALS.secretAccessKey);
  vi.stubEnv('AWS_PROFILE', undefined);
}

export interface LocalAws {
  readonly s3Endpoint: string;
  readonly ddbEndpoint: string;
  /** Scratch folder for the test's model directories; removed by stop(). */
  readonly workDir: string;
  /** Fresh clients against the local servers; stop() destroys every client made here. */
  clients(): { s3: S3Client; ddb: DynamoDBDocumentClient };
  /** Creates a bucket and a table shaped like infra's (hash model_name S, range version S, on-demand). */
  createRegistryStore(bucket: string, table: string): Promise<void>;
  stop(): Promise<void>;
}

/** Starts s3rver and dynalite on 127.0.0.1 with ephemeral ports. */
export async function startLocalAws(): Promise<LocalAws> {
  const workDir = tempDir('registry-test-');
  const servers = await startLocalAwsServers({ directory: join(workDir, 's3rver') });
  const { s3Endpoint, ddbEndpoint } = servers;
  const made: { destroy(): void }[] = [];

  const clients = () => {
    const s3 = new S3Client({ region: LOCAL_REGION, endpoint: s3Endpoint, forcePathStyle: true, credentials: LOCAL_CREDENTIALS });
    const raw = new DynamoDBClient({ region: LOCAL_REGION, endpoint: ddbEndpoint, credentials: LOCAL_CREDENTIALS });
    const ddb = DynamoDBDocumentClient.from(raw);
    made.push(s3, raw);
    return { s3, ddb };
  };

  return {
    s3Endpoint,
    ddbEndpoint,
    workDir,
    clients,
    createRegistryStore: (bucket, table) => createRegistryStore(servers, bucket, table),
    async stop() {
      for (const client of made) client.destroy();
      await servers.stop();
      await rm(workDir, { recursive: true, force: true });
    },
  };
}
