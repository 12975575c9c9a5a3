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
import { type CheckEvent, envelope, type ThresholdResult } from '../result';
import { type JsonPatchOp, type KubeClient, labelSelector, pointer } from '../kube/client';
import { otherTrack, POD_TEMPLATE_HASH_LABEL, TRACK_LABEL, TRACKS, type Track, VLLM_CONTAINER } from '../kube/layout';
import { Interrupted, pollUntil } from '../kube/poll';
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
  if (!Number.isInteger(s.maxFailedRequests) || s.maxFailedRequests < 0) problems.push(`--max-failed-requests must be a whole number ≥ 0, got ${s.maxFailedRequests}; pass e.g. --max-failed-requests 0`);
  if (s.keepWarmSec !== undefined) nonNegative('--keep-warm-sec', s.keepWarmSec, '300');
  if (s.timeoutSec < s.limitSec && problems.length === 0) problems.push(`--timeout-sec ${s.timeoutSec} is below --limit-sec ${s.limitSec}, so a slow rollback would never be measured; raise --timeout-sec`);
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s.namespace)) problems.push(`--namespace must be a Kubernetes name, got ${JSON.stringify(s.namespace)}; pass e.g. --namespace llm-baseline`);
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
  if (labels === undefined || Object.keys(labels).length === 0) throw new RunError(`${what} has no spec.selector.matchLabels, got ${JSON.stringify(d.spec?.selector)}; llm-bench needs label selectors`);
  return labels;
}

// ---- rolling ----------------------------------------------------------------------------------

async function rollingStrategy(r: Run, d0: V1Deployment): Promise<Strategy> {
  const { kube, s, variant } = r;
  const ns = s.namespace;
  const what = `deployment ${ns}/${variant}`;
  const selector = labelSelector(matchLabels(d0, what));
  const owned0 = replicaSetsOf(d0, await kube.listReplicaSets(ns, selector));
  const currentRev = revisionOf(d0);
  const current0 = d0.spec?.template;
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
  if (sameJson(template, current0)) {
    throw new RunError(`${what} already runs ${to}, got nothing to roll back; roll out another version first`);
  }
  const from = `revision ${currentRev ?? '?'} (${describeTemplate(current0, what)})`;
  let generation = 0;

  const observe = async (afterTrigger: boolean): Promise<Snapshot> => {
    const d = await mustDeployment(kube, ns, variant);
    const [rsList, pods] = await Promise.all([kube.listReplicaSets(ns, selector), kube.listPods(ns, selector)]);
    const owned = replicaSetsOf(d, rsList);
    const caughtUp = afterTrigger && (d.status?.observedGeneration ?? 0) >= Math.max(generation, d.metadata?.generation ?? 0);
    const newHash = caughtUp ? currentReplicaSet(d, owned)?.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] : undefined;
    const isNew = (p: V1Pod) => newHash !== undefined && p.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] === newHash;
    const status = rolloutStatus(d, pods, newHash);
    const desired = d.spec?.replicas ?? 1;
    return r.seen({
      serving: null,
      new: side(afterTrigger ? desired : 0, pods.filter(isNew)),
      old: side(afterTrigger ? 0 : desired, pods.filter((p) => !isNew(p))),
      endpoints: null,
      status,
      complete: afterTrigger && status.complete,
      detail: status.detail,
    });
  };

  return {
    kind: 'rolling',
    from,
    to,
    observe,
    async trigger() {
      const d = await mustDeployment(kube, ns, variant);
      if (sameJson(template, d.spec?.template)) throw new RunError(`${what} changed during the warm-up and already runs ${to}; nothing to roll back`);
      const ops: JsonPatchOp[] = [
        // Fails the patch (422) if anyone changed the Deployment since it was read.
        { op: 'test', path: '/metadata/resourceVersion', value: d.metadata?.resourceVersion },
        { op: 'replace', path: '/spec/template', value: template },
      ];
      const patched = await kube.patchDeployment(ns, variant, ops);
      generation = patched.metadata?.generation ?? 0;
      r.event(`patched ${what} pod template: ${from} → ${to}`);
      r.note('a rolling rollback starts new pods: its duration includes their cold start (minutes on a T4); use rolloutStrategy BlueGreen for rollbacks under a minute');
      r.note(`${what} now runs ${to}; the next pulumi up or GitOps sync re-applies the configured version, so pin this one in the config`);
      return { coldStart: true };
    },
    async finish(deadline) {
      const res = await pollUntil(() => observe(true), (x) => x.complete || x.status.stalled !== undefined, {
        pollMs: s.pollMs,
        timeoutMs: deadline - performance.now(),
        ...(r.signal !== undefined && { signal: r.signal }),
        what: 'the rollback',
      });
      const detail = res.value.status.stalled ?? (res.timedOut ? `not complete after ${s.timeoutSec} s: ${res.value.detail}` : res.value.detail);
      if (res.value.complete) r.event(`${what} rolled out: ${res.value.new.ready}/${res.value.new.desired} new pods ready, no old pod left`);
      return { completed: res.value.complete, detail, endAt: performance.now() };
    },
    async afterComplete() {},
  };
}

