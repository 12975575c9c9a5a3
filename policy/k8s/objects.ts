/**
 * Reading Kubernetes objects the way the API server does: pod templates of every workload kind,
 * label selectors with matchLabels and matchExpressions, and the effective security settings of
 * a container (its own, else the pod's).
 */

/** A Kubernetes object as synthesized (plain JSON). */
export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly [k: string]: unknown;
  };
  readonly [k: string]: unknown;
}

export type Json = Readonly<Record<string, unknown>>;

export function isJson(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `v` as an object; `{}` for anything else. */
export function obj(v: unknown): Json {
  return isJson(v) ? v : {};
}

/** `v` as an array; `[]` for anything else. */
export function list(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Kinds that run pods, and where their pod template is. */
export const WORKLOAD_KINDS = ['Pod', 'Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'] as const;
/** Workloads that run indefinitely (probes, disruption budgets and scaling apply to them). */
export const LONG_RUNNING_KINDS = ['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet'] as const;

export function isWorkload(o: K8sObject): boolean {
  return (WORKLOAD_KINDS as readonly string[]).includes(o.kind);
}

/** The pod template (metadata and spec) of a workload; the pod itself for a Pod. */
export function podTemplate(o: K8sObject): { labels: Readonly<Record<string, string>>; spec: Json } | undefined {
  if (!isWorkload(o)) return undefined;
  if (o.kind === 'Pod') return { labels: o.metadata.labels ?? {}, spec: obj(o.spec) };
  const spec = obj(o.spec);
  const template = o.kind === 'CronJob' ? obj(obj(obj(spec.jobTemplate).spec).template) : obj(spec.template);
  return { labels: obj(obj(template.metadata).labels) as Record<string, string>, spec: obj(template.spec) };
}

/** A container with where it sits in the pod, for messages. */
export interface ContainerRef {
  readonly name: string;
  readonly init: boolean;
  readonly spec: Json;
}

export function containers(podSpec: Json): ContainerRef[] {
  const of = (key: string, init: boolean) => list(podSpec[key]).map((c) => ({ name: str(obj(c).name) ?? '?', init, spec: obj(c) }));
  return [...of('initContainers', true), ...of('containers', false)];
}

/** `container vllm` or `init container registry-sync`, for messages. */
export function containerLabel(c: ContainerRef): string {
  return `${c.init ? 'init container' : 'container'} ${c.name}`;
}

/** A container's securityContext field, falling back to the pod's (as the kubelet does). */
export function effectiveSecurity(podSpec: Json, c: ContainerRef, field: string): unknown {
  const own = obj(c.spec.securityContext)[field];
  return own !== undefined ? own : obj(podSpec.securityContext)[field];
}

/** A label selector in either form: a Service's plain map or a LabelSelector. */
export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly { readonly key: string; readonly operator: string; readonly values?: readonly string[] }[];
}

export function toSelector(v: unknown): LabelSelector {
  const s = obj(v);
  return {
    matchLabels: obj(s.matchLabels) as Record<string, string>,
    matchExpressions: list(s.matchExpressions).map((e) => {
      const x = obj(e);
      return { key: str(x.key) ?? '', operator: str(x.operator) ?? '', values: list(x.values).map(String) };
    }),
  };
}

/** Whether a selector has no terms (it selects everything in its namespace). */
export function isEmptySelector(s: LabelSelector): boolean {
  return Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0;
}

/** Label selector semantics of the API server (`In`, `NotIn`, `Exists`, `DoesNotExist`). */
export function selectorMatches(s: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  const byLabels = Object.entries(s.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = (s.matchExpressions ?? []).every((e) => {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    switch (e.operator) {
      case 'In':
        return has && (e.values ?? []).includes(labels[e.key]!);
      case 'NotIn':
        return !has || !(e.values ?? []).includes(labels[e.key]!);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      default:
        return false;
    }
  });
  return byLabels && byExpressions;
}

/** `namespace/name`, or `name` for cluster-scoped objects. */
export function resourceId(o: K8sObject): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
}

/** Objects indexed for the cross-object rules. */
export class ObjectIndex {
  constructor(readonly objects: readonly K8sObject[]) {}

  inNamespace(namespace: string | undefined, kind?: string): K8sObject[] {
    return this.objects.filter((o) => o.metadata.namespace === namespace && (kind === undefined || o.kind === kind));
  }

  find(kind: string, namespace: string | undefined, name: string): K8sObject | undefined {
    return this.objects.find((o) => o.kind === kind && o.metadata.namespace === namespace && o.metadata.name === name);
  }

  /** Workloads of the namespace whose pod template the selector matches. */
  workloadsSelectedBy(namespace: string | undefined, s: LabelSelector): K8sObject[] {
    return this.inNamespace(namespace).filter((o) => {
      const t = podTemplate(o);
      return t !== undefined && selectorMatches(s, t.labels);
    });
  }
}
