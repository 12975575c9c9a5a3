/** `llm-bench plan --sweep sweep.json --target-rps R`: replicas, GPUs and $/month for a target load. */
import { Command } from 'commander';
import { addPricingFlags } from '../cost-flags';
import { collect, number } from '../flags';
import { type CliIo, withConventions } from '../io';
import type { PlanFlags } from '../actions/plan';

/** The `plan` command; add it with `program.addCommand(planCommand(io))`. */
export function planCommand(io: CliIo): Command {
  const cmd = new Command('plan')
    .description('from a sweep, the replicas, GPUs and $/month a target load needs (with one spare for a SPOT interruption)')
    .requiredOption('--sweep <file>', 'a sweep result (llm-bench sweep --json)')
    .option('--target-rps <r>', 'requests per second to carry', number('--target-rps'))
    .option('--target-output-tps <t>', 'output tokens per second to carry', number('--target-output-tps'))
    .option('--threshold <expr>', "judge the sweep's steps by this SLO instead of its own thresholds; repeatable", collect, [])
    .option('--sweep-replicas <n>', 'replicas that served the sweep (default: its --replicas, else 1)', number('--sweep-replicas'))
    .option('--spare <n>', 'replicas on top of the load, for a SPOT interruption (default 1)', number('--spare'));
  addPricingFlags(cmd)
    .option('--json <file>', 'write the JSON result (- for stdout, and nothing else there)')
    .option('--markdown <file>', 'write the Markdown plan (- for stdout)')
    .addHelpText(
      'after',
      '\nExample:\n  llm-bench plan --sweep out/sweep.json --target-rps 40 --pricing-config Pulumi.prod.yaml\n\n' +
        "The fixed floor (control plane, system nodes, NAT, storage) is --pricing-config's environment's, or the config defaults'.",
    );
  return withConventions(
    cmd.action(async (f: PlanFlags) => (await import('../actions/plan')).planAction(f, io)),
    io,
  );
}
