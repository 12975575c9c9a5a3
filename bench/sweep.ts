import { UsageError } from './errors';
import { type LoadHooks, type LoadOptions, resolveLoadOptions, resultPassed, runLoad } from './load/engine';
import type { LoadProfile } from './load/schedule';
import { envelope, type LoadResult, type SweepResult } from './result';

/** A load run repeated at increasing concurrency or rate. */
export interface SweepOptions extends Omit<LoadOptions, 'profile'> {
  readonly dimension: 'concurrency' | 'rate';
  /** Loads to try; run in ascending order. */
  readonly values: readonly number[];
  /** Gamma shape for rate sweeps. @default BENCH_DEFAULTS.burstiness */
  readonly burstiness?: number;
  /** Run every step even after one fails its thresholds. @default false */
  readonly keepGoing?: boolean;
  /** Called after each step, for progress output. */
  readonly onStep?: (value: number, result: LoadResult) => void;
}

function profileFor(opts: SweepOptions, value: number): LoadProfile {
  return opts.dimension === 'concurrency'
    ? { kind: 'concurrency', concurrency: value }
    : { kind: 'rate', rate: value, burstiness: opts.burstiness ?? 1 };
}

/**
 * Finds the highest load that still meets the thresholds. Steps run from low to high; by default
 * the sweep stops at the first failing step, since more load rarely passes again and costs GPU
 * time. A step that aborts (unreachable, auth) ends the sweep.
 */
export async function runSweep(opts: SweepOptions, hooks: Omit<LoadHooks, 'onBucket'> = {}): Promise<SweepResult> {
  const values = [...new Set(opts.values)].sort((a, b) => a - b);
  if (values.length === 0)
    throw new UsageError(`sweep needs at least one ${opts.dimension} value, got none; pass e.g. --${opts.dimension} 1,2,4,8`);
  // Validate every step before the first request, so a bad value fails in seconds, not after an hour.
  for (const v of values) resolveLoadOptions({ ...opts, profile: profileFor(opts, v) });
  const startedAt = new Date();
  const steps: LoadResult[] = [];
  let best: number | null = null;
  for (const [i, value] of values.entries()) {
    if (hooks.signal?.aborted === true) break;
    // The URL, key and model were checked by the first step.
    const result = await runLoad({ ...opts, profile: profileFor(opts, value), preflight: opts.preflight !== false && i === 0 }, hooks);
    steps.push(result);
    opts.onStep?.(value, result);
    if (result.aborted !== undefined) break;
    if (resultPassed(result)) best = value;
    else if (opts.keepGoing !== true) break;
  }
  return { ...envelope('sweep', startedAt), dimension: opts.dimension, values, steps, best };
}
