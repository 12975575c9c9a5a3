/**
 * The few Kubernetes API calls the rollback and autoscale checks make, over
 * @kubernetes/client-node, with failures turned into llm-bench errors (RunError, exit 1) that
 * name the object, the status and what to do.
 *
 * Every read is a plain GET or LIST: the checks poll (default once a second) instead of
 * watching, which keeps them simple to reason about and to fake, and costs a few requests a
 * second against the API server.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  ApiException,
  AppsV1Api,
  AutoscalingV2Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  KubeConfig,
  type V1Deployment,
  type V1EndpointSlice,
  type V1Job,
  type V1Pod,
  type V1ReplicaSet,
  type V1Service,
  type V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';
import { RunError, UsageError } from '../errors';
import { readyEndpointPods } from './state';

/** One RFC 6902 operation; the client sends arrays of them as `application/json-patch+json`. */
export type JsonPatchOp =
  | { readonly op: 'add' | 'replace' | 'test'; readonly path: string; readonly value: unknown }
  | { readonly op: 'remove'; readonly path: string };

/** The parts of a KEDA ScaledObject the checks read and change. */
export interface ScaledObject {
  readonly metadata?: { readonly name?: string; readonly namespace?: string; readonly generation?: number };
  readonly spec?: {
    readonly scaleTargetRef?: { readonly name?: string; readonly kind?: string; readonly apiVersion?: string };
    readonly minReplicaCount?: number;
    readonly maxReplicaCount?: number;
    readonly cooldownPeriod?: number;
    readonly pollingInterval?: number;
  };
  readonly status?: {
    readonly hpaName?: string;
    readonly conditions?: readonly {
      readonly type?: string;
      readonly status?: string;
      readonly reason?: string;
      readonly message?: string;
    }[];
  };
}

export const KEDA = { group: 'keda.sh', version: 'v1alpha1', plural: 'scaledobjects' } as const;

/** How to reach the cluster. */
export interface KubeConnection {
  /** A kubeconfig file. @default - $KUBECONFIG, then ~/.kube/config, then the pod's in-cluster ServiceAccount */
  readonly kubeconfig?: string;
  /** A context of the kubeconfig. @default - its current-context */
  readonly context?: string;
  /** Environment to read KUBECONFIG and KUBERNETES_SERVICE_HOST from. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Per API call. @default 30 s */
  readonly requestTimeoutMs?: number;
}

/** Builds a KubeConfig as kubectl would find it; throws UsageError when there is none. */
export function loadKubeConfig(c: KubeConnection = {}): KubeConfig {
  const env = c.env ?? process.env;
  const kc = new KubeConfig();
  const fromEnv = env.KUBECONFIG?.split(':').find((p) => p !== '');
  const home = join(homedir(), '.kube', 'config');
  try {
    if (c.kubeconfig !== undefined) kc.loadFromFile(c.kubeconfig);
    else if (fromEnv !== undefined) kc.loadFromFile(fromEnv);
    else if (existsSync(home)) kc.loadFromFile(home);
    else if (env.KUBERNETES_SERVICE_HOST !== undefined) kc.loadFromCluster();
    else
      throw new UsageError(
        'no kubeconfig found, got no --kubeconfig, no KUBECONFIG, no ~/.kube/config and not in a pod; pass --kubeconfig FILE or run in the cluster',
      );
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const file = c.kubeconfig ?? fromEnv ?? home;
    throw new UsageError(`kubeconfig ${file} cannot be loaded, got ${(err as Error).message.split('\n')[0]}; pass a valid --kubeconfig`);
  }
  if (c.context !== undefined) {
    if (kc.getContextObject(c.context) === null) {
      throw new UsageError(
        `--context ${c.context} is not in the kubeconfig, got contexts ${
          kc
            .getContexts()
            .map((x) => x.name)
            .join(', ') || 'none'
        }; pass one of them`,
      );
    }
    kc.setCurrentContext(c.context);
  }
  if (kc.getCurrentCluster() === null) throw new UsageError('kubeconfig has no current cluster, got no current-context; pass --context');
  return kc;
}

function describe(err: unknown): { code?: number; text: string } {
  if (err instanceof ApiException) {
    const body = err.body as unknown;
    let message = '';
    if (typeof body === 'string') {
      try {
        message = (JSON.parse(body) as { message?: string }).message ?? body;
      } catch {
        message = body;
      }
    } else if (body !== null && typeof body === 'object') message = (body as { message?: string }).message ?? '';
    return { code: err.code, text: message.trim() || `status ${err.code}` };
  }
  const e = err as { code?: string; cause?: { code?: string }; message?: string };
  return { text: e.cause?.code ?? e.code ?? e.message ?? String(err) };
}

