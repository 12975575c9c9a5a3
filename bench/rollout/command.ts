/**
 * `llm-bench rollback …`: a thin command over {@link runRollback}. Flags become options, the
 * result becomes reports and an exit code (0 gates passed, 99 a gate crossed, 2 bad usage, 1 the
 * check could not run).
 */
import { Command, Option } from 'commander';
import type { CliIo, ExitSink } from '../cli';
import { EXIT } from '../errors';
import { renderJunit } from '../report/junit';
import {
  addKubeFlags,
  addOutputFlags,
  addRegistryFlags,
  addTrafficFlags,
  awsRegistry,
  collectUsage,
  failOnProblems,
  type KubeFlags,
  kubeFrom,
  number,
  onInterrupt,
  type OutputFlags,
  outputProblems,
  profileFrom,
  type RegistryFactory,
  type RegistryFlags,
  registryFrom,
  toStdout,
  type TrafficFlags,
  trafficFrom,
  writeOutput,
} from '../postdeploy/cli-shared';
import { POSTDEPLOY_DEFAULTS } from '../postdeploy/defaults';
import { crossedGates } from '../postdeploy/page';
import type { RollbackResult } from './result';
import { rollbackPassed } from './result';
import { renderRollbackHtml, renderRollbackMarkdown, rollbackSuite } from './report';
import { type RollbackTarget, type RolloutStrategyChoice, runRollback } from './rollback';

export interface RollbackFlags extends KubeFlags, TrafficFlags, RegistryFlags, OutputFlags {
  readonly variant: string;
  readonly previous?: boolean;
  readonly registryVersion?: string;
  readonly env?: string;
  readonly registryModel?: string;
  readonly strategy: RolloutStrategyChoice;
  readonly concurrency?: number;
  readonly rate?: number;
  readonly limitSec?: number;
  readonly maxFailedRequests?: number;
  readonly beforeSec?: number;
  readonly afterSec?: number;
  readonly timeoutSec?: number;
  readonly pollMs?: number;
  readonly sampleMs?: number;
  readonly keepWarmSec?: number;
  readonly retargetScaler: boolean;
}

export interface CommandProps {
  /** @default - the AWS SDK against the registry bucket and table */
  readonly createRegistry?: RegistryFactory;
}

/**
 * Resolves where to roll back to: the previous revision or standby track (no flag, or
 * `--previous` alone), `--registry-version V`, or `--previous --env E` (the registry's previous
 * version of E). Registry versions are looked up so a missing or unready one fails before
 * anything changes.
 */
export async function rollbackTargetFrom(
  f: Pick<RollbackFlags, 'previous' | 'registryVersion' | 'env' | 'registryModel' | 'variant'> & RegistryFlags,
  io: CliIo,
  createRegistry: RegistryFactory,
  problems: string[],
): Promise<RollbackTarget | undefined> {
  if (f.registryVersion !== undefined && f.previous === true) {
    problems.push(`--registry-version and --previous name different targets, got both (${f.registryVersion} and --previous); pass one`);
  }
  if (f.env !== undefined && f.previous !== true) {
    problems.push(`--env names the registry environment whose previous version --previous rolls to, got --env ${f.env} without --previous; add --previous or drop --env`);
  }
  const wantsRegistry = f.registryVersion !== undefined || f.env !== undefined;
  if (!wantsRegistry) return problems.length > 0 ? undefined : { kind: 'previous' };
  const where = registryFrom(f, io, problems);
  if (problems.length > 0 || where === undefined) return undefined;
  const model = f.registryModel ?? f.variant;
  const { registry, close } = createRegistry(where);
  try {
    const v = f.registryVersion !== undefined ? await registry.show(model, f.registryVersion) : await registry.resolve({ model, env: f.env!, previous: true });
    return { kind: 'registry', version: v.version, uri: v.uri };
  } finally {
    close?.();
  }
}

async function writeRollbackOutputs(r: RollbackResult, f: OutputFlags, io: CliIo): Promise<void> {
  if (f.json !== undefined) await writeOutput(f.json, `${JSON.stringify(r, null, 2)}\n`, io);
  if (f.markdown !== undefined) await writeOutput(f.markdown, renderRollbackMarkdown(r), io);
  if (f.html !== undefined) await writeOutput(f.html, renderRollbackHtml(r), io);
  if (f.junit !== undefined) await writeOutput(f.junit, renderJunit([rollbackSuite(r)]), io);
}

/** Exit code of a finished check, with the reason on stderr. */
export function rollbackExitCode(r: RollbackResult, io: CliIo): number {
  if (r.aborted !== undefined) {
    io.stderr(`error: ${r.aborted.reason}\n`);
    return EXIT.runFailed;
  }
  if (!rollbackPassed(r)) {
    io.stderr(`gates crossed: ${crossedGates(r.gates).join(', ')}${r.completed ? '' : ` (${r.detail})`}\n`);
    return EXIT.thresholdCrossed;
  }
  return EXIT.ok;
}

