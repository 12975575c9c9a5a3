/**
 * The llm-bench load worker Job and what it relies on, as plain data with no cdk8s import: the
 * cdk8s constructs (constructs/load-job.ts, constructs/bench-namespace.ts) wrap these objects for
 * GitOps, and llm-bench (bench/distributed/) creates the very same Job through the Kubernetes API.
 *
 * One Job per run: an Indexed Job of N pods, each running its shard of the load (its index in
 * `JOB_COMPLETION_INDEX`), started together at the barrier time the spec carries, printing its
 * result to its log, where the coordinator reads it.
 */

/** A Kubernetes object as plain JSON. */
export interface PlainObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly [field: string]: unknown;
}

/**
 * The UID the workers run as: the `node` user of the official Node slim image the Dockerfile builds on.
 * The image sets `USER node`; the pod states it too, so runAsNonRoot can be verified.
 */
export const BENCH_UID = 1000;
/** Where the Dockerfile puts the package; the worker runs its bin. */
export const BENCH_APP_DIR = '/app';
/** The worker's command: llm-bench's hidden `worker` subcommand. */
export const WORKER_COMMAND: readonly string[] = ['node', `${BENCH_APP_DIR}/bench/bin/llm-bench.mjs`, 'worker'];
/** The namespace llm-bench's workers run in unless `workloads.benchNamespace` names another. */
export const BENCH_NAMESPACE = 'llm-bench';
/** The worker container. */
export const WORKER_CONTAINER = 'worker';
/** ServiceAccount of the worker pods: no API token, no RBAC; they only call the model. */
export const WORKER_SERVICE_ACCOUNT = 'llm-bench-worker';
/** ServiceAccount llm-bench runs as in the cluster (postdeploy Job): it creates worker Jobs and reads their logs. */
export const COORDINATOR_SERVICE_ACCOUNT = 'llm-bench';
/** The Role and RoleBinding that let the coordinator run worker Jobs in the bench namespace. */
export const COORDINATOR_ROLE = 'llm-bench-load-coordinator';
/** Environment variable holding the run's worker spec (JSON; no secrets). */
export const WORKER_SPEC_ENV = 'LLM_BENCH_WORKER_SPEC';
/** Environment variable llm-bench reads the API key from. */
export const API_KEY_ENV = 'LLM_BENCH_API_KEY';
/** Set by the Job controller on every pod of an Indexed Job. */
export const COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';
/** Labels the Job controller puts on its pods (Kubernetes 1.27+). */
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const COMPLETION_INDEX_LABEL = 'batch.kubernetes.io/job-completion-index';
/** Label naming one run's objects, so the workers of one run spread over nodes apart from other runs. */
export const RUN_LABEL = 'llm-platform.io/bench-run';
/** Seconds a finished Job (and its pods' logs) is kept if nobody collects and deletes it. */
export const FINISHED_JOB_TTL_SEC = 86_400;
/** Where a run's promptset is mounted in the worker pods (from its ConfigMap), and the file in it. */
export const PROMPTS_DIR = '/etc/llm-bench/prompts';
export const PROMPTS_KEY = 'prompts.jsonl';

/** Labels of every load worker pod. */
export function workerLabels(): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'llm-bench',
    'app.kubernetes.io/component': 'load-worker',
    'app.kubernetes.io/part-of': 'llm-platform',
  };
}