/**
 * The Kubernetes API as the checks use it. `get*` return null for a 404; everything else that
 * fails throws a RunError with the verb, the object and the server's message.
 */
export class KubeClient {
  /** API server URL, for messages. */
  readonly server: string;
  /** The kubeconfig context's namespace, if it has one. */
  readonly contextNamespace: string | undefined;
  private readonly apps: AppsV1Api;
  private readonly core: CoreV1Api;
  private readonly discovery: DiscoveryV1Api;
  private readonly autoscaling: AutoscalingV2Api;
  private readonly custom: CustomObjectsApi;
  private readonly batch: BatchV1Api;
  private readonly timeoutMs: number;

  constructor(kc: KubeConfig, opts: { readonly requestTimeoutMs?: number } = {}) {
    this.server = kc.getCurrentCluster()?.server ?? '(no server)';
    this.contextNamespace = kc.getContextObject(kc.getCurrentContext())?.namespace;
    this.apps = kc.makeApiClient(AppsV1Api);
    this.core = kc.makeApiClient(CoreV1Api);
    this.discovery = kc.makeApiClient(DiscoveryV1Api);
    this.autoscaling = kc.makeApiClient(AutoscalingV2Api);
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.batch = kc.makeApiClient(BatchV1Api);
    this.timeoutMs = opts.requestTimeoutMs ?? 30_000;
  }

