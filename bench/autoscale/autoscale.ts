/**
 * Autoscaling validation: step the load up, watch the variant scale out through KEDA (its
 * ScaledObject, the HPA KEDA manages, the Deployment's replicas, Pending pods waiting for GPU
 * nodes, the vLLM queue), then stop the load and watch it scale back in. Gates: ready replicas
 * reach the target within `scaleUpLimitSec` of the load's start, and drop back within
 * `scaleDownLimitSec` of its stop.
 *
 * New replicas need new GPU nodes (Cluster Autoscaler or Karpenter), so the defaults are
 * minutes. The last step keeps running until scale-up is seen or its limit passes, so a short
 * `holdSec` does not end the test before the cluster could answer.
 */
import { performance } from 'node:perf_hooks';
import { RunError, usageErrors } from '../errors';
import { type KubeClient, labelSelector, type ScaledObject } from '../kube/client';
import { kedaHpaName } from '../kube/layout';
import { pollUntil } from '../kube/poll';
import { countPods } from '../kube/state';
import { describeProfile, type LoadProfile } from '../load/schedule';
import { POSTDEPLOY_DEFAULTS } from '../checks/defaults';
import { abortReason, CheckLog, gate, requestCounts, round, underLoad } from '../checks/log';
import { BackgroundLoad, type BackgroundLoadOptions, type TrafficSample } from '../checks/traffic';
import { type CheckEvent, envelope } from '../result';
import { type QueueSource, queueReader } from './queue';
import type { AutoscaleResult, AutoscaleSample } from './result';

export interface AutoscaleOptions {
  readonly kube: KubeClient;
  /** @default POSTDEPLOY_DEFAULTS.namespace */
  readonly namespace?: string;
  /** The variant; its ScaledObject has the same name (constructs/vllm-model.ts). */
  readonly variant: string;
  /** The load without its shape; `steps` give the shapes. */
  readonly load: Omit<BackgroundLoadOptions, 'profile'>;
  /** Load steps from low to high, each held `holdSec`. */
  readonly steps: readonly LoadProfile[];
  /** @default POSTDEPLOY_DEFAULTS.autoscale.holdSec */
  readonly holdSec?: number;
  /** @default POSTDEPLOY_DEFAULTS.autoscale.scaleUpLimitSec */
  readonly scaleUpLimitSec?: number;
  /** @default POSTDEPLOY_DEFAULTS.autoscale.scaleDownLimitSec */
  readonly scaleDownLimitSec?: number;
  /** Ready replicas that count as scaled up. @default - the replicas at the start + 1, at most maxReplicaCount */
  readonly scaleUpTo?: number;
  /** Replicas that count as scaled down. @default - the replicas at the start */
  readonly scaleDownTo?: number;
  /** @default - /metrics of the load's base URL */
  readonly queue?: QueueSource;
  /** @default POSTDEPLOY_DEFAULTS.pollMs */
  readonly pollMs?: number;
  /** @default POSTDEPLOY_DEFAULTS.sampleMs */
  readonly sampleMs?: number;
  readonly signal?: AbortSignal;
  readonly onEvent?: (e: CheckEvent) => void;
}

interface Snapshot {
  readonly desired: number;
  readonly ready: number;
  readonly live: number;
  readonly pending: number;
  readonly terminating: number;
  readonly hpaDesired: number | null;
  readonly hpaMetric: number | null;
  readonly scalerActive: boolean | null;
  readonly queueDepth: number | null;
}

/** The first metric's current value on an HPA (AverageValue, Value or Utilization). */
function hpaMetric(status: { currentMetrics?: unknown } | undefined): number | null {
  const m = (
    status?.currentMetrics as
      | {
          external?: { current?: Record<string, unknown> };
          pods?: { current?: Record<string, unknown> };
          resource?: { current?: Record<string, unknown> };
        }[]
      | undefined
  )?.[0];
  const current = m?.external?.current ?? m?.pods?.current ?? m?.resource?.current;
  const raw = current?.averageValue ?? current?.value ?? current?.averageUtilization;
  if (typeof raw === 'number') return raw;
  return typeof raw === 'string' ? parseQuantity(raw) : null;
}

