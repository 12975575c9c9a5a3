/** `llm-bench compare BASELINE.json CANDIDATE.json` (or `--live`): two runs side by side, with noise and gates. */
import { Command } from 'commander';
import { collect, number, positiveInteger } from '../flags';
import { type CliIo, type ExitSink, withConventions } from '../io';
import { addOutputFlags } from '../output';
import type { CompareFlags } from '../actions/compare';
import { LIVE_COMPARE_DEFAULTS } from '../../compare/defaults';

/** The `compare` command; add it with `program.addCommand(compareCommand(io, exit))`. */
export function compareCommand(io: CliIo, exit: ExitSink): Command {
  const cmd = new Command('compare')
    .description(
      'compare two load or sweep results (or --live: one load interleaved over two targets): deltas, 95 % intervals, regression gates',
    )
    .argument('[baseline]', 'the baseline result (load or sweep JSON written with --json)')
    .argument('[candidate]', 'the candidate result, of the same kind')
    .option(
      '--max-regression <metric=limit>',
      "gate such as 'ttftMs.p95=10%', 'errorRate=+0.005', 'outputTokenThroughput=-5%'; repeatable",
      collect,
      [],
    )
    .option('--seed <n>', 'seed of the bootstrap (default 1): the same files and seed give the same intervals', number('--seed'))
    .option(
      '--live',
      'run one load instead of reading files: request i goes to the baseline when i is even, to the candidate when it is odd, with the same prompts',
    )
    .option('--base-url <url>', 'live: the baseline server root')
    .option('--model <id>', 'live: the baseline model')
    .option('--candidate-base-url <url>', 'live: the candidate server root (default: --base-url)')
    .option('--candidate-model <id>', 'live: the candidate model (default: --model)')
    .option('--api-key <key>', 'live: bearer token of the baseline (default: env LLM_BENCH_API_KEY)')
    .option('--candidate-api-key <key>', "live: bearer token of the candidate (default: the baseline's)")
    .option(
      '--concurrency <n>',
      `live: users of the whole load, shared by both targets (default ${LIVE_COMPARE_DEFAULTS.concurrency}); a slower target holds more of them at a time`,
      positiveInteger('--concurrency'),
    )
    .option('--rate <r>', 'live: requests per second of the whole load, Poisson arrivals; each target is offered r / 2', number('--rate'))
    .option('--burstiness <b>', 'live: gamma shape of the arrivals with --rate: 1 Poisson, < 1 burstier', number('--burstiness'))
    .option(
      '--requests <n>',
      `live: requests of the whole load, n / 2 to each target (default ${LIVE_COMPARE_DEFAULTS.requests} unless --duration)`,
      positiveInteger('--requests'),
    )
    .option('--duration <s>', 'live: send the load for s seconds', number('--duration'))
    .option('--input-tokens <n>', 'live: synthetic prompt length in tokens', number('--input-tokens'))
    .option('--output-tokens <n>', 'live: force exactly n output tokens', number('--output-tokens'))
    .option(
      '--load-seed <n>',
      'live: seed of the prompts and the arrivals (one load: the same prompts for both targets)',
      number('--load-seed'),
    )
    .option('--save-baseline <file>', 'live: also write the baseline load result')
    .option('--save-candidate <file>', 'live: also write the candidate load result');
  return withConventions(
    addOutputFlags(cmd, {
      html: 'write a self-contained HTML report with both CDFs (- for stdout)',
      junit: 'write JUnit XML, one test case per gate (- for stdout)',
    }).action(async (baseline: string | undefined, candidate: string | undefined, f: CompareFlags) =>
      (await import('../actions/compare')).compareAction(baseline, candidate, f, io, exit),
    ),
    io,
  );
}