/** What the coordinator may do in the bench namespace, and nothing more. */
export const COORDINATOR_RULES: readonly {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
}[] = [
  { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'get', 'delete'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
  { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
  // A run's promptset reaches its pods as a ConfigMap, created before the Job, owned by it, deleted with it.
  { apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'patch', 'delete'] },
];

/** What a load worker Job is made of. */
export interface LoadWorkerJobProps {
  /** Job name (a DNS-1123 label: the pods are named after it). */
  readonly name: string;
  readonly namespace: string;
  /** The llm-bench image, pinned. */
  readonly image: string;
  /** Pods, one shard each. */
  readonly workers: number;
  /** The run's worker spec as JSON (bench/distributed/spec.ts); it carries no secret. */
  readonly spec: string;
  /** The run's id, as a label. */
  readonly runId: string;
  /** Secret with the API key, in the Job's namespace. @default - no key */
  readonly apiKeySecret?: { readonly name: string; readonly key: string };
  /** CPU cores each worker requests (no CPU limit: throttling would show up as latency). */
  readonly cpu: number;
  /** Memory each worker requests and is limited to. */
  readonly memoryGiB: number;
  /** The Job's deadline: past it, pods still running are stopped and the Job fails. */
  readonly activeDeadlineSeconds: number;
  /**
   * Create the Job without running it (a template in a GitOps repository: unsuspend it to run).
   * @default false
   */
  readonly suspend?: boolean;
  /**
   * ConfigMap holding the run's promptset under {@link PROMPTS_KEY}, mounted read-only at
   * {@link PROMPTS_DIR} (see {@link promptsConfigMap}).
   * @default - no promptset: synthetic prompts
   */
  readonly promptsConfigMap?: string;
}

/** What a run's promptset ConfigMap is made of. */
export interface PromptsConfigMapProps {
  readonly name: string;
  readonly namespace: string;
  readonly runId: string;
  /** The promptset file's bytes, base64 (binaryData: the pods read exactly the bytes that were hashed). */
  readonly base64: string;
}

/** The ConfigMap that carries a run's promptset to its worker pods. */
export function promptsConfigMap(p: PromptsConfigMapProps): PlainObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: p.name, namespace: p.namespace, labels: { ...workerLabels(), [RUN_LABEL]: p.runId } },
    immutable: true,
    binaryData: { [PROMPTS_KEY]: p.base64 },
  };
}

/**
 * The Indexed Job of a distributed load run. Each index fails alone (`backoffLimitPerIndex: 0`,
 * `maxFailedIndexes: workers`): a worker that fails is not retried (a retry would start after the
 * barrier and skew the load) and does not stop the others; the coordinator reports it.
 */
export function loadWorkerJob(p: LoadWorkerJobProps): PlainObject {
  if (!Number.isInteger(p.workers) || p.workers < 1)
    throw new Error(`load worker Job ${p.name} needs at least one worker, got ${p.workers}`);
  const labels = { ...workerLabels(), [RUN_LABEL]: p.runId };
  const env: Record<string, unknown>[] = [{ name: WORKER_SPEC_ENV, value: p.spec }];
  if (p.apiKeySecret) env.push({ name: API_KEY_ENV, valueFrom: { secretKeyRef: { name: p.apiKeySecret.name, key: p.apiKeySecret.key } } });
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: p.name, namespace: p.namespace, labels },
    spec: {
      ...(p.suspend === true && { suspend: true }),
      completionMode: 'Indexed',
      completions: p.workers,
      parallelism: p.workers,
      backoffLimitPerIndex: 0,
      maxFailedIndexes: p.workers,
      activeDeadlineSeconds: p.activeDeadlineSeconds,
      ttlSecondsAfterFinished: FINISHED_JOB_TTL_SEC,
      template: {
        metadata: { labels, annotations: { 'kubectl.kubernetes.io/default-container': WORKER_CONTAINER } },
        spec: {
          restartPolicy: 'Never',
          serviceAccountName: WORKER_SERVICE_ACCOUNT,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 30,
          securityContext: { runAsNonRoot: true, runAsUser: BENCH_UID, runAsGroup: BENCH_UID, seccompProfile: { type: 'RuntimeDefault' } },
          // One worker per node where there is room: two on one core would measure each other.
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'kubernetes.io/hostname',
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: { matchLabels: { [RUN_LABEL]: p.runId } },
            },
          ],
          containers: [
            {
              name: WORKER_CONTAINER,
              image: p.image,
              command: [...WORKER_COMMAND],
              env,
              resources: {
                requests: { cpu: String(p.cpu), memory: `${p.memoryGiB}Gi` },
                limits: { memory: `${p.memoryGiB}Gi` },
              },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [
                { name: 'tmp', mountPath: '/tmp' },
                ...(p.promptsConfigMap !== undefined ? [{ name: 'prompts', mountPath: PROMPTS_DIR, readOnly: true }] : []),
              ],
            },
          ],
          volumes: [
            { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
            ...(p.promptsConfigMap !== undefined ? [{ name: 'prompts', configMap: { name: p.promptsConfigMap } }] : []),
          ],
        },
      },
    },
  };
}
