/** `llm-bench eval`: answer quality of models with the judge, exact checks and pairwise win rates. */
import { Command } from 'commander';
import { collect, number, positiveInteger } from '../flags';
import { type CliIo, type ExitSink, withConventions } from '../io';
import { addOutputFlags } from '../output';
import type { EvalFlags } from '../actions/eval';

/** The `eval` command; add it with `program.addCommand(evalCommand(io, exit))`. */
export function evalCommand(io: CliIo, exit: ExitSink): Command {
  const cmd = new Command('eval')
    .description(
      'every model answers a promptset; exact checks, judge scores (pointwise) and position-swapped pairwise win rates against the baseline',
    )
    .requiredOption('--base-url <url>', 'server root of the models (and the judge, unless --judge-url)')
    .requiredOption('--model <id>', 'model under test; repeatable; the first is the baseline unless --baseline', collect, [])
    .option('--model-url <id=url>', 'a model served elsewhere than --base-url; repeatable', collect, [])
    .option('--baseline <id>', 'the model the others are compared with (default: the first --model)')
    .option('--judge <id>', 'the judge model (without it: exact checks only)')
    .option('--judge-url <url>', 'server root of the judge (default: --base-url)')
    .option('--api-key <key>', 'bearer token for every server (default: env LLM_BENCH_API_KEY)')
    .option('--promptset <core|file.jsonl|s3://…>', 'prompts to ask (default core: the 66 shipped prompts)', 'core')
    .option('--limit <n>', 'only the first n prompts', positiveInteger('--limit'))
    .option('--max-tokens <n>', 'max_tokens of every answer (default 512)', positiveInteger('--max-tokens'))
    .option('--seed <n>', 'seed sent with every request (default 0)', number('--seed'))
    .option('--concurrency <n>', 'requests in flight (default 8)', positiveInteger('--concurrency'))
    .option('--timeout <s>', 'per-request timeout (default 120)', number('--timeout'))
    .option('--no-structured-output', 'do not ask the judge for structured output (servers without response_format json_schema)')
    .option(
      '--min-judge-agreement <share>',
      'flag the judge below this agreement with the exact checks (default 0.8)',
      number('--min-judge-agreement'),
    )
    .option(
      '--threshold <expr>',
      'gate such as winRate>=0.45, score.mean>=6.5, referencePass>=0.9; repeatable; any crossed → exit 99',
      collect,
      [],
    )
    .option('--region <region>', 'AWS region for an s3:// promptset (default: the SDK chain)')
    .option('--s3-endpoint-url <url>', 'S3 endpoint for an s3:// promptset (localstack, s3rver)');
  return withConventions(
    addOutputFlags(cmd, {
      html: 'write a self-contained HTML report (- for stdout)',
      junit: 'write JUnit XML, one test case per threshold and model (- for stdout)',
    }).action(async (f: EvalFlags) => (await import('../actions/eval')).evalAction(f, io, exit)),
    io,
  );
}
