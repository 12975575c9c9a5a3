/** The AWS SDK clients a {@link ModelRegistry} talks to, built from a registry location. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** Region and endpoints; the default credential chain supplies the rest. */
export interface AwsLocation {
  readonly region?: string;
  /** Endpoint for S3, e.g. s3rver or localstack. */
  readonly s3EndpointUrl?: string;
  /** Endpoint for DynamoDB, e.g. dynalite or localstack. */
  readonly dynamodbEndpointUrl?: string;
}

/** Builds the S3 and DynamoDB clients; `close` releases their sockets. */
export function createAwsClients(where: AwsLocation): { s3: S3Client; ddb: DynamoDBDocumentClient; close: () => void } {
  const region = where.region === undefined ? {} : { region: where.region };
  const s3 = new S3Client({
    ...region,
    // s3rver and localstack serve buckets by path, not by host name.
    ...(where.s3EndpointUrl === undefined ? {} : { endpoint: where.s3EndpointUrl, forcePathStyle: true }),
  });
  const raw = new DynamoDBClient({ ...region, ...(where.dynamodbEndpointUrl === undefined ? {} : { endpoint: where.dynamodbEndpointUrl }) });
  const ddb = DynamoDBDocumentClient.from(raw);
  return {
    s3,
    ddb,
    close: () => {
      s3.destroy();
      raw.destroy();
    },
  };
}
