/**
 * TEST DOUBLE of the Kubernetes API server. It is NOT Kubernetes and proves nothing about a
 * real cluster; it exists so the rollback and autoscale checks can be tested offline.
 *
 * What it does: a node:http server on 127.0.0.1 that answers the REST paths
 * @kubernetes/client-node 1.4 calls for the objects llm-bench reads and changes, with the
 * content types the client sends:
 *
 *   GET|PATCH /apis/apps/v1/namespaces/{ns}/deployments/{name}
 *   GET       /apis/apps/v1/namespaces/{ns}/replicasets?labelSelector=…
 *   GET       /api/v1/namespaces/{ns}/pods?labelSelector=…
 *   GET|PATCH /api/v1/namespaces/{ns}/services/{name}
 *   GET       /apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices?labelSelector=kubernetes.io/service-name=…
 *   GET       /apis/autoscaling/v2/namespaces/{ns}/horizontalpodautoscalers/{name}
 *   GET|PATCH /apis/keda.sh/v1alpha1/namespaces/{ns}/scaledobjects/{name}
 *
 * PATCH accepts `application/json-patch+json` (RFC 6902 add/replace/remove/test; a failed
 * `test` answers 422 as the API server does), `application/merge-patch+json` (RFC 7386) and
 * `application/strategic-merge-patch+json`, which it applies as a plain merge patch (lists are
 * replaced, not merged by key: an approximation). Anything else is 415. Watches
 * (`?watch=true`) answer 400: llm-bench polls, and the double says so instead of pretending.
 * Every request needs the bearer token of the kubeconfig the double writes (else 401), and
 * `forbid` makes chosen verbs answer 403.
 *
 * A deployment controller runs every `tickMs`: a changed pod template gets a ReplicaSet (an
 * old template's ReplicaSet is reused and gets the next revision, as on `rollout undo`), new
 * pods stay Pending for `pendingMs`, become Ready `readyDelayMs` later, and deleted pods
 * terminate for `terminateDelayMs` before they are gone. RollingUpdate honours integer
 * maxSurge / maxUnavailable (the construct's 1 / 0); Recreate deletes every old pod and starts
 * new ones once they are gone. Status fields (observedGeneration, replicas, updated, ready,
 * available, conditions, the revision annotation) are kept as the real controller keeps them.
 * A Service selector change takes effect at once: EndpointSlices are computed on every read.
 * An optional HPA loop (KEDA's HPA) sets a Deployment's replicas from a metric the test gives.
 *
 * Pod events (`created`, `running`, `ready`, `terminating`, `deleted`) are emitted so a test
 * can act on them, e.g. kill the simulator that "is" a pod.
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { tempDir } from '../../../support/temp';
import { kubeconfigText } from './kubeconfig';

// The double works on plain JSON; these are the shapes it reads and writes.
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };
type Labels = Record<string, string>;

export interface PodTemplate {
  metadata: { labels: Labels; annotations?: Labels };
  spec: Obj;
}

interface Meta {
  name: string;
  namespace: string;
  uid: string;
  resourceVersion: string;
  generation: number;
  creationTimestamp: string;
  labels: Labels;
  annotations: Labels;
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller: boolean }[];
  deletionTimestamp?: string;
}

interface Deployment {
  apiVersion: 'apps/v1';
  kind: 'Deployment';
  metadata: Meta;
  spec: {
    replicas: number;
    selector: { matchLabels: Labels };
    template: PodTemplate;
    strategy: { type: 'RollingUpdate' | 'Recreate'; rollingUpdate?: { maxSurge?: number; maxUnavailable?: number } };
    progressDeadlineSeconds?: number;
  };
  status: Obj;
}

interface ReplicaSet {
  apiVersion: 'apps/v1';
  kind: 'ReplicaSet';
  metadata: Meta;
  spec: { replicas: number; selector: { matchLabels: Labels }; template: PodTemplate };
  status: Obj;
}

/** Pod timing is kept as absolute times on the double's clock; the API view is derived. */
interface PodState {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  readonly labels: Labels;
  readonly rs: string;
  readonly rsUid: string;
  readonly createdAt: number;
  readonly runningAt: number;
  readonly readyAt: number;
  deletedAt?: number;
  goneAt?: number;
  seen: Set<string>;
}

interface Service {
  apiVersion: 'v1';
  kind: 'Service';
  metadata: Meta;
  spec: { selector: Labels; ports: Obj[]; type: string };
}

