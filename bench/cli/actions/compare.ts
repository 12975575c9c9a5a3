/** What `llm-bench compare` does once its flags parse. */
import { parseBaseUrl } from '../../client/openai';
import { LIVE_COMPARE_DEFAULTS } from '../../compare/defaults';
import { readRunResult } from '../../compare/files';
import { parseRegressionGates } from '../../compare/gates';
import { runLiveCompare } from '../../compare/live';
import { COMPARE_RENDERERS, renderCompareMarkdown } from '../../compare/report';
import { type CompareInputs, compareResults, gateOutcomes } from '../../compare/compare';
import { BENCH_DEFAULTS } from '../../defaults';
import { collectUsage, EXIT, failOnProblems, RunError } from '../../errors';
import { profileFrom } from '../flags';
import type { CliIo, ExitSink } from '../io';
import { onInterrupt } from '../interrupt';
import { type OutputFlags, outputProblems, toStdout, writeOutput, writeReports } from '../output';
import { loadOptionsFrom } from '../run-options';
import type { LoadProfile } from '../../load/schedule';

export interface CompareFlags extends OutputFlags {
  readonly maxRegression: string[];
  readonly seed?: number;
  readonly live?: boolean;
  readonly baseUrl?: string;
  readonly model?: string;
  readonly candidateBaseUrl?: string;
  readonly candidateModel?: string;
  readonly apiKey?: string;
  readonly candidateApiKey?: string;
  readonly concurrency?: number;
  readonly rate?: number;
  readonly burstiness?: number;
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
  'candidateApiKey',
  'concurrency',
  'rate',
  'burstiness',
  'requests',
  'duration',
  'inputTokens',
  'outputTokens',
  'loadSeed',
  'saveBaseline',
  'saveCandidate',
] as const;
const flagName = (k: string) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** One load interleaved over both targets; the two results written where --save-* asks. */
async function liveInputs(f: CompareFlags, io: CliIo, problems: string[]): Promise<CompareInputs> {
  if (f.baseUrl === undefined)
    problems.push('compare --live needs the baseline server, got no --base-url; pass e.g. --base-url http://127.0.0.1:8000');
  if (f.model === undefined) problems.push('compare --live needs the baseline model, got no --model; pass e.g. --model my-model');
  const candidate = {
    baseUrl: f.candidateBaseUrl ?? f.baseUrl ?? '',
    model: f.candidateModel ?? f.model ?? '',
    ...(f.candidateApiKey !== undefined && { apiKey: f.candidateApiKey }),
  };
  if (f.candidateBaseUrl === undefined && f.candidateModel === undefined) {
    problems.push('compare --live needs a candidate that differs, got neither --candidate-base-url nor --candidate-model; pass one');
  }
  if (f.candidateBaseUrl !== undefined) {
    const urlProblems: string[] = [];
    collectUsage(urlProblems, () => parseBaseUrl(candidate.baseUrl));
    problems.push(...urlProblems.map((p) => p.replace(/^--base-url/, '--candidate-base-url')));
  }
  if (f.requests === 1) problems.push('--requests must give each of the 2 targets a request, got 1; pass at least 2');
  const baseline = await loadOptionsFrom(
    {
      baseUrl: f.baseUrl ?? '',
      model: f.model ?? '',
      endpoint: BENCH_DEFAULTS.endpoint,
      stream: true,
      threshold: [],
      ...(f.apiKey !== undefined && { apiKey: f.apiKey }),
      ...((f.requests !== undefined || f.duration === undefined) && { requests: f.requests ?? LIVE_COMPARE_DEFAULTS.requests }),
      ...(f.duration !== undefined && { duration: f.duration }),
      ...(f.inputTokens !== undefined && { inputTokens: f.inputTokens }),
      ...(f.outputTokens !== undefined && { outputTokens: f.outputTokens }),
      ...(f.loadSeed !== undefined && { seed: f.loadSeed }),
    },
    io,
    problems,
    liveProfile(f, problems),
  );
  const abort = new AbortController();
  const release = onInterrupt(io, {
    message: () => '\nstopping the load: waiting for requests in flight to both targets\n',
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
  // Every target's result carries the same reason, which names the target that stopped the load.
  const aborted = results.baseline.aborted ?? results.candidate.aborted;
  if (aborted !== undefined) throw new RunError(`the live load stopped itself: ${aborted.reason}`);
  return { baseline: results.baseline, candidate: results.candidate, baselineFile: null, candidateFile: null };
}

/** The whole live load's shape: --concurrency or --rate (with --burstiness), else the default users. */
function liveProfile(f: CompareFlags, problems: string[]): LoadProfile {
  if (f.burstiness !== undefined && f.rate === undefined)
    problems.push('--burstiness shapes open-loop arrivals, got it without --rate; use it with --rate');
  const profile = profileFrom(f, LIVE_COMPARE_DEFAULTS.concurrency, problems);
  return profile.kind === 'rate' && f.burstiness !== undefined ? { ...profile, burstiness: f.burstiness } : profile;
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
