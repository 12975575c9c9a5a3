/**
 * Local S3 (s3rver) and DynamoDB (dynalite) on 127.0.0.1 ephemeral ports, with the bucket and
 * the table the infra creates, so the registry runs the real AWS SDK end to end offline.
 */
import { rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import S3rver from 's3rver';
import { tempDir } from '../../../support/temp';

/** s3rver's built-in account; dynalite accepts any credentials. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
export const LOCAL_REGION = 'us-east-1';

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
  const s3rver = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: join(workDir, 's3rver') });
  const s3Address = await s3rver.run();
  const ddbServer: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    ddbServer.once('error', reject);
    ddbServer.listen(0, '127.0.0.1', () => resolve());
  });
  const ddbAddress = ddbServer.address() as AddressInfo;
  const s3Endpoint = `http://127.0.0.1:${s3Address.port}`;
  const ddbEndpoint = `http://127.0.0.1:${ddbAddress.port}`;
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
    async createRegistryStore(bucket, table) {
      const { s3, ddb } = clients();
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
    },
    async stop() {
      for (const client of made) client.destroy();
      s3rver.httpServer?.closeAllConnections();
      ddbServer.closeAllConnections();
      await Promise.all([s3rver.close(), new Promise<void>((resolve) => ddbServer.close(() => resolve()))]);
      await rm(workDir, { recursive: true, force: true });
    },
  };
}
