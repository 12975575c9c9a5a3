/** What `llm-bench eval` does once its flags parse. */
import type { ChatTarget } from '../../eval/chat';
import { loadEvalPromptset, type Promptset, type S3TextReader } from '../../eval/promptset';
import { CORE_PROMPTSET } from '../../eval/promptsets/core';
import { EVAL_RENDERERS, renderEvalMarkdown } from '../../eval/report';
import { runEval } from '../../eval/run';
import { parseEvalThresholds } from '../../eval/thresholds';
import { collectUsage, EXIT, failOnProblems, UsageError } from '../../errors';
import { apiKeyFrom } from '../flags';
import type { CliIo, ExitSink } from '../io';
import { type OutputFlags, outputProblems, toStdout, writeReports } from '../output';

export interface EvalFlags extends OutputFlags {
  readonly baseUrl: string;
  readonly model: string[];
  readonly modelUrl: string[];
  readonly baseline?: string;
  readonly judge?: string;
  readonly judgeUrl?: string;
  readonly apiKey?: string;
  readonly promptset: string;
  readonly limit?: number;
  readonly maxTokens?: number;
  readonly seed?: number;
  readonly concurrency?: number;
  readonly timeout?: number;
  readonly structuredOutput: boolean;
  readonly minJudgeAgreement?: number;
  readonly threshold: string[];
  readonly region?: string;
  readonly s3EndpointUrl?: string;
}

/** Reads an s3:// promptset with the registry's AWS client (default credential chain). */
function s3Reader(f: EvalFlags): S3TextReader {
  return async (bucket, key) => {
    const [{ createAwsClients }, { readSmallObject }] = await Promise.all([import('../../registry/aws'), import('../../registry/objects')]);
    const { s3, close } = createAwsClients({
      ...(f.region !== undefined && { region: f.region }),
      ...(f.s3EndpointUrl !== undefined && { s3EndpointUrl: f.s3EndpointUrl }),
    });
    try {
      return await readSmallObject(s3, bucket, key);
    } finally {
      close();
    }
  };
}

/** The promptset a flag names: `core`, a local file or an s3:// URI. */
export async function promptsetFrom(source: string, readS3: S3TextReader): Promise<Promptset> {
  return source === 'core' ? { source: 'core', prompts: CORE_PROMPTSET } : loadEvalPromptset(source, readS3);
}

function targetsFrom(f: EvalFlags, apiKey: string | undefined, problems: string[]): ChatTarget[] {
  const urls = new Map<string, string>();
  for (const pair of f.modelUrl) {
    const at = pair.indexOf('=');
    if (at <= 0)
      problems.push(`--model-url takes <id>=<url>, got ${JSON.stringify(pair)}; pass e.g. --model-url my-model=http://10.0.0.5:8000`);
    else urls.set(pair.slice(0, at), pair.slice(at + 1));
  }
  for (const id of urls.keys())
    if (!f.model.includes(id)) problems.push(`--model-url ${id} names no --model, got ${id}; use one of ${f.model.join(', ')}`);
  if (new Set(f.model).size !== f.model.length) problems.push(`--model lists a model twice, got ${f.model.join(', ')}; name each once`);
  if (f.baseline !== undefined && !f.model.includes(f.baseline))
    problems.push(`--baseline names no --model, got ${f.baseline}; use one of ${f.model.join(', ')}`);
  if (f.minJudgeAgreement !== undefined && !(f.minJudgeAgreement >= 0 && f.minJudgeAgreement <= 1)) {
    problems.push(`--min-judge-agreement must be a share in 0..1, got ${f.minJudgeAgreement}; pass e.g. 0.8`);
  }
  return f.model.map((model) => ({ baseUrl: urls.get(model) ?? f.baseUrl, model, ...(apiKey !== undefined && { apiKey }) }));
}

export async function evalAction(f: EvalFlags, io: CliIo, exit: ExitSink): Promise<void> {
  const problems = outputProblems(f);
  const apiKey = apiKeyFrom(f, io);
  const models = targetsFrom(f, apiKey, problems);
  const thresholds = collectUsage(problems, () => parseEvalThresholds(f.threshold)) ?? [];
  if (f.judge === undefined && f.threshold.some((t) => /^\s*(score|winRate)\b/.test(t))) {
    problems.push('--threshold on score or winRate needs a judge, got no --judge; pass --judge <model> or gate on referencePass');
  }
  let promptset: Promptset | undefined;
  try {
    promptset = await promptsetFrom(f.promptset, s3Reader(f));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    problems.push(...err.problems);
  }
  failOnProblems(problems);
  const result = await runEval({
    models,
    judge: f.judge === undefined ? null : { baseUrl: f.judgeUrl ?? f.baseUrl, model: f.judge, ...(apiKey !== undefined && { apiKey }) },
    promptset: promptset!,
    thresholds,
    structuredOutput: f.structuredOutput,
    ...(f.baseline !== undefined && { baseline: f.baseline }),
    ...(f.limit !== undefined && { limit: f.limit }),
    ...(f.maxTokens !== undefined && { maxTokens: f.maxTokens }),
    ...(f.seed !== undefined && { seed: f.seed }),
    ...(f.concurrency !== undefined && { concurrency: f.concurrency }),
    ...(f.timeout !== undefined && { timeoutSec: f.timeout }),
    ...(f.minJudgeAgreement !== undefined && { minJudgeAgreement: f.minJudgeAgreement }),
    onStage: (m) => io.stderr(`${m}\n`),
  });
  await writeReports(result, f, EVAL_RENDERERS, io);
  if (!toStdout(f)) io.stdout(renderEvalMarkdown(result));
  const answered = result.models.reduce((n, m) => n + m.answered, 0);
  if (answered === 0) {
    io.stderr(`error: no model answered any prompt (${result.notes[0] ?? 'no answers'})\n`);
    exit.code = EXIT.runFailed;
    return;
  }
  const crossed = result.thresholds.filter((t) => !t.passed);
  if (crossed.length > 0) {
    io.stderr(
      `thresholds crossed: ${crossed.map((t) => `${t.expression} for ${t.model} (measured ${t.value === null ? 'nothing' : t.value.toFixed(3)})`).join(', ')}\n`,
    );
    exit.code = EXIT.thresholdCrossed;
  } else {
    exit.code = EXIT.ok;
  }
}
