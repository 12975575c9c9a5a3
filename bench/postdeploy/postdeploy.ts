/**
 * The post-deploy stage: for every variant, smoke checks and a load test with its thresholds,
 * then (when asked) a rollback drill and an autoscale check, with one exit code for all of it.
 *
 * Variants run one after another: they share GPU nodes and the cluster's autoscaler, and a
 * rollback drill on one must not be measured under another's load test. A stage that cannot run
 * is recorded and the stage after it still runs where that makes sense (no load after a failed
 * smoke: the variant is not serving).
 */
import { runAutoscale } from '../autoscale/autoscale';
import { EXIT, RunError } from '../errors';
import type { KubeClient } from '../kube/client';
import { runDistributedLoad, type WorkerLauncher } from '../distributed/run';
import { resultPassed, runFailure, runLoad } from '../load/engine';
import type { LoadProfile } from '../load/schedule';
import { envelope } from '../result';
import { rollbackPassed } from '../rollout/result';
import { type RollbackTarget, runRollback } from '../rollout/rollback';
import { autoscalePassed } from '../autoscale/result';
import { runSmoke } from '../smoke/smoke';
import type { QueueSource } from '../autoscale/queue';
import type { BackgroundLoadOptions } from '../checks/traffic';
import { BENCH_DEFAULTS } from '../defaults';
import { POSTDEPLOY_DEFAULTS } from '../checks/defaults';
import type { PostdeployResult, Stage, VariantResult } from './result';
import { type FrontDoorOptions, runFrontDoor } from '../frontdoor/frontdoor';
import type { RollbackPlan, Target, Targets } from './targets';

export interface PostdeployOptions {
  readonly targets: Targets;
  /** @default - no Authorization header (smoke then skips its auth check) */
  readonly apiKey?: string;
  /** Seconds of load per variant. @default POSTDEPLOY_DEFAULTS.postdeploy.loadDurationSec */
  readonly loadDurationSec?: number;
  /**
   * Run each variant's load test as N workers (local processes, or the pods of an Indexed Job)
   * merged into one result. @default - one process, this one
   */
  readonly loadWorkers?: { readonly workers: number; readonly launcher: WorkerLauncher };
  /** Load shape when a target sets none. @default concurrency POSTDEPLOY_DEFAULTS.postdeploy.concurrency */
  readonly profile?: LoadProfile;
  /** Thresholds added to every variant's. */
  readonly extraThresholds?: readonly string[];
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  readonly seed?: number;
  readonly requestTimeoutSec?: number;
  /** The cluster, for rollback and autoscale; made on first use. */
  readonly kube?: () => KubeClient;
  /** Looks up a target's registry version (`registryVersion`, or `previousOf` an environment). */
  readonly resolveVersion?: (variant: string, plan: RollbackPlan) => Promise<RollbackTarget>;
  readonly rollback?: {
    readonly limitSec?: number;
    readonly keepWarmSec?: number;
    /** Roll forward again after the drill. @default true */
    readonly restore?: boolean;
    readonly beforeSec?: number;
    readonly afterSec?: number;
    readonly timeoutSec?: number;
  };
  readonly autoscale?: {
    readonly steps?: readonly LoadProfile[];
    readonly holdSec?: number;
    readonly scaleUpLimitSec?: number;
    readonly scaleDownLimitSec?: number;
    readonly queue?: QueueSource;
  };
  readonly pollMs?: number;
  readonly sampleMs?: number;
  readonly signal?: AbortSignal;
  /** One line per stage as it starts and ends. */
  readonly onProgress?: (line: string) => void;
  /** Key, CA and sizes of the front-door checks (bench/frontdoor), run when the targets have a frontDoor. */
  readonly frontDoor?: Omit<FrontDoorOptions, 'target'>;
}

/** Autoscale steps when neither the target nor the caller gives any: from light to a queue. */
export const DEFAULT_AUTOSCALE_STEPS: readonly LoadProfile[] = [
  { kind: 'concurrency', concurrency: 4 },
  { kind: 'concurrency', concurrency: 32 },
  { kind: 'concurrency', concurrency: 64 },
];

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Worst of exit codes: a run failure (1) outranks a crossed threshold (99). */
export function worstExit(codes: readonly number[]): number {
  if (codes.includes(EXIT.runFailed)) return EXIT.runFailed;
  if (codes.includes(EXIT.thresholdCrossed)) return EXIT.thresholdCrossed;
  return EXIT.ok;
}

