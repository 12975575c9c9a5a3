/**
 * Rollback validation: under steady load, roll one model variant back (to the previous
 * Deployment revision, or to a registry version) through the Kubernetes API, time it until every
 * new pod is ready and no old pod serves, and count the requests that failed on the way.
 *
 * Two strategies, as the model construct deploys them (constructs/vllm-model.ts):
 * - **blue-green**: Deployments `<variant>-blue` / `-green`, Service `<variant>` selecting the
 *   active track. Rolling back switches the selector to the standby track, whose pods are warm;
 *   a parked standby (0 replicas) is scaled up first, and a registry version is set on the
 *   standby first: both make the duration include a cold start.
 * - **rolling**: Deployment `<variant>`. Rolling back restores the previous ReplicaSet's pod
 *   template (as `kubectl rollout undo`) or sets the registry version's URI in the template, and
 *   waits for the Deployment controller to finish.
 *
 * The checks poll the API (`pollMs`); they do not watch.
 */
import { performance } from 'node:perf_hooks';
import type { V1Deployment, V1EndpointSlice, V1Pod, V1PodTemplateSpec, V1Service } from '@kubernetes/client-node';
import { RunError, usageErrors } from '../errors';
import { type CheckEvent, envelope } from '../result';
import { type JsonPatchOp, type KubeClient, labelSelector, pointer } from '../kube/client';
import { otherTrack, POD_TEMPLATE_HASH_LABEL, TRACK_LABEL, TRACKS, type Track, VLLM_CONTAINER } from '../kube/layout';
import { pollUntil } from '../kube/poll';
import {
  countPods,
  currentReplicaSet,
  deploymentTemplateOf,
  modelSourceOf,
  previousReplicaSet,
  replicaSetsOf,
  revisionOf,
  type RolloutStatus,
  rolloutStatus,
  sameJson,
  withModelUri,
} from '../kube/state';
import { POSTDEPLOY_DEFAULTS } from '../checks/defaults';
import { abortReason, CheckLog, gate, requestCounts, round, underLoad } from '../checks/log';
import { BackgroundLoad, type BackgroundLoadOptions, type TrafficSample } from '../checks/traffic';
import type { PodSide, RollbackResult, RollbackSample } from './result';

/** Where to roll back to. */
export type RollbackTarget =
  /** Blue/green: the standby track. Rolling: the previous ReplicaSet's template. */
  | { readonly kind: 'previous' }
  /** A registry version, with the URI its pods load (`s3://bucket/models/<name>/v<version>/`). */
  | { readonly kind: 'registry'; readonly version: string; readonly uri: string };

export type RolloutStrategyChoice = 'auto' | 'rolling' | 'blue-green';

export interface RollbackOptions {
  readonly kube: KubeClient;
  /** @default POSTDEPLOY_DEFAULTS.namespace */
  readonly namespace?: string;
  /** The variant's name: its Service, and its Deployment (or `<variant>-blue` / `-green`). */
  readonly variant: string;
  readonly to: RollbackTarget;
  /** The steady load; it runs from before the trigger until after completion. */
  readonly load: BackgroundLoadOptions;
  /** @default 'auto' - blue-green when `<variant>-blue` and `-green` exist and `<variant>` does not */
  readonly strategy?: RolloutStrategyChoice;
  /** Gate on the duration. @default POSTDEPLOY_DEFAULTS.rollback.limitSec */
  readonly limitSec?: number;
  /** Gate on failed requests. @default POSTDEPLOY_DEFAULTS.rollback.maxFailedRequests */
  readonly maxFailedRequests?: number;
  /** @default POSTDEPLOY_DEFAULTS.rollback.beforeSec */
  readonly beforeSec?: number;
  /** @default POSTDEPLOY_DEFAULTS.rollback.afterSec */
  readonly afterSec?: number;
  /** Stop waiting for completion after this long. @default POSTDEPLOY_DEFAULTS.rollback.timeoutSec */
  readonly timeoutSec?: number;
  /** @default POSTDEPLOY_DEFAULTS.pollMs */
  readonly pollMs?: number;
  /** @default POSTDEPLOY_DEFAULTS.sampleMs */
  readonly sampleMs?: number;
  /** Blue/green: scale the old track to 0 this long after the switch. @default - leave it warm */
  readonly keepWarmSec?: number;
  /** Blue/green: point the variant's ScaledObject at the new track. @default true */
  readonly retargetScaler?: boolean;
  /** Graceful stop: no more waiting; the result says it was interrupted. */
  readonly signal?: AbortSignal;
  /** Each step as it happens (progress output). */
  readonly onEvent?: (e: CheckEvent) => void;
}

