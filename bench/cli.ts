/**
 * The llm-bench command line: a thin layer that turns flags into library calls and results into
 * files and exit codes. Everything it does is available from `bench/index.ts`.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { Endpoint } from './client/openai';
import { BENCH_DEFAULTS } from './defaults';
import { EXIT, RunError, UsageError, usageErrors } from './errors';
import { type LoadOptions, resolveLoadOptions, resultPassed, startLoad } from './load/engine';
import { loadPromptset, type PromptSource } from './load/prompts';
import type { LoadProfile } from './load/schedule';
import { renderHtml, renderSweepHtml } from './report/html';
import { loadSuite, renderJunit, smokeSuite, sweepSuites } from './report/junit';
import { renderMarkdown, renderSmokeMarkdown, renderSweepMarkdown } from './report/markdown';
import { anyResultSchema, type LoadResult, SCHEMA_VERSION } from './result';
import { startSimulator } from './sim/simulator';
import { formatSmoke, parseAdapter, runSmoke, type SmokeProfile } from './smoke/smoke';
import { runSweep } from './sweep';
import { autoscaleCommand } from './autoscale/command';
import { postdeployCommand } from './postdeploy/command';
import { frontDoorCommand } from './frontdoor/command';
import { registryCommand } from './registry/command';
import { rollbackCommand } from './rollout/command';
import { TOOL } from './version';

/** Where a command writes; tests pass buffers, the bin passes the process. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Draw the progress line (only on a terminal). */
  readonly stderrIsTTY: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Install SIGINT/SIGTERM handlers for graceful stops (the real process only). */
  readonly handleSignals: boolean;
}

/** The real process's streams and environment. */
export function processIo(): CliIo {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    stderrIsTTY: process.stderr.isTTY === true,
    env: process.env,
    handleSignals: true,
  };
}

/** Lets an action report its exit code through commander, which only knows about promises. */
export interface ExitSink {
  code: number;
}

// ---- flag parsers: shape only; ranges are checked by the library with the flag in the message ----

function number(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${flag} is not a number, got ${JSON.stringify(value)}`);
    return n;
  };
}

function numberList(flag: string) {
  return (value: string): number[] =>
    value.split(',').map((part) => {
      const n = Number(part.trim());
      if (part.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${flag} takes a comma-separated list of numbers, got ${JSON.stringify(value)}`);
      return n;
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Writes `text` to a file (creating its folder) or to stdout for `-`. */
async function writeOutput(path: string, text: string, io: CliIo): Promise<void> {
  if (path === '-') {
    io.stdout(text);
    return;
  }
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
  io.stderr(`wrote ${path}\n`);
}

interface OutputFlags {
  readonly json?: string;
  readonly markdown?: string;
  readonly html?: string;
  readonly junit?: string;
}

function outputProblems(o: OutputFlags): string[] {
  const dashes = (['json', 'markdown', 'html', 'junit'] as const).filter((k) => o[k] === '-');
  return dashes.length > 1 ? [`only one output can go to stdout, got ${dashes.map((k) => `--${k} -`).join(' and ')}; write the others to files`] : [];
}

function checkOutputs(o: OutputFlags): void {
  const problems = outputProblems(o);
  if (problems.length > 0) throw usageErrors(problems);
}

interface LoadFlags extends OutputFlags {
  readonly baseUrl: string;
  readonly model: string;
  readonly apiKey?: string;
  readonly concurrency?: number;
  readonly rate?: number;
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
}

/** Flags shared by load and sweep, minus the load shape. */
function addRunFlags(cmd: Command): Command {
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
    .option('--first-token-timeout <s>', `sent → first token timeout (default ${BENCH_DEFAULTS.firstTokenTimeoutSec})`, number('--first-token-timeout'))
    .option('--json <file>', 'write the JSON result (- for stdout, and nothing else there)')
    .option('--markdown <file>', 'write a Markdown summary (- for stdout)')
    .option('--html <file>', 'write a self-contained HTML report (- for stdout)')
    .option('--junit <file>', 'write JUnit XML, one test case per threshold (- for stdout)');
}

