/**
 * Kubernetes worker mode: the workers of a distributed run as the pods of one Indexed Job
 * (constructs/bench-layout.ts builds it, the same object the GitOps construct renders). The
 * coordinator creates the Job, polls it until it completes or fails, reads each index's pod log
 * (its report is one marked line there), and deletes the Job. Kubernetes is the engine: it
 * schedules the pods, sets JOB_COMPLETION_INDEX, and fails an index alone.
 */
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { COMPLETION_INDEX_LABEL, JOB_NAME_LABEL, loadWorkerJob, WORKER_CONTAINER } from '../../constructs/bench-layout';
import type { KubeClient } from '../kube/client';
import type { WorkerLauncher, WorkerOutput } from './run';

export interface KubeWorkersOptions {
  readonly kube: KubeClient;
  /** The bench namespace (`workloads.benchNamespace`), where the Job runs. */
  readonly namespace: string;
  /** The llm-bench image, pinned. */
  readonly image: string;
  /** The Secret in `namespace` holding the API key the pods send. @default - none */
  readonly apiKeySecret?: { readonly name: string; readonly key: string };
  /** @default 1 */
  readonly cpu?: number;
  /** @default 1 */
  readonly memoryGiB?: number;
  /** Time from creating the Job to the barrier: scheduling, image pull, start. @default 60000 */
  readonly barrierMs?: number;
  /** The Job's deadline, seconds (pods still running then are stopped). */
  readonly deadlineSec: number;
  /** Between two reads of the Job. @default 2000 */
  readonly pollMs?: number;
  /** Leave the Job (and its pods' logs) in place after collecting. @default false */
  readonly keepJob?: boolean;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The Job's name for a run. */
export function jobName(runId: string): string {
  return `llm-bench-load-${runId}`;
}

/** True once the Job controller has given its verdict. */
function finished(job: V1Job): boolean {
  return (job.status?.conditions ?? []).some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

/** Why the Job failed, from its Failed condition, if it did. */
function failedReason(job: V1Job): string | undefined {
  const c = (job.status?.conditions ?? []).find((x) => x.type === 'Failed' && x.status === 'True');
  return c === undefined ? undefined : `${c.reason ?? 'Failed'}${c.message !== undefined ? `: ${c.message}` : ''}`;
}

/** The pod of each completion index (the newest, if the index ever had several). */
function podsByIndex(pods: readonly V1Pod[]): Map<number, V1Pod> {
  const out = new Map<number, V1Pod>();
  for (const p of pods) {
    const index = Number(
      p.metadata?.labels?.[COMPLETION_INDEX_LABEL] ?? p.metadata?.annotations?.['batch.kubernetes.io/job-completion-index'],
    );
    if (!Number.isInteger(index)) continue;
    const had = out.get(index);
    const newer = (had?.metadata?.creationTimestamp?.valueOf() ?? -Infinity) <= (p.metadata?.creationTimestamp?.valueOf() ?? 0);
    if (had === undefined || newer) out.set(index, p);
  }
  return out;
}

/** Runs the workers as an Indexed Job; see {@link KubeWorkersOptions}. */
export function kubeWorkers(opts: KubeWorkersOptions): WorkerLauncher {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  return {
    where: `an Indexed Job in ${opts.namespace} on ${opts.kube.server}`,
    barrierMs: opts.barrierMs ?? 60_000,
    async run(spec) {
      const name = jobName(spec.runId);
      const ns = opts.namespace;
      await opts.kube.createJob(
        ns,
        loadWorkerJob({
          name,
          namespace: ns,
          image: opts.image,
          workers: spec.workers,
          spec: JSON.stringify(spec),
          runId: spec.runId,
          ...(opts.apiKeySecret !== undefined && { apiKeySecret: opts.apiKeySecret }),
          cpu: opts.cpu ?? 1,
          memoryGiB: opts.memoryGiB ?? 1,
          activeDeadlineSeconds: opts.deadlineSec,
        }),
      );
      try {
        let job = await opts.kube.getJob(ns, name);
        while (job !== null && !finished(job)) {
          await sleep(opts.pollMs ?? 2000);
          job = await opts.kube.getJob(ns, name);
        }
        if (job === null) return [];
        const jobProblem = failedReason(job);
        const pods = podsByIndex(await opts.kube.listPods(ns, `${JOB_NAME_LABEL}=${name}`));
        const outputs: WorkerOutput[] = [];
        for (let index = 0; index < spec.workers; index++) {
          const pod = pods.get(index);
          if (pod === undefined) {
            outputs.push({
              index,
              output: '',
              problem: `never started: Job ${ns}/${name} has no pod for index ${index}${jobProblem ? ` (${jobProblem})` : ''}`,
            });
            continue;
          }
          const podName = pod.metadata?.name ?? '';
          const log = (await opts.kube.getPodLog(ns, podName, WORKER_CONTAINER)) ?? '';
          const phase = pod.status?.phase;
          const terminated = pod.status?.containerStatuses?.find((c) => c.name === WORKER_CONTAINER)?.state?.terminated;
          const problem =
            phase === 'Succeeded'
              ? undefined
              : `pod ${podName} ended ${phase ?? 'without a phase'}${terminated ? ` (exit ${terminated.exitCode}${terminated.reason ? `, ${terminated.reason}` : ''})` : ''}`;
          outputs.push({ index, output: log, ...(problem !== undefined && { problem }) });
        }
        return outputs;
      } finally {
        if (opts.keepJob !== true) await opts.kube.deleteJob(ns, name);
      }
    },
  };
}
