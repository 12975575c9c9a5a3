/** The front-door checks' defaults, in a module of their own so the CLI's flag help can read them without loading the checks. */
/** Every default of the front-door checks. */
export const FRONT_DOOR_DEFAULTS = {
  /** Requests per A/B alias: enough for a 50/50 split to be within ±7 % with 95 % confidence. */
  splitRequests: 200,
  /** A split fails when its chi-square p-value is below this (1 false alarm in 1,000 runs). */
  alpha: 0.001,
  /** Pace A/B requests at this share of the per-key limit, so the limit never answers for them. */
  pacingShare: 0.8,
  /** Burst size cap: the 429 check never sends more than this. */
  maxBurst: 100,
  /** Longest Retry-After the checks honour before retrying. */
  maxRetryAfterSec: 60,
  /** Retries of a request that got 429 outside the burst. */
  retries: 3,
  requestTimeoutSec: 120,
  plainHttpTimeoutSec: 5,
  /** Tokens of each streamed chat check: enough chunks to see whether something buffers them. */
  streamTokens: 16,
} as const;
