/** `llm-bench postdeploy …`: a thin command over {@link runPostdeploy}. */
import { Command } from 'commander';
import type { CliIo, ExitSink } from '../cli';
import { BENCH_DEFAULTS } from '../defaults';
import { UsageError } from '../errors';
import type { LoadProfile } from '../load/schedule';
import { renderJunit } from '../report/junit';
import { queueFrom } from '../autoscale/command';
import { parseThresholds } from '../thresholds';
import type { RollbackTarget } from '../rollout/rollback';
import {
  addOutputFlags,
  addRegistryFlags,
  awsRegistry,
  collect,
  failOnProblems,
  kubeFrom,
  number,
  numberList,
  onInterrupt,
  type OutputFlags,
  outputProblems,
  profileFrom,
  type RegistryFactory,
  type RegistryFlags,
  registryFrom,
  toStdout,
  writeOutput,
} from './cli-shared';
import { POSTDEPLOY_DEFAULTS } from './defaults';
import { runPostdeploy } from './postdeploy';
import { postdeploySuites, renderPostdeployHtml, renderPostdeployMarkdown } from './report';
import { loadEnvDefaults } from './env-file';
import { loadTargets, type RollbackPlan } from './targets';
import { addFrontDoorFlags, type FrontDoorFlags, frontDoorOptionsFrom } from '../frontdoor/command';

