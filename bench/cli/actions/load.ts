/** What `llm-bench load` does once its flags parse. */
import { BENCH_DEFAULTS } from '../../defaults';
import { type LoadRun, runFailure, startLoad } from '../../load/engine';
import type { LoadProfile } from '../../load/schedule';
import { renderMarkdown } from '../../report/markdown';
import { LOAD_RENDERERS } from '../../report/renderers';
import type { LoadResult } from '../../result';
import type { CliIo, ExitSink } from '../io';
import { onInterrupt } from '../interrupt';
import { exitCodeOf, type OutputFlags, outputProblems, toStdout, withOutputs, writeReports } from '../output';
import type { RunFlags } from '../run-flags';
import { loadOptionsFrom } from '../run-options';

export interface LoadFlags extends RunFlags {
  readonly concurrency?: number;
  readonly rate?: number;
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
export async function writeLoadReports(result: LoadResult, f: OutputFlags, io: CliIo): Promise<boolean> {
  const written = await writeReports(result, f, LOAD_RENDERERS, io);
  // A run that stopped before sending anything has no numbers worth a table: the error says it all.
  const nothingSent = result.aborted !== undefined && result.summary.requests.total === 0;
  if (!toStdout(f) && !nothingSent) io.stdout(renderMarkdown(result));
  return written;
}

export async function loadAction(f: LoadFlags, io: CliIo, exit: ExitSink): Promise<void> {
  const problems = outputProblems(f);
  const profile = profileOf(f, problems);
  const run = startLoad(await loadOptionsFrom(f, io, problems, profile));
  const clearProgress = showProgress(run, io, f.json === '-');
  const release = onInterrupt(io, {
    message: () => '\nstopping: waiting for requests in flight (Ctrl-C again to cancel them)\n',
    graceful: () => void run.stop(),
    hard: () => void run.stop({ cancelInFlight: true }),
  });
  let result: LoadResult;
  try {
    result = await run.done;
  } finally {
    release();
    clearProgress();
  }
  const written = await writeLoadReports(result, f, io);
  for (const w of result.warnings ?? []) io.stderr(`warning: ${w}\n`);
  const failure = runFailure(result);
  const code = exitCodeOf({ ...(failure !== undefined && { aborted: { reason: failure } }), checks: result.thresholds, checkName: 'thresholds', showValue: String }, io);
  exit.code = withOutputs(code, written);
}
