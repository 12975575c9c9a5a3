/**
 * What a distributed load run hands each worker, and what each worker hands back: the run's
 * settings once (JSON in an environment variable, no secret), every worker's share computed from
 * its index, and the worker's report (its summary plus each latency's encoded HDR histogram) as
 * one marked line on stdout, which a local coordinator reads from the child's output and a
 * Kubernetes one from the pod's log.
 */
import { z } from 'zod';
import {
  latencyHistogramsSchema,
  settingsSchema,
  slowRequestSchema,
  summarySchema,
  timelineBucketSchema,
  type LoadSettings,
} from '../result';
import type { PromptSource } from '../load/prompts';
import type { LoadProfile } from '../load/schedule';

export { API_KEY_ENV, COMPLETION_INDEX_ENV, WORKER_SPEC_ENV } from '../../constructs/bench-layout';

/** Version of the spec and report; a worker refuses a spec of another version. */
export const WORKER_PROTOCOL = 1;
/** The prefix of the one stdout line that carries a worker's report. */
export const WORKER_REPORT_MARKER = 'llm-bench-worker-report ';

/** The run every worker takes its share of. */
export const workerSpecSchema = z.strictObject({
  protocol: z.literal(WORKER_PROTOCOL),
  runId: z.string().regex(/^[a-z0-9-]{1,40}$/),
  workers: z.int().positive(),
  /** Epoch ms at which every worker starts sending (the barrier); a worker that starts later says how late. */
  startAtMs: z.number(),
  /** The whole run's settings; each worker derives its share with {@link shareOf}. */
  settings: settingsSchema,
  /** Threshold expressions: evaluated once by the coordinator, on the merged result. */
  thresholds: z.array(z.string()),
  /** Where each worker exports one span per request (OTLP/HTTP). @default - no export */
  otlpEndpoint: z.string().optional(),
  /**
   * The promptset every worker reads (`--prompts`): a path on this machine for local workers, the
   * mounted ConfigMap in a pod. A worker refuses a file whose size or hash differ.
   * @default - synthetic prompts
   */
  promptset: z
    .strictObject({
      path: z.string().min(1),
      bytes: z.int().nonnegative(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      prompts: z.int().positive(),
    })
    .optional(),
});
export type WorkerSpec = z.infer<typeof workerSpecSchema>;

/** One worker's result: what the coordinator merges. */
export const workerReportSchema = z.strictObject({
  protocol: z.literal(WORKER_PROTOCOL),
  runId: z.string(),
  index: z.int().nonnegative(),
  /** Epoch ms at which the worker's load started (its timeline's zero). */
  loadStartMs: z.number(),
  /** How long after the barrier the worker started, ms (0 when on time). */
  startLagMs: z.number().nonnegative(),
  /** Successful requests whose server reported prompt tokens (the input-token mean's denominator). */
  inputReports: z.int().nonnegative(),
  /** Set when the worker's load stopped itself (a rejected key). */
  aborted: z.string().optional(),
  summary: summarySchema,
  histograms: latencyHistogramsSchema,
  timeline: z.array(timelineBucketSchema),
  /** The worker's slowest requests, with their trace ids. */
  slowest: z.array(slowRequestSchema).optional(),
});
export type WorkerReport = z.infer<typeof workerReportSchema>;

/** Worker `index`'s share of `total` split over `workers`: the remainder goes to the first ones. */
export function shareOf(total: number, index: number, workers: number): number {
  return Math.floor(total / workers) + (index < total % workers ? 1 : 0);
}

/**
 * A worker's seed: distinct per index, so the workers' arrivals and prompts are not copies of each
 * other, and the same for the same run seed, so a run repeats.
 */
export function workerSeed(seed: number, index: number): number {
  return index === 0 ? seed : (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(index, 0xc2b2ae35)) | 0;
}

/** Worker `index`'s profile: its share of the users, or rate / N. */
export function shardProfile(p: LoadProfile, index: number, workers: number): LoadProfile {
  return p.kind === 'concurrency'
    ? { kind: 'concurrency', concurrency: shareOf(p.concurrency, index, workers) }
    : { kind: 'rate', rate: p.rate / workers, burstiness: p.burstiness };
}

/**
 * Worker `index`'s prompts: request i gets prompt `index + i * workers` of the promptset, so the
 * workers together send the file in the order one process would (with `--requests`, exactly the
 * same prompts), and no two workers send the same prompt at the same moment (which a prefix cache
 * would answer faster than a real mix).
 */
export function stridedPrompts(source: PromptSource, index: number, workers: number): PromptSource {
  return { description: source.description, sample: (i) => source.sample(index + i * workers) };
}

/** Why a run cannot be split over `workers`, as usage problems (empty when it can). */
export function shardProblems(s: LoadSettings, workers: number, flag = '--workers'): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(workers) || workers < 1) {
    problems.push(`${flag} must be a positive integer, got ${workers}; pass e.g. ${flag} 4`);
    return problems;
  }
  if (s.profile.kind === 'concurrency' && s.profile.concurrency < workers) {
    problems.push(
      `${flag} ${workers} leaves some workers without a user, got --concurrency ${s.profile.concurrency}; use at most ${s.profile.concurrency} workers`,
    );
  }
  if (s.requests !== null && s.requests < workers) {
    problems.push(
      `${flag} ${workers} leaves some workers without a request, got --requests ${s.requests}; use at most ${s.requests} workers`,
    );
  }
  return problems;
}

/** The line a worker prints with its report. */
export function reportLine(r: WorkerReport): string {
  return `${WORKER_REPORT_MARKER}${JSON.stringify(r)}\n`;
}

/**
 * The report in a worker's output (its stdout, or its pod's log), or why there is none. The last
 * marked line counts; anything else in the output is ignored.
 */
export function findReport(output: string, runId: string, index: number): { report: WorkerReport } | { problem: string } {
  const line = output
    .split('\n')
    .reverse()
    .find((l) => l.startsWith(WORKER_REPORT_MARKER));
  if (line === undefined) return { problem: 'printed no report' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(line.slice(WORKER_REPORT_MARKER.length));
  } catch (err) {
    return { problem: `printed a report that is not JSON (${(err as Error).message})` };
  }
  const r = workerReportSchema.safeParse(parsed);
  if (!r.success) return { problem: `printed a report that does not match the protocol (${r.error.issues[0]?.message ?? 'invalid'})` };
  if (r.data.runId !== runId || r.data.index !== index) {
    return { problem: `printed the report of run ${r.data.runId} worker ${r.data.index}, not run ${runId} worker ${index}` };
  }
  return { report: r.data };
}
