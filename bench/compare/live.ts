/**
 * Live comparison: one load dealt to two targets (two endpoints, or two models on one), its
 * requests interleaved (baseline, candidate, baseline, …, each pair with the same prompt), so that
 * both sides see the same moment's noise (a neighbour's burst, a node's hiccup) instead of two
 * different moments.
 */
import { type LoadOptions, type LoadTarget, startInterleavedLoad } from '../load/engine';
import type { LoadResult } from '../result';

/** The load both targets share, and where each side's requests go. */
export interface LiveCompareOptions {
  /** The load and the baseline target; its profile, requests and duration are the whole load's. */
  readonly baseline: LoadOptions;
  /** Where the candidate's requests go. `apiKey` @default - the baseline's */
  readonly candidate: LoadTarget;
}

/**
 * Runs one interleaved load over both targets (request i to the baseline when i is even, to the
 * candidate when it is odd) and returns each side's load result.
 */
export async function runLiveCompare(
  opts: LiveCompareOptions,
  signal?: AbortSignal,
): Promise<{ baseline: LoadResult; candidate: LoadResult }> {
  const { baseUrl, model, apiKey, ...load } = opts.baseline;
  const baseline: LoadTarget = { baseUrl, model, ...(apiKey !== undefined && { apiKey }) };
  const candidateKey = opts.candidate.apiKey ?? apiKey;
  const candidate: LoadTarget = { ...opts.candidate, ...(candidateKey !== undefined && { apiKey: candidateKey }) };
  const run = startInterleavedLoad({ ...load, targets: [baseline, candidate] }, signal === undefined ? {} : { signal });
  const [b, c] = await run.done;
  return { baseline: b!, candidate: c! };
}
