/** What `llm-bench rollback` does once its flags parse. */
import { POSTDEPLOY_DEFAULTS } from '../../checks/defaults';
import { collectUsage, failOnProblems } from '../../errors';
import { ROLLBACK_RENDERERS, renderRollbackMarkdown } from '../../rollout/report';
import { type RollbackTarget, type RolloutStrategyChoice, runRollback } from '../../rollout/rollback';
import type { RollbackResult } from '../../rollout/result';
import { awsRegistry, kubeFrom } from '../cluster';
import {
  type KubeFlags,
  profileFrom,
  type RegistryFactory,
  type RegistryFlags,
  registryFrom,
  type TrafficFlags,
  trafficFrom,
} from '../flags';
import { onInterrupt, stopCheck } from '../interrupt';
import type { CliIo, ExitSink } from '../io';
import { checkOutputs, eventLine, exitCodeOf, type OutputFlags, outputProblems, toStdout, withOutputs, writeReports } from '../output';
import { trafficProblems } from '../run-options';

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

export interface RollbackCommandProps {
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
    problems.push(
      `--env names the registry environment whose previous version --previous rolls to, got --env ${f.env} without --previous; add --previous or drop --env`,
    );
  }
  const wantsRegistry = f.registryVersion !== undefined || f.env !== undefined;
  if (!wantsRegistry) return problems.length > 0 ? undefined : { kind: 'previous' };
  const where = registryFrom(f, io, problems);
  if (problems.length > 0 || where === undefined) return undefined;
  const model = f.registryModel ?? f.variant;
  const { registry, close } = createRegistry(where);
  try {
    const v =
      f.registryVersion !== undefined
        ? await registry.show(model, f.registryVersion)
        : await registry.resolve({ model, env: f.env!, previous: true });
    return { kind: 'registry', version: v.version, uri: v.uri };
  } finally {
    close?.();
  }
}

export async function rollbackAction(f: RollbackFlags, io: CliIo, exit: ExitSink, props: RollbackCommandProps): Promise<void> {
  const problems = outputProblems(f);
  const profile = profileFrom(f, POSTDEPLOY_DEFAULTS.rollback.concurrency, problems);
  trafficProblems(f, [profile], problems);
  const kube = collectUsage(problems, () => kubeFrom(f, io));
  const probe = await checkOutputs(f, problems);
  // The registry is asked last, and only when everything else is right.
  const to = await rollbackTargetFrom(f, io, props.createRegistry ?? awsRegistry, problems);
  if (problems.length > 0) await probe.undo();
  failOnProblems(problems);
  const controller = new AbortController();
  const release = onInterrupt(io, stopCheck(controller));
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
      onEvent: (e) => io.stderr(eventLine(e)),
    });
  } finally {
    release();
  }
  const written = await writeReports(result, f, ROLLBACK_RENDERERS, io);
  if (!toStdout(f)) io.stdout(renderRollbackMarkdown(result));
  exit.code = withOutputs(
    exitCodeOf(
      { aborted: result.aborted, checks: result.gates, checkName: 'gates', ...(!result.completed && { detail: result.detail }) },
      io,
    ),
    written,
  );
}
