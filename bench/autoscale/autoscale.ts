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
import { Interrupted, pollUntil } from '../kube/poll';
import { countPods } from '../kube/state';
import { describeProfile, type LoadProfile } from '../load/schedule';
import { POSTDEPLOY_DEFAULTS } from '../checks/defaults';
import { BackgroundLoad, type BackgroundLoadOptions } from '../checks/traffic';
import { type CheckEvent, envelope, type ThresholdResult } from '../result';
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
  const m = (status?.currentMetrics as { external?: { current?: Record<string, unknown> }; pods?: { current?: Record<string, unknown> }; resource?: { current?: Record<string, unknown> } }[] | undefined)?.[0];
  const current = m?.external?.current ?? m?.pods?.current ?? m?.resource?.current;
  const raw = current?.averageValue ?? current?.value ?? current?.averageUtilization;
  if (raw === undefined) return null;
  return parseQuantity(String(raw));
}

/** A Kubernetes quantity as a number (`1500m` → 1.5, `2k` → 2000). */
export function parseQuantity(q: string): number | null {
  const m = /^([+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)(m|k|M|G|Ki|Mi|Gi)?$/.exec(q.trim());
  if (!m) return null;
  const scale: Record<string, number> = { m: 1e-3, k: 1e3, M: 1e6, G: 1e9, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };
  return Number(m[1]) * (m[2] === undefined ? 1 : scale[m[2]]!);
}

const round = (n: number) => Math.round(n * 1000) / 1000;

function gate(metric: string, limit: number, value: number | null): ThresholdResult {
  return { expression: `${metric}<=${limit}`, metric, op: '<=', limit, value, passed: value !== null && value <= limit };
}

/**
 * Runs the autoscale check. Throws UsageError for bad options and RunError when the variant has
 * no ScaledObject or the load cannot start; later problems end up in the result.
 */
export async function runAutoscale(o: AutoscaleOptions): Promise<AutoscaleResult> {
  const d = POSTDEPLOY_DEFAULTS;
  const ns = o.namespace ?? d.namespace;
  const holdSec = o.holdSec ?? d.autoscale.holdSec;
  const upLimit = o.scaleUpLimitSec ?? d.autoscale.scaleUpLimitSec;
  const downLimit = o.scaleDownLimitSec ?? d.autoscale.scaleDownLimitSec;
  const pollMs = o.pollMs ?? d.pollMs;
  const sampleMs = o.sampleMs ?? d.sampleMs;
  const problems: string[] = [];
  if (o.steps.length === 0) problems.push('autoscale needs at least one load step, got none; pass e.g. --concurrency 4,16,32');
  for (const [flag, v] of [
    ['--hold-sec', holdSec],
    ['--scale-up-limit-sec', upLimit],
    ['--scale-down-limit-sec', downLimit],
    ['--poll-ms', pollMs],
    ['--sample-ms', sampleMs],
  ] as const) {
    if (!(v > 0) || !Number.isFinite(v)) problems.push(`${flag} must be a positive number, got ${v}; pass e.g. ${flag} ${flag === '--poll-ms' || flag === '--sample-ms' ? 1000 : 120}`);
  }
  for (const [flag, v] of [
    ['--scale-up-to', o.scaleUpTo],
    ['--scale-down-to', o.scaleDownTo],
  ] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v >= 0)) problems.push(`${flag} must be a whole number of replicas, got ${v}; pass e.g. ${flag} 2`);
  }
  if (problems.length > 0) throw usageErrors(problems);

  const startedAt = new Date();
  const so: ScaledObject | null = await o.kube.getScaledObject(ns, o.variant);
  if (so === null) {
    throw new RunError(`scaledobject ${ns}/${o.variant} not found, so the variant does not autoscale; set models.<id>.maxReplicas above minReplicas, or check --namespace and --variant`);
  }
  const deployName = so.spec?.scaleTargetRef?.name;
  if (deployName === undefined) throw new RunError(`scaledobject ${ns}/${o.variant} has no spec.scaleTargetRef.name; fix the ScaledObject`);
  const hpaName = so.status?.hpaName ?? kedaHpaName(o.variant);
  const dep0 = await o.kube.getDeployment(ns, deployName);
  if (dep0 === null) throw new RunError(`deployment ${ns}/${deployName}, the target of scaledobject ${o.variant}, not found; fix scaleTargetRef`);
  const matchLabels = dep0.spec?.selector.matchLabels;
  if (matchLabels === undefined) throw new RunError(`deployment ${ns}/${deployName} has no spec.selector.matchLabels; llm-bench needs label selectors`);
  const selector = labelSelector(matchLabels);
  const minReplicas = so.spec?.minReplicaCount ?? 1;
  const maxReplicas = so.spec?.maxReplicaCount ?? 100;
  const initial = dep0.spec?.replicas ?? minReplicas;
  const scaleUpTo = o.scaleUpTo ?? Math.min(maxReplicas, initial + 1);
  const scaleDownTo = o.scaleDownTo ?? initial;
  if (scaleUpTo <= initial) {
    throw new RunError(`deployment ${ns}/${deployName} already runs ${initial} replicas, got a scale-up target of ${scaleUpTo} (maxReplicaCount ${maxReplicas}); wait for it to scale in, or raise --scale-up-to`);
  }
  if (scaleUpTo > maxReplicas) problems.push(`--scale-up-to ${scaleUpTo} is above the ScaledObject's maxReplicaCount ${maxReplicas}, so it can never pass; pass at most ${maxReplicas}`);
  if (problems.length > 0) throw usageErrors(problems);

  const queueSource: QueueSource = o.queue ?? { kind: 'metrics', url: o.load.baseUrl };
  const readQueue = queueReader(queueSource, { namespace: ns, model: o.load.model });
  const events: CheckEvent[] = [];
  const notes: string[] = [];
  let t0 = performance.now();
  const elapsed = () => round((performance.now() - t0) / 1000);
  const event = (message: string) => {
    const e = { t: elapsed(), message };
    events.push(e);
    o.onEvent?.(e);
  };
  const note = (message: string) => {
    if (!notes.includes(message)) notes.push(message);
  };
  if (queueSource.kind === 'metrics') note('queue depth comes from /metrics through the variant\'s URL: one pod answers each scrape, so it is that pod\'s queue; pass --prometheus-url for the sum KEDA sees');

  const observe = async (): Promise<Snapshot> => {
    const [dep, pods, hpa, scaled, queueDepth] = await Promise.all([
      o.kube.getDeployment(ns, deployName),
      o.kube.listPods(ns, selector),
      o.kube.getHpa(ns, hpaName),
      o.kube.getScaledObject(ns, o.variant),
      readQueue().catch((err: Error) => {
        note(`queue depth unavailable: ${err.message}`);
        return null;
      }),
    ]);
    if (dep === null) throw new RunError(`deployment ${ns}/${deployName} disappeared during the check; check who deleted it`);
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

  let last = await observe();
  if (last.hpaDesired === null) note(`horizontalpodautoscaler ${ns}/${hpaName} not found: KEDA has not created it yet, or the ScaledObject is not Ready`);
  const load = await BackgroundLoad.start({ ...o.load, profile: o.steps[0]! });
  t0 = performance.now();
  const steps: { profile: LoadProfile; startedAtSec: number }[] = [{ profile: o.steps[0]!, startedAtSec: 0 }];
  event(`step 1/${o.steps.length}: ${describeProfile(o.steps[0]!)} on ${o.load.baseUrl} (${o.load.model}); ${deployName} at ${initial} replicas, scale-up target ${scaleUpTo}`);
  let step: number | null = 0;
  const timeline: AutoscaleSample[] = [];
  const push = () => {
    const traffic = load.meter.take();
    timeline.push({
      t: elapsed(),
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
    });
  };
  const sampler = setInterval(push, sampleMs);

  // Set from inside watch(); an object so the compiler does not narrow them to their initial null.
  const marks: { decision: number | null; up: number | null } = { decision: null, up: null };
  let scaleDownSec: number | null = null;
  let loadStoppedAt: number | null = null;
  const peak = { desired: last.desired, ready: last.ready, pending: last.pending, queueDepth: last.queueDepth };
  const watch = async (): Promise<Snapshot> => {
    last = await observe();
    peak.desired = Math.max(peak.desired, last.desired);
    peak.ready = Math.max(peak.ready, last.ready);
    peak.pending = Math.max(peak.pending, last.pending);
    if (last.queueDepth !== null) peak.queueDepth = Math.max(peak.queueDepth ?? 0, last.queueDepth);
    if (marks.decision === null && Math.max(last.desired, last.hpaDesired ?? 0) >= scaleUpTo) {
      marks.decision = elapsed();
      event(`the autoscaler asked for ${Math.max(last.desired, last.hpaDesired ?? 0)} replicas (queue ${last.queueDepth ?? '?'}, ${last.pending} pods pending)`);
    }
    if (marks.up === null && last.ready >= scaleUpTo) {
      marks.up = elapsed();
      event(`${last.ready} replicas ready: scaled up in ${marks.up.toFixed(2)} s`);
    }
    return last;
  };
  const signal = o.signal === undefined ? {} : { signal: o.signal };
  const upDeadline = () => t0 + upLimit * 1000 - performance.now();

  let aborted: string | undefined;
  try {
    for (let i = 0; i < o.steps.length; i++) {
      if (i > 0) {
        await load.step(o.steps[i]!);
        step = i;
        steps.push({ profile: o.steps[i]!, startedAtSec: elapsed() });
        event(`step ${i + 1}/${o.steps.length}: ${describeProfile(o.steps[i]!)}`);
      }
      await pollUntil(watch, () => false, { pollMs, timeoutMs: holdSec * 1000, ...signal, what: 'the autoscale check' });
    }
    if (marks.up === null && upDeadline() > 0) {
      event(`holding the last step until ${scaleUpTo} replicas are ready or ${upLimit} s have passed`);
      await pollUntil(watch, () => marks.up !== null, { pollMs, timeoutMs: upDeadline(), ...signal, what: 'the autoscale check' });
    }
    if (marks.up === null) event(`not scaled up after ${elapsed().toFixed(0)} s: ${last.ready} ready, ${last.desired} desired, ${last.pending} pending`);
    const stopping = load.stop();
    loadStoppedAt = elapsed();
    step = null;
    event('load stopped; waiting for scale-down');
    const down = await pollUntil(watch, (x) => x.desired <= scaleDownTo && x.ready <= scaleDownTo && x.live <= scaleDownTo && x.terminating === 0, {
      pollMs,
      timeoutMs: downLimit * 1000,
      ...signal,
      what: 'the autoscale check',
    });
    await stopping;
    if (!down.timedOut) {
      scaleDownSec = round(elapsed() - loadStoppedAt);
      event(`back to ${down.value.desired} replicas: scaled down in ${scaleDownSec.toFixed(2)} s`);
    } else {
      event(`not scaled down after ${downLimit} s: ${down.value.desired} desired, ${down.value.ready} ready, ${down.value.terminating} terminating`);
    }
  } catch (err) {
    if (!(err instanceof Interrupted)) {
      clearInterval(sampler);
      await load.stop();
      throw err;
    }
    aborted = err.message;
  } finally {
    clearInterval(sampler);
  }
  push();
  const results = await load.stop();
  aborted ??= results.find((r) => r.aborted !== undefined)?.aborted?.reason;
  const { decision: scaleUpDecisionSec, up: scaleUpSec } = marks;
  if (scaleUpSec !== null && scaleUpDecisionSec !== null && scaleUpSec - scaleUpDecisionSec > 0) {
    note(`of the ${scaleUpSec.toFixed(1)} s to scale up, ${scaleUpDecisionSec.toFixed(1)} s went to the autoscaler's decision (KEDA polling, HPA sync) and ${(scaleUpSec - scaleUpDecisionSec).toFixed(1)} s to new pods (GPU node, image pull, model load)`);
  }
  if (peak.pending > 0) note(`up to ${peak.pending} pods waited Pending: new replicas need new GPU nodes (Cluster Autoscaler or Karpenter)`);
  const totals = load.meter.totals;
  return {
    ...envelope('autoscale', startedAt),
    namespace: ns,
    variant: o.variant,
    deployment: deployName,
    scaledObject: o.variant,
    hpa: hpaName,
    minReplicas,
    maxReplicas,
    initialReplicas: initial,
    scaleUpTo,
    scaleDownTo,
    queueSource: `${queueSource.kind} ${queueSource.url}`,
    steps: steps.map((s, i) => ({ ...s, summary: results[i]?.summary ?? null })),
    scaleUpDecisionSec,
    scaleUpSec,
    scaleDownSec,
    loadStoppedAtSec: loadStoppedAt,
    peak,
    gates: [gate('scaleUpSec', upLimit, scaleUpSec), gate('scaleDownSec', downLimit, scaleDownSec)],
    requests: { succeeded: totals.succeeded, failed: totals.failed, errors: { ...totals.errors }, errorMessages: { ...totals.errorMessages } },
    events,
    notes,
    timeline,
    ...(aborted !== undefined && { aborted: { reason: aborted } }),
  };
}
