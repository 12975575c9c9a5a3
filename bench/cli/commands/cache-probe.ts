/** `llm-bench cache-probe`: is vLLM's prefix cache on, and what does it save? */
import { Command, Option } from 'commander';
import { CACHE_PROBE_DEFAULTS } from '../../cache-probe/defaults';
import { number } from '../flags';
import { type CliIo, type ExitSink, withConventions } from '../io';
import type { CacheProbeFlags } from '../actions/cache-probe';

/** The `cache-probe` command; add it with `program.addCommand(cacheProbeCommand(io, exit))`. */
export function cacheProbeCommand(io: CliIo, exit: ExitSink): Command {
  const d = CACHE_PROBE_DEFAULTS;
  const cmd = new Command('cache-probe')
    .description("send prompts sharing a long prefix and unique ones; report the TTFT saved and vLLM's prefix-cache hits")
    .requiredOption('--base-url <url>', 'server root (a pod, to keep every request on one cache), e.g. http://127.0.0.1:8000')
    .requiredOption('--model <id>', 'served model')
    .option('--api-key <key>', 'bearer token for /v1/* (default: env LLM_BENCH_API_KEY)')
    .addOption(new Option('--endpoint <route>', 'OpenAI route').choices(['chat', 'completions']).default('completions'))
    .option('--prefix-tokens <n>', `words of the shared prefix (default ${d.prefixTokens})`, number('--prefix-tokens'))
    .option('--suffix-tokens <n>', `words of each request's own part (default ${d.suffixTokens})`, number('--suffix-tokens'))
    .option('--requests <n>', `requests per phase (default ${d.requests})`, number('--requests'))
    .option('--metrics-url <url>', "where vLLM's counters are read (default: the --base-url's /metrics)")
    .addOption(new Option('--expect <state>', 'exit 99 unless prefix caching is in this state').choices(['on', 'off']))
    .option('--timeout <s>', 'per-request total timeout', number('--timeout'))
    .option('--json <file>', 'write the JSON result (- for stdout, and nothing else there)')
    .option('--markdown <file>', 'write the Markdown summary (- for stdout)')
    .addHelpText('after', '\nExample:\n  llm-bench cache-probe --base-url http://127.0.0.1:8000 --model mistral-7b-awq --expect on');
  return withConventions(
    cmd.action(async (f: CacheProbeFlags) => (await import('../actions/cache-probe')).cacheProbeAction(f, io, exit)),
    io,
  );
}