function variantExit(v: Omit<VariantResult, 'exitCode'>): number {
  const codes: number[] = [];
  if (v.failures.length > 0) codes.push(EXIT.runFailed);
  if (v.smoke !== null && !v.smoke.passed) codes.push(EXIT.runFailed);
  if (v.load !== null)
    codes.push(runFailure(v.load) !== undefined ? EXIT.runFailed : resultPassed(v.load) ? EXIT.ok : EXIT.thresholdCrossed);
  for (const r of [v.rollback, v.restore])
    if (r !== null) codes.push(r.aborted !== undefined ? EXIT.runFailed : rollbackPassed(r) ? EXIT.ok : EXIT.thresholdCrossed);
  if (v.autoscale !== null)
    codes.push(v.autoscale.aborted !== undefined ? EXIT.runFailed : autoscalePassed(v.autoscale) ? EXIT.ok : EXIT.thresholdCrossed);
  return worstExit(codes);
}

/** Runs every stage for every target; never throws for a stage's failure (it is recorded). */
export async function runPostdeploy(o: PostdeployOptions): Promise<PostdeployResult> {
  const startedAt = new Date();
  const progress = o.onProgress ?? (() => {});
  let kube: KubeClient | undefined;
  const cluster = (): KubeClient => {
    if (o.kube === undefined)
      throw new RunError('rollback and autoscale need the Kubernetes API, got no kubeconfig; pass --kubeconfig or run in the cluster');
    kube ??= o.kube();
    return kube;
  };
  const poll = { ...(o.pollMs !== undefined && { pollMs: o.pollMs }), ...(o.sampleMs !== undefined && { sampleMs: o.sampleMs }) };
  const variants: VariantResult[] = [];
  for (const t of o.targets.variants) {
    if (o.signal?.aborted === true) break;
    variants.push(await checkVariant(t, o, cluster, poll, progress));
  }
  // The front door last: its rate-limit burst must not land in a variant's load test.
  const frontDoor =
    o.targets.frontDoor !== undefined && o.signal?.aborted !== true
      ? await runFrontDoor({ onProgress: progress, ...o.frontDoor, target: o.targets.frontDoor })
      : undefined;
  return {
    ...envelope('postdeploy', startedAt),
    targets: o.targets.source,
    shape: o.targets.shape,
    ...(o.targets.environment !== undefined && { environment: o.targets.environment }),
    variants,
    ...(frontDoor !== undefined && { frontDoor }),
    exitCode: worstExit([...variants.map((v) => v.exitCode), ...(frontDoor !== undefined ? [frontDoor.exitCode] : [])]),
  };
}

/** What the stages of one variant share: the target, the options, the cluster, and the record. */
interface VariantRun {
  readonly t: Target;
  readonly o: PostdeployOptions;
  readonly poll: { pollMs?: number; sampleMs?: number };
  readonly progress: (line: string) => void;
  /** The load every stage sends, without its shape. */
  readonly traffic: Omit<BackgroundLoadOptions, 'profile'>;
  readonly v: Omit<VariantResult, 'exitCode'>;
  readonly fail: (stage: Stage, err: unknown) => void;
  readonly skip: (stage: Stage, reason: string) => void;
  readonly cluster: () => KubeClient;
}

async function checkVariant(
  t: Target,
  o: PostdeployOptions,
  cluster: () => KubeClient,
  poll: { pollMs?: number; sampleMs?: number },
  progress: (line: string) => void,
): Promise<VariantResult> {
  const v: Omit<VariantResult, 'exitCode'> = {
    name: t.name,
    url: t.url,
    namespace: t.namespace,
    thresholds: [...t.thresholds, ...(o.extraThresholds ?? [])],
    thresholdSource: t.thresholdSource,
    smoke: null,
    load: null,
    rollback: null,
    restore: null,
    autoscale: null,
    failures: [],
    skipped: [],
  };
  const run: VariantRun = {
    t,
    o,
    cluster,
    poll,
    progress,
    v,
    traffic: {
      baseUrl: t.url,
      model: t.models[0] ?? t.name,
      ...(o.apiKey !== undefined && { apiKey: o.apiKey }),
      ...(o.inputTokens !== undefined && { inputTokens: o.inputTokens }),
      ...(o.outputTokens !== undefined && { outputTokens: o.outputTokens }),
      ...(o.seed !== undefined && { seed: o.seed }),
      ...(o.requestTimeoutSec !== undefined && { timeoutSec: o.requestTimeoutSec }),
    },
    fail: (stage, err) => {
      v.failures.push({ stage, message: message(err) });
      progress(`${t.name} ${stage}: FAILED ${message(err)}`);
    },
    skip: (stage, reason) => {
      v.skipped.push({ stage, reason });
      progress(`${t.name} ${stage}: skipped, ${reason}`);
    },
  };
  if (await smokeStage(run)) {
    const profile = loadProfileOf(t, o);
    await loadStage(run, profile);
    if (t.rollback !== null) await rollbackStage(run, t.rollback, profile);
    if (t.autoscale !== null) await autoscaleStage(run, t.autoscale);
  }
  return { ...v, exitCode: variantExit(v) };
}

