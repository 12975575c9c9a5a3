/** What `llm-bench sim` does once its flags parse. */
import { BENCH_DEFAULTS } from '../../defaults';
import { RunError, UsageError, usageErrors } from '../../errors';
import { CORE_PROMPTSET } from '../../eval/promptsets/core';
import { loadEvalPromptset, type EvalPrompt, promptQuestion } from '../../eval/promptset';
import type { SimScript } from '../../sim/script';
import { startSimulator } from '../../sim/simulator';
import { parseAdapter } from '../../smoke/smoke';
import { untilSignal } from '../interrupt';
import type { CliIo } from '../io';

export interface SimFlags {
  readonly host: string;
  readonly port: number;
  readonly model: string[];
  readonly adapter: string[];
  readonly ttftMs?: number;
  readonly itlMs?: number;
  readonly prefillMsPerToken?: number;
  readonly prefixCaching: boolean;
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
  readonly jitter?: number;
  readonly answers?: string;
  readonly degrade: string[];
  readonly judge: string[];
  readonly judgeMalformed?: number;
  readonly judgeFirstBias?: number;
  readonly judgeLenient?: boolean;
}

/** Scripted answers by question from a promptset's `example` fields. */
async function scriptedAnswers(source: string): Promise<Map<string, string>> {
  const prompts: readonly EvalPrompt[] = source === 'core' ? CORE_PROMPTSET : (await loadEvalPromptset(source)).prompts;
  const answers = new Map<string, string>();
  for (const p of prompts) if (p.example !== undefined) answers.set(promptQuestion(p), p.example);
  if (answers.size === 0)
    throw new UsageError(`--answers ${source} has no "example" answers, got ${prompts.length} prompts without one; add "example" fields`);
  return answers;
}

/** The simulator's script from --answers, --degrade and the --judge flags. */
async function scriptFrom(f: SimFlags): Promise<SimScript> {
  const problems: string[] = [];
  const degrade: Record<string, number> = {};
  for (const spec of f.degrade) {
    const eq = spec.lastIndexOf('=');
    const share = Number(spec.slice(eq + 1));
    if (eq <= 0 || spec.slice(eq + 1).trim() === '' || !Number.isFinite(share)) {
      problems.push(`--degrade takes MODEL=SHARE, got ${JSON.stringify(spec)}; pass e.g. --degrade mistral-7b-awq=0.4`);
    } else {
      degrade[spec.slice(0, eq)] = share;
    }
  }
  if (problems.length > 0) throw usageErrors(problems);
  const judgeFlags = f.judgeMalformed !== undefined || f.judgeFirstBias !== undefined || f.judgeLenient === true;
  if (judgeFlags && f.judge.length === 0)
    throw new UsageError('--judge-malformed, --judge-first-bias and --judge-lenient shape a judge, got no --judge; pass --judge MODEL');
  return {
    ...(f.answers !== undefined && { answers: await scriptedAnswers(f.answers) }),
    ...(f.degrade.length > 0 && { degrade }),
    ...(f.judge.length > 0 && {
      judge: {
        models: f.judge,
        ...(f.judgeMalformed !== undefined && { malformed: f.judgeMalformed }),
        ...(f.judgeFirstBias !== undefined && { firstPositionBias: f.judgeFirstBias }),
        ...(f.judgeLenient === true && { lenient: true }),
      },
    }),
  };
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
    if (!(Number.isInteger(len) && len > 0))
      problems.push(
        `--max-model-len takes N or NAME=N with a positive integer N, got ${JSON.stringify(spec)}; pass e.g. --max-model-len 4096`,
      );
    else if (name === undefined) all = len;
    else if (!models.includes(name))
      problems.push(`--max-model-len ${spec} names no --model, got ${name}; use one of ${models.join(', ')}`);
    else own.set(name, len);
  }
  if (problems.length > 0) throw usageErrors(problems);
  return models.map((name) => ({ name, ...((own.get(name) ?? all) !== undefined && { maxModelLen: own.get(name) ?? all }) }));
}

export async function simAction(f: SimFlags, io: CliIo): Promise<void> {
  const models = f.model.length > 0 ? f.model : [...BENCH_DEFAULTS.sim.models];
  const script = await scriptFrom(f);
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
    ...(f.prefillMsPerToken !== undefined && { prefillMsPerToken: f.prefillMsPerToken }),
    prefixCaching: f.prefixCaching,
    ...(f.outputTokens !== undefined && { outputTokens: f.outputTokens }),
    ...(f.maxRunning !== undefined && { maxRunning: f.maxRunning }),
    ...(f.apiKey !== undefined && { apiKey: f.apiKey }),
    ...(f.seed !== undefined && { seed: f.seed }),
    ...(f.recordTimings === true && { recordTimings: true }),
    ...(f.jitter !== undefined && { jitter: f.jitter }),
    script,
    faults: {
      error: f.faultError ?? 0,
      malformed: f.faultMalformed ?? 0,
      cut: f.faultCut ?? 0,
      stall: f.faultStall ?? 0,
      abort: f.faultAbort ?? 0,
    },
  }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE')
      throw new RunError(`port ${f.port} on ${f.host} is in use, got EADDRINUSE; pass another --port (0 picks a free one)`);
    throw err;
  });
  const s = sim.settings();
  const adapters = f.adapter.length > 0 ? ` · adapters ${f.adapter.join(', ')}` : '';
  const auth = f.apiKey !== undefined ? ' · api key required' : '';
  const served = [...sim.servedModels()].map(([m, len]) => `${m} (max_model_len ${len})`).join(', ');
  const prefill = s.prefillMsPerToken > 0 ? ` + ${s.prefillMsPerToken} ms per uncached prompt token` : '';
  const caching = s.prefixCaching ? '' : ' · prefix caching off';
  const jitter = s.jitter > 0 ? ` · jitter σ ${s.jitter}` : '';
  const scripted = f.answers !== undefined ? ` · answers ${f.answers}` : '';
  const judge = f.judge.length > 0 ? ` · judge ${f.judge.join(', ')}` : '';
  io.stdout(
    `llm-bench sim listening on ${sim.url} · models ${served}${adapters} · TTFT ${s.ttftMs} ms${prefill} · ITL ${s.itlMs} ms` +
      `${jitter}${caching}${auth}${scripted}${judge}\n`,
  );
  await untilSignal();
  await sim.close();
}
