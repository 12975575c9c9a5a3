/**
 * `llm-bench collect`: one load result from the workers of a run that no coordinator watched — the
 * load worker Job a GitOps repository applies (stacks/bench-chart.ts), or a run whose outputs were
 * saved before its Job went — merged exactly as `load --workers` merges (bench/distributed/merge.ts):
 * the same reports, the same failures, one evaluation of the thresholds.
 *
 * Where the workers' outputs come from:
 * - a Job in the cluster: the run's spec from the pods' environment (the Job carries it), each
 *   index's report from its pod's log;
 * - a folder or an S3 prefix holding `spec.json` (that spec) and `<index>.log` per index (the
 *   pod's log), as `collect --save DIR` writes them or a log shipper exports them.
 */
import type { V1Job } from '@kubernetes/client-node';
import { WORKER_CONTAINER, WORKER_SPEC_ENV } from '../../constructs/bench-layout';
import { RunError, UsageError } from '../errors';
import type { KubeClient } from '../kube/client';
import type { LoadResult } from '../result';
import { jobFinished, readJobOutputs } from './kube';
import { mergeWorkerReports, reportsFromOutputs } from './merge';
import type { WorkerOutput } from './run';
import { type WorkerSpec, workerSpecSchema } from './spec';

/** The file of a saved run that holds its spec. */
export const SPEC_FILE = 'spec.json';
/** The file of a saved run that holds worker `index`'s output (its pod's log). */
export const outputFile = (index: number): string => `${index}.log`;

/** A run's workers' outputs, wherever they were found. */
export interface CollectedOutputs {
  readonly spec: WorkerSpec;
  /** By index; an index missing here never reported. */
  readonly outputs: readonly WorkerOutput[];
  /** For messages: `Job llm-bench/llm-bench-load`, `folder out/run`, `s3://bucket/prefix`. */
  readonly where: string;
  /** When the run started, as the source knows it (the Job's start). @default - the first worker's start */
  readonly startedAt?: Date;
}

/** The spec in a worker spec's JSON text, or a problem naming `where`. */
export function parseSpecText(text: string, where: string): WorkerSpec {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${where} is not JSON, got ${(err as Error).message}; it holds the Job's ${WORKER_SPEC_ENV} as written`);
  }
  const parsed = workerSpecSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue === undefined || issue.path.length === 0 ? 'the top level' : issue.path.join('.');
    throw new UsageError(
      `${where} is not a worker spec of this llm-bench version, got ${at}: ${issue?.message ?? 'invalid'}; ` +
        'collect with the llm-bench version the workers ran',
    );
  }
  return parsed.data;
}

/** The run's spec a worker Job carries in its pods' environment. */
export function specFromJob(job: V1Job, where: string): WorkerSpec {
  const containers = job.spec?.template.spec?.containers ?? [];
  const env = containers.find((c) => c.name === WORKER_CONTAINER)?.env ?? [];
  const text = env.find((e) => e.name === WORKER_SPEC_ENV)?.value;
  if (text === undefined) {
    throw new RunError(
      `${where} is not an llm-bench load worker Job, got no ${WORKER_SPEC_ENV} in its ${WORKER_CONTAINER} container; ` +
        'pass the Job that llm-bench load or the bench-load chart created',
    );
  }
  return parseSpecText(text, `${where} ${WORKER_SPEC_ENV}`);
}

