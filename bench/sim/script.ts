/**
 * What the simulator says when it is scripted: each model answers a known prompt with its
 * scripted answer, a model can be made measurably worse, and a judge model scores answers by a
 * rule a test can compute. Without a script the simulator streams filler text as before.
 *
 * Every choice is a hash of the request's content (never a draw in arrival order), so an eval
 * that sends its requests concurrently gets the same answers and verdicts on every run.
 */
import type { ChatMessage } from '../client/openai';
import { type JudgeRequest, parseJudgeRequest, renderQuestion } from '../eval/judge-prompt';

/** What a degraded model answers instead of its scripted answer: no number, no JSON, no refusal, no format. */
export const DEGRADED_ANSWER = 'It depends on many factors, so there is no single answer.';

/**
 * The simulated judge's rule: the scripted answer to the question scores `expected`, the degraded
 * answer `degraded`, anything else `other`; in a pair the higher score wins, equal scores tie.
 */
export const SIM_JUDGE_SCORES = { expected: 8, degraded: 2, other: 5 } as const;

/** How a simulated judge misbehaves; every share is a probability 0..1. */
export interface SimJudgeOptions {
  /** Models that act as the judge: their chat answers to judge prompts are verdicts. */
  readonly models: readonly string[];
  /**
   * Share of judge calls answered with JSON cut off at the token limit (finish_reason `length`).
   * Drawn per call from its `x-request-id` (llm-bench eval names each attempt), else from its
   * content and how often that content was asked before; either way a retry is a fresh draw. @default 0
   */
  readonly malformed?: number;
  /** Share of pairwise calls answered "A" whatever the answers (a judge biased towards the first position). @default 0 */
  readonly firstPositionBias?: number;
  /** Score every answer `expected` (a judge that agrees with everything). @default false */
  readonly lenient?: boolean;
}

/** The scripted part of a simulator. */
export interface SimScript {
  /** Scripted answers by question (the prompt as {@link renderQuestion} renders it). */
  readonly answers?: ReadonlyMap<string, string>;
  /** Per model, the share of scripted questions answered with {@link DEGRADED_ANSWER} instead. */
  readonly degrade?: Readonly<Record<string, number>>;
  readonly judge?: SimJudgeOptions;
}

/** What a scripted request gets: its text, and whether it is cut at the token limit. */
export interface ScriptedReply {
  readonly text: string;
  /** A reply cut short (finish_reason `length`), as a malformed verdict is. */
  readonly truncated: boolean;
}

/** What a simulated judge did, for tests. */
export interface SimJudgeStats {
  readonly calls: number;
  /** Calls answered with cut-off JSON. */
  readonly malformed: number;
  /** Calls that asked for structured output (`response_format` with a JSON schema). */
  readonly structured: number;
}

/** A share 0..1 from a string (FNV-1a): stable across runs and independent of arrival order. */
export function shareOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  // Mix the low bits up (FNV's are weak) before turning the hash into a share.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  return (h >>> 0) / 4294967296;
}

/** Whether `model` answers `question` with the degraded answer at share `share`. */
export function isDegraded(model: string, question: string, share: number): boolean {
  return share > 0 && shareOf(`degrade\n${model}\n${question}`) < share;
}

const normalize = (s: string) => s.trim().replace(/\s+/g, ' ').toLowerCase();

/** The simulated judge's score of `answer` to `question` (see {@link SIM_JUDGE_SCORES}). */
export function simJudgeScore(question: string, answer: string, answers: ReadonlyMap<string, string>): number {
  if (normalize(answer) === normalize(DEGRADED_ANSWER)) return SIM_JUDGE_SCORES.degraded;
  const expected = answers.get(question);
  return expected !== undefined && normalize(expected) === normalize(answer) ? SIM_JUDGE_SCORES.expected : SIM_JUDGE_SCORES.other;
}

