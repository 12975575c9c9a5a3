/**
 * What the judge is asked and how it must answer: the pointwise and pairwise prompts, the JSON
 * schemas of its verdicts (sent as vLLM structured output), and the reader of those prompts that
 * the simulator's judge uses.
 *
 * The prompts mark each part with bracketed headers, as MT-Bench's judge prompts do, so a
 * verdict can be traced to exactly what the judge saw. The judge never sees which model wrote an
 * answer, nor a prompt's exact checks or example answer: its agreement with those checks is then
 * a fair measure of how it judges where no check exists.
 */
import { z } from 'zod';
import type { ChatMessage } from '../client/openai';

/** A prompt's conversation as the judge reads it: the text of one user message, or every message with its role. */
export function renderQuestion(messages: readonly ChatMessage[]): string {
  if (messages.length === 1 && messages[0]!.role === 'user') return messages[0]!.content;
  return messages.map((m) => `${m.role[0]!.toUpperCase()}${m.role.slice(1)}: ${m.content}`).join('\n\n');
}

const POINTWISE_SYSTEM =
  'You are an impartial judge of the answers an AI assistant gives. Rate the answer to the request below on a scale of 1 ' +
  '(useless or wrong) to 10 (correct, complete and exactly as asked), using the rubric. Check correctness first, then ' +
  'whether every instruction was followed, then clarity. Length is not quality: a short correct answer beats a long ' +
  'padded one. A refusal is right only for a request that should be refused. Reply with JSON only, in this shape: ' +
  '{"reason": "<one or two sentences>", "score": <integer from 1 to 10>}';

const PAIRWISE_SYSTEM =
  'You are an impartial judge comparing the answers two AI assistants gave to the same request. Decide which answer ' +
  'is better using the rubric: correctness first, then whether every instruction was followed, then clarity. The order ' +
  'in which the answers appear says nothing about their quality, and neither does their length. Answer "tie" when ' +
  'neither is better. Reply with JSON only, in this shape: {"reason": "<one or two sentences>", "winner": "A" | "B" | "tie"}';

const H = {
  rubric: '[Rubric]',
  question: '[Question]',
  start: '[The Start of the Answer]',
  end: '[The End of the Answer]',
  startA: '[The Start of Answer A]',
  endA: '[The End of Answer A]',
  startB: '[The Start of Answer B]',
  endB: '[The End of Answer B]',
} as const;

/** The judge's messages for scoring one answer. */
export function pointwiseMessages(question: string, answer: string, rubric: string): ChatMessage[] {
  return [
    { role: 'system', content: POINTWISE_SYSTEM },
    { role: 'user', content: `${H.rubric}\n${rubric}\n\n${H.question}\n${question}\n\n${H.start}\n${answer}\n${H.end}` },
  ];
}

/** The judge's messages for comparing two answers, `a` shown first. */
export function pairwiseMessages(question: string, a: string, b: string, rubric: string): ChatMessage[] {
  return [
    { role: 'system', content: PAIRWISE_SYSTEM },
    {
      role: 'user',
      content: `${H.rubric}\n${rubric}\n\n${H.question}\n${question}\n\n${H.startA}\n${a}\n${H.endA}\n\n${H.startB}\n${b}\n${H.endB}`,
    },
  ];
}

/** A pointwise verdict: why, then the score (the reason first lets the model reason before it commits). */
export const pointwiseVerdictSchema = z.object({ reason: z.string(), score: z.int().min(1).max(10) });
export type PointwiseVerdict = z.infer<typeof pointwiseVerdictSchema>;

/** A pairwise verdict: why, then the position that won or a tie. */
export const pairwiseVerdictSchema = z.object({ reason: z.string(), winner: z.enum(['A', 'B', 'tie']) });
export type PairwiseVerdict = z.infer<typeof pairwiseVerdictSchema>;

/**
 * The JSON schemas sent as `response_format: {type: "json_schema", …}`, which vLLM turns into
 * structured-output decoding (facts/vllm: `server.structuredOutputs`). Only keywords every vLLM
 * backend supports (no `multipleOf`, `format`, `patternProperties`): the score is an integer
 * with `minimum`/`maximum`, the winner an `enum`.
 */
export const VERDICT_JSON_SCHEMAS = {
  pointwise: {
    name: 'pointwise_verdict',
    schema: {
      type: 'object',
      properties: { reason: { type: 'string' }, score: { type: 'integer', minimum: 1, maximum: 10 } },
      required: ['reason', 'score'],
      additionalProperties: false,
    },
  },
  pairwise: {
    name: 'pairwise_verdict',
    schema: {
      type: 'object',
      properties: { reason: { type: 'string' }, winner: { type: 'string', enum: ['A', 'B', 'tie'] } },
      required: ['reason', 'winner'],
      additionalProperties: false,
    },
  },
} as const;

/** The `response_format` of a judge request. */
export function responseFormat(kind: keyof typeof VERDICT_JSON_SCHEMAS): Record<string, unknown> {
  const s = VERDICT_JSON_SCHEMAS[kind];
  return { type: 'json_schema', json_schema: { name: s.name, schema: s.schema, strict: true } };
}

/**
 * A judge's reply read as JSON and validated: the whole reply must be one JSON object (a single
 * Markdown code fence around it is tolerated, for servers without structured output).
 */
export function parseVerdict<T>(text: string, schema: z.ZodType<T>): { readonly verdict: T } | { readonly problem: string } {
  const trimmed = text.trim();
  const fenced = /^```(?:json)?\s*\n([\s\S]*?)\n?```$/.exec(trimmed);
  let json: unknown;
  try {
    json = JSON.parse(fenced?.[1] ?? trimmed);
  } catch {
    return { problem: `not json: ${JSON.stringify(trimmed.length > 80 ? `${trimmed.slice(0, 80)}…` : trimmed)}` };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { problem: `${issue.path.join('.') || 'verdict'}: ${issue.message.toLowerCase()}` };
  }
  return { verdict: parsed.data };
}

/** A judge request as the simulator's judge reads it back. */
export type JudgeRequest =
  | { readonly kind: 'pointwise'; readonly question: string; readonly answer: string }
  | { readonly kind: 'pairwise'; readonly question: string; readonly a: string; readonly b: string };

function between(text: string, start: string, end: string): string | undefined {
  const from = text.indexOf(start);
  const to = text.lastIndexOf(end);
  return from === -1 || to < from ? undefined : text.slice(from + start.length + 1, to - 1);
}

/** Reads a judge request built by {@link pointwiseMessages} or {@link pairwiseMessages}; undefined for anything else. */
export function parseJudgeRequest(messages: readonly ChatMessage[]): JudgeRequest | undefined {
  const user = messages.find((m) => m.role === 'user')?.content;
  if (user === undefined) return undefined;
  const qStart = user.indexOf(`${H.question}\n`);
  if (qStart === -1) return undefined;
  const afterQuestion = user.slice(qStart + H.question.length + 1);
  const pairwise = afterQuestion.indexOf(`\n\n${H.startA}\n`);
  if (pairwise !== -1) {
    const a = between(afterQuestion, H.startA, `${H.endA}\n\n${H.startB}`);
    const b = between(afterQuestion, H.startB, H.endB);
    if (a === undefined || b === undefined) return undefined;
    return { kind: 'pairwise', question: afterQuestion.slice(0, pairwise), a, b };
  }
  const single = afterQuestion.indexOf(`\n\n${H.start}\n`);
  if (single === -1) return undefined;
  const answer = between(afterQuestion, H.start, H.end);
  return answer === undefined ? undefined : { kind: 'pointwise', question: afterQuestion.slice(0, single), answer };
}