// ---- blue/green -------------------------------------------------------------------------------

function endpointCounts(slices: readonly V1EndpointSlice[], trackOf: ReadonlyMap<string, string | undefined>, target: Track, active: Track): { new: number; old: number } {
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

async function blueGreenStrategy(r: Run, svc: V1Service, tracks: Record<Track, V1Deployment>): Promise<Strategy> {
  const { kube, s, variant } = r;
  const ns = s.namespace;
  const selectorPath = `/spec/selector/${pointer(TRACK_LABEL)}`;
  const serving = svc.spec?.selector?.[TRACK_LABEL];
  if (serving !== 'blue' && serving !== 'green') {
    throw new RunError(`service ${ns}/${variant} selects no blue/green track, got selector ${JSON.stringify(svc.spec?.selector ?? {})}; is the variant deployed with rolloutStrategy BlueGreen?`);
  }
  const active: Track = serving;
  const target = otherTrack(active);
  const name = (t: Track) => `${variant}-${t}`;
  const { [TRACK_LABEL]: _track, ...variantLabels } = svc.spec?.selector ?? {};
  const podSelector = labelSelector(variantLabels);
  const activeDep = tracks[active];
  const targetDep0 = tracks[target];
  const what = (t: Track) => `deployment ${ns}/${name(t)}`;
  const targetSelector = labelSelector(matchLabels(targetDep0, what(target)));
  const from = `track ${active} (${describeTemplate(activeDep.spec?.template, what(active))})`;
  let targetTemplate = targetDep0.spec?.template;
  if (r.to.kind === 'registry') targetTemplate = withModelUri(targetDep0.spec?.template ?? {}, r.to.uri, what(target));
  const to = `track ${target} (${describeTemplate(targetTemplate, what(target))})`;
  let switched = false;
  let switchAt = 0;

  const observe = async (afterTrigger: boolean): Promise<Snapshot> => {
    const [service, targetDep, activeNow, pods, rsList, slices] = await Promise.all([
      kube.getService(ns, variant),
      mustDeployment(kube, ns, name(target)),
      mustDeployment(kube, ns, name(active)),
      kube.listPods(ns, podSelector),
      kube.listReplicaSets(ns, targetSelector),
      kube.listEndpointSlices(ns, variant),
    ]);
    if (service === null) throw new RunError(`service ${ns}/${variant} disappeared during the rollback; check who deleted it`);
    const trackOf = new Map(pods.map((p) => [p.metadata?.name ?? '', p.metadata?.labels?.[TRACK_LABEL]]));
    const targetPods = pods.filter((p) => p.metadata?.labels?.[TRACK_LABEL] === target);
    const activePods = pods.filter((p) => p.metadata?.labels?.[TRACK_LABEL] === active);
    const caughtUp = (targetDep.status?.observedGeneration ?? 0) >= (targetDep.metadata?.generation ?? 0);
    const newHash = caughtUp ? currentReplicaSet(targetDep, replicaSetsOf(targetDep, rsList))?.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] : undefined;
    const status = rolloutStatus(targetDep, targetPods, newHash);
    const endpoints = endpointCounts(slices, trackOf, target, active);
    const selected = service.spec?.selector?.[TRACK_LABEL] ?? null;
    let detail = status.detail;
    if (status.complete) {
      if (selected !== target) detail = `service ${variant} still selects track ${selected ?? 'none'}`;
      else if (endpoints.old > 0) detail = `${endpoints.old} endpoints of track ${active} still in service ${variant}`;
      else if (endpoints.new < status.desired) detail = `${endpoints.new} of ${status.desired} endpoints of track ${target} ready`;
    }
    return r.seen({
      serving: selected,
      new: side(targetDep.spec?.replicas ?? 1, targetPods),
      old: side(activeNow.spec?.replicas ?? 1, activePods),
      endpoints,
      status,
      complete: afterTrigger && switched && status.complete && selected === target && endpoints.old === 0 && endpoints.new >= status.desired,
      detail,
    });
  };

  const waitFor = async (cond: (x: Snapshot) => boolean, deadline: number) =>
    pollUntil(() => observe(true), (x) => cond(x) || x.status.stalled !== undefined, {
      pollMs: s.pollMs,
      timeoutMs: deadline - performance.now(),
      ...(r.signal !== undefined && { signal: r.signal }),
      what: 'the rollback',
    });

  let templateChanged = false;
  return {
    kind: 'blue-green',
    from,
    to,
    observe,
    async trigger() {
      const fresh = await mustDeployment(kube, ns, name(target));
      const ops: JsonPatchOp[] = [];
      let coldStart = false;
      if (r.to.kind === 'registry') {
        const next = withModelUri(fresh.spec?.template ?? {}, r.to.uri, what(target));
        if (!sameJson(next, fresh.spec?.template)) {
          ops.push({ op: 'replace', path: '/spec/template', value: next });
          templateChanged = true;
          coldStart = true;
        }
      }
      const replicas = fresh.spec?.replicas ?? 1;
      const activeReady = activeDep.status?.readyReplicas ?? 0;
      if (replicas > 0 && replicas < activeReady) {
        r.note(`track ${target} takes the traffic of ${activeReady} pods with ${replicas}: capacity drops until the autoscaler adds replicas to it; raise standbyReplicas to keep it`);
      }
      if (replicas === 0) {
        const scaleTo = Math.max(1, activeDep.spec?.replicas ?? 1);
        ops.push({ op: 'replace', path: '/spec/replicas', value: scaleTo });
        coldStart = true;
        r.event(`scaling parked track ${target} from 0 to ${scaleTo} replicas`);
        r.note(`track ${target} was parked (standbyReplicas 0): the duration includes a cold start of ${scaleTo} pods; keep standbyReplicas ≥ 1 for a rollback in seconds`);
      }
      if (ops.length > 0) {
        await kube.patchDeployment(ns, name(target), [{ op: 'test', path: '/metadata/resourceVersion', value: fresh.metadata?.resourceVersion }, ...ops]);
        if (templateChanged && r.to.kind === 'registry') {
          r.event(`set ${what(target)} to registry version ${r.to.version} (${r.to.uri})`);
          r.note(`track ${target} restarts on registry version ${r.to.version} before the switch: the duration includes its cold start`);
        }
      } else {
        // Nothing to prepare: the standby is warm, so the switch is the first change.
        await switchService();
      }
      return { coldStart };
    },
    async finish(deadline) {
      if (!switched) {
        const ready = await waitFor((x) => x.status.complete, deadline);
        if (!ready.value.status.complete) {
          const detail = ready.value.status.stalled ?? `track ${target} not ready after ${s.timeoutSec} s: ${ready.value.status.detail}`;
          return { completed: false, detail, endAt: performance.now() };
        }
        r.event(`track ${target} ready: ${ready.value.new.ready}/${ready.value.new.desired} pods`);
        await switchService();
      }
      const res = await waitFor((x) => x.complete, deadline);
      if (res.value.complete) r.event(`service ${variant} serves only track ${target}: ${res.value.endpoints?.new ?? 0} ready endpoints`);
      const detail = res.value.complete ? 'complete' : (res.value.status.stalled ?? `not complete after ${s.timeoutSec} s: ${res.value.detail}`);
      return { completed: res.value.complete, detail, endAt: performance.now() };
    },
    async afterComplete() {
      r.note(`service ${variant} now selects track ${target}; set models.<id>.blueGreen.activeTrack: ${target} in Pulumi.<env>.yaml (or the GitOps source), or the next deploy switches back`);
      if (s.keepWarmSec === undefined) {
        r.note(`track ${active} keeps its pods warm as the new standby; pass --keep-warm-sec N to scale it to 0 after N seconds`);
        return;
      }
      const wait = switchAt + s.keepWarmSec * 1000 - performance.now();
      if (wait > 0) await pollUntil(() => observe(true), () => false, { pollMs: s.pollMs, timeoutMs: wait, ...(r.signal !== undefined && { signal: r.signal }), what: 'the keep-warm wait' });
      await kube.patchDeployment(ns, name(active), [{ op: 'replace', path: '/spec/replicas', value: 0 }]);
      r.event(`scaled old track ${active} to 0 after ${s.keepWarmSec} s warm`);
      r.note(`track ${active} is parked (0 replicas): rolling back again is a cold start until it is scaled up`);
    },
  };

  async function switchService(): Promise<void> {
    await kube.patchService(ns, variant, [
      // Fails the patch (422) if someone switched the Service since it was read.
      { op: 'test', path: selectorPath, value: active },
      { op: 'replace', path: selectorPath, value: target },
    ]);
    switched = true;
    switchAt = performance.now();
    r.event(`switched service ${ns}/${variant} from track ${active} to ${target}`);
    if (!s.retargetScaler) return;
    const so = await kube.getScaledObject(ns, variant);
    const ref = so?.spec?.scaleTargetRef?.name;
    if (so === null) return;
    if (ref === name(active)) {
      await kube.patchScaledObject(ns, variant, [
        { op: 'test', path: '/spec/scaleTargetRef/name', value: name(active) },
        { op: 'replace', path: '/spec/scaleTargetRef/name', value: name(target) },
      ]);
      r.event(`pointed scaledobject ${ns}/${variant} at ${name(target)} (it scaled ${name(active)})`);
      r.note(`KEDA now scales track ${target}; track ${active} keeps the replicas it had when the ScaledObject let go of it`);
    } else if (ref !== name(target)) {
      r.note(`scaledobject ${ns}/${variant} scales ${ref ?? 'nothing'}, not a track of ${variant}; left unchanged`);
    }
  }
}