/** Problems with a script, worded for the CLI flags. */
export function validateScript(script: SimScript, models: readonly string[]): string[] {
  const problems: string[] = [];
  const share = (flag: string, v: number | undefined) => {
    if (v !== undefined && !(v >= 0 && v <= 1)) problems.push(`${flag} must be a share in 0..1, got ${v}; pass e.g. ${flag} 0.3`);
  };
  for (const [model, v] of Object.entries(script.degrade ?? {})) {
    if (!models.includes(model)) problems.push(`--degrade ${model}=${v} names no --model, got ${model}; use one of ${models.join(', ')}`);
    share(`--degrade ${model}`, v);
  }
  if (script.degrade !== undefined && Object.keys(script.degrade).length > 0 && script.answers === undefined) {
    problems.push(
      '--degrade needs scripted answers to degrade, got no --answers; pass --answers core or a promptset file with "example" answers',
    );
  }
  for (const model of script.judge?.models ?? []) {
    if (!models.includes(model)) problems.push(`--judge ${model} names no --model, got ${model}; use one of ${models.join(', ')}`);
  }
  share('--judge-malformed', script.judge?.malformed);
  share('--judge-first-bias', script.judge?.firstPositionBias);
  return problems;
}

/** The scripted replies of one simulator: answers, degradation and the judge. */
export class Script {
  private readonly answers: ReadonlyMap<string, string>;
  private readonly asked = new Map<string, number>();
  private stats = { calls: 0, malformed: 0, structured: 0 };

  constructor(private readonly script: SimScript) {
    this.answers = script.answers ?? new Map();
  }

  judgeStats(): SimJudgeStats {
    return { ...this.stats };
  }

  /** The reply to a chat or completion request, or undefined for filler text. */
  reply(model: string, body: Record<string, unknown>, requestId?: string): ScriptedReply | undefined {
    const messages = chatMessages(body);
    if (messages === undefined) return undefined;
    if (this.script.judge?.models.includes(model) === true) {
      const request = parseJudgeRequest(messages);
      if (request !== undefined) return this.verdict(request, JSON.stringify({ messages }), body, requestId);
    }
    const question = renderQuestion(messages);
    const answer = this.answers.get(question);
    if (answer === undefined) return undefined;
    return { text: isDegraded(model, question, this.script.degrade?.[model] ?? 0) ? DEGRADED_ANSWER : answer, truncated: false };
  }

  private verdict(request: JudgeRequest, content: string, body: Record<string, unknown>, requestId: string | undefined): ScriptedReply {
    const judge = this.script.judge!;
    this.stats.calls++;
    if ((body.response_format as { type?: unknown } | undefined)?.type === 'json_schema') this.stats.structured++;
    let call = requestId;
    if (call === undefined) {
      const attempt = this.asked.get(content) ?? 0;
      this.asked.set(content, attempt + 1);
      call = `${attempt}\n${content}`;
    }
    const score = (answer: string) =>
      judge.lenient === true ? SIM_JUDGE_SCORES.expected : simJudgeScore(request.question, answer, this.answers);
    let json: string;
    if (request.kind === 'pointwise') {
      const s = score(request.answer);
      json = JSON.stringify({ reason: `the answer scores ${s} by the simulator's rule`, score: s });
    } else {
      const biased = shareOf(`bias\n${content}`) < (judge.firstPositionBias ?? 0);
      const [a, b] = [score(request.a), score(request.b)];
      const winner = biased || a > b ? 'A' : b > a ? 'B' : 'tie';
      json = JSON.stringify({ reason: biased ? 'the first answer is better' : `scores ${a} and ${b} by the simulator's rule`, winner });
    }
    if (shareOf(`malformed\n${call}`) < (judge.malformed ?? 0)) {
      this.stats.malformed++;
      return { text: json.slice(0, Math.ceil(json.length / 2)), truncated: true };
    }
    return { text: json, truncated: false };
  }
}

function chatMessages(body: Record<string, unknown>): ChatMessage[] | undefined {
  if (typeof body.prompt === 'string') return [{ role: 'user', content: body.prompt }];
  if (!Array.isArray(body.messages)) return undefined;
  const messages: ChatMessage[] = [];
  for (const m of body.messages as unknown[]) {
    const { role, content } = (m ?? {}) as { role?: unknown; content?: unknown };
    if ((role !== 'system' && role !== 'user' && role !== 'assistant') || typeof content !== 'string') return undefined;
    messages.push({ role, content });
  }
  return messages;
}

/** Splits a reply into simulated tokens: one word each, with its leading space, as a tokenizer streams them. */
export function replyTokens(text: string): string[] {
  return text.length === 0 ? [] : text.split(/(?= )/);
}
