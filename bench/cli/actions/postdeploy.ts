/** What `llm-bench postdeploy` does once its flags parse. */
import { writeFile } from 'node:fs/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { BENCH_NAMESPACE } from '../../../constructs/bench-layout';
import { API_KEY_SECRET } from '../../../constructs/workload-layout';
import type * as RegistryObjectsModule from '../../registry/objects';
import { POSTDEPLOY_DEFAULTS } from '../../checks/defaults';
import { parseRegressionGates, type RegressionGate } from '../../compare/gates';
import { loadEvalPromptset, type Promptset, type S3TextReader } from '../../eval/promptset';
import { CORE_PROMPTSET } from '../../eval/promptsets/core';
import { type EvalThresholdSpec, parseEvalThresholds } from '../../eval/thresholds';
import {
  compareReleases,
  firstReleases,
  decisionsExit,
  DEFAULT_RELEASE_GATES,
  evalTarget,
  POSTDEPLOY_EVAL_PROMPTS,
  type PostdeployEvalOptions,
  previousLoads,
  runPostdeployEvals,
} from '../../postdeploy/decide';
import type { Decisions } from '../../postdeploy/decide-result';
import type { LoadResult } from '../../result';
import { collectUsage, failOnProblems, UsageError } from '../../errors';
import { secondsProblem } from '../../limits';
import type { ServiceContract } from '../../../config/service-contract';
import type { WorkerLauncher } from '../../distributed/run';
import { loadEnvDefaults } from '../../postdeploy/env-file';
import { runPostdeploy, worstExit } from '../../postdeploy/postdeploy';
import { POSTDEPLOY_RENDERERS, renderPostdeployMarkdown } from '../../postdeploy/report';
import type { PostdeployResult } from '../../postdeploy/result';
import {
  localLocationProblems,
  parseResultLocation,
  readStoredResult,
  type ResultLocation,
  type ResultObjects,
  sameLocation,
  storeResult,
} from '../../postdeploy/result-store';
import { loadTargets, type RollbackPlan, type Target } from '../../postdeploy/targets';
import type { RollbackTarget } from '../../rollout/rollback';
import { parseThresholds } from '../../thresholds';
import { awsRegistry, kubeFrom } from '../cluster';
import {
  apiKeyFrom,
  type FrontDoorFlags,
  frontDoorOptionsFrom,
  profileFrom,
  queueFrom,
  type RegistryFactory,
  type RegistryFlags,
  registryFrom,
  stepProfiles,
} from '../flags';
import { onInterrupt, stopCheck } from '../interrupt';
import type { CliIo, ExitSink } from '../io';
import { checkUsage, fallbackPath, type OutputFlags, outputProblems, toStdout, withOutputs, writeReports } from '../output';
import { trafficProblems } from '../run-options';

export interface PostdeployFlags extends OutputFlags, RegistryFlags, FrontDoorFlags {
  readonly frontDoorOnly?: boolean;
  readonly targets: string;
  readonly envConfig?: string;
  /** The old name of --env-config, refused: Node 20 reads `--env-file` itself. */
  readonly envFile?: string;
  readonly variant: string[];
  readonly url: string[];
  readonly apiKey?: string;
  readonly duration?: number;
  readonly concurrency?: number;
  readonly rate?: number;
  readonly threshold: string[];
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  readonly seed?: number;
  readonly requestTimeout?: number;
  readonly rollback?: boolean;
  readonly restore: boolean;
  readonly rollbackLimitSec?: number;
  readonly rollbackTimeoutSec?: number;
  readonly rollbackBeforeSec?: number;
  readonly rollbackAfterSec?: number;
  readonly keepWarmSec?: number;
  readonly autoscale?: boolean;
  readonly autoscaleConcurrency?: number[];
  readonly autoscaleRate?: number[];
  readonly holdSec?: number;
  readonly scaleUpLimitSec?: number;
  readonly scaleDownLimitSec?: number;
  readonly prometheusUrl?: string;
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly kubeTimeout?: number;
  readonly loadWorkers?: number;
  readonly benchImage?: string;
  readonly namespace?: string;
  readonly pollMs?: number;
  readonly sampleMs?: number;
  readonly baseline?: string;
  readonly storeResult?: string;
  readonly maxRegression: string[];
  readonly eval?: boolean;
  readonly evalPair: string[];
  readonly evalJudge?: string;
  readonly evalPrompts?: number;
  readonly evalPromptset: string;
  readonly evalThreshold: string[];
}