interface Settings {
  readonly namespace: string;
  readonly limitSec: number;
  readonly maxFailedRequests: number;
  readonly beforeSec: number;
  readonly afterSec: number;
  readonly timeoutSec: number;
  readonly pollMs: number;
  readonly sampleMs: number;
  readonly keepWarmSec: number | undefined;
  readonly retargetScaler: boolean;
}

/** Applies defaults and checks ranges; throws one UsageError naming every bad option. */
export function resolveRollbackSettings(o: Omit<RollbackOptions, 'kube' | 'load' | 'to' | 'variant'>): Settings {
  const d = POSTDEPLOY_DEFAULTS;
  const s: Settings = {
    namespace: o.namespace ?? d.namespace,
    limitSec: o.limitSec ?? d.rollback.limitSec,
    maxFailedRequests: o.maxFailedRequests ?? d.rollback.maxFailedRequests,
    beforeSec: o.beforeSec ?? d.rollback.beforeSec,
    afterSec: o.afterSec ?? d.rollback.afterSec,
    timeoutSec: o.timeoutSec ?? d.rollback.timeoutSec,
    pollMs: o.pollMs ?? d.pollMs,
    sampleMs: o.sampleMs ?? d.sampleMs,
    keepWarmSec: o.keepWarmSec,
    retargetScaler: o.retargetScaler ?? true,
  };
  const problems: string[] = [];
  const positive = (flag: string, v: number, example: string) => {
    if (!(v > 0) || !Number.isFinite(v)) problems.push(`${flag} must be a positive number, got ${v}; pass e.g. ${flag} ${example}`);
  };
  const nonNegative = (flag: string, v: number, example: string) => {
    if (!(v >= 0) || !Number.isFinite(v)) problems.push(`${flag} must be a number ≥ 0, got ${v}; pass e.g. ${flag} ${example}`);
  };
  positive('--limit-sec', s.limitSec, '60');
  positive('--timeout-sec', s.timeoutSec, '1200');
  positive('--poll-ms', s.pollMs, '1000');
  positive('--sample-ms', s.sampleMs, '1000');
  nonNegative('--before-sec', s.beforeSec, '5');
  nonNegative('--after-sec', s.afterSec, '5');
  if (!Number.isInteger(s.maxFailedRequests) || s.maxFailedRequests < 0)
    problems.push(`--max-failed-requests must be a whole number ≥ 0, got ${s.maxFailedRequests}; pass e.g. --max-failed-requests 0`);
  if (s.keepWarmSec !== undefined) nonNegative('--keep-warm-sec', s.keepWarmSec, '300');
  if (s.timeoutSec < s.limitSec && problems.length === 0)
    problems.push(
      `--timeout-sec ${s.timeoutSec} is below --limit-sec ${s.limitSec}, so a slow rollback would never be measured; raise --timeout-sec`,
    );
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s.namespace))
    problems.push(`--namespace must be a Kubernetes name, got ${JSON.stringify(s.namespace)}; pass e.g. --namespace llm-baseline`);
  if (problems.length > 0) throw usageErrors(problems);
  return s;
}

/** What one poll saw. */
interface Snapshot {
  readonly serving: string | null;
  readonly new: PodSide;
  readonly old: PodSide;
  readonly endpoints: { readonly new: number; readonly old: number } | null;
  /** Status of the Deployment being rolled to. */
  readonly status: RolloutStatus;
  /** The whole rollback is done (the rollout, and for blue/green the switch and its endpoints). */
  readonly complete: boolean;
  readonly detail: string;
}

function side(desired: number, pods: readonly V1Pod[]): PodSide {
  const c = countPods(pods);
  return { desired, ready: c.ready, live: c.live, pending: c.pending, terminating: c.terminating };
}

/** `vllm/vllm-openai:v0.18.0, s3://…/v1.2.0/` — what a template runs, for the report. */
export function describeTemplate(t: V1PodTemplateSpec | undefined, what: string): string {
  if (t === undefined) return 'no template';
  const image = t.spec?.containers.find((c) => c.name === VLLM_CONTAINER)?.image ?? '?';
  try {
    const s = modelSourceOf(t, what);
    return `${image}, ${s.kind === 'huggingface' ? s.model : s.uri}`;
  } catch {
    return image;
  }
}