export interface DoubleOptions {
  /** Pending → Running (node provisioning, image pull). @default 0 */
  readonly pendingMs?: number;
  /** Running → Ready (model load). @default 50 */
  readonly readyDelayMs?: number;
  /** Deleted → gone (preStop, drain). @default 30 */
  readonly terminateDelayMs?: number;
  /** Controller period. @default 5 */
  readonly tickMs?: number;
  /** Templates whose pods never become ready (a bad version). */
  readonly neverReady?: (template: PodTemplate) => boolean;
  /**
   * The API server's proxy to a pod's port (`GET /api/v1/namespaces/{ns}/pods/{name}:{port}/proxy/{path}`):
   * the URL that serves the pod, from its name and labels; null or no function answers 503 as a
   * pod the proxy cannot reach.
   */
  readonly podProxy?: (pod: { readonly name: string; readonly labels: Labels }) => string | null;
  /** `verb path-prefix` pairs answered with 403, e.g. `PATCH /api/v1/namespaces/ns/services`. */
  readonly forbid?: readonly string[];
  /** Simulated KEDA HPA: every `syncMs`, `metric(hpaName)` → desired = ceil(metric / target). */
  readonly hpa?: {
    readonly syncMs: number;
    readonly metric: (hpa: string) => number | Promise<number>;
    /** Desired must stay lower this long before the HPA scales down. @default 0 */
    readonly scaleDownStabilizationMs?: number;
  };
}

export interface PodEvent {
  readonly type: 'created' | 'running' | 'ready' | 'terminating' | 'deleted';
  readonly name: string;
  readonly namespace: string;
  readonly labels: Labels;
}

/** A recorded API call. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly contentType: string | undefined;
  readonly body: string;
}

const TOKEN = 'kube-double-token';

function hashOf(template: PodTemplate): string {
  return createHash('sha256').update(canonical(template)).digest('hex').slice(0, 10);
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

/** Parses `a=b,c!=d` (equality selectors only: what llm-bench sends). */
export function matchesSelector(labels: Labels, selector: string | null): boolean {
  if (selector === null || selector === '') return true;
  return selector.split(',').every((term) => {
    const ne = /^([^!=]+)!=(.*)$/.exec(term);
    if (ne) return labels[ne[1]!] !== ne[2];
    const eq = /^([^!=]+)==?(.*)$/.exec(term);
    if (!eq) throw new Error(`unsupported selector ${term}`);
    return labels[eq[1]!] === eq[2];
  });
}

function subset(selector: Labels, labels: Labels): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