/** A Kubernetes quantity as a number (`1500m` → 1.5, `2k` → 2000). */
export function parseQuantity(q: string): number | null {
  const m = /^([+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)(m|k|M|G|Ki|Mi|Gi)?$/.exec(q.trim());
  if (!m) return null;
  const scale: Record<string, number> = { m: 1e-3, k: 1e3, M: 1e6, G: 1e9, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };
  return Number(m[1]) * (m[2] === undefined ? 1 : scale[m[2]]!);
}

/** Options after defaults. */
interface Settings {
  readonly namespace: string;
  readonly holdSec: number;
  readonly upLimit: number;
  readonly downLimit: number;
  readonly pollMs: number;
  readonly sampleMs: number;
}

/** What scales and how far: found in the cluster before the load starts. */
interface ScaleTarget {
  readonly deployment: string;
  readonly hpa: string;
  readonly selector: string;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly initial: number;
  readonly scaleUpTo: number;
  readonly scaleDownTo: number;
}

/** Applies defaults and checks ranges; throws one UsageError naming every bad option. */
function resolveSettings(o: AutoscaleOptions): Settings {
  const d = POSTDEPLOY_DEFAULTS;
  const s: Settings = {
    namespace: o.namespace ?? d.namespace,
    holdSec: o.holdSec ?? d.autoscale.holdSec,
    upLimit: o.scaleUpLimitSec ?? d.autoscale.scaleUpLimitSec,
    downLimit: o.scaleDownLimitSec ?? d.autoscale.scaleDownLimitSec,
    pollMs: o.pollMs ?? d.pollMs,
    sampleMs: o.sampleMs ?? d.sampleMs,
  };
  const problems: string[] = [];
  if (o.steps.length === 0) problems.push('autoscale needs at least one load step, got none; pass e.g. --concurrency 4,16,32');
  for (const [flag, v] of [
    ['--hold-sec', s.holdSec],
    ['--scale-up-limit-sec', s.upLimit],
    ['--scale-down-limit-sec', s.downLimit],
    ['--poll-ms', s.pollMs],
    ['--sample-ms', s.sampleMs],
  ] as const) {
    if (!(v > 0) || !Number.isFinite(v))
      problems.push(
        `${flag} must be a positive number, got ${v}; pass e.g. ${flag} ${flag === '--poll-ms' || flag === '--sample-ms' ? 1000 : 120}`,
      );
  }
  for (const [flag, v] of [
    ['--scale-up-to', o.scaleUpTo],
    ['--scale-down-to', o.scaleDownTo],
  ] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v >= 0))
      problems.push(`${flag} must be a whole number of replicas, got ${v}; pass e.g. ${flag} 2`);
  }
  if (problems.length > 0) throw usageErrors(problems);
  return s;
}

/** Reads the ScaledObject and the Deployment it scales; throws when there is nothing to scale up. */
async function findScaleTarget(o: AutoscaleOptions, ns: string): Promise<ScaleTarget> {
  const so: ScaledObject | null = await o.kube.getScaledObject(ns, o.variant);
  if (so === null) {
    throw new RunError(
      `scaledobject ${ns}/${o.variant} not found, so the variant does not autoscale; set models.<id>.maxReplicas above minReplicas, or check --namespace and --variant`,
    );
  }
  const deployment = so.spec?.scaleTargetRef?.name;
  if (deployment === undefined) throw new RunError(`scaledobject ${ns}/${o.variant} has no spec.scaleTargetRef.name; fix the ScaledObject`);
  const dep = await o.kube.getDeployment(ns, deployment);
  if (dep === null)
    throw new RunError(`deployment ${ns}/${deployment}, the target of scaledobject ${o.variant}, not found; fix scaleTargetRef`);
  const matchLabels = dep.spec?.selector.matchLabels;
  if (matchLabels === undefined)
    throw new RunError(`deployment ${ns}/${deployment} has no spec.selector.matchLabels; llm-bench needs label selectors`);
  const minReplicas = so.spec?.minReplicaCount ?? 1;
  const maxReplicas = so.spec?.maxReplicaCount ?? 100;
  const initial = dep.spec?.replicas ?? minReplicas;
  const scaleUpTo = o.scaleUpTo ?? Math.min(maxReplicas, initial + 1);
  if (scaleUpTo <= initial) {
    throw new RunError(
      `deployment ${ns}/${deployment} already runs ${initial} replicas, got a scale-up target of ${scaleUpTo} (maxReplicaCount ${maxReplicas}); wait for it to scale in, or raise --scale-up-to`,
    );
  }
  if (scaleUpTo > maxReplicas) {
    throw usageErrors([
      `--scale-up-to ${scaleUpTo} is above the ScaledObject's maxReplicaCount ${maxReplicas}, so it can never pass; pass at most ${maxReplicas}`,
    ]);
  }
  return {
    deployment,
    hpa: so.status?.hpaName ?? kedaHpaName(o.variant),
    selector: labelSelector(matchLabels),
    minReplicas,
    maxReplicas,
    initial,
    scaleUpTo,
    scaleDownTo: o.scaleDownTo ?? initial,
  };
}