/** Context the strategies run in. */
interface Run {
  readonly kube: KubeClient;
  readonly s: Settings;
  readonly variant: string;
  readonly to: RollbackTarget;
  readonly signal: AbortSignal | undefined;
  event(message: string): void;
  note(message: string): void;
  /** Every observation, for the timeline. */
  seen(snapshot: Snapshot): Snapshot;
}

/** One strategy: how to observe, and how to roll back. */
interface Strategy {
  readonly kind: 'rolling' | 'blue-green';
  readonly from: string;
  readonly to: string;
  observe(afterTrigger: boolean): Promise<Snapshot>;
  /** Changes the cluster; resolves when the first change is made (the clock starts before it). */
  trigger(): Promise<{ readonly coldStart: boolean }>;
  /** Waits for completion (with the switch for blue/green); returns the completing snapshot time. */
  finish(deadline: number): Promise<{ readonly completed: boolean; readonly detail: string; readonly endAt: number }>;
  /** After completion: blue/green keep-warm handling. */
  afterComplete(): Promise<void>;
}

async function mustDeployment(kube: KubeClient, ns: string, name: string): Promise<V1Deployment> {
  const d = await kube.getDeployment(ns, name);
  if (d === null) throw new RunError(`deployment ${ns}/${name} disappeared during the rollback; check who deleted it`);
  return d;
}

function matchLabels(d: V1Deployment, what: string): Record<string, string> {
  const labels = d.spec?.selector.matchLabels;
  if (labels === undefined || Object.keys(labels).length === 0)
    throw new RunError(
      `${what} has no spec.selector.matchLabels, got ${JSON.stringify(d.spec?.selector)}; llm-bench needs label selectors`,
    );
  return labels;
}

// ---- rolling ----------------------------------------------------------------------------------

/** Rolling back a single Deployment: restore the previous ReplicaSet's template, or set a registry version. */
class RollingRollback implements Strategy {
  readonly kind = 'rolling';
  private readonly ns: string;
  private readonly what: string;
  private generation = 0;

  private constructor(
    private readonly r: Run,
    private readonly selector: string,
    private readonly template: V1PodTemplateSpec,
    readonly from: string,
    readonly to: string,
  ) {
    this.ns = r.s.namespace;
    this.what = `deployment ${this.ns}/${r.variant}`;
  }

  /** Works out the template to roll to; throws when there is none, or it is what already runs. */
  static async plan(r: Run, d0: V1Deployment): Promise<RollingRollback> {
    const { kube, s, variant } = r;
    const what = `deployment ${s.namespace}/${variant}`;
    const selector = labelSelector(matchLabels(d0, what));
    const currentRev = revisionOf(d0);
    const current0 = d0.spec?.template;
    const owned0 = replicaSetsOf(d0, await kube.listReplicaSets(s.namespace, selector));
    let template: V1PodTemplateSpec;
    let to: string;
    if (r.to.kind === 'previous') {
      const prev = previousReplicaSet(d0, owned0);
      if (prev === undefined) {
        const revs = owned0.map(revisionOf).filter((x) => x !== null);
        throw new RunError(
          `${what} has no revision before ${currentRev ?? '(none)'}, got ReplicaSet revisions ${revs.join(', ') || 'none'}; roll out a second version first, or keep more with revisionHistoryLimit`,
        );
      }
      template = deploymentTemplateOf(prev);
      to = `revision ${revisionOf(prev)} (${describeTemplate(template, what)})`;
    } else {
      template = withModelUri(current0 ?? {}, r.to.uri, what);
      to = `registry version ${r.to.version} (${describeTemplate(template, what)})`;
    }
    if (sameJson(template, current0))
      throw new RunError(`${what} already runs ${to}, got nothing to roll back; roll out another version first`);
    return new RollingRollback(r, selector, template, `revision ${currentRev ?? '?'} (${describeTemplate(current0, what)})`, to);
  }