export interface PostdeployFlags extends OutputFlags, RegistryFlags, FrontDoorFlags {
  readonly frontDoorOnly?: boolean;
  readonly targets: string;
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

async function postdeployAction(f: PostdeployFlags, io: CliIo, exit: ExitSink, props: PostdeployCommandProps): Promise<void> {
  const problems = outputProblems(f);
  const urls = parseUrls(f.url, problems);
  const profile = profileFrom(f, POSTDEPLOY_DEFAULTS.postdeploy.concurrency, problems);
  try {
    parseThresholds(f.threshold);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    problems.push(...err.problems);
  }
  if (f.autoscaleConcurrency !== undefined && f.autoscaleRate !== undefined) problems.push('autoscale steps are --autoscale-concurrency or --autoscale-rate, got both; pass one');
  const queue = queueFrom({ ...(f.prometheusUrl !== undefined && { prometheusUrl: f.prometheusUrl }) }, problems);
  let env;
  if (f.envFile !== undefined) {
    try {
      env = loadEnvDefaults(f.envFile);
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      problems.push(...err.problems);
    }
  }
  const frontDoor = await frontDoorOptionsFrom(f, io, problems);
  failOnProblems(problems);
  const targets = await loadTargets({
    file: f.targets,
    ...(env !== undefined && { env }),
    only: f.variant,
    urls,
    ...(f.namespace !== undefined && { namespace: f.namespace }),
    rollback: f.rollback === true,
    autoscale: f.autoscale === true,
    frontDoorOnly: f.frontDoorOnly === true,
  });
  const needsCluster = targets.variants.some((t) => t.rollback !== null || (t.autoscale !== null && !('skip' in t.autoscale)));
  // Fail on a bad kubeconfig before any load runs, not halfway through.
  const kube = needsCluster ? kubeFrom({ ...f, namespace: f.namespace ?? POSTDEPLOY_DEFAULTS.namespace }, io) : undefined;
  const createRegistry = props.createRegistry ?? awsRegistry;
  const resolveVersion = async (variant: string, plan: RollbackPlan): Promise<RollbackTarget> => {
    const registryProblems: string[] = [];
    const where = registryFrom(
      { ...f, registryBucket: f.registryBucket ?? targets.registryBucket, registryTable: f.registryTable ?? targets.registryTable },
      io,
      registryProblems,
    );
    failOnProblems(registryProblems);
    const { registry, close } = createRegistry(where!);
    try {
      const v = plan.registryVersion !== undefined ? await registry.show(variant, plan.registryVersion) : await registry.resolve({ model: variant, env: plan.previousOf!, previous: true });
      return { kind: 'registry', version: v.version, uri: v.uri };
    } finally {
      close?.();
    }
  };
  const steps: LoadProfile[] | undefined =
    f.autoscaleRate !== undefined
      ? f.autoscaleRate.map((rate) => ({ kind: 'rate', rate, burstiness: BENCH_DEFAULTS.burstiness }))
      : f.autoscaleConcurrency?.map((concurrency) => ({ kind: 'concurrency', concurrency }));
  const apiKey = f.apiKey ?? io.env.LLM_BENCH_API_KEY;
  const controller = new AbortController();
  const release = onInterrupt(io, controller);
  let result;
  try {
    result = await runPostdeploy({
      targets,
      ...(apiKey !== undefined && apiKey !== '' && { apiKey }),
      ...(f.duration !== undefined && { loadDurationSec: f.duration }),
      profile,
      extraThresholds: f.threshold,
      ...(f.inputTokens !== undefined && { inputTokens: f.inputTokens }),
      ...(f.outputTokens !== undefined && { outputTokens: f.outputTokens }),
      ...(f.seed !== undefined && { seed: f.seed }),
      ...(f.requestTimeout !== undefined && { requestTimeoutSec: f.requestTimeout }),
      ...(kube !== undefined && { kube: () => kube }),
      resolveVersion,
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
  if (f.json !== undefined) await writeOutput(f.json, `${JSON.stringify(result, null, 2)}\n`, io);
  if (f.markdown !== undefined) await writeOutput(f.markdown, renderPostdeployMarkdown(result), io);
  if (f.html !== undefined) await writeOutput(f.html, renderPostdeployHtml(result), io);
  if (f.junit !== undefined) await writeOutput(f.junit, renderJunit(postdeploySuites(result)), io);
  if (!toStdout(f)) io.stdout(renderPostdeployMarkdown(result));
  exit.code = result.exitCode;
}

/** The `postdeploy` command; add it with `program.addCommand(postdeployCommand(io, exit))`. */
export function postdeployCommand(io: CliIo, exit: ExitSink, props: PostdeployCommandProps = {}): Command {
  const d = POSTDEPLOY_DEFAULTS;
  const cmd = new Command('postdeploy')
    .description('after a deploy: smoke and load every variant (and, when asked, a rollback drill and an autoscale check); one exit code, one JUnit file, one HTML report')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run with --help for usage)')
    .requiredOption('--targets <file>', 'pulumi stack output --json, or a targets YAML (see docs/postdeploy.md)')
    .option('--env-file <file>', "the environment's Pulumi.<env>.yaml: thresholds from its SLO, adapters, namespace, which variants autoscale")
    .option('--variant <name>', 'check only this variant; repeatable (default: all)', collect, [])
    .option('--url <name=url>', "reach a variant at another URL (e.g. a port-forward for smoke and load); repeatable", collect, [])
    .option('--namespace <ns>', 'namespace of the model workloads (default: from the URL, the targets or the env file)')
    .option('--api-key <key>', 'bearer token for /v1/* (default: env LLM_BENCH_API_KEY)')
    .option('--duration <s>', `seconds of load per variant (default ${d.postdeploy.loadDurationSec})`, number('--duration'))
    .option('--concurrency <n>', `closed-loop users of the load (default ${d.postdeploy.concurrency})`, number('--concurrency'))
    .option('--rate <r>', 'open-loop requests per second instead', number('--rate'))
    .option('--threshold <expr>', "added to every variant's thresholds; repeatable", collect, [])
    .option('--input-tokens <n>', `synthetic prompt length (default ${BENCH_DEFAULTS.inputTokens})`, number('--input-tokens'))
    .option('--output-tokens <n>', 'force exactly n output tokens per request', number('--output-tokens'))
    .option('--seed <n>', `seed for arrivals and prompts (default ${BENCH_DEFAULTS.seed})`, number('--seed'))
    .option('--request-timeout <s>', `per-request total timeout (default ${BENCH_DEFAULTS.timeoutSec})`, number('--request-timeout'))
    .option('--rollback', 'drill a rollback on every variant (targets may opt out with rollback: false)')
    .option('--no-restore', 'leave the variants rolled back (default: roll forward again, also gated)')
    .option('--rollback-limit-sec <s>', `gate on the rollback's duration (default ${d.rollback.limitSec})`, number('--rollback-limit-sec'))
    .option('--rollback-timeout-sec <s>', `stop waiting for a rollback after this long (default ${d.rollback.timeoutSec})`, number('--rollback-timeout-sec'))
    .option('--rollback-before-sec <s>', `steady load before the trigger (default ${d.rollback.beforeSec})`, number('--rollback-before-sec'))
    .option('--rollback-after-sec <s>', `steady load after completion (default ${d.rollback.afterSec})`, number('--rollback-after-sec'))
    .option('--keep-warm-sec <s>', 'blue/green: scale the old track to 0 this long after the switch', number('--keep-warm-sec'))
    .option('--autoscale', 'check autoscaling on every variant that autoscales (targets may opt out with autoscale: false)')
    .option('--autoscale-concurrency <list>', 'autoscale load steps (default 4,32,64)', numberList('--autoscale-concurrency'))
    .option('--autoscale-rate <list>', 'open-loop autoscale load steps instead', numberList('--autoscale-rate'))
    .option('--hold-sec <s>', `seconds each autoscale step holds (default ${d.autoscale.holdSec})`, number('--hold-sec'))
    .option('--scale-up-limit-sec <s>', `gate (default ${d.autoscale.scaleUpLimitSec})`, number('--scale-up-limit-sec'))
    .option('--scale-down-limit-sec <s>', `gate (default ${d.autoscale.scaleDownLimitSec})`, number('--scale-down-limit-sec'))
    .option('--prometheus-url <url>', 'read the autoscale queue from Prometheus (default: each variant\'s /metrics)')
    .option('--kubeconfig <file>', 'kubeconfig (default: $KUBECONFIG, ~/.kube/config, then the in-cluster ServiceAccount)')
    .option('--context <name>', 'kubeconfig context')
    .option('--poll-ms <ms>', `how often to read the Kubernetes API (default ${d.pollMs})`, number('--poll-ms'))
    .option('--sample-ms <ms>', `timeline resolution (default ${d.sampleMs})`, number('--sample-ms'));
  addRegistryFlags(cmd);
  addFrontDoorFlags(cmd).option('--front-door-only', 'check only the front door (from outside the cluster network); needs frontDoor in the targets');
  addOutputFlags(cmd);
  cmd.addHelpText(
    'after',
    [
      '',
      'Examples:',
      '  pulumi stack output --json > targets.json',
      '  llm-bench postdeploy --targets targets.json --env-file Pulumi.prod.yaml --rollback --junit out/junit.xml --html out/postdeploy.html',
      '',
      'Exit codes: 0 all passed · 99 a threshold or gate was crossed · 2 bad usage · 1 a stage could not run or failed',
    ].join('\n'),
  );
  return cmd.action((f: PostdeployFlags) => postdeployAction(f, io, exit, props));
}
