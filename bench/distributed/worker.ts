/**
 * One load worker: takes its share of the run in the spec (by its index), waits for the barrier,
 * runs it with the ordinary load engine and returns its report for the coordinator to merge. The
 * worker checks no threshold and writes no report file: the merged run does both, once.
 */
import type { RequestRecord } from '../client/openai';
import { type LoadHooks, type LoadOptions, runLoad } from '../load/engine';
import { promptsetSource } from './promptset';
import { shardProfile, shareOf, stridedPrompts, WORKER_PROTOCOL, type WorkerReport, type WorkerSpec, workerSeed } from './spec';

/** Worker `index`'s load options: its share of the users or the rate, of the requests, and its own seed. */
export function workerLoadOptions(spec: WorkerSpec, index: number, apiKey: string | undefined): LoadOptions {
  const s = spec.settings;
  return {
    baseUrl: s.baseUrl,
    model: s.model,
    endpoint: s.endpoint,
    stream: s.stream,
    profile: shardProfile(s.profile, index, spec.workers),
    ...(s.requests !== null && { requests: shareOf(s.requests, index, spec.workers) }),
    ...(s.durationSec !== null && { durationSec: s.durationSec }),
    ...(s.inputTokens !== null && { inputTokens: s.inputTokens }),
    ...(s.outputTokens !== null && { outputTokens: s.outputTokens }),
    ...(apiKey !== undefined && { apiKey }),
    seed: workerSeed(s.seed, index),
    connectTimeoutSec: s.timeouts.connectSec,
    firstTokenTimeoutSec: s.timeouts.firstTokenSec,
    timeoutSec: s.timeouts.totalSec,
    // The coordinator checked the server once; N warm-ups would be N uncounted requests at the barrier.
    preflight: false,
  };
}

export interface WorkerHooks {
  /** Each finished request (the span exporter listens here). */
  readonly onRequest?: (r: RequestRecord) => void;
  /** Graceful stop (SIGTERM when the Job's deadline passes). */
  readonly signal?: AbortSignal;
  /** The clock, epoch ms. @default Date.now */
  readonly now?: () => number;
  /** Waits `ms` (the barrier). @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Runs worker `index` of `spec` and returns its report. */
export async function runWorker(
  spec: WorkerSpec,
  index: number,
  apiKey: string | undefined,
  hooks: WorkerHooks = {},
): Promise<WorkerReport> {
  if (!Number.isInteger(index) || index < 0 || index >= spec.workers) {
    throw new RangeError(`worker index must be 0..${spec.workers - 1}, got ${index}; the Job sets JOB_COMPLETION_INDEX`);
  }
  const own = workerLoadOptions(spec, index, apiKey);
  // The spec's promptset, checked to be the coordinator's file, before the barrier: every N-th prompt of it.
  const prompts = spec.promptset === undefined ? undefined : await promptsetSource(spec.promptset, spec.settings.endpoint);
  const opts = prompts === undefined ? own : { ...own, prompts: stridedPrompts(prompts, index, spec.workers) };
  const now = hooks.now ?? Date.now;
  const sleep = hooks.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const wait = spec.startAtMs - now();
  if (wait > 0) await sleep(wait);
  const loadStartMs = now();
  let inputReports = 0;
  const loadHooks: LoadHooks = {
    ...(hooks.signal !== undefined && { signal: hooks.signal }),
    onRequest: (r) => {
      if (r.outcome === 'success' && r.inputTokens !== undefined) inputReports++;
      hooks.onRequest?.(r);
    },
  };
  const result = await runLoad(opts, loadHooks);
  return {
    protocol: WORKER_PROTOCOL,
    runId: spec.runId,
    index,
    loadStartMs,
    // startAtMs 0: no barrier (a GitOps Job starts its pods when they are scheduled), so no lag either.
    startLagMs: spec.startAtMs > 0 ? Math.max(0, loadStartMs - spec.startAtMs) : 0,
    inputReports,
    ...(result.aborted !== undefined && { aborted: result.aborted.reason }),
    summary: result.summary,
    // runLoad always encodes them; the field is optional only for files of older versions.
    histograms: result.histograms!,
    timeline: result.timeline,
    ...(result.slowest !== undefined && { slowest: result.slowest }),
  };
}
