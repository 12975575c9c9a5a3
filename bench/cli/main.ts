/**
 * The llm-bench command line: a thin layer that turns flags into library calls and results into
 * files and exit codes. Everything it does is available from `bench/index.ts`.
 *
 * Start-up stays cheap: this module loads commander and the command definitions only; each
 * command's action (and the libraries it needs: the load engine, the Kubernetes client, the AWS
 * SDK) is imported when that command runs.
 */
import { Command, CommanderError } from 'commander';
import { EXIT, RunError, UsageError } from '../errors';
import { TOOL } from '../version';
import { autoscaleCommand } from './commands/autoscale';
import { cacheProbeCommand } from './commands/cache-probe';
import { collectCommand } from './commands/collect';
import { compareCommand } from './commands/compare';
import { evalCommand } from './commands/eval';
import { frontDoorCommand } from './commands/frontdoor';
import { loadCommand } from './commands/load';
import { paretoCommand } from './commands/pareto';
import { planCommand } from './commands/plan';
import { postdeployCommand } from './commands/postdeploy';
import { registryCommand } from './commands/registry';
import { reportCommand } from './commands/report';
import { rollbackCommand } from './commands/rollback';
import { simCommand } from './commands/sim';
import { smokeCommand } from './commands/smoke';
import { sweepCommand } from './commands/sweep';
import { workerCommand } from './commands/worker';
import { type CliIo, type ExitSink, processIo, withConventions } from './io';

/**
 * Builds the llm-bench program. Actions report their exit code through `exit`; usage and run
 * errors are thrown, and {@link main} turns them into exit codes.
 */
export function buildProgram(io: CliIo, exit: ExitSink): Command {
  const program = new Command('llm-bench')
    .description('post-deploy smoke, load, sweep and reports for OpenAI-compatible LLM servers (vLLM)')
    .version(TOOL.version)
    .addHelpText('after', '\nExit codes: 0 passed · 99 a threshold was crossed · 2 bad usage · 1 the run failed (unreachable, auth, crash)')
    .addCommand(loadCommand(io, exit))
    .addCommand(sweepCommand(io, exit))
    .addCommand(smokeCommand(io, exit))
    .addCommand(reportCommand(io, exit))
    .addCommand(simCommand(io))
    .addCommand(rollbackCommand(io, exit))
    .addCommand(autoscaleCommand(io, exit))
    .addCommand(postdeployCommand(io, exit))
    .addCommand(frontDoorCommand(io, exit))
    .addCommand(planCommand(io))
    .addCommand(cacheProbeCommand(io, exit))
    .addCommand(compareCommand(io, exit))
    .addCommand(evalCommand(io, exit))
    .addCommand(paretoCommand(io))
    .addCommand(registryCommand({ io }))
    .addCommand(collectCommand(io, exit))
    .addCommand(workerCommand(io, exit), { hidden: true })
    // Root options only before the subcommand, or llm-bench's own --version swallows `registry publish --version`.
    .enablePositionalOptions();
  return withConventions(program, io);
}

/** The exit code of an error a command threw, with its message on stderr. */
export function exitCodeOfError(err: unknown, io: CliIo): number {
  if (err instanceof CommanderError) {
    // Help and version exit 0; every other commander error is a usage error (already printed).
    return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (err instanceof UsageError || err instanceof RunError) {
    io.stderr(`error: ${err.message}\n`);
    return err.exitCode;
  }
  io.stderr(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return EXIT.runFailed;
}

/** Runs llm-bench with `argv` (as process.argv: node, script, args…) and returns the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const exit: ExitSink = { code: EXIT.ok };
  try {
    await buildProgram(io, exit).parseAsync([...argv]);
    return exit.code;
  } catch (err) {
    return exitCodeOfError(err, io);
  }
}