async function rollbackAction(f: RollbackFlags, io: CliIo, exit: ExitSink, props: CommandProps): Promise<void> {
  const problems = outputProblems(f);
  const profile = profileFrom(f, POSTDEPLOY_DEFAULTS.rollback.concurrency, problems);
  const kube = collectUsage(problems, () => kubeFrom(f, io));
  // The registry is asked last, and only when everything else is right.
  const to = await rollbackTargetFrom(f, io, props.createRegistry ?? awsRegistry, problems);
  failOnProblems(problems);
  const controller = new AbortController();
  const release = onInterrupt(io, controller);
  const quiet = toStdout(f);
  let result: RollbackResult;
  try {
    result = await runRollback({
      kube: kube!,
      namespace: f.namespace,
      variant: f.variant,
      to: to!,
      strategy: f.strategy,
      load: trafficFrom(f, io, f.baseUrl!, f.model ?? f.variant, profile),
      ...(f.limitSec !== undefined && { limitSec: f.limitSec }),
      ...(f.maxFailedRequests !== undefined && { maxFailedRequests: f.maxFailedRequests }),
      ...(f.beforeSec !== undefined && { beforeSec: f.beforeSec }),
      ...(f.afterSec !== undefined && { afterSec: f.afterSec }),
      ...(f.timeoutSec !== undefined && { timeoutSec: f.timeoutSec }),
      ...(f.pollMs !== undefined && { pollMs: f.pollMs }),
      ...(f.sampleMs !== undefined && { sampleMs: f.sampleMs }),
      ...(f.keepWarmSec !== undefined && { keepWarmSec: f.keepWarmSec }),
      retargetScaler: f.retargetScaler,
      signal: controller.signal,
      onEvent: (e) => io.stderr(`[${e.t.toFixed(2).padStart(7)} s] ${e.message}\n`),
    });
  } finally {
    release();
  }
  await writeRollbackOutputs(result, f, io);
  if (!quiet) io.stdout(renderRollbackMarkdown(result));
  exit.code = rollbackExitCode(result, io);
}

/** The `rollback` command; add it with `program.addCommand(rollbackCommand(io, exit))`. */
export function rollbackCommand(io: CliIo, exit: ExitSink, props: CommandProps = {}): Command {
  const d = POSTDEPLOY_DEFAULTS.rollback;
  const cmd = new Command('rollback')
    .description('under steady load, roll a variant back (blue/green switch or rolling undo, or to a registry version); gate on duration and failed requests')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run with --help for usage)')
    .requiredOption('--variant <name>', "the variant's Kubernetes name (its Service; Deployment <name> or <name>-blue/-green)")
    .option('--previous', 'roll back to the previous revision (rolling) or the standby track (blue/green); with --env: the registry version the environment ran before')
    .option('--registry-version <semver>', 'roll to this registry version: set its s3:// URI in the pod template (blue/green: on the standby track, then switch)')
    .option('--env <name>', 'with --previous: the registry environment whose previous version to roll to')
    .option('--registry-model <name>', 'model name in the registry (default: the variant name)')
    .addOption(new Option('--strategy <s>', 'how the variant rolls out').choices(['auto', 'rolling', 'blue-green']).default('auto'))
    .option('--concurrency <n>', `closed-loop users of the steady load (default ${d.concurrency})`, number('--concurrency'))
    .option('--rate <r>', 'open-loop requests per second instead', number('--rate'))
    .option('--limit-sec <s>', `gate: trigger → complete at most this long (default ${d.limitSec})`, number('--limit-sec'))
    .option('--max-failed-requests <n>', `gate: failed requests allowed (default ${d.maxFailedRequests})`, number('--max-failed-requests'))
    .option('--before-sec <s>', `steady load before the trigger (default ${d.beforeSec})`, number('--before-sec'))
    .option('--after-sec <s>', `steady load after completion (default ${d.afterSec})`, number('--after-sec'))
    .option('--timeout-sec <s>', `stop waiting for completion after this long (default ${d.timeoutSec})`, number('--timeout-sec'))
    .option('--keep-warm-sec <s>', 'blue/green: scale the old track to 0 this long after the switch (default: leave it warm)', number('--keep-warm-sec'))
    .option('--no-retarget-scaler', "blue/green: leave the variant's ScaledObject on the old track");
  addRegistryFlags(addTrafficFlags(addKubeFlags(cmd), true));
  addOutputFlags(cmd);
  cmd.addHelpText(
    'after',
    [
      '',
      'Examples:',
      '  llm-bench rollback --variant mistral-7b-awq --base-url http://mistral-7b-awq.llm-baseline:8000 --html out/rollback.html',
      '  llm-bench rollback --variant mistral-7b-awq --base-url … --previous --env prod --registry-bucket B --registry-table T',
      '',
      'Exit codes: 0 gates passed · 99 a gate was crossed · 2 bad usage · 1 the check could not run',
    ].join('\n'),
  );
  return cmd.action((f: RollbackFlags) => rollbackAction(f, io, exit, props));
}
