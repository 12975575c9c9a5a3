/** `llm-bench sweep …`: load at rising concurrency or rate; the best step that meets the thresholds. */
import { Command } from 'commander';
import { number, numberList } from '../flags';
import { type CliIo, type ExitSink, withConventions } from '../io';
import { addCostFlags } from '../cost-flags';
import { addRunFlags } from '../run-flags';
import type { SweepFlags } from '../actions/sweep';

/** The `sweep` command; add it with `program.addCommand(sweepCommand(io, exit))`. */
export function sweepCommand(io: CliIo, exit: ExitSink): Command {
  const cmd = new Command('sweep')
    .description('repeat load at increasing concurrency or rate; report the highest that meets the thresholds')
    .option('--concurrency <list>', 'concurrencies to try, e.g. 1,2,4,8', numberList('--concurrency'))
    .option('--rate <list>', 'rates to try (requests/s), e.g. 1,2,4', numberList('--rate'))
    .option('--burstiness <b>', 'gamma shape of open-loop arrivals', number('--burstiness'))
    .option('--keep-going', 'run every step, even after one fails its thresholds');
  return withConventions(
    addCostFlags(addRunFlags(cmd)).action(async (f: SweepFlags) => (await import('../actions/sweep')).sweepAction(f, io, exit)),
    io,
  );
}