export interface JobCollectOptions {
  /** Seconds to wait for an unfinished Job to finish. @default 0: an unfinished Job is an error */
  readonly waitSec?: number;
  /** Between two reads of the Job while waiting. @default 2000 */
  readonly pollMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

const counts = (job: V1Job) =>
  `${job.status?.active ?? 0} pods running, ${job.status?.succeeded ?? 0} succeeded, ${job.status?.failed ?? 0} failed`;

/** A finished Job, waited for up to `waitSec`; a missing, suspended or still running one is a RunError saying what to do. */
async function finishedJob(kube: KubeClient, namespace: string, name: string, o: JobCollectOptions): Promise<V1Job> {
  const where = `Job ${namespace}/${name}`;
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = now() + (o.waitSec ?? 0) * 1000;
  for (;;) {
    const job = await kube.getJob(namespace, name);
    if (job === null) {
      throw new RunError(
        `${where} is not there, got 404 from ${kube.server}; check --job and --namespace (kubectl -n ${namespace} get jobs), ` +
          'or collect saved outputs with --from',
      );
    }
    if (jobFinished(job)) return job;
    if (job.spec?.suspend === true) {
      throw new RunError(
        `${where} is suspended, so no worker has run, got spec.suspend true; unsuspend it ` +
          `(kubectl -n ${namespace} patch job ${name} -p '{"spec":{"suspend":false}}') and collect once it has finished`,
      );
    }
    if (now() >= deadline) {
      const waited = o.waitSec === undefined || o.waitSec === 0 ? '' : ` after ${o.waitSec} s`;
      throw new RunError(`${where} has not finished${waited}, got ${counts(job)}; collect again once it has, or pass --wait <seconds>`);
    }
    await sleep(Math.min(o.pollMs ?? 2000, Math.max(0, deadline - now())));
  }
}

/** The outputs of a finished worker Job in the cluster, and its spec. */
export async function collectFromJob(
  kube: KubeClient,
  namespace: string,
  name: string,
  o: JobCollectOptions = {},
): Promise<CollectedOutputs> {
  const job = await finishedJob(kube, namespace, name, o);
  const where = `Job ${namespace}/${name}`;
  const spec = specFromJob(job, where);
  const outputs = await readJobOutputs(kube, namespace, job, spec.workers);
  const start = job.status?.startTime ?? job.metadata?.creationTimestamp;
  return { spec, outputs, where, ...(start !== undefined && { startedAt: new Date(start) }) };
}

/** Reads one file of a saved run by name; undefined when it is not there. */
export type SavedRunReader = (name: string) => Promise<string | undefined>;

/**
 * The outputs of a saved run: `spec.json` and `<index>.log` per index through `read`. A missing
 * spec is a UsageError (there is nothing to merge against); a missing log is that worker's failure.
 */
export async function collectFromFiles(read: SavedRunReader, where: string): Promise<CollectedOutputs> {
  const text = await read(SPEC_FILE);
  if (text === undefined) {
    throw new UsageError(
      `${where} has no ${SPEC_FILE}, got nothing at ${where}/${SPEC_FILE}; save a run with collect --save, ` +
        `or write the Job's ${WORKER_SPEC_ENV} there`,
    );
  }
  const spec = parseSpecText(text, `${where}/${SPEC_FILE}`);
  const outputs: WorkerOutput[] = [];
  for (let index = 0; index < spec.workers; index++) {
    const log = await read(outputFile(index));
    outputs.push(
      log === undefined
        ? { index, output: '', problem: `left no output: ${where}/${outputFile(index)} is not there` }
        : { index, output: log },
    );
  }
  return { spec, outputs, where };
}

/** The files `collect --save` writes, by name: the spec and each index's output that exists. */
export function savedRunFiles(c: CollectedOutputs): { readonly name: string; readonly text: string }[] {
  return [
    { name: SPEC_FILE, text: `${JSON.stringify(c.spec, null, 2)}\n` },
    ...c.outputs.filter((o) => o.output !== '').map((o) => ({ name: outputFile(o.index), text: o.output })),
  ];
}

/**
 * One load result from collected outputs, merged as the coordinator merges: each index's report
 * or why it has none, counts summed, histograms merged exactly, and the thresholds (`thresholds`,
 * else the spec's) evaluated once. The result runs from the first worker's start to the last one's end.
 */
export function collectedResult(c: CollectedOutputs, thresholds?: readonly string[], now: () => number = Date.now): LoadResult {
  const spec = thresholds === undefined ? c.spec : { ...c.spec, thresholds: [...thresholds] };
  const { reports, failures } = reportsFromOutputs(spec, c.outputs, c.where);
  const starts = reports.map((r) => r.loadStartMs);
  const startedAt = starts.length > 0 ? new Date(Math.min(...starts)) : (c.startedAt ?? new Date(now()));
  const result = mergeWorkerReports(spec, startedAt, reports, failures);
  if (reports.length === 0) return result;
  const end = Math.max(...reports.map((r) => r.loadStartMs + r.summary.durationSec * 1000));
  return { ...result, finishedAt: new Date(end).toISOString() };
}
