/**
 * Every default of the registry client in one place, with the S3 and DynamoDB limits they
 * are sized against.
 */

const MiB = 1024 * 1024;

/** Defaults for {@link ModelRegistryProps} and publish. */
export const REGISTRY_DEFAULTS = {
  /**
   * Multipart part size. Raised per file when needed to stay within S3's 10,000 parts. Peak
   * upload memory is about fileConcurrency × partConcurrency × partSizeBytes = 128 MiB.
   */
  partSizeBytes: 16 * MiB,
  /** Parts of one file in flight at once. */
  partConcurrency: 4,
  /** Files uploaded at once. */
  fileConcurrency: 2,
  /** Objects hashed at once by verify. */
  verifyConcurrency: 2,
  /** How often a publisher refreshes `heartbeat_at` on its claim. */
  heartbeatIntervalMs: 30_000,
  /**
   * A claim whose heartbeat is older than this is treated as abandoned by a crashed publisher
   * and may be taken over. Long enough to ride out a few failed heartbeats and clock skew.
   */
  staleAfterMs: 15 * 60_000,
  /**
   * An S3 or DynamoDB request that moves no byte for this long fails (the SDK tries it three
   * times): without it, an endpoint that accepts a connection and never answers hangs a command.
   */
  requestTimeoutMs: 30_000,
  /** Tries of one S3 or DynamoDB request (the SDK's standard retry mode, with its backoff). */
  requestAttempts: 3,
  /**
   * After a failed or cancelled publish, how long each cleanup request may take: a cancelled CI
   * job is killed seconds after its SIGTERM, and the claim must be released before that.
   */
  rollbackRequestTimeoutMs: 5_000,
} as const;

/** Limits imposed by S3 and DynamoDB. */
export const AWS_LIMITS = {
  /** S3: every multipart part but the last must be at least 5 MiB. */
  minPartSizeBytes: 5 * MiB,
  maxPartSizeBytes: 5 * 1024 * MiB,
  maxParts: 10_000,
  /** S3 object keys are at most 1,024 bytes of UTF-8. */
  maxKeyBytes: 1024,
  /** S3 DeleteObjects takes at most 1,000 keys. */
  maxDeleteKeys: 1000,
  /**
   * DynamoDB items are at most 400 KB; the ready item carries the file list, so publish
   * refuses, before claiming anything, a model whose list would not fit with some margin.
   */
  maxItemBytes: 350_000,
} as const;