/** Smoke checks; false (and the later stages skipped) when the variant does not serve. */
async function smokeStage({ t, o, v, progress, skip }: VariantRun): Promise<boolean> {
  progress(`${t.name} smoke: ${t.url}`);
  v.smoke = await runSmoke({
    baseUrl: t.url,
    models: t.models,
    adapters: t.adapters,
    ...(o.apiKey !== undefined && { apiKey: o.apiKey }),
    // The smoke waits no longer for an answer than the load does.
    ...(o.requestTimeoutSec !== undefined && { timeoutSec: o.requestTimeoutSec }),
  });
  const failedChecks = v.smoke.checks.filter((c) => c.status === 'fail');
  progress(`${t.name} smoke: ${v.smoke.passed ? 'passed' : `FAILED ${failedChecks.map((c) => `${c.name} (${c.reason})`).join('; ')}`}`);
  if (v.smoke.passed) return true;
  for (const stage of ['load', 'rollback', 'autoscale'] as const) skip(stage, 'the smoke checks failed');
  return false;
}

/** The target's load shape, else the caller's, else the default. */
function loadProfileOf(t: Target, o: PostdeployOptions): LoadProfile {
  if (t.load.rate !== undefined) return { kind: 'rate', rate: t.load.rate, burstiness: BENCH_DEFAULTS.burstiness };
  if (t.load.concurrency !== undefined) return { kind: 'concurrency', concurrency: t.load.concurrency };
  return o.profile ?? { kind: 'concurrency', concurrency: POSTDEPLOY_DEFAULTS.postdeploy.concurrency };
}

/** A load test with the variant's thresholds. */
async function loadStage({ t, o, v, traffic, progress, fail }: VariantRun, profile: LoadProfile): Promise<void> {
  const durationSec = t.load.durationSec ?? o.loadDurationSec ?? POSTDEPLOY_DEFAULTS.postdeploy.loadDurationSec;
  progress(`${t.name} load: ${durationSec} s`);
  try {
    const opts = { ...traffic, profile, durationSec, thresholds: v.thresholds };
    const signal = o.signal === undefined ? {} : { signal: o.signal };
    v.load =
      o.loadWorkers === undefined
        ? await runLoad(opts, signal)
        : // The smoke stage has just checked the server from here; the workers need no second check.
          await runDistributedLoad({ ...opts, preflight: false }, { ...o.loadWorkers, ...signal });
    const crossed = v.load.thresholds.filter((x) => !x.passed).map((x) => x.expression);
    progress(
      `${t.name} load: ${v.load.aborted !== undefined ? `ABORTED ${v.load.aborted.reason}` : crossed.length > 0 ? `crossed ${crossed.join(', ')}` : 'passed'}`,
    );
  } catch (err) {
    fail('load', err);
  }
}

