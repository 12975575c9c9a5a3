/** Waiting helpers for the polling checks. */
import { RunError } from '../errors';

/** Resolves after `ms`, or at once when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Thrown inside a check when its signal aborts; the check turns it into a partial result. */
export class Interrupted extends RunError {
  constructor(what: string) {
    super(`${what} was interrupted; whatever it changed in the cluster stays as it is`);
    this.name = 'Interrupted';
  }
}

/** Failed observations in a row that a poll rides out (an API server restart, a dropped connection). */
export const TOLERATED_POLL_FAILURES = 3;

/**
 * Calls `observe` every `pollMs` until `done` holds (returns that observation) or `timeoutMs`
 * passes (returns the last one with `timedOut`). Up to {@link TOLERATED_POLL_FAILURES} failed
 * observations in a row are retried at the next poll; the next one is thrown. Throws
 * {@link Interrupted} when the signal aborts.
 */
export async function pollUntil<T>(
  observe: () => Promise<T>,
  done: (value: T) => boolean,
  o: { readonly pollMs: number; readonly timeoutMs: number; readonly signal?: AbortSignal; readonly what: string },
): Promise<{ readonly value: T; readonly timedOut: boolean }> {
  const deadline = performance.now() + o.timeoutMs;
  let failures = 0;
  let last: { value: T } | undefined;
  for (;;) {
    if (o.signal?.aborted === true) throw new Interrupted(o.what);
    try {
      last = { value: await observe() };
      failures = 0;
      if (done(last.value)) return { value: last.value, timedOut: false };
    } catch (err) {
      if (++failures > TOLERATED_POLL_FAILURES || !(err instanceof RunError)) throw err;
    }
    const left = deadline - performance.now();
    if (left <= 0) {
      if (last === undefined) return { value: await observe(), timedOut: true };
      return { value: last.value, timedOut: true };
    }
    await sleep(Math.min(o.pollMs, left), o.signal);
  }
}