/**
 * Flags → LoadOptions. Collects the CLI's own checks (flags that exclude each other) together
 * with the library's validation, so one run reports every problem.
 */
async function loadOptionsFrom(f: Omit<LoadFlags, 'concurrency' | 'rate'>, io: CliIo, problems: string[], profile: LoadProfile | null): Promise<LoadOptions> {
  if (f.requests !== undefined && f.duration !== undefined) {
    problems.push(`--requests and --duration are alternatives, got both (${f.requests} and ${f.duration}); pass one`);
  }
  const apiKey = f.apiKey ?? io.env.LLM_BENCH_API_KEY;
  let prompts: PromptSource | undefined;
  if (f.prompts !== undefined) {
    try {
      prompts = await loadPromptset(f.prompts, f.endpoint);
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      problems.push(...err.problems);
    }
  }
  const opts: LoadOptions = {
    baseUrl: f.baseUrl,
    model: f.model,
    endpoint: f.endpoint,
    stream: f.stream,
    thresholds: f.threshold,
    // A placeholder when the profile flags are wrong, so the rest still gets validated.
    profile: profile ?? { kind: 'concurrency', concurrency: 1 },
    ...(apiKey !== undefined && apiKey !== '' && { apiKey }),
    ...(f.requests !== undefined && { requests: f.requests }),
    ...(f.duration !== undefined && { durationSec: f.duration }),
    ...(f.inputTokens !== undefined && { inputTokens: f.inputTokens }),
    ...(f.outputTokens !== undefined && { outputTokens: f.outputTokens }),
    ...(prompts !== undefined && { prompts }),
    ...(f.seed !== undefined && { seed: f.seed }),
    ...(f.timeout !== undefined && { timeoutSec: f.timeout }),
    ...(f.connectTimeout !== undefined && { connectTimeoutSec: f.connectTimeout }),
    ...(f.firstTokenTimeout !== undefined && { firstTokenTimeoutSec: f.firstTokenTimeout }),
  };
  try {
    resolveLoadOptions(opts);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    problems.push(...err.problems);
  }
  if (problems.length > 0) throw usageErrors(problems);
  return opts;
}

