/**
 * Reading rollout state from Kubernetes objects, as `kubectl rollout status` and
 * `kubectl rollout undo` do: revisions, the current and previous ReplicaSet, pod readiness, and
 * the model a pod template loads. Pure functions over API objects; nothing here calls the API.
 */
import type { V1Container, V1Deployment, V1EndpointSlice, V1Pod, V1PodTemplateSpec, V1ReplicaSet } from '@kubernetes/client-node';
import { RunError } from '../errors';
import { POD_TEMPLATE_HASH_LABEL, REGISTRY_SYNC_CONTAINER, REVISION_ANNOTATION, registryCachePath, VLLM_CONTAINER } from './layout';

/** True once the API server has deleted-marked the pod (it still runs its preStop and drain). */
export function podTerminating(p: V1Pod): boolean {
  return p.metadata?.deletionTimestamp !== undefined && p.metadata.deletionTimestamp !== null;
}

/** Ready and not terminating: a pod a Service sends traffic to. */
export function podReady(p: V1Pod): boolean {
  return !podTerminating(p) && (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Not scheduled or not started yet (waiting for a GPU node, pulling the image). */
export function podPending(p: V1Pod): boolean {
  return !podTerminating(p) && p.status?.phase === 'Pending';
}

/**
 * The pods a Service sends traffic to now: its EndpointSlices' ready endpoints (a terminating or
 * not-ready pod is left out, as kube-proxy leaves it out), by pod name, each once.
 */
export function readyEndpointPods(slices: readonly V1EndpointSlice[]): string[] {
  const names = slices.flatMap((s) =>
    (s.endpoints ?? []).filter((e) => e.conditions?.ready === true && e.targetRef?.kind === 'Pod').map((e) => e.targetRef!.name ?? ''),
  );
  return [...new Set(names.filter((n) => n !== ''))].sort();
}

/** Pods by state. */
export interface PodCounts {
  /** Pods not terminating. */
  readonly live: number;
  readonly ready: number;
  readonly pending: number;
  readonly terminating: number;
}

export function countPods(pods: readonly V1Pod[]): PodCounts {
  return {
    live: pods.filter((p) => !podTerminating(p)).length,
    ready: pods.filter(podReady).length,
    pending: pods.filter(podPending).length,
    terminating: pods.filter(podTerminating).length,
  };
}

/** The revision annotation as a number; null when absent (never rolled out). */
export function revisionOf(o: V1Deployment | V1ReplicaSet): number | null {
  const v = o.metadata?.annotations?.[REVISION_ANNOTATION];
  if (v === undefined) return null;
  const n = Number(v);
  return Number.isInteger(n) ? n : null;
}

/** ReplicaSets whose controller is the Deployment. */
export function replicaSetsOf(d: V1Deployment, all: readonly V1ReplicaSet[]): V1ReplicaSet[] {
  const uid = d.metadata?.uid;
  return all.filter((rs) =>
    (rs.metadata?.ownerReferences ?? []).some(
      (o) => o.controller === true && o.kind === 'Deployment' && (uid === undefined || o.uid === uid),
    ),
  );
}

/** The ReplicaSet of the Deployment's current revision. */
export function currentReplicaSet(d: V1Deployment, owned: readonly V1ReplicaSet[]): V1ReplicaSet | undefined {
  const rev = revisionOf(d);
  return rev === null ? undefined : owned.find((rs) => revisionOf(rs) === rev);
}

/** The ReplicaSet `kubectl rollout undo` goes back to: the highest revision below the current one. */
export function previousReplicaSet(d: V1Deployment, owned: readonly V1ReplicaSet[]): V1ReplicaSet | undefined {
  const current = revisionOf(d);
  if (current === null) return undefined;
  return owned
    .filter((rs) => {
      const r = revisionOf(rs);
      return r !== null && r < current;
    })
    .sort((a, b) => revisionOf(b)! - revisionOf(a)!)[0];
}

/** A ReplicaSet's pod template as a Deployment template: without the controller's hash label. */
export function deploymentTemplateOf(rs: V1ReplicaSet): V1PodTemplateSpec {
  const template = structuredClone(rs.spec?.template ?? {});
  if (template.metadata?.labels !== undefined) {
    const { [POD_TEMPLATE_HASH_LABEL]: _hash, ...labels } = template.metadata.labels;
    template.metadata.labels = labels;
  }
  return template;
}

/** Key-order-insensitive equality of two JSON values. */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Where a rollout stands; `complete` as `kubectl rollout status` decides it, plus no old pods left. */
export interface RolloutStatus {
  readonly complete: boolean;
  /** What is still missing, in kubectl's words, or `complete`. */
  readonly detail: string;
  /** Set when the Deployment controller gave up (progress deadline exceeded). */
  readonly stalled?: string;
  readonly desired: number;
  readonly updated: number;
  readonly ready: number;
  readonly available: number;
  /** Pods of other templates, terminating ones included. */
  readonly oldPods: number;
}

/**
 * Whether a Deployment has finished rolling out `newHash`: the controller observed the latest
 * generation; updated, total, ready and available replicas all equal the desired count; and no
 * pod of another template is left, not even a terminating one.
 */
export function rolloutStatus(d: V1Deployment, pods: readonly V1Pod[], newHash: string | undefined): RolloutStatus {
  const desired = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  const updated = s.updatedReplicas ?? 0;
  const ready = s.readyReplicas ?? 0;
  const available = s.availableReplicas ?? 0;
  const replicas = s.replicas ?? 0;
  const oldPods = pods.filter((p) => newHash === undefined || p.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] !== newHash).length;
  const base = { desired, updated, ready, available, oldPods };
  const progressing = (s.conditions ?? []).find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return {
      ...base,
      complete: false,
      detail: 'progress deadline exceeded',
      stalled: progressing.message ?? `deployment ${d.metadata?.name} exceeded its progress deadline`,
    };
  }
  const generation = d.metadata?.generation ?? 0;
  let detail = 'complete';
  if ((s.observedGeneration ?? 0) < generation) detail = `waiting for the controller to observe generation ${generation}`;
  else if (updated < desired) detail = `${updated} of ${desired} new replicas have been updated`;
  else if (replicas > updated) detail = `${replicas - updated} old replicas are pending termination`;
  else if (available < updated) detail = `${available} of ${updated} updated replicas are available`;
  else if (ready < desired) detail = `${ready} of ${desired} replicas are ready`;
  else if (newHash === undefined) detail = 'waiting for the new ReplicaSet';
  else if (oldPods > 0) detail = `${oldPods} old pods are still terminating`;
  return { ...base, complete: detail === 'complete', detail };
}

