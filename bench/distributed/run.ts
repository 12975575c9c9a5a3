/**
 * The coordinator of a distributed load run: validates the run and checks the server once, hands
 * every worker the same spec with a barrier time, lets a launcher run them (local processes, or
 * the pods of an Indexed Job), reads each one's report from its output and merges them into one
 * result. Workers that fail or never report are named in the result, which is then `aborted`.
 */
import { randomBytes } from 'node:crypto';
import { OpenAiClient } from '../client/openai';
import { BENCH_DEFAULTS } from '../defaults';
import { usageErrors } from '../errors';
import { type LoadOptions, resolveLoadOptions } from '../load/engine';
import { preflight } from '../load/preflight';
import type { LoadResult } from '../result';
import { mergeWorkerReports, reportsFromOutputs } from './merge';
import { shardProblems, WORKER_PROTOCOL, type WorkerSpec } from './spec';

/** A worker's output once it ended: where its report is, or why it has none. */
export interface WorkerOutput {
  readonly index: number;
  /** Its stdout (local) or pod log (Kubernetes). */
  readonly output: string;
  /** Set when it failed: exit code, never scheduled, deadline… A report in `output` still counts. */
  readonly problem?: string;
}

/** Runs the workers of a spec somewhere and returns each one's output. */
export interface WorkerLauncher {
  /** For messages: `local processes`, `Job llm-bench/load-1a2b`. */
  readonly where: string;
  /** Time from the launch to the barrier: long enough for every worker to be scheduled and load. */
  readonly barrierMs: number;
  run(spec: WorkerSpec, apiKey: string | undefined, signal?: AbortSignal): Promise<readonly WorkerOutput[]>;
}

export interface DistributedOptions {
  readonly workers: number;
  readonly launcher: WorkerLauncher;
  /** Where each worker exports one span per request. @default - none */
  readonly otlpEndpoint?: string;
  /** Graceful stop: the launcher passes it on to the workers. */
  readonly signal?: AbortSignal;
  /** @default Date.now */
  readonly now?: () => number;
}

/** Validates a distributed run before anything starts; throws one UsageError naming every problem. */
export function distributedSpec(opts: LoadOptions, d: Pick<DistributedOptions, 'workers' | 'otlpEndpoint'>, startAtMs: number): WorkerSpec {
  const { settings } = resolveLoadOptions(opts);
  const problems = shardProblems(settings, d.workers);
  const promptset = opts.prompts?.file;
  if (opts.prompts !== undefined && promptset === undefined)
    problems.push(`workers read prompts from a file, got prompts from ${opts.prompts.description}; pass the promptset as --prompts FILE`);
  if (opts.untilStopped === true || (settings.requests === null && settings.durationSec === null)) {
    problems.push('a distributed run needs an end, got neither --requests nor --duration; pass one');
  }
  if (problems.length > 0) throw usageErrors(problems);
  return {
    protocol: WORKER_PROTOCOL,
    runId: randomBytes(4).toString('hex'),
    workers: d.workers,
    startAtMs,
    settings,
    thresholds: [...(opts.thresholds ?? [])],
    ...(d.otlpEndpoint !== undefined && { otlpEndpoint: d.otlpEndpoint }),
    ...(promptset !== undefined && { promptset: { ...promptset } }),
  };
}

/** Runs `opts` as `d.workers` workers and returns the merged result. */
export async function runDistributedLoad(opts: LoadOptions, d: DistributedOptions): Promise<LoadResult> {
  const now = d.now ?? Date.now;
  const startedAt = new Date(now());
  const spec = distributedSpec(opts, d, 0);
  if (opts.preflight !== false) {
    const s = spec.settings;
    const client = new OpenAiClient({ baseUrl: s.baseUrl, ...(opts.apiKey !== undefined && { apiKey: opts.apiKey }), connections: 1 });
    try {
      const problem = await preflight(
        client,
        { model: s.model, endpoint: s.endpoint, stream: s.stream, exactTokens: s.outputTokens !== null },
        Math.min(s.timeouts.totalSec, BENCH_DEFAULTS.smoke.timeoutSec),
      );
      if (problem !== null) return { ...mergeWorkerReports(spec, startedAt, [], []), aborted: { reason: problem } };
    } finally {
      await client.destroy();
    }
  }
  const timed: WorkerSpec = { ...spec, startAtMs: now() + d.launcher.barrierMs };
  const outputs = await d.launcher.run(timed, opts.apiKey, d.signal);
  const { reports, failures } = reportsFromOutputs(timed, outputs, d.launcher.where);
  return mergeWorkerReports(timed, startedAt, reports, failures);
}
