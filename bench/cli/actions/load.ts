/** What `llm-bench load` does once its flags parse. */
import { BENCH_DEFAULTS } from '../../defaults';
import { type LoadOptions, type LoadRun, startLoad } from '../../load/engine';
import type { LoadProfile } from '../../load/schedule';
import { renderMarkdown } from '../../report/markdown';
import { LOAD_RENDERERS } from '../../report/renderers';
import type { LoadResult } from '../../result';
import type { CliIo, ExitSink } from '../io';
import { onInterrupt } from '../interrupt';
import { exitCodeOf, type OutputFlags, outputProblems, toStdout, writeReports } from '../output';
import type { RunFlags } from '../run-flags';
import { loadOptionsFrom } from '../run-options';

export interface LoadFlags extends RunFlags {
  readonly concurrency?: number;
  readonly rate?: number;
  readonly workers?: number;
  readonly otlpEndpoint?: string;
}

/** The profile `--concurrency` or `--rate` asks for, or null with the problem. */
function profileOf(f: LoadFlags, problems: string[]): LoadProfile | null {
  if ((f.concurrency === undefined) === (f.rate === undefined)) {
    const got = f.concurrency === undefined ? 'neither' : 'both';
    problems.push(`load needs exactly one of --concurrency or --rate, got ${got}; pass e.g. --concurrency 8 or --rate 4`);
  }
  if (f.burstiness !== undefined && f.rate === undefined) problems.push('--burstiness shapes open-loop arrivals, got it without --rate; use it with --rate');
  if (f.rate !== undefined && f.concurrency === undefined) return { kind: 'rate', rate: f.rate, burstiness: f.burstiness ?? BENCH_DEFAULTS.burstiness };
  if (f.concurrency !== undefined && f.rate === undefined) return { kind: 'concurrency', concurrency: f.concurrency };
  return null;
}

/** Redraws one progress line on a terminal; returns the function that clears it. */
function showProgress(run: LoadRun, io: CliIo, quiet: boolean): () => void {
  if (io.stderrIsTTY !== true || quiet) return () => {};
  const timer = setInterval(() => {
    const p = run.progress();
    const ttft = p.ttftP50Ms === null ? '–' : `${p.ttftP50Ms.toFixed(0)} ms`;
    io.stderr(`\r\x1b[K${p.elapsedSec.toFixed(1)} s · ${p.succeeded + p.failed} done · ${p.inFlight} in flight · ${p.failed} errors · TTFT p50 ${ttft}`);
  }, BENCH_DEFAULTS.progressIntervalMs);
  return () => {
    clearInterval(timer);
    io.stderr('\r\x1b[K');
  };
}

/** Writes the reports of a load result and, unless stdout carries one, the Markdown summary. */
export async function writeLoadReports(result: LoadResult, f: OutputFlags, io: CliIo): Promise<void> {
  await writeReports(result, f, LOAD_RENDERERS, io);
  // A run that stopped before sending anything has no numbers worth a table: the error says it all.
  const nothingSent = result.aborted !== undefined && result.summary.requests.total === 0;
  if (!toStdout(f) && !nothingSent) io.stdout(renderMarkdown(result));
}

/** `--otlp-endpoint` as a URL, or a problem. */
function otlpProblems(f: LoadFlags, problems: string[]): void {
  if (f.otlpEndpoint === undefined) return;
  let url: URL | undefined;
  try {
    url = new URL(f.otlpEndpoint);
  } catch {
    // reported below
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    problems.push(`--otlp-endpoint must be an http(s) URL of an OTLP/HTTP receiver, got ${f.otlpEndpoint}; pass e.g. --otlp-endpoint http://127.0.0.1:4318`);
  }
}

/** The run in this process, with a span per request when `--otlp-endpoint` asks for them. */
async function loadHere(f: LoadFlags, io: CliIo, opts: LoadOptions): Promise<LoadResult> {
  const spans =
    f.otlpEndpoint === undefined
      ? undefined
      : (await import('../../tracing/export')).startSpanExport({ endpoint: f.otlpEndpoint, model: opts.model, endpointKind: f.endpoint });
  const run = startLoad(opts, spans === undefined ? {} : { onRequest: (r) => spans.record(r) });
  const clearProgress = showProgress(run, io, f.json === '-');
  const release = onInterrupt(io, {
    message: () => '\nstopping: waiting for requests in flight (Ctrl-C again to cancel them)\n',
    graceful: () => void run.stop(),
    hard: () => void run.stop({ cancelInFlight: true }),
  });
  try {
    return await run.done;
  } finally {
    release();
    clearProgress();
    await spans?.shutdown();
  }
}

/** The run as `--workers` local processes, each running `llm-bench worker`, merged into one result. */
async function loadOnWorkers(f: LoadFlags & { workers: number }, io: CliIo, opts: LoadOptions): Promise<LoadResult> {
  const { runDistributedLoad } = await import('../../distributed/run');
  const { localWorkers } = await import('../../distributed/local');
  const stop = new AbortController();
  const release = onInterrupt(io, { message: () => '\nstopping: workers finish their requests in flight\n', graceful: () => stop.abort() });
  try {
    return await runDistributedLoad(opts, {
      workers: f.workers,
      // This very program, started again as a worker (the bin, or whatever script runs main()).
      launcher: localWorkers({ command: [process.execPath, ...process.execArgv, process.argv[1] ?? '', 'worker'] }),
      signal: stop.signal,
      ...(f.otlpEndpoint !== undefined && { otlpEndpoint: f.otlpEndpoint }),
    });
  } finally {
    release();
  }
}

export async function loadAction(f: LoadFlags, io: CliIo, exit: ExitSink): Promise<void> {
  const problems = outputProblems(f);
  const profile = profileOf(f, problems);
  otlpProblems(f, problems);
  const opts = await loadOptionsFrom(f, io, problems, profile);
  const result = f.workers === undefined ? await loadHere(f, io, opts) : await loadOnWorkers({ ...f, workers: f.workers }, io, opts);
  await writeLoadReports(result, f, io);
  for (const w of result.warnings ?? []) io.stderr(`warning: ${w}\n`);
  exit.code = exitCodeOf({ aborted: result.aborted, checks: result.thresholds, checkName: 'thresholds', showValue: String }, io);
}