/** The rollback drill and, unless it is off or the drill did not complete, the roll forward. */
async function rollbackStage(run: VariantRun, plan: RollbackPlan, profile: LoadProfile): Promise<void> {
  const { t, o, v, progress, skip, cluster } = run;
  const limitSec = plan.limitSec ?? o.rollback?.limitSec;
  const keepWarmSec = plan.keepWarmSec ?? o.rollback?.keepWarmSec;
  const common = {
    namespace: t.namespace,
    variant: t.name,
    load: { ...run.traffic, profile },
    ...run.poll,
    ...(o.rollback?.beforeSec !== undefined && { beforeSec: o.rollback.beforeSec }),
    ...(o.rollback?.afterSec !== undefined && { afterSec: o.rollback.afterSec }),
    ...(o.rollback?.timeoutSec !== undefined && { timeoutSec: o.rollback.timeoutSec }),
    ...(limitSec !== undefined && { limitSec }),
    ...(o.signal !== undefined && { signal: o.signal }),
    onEvent: (e: { t: number; message: string }) => progress(`${t.name} rollback: ${e.message}`),
  };
  try {
    const to = await rollbackTarget(run, plan);
    v.rollback = await runRollback({ kube: cluster(), to, ...common, ...(keepWarmSec !== undefined && { keepWarmSec }) });
    progress(
      `${t.name} rollback: ${v.rollback.completed ? `${v.rollback.durationSec} s` : v.rollback.detail}, ${v.rollback.requests.failed} failed requests`,
    );
    const restore = plan.restore ?? o.rollback?.restore ?? true;
    if (!restore) skip('restore', 'restore is off: the variant stays rolled back');
    else if (!v.rollback.completed) skip('restore', 'the rollback did not complete');
    else if (v.rollback.aborted !== undefined) skip('restore', 'the rollback was aborted');
    else {
      // Rolling forward is "previous" again: the standby track, or the revision before the undo.
      v.restore = await runRollback({
        kube: cluster(),
        to: { kind: 'previous' },
        ...common,
        onEvent: (e) => progress(`${t.name} restore: ${e.message}`),
      });
      progress(
        `${t.name} restore: ${v.restore.completed ? `${v.restore.durationSec} s` : v.restore.detail}, ${v.restore.requests.failed} failed requests`,
      );
    }
  } catch (err) {
    run.fail(v.rollback === null ? 'rollback' : 'restore', err);
  }
}

/** Where the drill rolls to: a registry version (looked up) or the previous revision / standby track. */
async function rollbackTarget({ t, o }: VariantRun, plan: RollbackPlan): Promise<RollbackTarget> {
  if (plan.registryVersion === undefined && plan.previousOf === undefined) return { kind: 'previous' };
  if (o.resolveVersion === undefined) {
    throw new RunError(`variant ${t.name} rolls back to a registry version, got no registry; pass --registry-bucket and --registry-table`);
  }
  return o.resolveVersion(t.name, plan);
}

/** The autoscale check, with the target's steps and gates over the caller's. */
async function autoscaleStage(run: VariantRun, plan: NonNullable<Target['autoscale']>): Promise<void> {
  const { t, o, v, progress, skip, fail, cluster } = run;
  if ('skip' in plan) {
    skip('autoscale', plan.skip);
    return;
  }
  const steps: LoadProfile[] =
    plan.rate !== undefined
      ? plan.rate.map((rate) => ({ kind: 'rate', rate, burstiness: BENCH_DEFAULTS.burstiness }))
      : plan.concurrency !== undefined
        ? plan.concurrency.map((concurrency) => ({ kind: 'concurrency', concurrency }))
        : [...(o.autoscale?.steps ?? DEFAULT_AUTOSCALE_STEPS)];
  const holdSec = plan.holdSec ?? o.autoscale?.holdSec;
  const up = plan.scaleUpLimitSec ?? o.autoscale?.scaleUpLimitSec;
  const down = plan.scaleDownLimitSec ?? o.autoscale?.scaleDownLimitSec;
  try {
    v.autoscale = await runAutoscale({
      kube: cluster(),
      namespace: t.namespace,
      variant: t.name,
      load: run.traffic,
      steps,
      ...run.poll,
      ...(holdSec !== undefined && { holdSec }),
      ...(up !== undefined && { scaleUpLimitSec: up }),
      ...(down !== undefined && { scaleDownLimitSec: down }),
      ...(plan.scaleUpTo !== undefined && { scaleUpTo: plan.scaleUpTo }),
      ...(plan.scaleDownTo !== undefined && { scaleDownTo: plan.scaleDownTo }),
      ...(o.autoscale?.queue !== undefined && { queue: o.autoscale.queue }),
      ...(o.signal !== undefined && { signal: o.signal }),
      onEvent: (e) => progress(`${t.name} autoscale: ${e.message}`),
    });
  } catch (err) {
    fail('autoscale', err);
  }
}
