/**
 * `llm-bench rollback …`: a thin command over {@link runRollback}. Flags become options, the
 * result becomes reports and an exit code (0 gates passed, 99 a gate crossed, 2 bad usage, 1 the
 * check could not run).
 */
import { Command, Option } from 'commander';
import { POSTDEPLOY_DEFAULTS } from '../../checks/defaults';
import { addKubeFlags, addRegistryFlags, addTrafficFlags, number } from '../flags';
import { type CliIo, type ExitSink, withConventions } from '../io';
import { addOutputFlags } from '../output';
import type { RollbackCommandProps, RollbackFlags } from '../actions/rollback';

/** The `rollback` command; add it with `program.addCommand(rollbackCommand(io, exit))`. */
export function rollbackCommand(io: CliIo, exit: ExitSink, props: RollbackCommandProps = {}): Command {
  const d = POSTDEPLOY_DEFAULTS.rollback;
  const cmd = new Command('rollback')
    .description(
      'under steady load, roll a variant back (blue/green switch or rolling undo, or to a registry version); gate on duration and failed requests',
    )
    .requiredOption('--variant <name>', "the variant's Kubernetes name (its Service; Deployment <name> or <name>-blue/-green)")
    .option(
      '--previous',
      'roll back to the previous revision (rolling) or the standby track (blue/green); with --env: the registry version the environment ran before',
    )
    .option(
      '--registry-version <semver>',
      'roll to this registry version: set its s3:// URI in the pod template (blue/green: on the standby track, then switch)',
    )
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
    .option(
      '--keep-warm-sec <s>',
      'blue/green: scale the old track to 0 this long after the switch (default: leave it warm)',
      number('--keep-warm-sec'),
    )
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
  return withConventions(
    cmd.action(async (f: RollbackFlags) => (await import('../actions/rollback')).rollbackAction(f, io, exit, props)),
    io,
  );
}
