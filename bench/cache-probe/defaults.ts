/** What `llm-bench cache-probe` sends unless told otherwise. */
export const CACHE_PROBE_DEFAULTS = {
  /** Long enough that its prefill shows in TTFT on a T4 (and spans 64 of vLLM's 16-token blocks). */
  prefixTokens: 1024,
  suffixTokens: 32,
  /** Requests per phase. */
  requests: 8,
  seed: 1,
} as const;
