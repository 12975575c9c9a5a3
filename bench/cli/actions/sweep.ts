/** What `llm-bench sweep` does once its flags parse. */
import { runCost } from '../../cost/run-cost';
import { EXIT } from '../../errors';
import { resultPassed, runFailure } from '../../load/engine';
import { renderSweepMarkdown } from '../../report/markdown';
import { SWEEP_RENDERERS } from '../../report/renderers';
import type { LoadResult, SweepResult } from '../../result';
import { runSweep } from '../../sweep';
import type { CliIo, ExitSink } from '../io';
import { onInterrupt } from '../interrupt';
import { outputProblems, toStdout, withOutputs, writeReports } from '../output';
import type { RunFlags } from '../run-flags';
import { costSettingsFrom } from '../cost-options';
import { loadOptionsFrom } from '../run-options';

export interface SweepFlags extends RunFlags {
  readonly concurrency?: number[];
  readonly rate?: number[];
  readonly keepGoing?: boolean;
}

function stepLine(dimension: string, value: number, r: LoadResult): string {
  const outcome = resultPassed(r)
    ? 'passed'
    : r.aborted !== undefined
      ? 'aborted'
      : runFailure(r) !== undefined
        ? 'every request failed'
        : 'failed';
  return `${dimension} ${value}: ${r.summary.requestThroughput} req/s, TTFT p95 ${r.summary.ttftMs.p95 ?? '–'} ms, ${outcome}\n`;
}

export async function sweepAction(f: SweepFlags, io: CliIo, exit: ExitSink): Promise<void> {
  const problems = outputProblems(f);
  if ((f.concurrency === undefined) === (f.rate === undefined)) {
    const got = f.concurrency === undefined ? 'neither' : 'both';
    problems.push(`sweep needs exactly one of --concurrency or --rate lists, got ${got}; pass e.g. --concurrency 1,2,4,8`);
  }
  if (f.burstiness !== undefined && f.rate === undefined)
    problems.push('--burstiness shapes open-loop arrivals, got it without --rate; use it with --rate');
  const pricing = costSettingsFrom(f, problems);
  const { profile: _profile, ...base } = await loadOptionsFrom(f, io, problems, null);
  const dimension = f.concurrency !== undefined ? 'concurrency' : 'rate';
  const abort = new AbortController();
  const release = onInterrupt(io, {
    message: () => '\nstopping: waiting for requests in flight (Ctrl-C again to cancel them)\n',
    graceful: () => abort.abort(),
    hard: () => abort.abort(),
  });
  let result: SweepResult;
  try {
    result = await runSweep(
      {
        ...base,
        dimension,
        values: f.concurrency ?? f.rate ?? [],
        ...(f.burstiness !== undefined && { burstiness: f.burstiness }),
        ...(f.keepGoing === true && { keepGoing: true }),
        onStep: (value, r) => io.stderr(stepLine(dimension, value, r)),
      },
      { signal: abort.signal },
    );
  } finally {
    release();
  }
  if (pricing !== null) {
    const priced = (step: LoadResult): LoadResult =>
      step.summary.requests.total > 0 ? { ...step, cost: runCost(step.summary, pricing.settings) } : step;
    result = { ...result, steps: result.steps.map(priced) };
  }
  const written = await writeReports(result, f, SWEEP_RENDERERS, io);
  if (!toStdout(f)) io.stdout(renderSweepMarkdown(result));
  const failure = result.steps.map(runFailure).find((reason) => reason !== undefined);
  if (failure !== undefined) {
    io.stderr(`error: ${failure}\n`);
    exit.code = EXIT.runFailed;
  } else {
    exit.code = result.best === null ? EXIT.thresholdCrossed : EXIT.ok;
  }
  exit.code = withOutputs(exit.code, written);
}
