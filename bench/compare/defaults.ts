/** What `llm-bench compare --live` loads unless told otherwise (a leaf: the command definition reads it). */
export const LIVE_COMPARE_DEFAULTS = {
  /** Closed-loop users of the whole load, shared by both targets: 4 a target, as when each side had its own load. */
  concurrency: 8,
  /** Requests of the whole load, 200 to each target: enough for a p95 interval (100 a side), not for a p99 (500). */
  requests: 400,
} as const;