export interface PostdeployCommandProps {
  /** @default - the AWS SDK against the registry bucket and table */
  readonly createRegistry?: RegistryFactory;
}

function parseUrls(specs: readonly string[], problems: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    if (eq <= 0) problems.push(`--url takes NAME=URL, got ${JSON.stringify(spec)}; pass e.g. --url mistral-7b-awq=http://127.0.0.1:8000`);
    else out[spec.slice(0, eq)] = spec.slice(eq + 1);
  }
  return out;
}

/** Looks up a variant's registry version for a rollback drill, from the flags or the targets' registry. */
function versionResolver(
  f: PostdeployFlags,
  io: CliIo,
  targets: { registryBucket?: string; registryTable?: string },
  createRegistry: RegistryFactory,
) {
  return async (variant: string, plan: RollbackPlan): Promise<RollbackTarget> => {
    const problems: string[] = [];
    const where = registryFrom(
      { ...f, registryBucket: f.registryBucket ?? targets.registryBucket, registryTable: f.registryTable ?? targets.registryTable },
      io,
      problems,
    );
    failOnProblems(problems);
    const { registry, close } = createRegistry(where!);
    try {
      const v =
        plan.registryVersion !== undefined
          ? await registry.show(variant, plan.registryVersion)
          : await registry.resolve({ model: variant, env: plan.previousOf!, previous: true });
      return { kind: 'registry', version: v.version, uri: v.uri };
    } finally {
      close?.();
    }
  };
}

interface DecisionInputs {
  /** `raw` is undefined on the first run of a `--baseline X --store-result X` loop: nothing is stored at X yet. */
  readonly baseline?: { readonly file: string; readonly raw: unknown; readonly gates: RegressionGate[] };
  readonly store?: ResultLocation;
  readonly eval?: { readonly promptset: Promptset; readonly thresholds: EvalThresholdSpec[] };
}

/** S3 for --baseline, --store-result and --eval-promptset: the registry's AWS client, credentials and deadlines. */
function resultObjects(f: PostdeployFlags): ResultObjects {
  const withS3 = async <T>(use: (s3: S3Client, objects: typeof RegistryObjectsModule) => Promise<T>): Promise<T> => {
    const [{ createAwsClients }, objects] = await Promise.all([import('../../registry/aws'), import('../../registry/objects')]);
    const { s3, close } = createAwsClients({
      ...(f.region !== undefined && { region: f.region }),
      ...(f.s3EndpointUrl !== undefined && { s3EndpointUrl: f.s3EndpointUrl }),
    });
    try {
      return await use(s3, objects);
    } finally {
      close();
    }
  };
  return {
    get: (bucket, key) => withS3((s3, o) => o.readSmallObject(s3, bucket, key)),
    put: (bucket, key, body) => withS3((s3, o) => o.putSmallObject(s3, bucket, key, body)),
  };
}

/** --baseline's previous result: missing is a problem, except on the first run of the --store-result loop. */
async function baselineFrom(
  f: PostdeployFlags,
  store: ResultLocation | undefined,
  gates: RegressionGate[],
  problems: string[],
): Promise<DecisionInputs['baseline']> {
  const where = collectUsage(problems, () => parseResultLocation('--baseline', f.baseline!));
  if (where === undefined) return undefined;
  const fix = "pass the previous release's postdeploy --json result";
  let text: string | undefined;
  try {
    text = await readStoredResult(where, () => resultObjects(f));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    problems.push(
      `--baseline ${where.uri} cannot be read, got ${e.code ?? e.name}: ${e.message}; ${where.kind === 's3' ? 'check the URI and s3:GetObject on it' : fix}`,
    );
    return undefined;
  }
  if (text === undefined) {
    if (store !== undefined && sameLocation(where, store)) return { file: where.uri, raw: undefined, gates };
    problems.push(
      `--baseline ${where.uri} does not exist, got ${where.kind === 's3' ? 'NoSuchKey' : 'ENOENT'}; ${fix} (with --store-result at the same place, a first run starts the loop)`,
    );
    return undefined;
  }
  try {
    return { file: where.uri, raw: JSON.parse(text), gates };
  } catch (err) {
    problems.push(`--baseline ${where.uri} cannot be read as json, got ${(err as Error).message}; ${fix}`);
    return undefined;
  }
}

