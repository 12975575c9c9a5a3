/**
 * `llm-bench eval`: every model answers every prompt (temperature 0, one seed, one max_tokens);
 * exact checks score what can be checked; the judge scores every answer (pointwise) and compares
 * each candidate with the baseline in both orders (pairwise); the judge's agreement with the exact
 * checks is its calibration.
 */
import type { z } from 'zod';
import { envelope } from '../result';
import { CONFIDENCE, meanInterval, moments, wilson } from '../stats/intervals';
import { chat, type ChatReply, type ChatTarget, pool } from './chat';
import {
  pairwiseMessages,
  pairwiseVerdictSchema,
  parseVerdict,
  pointwiseMessages,
  pointwiseVerdictSchema,
  responseFormat,
} from './judge-prompt';
import { type EvalPrompt, type Promptset, promptMessages, promptQuestion } from './promptset';
import { runChecks } from './reference';
import type { EvalAnswer, EvalModelSummary, EvalPair, EvalResult, JudgeCalibration } from './result';
import { rubricOf } from './rubrics';
import { evaluateEvalThresholds, type EvalThresholdSpec } from './thresholds';

export const EVAL_DEFAULTS = {
  maxTokens: 512,
  judgeMaxTokens: 256,
  seed: 0,
  concurrency: 8,
  timeoutSec: 120,
  /** A judge score at or above this counts as "passes" when compared with the exact checks. */
  passScore: 6,
  /** Agreement with the exact checks below which the judge is flagged. */
  minJudgeAgreement: 0.8,
} as const;

export const EVAL_METHODS: Readonly<Record<string, string>> = {
  answers: 'every model answers every prompt once: temperature 0, the same seed and max_tokens, non-streaming',
  score:
    "score: the judge's 1–10 score of each answer, validated JSON (structured output where the server offers it); mean with Student's t 95 % interval",
  judgeFailures:
    'a judge reply that is not a valid verdict is asked once more under a new request id; a second failure is counted as a judge failure and never scored',
  pairwise:
    'pairwise: the judge compares candidate and baseline on each prompt twice, positions swapped; a win or loss counts only when both orders agree, ' +
    'anything else is a tie; win rate = (wins + ½ ties) / decided pairs, with a Wilson 95 % interval',
  reference:
    'reference: prompts with exact checks (arithmetic, extraction, format, refusal, code output) pass when every check does, without the judge; Wilson 95 % interval',
  calibration: `calibration: on reference prompts, the judge agrees when its score ≥ ${EVAL_DEFAULTS.passScore} exactly when the checks pass; below the set agreement the judge is flagged`,
};

/** A model under test: where it is served, and the name the report gives it (its model id unless a label). */
export type EvalTarget = ChatTarget & { readonly label?: string };

/** The name of a model under test in the result. */
export const labelOf = (t: EvalTarget): string => t.label ?? t.model;

export interface EvalOptions {
  /** The first is the baseline unless `baseline` names another (by label). */
  readonly models: readonly EvalTarget[];
  readonly baseline?: string;
  /** Without a judge: answers and exact checks only. */
  readonly judge: ChatTarget | null;
  readonly promptset: Promptset;
  /** Only the first n prompts (post-deploy's short eval). @default - all */
  readonly limit?: number;
  readonly maxTokens?: number;
  readonly seed?: number;
  readonly concurrency?: number;
  readonly timeoutSec?: number;
  /** Ask the judge for structured output. @default true */
  readonly structuredOutput?: boolean;
  readonly minJudgeAgreement?: number;
  readonly thresholds?: readonly EvalThresholdSpec[];
  /** Called as each stage ends, for progress lines. */
  readonly onStage?: (message: string) => void;
  readonly now?: () => number;
}

type Verdict<T> = { readonly verdict: T; readonly problem?: undefined } | { readonly verdict?: undefined; readonly problem: string };