/** One observation of the scaler, the Deployment, its pods and the queue. */
function observer(
  o: AutoscaleOptions,
  ns: string,
  target: ScaleTarget,
  readQueue: () => Promise<number | null>,
  log: CheckLog,
): () => Promise<Snapshot> {
  return async () => {
    const [dep, pods, hpa, scaled, queueDepth] = await Promise.all([
      o.kube.getDeployment(ns, target.deployment),
      o.kube.listPods(ns, target.selector),
      o.kube.getHpa(ns, target.hpa),
      o.kube.getScaledObject(ns, o.variant),
      readQueue().catch((err: Error) => {
        log.note(`queue depth unavailable: ${err.message}`);
        return null;
      }),
    ]);
    if (dep === null) throw new RunError(`deployment ${ns}/${target.deployment} disappeared during the check; check who deleted it`);
    const c = countPods(pods);
    const active = scaled?.status?.conditions?.find((x) => x.type === 'Active');
    return {
      desired: dep.spec?.replicas ?? 0,
      ready: dep.status?.readyReplicas ?? 0,
      live: c.live,
      pending: c.pending,
      terminating: c.terminating,
      hpaDesired: hpa?.status?.desiredReplicas ?? null,
      hpaMetric: hpaMetric(hpa?.status),
      scalerActive: active === undefined ? null : active.status === 'True',
      queueDepth,
    };
  };
}

/** What the check has seen: the last observation, the peaks, and when it scaled up. */
class ScaleWatch {
  readonly peak: { desired: number; ready: number; pending: number; queueDepth: number | null };
  decisionSec: number | null = null;
  upSec: number | null = null;

  constructor(
    private readonly observe: () => Promise<Snapshot>,
    private readonly log: CheckLog,
    private readonly scaleUpTo: number,
    public last: Snapshot,
  ) {
    this.peak = { desired: last.desired, ready: last.ready, pending: last.pending, queueDepth: last.queueDepth };
  }

  /** Observes once; records new peaks, the autoscaler's decision and the scale-up. */
  readonly poll = async (): Promise<Snapshot> => {
    const last = await this.observe();
    this.last = last;
    this.peak.desired = Math.max(this.peak.desired, last.desired);
    this.peak.ready = Math.max(this.peak.ready, last.ready);
    this.peak.pending = Math.max(this.peak.pending, last.pending);
    if (last.queueDepth !== null) this.peak.queueDepth = Math.max(this.peak.queueDepth ?? 0, last.queueDepth);
    const asked = Math.max(last.desired, last.hpaDesired ?? 0);
    if (this.decisionSec === null && asked >= this.scaleUpTo) {
      this.decisionSec = this.log.elapsed();
      this.log.event(`the autoscaler asked for ${asked} replicas (queue ${last.queueDepth ?? '?'}, ${last.pending} pods pending)`);
    }
    if (this.upSec === null && last.ready >= this.scaleUpTo) {
      this.upSec = this.log.elapsed();
      this.log.event(`${last.ready} replicas ready: scaled up in ${this.upSec.toFixed(2)} s`);
    }
    return last;
  };
}