/** --baseline, --store-result and --eval read and checked before any stage runs. */
async function decisionInputs(f: PostdeployFlags, problems: string[]): Promise<DecisionInputs> {
  const out: { baseline?: DecisionInputs['baseline']; store?: ResultLocation; eval?: DecisionInputs['eval'] } = {};
  if (f.maxRegression.length > 0 && f.baseline === undefined)
    problems.push('--max-regression gates a release comparison, got no --baseline; pass the previous postdeploy --json file');
  const gates =
    collectUsage(problems, () => parseRegressionGates(f.maxRegression.length > 0 ? f.maxRegression : [...DEFAULT_RELEASE_GATES])) ?? [];
  if (f.storeResult !== undefined) {
    const store = collectUsage(problems, () => parseResultLocation('--store-result', f.storeResult!));
    if (store !== undefined) problems.push(...(await localLocationProblems('--store-result', store)));
    if (store !== undefined) out.store = store;
  }
  if (f.baseline !== undefined) {
    const baseline = await baselineFrom(f, out.store, gates, problems);
    if (baseline !== undefined) out.baseline = baseline;
  }
  const evalFlags = f.evalPair.length > 0 || f.evalJudge !== undefined || f.evalThreshold.length > 0 || f.evalPrompts !== undefined;
  if (evalFlags && f.eval !== true)
    problems.push(
      '--eval-pair, --eval-judge, --eval-prompts and --eval-threshold shape the short eval, got them without --eval; add --eval',
    );
  if (f.eval === true) {
    if (f.evalPair.length === 0)
      problems.push('--eval needs what to compare, got no --eval-pair; pass e.g. --eval-pair mistral-7b-awq=mistral-7b-fp16');
    if (f.evalJudge === undefined)
      problems.push('--eval needs a judge, got no --eval-judge; pass the judge variant, e.g. --eval-judge judge');
    const thresholds =
      collectUsage(problems, () => parseEvalThresholds(f.evalThreshold.length > 0 ? f.evalThreshold : ['winRate.high>=0.5'])) ?? [];
    try {
      const readS3: S3TextReader = (bucket, key) => resultObjects(f).get(bucket, key);
      const promptset =
        f.evalPromptset === 'core' ? { source: 'core', prompts: CORE_PROMPTSET } : await loadEvalPromptset(f.evalPromptset, readS3);
      out.eval = { promptset, thresholds };
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      problems.push(...err.problems);
    }
  }
  return out;
}

/** The eval pairs and judge, resolved against the targets (bad names are usage errors, before any stage). */
function evalPlanFrom(
  e: NonNullable<DecisionInputs['eval']>,
  f: PostdeployFlags,
  variants: readonly Target[],
  apiKey: string | undefined,
): PostdeployEvalOptions {
  const pairs = f.evalPair.map((spec) => {
    const eq = spec.indexOf('=');
    if (eq <= 0)
      throw new UsageError(`--eval-pair takes CANDIDATE=BASELINE, got ${JSON.stringify(spec)}; pass e.g. mistral-7b-awq=mistral-7b-fp16`);
    return { candidate: evalTarget(spec.slice(0, eq), variants, apiKey), baseline: evalTarget(spec.slice(eq + 1), variants, apiKey) };
  });
  return {
    pairs,
    judge: evalTarget(f.evalJudge!, variants, apiKey),
    promptset: e.promptset,
    limit: f.evalPrompts ?? POSTDEPLOY_EVAL_PROMPTS,
    thresholds: e.thresholds,
  };
}

async function decideAfter(
  r: PostdeployResult,
  d: DecisionInputs,
  previous: Map<string, LoadResult> | undefined,
  evalPlan: PostdeployEvalOptions | undefined,
  io: CliIo,
): Promise<Decisions> {
  const releases =
    d.baseline === undefined
      ? []
      : previous === undefined
        ? firstReleases(r.variants, d.baseline.file)
        : compareReleases(r.variants, previous, d.baseline.file, d.baseline.gates);
  for (const c of releases)
    io.stderr(
      `${c.variant} against ${d.baseline?.file ?? ''}: ${c.compare === null ? `not compared (${c.skipped ?? ''})` : c.compare.passed ? 'passed' : 'REGRESSED'}\n`,
    );
  const evals = evalPlan === undefined ? [] : await runPostdeployEvals({ ...evalPlan, onStage: (m) => io.stderr(`${m}\n`) });
  return { ...(d.baseline !== undefined && { baselineFile: d.baseline.file }), releases, evals, exitCode: decisionsExit(releases, evals) };
}

/**
 * `--load-workers N`: the pods of an Indexed Job in the bench namespace when an llm-bench image is
 * known (`--bench-image`, or the env file's `bench.image`), else N local worker processes.
 */