/** One judge call with one retry; a failure twice is a judge failure. */
async function askJudge<T>(
  judge: ChatTarget,
  messages: ReturnType<typeof pointwiseMessages>,
  kind: 'pointwise' | 'pairwise',
  schema: z.ZodType<T>,
  id: string,
  o: Required<Pick<EvalOptions, 'seed' | 'timeoutSec' | 'structuredOutput'>>,
): Promise<Verdict<T>> {
  let problem = '';
  for (const attempt of [0, 1]) {
    const reply: ChatReply = await chat(judge, {
      messages,
      maxTokens: EVAL_DEFAULTS.judgeMaxTokens,
      seed: o.seed,
      requestId: `${id}-try${attempt}`,
      timeoutSec: o.timeoutSec,
      ...(o.structuredOutput && { responseFormat: responseFormat(kind) }),
    });
    if (!reply.ok) {
      problem = reply.problem;
      continue;
    }
    const parsed = parseVerdict(reply.text, schema);
    if ('verdict' in parsed) return { verdict: parsed.verdict };
    problem = reply.finishReason === 'length' ? `cut at the token limit (${parsed.problem})` : parsed.problem;
  }
  return { problem: `no valid verdict after one retry: ${problem}` };
}

const share = (k: number, n: number) => (n === 0 ? null : k / n);

function summarize(model: string, isBaseline: boolean, answers: readonly EvalAnswer[], pairs: readonly EvalPair[]): EvalModelSummary {
  const mine = answers.filter((a) => a.model === model);
  const scores = mine.flatMap((a) => (a.score === null ? [] : [a.score]));
  const m = moments(scores);
  const refs = mine.filter((a) => a.reference !== null);
  const passed = refs.filter((a) => a.reference!.passed).length;
  const myPairs = pairs.filter((p) => p.candidate === model);
  const count = (o: EvalPair['outcome']) => myPairs.filter((p) => p.outcome === o).length;
  const [wins, ties, losses, failed] = [count('win'), count('tie'), count('loss'), count('failed')];
  const decided = wins + ties + losses;
  const pointwiseFailures = mine.filter((a) => a.judgeProblem !== undefined).length;
  const pairFailures = myPairs.reduce((n, p) => n + (p.candidateFirst === 'failed' ? 1 : 0) + (p.baselineFirst === 'failed' ? 1 : 0), 0);
  return {
    model,
    baseline: isBaseline,
    prompts: mine.length,
    answered: mine.filter((a) => a.text !== null).length,
    score: { mean: scores.length === 0 ? null : m.mean, interval: meanInterval(m), judged: scores.length },
    reference: { passed, total: refs.length, rate: share(passed, refs.length), interval: wilson(passed, refs.length) },
    ...(!isBaseline && {
      pairwise: { wins, ties, losses, failed, winRate: share(wins + ties / 2, decided), interval: wilson(wins + ties / 2, decided) },
    }),
    judgeFailures: pointwiseFailures + pairFailures,
    outputTokens: mine.reduce((n, a) => n + (a.outputTokens ?? 0), 0),
    answerSec: mine.reduce((t, a) => t + a.ms, 0) / 1000,
  };
}

function calibrate(
  answers: readonly EvalAnswer[],
  pairs: readonly EvalPair[],
  minAgreement: number,
  structured: boolean,
): JudgeCalibration {
  const judged = answers.filter((a) => a.reference !== null && a.score !== null);
  const agreed = judged.filter((a) => a.score! >= EVAL_DEFAULTS.passScore === a.reference!.passed).length;
  const agreement = share(agreed, judged.length);
  // Which position won each decided order: candidate-first A means the first position won.
  let first = 0;
  let decided = 0;
  for (const p of pairs) {
    if (p.candidateFirst === 'candidate' || p.candidateFirst === 'baseline') {
      decided++;
      if (p.candidateFirst === 'candidate') first++;
    }
    if (p.baselineFirst === 'candidate' || p.baselineFirst === 'baseline') {
      decided++;
      if (p.baselineFirst === 'baseline') first++;
    }
  }
  const inconsistentPairs = pairs.filter((p) => p.outcome === 'tie' && p.candidateFirst !== p.baselineFirst).length;
  return {
    agreed,
    total: judged.length,
    agreement,
    interval: wilson(agreed, judged.length),
    passScore: EVAL_DEFAULTS.passScore,
    minAgreement,
    flagged: agreement !== null && agreement < minAgreement,
    firstPositionShare: share(first, decided),
    inconsistentPairs,
    structuredOutput: structured,
  };
}

