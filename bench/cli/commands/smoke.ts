/** `llm-bench smoke …`: is a deployment serving what it should? */
import { Command, Option } from 'commander';
import { BENCH_DEFAULTS } from '../../defaults';
import { collect, number } from '../flags';
import { type CliIo, type ExitSink, withConventions } from '../io';
import type { SmokeFlags } from '../actions/smoke';

/** The `smoke` command; add it with `program.addCommand(smokeCommand(io, exit))`. */
export function smokeCommand(io: CliIo, exit: ExitSink): Command {
  return withConventions(
    new Command('smoke')
      .description('check a deployment: health, models and adapters, chat and completions (streamed and not), /metrics, auth')
      .requiredOption('--base-url <url>', 'server root, e.g. http://127.0.0.1:8000')
      .option('--api-key <key>', 'bearer token; also checks that a request without it gets 401 (default: env LLM_BENCH_API_KEY)')
      .option('--model <id>', 'a base model that must be served; repeatable (default: the first listed)', collect, [])
      .option('--adapter <name[=parent]>', 'a LoRA adapter that must be served (with that parent); repeatable', collect, [])
      .option('--timeout <s>', `per-check timeout (default ${BENCH_DEFAULTS.smoke.timeoutSec})`, number('--timeout'))
      .addOption(
        new Option(
          '--profile <name>',
          'vllm: every check; openai: only what any OpenAI-compatible server answers (skips /health, /metrics)',
        )
          .choices(['vllm', 'openai'])
          .default('vllm'),
      )
      .option('--json <file>', 'write the checks as JSON (- for stdout)')
      .option('--markdown <file>', 'write the checks as Markdown (- for stdout)')
      .option('--junit <file>', 'write JUnit XML, one test case per check (- for stdout)')
      .addOption(new Option('--html <file>').hideHelp())
      .action(async (f: SmokeFlags) => (await import('../actions/smoke')).smokeAction(f, io, exit)),
    io,
  );
}