/** Picks the strategy from what exists in the namespace. */
async function discover(r: Run, choice: RolloutStrategyChoice): Promise<Strategy> {
  const { kube, s, variant } = r;
  const ns = s.namespace;
  const single = choice === 'blue-green' ? null : await kube.getDeployment(ns, variant);
  if (single !== null) return rollingStrategy(r, single);
  const [svc, blue, green] = await Promise.all([kube.getService(ns, variant), ...TRACKS.map((t) => kube.getDeployment(ns, `${variant}-${t}`))]);
  if (choice === 'rolling' || blue === null || green === null) {
    const found = [blue === null ? null : `${variant}-blue`, green === null ? null : `${variant}-green`].filter((x) => x !== null);
    throw new RunError(
      choice === 'rolling'
        ? `deployment ${ns}/${variant} not found; check --namespace and --variant`
        : `variant ${variant} has no deployment ${ns}/${variant} and no blue/green pair ${variant}-blue and ${variant}-green, got ${found.join(', ') || 'neither'}; check --namespace and --variant`,
    );
  }
  if (svc === null) throw new RunError(`service ${ns}/${variant} not found, got the blue/green deployments without it; check the variant's Service`);
  return blueGreenStrategy(r, svc, { blue: blue!, green: green! });
}

function gate(metric: string, op: '<=' | '<', limit: number, value: number | null): ThresholdResult {
  return { expression: `${metric}${op}${limit}`, metric, op, limit, value, passed: value !== null && (op === '<=' ? value <= limit : value < limit) };
}