/** The load's progress the timeline records: the step running (null once stopped) and when each began. */
interface StepState {
  step: number | null;
  readonly steps: { profile: LoadProfile; startedAtSec: number }[];
  loadStoppedAt: number | null;
  scaleDownSec: number | null;
}

/**
 * Runs the check. Throws UsageError for bad options and RunError when the variant has no
 * ScaledObject or the load cannot start; later problems end up in the result.
 */
export async function runAutoscale(o: AutoscaleOptions): Promise<AutoscaleResult> {
  const s = resolveSettings(o);
  const startedAt = new Date();
  const target = await findScaleTarget(o, s.namespace);
  const queueSource: QueueSource = o.queue ?? { kind: 'metrics', url: o.load.baseUrl };
  const log = new CheckLog(o.onEvent);
  if (queueSource.kind === 'metrics') {
    log.note(
      "queue depth comes from /metrics through the variant's URL: one pod answers each scrape, so it is that pod's queue; pass --prometheus-url for the sum KEDA sees",
    );
  }
  const observe = observer(o, s.namespace, target, queueReader(queueSource, { namespace: s.namespace, model: o.load.model }), log);
  const watch = new ScaleWatch(observe, log, target.scaleUpTo, await observe());
  if (watch.last.hpaDesired === null)
    log.note(
      `horizontalpodautoscaler ${s.namespace}/${target.hpa} not found: KEDA has not created it yet, or the ScaledObject is not Ready`,
    );

  const load = await BackgroundLoad.start({ ...o.load, profile: o.steps[0]! });
  log.restart();
  const state: StepState = { step: 0, steps: [{ profile: o.steps[0]!, startedAtSec: 0 }], loadStoppedAt: null, scaleDownSec: null };
  log.event(
    `step 1/${o.steps.length}: ${describeProfile(o.steps[0]!)} on ${o.load.baseUrl} (${o.load.model}); ${target.deployment} at ${target.initial} replicas, scale-up target ${target.scaleUpTo}`,
  );
  const timeline: AutoscaleSample[] = [];
  const run = await underLoad(
    load,
    s.sampleMs,
    () => timeline.push(sample(log.elapsed(), state.step, watch.last, load.meter.take())),
    async () => {
      const check: CheckRun = { o, s, target, load, watch, log, state };
      await stepUp(check);
      await scaleDown(check);
    },
  );
  explainScaleUp(watch, log);
  return {
    ...envelope('autoscale', startedAt),
    namespace: s.namespace,
    variant: o.variant,
    deployment: target.deployment,
    scaledObject: o.variant,
    hpa: target.hpa,
    minReplicas: target.minReplicas,
    maxReplicas: target.maxReplicas,
    initialReplicas: target.initial,
    scaleUpTo: target.scaleUpTo,
    scaleDownTo: target.scaleDownTo,
    queueSource: `${queueSource.kind} ${queueSource.url}`,
    steps: state.steps.map((st, i) => ({ ...st, summary: run.results[i]?.summary ?? null })),
    scaleUpDecisionSec: watch.decisionSec,
    scaleUpSec: watch.upSec,
    scaleDownSec: state.scaleDownSec,
    loadStoppedAtSec: state.loadStoppedAt,
    peak: watch.peak,
    gates: [gate('scaleUpSec', '<=', s.upLimit, watch.upSec), gate('scaleDownSec', '<=', s.downLimit, state.scaleDownSec)],
    requests: requestCounts(load),
    events: log.events,
    notes: log.notes,
    timeline,
    ...(abortReason(run) !== undefined && { aborted: { reason: abortReason(run)! } }),
  };
}

/** What the two phases of a running check share. */
interface CheckRun {
  readonly o: AutoscaleOptions;
  readonly s: Settings;
  readonly target: ScaleTarget;
  readonly load: BackgroundLoad;
  readonly watch: ScaleWatch;
  readonly log: CheckLog;
  readonly state: StepState;
}

