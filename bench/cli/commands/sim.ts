/** `llm-bench sim …`: a vLLM-compatible simulator that runs until Ctrl-C. */
import { Command } from 'commander';
import { BENCH_DEFAULTS } from '../../defaults';
import { collect, number } from '../flags';
import { type CliIo, withConventions } from '../io';
import type { SimFlags } from '../actions/sim';

/** The `sim` command; add it with `program.addCommand(simCommand(io))`. */
export function simCommand(io: CliIo): Command {
  const d = BENCH_DEFAULTS.sim;
  return withConventions(
    new Command('sim')
      .description('run a vLLM-compatible simulator (OpenAI API with SSE, /v1/models, /health, /metrics, queueing, faults)')
      .option('--host <host>', 'address to listen on', d.host)
      .option('--port <p>', 'port (0 picks a free one)', number('--port'), d.port)
      .option('--model <id>', `served model; repeatable (default ${d.models.join(', ')})`, collect, [])
      .option('--adapter <name[=parent]>', 'LoRA adapter listed with its parent (default parent: the first model); repeatable', collect, [])
      .option('--ttft-ms <ms>', `start → first token (default ${d.ttftMs})`, number('--ttft-ms'))
      .option('--itl-ms <ms>', `gap between tokens (default ${d.itlMs})`, number('--itl-ms'))
      .option(
        '--prefill-ms-per-token <ms>',
        `prefill cost of each prompt token not in the prefix cache, added to TTFT (default ${d.prefillMsPerToken})`,
        number('--prefill-ms-per-token'),
      )
      .option(
        '--no-prefix-caching',
        "turn vLLM's automatic prefix caching off (as --no-enable-prefix-caching): no hits, no queries counted",
      )
      .option(
        '--output-tokens <n>',
        `tokens before EOS when a request does not force a length (default ${d.outputTokens})`,
        number('--output-tokens'),
      )
      .option('--max-running <k>', 'requests generating at once; more wait in a queue (default: no limit)', number('--max-running'))
      .option('--api-key <key>', 'require this bearer token on /v1/*')
      .option('--seed <n>', `seed of the fault draws (default ${d.seed})`, number('--seed'))
      .option('--fault-error <p>', 'probability of a 500', number('--fault-error'))
      .option('--fault-malformed <p>', 'probability of a malformed SSE line / truncated JSON', number('--fault-malformed'))
      .option('--fault-cut <p>', 'probability of a connection cut halfway', number('--fault-cut'))
      .option('--fault-stall <p>', 'probability of never producing a token', number('--fault-stall'))
      .option(
        '--fault-abort <p>',
        'probability of the engine aborting a request halfway (finish_reason abort, as vLLM at shutdown without drain)',
        number('--fault-abort'),
      )
      .option(
        '--max-model-len <n|name=n>',
        `context length of every model, or of one; past it vLLM's 400 (default ${d.maxModelLen}); repeatable`,
        collect,
        [],
      )
      .option('--record-timings', 'keep server-side TTFT per x-request-id at GET /sim/timings')
      .option(
        '--jitter <sigma>',
        "spread each request's TTFT and ITL by a lognormal factor with mean 1 and this σ, e.g. 0.2 (default 0)",
        number('--jitter'),
      )
      .option(
        '--answers <core|file.jsonl>',
        'answer the prompts of a promptset with their "example" answers (core: the one llm-bench eval ships)',
      )
      .option('--degrade <model=share>', 'the model answers this share of scripted prompts with a useless answer; repeatable', collect, [])
      .option('--judge <model>', "the model answers judge prompts of llm-bench eval by the simulator's rule; repeatable", collect, [])
      .option('--judge-malformed <p>', 'share of judge calls answered with JSON cut off at the token limit', number('--judge-malformed'))
      .option('--judge-first-bias <p>', 'share of pairwise judge calls answered "A" whatever the answers', number('--judge-first-bias'))
      .option('--judge-lenient', 'the judge gives every answer a good score')
      .action(async (f: SimFlags) => (await import('../actions/sim')).simAction(f, io)),
    io,
  );
}