  readonly observe = async (afterTrigger: boolean): Promise<Snapshot> => {
    const { kube, variant } = this.r;
    const d = await mustDeployment(kube, this.ns, variant);
    const [rsList, pods] = await Promise.all([kube.listReplicaSets(this.ns, this.selector), kube.listPods(this.ns, this.selector)]);
    const owned = replicaSetsOf(d, rsList);
    const caughtUp = afterTrigger && (d.status?.observedGeneration ?? 0) >= Math.max(this.generation, d.metadata?.generation ?? 0);
    const newHash = caughtUp ? currentReplicaSet(d, owned)?.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] : undefined;
    const isNew = (p: V1Pod) => newHash !== undefined && p.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] === newHash;
    const status = rolloutStatus(d, pods, newHash);
    const desired = d.spec?.replicas ?? 1;
    return this.r.seen({
      serving: null,
      new: side(afterTrigger ? desired : 0, pods.filter(isNew)),
      old: side(
        afterTrigger ? 0 : desired,
        pods.filter((p) => !isNew(p)),
      ),
      endpoints: null,
      status,
      complete: afterTrigger && status.complete,
      detail: status.detail,
    });
  };

  async trigger(): Promise<{ readonly coldStart: boolean }> {
    const { kube, variant } = this.r;
    const d = await mustDeployment(kube, this.ns, variant);
    if (sameJson(this.template, d.spec?.template))
      throw new RunError(`${this.what} changed during the warm-up and already runs ${this.to}; nothing to roll back`);
    const patched = await kube.patchDeployment(this.ns, variant, [
      // Fails the patch (422) if anyone changed the Deployment since it was read.
      { op: 'test', path: '/metadata/resourceVersion', value: d.metadata?.resourceVersion },
      { op: 'replace', path: '/spec/template', value: this.template },
    ]);
    this.generation = patched.metadata?.generation ?? 0;
    this.r.event(`patched ${this.what} pod template: ${this.from} → ${this.to}`);
    this.r.note(
      'a rolling rollback starts new pods: its duration includes their cold start (minutes on a T4); use rolloutStrategy BlueGreen for rollbacks under a minute',
    );
    this.r.note(
      `${this.what} now runs ${this.to}; the next pulumi up or GitOps sync re-applies the configured version, so pin this one in the config`,
    );
    return { coldStart: true };
  }

  async finish(deadline: number): Promise<{ readonly completed: boolean; readonly detail: string; readonly endAt: number }> {
    const s = this.r.s;
    const res = await pollUntil(
      () => this.observe(true),
      (x) => x.complete || x.status.stalled !== undefined,
      {
        pollMs: s.pollMs,
        timeoutMs: deadline - performance.now(),
        ...(this.r.signal !== undefined && { signal: this.r.signal }),
        what: 'the rollback',
      },
    );
    const detail =
      res.value.status.stalled ?? (res.timedOut ? `not complete after ${s.timeoutSec} s: ${res.value.detail}` : res.value.detail);
    if (res.value.complete)
      this.r.event(`${this.what} rolled out: ${res.value.new.ready}/${res.value.new.desired} new pods ready, no old pod left`);
    return { completed: res.value.complete, detail, endAt: performance.now() };
  }

  async afterComplete(): Promise<void> {}
}

// ---- blue/green -------------------------------------------------------------------------------

function endpointCounts(
  slices: readonly V1EndpointSlice[],
  trackOf: ReadonlyMap<string, string | undefined>,
  target: Track,
  active: Track,
): { new: number; old: number } {
  let n = 0;
  let o = 0;
  for (const slice of slices) {
    for (const ep of slice.endpoints) {
      // The API says a missing `ready` means ready.
      if (ep.conditions?.ready === false) continue;
      const track = ep.targetRef?.name === undefined ? undefined : trackOf.get(ep.targetRef.name);
      if (track === target) n++;
      // An endpoint of an unknown pod counts as old: complete must mean certainly switched.
      else if (track === active || track === undefined) o++;
    }
  }
  return { new: n, old: o };
}

/**
 * Rolling back a blue/green pair: prepare the standby track (scale up a parked one, set a
 * registry version), wait until it is ready, switch the Service's selector to it, and wait until
 * only its endpoints serve. The ScaledObject follows the switch; the old track stays warm or is
 * parked after `keepWarmSec`.
 */
class BlueGreenRollback implements Strategy {
  readonly kind = 'blue-green';
  readonly from: string;
  readonly to: string;
  private readonly ns: string;
  private readonly target: Track;
  private readonly podSelector: string;
  private readonly targetSelector: string;
  private switched = false;
  private switchAt = 0;

