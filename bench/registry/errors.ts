/**
 * The registry's operational failures: llm-bench RunErrors (exit 1) with a code callers can
 * branch on. Bad input is llm-bench's UsageError (exit 2), as for every other command.
 */
import { RunError, UsageError } from '../errors';
import { REGISTRY_DEFAULTS } from './defaults';

/** What went wrong, for callers that branch on it rather than on the message. */
export type RegistryErrorCode =
  /** The model, version or environment does not exist, or is not ready. */
  | 'not_found'
  /** The version is already published, or another publisher holds a live claim on it. */
  | 'conflict'
  /** A promote lost the race: the environment's revision moved since it was read. */
  | 'stale_revision'
  /** The publisher's claim was taken over while it was uploading. */
  | 'claim_lost'
  /** Objects in S3 differ from the manifest. */
  | 'verification_failed'
  /** A local file changed or vanished while it was being published. */
  | 'source_changed'
  /** The publish was cancelled (signal or caller abort) and rolled back. */
  | 'cancelled'
  /** S3 or DynamoDB failed (access denied, missing bucket or table, network). */
  | 'aws';

/** An operational failure (not found, conflict, verification, AWS): exit 1. */
export class RegistryError extends RunError {
  constructor(
    readonly code: RegistryErrorCode,
    message: string,
    options?: { readonly cause?: unknown },
  ) {
    super(message);
    this.name = 'RegistryError';
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** Where a failed AWS request went, attached to its error so messages can name the endpoint. */
export interface AwsErrorOrigin {
  readonly service: 'S3' | 'DynamoDB';
  /** `https://dynamodb.us-east-1.amazonaws.com`, `http://127.0.0.1:4569`. */
  readonly endpoint: string;
  readonly timeoutMs: number;
}

/** The property {@link createAwsClients} (bench/registry/aws.ts) sets on the errors of its clients. */
export const AWS_ERROR_ORIGIN = Symbol.for('llm-bench.awsErrorOrigin');

/** The endpoint an AWS SDK error came from, when createAwsClients built the client. */
export function awsErrorOrigin(error: unknown): AwsErrorOrigin | undefined {
  return typeof error === 'object' && error !== null ? (error as { [AWS_ERROR_ORIGIN]?: AwsErrorOrigin })[AWS_ERROR_ORIGIN] : undefined;
}

/** True for DynamoDB's answer to a failed ConditionExpression. */
export function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** Fixes to suggest for the AWS errors users hit most, by error name. */
const AWS_HINTS: Readonly<Record<string, string>> = {
  AccessDenied: 'check that the role has the IAM actions bench/registry/README.md lists for this subcommand',
  AccessDeniedException: 'check that the role has the IAM actions bench/registry/README.md lists for this subcommand',
  NoSuchBucket: 'check --bucket (LLM_REGISTRY_BUCKET) and --region',
  ResourceNotFoundException: 'check --table (LLM_REGISTRY_TABLE) and --region',
  CredentialsProviderError: 'configure AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID, or a role)',
  ProvisionedThroughputExceededException: 'retry later',
  ThrottlingException: 'retry later',
};

/**
 * Turns any failure into a registry error: registry errors pass through, anything else (an
 * AWS SDK or network error) becomes an `aws` error naming what was being done.
 */
export function toRegistryError(error: unknown, doing: string): RegistryError | UsageError {
  if (error instanceof RegistryError || error instanceof UsageError) return error;
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  const origin = awsErrorOrigin(error);
  const at = origin === undefined ? '' : ` from ${origin.service} at ${origin.endpoint}`;
  if (name === 'AbortError')
    return new RegistryError('cancelled', `${doing} was cancelled${at}, got ${name}: ${message}; rerun it`, { cause: error });
  if (origin !== undefined && (name === 'TimeoutError' || NO_ANSWER.has((error as { code?: string }).code ?? ''))) {
    const flag = origin.service === 'S3' ? '--s3-endpoint-url' : '--dynamodb-endpoint-url';
    return new RegistryError(
      'aws',
      `${doing} failed: ${origin.service} at ${origin.endpoint} gave no answer (${REGISTRY_DEFAULTS.requestAttempts} tries, ${origin.timeoutMs / 1000} s each), got ${name}: ${message}; ` +
        `check ${flag} (or --endpoint-url), --region and the network, or raise --request-timeout`,
      { cause: error },
    );
  }
  const hint =
    AWS_HINTS[name] ??
    (/region is missing/i.test(message)
      ? 'pass --region or set AWS_REGION'
      : 'retry; if it persists check the endpoint, region and credentials');
  return new RegistryError('aws', `${doing} failed${at}, got ${name}: ${message}; ${hint}`, { cause: error });
}

/** Socket errors that mean the endpoint never answered. */
const NO_ANSWER: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