/** First Ctrl-C: stop sending and let requests finish; second: cancel them. */
function onInterrupt(io: CliIo, graceful: () => void, hard: () => void): () => void {
  if (!io.handleSignals) return () => {};
  let count = 0;
  const handler = () => {
    count++;
    if (count === 1) {
      io.stderr('\nstopping: waiting for requests in flight (Ctrl-C again to cancel them)\n');
      graceful();
    } else {
      hard();
    }
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

async function writeLoadOutputs(result: LoadResult, f: OutputFlags, io: CliIo): Promise<void> {
  // JSON first: the contract file must exist even if a renderer fails.
  if (f.json !== undefined) await writeOutput(f.json, `${JSON.stringify(result, null, 2)}\n`, io);
  if (f.markdown !== undefined) await writeOutput(f.markdown, renderMarkdown(result), io);
  if (f.html !== undefined) await writeOutput(f.html, renderHtml(result), io);
  if (f.junit !== undefined) await writeOutput(f.junit, renderJunit([loadSuite(result)]), io);
}

async function loadAction(f: LoadFlags, io: CliIo, exit: ExitSink): Promise<void> {
  const problems = outputProblems(f);
  if ((f.concurrency === undefined) === (f.rate === undefined)) {
    problems.push(`load needs exactly one of --concurrency or --rate, got ${f.concurrency === undefined ? 'neither' : 'both'}; pass e.g. --concurrency 8 or --rate 4`);
  }
  if (f.burstiness !== undefined && f.rate === undefined) problems.push('--burstiness shapes open-loop arrivals, got it without --rate; use it with --rate');
  const profile: LoadProfile | null =
    f.rate !== undefined && f.concurrency === undefined
      ? { kind: 'rate', rate: f.rate, burstiness: f.burstiness ?? BENCH_DEFAULTS.burstiness }
      : f.concurrency !== undefined && f.rate === undefined
        ? { kind: 'concurrency', concurrency: f.concurrency }
        : null;
  const run = startLoad(await loadOptionsFrom(f, io, problems, profile));
  const quiet = f.json === '-';
  const progress =
    io.stderrIsTTY && !quiet
      ? setInterval(() => {
          const p = run.progress();
          const ttft = p.ttftP50Ms === null ? '–' : `${p.ttftP50Ms.toFixed(0)} ms`;
          io.stderr(`\r\x1b[K${p.elapsedSec.toFixed(1)} s · ${p.succeeded + p.failed} done · ${p.inFlight} in flight · ${p.failed} errors · TTFT p50 ${ttft}`);
        }, BENCH_DEFAULTS.progressIntervalMs)
      : undefined;
  const release = onInterrupt(
    io,
    () => void run.stop(),
    () => void run.stop({ cancelInFlight: true }),
  );
  let result: LoadResult;
  try {
    result = await run.done;
  } finally {
    release();
    if (progress !== undefined) {
      clearInterval(progress);
      io.stderr('\r\x1b[K');
    }
  }
  await writeLoadOutputs(result, f, io);
  const toStdout = [f.json, f.markdown, f.html, f.junit].includes('-');
  // A run that stopped before sending anything has no numbers worth a table: the error says it all.
  if (!toStdout && !(result.aborted !== undefined && result.summary.requests.total === 0)) io.stdout(renderMarkdown(result));
  exit.code = loadExitCode(result, io);
}

function loadExitCode(result: LoadResult, io: CliIo): number {
  for (const w of result.warnings ?? []) io.stderr(`warning: ${w}\n`);
  if (result.aborted !== undefined) {
    io.stderr(`error: ${result.aborted.reason}\n`);
    return EXIT.runFailed;
  }
  const crossed = result.thresholds.filter((t) => !t.passed);
  if (crossed.length > 0) {
    io.stderr(`thresholds crossed: ${crossed.map((t) => `${t.expression} (measured ${t.value ?? 'nothing'})`).join(', ')}\n`);
    return EXIT.thresholdCrossed;
  }
  return EXIT.ok;
}

type SweepFlags = Omit<LoadFlags, 'concurrency' | 'rate'> & {
  readonly concurrencyList?: number[];
  readonly rateList?: number[];
  readonly keepGoing?: boolean;
};

async function sweepAction(f: SweepFlags, io: CliIo, exit: ExitSink): Promise<void> {
  const problems = outputProblems(f);
  if ((f.concurrencyList === undefined) === (f.rateList === undefined)) {
    problems.push(`sweep needs exactly one of --concurrency or --rate lists, got ${f.concurrencyList === undefined ? 'neither' : 'both'}; pass e.g. --concurrency 1,2,4,8`);
  }
  if (f.burstiness !== undefined && f.rateList === undefined) problems.push('--burstiness shapes open-loop arrivals, got it without --rate; use it with --rate');
  const { profile: _profile, ...base } = await loadOptionsFrom(f, io, problems, null);
  const dimension = f.concurrencyList !== undefined ? 'concurrency' : 'rate';
  const abort = new AbortController();
  const release = onInterrupt(
    io,
    () => abort.abort(),
    () => abort.abort(),
  );
  let result;
  try {
    result = await runSweep(
      {
        ...base,
        dimension,
        values: f.concurrencyList ?? f.rateList!,
        ...(f.burstiness !== undefined && { burstiness: f.burstiness }),
        ...(f.keepGoing === true && { keepGoing: true }),
        onStep: (value, r) =>
          io.stderr(
            `${dimension} ${value}: ${r.summary.requestThroughput} req/s, TTFT p95 ${r.summary.ttftMs.p95 ?? '–'} ms, ${resultPassed(r) ? 'passed' : r.aborted !== undefined ? 'aborted' : 'failed'}\n`,
          ),
      },
      { signal: abort.signal },
    );
  } finally {
    release();
  }
  if (f.json !== undefined) await writeOutput(f.json, `${JSON.stringify(result, null, 2)}\n`, io);
  if (f.markdown !== undefined) await writeOutput(f.markdown, renderSweepMarkdown(result), io);
  if (f.html !== undefined) await writeOutput(f.html, renderSweepHtml(result), io);
  if (f.junit !== undefined) await writeOutput(f.junit, renderJunit(sweepSuites(result)), io);
  if (![f.json, f.markdown, f.html, f.junit].includes('-')) io.stdout(renderSweepMarkdown(result));
  const aborted = result.steps.find((s) => s.aborted !== undefined);
  if (aborted !== undefined) {
    io.stderr(`error: ${aborted.aborted!.reason}\n`);
    exit.code = EXIT.runFailed;
  } else {
    exit.code = result.best === null ? EXIT.thresholdCrossed : EXIT.ok;
  }
}

interface SmokeFlags extends OutputFlags {
  readonly baseUrl: string;
  readonly apiKey?: string;
  readonly model: string[];
  readonly adapter: string[];
  readonly timeout?: number;
  readonly profile: SmokeProfile;
}

async function smokeAction(f: SmokeFlags, io: CliIo, exit: ExitSink): Promise<void> {
  checkOutputs(f);
  if (f.html !== undefined) throw new UsageError('smoke writes --json, --markdown or --junit, got --html; use one of those');
  const apiKey = f.apiKey ?? io.env.LLM_BENCH_API_KEY;
  const result = await runSmoke({
    baseUrl: f.baseUrl,
    models: f.model,
    adapters: f.adapter,
    profile: f.profile,
    ...(apiKey !== undefined && apiKey !== '' && { apiKey }),
    ...(f.timeout !== undefined && { timeoutSec: f.timeout }),
  });
  if (f.json !== undefined) await writeOutput(f.json, `${JSON.stringify(result, null, 2)}\n`, io);
  if (f.markdown !== undefined) await writeOutput(f.markdown, renderSmokeMarkdown(result), io);
  if (f.junit !== undefined) await writeOutput(f.junit, renderJunit([smokeSuite(result)]), io);
  if (f.json !== '-' && f.markdown !== '-' && f.junit !== '-') io.stdout(formatSmoke(result));
  exit.code = result.passed ? EXIT.ok : EXIT.runFailed;
}

async function reportAction(file: string, f: OutputFlags, io: CliIo): Promise<void> {
  checkOutputs(f);
  if (f.markdown === undefined && f.html === undefined && f.junit === undefined) {
    throw new UsageError('report needs at least one output, got none; pass --markdown, --html or --junit with a file (or -)');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    const why = err instanceof SyntaxError ? 'is not json' : 'cannot be read';
    throw new UsageError(`report file ${file} ${why}, got ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; pass a file written by llm-bench --json`);
  }
  const version = (raw as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (version !== SCHEMA_VERSION) {
    throw new UsageError(`report file ${file} has schemaVersion ${JSON.stringify(version)}, expected ${SCHEMA_VERSION}; render it with the llm-bench version that wrote it`);
  }
  const parsed = anyResultSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`report file ${file} is not an llm-bench result, got ${issue.path.join('.') || 'root'}: ${issue.message.toLowerCase()}; pass a file written by llm-bench --json`);
  }
  const r = parsed.data;
  switch (r.kind) {
    case 'load':
      await writeLoadOutputs(r, { ...f, json: undefined }, io);
      return;
    case 'sweep':
      if (f.markdown !== undefined) await writeOutput(f.markdown, renderSweepMarkdown(r), io);
      if (f.html !== undefined) await writeOutput(f.html, renderSweepHtml(r), io);
      if (f.junit !== undefined) await writeOutput(f.junit, renderJunit(sweepSuites(r)), io);
      return;
    case 'smoke':
      if (f.html !== undefined) throw new UsageError(`report renders smoke results as --markdown or --junit, got --html for ${file}; use one of those`);
      if (f.markdown !== undefined) await writeOutput(f.markdown, renderSmokeMarkdown(r), io);
      if (f.junit !== undefined) await writeOutput(f.junit, renderJunit([smokeSuite(r)]), io);
      return;
    default: {
      const never: never = r;
      return never;
    }
  }
}

interface SimFlags {
  readonly host: string;
  readonly port: number;
  readonly model: string[];
  readonly adapter: string[];
  readonly ttftMs?: number;
  readonly itlMs?: number;
  readonly outputTokens?: number;
  readonly maxRunning?: number;
  readonly apiKey?: string;
  readonly seed?: number;
  readonly faultError?: number;
  readonly faultMalformed?: number;
  readonly faultCut?: number;
  readonly faultStall?: number;
  readonly faultAbort?: number;
  readonly maxModelLen: string[];
  readonly recordTimings?: boolean;
}

/** `--max-model-len N` (every model) and `--max-model-len NAME=N` (one model) → the simulated models. */
function simModels(models: readonly string[], lens: readonly string[]): { name: string; maxModelLen?: number }[] {
  const problems: string[] = [];
  let all: number | undefined;
  const own = new Map<string, number>();
  for (const spec of lens) {
    const eq = spec.lastIndexOf('=');
    const [name, n] = eq === -1 ? [undefined, spec] : [spec.slice(0, eq), spec.slice(eq + 1)];
    const len = Number(n);
    if (!(Number.isInteger(len) && len > 0)) problems.push(`--max-model-len takes N or NAME=N with a positive integer N, got ${JSON.stringify(spec)}; pass e.g. --max-model-len 4096`);
    else if (name === undefined) all = len;
    else if (!models.includes(name)) problems.push(`--max-model-len ${spec} names no --model, got ${name}; use one of ${models.join(', ')}`);
    else own.set(name, len);
  }
  if (problems.length > 0) throw usageErrors(problems);
  return models.map((name) => ({ name, ...((own.get(name) ?? all) !== undefined && { maxModelLen: own.get(name) ?? all }) }));
}

async function simAction(f: SimFlags, io: CliIo): Promise<void> {
  const models = f.model.length > 0 ? f.model : [...BENCH_DEFAULTS.sim.models];
  const sim = await startSimulator({
    host: f.host,
    port: f.port,
    models: simModels(models, f.maxModelLen),
    adapters: f.adapter.map((spec) => {
      const a = parseAdapter(spec);
      return { name: a.name, parent: a.parent ?? models[0]! };
    }),
    ...(f.ttftMs !== undefined && { ttftMs: f.ttftMs }),
    ...(f.itlMs !== undefined && { itlMs: f.itlMs }),
    ...(f.outputTokens !== undefined && { outputTokens: f.outputTokens }),
    ...(f.maxRunning !== undefined && { maxRunning: f.maxRunning }),
    ...(f.apiKey !== undefined && { apiKey: f.apiKey }),
    ...(f.seed !== undefined && { seed: f.seed }),
    ...(f.recordTimings === true && { recordTimings: true }),
    faults: { error: f.faultError ?? 0, malformed: f.faultMalformed ?? 0, cut: f.faultCut ?? 0, stall: f.faultStall ?? 0, abort: f.faultAbort ?? 0 },
  }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE') throw new RunError(`port ${f.port} on ${f.host} is in use, got EADDRINUSE; pass another --port (0 picks a free one)`);
    throw err;
  });
  const s = sim.settings();
  io.stdout(
    `llm-bench sim listening on ${sim.url} · models ${[...sim.servedModels()].map(([m, len]) => `${m} (max_model_len ${len})`).join(', ')}${f.adapter.length > 0 ? ` · adapters ${f.adapter.join(', ')}` : ''} · TTFT ${s.ttftMs} ms · ITL ${s.itlMs} ms${f.apiKey !== undefined ? ' · api key required' : ''}\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await sim.close();
}

/**
 * Builds the llm-bench program. Other modules add subcommands to it (`program.addCommand(...)`);
 * actions report their exit code through `exit`.
 */
export function buildProgram(io: CliIo, exit: ExitSink): Command {
  const program = new Command('llm-bench')
    .description('post-deploy smoke, load, sweep and reports for OpenAI-compatible LLM servers (vLLM)')
    .version(TOOL.version)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', '\nExit codes: 0 passed · 99 a threshold was crossed · 2 bad usage · 1 the run failed (unreachable, auth, crash)');

  addRunFlags(
    program
      .command('load')
      .description('send load (closed loop with --concurrency, open loop with --rate) and gate on thresholds')
      .option('--concurrency <n>', 'closed loop: n users, each sends when its last request ends', number('--concurrency'))
      .option('--rate <r>', 'open loop: r requests per second, Poisson arrivals', number('--rate'))
      .option('--burstiness <b>', `gamma shape of open-loop arrivals: 1 Poisson, < 1 burstier (default ${BENCH_DEFAULTS.burstiness})`, number('--burstiness')),
  )
    .addHelpText('after', '\nExample:\n  llm-bench load --base-url http://127.0.0.1:8000 --model m --concurrency 16 --requests 500 \\\n    --threshold "ttftMs.p95<500" --threshold "errorRate<0.01" --json out/result.json --html out/report.html')
    .action((f: LoadFlags) => loadAction(f, io, exit));

  addRunFlags(
    program
      .command('sweep')
      .description('repeat load at increasing concurrency or rate; report the highest that meets the thresholds')
      .option('--concurrency <list>', 'concurrencies to try, e.g. 1,2,4,8', numberList('--concurrency'))
      .option('--rate <list>', 'rates to try (requests/s), e.g. 1,2,4', numberList('--rate'))
      .option('--burstiness <b>', 'gamma shape of open-loop arrivals', number('--burstiness'))
      .option('--keep-going', 'run every step, even after one fails its thresholds'),
  ).action((f: Omit<LoadFlags, 'concurrency' | 'rate'> & { concurrency?: number[]; rate?: number[]; keepGoing?: boolean }) => {
    const { concurrency, rate, ...rest } = f;
    return sweepAction({ ...rest, ...(concurrency !== undefined && { concurrencyList: concurrency }), ...(rate !== undefined && { rateList: rate }) }, io, exit);
  });

  program
    .command('smoke')
    .description('check a deployment: health, models and adapters, chat and completions (streamed and not), /metrics, auth')
    .requiredOption('--base-url <url>', 'server root, e.g. http://127.0.0.1:8000')
    .option('--api-key <key>', 'bearer token; also checks that a request without it gets 401 (default: env LLM_BENCH_API_KEY)')
    .option('--model <id>', 'a base model that must be served; repeatable (default: the first listed)', collect, [])
    .option('--adapter <name[=parent]>', 'a LoRA adapter that must be served (with that parent); repeatable', collect, [])
    .option('--timeout <s>', `per-check timeout (default ${BENCH_DEFAULTS.smoke.timeoutSec})`, number('--timeout'))
    .addOption(new Option('--profile <name>', 'vllm: every check; openai: only what any OpenAI-compatible server answers (skips /health, /metrics)').choices(['vllm', 'openai']).default('vllm'))
    .option('--json <file>', 'write the checks as JSON (- for stdout)')
    .option('--markdown <file>', 'write the checks as Markdown (- for stdout)')
    .option('--junit <file>', 'write JUnit XML, one test case per check (- for stdout)')
    .addOption(new Option('--html <file>').hideHelp())
    .action((f: SmokeFlags) => smokeAction(f, io, exit));

  program
    .command('report')
    .description('render a saved result (load, sweep or smoke JSON)')
    .argument('<file>', 'a JSON file written with --json')
    .option('--markdown <file>', 'Markdown (- for stdout)')
    .option('--html <file>', 'self-contained HTML with charts (- for stdout)')
    .option('--junit <file>', 'JUnit XML (- for stdout)')
    .action((file: string, f: OutputFlags) => reportAction(file, f, io));

  program
    .command('sim')
    .description('run a vLLM-compatible simulator (OpenAI API with SSE, /v1/models, /health, /metrics, queueing, faults)')
    .option('--host <host>', 'address to listen on', BENCH_DEFAULTS.sim.host)
    .option('--port <p>', 'port (0 picks a free one)', number('--port'), BENCH_DEFAULTS.sim.port)
    .option('--model <id>', `served model; repeatable (default ${BENCH_DEFAULTS.sim.models.join(', ')})`, collect, [])
    .option('--adapter <name[=parent]>', 'LoRA adapter listed with its parent (default parent: the first model); repeatable', collect, [])
    .option('--ttft-ms <ms>', `start → first token (default ${BENCH_DEFAULTS.sim.ttftMs})`, number('--ttft-ms'))
    .option('--itl-ms <ms>', `gap between tokens (default ${BENCH_DEFAULTS.sim.itlMs})`, number('--itl-ms'))
    .option('--output-tokens <n>', `tokens before EOS when a request does not force a length (default ${BENCH_DEFAULTS.sim.outputTokens})`, number('--output-tokens'))
    .option('--max-running <k>', 'requests generating at once; more wait in a queue (default: no limit)', number('--max-running'))
    .option('--api-key <key>', 'require this bearer token on /v1/*')
    .option('--seed <n>', `seed of the fault draws (default ${BENCH_DEFAULTS.sim.seed})`, number('--seed'))
    .option('--fault-error <p>', 'probability of a 500', number('--fault-error'))
    .option('--fault-malformed <p>', 'probability of a malformed SSE line / truncated JSON', number('--fault-malformed'))
    .option('--fault-cut <p>', 'probability of a connection cut halfway', number('--fault-cut'))
    .option('--fault-stall <p>', 'probability of never producing a token', number('--fault-stall'))
    .option('--fault-abort <p>', 'probability of the engine aborting a request halfway (finish_reason abort, as vLLM at shutdown without drain)', number('--fault-abort'))
    .option('--max-model-len <n|name=n>', `context length of every model, or of one; past it vLLM's 400 (default ${BENCH_DEFAULTS.sim.maxModelLen}); repeatable`, collect, [])
    .option('--record-timings', 'keep server-side TTFT per x-request-id at GET /sim/timings')
    .action((f: SimFlags) => simAction(f, io));

  program.addCommand(rollbackCommand(io, exit));
  program.addCommand(autoscaleCommand(io, exit));
  program.addCommand(postdeployCommand(io, exit));
  program.addCommand(frontDoorCommand(io, exit));
  program.addCommand(registryCommand({ io }));
  // Root options only before the subcommand, or llm-bench's own --version swallows `registry publish --version`.
  program.enablePositionalOptions();

  return program;
}

/** Runs llm-bench with `argv` (as process.argv: node, script, args…) and returns the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const exit: ExitSink = { code: EXIT.ok };
  const program = buildProgram(io, exit);
  try {
    await program.parseAsync([...argv]);
    return exit.code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; every other commander error is a usage error (already printed).
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof UsageError || err instanceof RunError) {
      io.stderr(`error: ${err.message}\n`);
      return err.exitCode;
    }
    io.stderr(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return EXIT.runFailed;
  }
}
