/** The flags `load` and `sweep` share: the server, the requests, the thresholds and the outputs. */
import { type Command, Option } from 'commander';
import type { Endpoint } from '../client/openai';
import { BENCH_DEFAULTS } from '../defaults';
import { collect, number } from './flags';
import type { CostFlags } from './cost-flags';
import type { OutputFlags } from './output';

/** Flags of a load run, without its shape (`--concurrency`/`--rate` differ between load and sweep). */
export interface RunFlags extends OutputFlags, CostFlags {
  /** Replicas that served, for $ per 1M tokens. */
  readonly replicas?: number;
  readonly baseUrl: string;
  readonly model: string;
  readonly apiKey?: string;
  readonly burstiness?: number;
  readonly requests?: number;
  readonly duration?: number;
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  readonly prompts?: string;
  readonly endpoint: Endpoint;
  readonly stream: boolean;
  readonly threshold: string[];
  readonly seed?: number;
  readonly timeout?: number;
  readonly connectTimeout?: number;
  readonly firstTokenTimeout?: number;
  readonly maxUnreachableSec?: number;
}

/** Flags shared by load and sweep, minus the load shape. */
export function addRunFlags(cmd: Command): Command {
  return cmd
    .requiredOption('--base-url <url>', 'server root, e.g. http://127.0.0.1:8000')
    .requiredOption('--model <id>', 'served model (or LoRA adapter) to load')
    .option('--api-key <key>', 'bearer token for /v1/* (default: env LLM_BENCH_API_KEY)')
    .option('--requests <n>', `stop after n requests (default ${BENCH_DEFAULTS.requests} unless --duration)`, number('--requests'))
    .option('--duration <s>', 'stop sending after s seconds; requests in flight finish', number('--duration'))
    .option('--input-tokens <n>', `synthetic prompt length in tokens (default ${BENCH_DEFAULTS.inputTokens})`, number('--input-tokens'))
    .option('--output-tokens <n>', 'force exactly n output tokens (vLLM ignore_eos + min_tokens)', number('--output-tokens'))
    .option('--prompts <file.jsonl>', 'promptset: {"prompt": "..."} or {"messages": [...]} per line, optional "outputTokens"')
    .addOption(new Option('--endpoint <route>', 'OpenAI route').choices(['chat', 'completions']).default(BENCH_DEFAULTS.endpoint))
    .option('--no-stream', 'send non-streaming requests (no TTFT, TPOT or ITL)')
    .option('--threshold <expr>', 'SLO gate such as ttftMs.p95<500 or errorRate<0.01; repeatable; any crossed → exit 99', collect, [])
    .option('--seed <n>', `seed for arrivals and prompts (default ${BENCH_DEFAULTS.seed})`, number('--seed'))
    .option('--timeout <s>', `per-request total timeout (default ${BENCH_DEFAULTS.timeoutSec})`, number('--timeout'))
    .option('--connect-timeout <s>', `connect timeout (default ${BENCH_DEFAULTS.connectTimeoutSec})`, number('--connect-timeout'))
    .option(
      '--first-token-timeout <s>',
      `sent → first token timeout (default ${BENCH_DEFAULTS.firstTokenTimeoutSec})`,
      number('--first-token-timeout'),
    )
    .option(
      '--max-unreachable-sec <s>',
      `end the run (exit 1) once no connection could be made for s seconds (default ${BENCH_DEFAULTS.maxUnreachableSec})`,
      number('--max-unreachable-sec'),
    )
    .option('--json <file>', 'write the JSON result (- for stdout, and nothing else there)')
    .option('--markdown <file>', 'write a Markdown summary (- for stdout)')
    .option('--html <file>', 'write a self-contained HTML report (- for stdout)')
    .option('--junit <file>', 'write JUnit XML, one test case per threshold (- for stdout)');
}