  constructor(
    private readonly r: Run,
    svc: V1Service,
    private readonly active: Track,
    private readonly activeDep: V1Deployment,
    targetDep0: V1Deployment,
  ) {
    this.ns = r.s.namespace;
    this.target = otherTrack(active);
    const { [TRACK_LABEL]: _track, ...variantLabels } = svc.spec?.selector ?? {};
    this.podSelector = labelSelector(variantLabels);
    this.targetSelector = labelSelector(matchLabels(targetDep0, this.what(this.target)));
    this.from = `track ${active} (${describeTemplate(activeDep.spec?.template, this.what(active))})`;
    const targetTemplate =
      r.to.kind === 'registry'
        ? withModelUri(targetDep0.spec?.template ?? {}, r.to.uri, this.what(this.target))
        : targetDep0.spec?.template;
    this.to = `track ${this.target} (${describeTemplate(targetTemplate, this.what(this.target))})`;
  }

  /** The pair behind a Service that selects one track; throws when the Service selects none. */
  static plan(r: Run, svc: V1Service, tracks: Record<Track, V1Deployment>): BlueGreenRollback {
    const serving = svc.spec?.selector?.[TRACK_LABEL];
    if (serving !== 'blue' && serving !== 'green') {
      throw new RunError(
        `service ${r.s.namespace}/${r.variant} selects no blue/green track, got selector ${JSON.stringify(svc.spec?.selector ?? {})}; is the variant deployed with rolloutStrategy BlueGreen?`,
      );
    }
    return new BlueGreenRollback(r, svc, serving, tracks[serving], tracks[otherTrack(serving)]);
  }

  private name(t: Track): string {
    return `${this.r.variant}-${t}`;
  }

  private what(t: Track): string {
    return `deployment ${this.r.s.namespace}/${this.name(t)}`;
  }