/** A pair's outcome from its two orders. */
export function pairOutcome(candidateFirst: EvalPair['candidateFirst'], baselineFirst: EvalPair['baselineFirst']): EvalPair['outcome'] {
  if (candidateFirst === 'failed' || baselineFirst === 'failed') return 'failed';
  if (candidateFirst === baselineFirst && candidateFirst !== 'tie') return candidateFirst === 'candidate' ? 'win' : 'loss';
  return 'tie';
}

/** Runs the eval. Problems with the options are the caller's (the CLI checks them first). */
export async function runEval(opts: EvalOptions, startedAt = new Date()): Promise<EvalResult> {
  const now = opts.now ?? (() => performance.now());
  const t0 = now();
  const seed = opts.seed ?? EVAL_DEFAULTS.seed;
  const maxTokens = opts.maxTokens ?? EVAL_DEFAULTS.maxTokens;
  const concurrency = opts.concurrency ?? EVAL_DEFAULTS.concurrency;
  const timeoutSec = opts.timeoutSec ?? EVAL_DEFAULTS.timeoutSec;
  const structuredOutput = opts.structuredOutput ?? true;
  const judgeOpts = { seed, timeoutSec, structuredOutput };
  const prompts: readonly EvalPrompt[] = opts.limit === undefined ? opts.promptset.prompts : opts.promptset.prompts.slice(0, opts.limit);
  const baseline = opts.baseline ?? labelOf(opts.models[0]!);
  const notes: string[] = [];

  // 1. Answers, with their exact checks.
  const answerTasks = opts.models.flatMap((target) =>
    prompts.map((p) => async (): Promise<EvalAnswer> => {
      const reply = await chat(
        target,
        {
          messages: promptMessages(p),
          maxTokens: p.maxTokens ?? maxTokens,
          seed,
          requestId: `eval-answer-${labelOf(target)}-${p.id}`,
          timeoutSec,
        },
        now,
      );
      const checks = p.checks === undefined || !reply.ok ? null : runChecks(p.checks, reply.text);
      return {
        promptId: p.id,
        category: p.category,
        model: labelOf(target),
        text: reply.ok ? reply.text : null,
        ...(!reply.ok && { problem: reply.problem }),
        finishReason: reply.ok ? reply.finishReason : null,
        outputTokens: reply.ok ? reply.outputTokens : null,
        ms: reply.ms,
        // An unanswered reference prompt fails its checks.
        reference:
          p.checks === undefined
            ? null
            : checks === null
              ? { passed: false, details: ['no answer'] }
              : { passed: checks.passed, details: checks.outcomes.map((o) => o.detail) },
        score: null,
      };
    }),
  );
  let answers = await pool(answerTasks, concurrency);
  opts.onStage?.(`answers: ${answers.filter((a) => a.text !== null).length} of ${answers.length}`);
  const unanswered = answers.filter((a) => a.text === null);
  if (unanswered.length > 0)
    notes.push(
      `${unanswered.length} answers failed (first: ${unanswered[0]!.model} on ${unanswered[0]!.promptId}: ${unanswered[0]!.problem ?? ''})`,
    );

  const byPrompt = new Map(prompts.map((p) => [p.id, p]));
  const answerOf = (model: string, id: string) => answers.find((a) => a.model === model && a.promptId === id);
  let pairs: EvalPair[] = [];
  const judge = opts.judge;
  if (judge !== null) {
    // 2. Pointwise scores.
    answers = await pool(
      answers.map((a) => async (): Promise<EvalAnswer> => {
        if (a.text === null) return a;
        const p = byPrompt.get(a.promptId)!;
        const v = await askJudge(
          judge,
          pointwiseMessages(promptQuestion(p), a.text, rubricOf(p)),
          'pointwise',
          pointwiseVerdictSchema,
          `eval-score-${a.model}-${a.promptId}`,
          judgeOpts,
        );
        return v.verdict !== undefined ? { ...a, score: v.verdict.score } : { ...a, judgeProblem: v.problem };
      }),
      concurrency,
    );
    opts.onStage?.(
      `pointwise: ${answers.filter((a) => a.score !== null).length} scored, ${answers.filter((a) => a.judgeProblem !== undefined).length} judge failures`,
    );
    // 3. Pairwise, both orders.
    const order = async (
      p: EvalPrompt,
      first: string,
      second: string,
      candidateFirst: boolean,
      id: string,
    ): Promise<EvalPair['candidateFirst']> => {
      const v = await askJudge(
        judge,
        pairwiseMessages(promptQuestion(p), first, second, rubricOf(p)),
        'pairwise',
        pairwiseVerdictSchema,
        id,
        judgeOpts,
      );
      if (v.verdict === undefined) return 'failed';
      if (v.verdict.winner === 'tie') return 'tie';
      const firstWon = v.verdict.winner === 'A';
      return firstWon === candidateFirst ? 'candidate' : 'baseline';
    };
    const pairTasks = opts.models
      .filter((t) => labelOf(t) !== baseline)
      .flatMap((t) =>
        prompts.map((p) => async (): Promise<EvalPair | null> => {
          const c = answerOf(labelOf(t), p.id)?.text ?? null;
          const b = answerOf(baseline, p.id)?.text ?? null;
          if (c === null || b === null) return null;
          const id = `eval-pair-${labelOf(t)}-${baseline}-${p.id}`;
          const [cf, bf] = await Promise.all([order(p, c, b, true, `${id}-cf`), order(p, b, c, false, `${id}-bf`)]);
          return { promptId: p.id, candidate: labelOf(t), baseline, candidateFirst: cf, baselineFirst: bf, outcome: pairOutcome(cf, bf) };
        }),
      );
    pairs = (await pool(pairTasks, Math.max(1, Math.floor(concurrency / 2)))).filter((p): p is EvalPair => p !== null);
    opts.onStage?.(`pairwise: ${pairs.length} pairs, ${pairs.filter((p) => p.outcome === 'failed').length} failed`);
  } else {
    notes.push('no --judge: answers are scored by the exact checks only (no scores, no win rates)');
  }

  const models = opts.models.map((t) => summarize(labelOf(t), labelOf(t) === baseline, answers, pairs));
  const calibration =
    judge === null ? null : calibrate(answers, pairs, opts.minJudgeAgreement ?? EVAL_DEFAULTS.minJudgeAgreement, structuredOutput);
  if (calibration?.flagged === true) {
    notes.push(
      `the judge agrees with the exact checks on ${calibration.agreed} of ${calibration.total} reference answers (below ${calibration.minAgreement}): do not trust its scores`,
    );
  }
  const firstShare = calibration?.firstPositionShare ?? null;
  if (firstShare !== null && firstShare > 0.65) {
    notes.push(
      `the judge picks the answer shown first in ${Math.round(firstShare * 100)} % of decided orders: position bias; only pairs both orders agree on count`,
    );
  }
  return {
    ...envelope('eval', startedAt),
    promptset: { source: opts.promptset.source, prompts: prompts.length, reference: prompts.filter((p) => p.checks !== undefined).length },
    settings: {
      models: opts.models.map((t) => ({ model: labelOf(t), baseUrl: t.baseUrl })),
      baseline,
      judge: judge === null ? null : { model: judge.model, baseUrl: judge.baseUrl },
      maxTokens,
      seed,
      temperature: 0,
      concurrency,
    },
    durationSec: (now() - t0) / 1000,
    models,
    judge: calibration,
    thresholds: evaluateEvalThresholds(opts.thresholds ?? [], models),
    answers,
    pairs,
    methods: { ...EVAL_METHODS, confidence: `intervals at ${CONFIDENCE * 100} %` },
    notes,
  };
}