class HttpError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** RFC 6901 pointer segments. */
function segments(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new HttpError(422, 'Invalid', `json patch path ${path} does not start with /`);
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** RFC 6902 on a copy; throws 422 as the API server does for a failed test or a bad path. */
export function applyJsonPatch(doc: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new HttpError(400, 'BadRequest', 'json patch body must be an array of operations');
  let root = clone(doc) as Json;
  for (const raw of ops as { op: string; path: string; value?: Json }[]) {
    const segs = segments(raw.path);
    if (segs.length === 0) {
      if (raw.op === 'test') {
        if (canonical(root) !== canonical(raw.value))
          throw new HttpError(422, 'Invalid', `the server rejected our request due to an error in our request: test failed at ${raw.path}`);
        continue;
      }
      root = clone(raw.value ?? null);
      continue;
    }
    let parent: Json = root;
    for (const s of segs.slice(0, -1)) {
      const next: Json | undefined = Array.isArray(parent)
        ? parent[Number(s)]
        : parent !== null && typeof parent === 'object'
          ? parent[s]
          : undefined;
      if (next === undefined || next === null || typeof next !== 'object')
        throw new HttpError(422, 'Invalid', `json patch path ${raw.path} does not exist`);
      parent = next;
    }
    const key = segs.at(-1)!;
    const container = parent as Obj | Json[];
    const current = Array.isArray(container) ? container[key === '-' ? container.length : Number(key)] : container[key];
    switch (raw.op) {
      case 'test':
        if (canonical(current) !== canonical(raw.value)) {
          throw new HttpError(
            422,
            'Invalid',
            `the server rejected our request due to an error in our request: test failed at ${raw.path}, got ${JSON.stringify(current)}`,
          );
        }
        break;
      case 'replace':
        if (current === undefined) throw new HttpError(422, 'Invalid', `json patch replace ${raw.path}: the path does not exist`);
        if (Array.isArray(container)) container[Number(key)] = clone(raw.value ?? null);
        else container[key] = clone(raw.value ?? null);
        break;
      case 'add':
        if (Array.isArray(container)) container.splice(key === '-' ? container.length : Number(key), 0, clone(raw.value ?? null));
        else container[key] = clone(raw.value ?? null);
        break;
      case 'remove':
        if (current === undefined) throw new HttpError(422, 'Invalid', `json patch remove ${raw.path}: the path does not exist`);
        if (Array.isArray(container)) container.splice(Number(key), 1);
        else delete container[key];
        break;
      default:
        throw new HttpError(422, 'Invalid', `json patch op ${raw.op} is not supported by the double`);
    }
  }
  return root;
}

/** RFC 7386. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return clone(patch);
  const out: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target) ? clone(target as Record<string, unknown>) : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}

export class KubeDouble extends EventEmitter {
  readonly requests: RecordedRequest[] = [];
  private readonly opts: Required<Omit<DoubleOptions, 'neverReady' | 'hpa' | 'forbid' | 'podProxy'>> &
    Pick<DoubleOptions, 'neverReady' | 'hpa' | 'forbid' | 'podProxy'>;
  private readonly deployments = new Map<string, Deployment>();
  private readonly replicaSets = new Map<string, ReplicaSet>();
  private readonly pods = new Map<string, PodState>();
  private readonly services = new Map<string, Service>();
  private readonly hpas = new Map<string, Obj>();
  private readonly scaledObjects = new Map<string, Obj>();
  private readonly hpaLow = new Map<string, number>();
  private server: http.Server | null = null;
  private tick: NodeJS.Timeout | undefined;
  private hpaTimer: NodeJS.Timeout | undefined;
  private rv = 100;
  private seq = 0;
  private readonly t0 = performance.now();
  private hpaBusy = false;
  private failing = 0;
  url = '';

  constructor(opts: DoubleOptions = {}) {
    super();
    this.opts = { pendingMs: 0, readyDelayMs: 50, terminateDelayMs: 30, tickMs: 5, ...opts };
  }

  private now(): number {
    return performance.now() - this.t0;
  }

  private meta(namespace: string, name: string, labels: Labels = {}, annotations: Labels = {}): Meta {
    return {
      name,
      namespace,
      uid: `uid-${++this.seq}`,
      resourceVersion: String(++this.rv),
      generation: 1,
      creationTimestamp: new Date().toISOString(),
      labels: { ...labels },
      annotations: { ...annotations },
    };
  }

  private bump(m: Meta): void {
    m.resourceVersion = String(++this.rv);
  }

  // ---- seeding --------------------------------------------------------------------------------

  /**
   * A Deployment that already rolled out `template` (revision 1) with every pod ready; more
   * `history` templates become revisions before it (oldest first) with their ReplicaSets at 0.
   */
  addDeployment(d: {
    readonly namespace: string;
    readonly name: string;
    readonly labels?: Labels;
    readonly selector: Labels;
    readonly template: PodTemplate;
    readonly replicas: number;
    readonly strategy?: 'RollingUpdate' | 'Recreate';
    readonly history?: readonly PodTemplate[];
  }): void {
    const dep: Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: this.meta(d.namespace, d.name, d.labels ?? d.selector),
      spec: {
        replicas: d.replicas,
        selector: { matchLabels: { ...d.selector } },
        template: clone(d.template),
        strategy:
          d.strategy === 'Recreate' ? { type: 'Recreate' } : { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        progressDeadlineSeconds: 1500,
      },
      status: {},
    };
    this.deployments.set(`${d.namespace}/${d.name}`, dep);
    let revision = 0;
    for (const t of [...(d.history ?? []), d.template]) {
      revision++;
      const rs = this.ensureReplicaSet(dep, t);
      rs.metadata.annotations['deployment.kubernetes.io/revision'] = String(revision);
    }
    dep.metadata.annotations['deployment.kubernetes.io/revision'] = String(revision);
    const current = this.rsFor(dep, d.template)!;
    for (let i = 0; i < d.replicas; i++) this.createPod(current, true);
    this.reconcile(dep);
  }

  addService(s: { readonly namespace: string; readonly name: string; readonly selector: Labels; readonly labels?: Labels }): void {
    this.services.set(`${s.namespace}/${s.name}`, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: this.meta(s.namespace, s.name, s.labels ?? {}),
      spec: { type: 'ClusterIP', selector: { ...s.selector }, ports: [{ name: 'http', port: 8000, targetPort: 'http', protocol: 'TCP' }] },
    });
  }

  /** A KEDA ScaledObject and the HPA KEDA makes for it (`keda-hpa-<name>`). */
  addScaledObject(s: {
    readonly namespace: string;
    readonly name: string;
    readonly target: string;
    readonly min: number;
    readonly max: number;
    readonly threshold: number;
  }): void {
    const hpaName = `keda-hpa-${s.name}`;
    this.scaledObjects.set(`${s.namespace}/${s.name}`, {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: this.meta(s.namespace, s.name) as unknown as Obj,
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: s.target },
        minReplicaCount: s.min,
        maxReplicaCount: s.max,
        triggers: [{ type: 'prometheus', name: 'queue-depth', metricType: 'AverageValue', metadata: { threshold: String(s.threshold) } }],
      },
      status: {
        hpaName,
        conditions: [
          { type: 'Ready', status: 'True', reason: 'ScaledObjectReady' },
          { type: 'Active', status: 'False', reason: 'ScalerNotActive' },
          { type: 'Fallback', status: 'False' },
        ],
      },
    });
    this.hpas.set(`${s.namespace}/${hpaName}`, {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: this.meta(s.namespace, hpaName) as unknown as Obj,
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: s.target },
        minReplicas: s.min,
        maxReplicas: s.max,
        metrics: [
          {
            type: 'External',
            external: { metric: { name: 's0-prometheus' }, target: { type: 'AverageValue', averageValue: String(s.threshold) } },
          },
        ],
      },
      status: { currentReplicas: 0, desiredReplicas: 0, currentMetrics: [] },
    });
  }

  /** A new pod template on a Deployment, as a deploy would set it (no API call). */
  setTemplate(namespace: string, name: string, template: PodTemplate): void {
    const d = this.deployment(namespace, name);
    d.spec.template = clone(template);
    d.metadata.generation++;
    this.bump(d.metadata);
  }

  /** The next `n` API requests answer 500, as an API server that restarts. */
  failNext(n: number): void {
    this.failing = n;
  }

  /** Waits until the Deployment has finished rolling out. */
  async settle(namespace: string, name: string, timeoutMs = 5000): Promise<void> {
    const end = performance.now() + timeoutMs;
    while (performance.now() < end) {
      const d = this.deployment(namespace, name);
      const s = d.status as { observedGeneration?: number; updatedReplicas?: number; readyReplicas?: number; replicas?: number };
      const pods = [...this.pods.values()].filter((p) => p.namespace === namespace && subset(d.spec.selector.matchLabels, p.labels));
      if (
        s.observedGeneration === d.metadata.generation &&
        s.updatedReplicas === d.spec.replicas &&
        s.readyReplicas === d.spec.replicas &&
        s.replicas === d.spec.replicas &&
        pods.every((p) => p.deletedAt === undefined)
      )
        return;
      await new Promise((r) => setTimeout(r, this.opts.tickMs));
    }
    throw new Error(`double: ${namespace}/${name} did not settle within ${timeoutMs} ms`);
  }

  // ---- views for tests ------------------------------------------------------------------------

  deployment(namespace: string, name: string): Deployment {
    const d = this.deployments.get(`${namespace}/${name}`);
    if (!d) throw new Error(`double: no deployment ${namespace}/${name}`);
    return d;
  }

  service(namespace: string, name: string): Service {
    const s = this.services.get(`${namespace}/${name}`);
    if (!s) throw new Error(`double: no service ${namespace}/${name}`);
    return s;
  }

  scaledObject(namespace: string, name: string): Obj {
    return this.scaledObjects.get(`${namespace}/${name}`)!;
  }

  hpa(namespace: string, name: string): Obj {
    return this.hpas.get(`${namespace}/${name}`)!;
  }

  /** Ready, not terminating pods behind a Service right now: what kube-proxy would route to. */
  readyEndpoints(namespace: string, service: string): { name: string; labels: Labels }[] {
    const svc = this.service(namespace, service);
    const now = this.now();
    return [...this.pods.values()]
      .filter((p) => p.namespace === namespace && subset(svc.spec.selector, p.labels) && p.deletedAt === undefined && now >= p.readyAt)
      .map((p) => ({ name: p.name, labels: p.labels }));
  }

  podList(namespace: string): { name: string; labels: Labels; ready: boolean; terminating: boolean; pending: boolean }[] {
    const now = this.now();
    return [...this.pods.values()]
      .filter((p) => p.namespace === namespace)
      .map((p) => ({
        name: p.name,
        labels: p.labels,
        ready: p.deletedAt === undefined && now >= p.readyAt,
        terminating: p.deletedAt !== undefined,
        pending: now < p.runningAt,
      }));
  }

  // ---- controller -----------------------------------------------------------------------------

  private rsFor(d: Deployment, template: PodTemplate): ReplicaSet | undefined {
    const hash = hashOf(template);
    return this.replicaSets.get(`${d.metadata.namespace}/${d.metadata.name}-${hash}`);
  }

  private ensureReplicaSet(d: Deployment, template: PodTemplate): ReplicaSet {
    const existing = this.rsFor(d, template);
    if (existing) return existing;
    const hash = hashOf(template);
    const labels = { ...template.metadata.labels, 'pod-template-hash': hash };
    const name = `${d.metadata.name}-${hash}`;
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        ...this.meta(d.metadata.namespace, name, labels),
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name, uid: d.metadata.uid, controller: true }],
      },
      spec: {
        replicas: 0,
        selector: { matchLabels: { ...d.spec.selector.matchLabels, 'pod-template-hash': hash } },
        template: { ...clone(template), metadata: { ...clone(template.metadata), labels } },
      },
      status: { replicas: 0 },
    };
    this.replicaSets.set(`${d.metadata.namespace}/${name}`, rs);
    return rs;
  }

  private createPod(rs: ReplicaSet, readyNow = false): void {
    const now = this.now();
    const never = this.opts.neverReady?.(rs.spec.template) === true;
    const runningAt = readyNow ? now : now + this.opts.pendingMs;
    const pod: PodState = {
      name: `${rs.metadata.name}-${(++this.seq).toString(36).padStart(5, '0')}`,
      namespace: rs.metadata.namespace,
      uid: `uid-${this.seq}`,
      labels: { ...rs.spec.template.metadata.labels },
      rs: rs.metadata.name,
      rsUid: rs.metadata.uid,
      createdAt: now,
      runningAt,
      readyAt: never ? Number.POSITIVE_INFINITY : readyNow ? now : runningAt + this.opts.readyDelayMs,
      seen: new Set(readyNow ? ['created', 'running', 'ready'] : ['created']),
    };
    this.pods.set(`${pod.namespace}/${pod.name}`, pod);
    this.emitPod('created', pod);
  }

  private deletePod(p: PodState): void {
    if (p.deletedAt !== undefined) return;
    p.deletedAt = this.now();
    p.goneAt = p.deletedAt + this.opts.terminateDelayMs;
    this.emitPod('terminating', p);
  }

  private emitPod(type: PodEvent['type'], p: PodState): void {
    p.seen.add(type);
    this.emit('pod', { type, name: p.name, namespace: p.namespace, labels: p.labels } satisfies PodEvent);
  }

  private advancePods(): void {
    const now = this.now();
    for (const [key, p] of this.pods) {
      if (p.goneAt !== undefined && now >= p.goneAt) {
        this.pods.delete(key);
        this.emitPod('deleted', p);
        continue;
      }
      if (p.deletedAt !== undefined) continue;
      if (now >= p.runningAt && !p.seen.has('running')) this.emitPod('running', p);
      if (now >= p.readyAt && !p.seen.has('ready')) this.emitPod('ready', p);
    }
  }

  private podsOf(rs: ReplicaSet): PodState[] {
    return [...this.pods.values()].filter((p) => p.namespace === rs.metadata.namespace && p.rs === rs.metadata.name);
  }

  private ownedSets(d: Deployment): ReplicaSet[] {
    return [...this.replicaSets.values()].filter((rs) => rs.metadata.ownerReferences?.some((o) => o.uid === d.metadata.uid));
  }

  private reconcile(d: Deployment): void {
    const now = this.now();
    const owned = this.ownedSets(d);
    const revs = owned.map((rs) => Number(rs.metadata.annotations['deployment.kubernetes.io/revision'] ?? 0));
    const currentRev = Number(d.metadata.annotations['deployment.kubernetes.io/revision'] ?? 0);
    const fresh = this.ensureReplicaSet(d, d.spec.template);
    const freshRev = Number(fresh.metadata.annotations['deployment.kubernetes.io/revision'] ?? 0);
    if (freshRev !== currentRev || freshRev === 0) {
      // A new template, or an old one again (rollout undo): its ReplicaSet becomes the next revision.
      const next = Math.max(0, ...revs) + 1;
      fresh.metadata.annotations['deployment.kubernetes.io/revision'] = String(next);
      d.metadata.annotations['deployment.kubernetes.io/revision'] = String(next);
      this.bump(fresh.metadata);
    }
    const olds = this.ownedSets(d).filter((rs) => rs !== fresh);
    const live = (ps: PodState[]) => ps.filter((p) => p.deletedAt === undefined);
    const ready = (p: PodState) => p.deletedAt === undefined && now >= p.readyAt;
    const newPods = live(this.podsOf(fresh));
    const oldPods = olds.flatMap((rs) => live(this.podsOf(rs)));
    const desired = d.spec.replicas;

    if (d.spec.strategy.type === 'Recreate') {
      if (oldPods.length > 0) for (const p of oldPods) this.deletePod(p);
      else if (olds.every((rs) => this.podsOf(rs).length === 0)) {
        for (let i = newPods.length; i < desired; i++) this.createPod(fresh);
      }
    } else {
      const surge = d.spec.strategy.rollingUpdate?.maxSurge ?? 1;
      const unavailable = d.spec.strategy.rollingUpdate?.maxUnavailable ?? 0;
      let total = newPods.length + oldPods.length;
      for (let n = newPods.length; n < desired && total < desired + surge; n++, total++) this.createPod(fresh);
      const newReady = this.podsOf(fresh).filter(ready).length;
      let oldReady = oldPods.filter(ready).length;
      const minAvailable = desired - unavailable;
      // Not-ready old pods first: they serve nothing.
      for (const p of [...oldPods].sort((a, b) => Number(ready(a)) - Number(ready(b)))) {
        if (!ready(p)) this.deletePod(p);
        else if (newReady + oldReady - 1 >= minAvailable) {
          this.deletePod(p);
          oldReady--;
        }
      }
      const extra = live(this.podsOf(fresh)).length - desired;
      if (extra > 0) {
        const victims = live(this.podsOf(fresh)).sort((a, b) => Number(ready(a)) - Number(ready(b)) || b.createdAt - a.createdAt);
        for (const p of victims.slice(0, extra)) this.deletePod(p);
      }
    }

    // Status, as the controller writes it.
    const allLive = [fresh, ...olds].flatMap((rs) => live(this.podsOf(rs)));
    const updated = live(this.podsOf(fresh));
    for (const rs of [fresh, ...olds]) {
      const l = live(this.podsOf(rs));
      const next = {
        replicas: l.length,
        readyReplicas: l.filter(ready).length,
        availableReplicas: l.filter(ready).length,
        observedGeneration: rs.metadata.generation,
      };
      rs.spec.replicas = rs === fresh ? desired : l.length;
      if (canonical(next) !== canonical(rs.status)) {
        rs.status = next;
        this.bump(rs.metadata);
      }
    }
    const readyCount = allLive.filter(ready).length;
    const done = updated.length === desired && allLive.length === desired && updated.filter(ready).length === desired;
    const status: Obj = {
      observedGeneration: d.metadata.generation,
      replicas: allLive.length,
      updatedReplicas: updated.length,
      readyReplicas: readyCount,
      availableReplicas: readyCount,
      unavailableReplicas: Math.max(0, desired - readyCount),
      conditions: [
        {
          type: 'Available',
          status: readyCount >= desired - (d.spec.strategy.rollingUpdate?.maxUnavailable ?? 0) ? 'True' : 'False',
          reason: 'MinimumReplicasAvailable',
        },
        {
          type: 'Progressing',
          status: 'True',
          reason: done ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated',
          message: `ReplicaSet "${fresh.metadata.name}" ${done ? 'has successfully progressed' : 'is progressing'}.`,
        },
      ],
    };
    if (canonical(status) !== canonical(d.status)) {
      d.status = status;
      this.bump(d.metadata);
    }
  }

  private tickOnce(): void {
    this.advancePods();
    for (const d of this.deployments.values()) this.reconcile(d);
    this.advancePods();
  }

  private async hpaSync(): Promise<void> {
    const h = this.opts.hpa;
    if (!h || this.hpaBusy) return;
    this.hpaBusy = true;
    try {
      for (const [key, hpa] of this.hpas) {
        const spec = hpa.spec as {
          scaleTargetRef: { name: string };
          minReplicas: number;
          maxReplicas: number;
          metrics: { external: { target: { averageValue: string } } }[];
        };
        const meta = hpa.metadata as unknown as Meta;
        const d = this.deployments.get(`${meta.namespace}/${spec.scaleTargetRef.name}`);
        if (!d) continue;
        const metric = await h.metric(meta.name);
        const target = Number(spec.metrics[0]!.external.target.averageValue);
        const wanted = Math.min(spec.maxReplicas, Math.max(spec.minReplicas, Math.ceil(metric / target)));
        const current = d.spec.replicas;
        let next = current;
        if (wanted > current) {
          next = wanted;
          this.hpaLow.delete(key);
        } else if (wanted < current) {
          const since = this.hpaLow.get(key) ?? this.now();
          this.hpaLow.set(key, since);
          if (this.now() - since >= (h.scaleDownStabilizationMs ?? 0)) {
            next = wanted;
            this.hpaLow.delete(key);
          }
        } else this.hpaLow.delete(key);
        if (next !== current) {
          d.spec.replicas = next;
          d.metadata.generation++;
          this.bump(d.metadata);
        }
        hpa.status = {
          currentReplicas: current,
          desiredReplicas: next,
          currentMetrics: [
            {
              type: 'External',
              external: {
                metric: { name: 's0-prometheus' },
                current: { averageValue: String(Math.round((metric / Math.max(1, current)) * 1000) / 1000) },
              },
            },
          ],
          conditions: [{ type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale' }],
        };
        const so = [...this.scaledObjects.values()].find((s) => (s.status as { hpaName: string }).hpaName === meta.name);
        if (so) {
          const conds = (so.status as { conditions: { type: string; status: string; reason: string }[] }).conditions;
          const active = conds.find((c) => c.type === 'Active')!;
          active.status = metric > 0 ? 'True' : 'False';
          active.reason = metric > 0 ? 'ScalerActive' : 'ScalerNotActive';
        }
      }
    } finally {
      this.hpaBusy = false;
    }
  }

  // ---- HTTP -----------------------------------------------------------------------------------

  async start(): Promise<this> {
    const server = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => this.handle(req, body, res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    this.tick = setInterval(() => this.tickOnce(), this.opts.tickMs);
    if (this.opts.hpa) this.hpaTimer = setInterval(() => void this.hpaSync(), this.opts.hpa.syncMs);
    return this;
  }

  async close(): Promise<void> {
    clearInterval(this.tick);
    clearInterval(this.hpaTimer);
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** Writes a kubeconfig for the double (context `double`, namespace `namespace`) and returns its path. */
  async writeKubeconfig(namespace?: string): Promise<string> {
    const dir = tempDir('kube-double-');
    const file = join(dir, 'kubeconfig.yaml');
    await writeFile(file, kubeconfigText({ server: this.url, token: TOKEN, namespace }));
    return file;
  }

  private handle(req: http.IncomingMessage, body: string, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://double');
    const method = req.method ?? 'GET';
    const contentType = req.headers['content-type'];
    this.requests.push({ method, path: url.pathname, query: url.search, contentType, body });
    const send = (code: number, obj: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(obj));
    };
    try {
      if (req.headers.authorization !== `Bearer ${TOKEN}`) throw new HttpError(401, 'Unauthorized', 'Unauthorized');
      if (this.opts.forbid?.some((f) => `${method} ${url.pathname}`.startsWith(f))) {
        throw new HttpError(
          403,
          'Forbidden',
          `${method.toLowerCase()} ${url.pathname} is forbidden: User "system:serviceaccount:llm-bench:llm-bench" cannot do that`,
        );
      }
      if (url.searchParams.get('watch') === 'true')
        throw new HttpError(400, 'BadRequest', 'the test double does not serve watches; llm-bench polls');
      if (this.failing > 0) {
        this.failing--;
        throw new HttpError(500, 'InternalError', 'etcdserver: leader changed');
      }
      const proxied = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/proxy\/(.*)$/.exec(url.pathname);
      if (proxied && method === 'GET') {
        this.proxyToPod(decodeURIComponent(proxied[1]!), decodeURIComponent(proxied[2]!), proxied[3]!, res);
        return;
      }
      send(200, this.route(method, url, contentType, body));
    } catch (err) {
      const e = err instanceof HttpError ? err : new HttpError(500, 'InternalError', (err as Error).message);
      send(e.code, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: e.message,
        reason: e.reason,
        code: e.code,
      });
    }
  }

  /** GET through the pod proxy: `name:port` must name a running pod; the answer is the backend's, as the API server relays it. */
  private proxyToPod(namespace: string, nameAndPort: string, path: string, res: http.ServerResponse): void {
    const name = nameAndPort.split(':')[0]!;
    const pod = this.pods.get(`${namespace}/${name}`);
    const status = (code: number, reason: string, message: string) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }));
    };
    if (pod === undefined || pod.goneAt !== undefined) {
      status(404, 'NotFound', `pods "${name}" not found`);
      return;
    }
    const backend = this.opts.podProxy?.({ name: pod.name, labels: pod.labels }) ?? null;
    if (backend === null || this.now() < pod.runningAt) {
      status(503, 'ServiceUnavailable', `error trying to reach service: dial tcp 10.0.0.1:8000: connect: connection refused`);
      return;
    }
    http
      .get(`${backend.replace(/\/$/, '')}/${path}`, (up) => {
        res.writeHead(up.statusCode ?? 502, { 'content-type': up.headers['content-type'] ?? 'text/plain' });
        up.pipe(res);
      })
      .on('error', (err) => status(503, 'ServiceUnavailable', `error trying to reach service: ${err.message}`));
  }

  private patch<T>(current: T, contentType: string | undefined, body: string): T {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new HttpError(400, 'BadRequest', 'patch body is not json');
    }
    switch (contentType?.split(';')[0]) {
      case 'application/json-patch+json':
        return applyJsonPatch(current, parsed) as T;
      case 'application/merge-patch+json':
      case 'application/strategic-merge-patch+json':
        return applyMergePatch(current, parsed) as T;
      default:
        throw new HttpError(
          415,
          'UnsupportedMediaType',
          `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, got ${contentType}`,
        );
    }
  }

  private list(kind: string, apiVersion: string, items: unknown[]): unknown {
    return { apiVersion, kind, metadata: { resourceVersion: String(this.rv) }, items };
  }

  private route(method: string, url: URL, contentType: string | undefined, body: string): unknown {
    const p = url.pathname;
    const selector = url.searchParams.get('labelSelector');
    let m: RegExpExecArray | null;
    if ((m = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments\/([^/]+)$/.exec(p))) {
      const key = `${m[1]}/${m[2]}`;
      const d = this.deployments.get(key);
      if (!d) throw new HttpError(404, 'NotFound', `deployments.apps "${m[2]}" not found`);
      if (method === 'GET') return d;
      if (method === 'PATCH') {
        const next = this.patch(d, contentType, body);
        next.metadata = { ...d.metadata, labels: next.metadata.labels, annotations: next.metadata.annotations };
        if (canonical(next.spec) !== canonical(d.spec)) next.metadata.generation = d.metadata.generation + 1;
        if (canonical(next) !== canonical(d)) this.bump(next.metadata);
        this.deployments.set(key, next);
        return next;
      }
    }
    if ((m = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/replicasets$/.exec(p)) && method === 'GET') {
      const ns = m[1];
      return this.list(
        'ReplicaSetList',
        'apps/v1',
        [...this.replicaSets.values()].filter((rs) => rs.metadata.namespace === ns && matchesSelector(rs.metadata.labels, selector)),
      );
    }
    if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(p)) && method === 'GET') {
      const ns = m[1];
      return this.list(
        'PodList',
        'v1',
        [...this.pods.values()].filter((x) => x.namespace === ns && matchesSelector(x.labels, selector)).map((x) => this.podView(x)),
      );
    }
    if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/services\/([^/]+)$/.exec(p))) {
      const key = `${m[1]}/${m[2]}`;
      const s = this.services.get(key);
      if (!s) throw new HttpError(404, 'NotFound', `services "${m[2]}" not found`);
      if (method === 'GET') return s;
      if (method === 'PATCH') {
        const next = this.patch(s, contentType, body);
        next.metadata = { ...s.metadata };
        if (canonical(next) !== canonical(s)) this.bump(next.metadata);
        this.services.set(key, next);
        return next;
      }
    }
    if ((m = /^\/apis\/discovery\.k8s\.io\/v1\/namespaces\/([^/]+)\/endpointslices$/.exec(p)) && method === 'GET') {
      const ns = m[1]!;
      const name = /^kubernetes\.io\/service-name=(.+)$/.exec(selector ?? '')?.[1];
      const svc = name === undefined ? undefined : this.services.get(`${ns}/${name}`);
      return this.list('EndpointSliceList', 'discovery.k8s.io/v1', svc === undefined ? [] : [this.sliceOf(svc)]);
    }
    if ((m = /^\/apis\/autoscaling\/v2\/namespaces\/([^/]+)\/horizontalpodautoscalers\/([^/]+)$/.exec(p)) && method === 'GET') {
      const h = this.hpas.get(`${m[1]}/${m[2]}`);
      if (!h) throw new HttpError(404, 'NotFound', `horizontalpodautoscalers.autoscaling "${m[2]}" not found`);
      return h;
    }
    if ((m = /^\/apis\/keda\.sh\/v1alpha1\/namespaces\/([^/]+)\/scaledobjects\/([^/]+)$/.exec(p))) {
      const key = `${m[1]}/${m[2]}`;
      const so = this.scaledObjects.get(key);
      if (!so) throw new HttpError(404, 'NotFound', `scaledobjects.keda.sh "${m[2]}" not found`);
      if (method === 'GET') return so;
      if (method === 'PATCH') {
        const next = this.patch<Obj>(so, contentType, body);
        this.scaledObjects.set(key, next);
        // KEDA follows: its HPA now scales the new target.
        const hpa = this.hpas.get(`${m[1]}/${(next.status as { hpaName: string }).hpaName}`);
        if (hpa) (hpa.spec as { scaleTargetRef: Json }).scaleTargetRef = clone((next.spec as { scaleTargetRef: Json }).scaleTargetRef);
        return next;
      }
    }
    throw new HttpError(404, 'NotFound', `the server could not find the requested resource (${method} ${p})`);
  }

  private podView(p: PodState): unknown {
    const now = this.now();
    const ready = p.deletedAt === undefined && now >= p.readyAt;
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: p.name,
        namespace: p.namespace,
        uid: p.uid,
        labels: p.labels,
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: p.rs, uid: p.rsUid, controller: true }],
        ...(p.deletedAt !== undefined && { deletionTimestamp: new Date().toISOString() }),
      },
      spec: { containers: [{ name: 'vllm', image: 'sim' }] },
      status: {
        phase: now < p.runningAt ? 'Pending' : 'Running',
        conditions: [
          { type: 'PodScheduled', status: now < p.runningAt ? 'False' : 'True' },
          { type: 'Ready', status: ready ? 'True' : 'False' },
        ],
      },
    };
  }

  private sliceOf(svc: Service): unknown {
    const now = this.now();
    const pods = [...this.pods.values()].filter(
      (p) => p.namespace === svc.metadata.namespace && subset(svc.spec.selector, p.labels) && now >= p.runningAt,
    );
    return {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: `${svc.metadata.name}-x1y2z`,
        namespace: svc.metadata.namespace,
        labels: { 'kubernetes.io/service-name': svc.metadata.name },
      },
      addressType: 'IPv4',
      endpoints: pods.map((p, i) => ({
        addresses: [`10.0.0.${i + 1}`],
        conditions: {
          ready: p.deletedAt === undefined && now >= p.readyAt,
          serving: now >= p.readyAt,
          terminating: p.deletedAt !== undefined,
        },
        targetRef: { kind: 'Pod', name: p.name, namespace: p.namespace },
      })),
      ports: [{ name: 'http', port: 8000, protocol: 'TCP' }],
    };
  }
}
