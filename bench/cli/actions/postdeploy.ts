/** What `llm-bench postdeploy` does once its flags parse. */
import { POSTDEPLOY_DEFAULTS } from '../../checks/defaults';
import { collectUsage, failOnProblems, UsageError } from '../../errors';
import { secondsProblem } from '../../limits';
import { loadEnvDefaults } from '../../postdeploy/env-file';
import { runPostdeploy } from '../../postdeploy/postdeploy';
import { POSTDEPLOY_RENDERERS, renderPostdeployMarkdown } from '../../postdeploy/report';
import type { PostdeployResult } from '../../postdeploy/result';
import { loadTargets, type RollbackPlan } from '../../postdeploy/targets';
import type { RollbackTarget } from '../../rollout/rollback';
import { parseThresholds } from '../../thresholds';
import { awsRegistry, kubeFrom } from '../cluster';
import { apiKeyFrom, type FrontDoorFlags, frontDoorOptionsFrom, profileFrom, queueFrom, type RegistryFactory, type RegistryFlags, registryFrom, stepProfiles } from '../flags';
import { onInterrupt, stopCheck } from '../interrupt';
import type { CliIo, ExitSink } from '../io';
import { checkUsage, type OutputFlags, outputProblems, toStdout, withOutputs, writeReports } from '../output';
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
  readonly namespace?: string;
  readonly pollMs?: number;
  readonly sampleMs?: number;
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
function versionResolver(f: PostdeployFlags, io: CliIo, targets: { registryBucket?: string; registryTable?: string }, createRegistry: RegistryFactory) {
  return async (variant: string, plan: RollbackPlan): Promise<RollbackTarget> => {
    const problems: string[] = [];
    const where = registryFrom({ ...f, registryBucket: f.registryBucket ?? targets.registryBucket, registryTable: f.registryTable ?? targets.registryTable }, io, problems);
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

export async function postdeployAction(f: PostdeployFlags, io: CliIo, exit: ExitSink, props: PostdeployCommandProps): Promise<void> {
  const problems = outputProblems(f);
  const urls = parseUrls(f.url, problems);
  const profile = profileFrom(f, POSTDEPLOY_DEFAULTS.postdeploy.concurrency, problems);
  collectUsage(problems, () => parseThresholds(f.threshold));
  if (f.autoscaleConcurrency !== undefined && f.autoscaleRate !== undefined) problems.push('autoscale steps are --autoscale-concurrency or --autoscale-rate, got both; pass one');
  const steps = stepProfiles({ ...(f.autoscaleConcurrency !== undefined && { concurrency: f.autoscaleConcurrency }), ...(f.autoscaleRate !== undefined && { rate: f.autoscaleRate }) });
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
  const apiKey = apiKeyFrom(f, io);
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
  const written = await writeReports(result, f, POSTDEPLOY_RENDERERS, io);
  if (!toStdout(f)) io.stdout(renderPostdeployMarkdown(result));
  exit.code = withOutputs(result.exitCode, written);
}
