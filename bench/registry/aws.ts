/** The AWS SDK clients a {@link ModelRegistry} talks to, built from a registry location. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { REGISTRY_DEFAULTS } from './defaults';
import { type AwsErrorOrigin, AWS_ERROR_ORIGIN } from './errors';

/** Region and endpoints; the default credential chain supplies the rest. */
export interface AwsLocation {
  readonly region?: string;
  /** Endpoint for S3, e.g. s3rver or localstack. */
  readonly s3EndpointUrl?: string;
  /** Endpoint for DynamoDB, e.g. dynalite or localstack. */
  readonly dynamodbEndpointUrl?: string;
  /**
   * A request that moves no byte for this long (connecting, waiting for an answer, or in the
   * middle of a body) fails with a TimeoutError, which the SDK retries twice.
   * @default REGISTRY_DEFAULTS.requestTimeoutMs
   */
  readonly requestTimeoutMs?: number;
}

interface HttpRequestLike {
  readonly protocol?: string;
  readonly hostname?: string;
  readonly port?: number;
}

type Next = (args: unknown) => Promise<unknown>;
/** The one overload of the SDK's middleware stack used here. */
interface BuildStack {
  add(middleware: (next: Next) => Next, options: { readonly step: 'build'; readonly name: string }): void;
}

/** Marks every error a client's requests end in with where they went. */
function nameEndpoints(client: S3Client | DynamoDBClient, service: AwsErrorOrigin['service'], timeoutMs: number): void {
  (client.middlewareStack as unknown as BuildStack).add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        const request = (args as { request?: HttpRequestLike }).request;
        if (typeof error === 'object' && error !== null && request?.hostname !== undefined) {
          const port = request.port === undefined ? '' : `:${request.port}`;
          Object.defineProperty(error, AWS_ERROR_ORIGIN, {
            value: { service, endpoint: `${request.protocol ?? 'https:'}//${request.hostname}${port}`, timeoutMs },
            enumerable: false,
          });
        }
        throw error;
      }
    },
    // The build step sees the finished HTTP request, and every error from signing, retries and the wire.
    { step: 'build', name: 'llmBenchNameEndpoint' },
  );
}

/**
 * Turns off the AWS SDK's eight-line "will require node >=22" notice, which a command line prints
 * on every run, in the middle of output that scripts read. Only the CLI calls this: a library
 * leaves its host's environment alone. An explicit setting of the variable wins.
 */
export function silenceAwsNodeVersionNotice(env: NodeJS.ProcessEnv = process.env): void {
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

/** Builds the S3 and DynamoDB clients; `close` releases their sockets. */
export function createAwsClients(where: AwsLocation): { s3: S3Client; ddb: DynamoDBDocumentClient; close: () => void } {
  const region = where.region === undefined ? {} : { region: where.region };
  const timeoutMs = where.requestTimeoutMs ?? REGISTRY_DEFAULTS.requestTimeoutMs;
  // Without these the SDK waits forever on an endpoint that accepts a connection and never answers.
  const requestHandler = { connectionTimeout: timeoutMs, socketTimeout: timeoutMs };
  const s3 = new S3Client({
    ...region,
    requestHandler,
    maxAttempts: REGISTRY_DEFAULTS.requestAttempts,
    // s3rver and localstack serve buckets by path, not by host name.
    ...(where.s3EndpointUrl === undefined ? {} : { endpoint: where.s3EndpointUrl, forcePathStyle: true }),
  });
  const raw = new DynamoDBClient({
    ...region,
    requestHandler,
    maxAttempts: REGISTRY_DEFAULTS.requestAttempts,
    ...(where.dynamodbEndpointUrl === undefined ? {} : { endpoint: where.dynamodbEndpointUrl }),
  });
  nameEndpoints(s3, 'S3', timeoutMs);
  nameEndpoints(raw, 'DynamoDB', timeoutMs);
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
