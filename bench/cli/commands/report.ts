/** `llm-bench report FILE …`: render a saved result again. */
import { Command } from 'commander';
import { type CliIo, type ExitSink, withConventions } from '../io';
import type { OutputFlags } from '../output';

/** The `report` command; add it with `program.addCommand(reportCommand(io, exit))`. */
export function reportCommand(io: CliIo, exit: ExitSink): Command {
  return withConventions(
    new Command('report')
      .description('render a saved result (load, sweep or smoke JSON)')
      .argument('<file>', 'a JSON file written with --json')
      .option('--markdown <file>', 'Markdown (- for stdout)')
      .option('--html <file>', 'self-contained HTML with charts (- for stdout)')
      .option('--junit <file>', 'JUnit XML (- for stdout)')
      .action(async (file: string, f: OutputFlags) => (await import('../actions/report')).reportAction(file, f, io, exit)),
    io,
  );
}