const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

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
  const events: CheckEvent[] = [];
  const notes: string[] = [];
  let t0 = performance.now();
  const elapsed = () => round((performance.now() - t0) / 1000);
  let seen: (snap: Snapshot) => void = () => {};
  const run: Run = {
    kube: o.kube,
    s,
    variant: o.variant,
    to: o.to,
    signal: o.signal,
    event(message) {
      const e = { t: elapsed(), message };
      events.push(e);
      o.onEvent?.(e);
    },
    note(message) {
      if (!notes.includes(message)) notes.push(message);
    },
    seen(snapshot) {
      seen(snapshot);
      return snapshot;
    },
  };
  const strategy = await discover(run, o.strategy ?? 'auto');
  const load = await BackgroundLoad.start(o.load);
  t0 = performance.now();
  run.event(`steady load on ${o.load.baseUrl} (${o.load.model}); rolling back ${strategy.kind} ${strategy.from} → ${strategy.to}`);

  let phase: RollbackSample['phase'] = 'before';
  const first = await strategy.observe(false);
  let last: Snapshot = first;
  seen = (snap) => (last = snap);
  const timeline: RollbackSample[] = [];
  const push = () => timeline.push(sample(elapsed(), phase, last, load.meter.take()));
  const sampler = setInterval(push, s.sampleMs);
  const hold = async (sec: number, afterTrigger: boolean) => {
    if (sec > 0) await pollUntil(() => strategy.observe(afterTrigger), () => false, { pollMs: s.pollMs, timeoutMs: sec * 1000, ...(o.signal !== undefined && { signal: o.signal }), what: 'the rollback check' });
  };

  let durationSec: number | null = null;
  let completed = false;
  let detail = 'not started';
  let coldStart = false;
  let aborted: string | undefined;
  try {
    await hold(s.beforeSec, false);
    phase = 'rolling';
    const triggerAt = performance.now();
    ({ coldStart } = await strategy.trigger());
    const end = await strategy.finish(triggerAt + s.timeoutSec * 1000);
    completed = end.completed;
    detail = end.detail;
    if (completed) durationSec = round((end.endAt - triggerAt) / 1000);
    phase = 'after';
    if (completed) await strategy.afterComplete();
    await hold(s.afterSec, true);
  } catch (err) {
    if (!(err instanceof Interrupted)) {
      clearInterval(sampler);
      await load.stop();
      throw err;
    }
    aborted = err.message;
    detail = completed ? detail : 'interrupted';
  } finally {
    clearInterval(sampler);
  }
  push();
  const results = await load.stop();
  const loadResult = results[0] ?? null;
  aborted ??= results.find((x) => x.aborted !== undefined)?.aborted?.reason;
  const totals = load.meter.totals;
  return {
    ...envelope('rollback', startedAt),
    namespace: s.namespace,
    variant: o.variant,
    strategy: strategy.kind,
    from: strategy.from,
    to: strategy.to,
    ...(o.to.kind === 'registry' && { registryVersion: o.to.version }),
    coldStart,
    durationSec,
    completed,
    detail,
    gates: [gate('durationSec', '<=', s.limitSec, durationSec), gate('failedRequests', '<=', s.maxFailedRequests, totals.failed)],
    requests: { succeeded: totals.succeeded, failed: totals.failed, errors: { ...totals.errors }, errorMessages: { ...totals.errorMessages } },
    events,
    notes,
    timeline,
    load: loadResult,
    ...(aborted !== undefined && { aborted: { reason: aborted } }),
  };
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