  /** A client for the kubeconfig (or in-cluster account) the connection names. */
  static connect(c: KubeConnection = {}): KubeClient {
    return new KubeClient(loadKubeConfig(c), c.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: c.requestTimeoutMs });
  }

  private async call<T>(what: string, fn: () => Promise<T>, allowMissing: boolean): Promise<T | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new RunError(
              `kubernetes API ${this.server} did not answer ${what} within ${this.timeoutMs / 1000} s; check the API server and the network`,
            ),
          ),
        this.timeoutMs,
      );
    });
    try {
      return await Promise.race([fn(), timeout]);
    } catch (err) {
      if (err instanceof RunError) throw err;
      const d = describe(err);
      if (d.code === 404 && allowMissing) return null;
      if (d.code === 401 || d.code === 403) {
        throw new RunError(`kubernetes API refused ${what} with ${d.code}: ${d.text}; give the identity the RBAC in docs/postdeploy.md`);
      }
      if (d.code === undefined) {
        throw new RunError(
          `kubernetes API ${this.server} is unreachable for ${what}, got ${d.text}; check --kubeconfig and --context, or run in the cluster`,
        );
      }
      throw new RunError(`kubernetes API ${what} failed with ${d.code}: ${d.text}`);
    } finally {
      clearTimeout(timer);
    }
  }

  private async must<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return (await this.call(what, fn, false)) as T;
  }

  getDeployment(namespace: string, name: string): Promise<V1Deployment | null> {
    return this.call(`get deployment ${namespace}/${name}`, () => this.apps.readNamespacedDeployment({ name, namespace }), true);
  }

  patchDeployment(namespace: string, name: string, ops: readonly JsonPatchOp[]): Promise<V1Deployment> {
    return this.must(`patch deployment ${namespace}/${name}`, () => this.apps.patchNamespacedDeployment({ name, namespace, body: ops }));
  }

  async listReplicaSets(namespace: string, labelSelector: string): Promise<V1ReplicaSet[]> {
    return (
      await this.must(`list replicasets in ${namespace} (${labelSelector})`, () =>
        this.apps.listNamespacedReplicaSet({ namespace, labelSelector }),
      )
    ).items;
  }

  async listPods(namespace: string, labelSelector: string): Promise<V1Pod[]> {
    return (
      await this.must(`list pods in ${namespace} (${labelSelector})`, () => this.core.listNamespacedPod({ namespace, labelSelector }))
    ).items;
  }

  /** Creates a Job from plain JSON (constructs/bench-layout.ts builds it); returns it as created (with its uid). */
  createJob(namespace: string, body: object): Promise<V1Job> {
    const name = (body as { metadata?: { name?: string } }).metadata?.name ?? '';
    return this.must(`create job ${namespace}/${name}`, () => this.batch.createNamespacedJob({ namespace, body }));
  }

  /** Creates a ConfigMap from plain JSON. */
  async createConfigMap(namespace: string, body: object): Promise<void> {
    const name = (body as { metadata?: { name?: string } }).metadata?.name ?? '';
    await this.must(`create configmap ${namespace}/${name}`, () => this.core.createNamespacedConfigMap({ namespace, body }));
  }

  async patchConfigMap(namespace: string, name: string, ops: readonly JsonPatchOp[]): Promise<void> {
    await this.must(`patch configmap ${namespace}/${name}`, () => this.core.patchNamespacedConfigMap({ name, namespace, body: ops }));
  }

  /** Deletes a ConfigMap; one already gone is fine. */
  async deleteConfigMap(namespace: string, name: string): Promise<void> {
    await this.call(`delete configmap ${namespace}/${name}`, () => this.core.deleteNamespacedConfigMap({ name, namespace }), true);
  }

  getJob(namespace: string, name: string): Promise<V1Job | null> {
    return this.call(`get job ${namespace}/${name}`, () => this.batch.readNamespacedJob({ name, namespace }), true);
  }

  /** Deletes a Job and, in the background, its pods; a Job already gone is fine. */
  async deleteJob(namespace: string, name: string): Promise<void> {
    await this.call(
      `delete job ${namespace}/${name}`,
      () => this.batch.deleteNamespacedJob({ name, namespace, propagationPolicy: 'Background' }),
      true,
    );
  }

  /** A container's log, or null when the pod is gone. */
  getPodLog(namespace: string, pod: string, container: string): Promise<string | null> {
    return this.call(`get log of pod ${namespace}/${pod}`, () => this.core.readNamespacedPodLog({ name: pod, namespace, container }), true);
  }

  getService(namespace: string, name: string): Promise<V1Service | null> {
    return this.call(`get service ${namespace}/${name}`, () => this.core.readNamespacedService({ name, namespace }), true);
  }

  patchService(namespace: string, name: string, ops: readonly JsonPatchOp[]): Promise<V1Service> {
    return this.must(`patch service ${namespace}/${name}`, () => this.core.patchNamespacedService({ name, namespace, body: ops }));
  }

  async listEndpointSlices(namespace: string, service: string): Promise<V1EndpointSlice[]> {
    const labelSelector = `kubernetes.io/service-name=${service}`;
    return (
      await this.must(`list endpointslices of service ${namespace}/${service}`, () =>
        this.discovery.listNamespacedEndpointSlice({ namespace, labelSelector }),
      )
    ).items;
  }

  /** Names of the pods a Service sends traffic to now (its EndpointSlices' ready endpoints). */
  async listReadyPods(namespace: string, service: string): Promise<string[]> {
    return readyEndpointPods(await this.listEndpointSlices(namespace, service));
  }

  /**
   * GET a path of a pod's port through the API server's proxy (`pods/{pod}:{port}/proxy/{path}`),
   * as text: how a client outside the cluster reads each pod's /metrics. Needs `get` on `pods/proxy`.
   */
  podProxyGet(namespace: string, pod: string, port: number, path: string): Promise<string> {
    return this.must(`get pods/proxy ${namespace}/${pod}:${port}/${path}`, () =>
      this.core.connectGetNamespacedPodProxyWithPath({ name: `${pod}:${port}`, namespace, path }),
    );
  }

  getHpa(namespace: string, name: string): Promise<V2HorizontalPodAutoscaler | null> {
    return this.call(
      `get horizontalpodautoscaler ${namespace}/${name}`,
      () => this.autoscaling.readNamespacedHorizontalPodAutoscaler({ name, namespace }),
      true,
    );
  }

  getScaledObject(namespace: string, name: string): Promise<ScaledObject | null> {
    return this.call(
      `get scaledobject ${namespace}/${name}`,
      async () => (await this.custom.getNamespacedCustomObject({ ...KEDA, namespace, name })) as ScaledObject,
      true,
    );
  }

  patchScaledObject(namespace: string, name: string, ops: readonly JsonPatchOp[]): Promise<ScaledObject> {
    return this.must(
      `patch scaledobject ${namespace}/${name}`,
      async () => (await this.custom.patchNamespacedCustomObject({ ...KEDA, namespace, name, body: ops })) as ScaledObject,
    );
  }
}

/** `a=b,c=d` for a label map. */
export function labelSelector(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** A JSON Pointer segment (RFC 6901): `~` → `~0`, `/` → `~1`. */
export function pointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}
