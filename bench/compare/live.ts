/**
 * Live comparison: one load shape sent to two targets (two endpoints, or two models on one) at the
 * same time, with the same prompts, so that both sides see the same moment's noise (a neighbour's
 * burst, a node's hiccup) instead of two different moments.
 */
import { type LoadOptions, startLoad } from '../load/engine';
import type { LoadResult } from '../result';

/** Both targets' load options: everything equal but where the requests go. */
export interface LiveCompareOptions {
  readonly baseline: LoadOptions;
  readonly candidate: Pick<LoadOptions, 'baseUrl' | 'model'>;
}

/** Runs both loads side by side; each keeps its own concurrency, so one slow side does not slow the other's sending. */
export async function runLiveCompare(
  opts: LiveCompareOptions,
  signal?: AbortSignal,
): Promise<{ baseline: LoadResult; candidate: LoadResult }> {
  const runs = [startLoad(opts.baseline), startLoad({ ...opts.baseline, ...opts.candidate })];
  const stop = () => runs.forEach((r) => void r.stop());
  signal?.addEventListener('abort', stop, { once: true });
  try {
    const [baseline, candidate] = await Promise.all(runs.map((r) => r.done));
    return { baseline: baseline!, candidate: candidate! };
  } finally {
    signal?.removeEventListener('abort', stop);
  }
}
