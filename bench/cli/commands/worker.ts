/**
 * `llm-bench worker`: one worker of a distributed load run (hidden: the coordinator starts it, as a
 * local process or a pod of the load worker Job). It reads the run's spec from LLM_BENCH_WORKER_SPEC,
 * its index from JOB_COMPLETION_INDEX and the API key from LLM_BENCH_API_KEY, and prints its report.
 */
import { Command } from 'commander';
import { type CliIo, type ExitSink, withConventions } from '../io';

/** The hidden `worker` command; add it with `program.addCommand(workerCommand(io, exit), { hidden: true })`. */
export function workerCommand(io: CliIo, exit: ExitSink): Command {
  return withConventions(
    new Command('worker')
      .description('run one worker of a distributed load run (started by `load --workers N`, or as a pod of the load worker Job)')
      .action(async () => (await import('../actions/worker')).workerAction(io, exit)),
    io,
  );
}