  readonly observe = async (afterTrigger: boolean): Promise<Snapshot> => {
    const { kube, variant } = this.r;
    const { ns, target, active } = this;
    const [service, targetDep, activeNow, pods, rsList, slices] = await Promise.all([
      kube.getService(ns, variant),
      mustDeployment(kube, ns, this.name(target)),
      mustDeployment(kube, ns, this.name(active)),
      kube.listPods(ns, this.podSelector),
      kube.listReplicaSets(ns, this.targetSelector),
      kube.listEndpointSlices(ns, variant),
    ]);
    if (service === null) throw new RunError(`service ${ns}/${variant} disappeared during the rollback; check who deleted it`);
    const trackOf = new Map(pods.map((p) => [p.metadata?.name ?? '', p.metadata?.labels?.[TRACK_LABEL]]));
    const targetPods = pods.filter((p) => p.metadata?.labels?.[TRACK_LABEL] === target);
    const activePods = pods.filter((p) => p.metadata?.labels?.[TRACK_LABEL] === active);
    const caughtUp = (targetDep.status?.observedGeneration ?? 0) >= (targetDep.metadata?.generation ?? 0);
    const newHash = caughtUp
      ? currentReplicaSet(targetDep, replicaSetsOf(targetDep, rsList))?.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL]
      : undefined;
    const status = rolloutStatus(targetDep, targetPods, newHash);
    const endpoints = endpointCounts(slices, trackOf, target, active);
    const selected = service.spec?.selector?.[TRACK_LABEL] ?? null;
    let detail = status.detail;
    if (status.complete) {
      if (selected !== target) detail = `service ${variant} still selects track ${selected ?? 'none'}`;
      else if (endpoints.old > 0) detail = `${endpoints.old} endpoints of track ${active} still in service ${variant}`;
      else if (endpoints.new < status.desired) detail = `${endpoints.new} of ${status.desired} endpoints of track ${target} ready`;
    }
    return this.r.seen({
      serving: selected,
      new: side(targetDep.spec?.replicas ?? 1, targetPods),
      old: side(activeNow.spec?.replicas ?? 1, activePods),
      endpoints,
      status,
      complete:
        afterTrigger && this.switched && status.complete && selected === target && endpoints.old === 0 && endpoints.new >= status.desired,
      detail,
    });
  };

  private waitFor(cond: (x: Snapshot) => boolean, deadline: number) {
    return pollUntil(
      () => this.observe(true),
      (x) => cond(x) || x.status.stalled !== undefined,
      {
        pollMs: this.r.s.pollMs,
        timeoutMs: deadline - performance.now(),
        ...(this.r.signal !== undefined && { signal: this.r.signal }),
        what: 'the rollback',
      },
    );
  }

  /** Prepares the standby (a registry version, replicas for a parked track); a warm one is switched to at once. */
  async trigger(): Promise<{ readonly coldStart: boolean }> {
    const { kube } = this.r;
    const fresh = await mustDeployment(kube, this.ns, this.name(this.target));
    const { ops, templateChanged, coldStart } = this.standbyPatch(fresh);
    if (ops.length === 0) {
      // Nothing to prepare: the standby is warm, so the switch is the first change.
      await this.switchService();
      return { coldStart };
    }
    await kube.patchDeployment(this.ns, this.name(this.target), [
      { op: 'test', path: '/metadata/resourceVersion', value: fresh.metadata?.resourceVersion },
      ...ops,
    ]);
    if (templateChanged && this.r.to.kind === 'registry') {
      this.r.event(`set ${this.what(this.target)} to registry version ${this.r.to.version} (${this.r.to.uri})`);
      this.r.note(
        `track ${this.target} restarts on registry version ${this.r.to.version} before the switch: the duration includes its cold start`,
      );
    }
    return { coldStart };
  }

  /** What the standby track needs before it can take the traffic, with the notes it deserves. */
  private standbyPatch(fresh: V1Deployment): { ops: JsonPatchOp[]; templateChanged: boolean; coldStart: boolean } {
    const { target } = this;
    const ops: JsonPatchOp[] = [];
    let templateChanged = false;
    if (this.r.to.kind === 'registry') {
      const next = withModelUri(fresh.spec?.template ?? {}, this.r.to.uri, this.what(target));
      if (!sameJson(next, fresh.spec?.template)) {
        ops.push({ op: 'replace', path: '/spec/template', value: next });
        templateChanged = true;
      }
    }
    const replicas = fresh.spec?.replicas ?? 1;
    const activeReady = this.activeDep.status?.readyReplicas ?? 0;
    if (replicas > 0 && replicas < activeReady) {
      this.r.note(
        `track ${target} takes the traffic of ${activeReady} pods with ${replicas}: capacity drops until the autoscaler adds replicas to it; raise standbyReplicas to keep it`,
      );
    }
    if (replicas === 0) {
      const scaleTo = Math.max(1, this.activeDep.spec?.replicas ?? 1);
      ops.push({ op: 'replace', path: '/spec/replicas', value: scaleTo });
      this.r.event(`scaling parked track ${target} from 0 to ${scaleTo} replicas`);
      this.r.note(
        `track ${target} was parked (standbyReplicas 0): the duration includes a cold start of ${scaleTo} pods; keep standbyReplicas ≥ 1 for a rollback in seconds`,
      );
    }
    return { ops, templateChanged, coldStart: templateChanged || replicas === 0 };
  }

  /** Waits for the standby, switches to it, and waits until only its endpoints serve. */
  async finish(deadline: number): Promise<{ readonly completed: boolean; readonly detail: string; readonly endAt: number }> {
    const { target } = this;
    if (!this.switched) {
      const ready = await this.waitFor((x) => x.status.complete, deadline);
      if (!ready.value.status.complete) {
        const detail =
          ready.value.status.stalled ?? `track ${target} not ready after ${this.r.s.timeoutSec} s: ${ready.value.status.detail}`;
        return { completed: false, detail, endAt: performance.now() };
      }
      this.r.event(`track ${target} ready: ${ready.value.new.ready}/${ready.value.new.desired} pods`);
      await this.switchService();
    }
    const res = await this.waitFor((x) => x.complete, deadline);
    if (res.value.complete)
      this.r.event(`service ${this.r.variant} serves only track ${target}: ${res.value.endpoints?.new ?? 0} ready endpoints`);
    const detail = res.value.complete
      ? 'complete'
      : (res.value.status.stalled ?? `not complete after ${this.r.s.timeoutSec} s: ${res.value.detail}`);
    return { completed: res.value.complete, detail, endAt: performance.now() };
  }

  /** Keeps the old track warm as the new standby, or parks it after `keepWarmSec`. */
  async afterComplete(): Promise<void> {
    const { r, active, target } = this;
    const s = r.s;
    r.note(
      `service ${r.variant} now selects track ${target}; set models.<id>.blueGreen.activeTrack: ${target} in Pulumi.<env>.yaml (or the GitOps source), or the next deploy switches back`,
    );
    if (s.keepWarmSec === undefined) {
      r.note(`track ${active} keeps its pods warm as the new standby; pass --keep-warm-sec N to scale it to 0 after N seconds`);
      return;
    }
    const wait = this.switchAt + s.keepWarmSec * 1000 - performance.now();
    if (wait > 0)
      await pollUntil(
        () => this.observe(true),
        () => false,
        { pollMs: s.pollMs, timeoutMs: wait, ...(r.signal !== undefined && { signal: r.signal }), what: 'the keep-warm wait' },
      );
    await r.kube.patchDeployment(this.ns, this.name(active), [{ op: 'replace', path: '/spec/replicas', value: 0 }]);
    r.event(`scaled old track ${active} to 0 after ${s.keepWarmSec} s warm`);
    r.note(`track ${active} is parked (0 replicas): rolling back again is a cold start until it is scaled up`);
  }

  /** Moves the Service's selector to the target track, then the ScaledObject. */
  private async switchService(): Promise<void> {
    const { r, ns, active, target } = this;
    const selectorPath = `/spec/selector/${pointer(TRACK_LABEL)}`;
    await r.kube.patchService(ns, r.variant, [
      // Fails the patch (422) if someone switched the Service since it was read.
      { op: 'test', path: selectorPath, value: active },
      { op: 'replace', path: selectorPath, value: target },
    ]);
    this.switched = true;
    this.switchAt = performance.now();
    r.event(`switched service ${ns}/${r.variant} from track ${active} to ${target}`);
    if (r.s.retargetScaler) await this.retargetScaler();
  }

  /** Points the variant's ScaledObject at the new track when it scaled the old one. */
  private async retargetScaler(): Promise<void> {
    const { r, ns, active, target } = this;
    const so = await r.kube.getScaledObject(ns, r.variant);
    const ref = so?.spec?.scaleTargetRef?.name;
    if (so === null) return;
    if (ref === this.name(active)) {
      await r.kube.patchScaledObject(ns, r.variant, [
        { op: 'test', path: '/spec/scaleTargetRef/name', value: this.name(active) },
        { op: 'replace', path: '/spec/scaleTargetRef/name', value: this.name(target) },
      ]);
      r.event(`pointed scaledobject ${ns}/${r.variant} at ${this.name(target)} (it scaled ${this.name(active)})`);
      r.note(`KEDA now scales track ${target}; track ${active} keeps the replicas it had when the ScaledObject let go of it`);
    } else if (ref !== this.name(target)) {
      r.note(`scaledobject ${ns}/${r.variant} scales ${ref ?? 'nothing'}, not a track of ${r.variant}; left unchanged`);
    }
  }
}

