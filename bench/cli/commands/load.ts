/** `llm-bench load …`: closed- or open-loop load with threshold gates. */
import { Command } from 'commander';
import { BENCH_DEFAULTS } from '../../defaults';
import { number } from '../flags';
import { type CliIo, type ExitSink, withConventions } from '../io';
import { addCostFlags } from '../cost-flags';
import { addRunFlags } from '../run-flags';
import { addServerFlags } from '../server-flags';
import type { LoadFlags } from '../actions/load';

/** The `load` command; add it with `program.addCommand(loadCommand(io, exit))`. */
export function loadCommand(io: CliIo, exit: ExitSink): Command {
  const cmd = new Command('load')
    .description('send load (closed loop with --concurrency, open loop with --rate) and gate on thresholds')
    .option('--concurrency <n>', 'closed loop: n users, each sends when its last request ends', number('--concurrency'))
    .option('--rate <r>', 'open loop: r requests per second, Poisson arrivals', number('--rate'))
    .option(
      '--burstiness <b>',
      `gamma shape of open-loop arrivals: 1 Poisson, < 1 burstier (default ${BENCH_DEFAULTS.burstiness})`,
      number('--burstiness'),
    )
    .option(
      '--workers <n>',
      'split the load over n worker processes (users or rate / n each) and merge their histograms into one result',
      number('--workers'),
    )
    // --kubeconfig comes with the server flags below; with --workers it also runs the workers as an Indexed Job in the cluster.
    .option('--image <ref>', 'with --kubeconfig: the llm-bench image the worker pods run (see Dockerfile)')
    .option('--bench-namespace <ns>', 'with --kubeconfig: namespace of the worker Job (default llm-bench)')
    .option(
      '--api-key-secret <name:key>',
      'with --kubeconfig: Secret the worker pods read the API key from (default vllm-api-key:api-key when a key is set)',
    )
    .option(
      '--barrier <s>',
      'with --workers: seconds from launching the workers to their common start (default 3 local, 60 in the cluster)',
      number('--barrier'),
    )
    .option('--otlp-endpoint <url>', 'export one OpenTelemetry span per request over OTLP/HTTP, e.g. http://127.0.0.1:4318');
  return withConventions(
    addServerFlags(addCostFlags(addRunFlags(cmd)))
      .addHelpText(
        'after',
        '\nExample:\n  llm-bench load --base-url http://127.0.0.1:8000 --model m --concurrency 16 --requests 500 \\\n' +
          '    --threshold "ttftMs.p95<500" --threshold "errorRate<0.01" --json out/result.json --html out/report.html \\\n' +
          '    --replicas 2 --pricing-config Pulumi.prod.yaml',
      )
      .action(async (f: LoadFlags) => (await import('../actions/load')).loadAction(f, io, exit)),
    io,
  );
}
