/**
 * Every llm-bench default, in one object: the CLI, the library and the docs read them from here.
 *
 * Times carry their unit in the name. Values that mean "no limit" are absent rather than 0, so an
 * explicit 0 from a user is never silently turned into a default.
 */
export const BENCH_DEFAULTS = {
  /** OpenAI route to load: `chat` (/v1/chat/completions) or `completions` (/v1/completions). */
  endpoint: 'chat',
  /** Stream tokens (SSE); TTFT, TPOT and ITL exist only for streamed requests. */
  stream: true,
  /** Target prompt length of synthetic prompts, in tokens (approximated as words). */
  inputTokens: 128,
  /** Requests to send when neither a request count nor a duration is given. */
  requests: 100,
  /** Gamma shape of open-loop inter-arrival times; 1 is a Poisson process (as vLLM's benchmark). */
  burstiness: 1,
  /** Seed for arrivals and synthetic prompts: the same seed replays the same run. */
  seed: 1,
  /** TCP (and TLS) connect timeout. */
  connectTimeoutSec: 10,
  /** Request sent → first generated text; covers queueing in the server. */
  firstTokenTimeoutSec: 60,
  /** Request sent → end of response. */
  timeoutSec: 300,
  /**
   * Closed loop: after a request that could not connect, a user waits this long before its next
   * one, doubling with each failure in a row up to `maxMs` (times a jitter of 0.5–1).
   */
  connectBackoff: { initialMs: 100, maxMs: 2000 },
  /** A run ends (exit 1) once no connection could be made for this long: the server is gone. */
  maxUnreachableSec: 30,
  /** Timeline bucket width: one per second, as the reports chart it. */
  bucketMs: 1000,
  /** How often the TTY progress line redraws. */
  progressIntervalMs: 250,
  /** How reports price a run when no flag says otherwise: what the platform runs on. */
  cost: {
    /** AWS region whose prices apply (one of facts/prices.ts PRICED_REGIONS). */
    region: 'us-east-1',
    /** GPU instance type the replicas run on: the platform's SPOT T4. */
    instanceType: 'g4dn.xlarge',
    /** Replicas assumed to have served when neither --replicas nor a cluster says. */
    replicas: 1,
  },
  smoke: {
    /** Tokens per smoke request: enough to see streaming, cheap on a GPU. */
    maxTokens: 8,
    timeoutSec: 30,
  },
  sim: {
    host: '127.0.0.1',
    port: 8000,
    models: ['sim-model'],
    ttftMs: 50,
    itlMs: 10,
    /** Prefill cost per uncached prompt token, on top of ttftMs: none, so TTFT does not depend on the prompt. */
    prefillMsPerToken: 0,
    /** vLLM 0.18's automatic prefix caching: on by default, in blocks of 16 tokens (vLLM's CUDA default). */
    prefixCache: {
      enabled: true,
      blockTokens: 16,
      /** About the KV cache of Mistral-7B AWQ on a T4 (~65,000 tokens); least recently used blocks go first. */
      capacityBlocks: 4096,
    },
    /** Tokens the simulator generates before its "EOS" when the request does not force a length. */
    outputTokens: 32,
    /** Context length of a simulated model that does not set its own (vLLM answers 400 past it). */
    maxModelLen: 4096,
    /** uvicorn's idle keep-alive behind vLLM (VLLM_HTTP_TIMEOUT_KEEP_ALIVE, 5 s), announced by no header. */
    keepAliveTimeoutMs: 5000,
    seed: 1,
  },
} as const;
