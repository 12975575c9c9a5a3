/**
 * What every cluster-side check (rollback, autoscale) keeps besides its timeline: a clock that
 * starts with the load, timed events, notes, its gates, and the run under a background load.
 */
import { performance } from 'node:perf_hooks';
import { Interrupted } from '../kube/poll';
import type { CheckEvent, LoadResult, ThresholdResult } from '../result';
import type { BackgroundLoad } from './traffic';

/** Rounds to `digits` decimals (milliseconds for seconds). */
export const round = (n: number, digits = 3): number => Math.round(n * 10 ** digits) / 10 ** digits;

/** Timed events (also passed on as they happen) and notes, each note once. */
export class CheckLog {
  readonly events: CheckEvent[] = [];
  readonly notes: string[] = [];
  private t0 = performance.now();

  constructor(private readonly onEvent?: (e: CheckEvent) => void) {}

  /** Starts the clock again: a check's times count from the start of its load. */
  restart(): void {
    this.t0 = performance.now();
  }

  /** `performance.now()` when the clock started. */
  get startMs(): number {
    return this.t0;
  }

  /** Seconds since the clock started, to the millisecond. */
  elapsed(): number {
    return round((performance.now() - this.t0) / 1000);
  }

  event(message: string): void {
    const e = { t: this.elapsed(), message };
    this.events.push(e);
    this.onEvent?.(e);
  }

  note(message: string): void {
    if (!this.notes.includes(message)) this.notes.push(message);
  }
}

/** A gate on a measured value; not measured (null) fails. */
export function gate(metric: string, op: '<=' | '<', limit: number, value: number | null): ThresholdResult {
  return {
    expression: `${metric}${op}${limit}`,
    metric,
    op,
    limit,
    value,
    passed: value !== null && (op === '<=' ? value <= limit : value < limit),
  };
}

/** The requests a check's load saw end, for its result. */
export function requestCounts(load: BackgroundLoad): {
  succeeded: number;
  failed: number;
  errors: Record<string, number>;
  errorMessages: Record<string, string>;
} {
  const t = load.meter.totals;
  return { succeeded: t.succeeded, failed: t.failed, errors: { ...t.errors }, errorMessages: { ...t.errorMessages } };
}

/**
 * Runs `body` while `sample` records the timeline every `sampleMs`, then takes a last sample and
 * stops the load. An interrupt (the caller's signal) ends the body early and comes back as
 * `interrupted`; any other error stops the load and is thrown.
 */
export async function underLoad(
  load: BackgroundLoad,
  sampleMs: number,
  sample: () => void,
  body: () => Promise<void>,
): Promise<{ readonly results: LoadResult[]; readonly interrupted?: string }> {
  const sampler = setInterval(sample, sampleMs);
  let interrupted: string | undefined;
  try {
    await body();
  } catch (err) {
    if (!(err instanceof Interrupted)) {
      clearInterval(sampler);
      await load.stop();
      throw err;
    }
    interrupted = err.message;
  } finally {
    clearInterval(sampler);
  }
  sample();
  const results = await load.stop();
  return { results, ...(interrupted !== undefined && { interrupted }) };
}

/** Why a check's run ended early: its interrupt, or the first load that stopped itself. */
export function abortReason(run: { readonly results: readonly LoadResult[]; readonly interrupted?: string }): string | undefined {
  return run.interrupted ?? run.results.find((r) => r.aborted !== undefined)?.aborted?.reason;
}
