/** `llm-bench pareto`: variants on quality × latency × cost, and the ones no other beats on all three. */
import { Command, Option } from 'commander';
import { collect } from '../flags';
import { type CliIo, withConventions } from '../io';
import type { ParetoFlags } from '../actions/pareto';

/** The `pareto` command; add it with `program.addCommand(paretoCommand(io))`. */
export function paretoCommand(io: CliIo): Command {
  return withConventions(
    new Command('pareto')
      .description('place variants on quality (an eval result) × latency × $ per 1M output tokens (their load results and facts/prices.ts)')
      .requiredOption('--eval <file>', 'an eval result (llm-bench eval --json) with every variant as a model')
      .requiredOption('--variant <name=load.json>', 'a variant: its model id in the eval and its load result; repeatable', collect, [])
      .requiredOption(
        '--instance-type <type|name=type>',
        'instance type the replicas ran on, for all or for one variant; repeatable',
        collect,
        [],
      )
      .option('--replicas <name=n>', "replicas (one GPU each) behind a variant's load (default 1); repeatable", collect, [])
      .option('--region <region>', 'price sheet of facts/prices.ts', 'us-east-1')
      .addOption(new Option('--capacity <type>', 'how the GPUs are bought').choices(['SPOT', 'ON_DEMAND']).default('ON_DEMAND'))
      .addOption(
        new Option('--quality <metric>', 'quality figure of the eval')
          .choices(['score.mean', 'referencePass', 'winRate'])
          .default('score.mean'),
      )
      .addOption(
        new Option('--latency <metric>', 'latency figure of the loads')
          .choices(['ttftMs.p50', 'ttftMs.p95', 'tpotMs.p50', 'tpotMs.p95', 'e2eMs.p50', 'e2eMs.p95'])
          .default('ttftMs.p95'),
      )
      .option('--json <file>', 'write the JSON result (- for stdout, and nothing else there)')
      .option('--markdown <file>', 'write a Markdown summary (- for stdout)')
      .option('--html <file>', 'write a self-contained HTML report with the chart (- for stdout)')
      .action(async (f: ParetoFlags) => (await import('../actions/pareto')).paretoAction(f, io)),
    io,
  );
}
