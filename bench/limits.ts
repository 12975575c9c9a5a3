/**
 * Upper bounds on what llm-bench accepts, each with the reason it is where it is, and the checks
 * every command and library entry point shares. A value past a bound is a usage error (exit 2)
 * naming the bound, never a crash, an overflowing timer or a run that measures the client.
 */

/**
 * Node's timers hold at most 2^31 − 1 ms (about 24.8 days); a longer `setTimeout` fires at once
 * (with a TimeoutOverflowWarning), so `--timeout 1e9` would time out every request immediately.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** {@link MAX_TIMER_MS} in whole seconds, the largest value a `…-sec` flag takes. */
export const MAX_TIMER_SEC = Math.floor(MAX_TIMER_MS / 1000);

/** Every bound, in one object: the CLI, the library and the docs read them from here. */
export const LIMITS = {
  timerMs: MAX_TIMER_MS,
  timerSec: MAX_TIMER_SEC,
  /**
   * Closed-loop users (one connection each). One llm-bench process keeps ~1,100 streams at
   * 22,000 chunks/s on two cores (bench/README.md); ten times that measures the client, not the
   * server, and runs into the file-descriptor limit. Spread more over workers.
   */
  concurrency: 10_000,
  /** Open-loop requests per second, for the same reason. */
  rate: 10_000,
  /**
   * Tokens of a synthetic prompt or a forced answer: 2^20, above the longest context of any model
   * vLLM serves today (1M tokens); a prompt of that size is ~6 MB of text. `--input-tokens 1e9`
   * would build a ~6 GB string and crash out of memory.
   */
  tokens: 1_048_576,
  /** Load steps of a sweep or an autoscale check. */
  steps: 100,
  /**
   * One SSE line. A chunk carries one delta (a few hundred bytes; tool calls and logprobs a few
   * KB): 1 MiB is far above any real one, and bounds what a server that never sends a newline
   * can make the client hold. A longer line fails the request as `malformed_sse`.
   */
  sseLineBytes: 1024 * 1024,
  /**
   * A non-streaming response body, held in memory until it is parsed: 64 MiB is ~16M tokens of
   * text. A longer body fails the request as `bad_response`.
   */
  responseBytes: 64 * 1024 * 1024,
} as const;

/** `flag must be …, got v; pass e.g. flag example` for a time in seconds, or undefined when it is fine. */
export function secondsProblem(
  flag: string,
  v: number | undefined,
  o: { readonly allowZero?: boolean; readonly example?: number } = {},
): string | undefined {
  if (v === undefined) return undefined;
  const example = o.example ?? 30;
  if (!Number.isFinite(v) || (o.allowZero === true ? v < 0 : v <= 0)) {
    return `${flag} must be ${o.allowZero === true ? 'a number ≥ 0' : 'a positive number'} of seconds, got ${v}; pass e.g. ${flag} ${example}`;
  }
  if (v > MAX_TIMER_SEC)
    return `${flag} must be at most ${MAX_TIMER_SEC} seconds (Node's timer limit, about 24.8 days), got ${v}; pass e.g. ${flag} ${example}`;
  return undefined;
}

/** A positive whole number up to `max`, or the problem with it. */
export function countProblem(flag: string, v: number | undefined, max: number, example: number, why: string): string | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v <= 0) return `${flag} must be a positive integer, got ${v}; pass e.g. ${flag} ${example}`;
  if (v > max) return `${flag} must be at most ${max} (${why}), got ${v}; pass e.g. ${flag} ${example}`;
  return undefined;
}

/** Why each count bound exists, as the messages say it. */
export const LIMIT_REASONS = {
  concurrency: 'one process measures itself past that; spread the load over workers',
  rate: 'one process measures itself past that; spread the load over workers',
  tokens: 'above the longest context vLLM serves',
  steps: 'a longer list would run for days',
} as const;

/** Collects the defined problems of a list of checks. */
export function problemsOf(...checks: readonly (string | undefined)[]): string[] {
  return checks.filter((p): p is string => p !== undefined);
}