/** Picks the strategy from what exists in the namespace. */
async function discover(r: Run, choice: RolloutStrategyChoice): Promise<Strategy> {
  const { kube, s, variant } = r;
  const ns = s.namespace;
  const single = choice === 'blue-green' ? null : await kube.getDeployment(ns, variant);
  if (single !== null) return RollingRollback.plan(r, single);
  const [svc, blue, green] = await Promise.all([
    kube.getService(ns, variant),
    ...TRACKS.map((t) => kube.getDeployment(ns, `${variant}-${t}`)),
  ]);
  if (choice === 'rolling' || blue === null || green === null) {
    const found = [blue === null ? null : `${variant}-blue`, green === null ? null : `${variant}-green`].filter((x) => x !== null);
    throw new RunError(
      choice === 'rolling'
        ? `deployment ${ns}/${variant} not found; check --namespace and --variant`
        : `variant ${variant} has no deployment ${ns}/${variant} and no blue/green pair ${variant}-blue and ${variant}-green, got ${found.join(', ') || 'neither'}; check --namespace and --variant`,
    );
  }
  if (svc === null)
    throw new RunError(`service ${ns}/${variant} not found, got the blue/green deployments without it; check the variant's Service`);
  return BlueGreenRollback.plan(r, svc, { blue: blue!, green: green! });
}

/** What a rollback run found: how long it took, whether it completed, and why not. */
interface Outcome {
  durationSec: number | null;
  completed: boolean;
  detail: string;
  coldStart: boolean;
}

