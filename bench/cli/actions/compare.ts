/** What `llm-bench compare` does once its flags parse. */
import { readRunResult } from '../../compare/files';
import { parseRegressionGates } from '../../compare/gates';
import { runLiveCompare } from '../../compare/live';
import { COMPARE_RENDERERS, renderCompareMarkdown } from '../../compare/report';
import { type CompareInputs, compareResults, gateOutcomes } from '../../compare/compare';
import { BENCH_DEFAULTS } from '../../defaults';
import { collectUsage, EXIT, failOnProblems, UsageError } from '../../errors';
import type { CliIo, ExitSink } from '../io';
import { onInterrupt } from '../interrupt';
import { type OutputFlags, outputProblems, toStdout, writeOutput, writeReports } from '../output';
import { loadOptionsFrom } from '../run-options';

export interface CompareFlags extends OutputFlags {
  readonly maxRegression: string[];
  readonly seed?: number;
  readonly live?: boolean;
  readonly baseUrl?: string;
  readonly model?: string;
  readonly candidateBaseUrl?: string;
  readonly candidateModel?: string;
  readonly apiKey?: string;
  readonly concurrency?: number;
  readonly requests?: number;
  readonly duration?: number;
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  readonly loadSeed?: number;
  readonly saveBaseline?: string;
  readonly saveCandidate?: string;
}

const LIVE_ONLY = [
  'baseUrl',
  'model',
  'candidateBaseUrl',
  'candidateModel',
  'concurrency',
  'requests',
  'duration',
  'inputTokens',
  'outputTokens',
  'loadSeed',
  'saveBaseline',
  'saveCandidate',
] as const;
const flagName = (k: string) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** Both live loads, run side by side; the results written where --save-* asks. */
async function liveInputs(f: CompareFlags, io: CliIo, problems: string[]): Promise<CompareInputs> {
  if (f.baseUrl === undefined)
    problems.push('compare --live needs the baseline server, got no --base-url; pass e.g. --base-url http://127.0.0.1:8000');
  if (f.model === undefined) problems.push('compare --live needs the baseline model, got no --model; pass e.g. --model my-model');
  const candidate = { baseUrl: f.candidateBaseUrl ?? f.baseUrl ?? '', model: f.candidateModel ?? f.model ?? '' };
  if (f.candidateBaseUrl === undefined && f.candidateModel === undefined) {
    problems.push('compare --live needs a candidate that differs, got neither --candidate-base-url nor --candidate-model; pass one');
  }
  const baseline = await loadOptionsFrom(
    {
      baseUrl: f.baseUrl ?? '',
      model: f.model ?? '',
      endpoint: BENCH_DEFAULTS.endpoint,
      stream: true,
      threshold: [],
      ...(f.apiKey !== undefined && { apiKey: f.apiKey }),
      ...(f.requests !== undefined && { requests: f.requests }),
      ...(f.duration !== undefined && { duration: f.duration }),
      ...(f.inputTokens !== undefined && { inputTokens: f.inputTokens }),
      ...(f.outputTokens !== undefined && { outputTokens: f.outputTokens }),
      ...(f.loadSeed !== undefined && { seed: f.loadSeed }),
    },
    io,
    problems,
    { kind: 'concurrency', concurrency: f.concurrency ?? 4 },
  );
  const abort = new AbortController();
  const release = onInterrupt(io, {
    message: () => '\nstopping both loads: waiting for requests in flight\n',
    graceful: () => abort.abort(),
    hard: () => abort.abort(),
  });
  let results;
  try {
    results = await runLiveCompare({ baseline, candidate }, abort.signal);
  } finally {
    release();
  }
  if (f.saveBaseline !== undefined) await writeOutput(f.saveBaseline, `${JSON.stringify(results.baseline, null, 2)}\n`, io);
  if (f.saveCandidate !== undefined) await writeOutput(f.saveCandidate, `${JSON.stringify(results.candidate, null, 2)}\n`, io);
  for (const [side, r] of Object.entries(results)) {
    if (r.aborted !== undefined) throw new UsageError(`the live ${side} load stopped itself, got ${r.aborted.reason}; check that target`);
  }
  return { baseline: results.baseline, candidate: results.candidate, baselineFile: null, candidateFile: null };
}

export async function compareAction(
  baselineFile: string | undefined,
  candidateFile: string | undefined,
  f: CompareFlags,
  io: CliIo,
  exit: ExitSink,
): Promise<void> {
  const problems = outputProblems(f);
  const gates = collectUsage(problems, () => parseRegressionGates(f.maxRegression)) ?? [];
  let inputs: CompareInputs;
  if (f.live === true) {
    if (baselineFile !== undefined)
      problems.push(`compare --live runs the loads itself, got a file ${baselineFile}; drop the files or --live`);
    inputs = await liveInputs(f, io, problems);
  } else {
    const live = LIVE_ONLY.filter((k) => f[k] !== undefined);
    if (live.length > 0)
      problems.push(`${live.map(flagName).join(', ')} only apply with --live, got them without; add --live or drop them`);
    if (baselineFile === undefined || candidateFile === undefined) {
      problems.push(
        `compare needs two result files, got ${baselineFile === undefined ? 'none' : 'one'}; pass BASELINE.json CANDIDATE.json, or --live with two targets`,
      );
    }
    failOnProblems(problems);
    const [baseline, candidate] = await Promise.all([readRunResult(baselineFile!, 'baseline'), readRunResult(candidateFile!, 'candidate')]);
    inputs = { baseline, candidate, baselineFile: baselineFile!, candidateFile: candidateFile! };
  }
  const result = compareResults(inputs, { gates, ...(f.seed !== undefined && { seed: f.seed }) });
  await writeReports(result, f, COMPARE_RENDERERS, io);
  if (!toStdout(f)) io.stdout(renderCompareMarkdown(result));
  const { failed, undecided } = gateOutcomes(result);
  for (const g of undecided) io.stderr(`warning: gate ${g.expression} undecided (${g.step}): ${g.reason}\n`);
  if (failed.length > 0) {
    io.stderr(`gates crossed: ${failed.map((g) => `${g.expression} (${g.reason})`).join('; ')}\n`);
    exit.code = EXIT.thresholdCrossed;
  } else {
    exit.code = EXIT.ok;
  }
}
