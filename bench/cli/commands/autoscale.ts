/** `llm-bench autoscale …`: a thin command over {@link runAutoscale}. */
import { Command } from 'commander';
import { POSTDEPLOY_DEFAULTS } from '../../checks/defaults';
import { addKubeFlags, addTrafficFlags, number, numberList } from '../flags';
import { type CliIo, type ExitSink, withConventions } from '../io';
import { addPricingFlags } from '../cost-flags';
import { addOutputFlags } from '../output';
import type { AutoscaleFlags } from '../actions/autoscale';

/** The `autoscale` command; add it with `program.addCommand(autoscaleCommand(io, exit))`. */
export function autoscaleCommand(io: CliIo, exit: ExitSink): Command {
  const d = POSTDEPLOY_DEFAULTS.autoscale;
  const cmd = new Command('autoscale')
    .description('step the load up, watch KEDA/HPA, replicas, Pending pods and the vLLM queue; gate on scale-up and scale-down times')
    .requiredOption('--variant <name>', 'the variant; its ScaledObject has the same name')
    .option('--concurrency <list>', 'closed-loop load steps, e.g. 4,16,32', numberList('--concurrency'))
    .option('--rate <list>', 'open-loop load steps in requests/s, e.g. 2,8,16', numberList('--rate'))
    .option(
      '--hold-sec <s>',
      `seconds each step holds; the last holds until scale-up or its limit (default ${d.holdSec})`,
      number('--hold-sec'),
    )
    .option(
      '--scale-up-limit-sec <s>',
      `gate: load start → target replicas ready (default ${d.scaleUpLimitSec})`,
      number('--scale-up-limit-sec'),
    )
    .option(
      '--scale-down-limit-sec <s>',
      `gate: load stop → back to the start's replicas (default ${d.scaleDownLimitSec})`,
      number('--scale-down-limit-sec'),
    )
    .option('--scale-up-to <n>', 'ready replicas that count as scaled up (default: the start + 1)', number('--scale-up-to'))
    .option('--scale-down-to <n>', "replicas that count as scaled down (default: the start's)", number('--scale-down-to'))
    .option(
      '--prometheus-url <url>',
      'read the queue from Prometheus (the sum KEDA sees), e.g. http://kube-prometheus-stack-prometheus.monitoring:9090',
    )
    .option('--metrics-url <url>', "read the queue from this server's /metrics (default: --base-url)");
  addTrafficFlags(addKubeFlags(cmd), true);
  addPricingFlags(cmd);
  addOutputFlags(cmd);
  cmd.addHelpText(
    'after',
    '\nExample:\n  llm-bench autoscale --variant mistral-7b-awq --base-url http://mistral-7b-awq.llm-baseline:8000 --concurrency 4,32,64 --hold-sec 180 --html out/autoscale.html\n\n' +
      'Exit codes: 0 gates passed · 99 a gate was crossed · 2 bad usage · 1 the check could not run',
  );
  return withConventions(
    cmd.action(async (f: AutoscaleFlags) => (await import('../actions/autoscale')).autoscaleAction(f, io, exit)),
    io,
  );
}