/**
 * Runs the rollback check: discovers the strategy, starts the load, waits `beforeSec`, triggers
 * the rollback, waits until complete (or `timeoutSec`), keeps the load `afterSec` longer, and
 * gates on the duration and failed requests.
 *
 * Throws UsageError (bad options) or RunError (the API refused, the variant is missing, there is
 * nothing to roll back to, the load could not start); once the cluster was changed, problems end
 * up in the result instead (`completed: false`, `aborted`).
 */
export async function runRollback(o: RollbackOptions): Promise<RollbackResult> {
  const s = resolveRollbackSettings(o);
  const startedAt = new Date();
  const log = new CheckLog(o.onEvent);
  let last: Snapshot | undefined;
  const run: Run = {
    kube: o.kube,
    s,
    variant: o.variant,
    to: o.to,
    signal: o.signal,
    event: (message) => log.event(message),
    note: (message) => log.note(message),
    seen(snapshot) {
      // Only once the load runs: the timeline starts with it.
      if (last !== undefined) last = snapshot;
      return snapshot;
    },
  };
  const strategy = await discover(run, o.strategy ?? 'auto');
  const load = await BackgroundLoad.start(o.load);
  log.restart();
  log.event(`steady load on ${o.load.baseUrl} (${o.load.model}); rolling back ${strategy.kind} ${strategy.from} → ${strategy.to}`);
  last = await strategy.observe(false);
  const state: { phase: RollbackSample['phase'] } = { phase: 'before' };
  const outcome: Outcome = { durationSec: null, completed: false, detail: 'not started', coldStart: false };
  const timeline: RollbackSample[] = [];
  const loadRun = await underLoad(
    load,
    s.sampleMs,
    () => timeline.push(sample(log.elapsed(), state.phase, last!, load.meter.take())),
    () => rollBack(strategy, s, o.signal, state, outcome),
  );
  if (loadRun.interrupted !== undefined && !outcome.completed) outcome.detail = 'interrupted';
  const requests = requestCounts(load);
  const aborted = abortReason(loadRun);
  return {
    ...envelope('rollback', startedAt),
    namespace: s.namespace,
    variant: o.variant,
    strategy: strategy.kind,
    from: strategy.from,
    to: strategy.to,
    ...(o.to.kind === 'registry' && { registryVersion: o.to.version }),
    coldStart: outcome.coldStart,
    durationSec: outcome.durationSec,
    completed: outcome.completed,
    detail: outcome.detail,
    gates: [gate('durationSec', '<=', s.limitSec, outcome.durationSec), gate('failedRequests', '<=', s.maxFailedRequests, requests.failed)],
    requests,
    events: log.events,
    notes: log.notes,
    timeline,
    load: loadRun.results[0] ?? null,
    ...(aborted !== undefined && { aborted: { reason: aborted } }),
  };
}

/** Steady load, the trigger, the wait for completion, and steady load after: the phases of the timeline. */
async function rollBack(
  strategy: Strategy,
  s: Settings,
  signal: AbortSignal | undefined,
  state: { phase: RollbackSample['phase'] },
  outcome: Outcome,
): Promise<void> {
  const hold = async (sec: number, afterTrigger: boolean) => {
    if (sec > 0) {
      await pollUntil(
        () => strategy.observe(afterTrigger),
        () => false,
        { pollMs: s.pollMs, timeoutMs: sec * 1000, ...(signal !== undefined && { signal }), what: 'the rollback check' },
      );
    }
  };
  await hold(s.beforeSec, false);
  state.phase = 'rolling';
  const triggerAt = performance.now();
  ({ coldStart: outcome.coldStart } = await strategy.trigger());
  const end = await strategy.finish(triggerAt + s.timeoutSec * 1000);
  outcome.completed = end.completed;
  outcome.detail = end.detail;
  if (end.completed) outcome.durationSec = round((end.endAt - triggerAt) / 1000);
  state.phase = 'after';
  if (end.completed) await strategy.afterComplete();
  await hold(s.afterSec, true);
}

function sample(t: number, phase: RollbackSample['phase'], snap: Snapshot, traffic: TrafficSample): RollbackSample {
  return {
    t,
    phase,
    serving: snap.serving,
    new: snap.new,
    old: snap.old,
    endpoints: snap.endpoints,
    completed: traffic.completed,
    failed: traffic.failed,
    errors: { ...traffic.errors },
    ttftP50Ms: traffic.ttftP50Ms,
    ttftP95Ms: traffic.ttftP95Ms,
    e2eP95Ms: traffic.e2eP95Ms,
  };
}
