/**
 * Kubernetes worker mode: the workers of a distributed run as the pods of one Indexed Job
 * (constructs/bench-layout.ts builds it, the same object the GitOps construct renders). The
 * coordinator creates the Job, polls it until it completes or fails, reads each index's pod log
 * (its report is one marked line there), and deletes the Job. Kubernetes is the engine: it
 * schedules the pods, sets JOB_COMPLETION_INDEX, and fails an index alone. A run with a promptset
 * ships it in a ConfigMap the Job owns, mounted read-only in every pod.
 */
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import {
  COMPLETION_INDEX_LABEL,
  JOB_NAME_LABEL,
  loadWorkerJob,
  type PlainObject,
  PROMPTS_DIR,
  PROMPTS_KEY,
  promptsConfigMap,
  WORKER_CONTAINER,
} from '../../constructs/bench-layout';
import { UsageError } from '../errors';
import type { KubeClient } from '../kube/client';
import { configMapPromptsetProblem, readPromptset } from './promptset';
import type { WorkerLauncher, WorkerOutput } from './run';
import type { WorkerSpec } from './spec';

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
export function jobFinished(job: V1Job): boolean {
  return (job.status?.conditions ?? []).some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

/** Why the Job failed, from its Failed condition, if it did. */
export function jobFailedReason(job: V1Job): string | undefined {
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

/**
 * Each index's output of a finished worker Job: its pod's log (the report is one marked line
 * there) and, unless the pod succeeded, how it ended; an index without a pod never started. The
 * coordinator reads a Job it created this way, and `llm-bench collect` one applied by GitOps.
 */
export async function readJobOutputs(kube: KubeClient, namespace: string, job: V1Job, workers: number): Promise<WorkerOutput[]> {
  const name = job.metadata?.name ?? '';
  const jobProblem = jobFailedReason(job);
  const pods = podsByIndex(await kube.listPods(namespace, `${JOB_NAME_LABEL}=${name}`));
  const outputs: WorkerOutput[] = [];
  for (let index = 0; index < workers; index++) {
    const pod = pods.get(index);
    if (pod === undefined) {
      outputs.push({
        index,
        output: '',
        problem: `never started: Job ${namespace}/${name} has no pod for index ${index}${jobProblem ? ` (${jobProblem})` : ''}`,
      });
      continue;
    }
    const podName = pod.metadata?.name ?? '';
    const log = (await kube.getPodLog(namespace, podName, WORKER_CONTAINER)) ?? '';
    const phase = pod.status?.phase;
    const terminated = pod.status?.containerStatuses?.find((c) => c.name === WORKER_CONTAINER)?.state?.terminated;
    const problem =
      phase === 'Succeeded'
        ? undefined
        : `pod ${podName} ended ${phase ?? 'without a phase'}${terminated ? ` (exit ${terminated.exitCode}${terminated.reason ? `, ${terminated.reason}` : ''})` : ''}`;
    outputs.push({ index, output: log, ...(problem !== undefined && { problem }) });
  }
  return outputs;
}

/**
 * The promptset's ConfigMap for a run, and the spec as its pods see it (the promptset at its mount
 * path); the file is read again and must still be the one the run was validated with.
 */
async function promptsForPods(spec: WorkerSpec, name: string, namespace: string): Promise<{ configMap?: PlainObject; spec: WorkerSpec }> {
  if (spec.promptset === undefined) return { spec };
  const problem = configMapPromptsetProblem(spec.promptset.path, spec.promptset.bytes);
  if (problem !== undefined) throw new UsageError(problem);
  const raw = await readPromptset(spec.promptset);
  return {
    configMap: promptsConfigMap({ name: promptsConfigMapName(name), namespace, runId: spec.runId, base64: raw.toString('base64') }),
    spec: { ...spec, promptset: { ...spec.promptset, path: `${PROMPTS_DIR}/${PROMPTS_KEY}` } },
  };
}

/** The promptset ConfigMap's name for a Job. */
export function promptsConfigMapName(job: string): string {
  return `${job}-prompts`;
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
      const prompts = await promptsForPods(spec, name, ns);
      // The ConfigMap exists before any pod that mounts it; once the Job exists, it owns the
      // ConfigMap, so deleting the Job (or its TTL) deletes it too, even if this process is gone.
      if (prompts.configMap !== undefined) await opts.kube.createConfigMap(ns, prompts.configMap);
      try {
        const created = await opts.kube.createJob(
          ns,
          loadWorkerJob({
            name,
            namespace: ns,
            image: opts.image,
            workers: spec.workers,
            spec: JSON.stringify(prompts.spec),
            runId: spec.runId,
            ...(opts.apiKeySecret !== undefined && { apiKeySecret: opts.apiKeySecret }),
            cpu: opts.cpu ?? 1,
            memoryGiB: opts.memoryGiB ?? 1,
            activeDeadlineSeconds: opts.deadlineSec,
            ...(prompts.configMap !== undefined && { promptsConfigMap: prompts.configMap.metadata.name }),
          }),
        );
        if (prompts.configMap !== undefined && created.metadata?.uid !== undefined) {
          const owner = { apiVersion: 'batch/v1', kind: 'Job', name, uid: created.metadata.uid };
          await opts.kube.patchConfigMap(ns, prompts.configMap.metadata.name, [
            { op: 'add', path: '/metadata/ownerReferences', value: [owner] },
          ]);
        }
        let job = await opts.kube.getJob(ns, name);
        while (job !== null && !jobFinished(job)) {
          await sleep(opts.pollMs ?? 2000);
          job = await opts.kube.getJob(ns, name);
        }
        return job === null ? [] : await readJobOutputs(opts.kube, ns, job, spec.workers);
      } finally {
        if (opts.keepJob !== true) {
          await opts.kube.deleteJob(ns, name);
          if (prompts.configMap !== undefined) await opts.kube.deleteConfigMap(ns, prompts.configMap.metadata.name);
        }
      }
    },
  };
}