async function workerLauncher(
  f: PostdeployFlags,
  io: CliIo,
  env: ServiceContract | undefined,
  workers: number,
): Promise<{ workers: number; launcher: WorkerLauncher }> {
  const image = f.benchImage ?? env?.bench.image;
  if (image === undefined) {
    const { localWorkers } = await import('../../distributed/local');
    return { workers, launcher: localWorkers({ command: [process.execPath, ...process.execArgv, process.argv[1] ?? '', 'worker'] }) };
  }
  const { kubeWorkers } = await import('../../distributed/kube');
  const durationSec = f.duration ?? POSTDEPLOY_DEFAULTS.postdeploy.loadDurationSec;
  return {
    workers,
    launcher: kubeWorkers({
      kube: kubeFrom(f, io),
      namespace: env?.bench.namespace ?? BENCH_NAMESPACE,
      image,
      ...(apiKeyFrom(f, io) !== undefined && { apiKeySecret: API_KEY_SECRET }),
      ...(env !== undefined && { cpu: env.bench.workerCpu, memoryGiB: env.bench.workerMemoryGiB }),
      // The load's own length, twice over, plus time to schedule and pull the image.
      deadlineSec: Math.ceil(180 + 2 * durationSec),
    }),
  };
}

export async function postdeployAction(f: PostdeployFlags, io: CliIo, exit: ExitSink, props: PostdeployCommandProps): Promise<void> {
  const problems = outputProblems(f);
  const urls = parseUrls(f.url, problems);
  const profile = profileFrom(f, POSTDEPLOY_DEFAULTS.postdeploy.concurrency, problems);
  collectUsage(problems, () => parseThresholds(f.threshold));
  if (f.autoscaleConcurrency !== undefined && f.autoscaleRate !== undefined)
    problems.push('autoscale steps are --autoscale-concurrency or --autoscale-rate, got both; pass one');
  const steps = stepProfiles({
    ...(f.autoscaleConcurrency !== undefined && { concurrency: f.autoscaleConcurrency }),
    ...(f.autoscaleRate !== undefined && { rate: f.autoscaleRate }),
  });
  const queue = queueFrom({ ...(f.prometheusUrl !== undefined && { prometheusUrl: f.prometheusUrl }) }, problems);
  if (f.envFile !== undefined) {
    problems.push(
      `--env-file was renamed --env-config, got --env-file ${f.envFile}; pass --env-config ${f.envFile} ` +
        '(Node 20 reads --env-file itself, as a dotenv file, wherever it appears on the command line)',
    );
  }
  const env = f.envConfig === undefined ? undefined : collectUsage(problems, () => loadEnvDefaults(f.envConfig!));
  const frontDoor = await frontDoorOptionsFrom(f, io, problems);
  trafficProblems(f, [profile, ...(steps ?? [])], problems);
  for (const [flag, v] of [
    ['--rollback-limit-sec', f.rollbackLimitSec],
    ['--rollback-timeout-sec', f.rollbackTimeoutSec],
    ['--hold-sec', f.holdSec],
    ['--scale-up-limit-sec', f.scaleUpLimitSec],
    ['--scale-down-limit-sec', f.scaleDownLimitSec],
  ] as const) {
    const problem = secondsProblem(flag, v);
    if (problem !== undefined) problems.push(problem);
  }
  for (const [flag, v] of [
    ['--rollback-before-sec', f.rollbackBeforeSec],
    ['--rollback-after-sec', f.rollbackAfterSec],
    ['--keep-warm-sec', f.keepWarmSec],
  ] as const) {
    const problem = secondsProblem(flag, v, { allowZero: true });
    if (problem !== undefined) problems.push(problem);
  }
  const decide = await decisionInputs(f, problems);
  // The targets file is read with the flags, so its problems are reported with theirs.
  const targets = await loadTargets({
    file: f.targets,
    ...(env !== undefined && { env }),
    only: f.variant,
    urls,
    ...(f.namespace !== undefined && { namespace: f.namespace }),
    rollback: f.rollback === true,
    autoscale: f.autoscale === true,
    frontDoorOnly: f.frontDoorOnly === true,
  }).catch((err: unknown) => {
    if (!(err instanceof UsageError)) throw err;
    problems.push(...err.problems);
    return undefined;
  });
  const needsCluster = targets?.variants.some((t) => t.rollback !== null || (t.autoscale !== null && !('skip' in t.autoscale))) === true;
  // A bad kubeconfig is a usage problem like the others, found before any load runs.
  const kube = needsCluster ? collectUsage(problems, () => kubeFrom(f, io)) : undefined;
  await checkUsage(f, problems);
  if (targets === undefined) return;
  const evalPlan = decide.eval === undefined ? undefined : evalPlanFrom(decide.eval, f, targets.variants, apiKeyFrom(f, io));
  const previous =
    decide.baseline?.raw === undefined
      ? undefined
      : previousLoads(
          decide.baseline.raw,
          decide.baseline.file,
          targets.variants.map((v) => v.name),
        );
  const apiKey = apiKeyFrom(f, io);
  const loadWorkers = f.loadWorkers === undefined ? undefined : await workerLauncher(f, io, env, f.loadWorkers);
  const controller = new AbortController();
  const release = onInterrupt(io, stopCheck(controller));
  let result: PostdeployResult;
  try {
    result = await runPostdeploy({
      targets,
      ...(apiKey !== undefined && { apiKey }),
      ...(f.duration !== undefined && { loadDurationSec: f.duration }),
      profile,
      extraThresholds: f.threshold,
      ...(f.inputTokens !== undefined && { inputTokens: f.inputTokens }),
      ...(f.outputTokens !== undefined && { outputTokens: f.outputTokens }),
      ...(f.seed !== undefined && { seed: f.seed }),
      ...(f.requestTimeout !== undefined && { requestTimeoutSec: f.requestTimeout }),
      ...(kube !== undefined && { kube: () => kube }),
      ...(loadWorkers !== undefined && { loadWorkers }),
      resolveVersion: versionResolver(f, io, targets, props.createRegistry ?? awsRegistry),
      rollback: {
        restore: f.restore,
        ...(f.rollbackLimitSec !== undefined && { limitSec: f.rollbackLimitSec }),
        ...(f.rollbackTimeoutSec !== undefined && { timeoutSec: f.rollbackTimeoutSec }),
        ...(f.rollbackBeforeSec !== undefined && { beforeSec: f.rollbackBeforeSec }),
        ...(f.rollbackAfterSec !== undefined && { afterSec: f.rollbackAfterSec }),
        ...(f.keepWarmSec !== undefined && { keepWarmSec: f.keepWarmSec }),
      },
      autoscale: {
        ...(steps !== undefined && { steps }),
        ...(f.holdSec !== undefined && { holdSec: f.holdSec }),
        ...(f.scaleUpLimitSec !== undefined && { scaleUpLimitSec: f.scaleUpLimitSec }),
        ...(f.scaleDownLimitSec !== undefined && { scaleDownLimitSec: f.scaleDownLimitSec }),
        ...(queue !== undefined && { queue }),
      },
      ...(f.pollMs !== undefined && { pollMs: f.pollMs }),
      ...(f.sampleMs !== undefined && { sampleMs: f.sampleMs }),
      signal: controller.signal,
      onProgress: (line) => io.stderr(`${line}\n`),
      frontDoor,
    });
  } finally {
    release();
  }
  if (decide.baseline !== undefined || evalPlan !== undefined) {
    const decisions = await decideAfter(result, decide, previous, evalPlan, io);
    result = { ...result, decisions, exitCode: worstExit([result.exitCode, decisions.exitCode]) };
  }
  const written = await writeReports(result, f, POSTDEPLOY_RENDERERS, io);
  if (!toStdout(f)) io.stdout(renderPostdeployMarkdown(result));
  exit.code = withOutputs(result.exitCode, written);
  if (decide.store !== undefined) await storeAfter(result, exit.code, decide.store, f, io);
}

/**
 * `--store-result`: this run's result, once its own outputs are written, for the next deploy's
 * --baseline. Only a passing run is stored: a release that failed its gates is not the one the
 * next deploy replaces, so the last passing result stays the baseline.
 */
async function storeAfter(result: PostdeployResult, exitCode: number, where: ResultLocation, f: PostdeployFlags, io: CliIo): Promise<void> {
  if (exitCode !== 0) {
    io.stderr(
      `not stored to ${where.uri}: the run did not pass (exit ${exitCode}); it keeps the last passing result as the next deploy's baseline\n`,
    );
    return;
  }
  const text = `${JSON.stringify(result, null, 2)}\n`;
  // Never lose the run: without --json, a failed store leaves the result in a fallback file its error names.
  const kept = async (): Promise<string> => {
    if (f.json !== undefined) return f.json === '-' ? 'the --json output on stdout' : f.json;
    const file = fallbackPath('json');
    await writeFile(file, text, { flag: 'wx' });
    return file;
  };
  await storeResult(where, text, () => resultObjects(f), kept);
  io.stderr(`stored this run's result to ${where.uri} (the next deploy's --baseline)\n`);
}