/** Observes every `pollMs` until `done` holds or `timeoutMs` has passed; an abort of the check ends it. */
function watchUntil(c: CheckRun, done: (x: Snapshot) => boolean, timeoutMs: number) {
  return pollUntil(c.watch.poll, done, {
    pollMs: c.s.pollMs,
    timeoutMs,
    ...(c.o.signal !== undefined && { signal: c.o.signal }),
    what: 'the autoscale check',
  });
}

/** Holds every load step; then holds the last one until scale-up or the scale-up limit. */
async function stepUp(c: CheckRun): Promise<void> {
  const { o, s, target, load, watch, log, state } = c;
  for (let i = 0; i < o.steps.length; i++) {
    if (i > 0) {
      await load.step(o.steps[i]!);
      state.step = i;
      state.steps.push({ profile: o.steps[i]!, startedAtSec: log.elapsed() });
      log.event(`step ${i + 1}/${o.steps.length}: ${describeProfile(o.steps[i]!)}`);
    }
    await watchUntil(c, () => false, s.holdSec * 1000);
  }
  const upDeadline = () => log.startMs + s.upLimit * 1000 - performance.now();
  if (watch.upSec === null && upDeadline() > 0) {
    log.event(`holding the last step until ${target.scaleUpTo} replicas are ready or ${s.upLimit} s have passed`);
    await watchUntil(c, () => watch.upSec !== null, upDeadline());
  }
  if (watch.upSec === null) {
    const last = watch.last;
    log.event(`not scaled up after ${log.elapsed().toFixed(0)} s: ${last.ready} ready, ${last.desired} desired, ${last.pending} pending`);
  }
}

/** Stops the load and waits until the Deployment is back to `scaleDownTo` with nothing terminating. */
async function scaleDown(c: CheckRun): Promise<void> {
  const { s, target, load, log, state } = c;
  const stopping = load.stop();
  const stoppedAt = log.elapsed();
  state.loadStoppedAt = stoppedAt;
  state.step = null;
  log.event('load stopped; waiting for scale-down');
  const to = target.scaleDownTo;
  const down = await watchUntil(c, (x) => x.desired <= to && x.ready <= to && x.live <= to && x.terminating === 0, s.downLimit * 1000);
  await stopping;
  if (!down.timedOut) {
    state.scaleDownSec = round(log.elapsed() - stoppedAt);
    log.event(`back to ${down.value.desired} replicas: scaled down in ${state.scaleDownSec.toFixed(2)} s`);
  } else {
    log.event(
      `not scaled down after ${s.downLimit} s: ${down.value.desired} desired, ${down.value.ready} ready, ${down.value.terminating} terminating`,
    );
  }
}

/** Notes on where the scale-up time went and what new pods waited for. */
function explainScaleUp(watch: ScaleWatch, log: CheckLog): void {
  const { decisionSec, upSec } = watch;
  if (upSec !== null && decisionSec !== null && upSec - decisionSec > 0) {
    log.note(
      `of the ${upSec.toFixed(1)} s to scale up, ${decisionSec.toFixed(1)} s went to the autoscaler's decision (KEDA polling, HPA sync) and ${(upSec - decisionSec).toFixed(1)} s to new pods (GPU node, image pull, model load)`,
    );
  }
  if (watch.peak.pending > 0)
    log.note(`up to ${watch.peak.pending} pods waited Pending: new replicas need new GPU nodes (Cluster Autoscaler or Karpenter)`);
}

function sample(t: number, step: number | null, last: Snapshot, traffic: TrafficSample): AutoscaleSample {
  return {
    t,
    step,
    desired: last.desired,
    ready: last.ready,
    pending: last.pending,
    terminating: last.terminating,
    hpaDesired: last.hpaDesired,
    hpaMetric: last.hpaMetric,
    scalerActive: last.scalerActive,
    queueDepth: last.queueDepth,
    completed: traffic.completed,
    failed: traffic.failed,
    ttftP50Ms: traffic.ttftP50Ms,
    ttftP95Ms: traffic.ttftP95Ms,
  };
}