/** What a pod template's vLLM container loads. */
export type ModelSource =
  | { readonly kind: 'huggingface'; readonly model: string }
  /** The model is an `s3://…` URI, read with the Run:ai streamer. */
  | { readonly kind: 'stream'; readonly uri: string }
  /** An init container syncs `uri` into the cache and the model argument points at the copy. */
  | { readonly kind: 'sync'; readonly uri: string; readonly path: string };

function container(template: V1PodTemplateSpec, name: string, init: boolean): V1Container | undefined {
  return (init ? template.spec?.initContainers : template.spec?.containers)?.find((c) => c.name === name);
}

/**
 * The model of a vLLM command line: the first positional argument of `vllm serve` (the image's
 * ENTRYPOINT, which the container args follow), or `--model X` / `--model=X` as manifests before
 * the positional form had it.
 */
function modelArg(command: readonly string[], args: readonly string[]): string | undefined {
  const all = [...command, ...args];
  const serve = command.indexOf('serve');
  const first = all[serve === -1 ? (command.length > 0 ? command.length : 0) : serve + 1];
  if (first !== undefined && !first.startsWith('-')) return first;
  for (let i = 0; i < all.length; i++) {
    if (all[i] === '--model') return all[i + 1];
    if (all[i]!.startsWith('--model=')) return all[i]!.slice('--model='.length);
  }
  return undefined;
}

/** Reads where the template's vLLM container gets its weights; throws RunError when it has no `--model`. */
export function modelSourceOf(template: V1PodTemplateSpec, what: string): ModelSource {
  const vllm = container(template, VLLM_CONTAINER, false);
  const model = modelArg(vllm?.command ?? [], vllm?.args ?? []);
  if (vllm === undefined || model === undefined) {
    throw new RunError(
      `${what} has no ${VLLM_CONTAINER} container with a model argument, got containers ${(template.spec?.containers ?? []).map((c) => c.name).join(', ') || 'none'}; is it an llm-platform model Deployment?`,
    );
  }
  if (model.startsWith('s3://')) return { kind: 'stream', uri: model };
  const sync = container(template, REGISTRY_SYNC_CONTAINER, true);
  const uri = [...(sync?.command ?? []), ...(sync?.args ?? [])].find((a) => a.startsWith('s3://'));
  if (uri !== undefined) return { kind: 'sync', uri, path: model };
  return { kind: 'huggingface', model };
}

/**
 * The template with its registry version replaced by `uri`: the vLLM model argument and, for the sync
 * loader, the init container's source and destination. Throws RunError for a Hugging Face model.
 */
export function withModelUri(template: V1PodTemplateSpec, uri: string, what: string): V1PodTemplateSpec {
  const source = modelSourceOf(template, what);
  if (source.kind === 'huggingface') {
    throw new RunError(
      `${what} loads ${source.model} from Hugging Face, got a registry version to roll to; set models.<id>.source.kind registry and deploy once, or roll back to the previous revision`,
    );
  }
  const replace = new Map<string, string>(
    source.kind === 'stream'
      ? [[source.uri, uri]]
      : [
          [source.uri, uri],
          [source.path, registryCachePath(uri)],
        ],
  );
  const swap = (list: string[] | undefined) =>
    list?.map((a) => replace.get(a) ?? (a.startsWith('--model=') && replace.has(a.slice(8)) ? `--model=${replace.get(a.slice(8))}` : a));
  const next = structuredClone(template);
  for (const c of [...(next.spec?.containers ?? []), ...(next.spec?.initContainers ?? [])]) {
    if (c.name !== VLLM_CONTAINER && c.name !== REGISTRY_SYNC_CONTAINER) continue;
    const command = swap(c.command);
    const args = swap(c.args);
    if (command !== undefined) c.command = command;
    if (args !== undefined) c.args = args;
  }
  return next;
}
