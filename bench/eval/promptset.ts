/**
 * Eval promptsets: what each model is asked, how the judge should weigh the answer, and the
 * exact checks an answer can be held to without a judge.
 *
 * One JSON object per line (JSONL), the same fields as the promptset llm-bench ships
 * (`promptsets/core.ts`). Read from a local path or an `s3://` URI; every bad line is reported at
 * once, with its number, before anything is sent.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { ChatMessage } from '../client/openai';
import { UsageError, usageErrors } from '../errors';
import { forEachJsonlLine } from '../jsonl';
import { renderQuestion } from './judge-prompt';

/**
 * An exact check of an answer, scored without the judge:
 * - `number`: the last number in the answer equals `value` (± `tolerance`; commas in numbers are ignored);
 * - `exact`: the whole answer, trimmed, without surrounding quotes, backticks or a final period
 *   and case-insensitively, is one of `values`;
 * - `contains`: the answer contains every one of `values` (case-insensitive);
 * - `json`: the answer (or its one fenced code block) is a JSON object whose fields include `value`'s, deeply equal;
 * - `regex`: the trimmed answer matches `pattern` (with `flags`);
 * - `words`: the answer has at least `min` and at most `max` words;
 * - `refusal`: the answer declines (`refuse: true`) or does not (`refuse: false`, for requests that only sound harmful).
 */
export const referenceCheckSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('number'), value: z.number(), tolerance: z.number().nonnegative().optional() }).strict(),
  z.object({ kind: z.literal('exact'), values: z.array(z.string().min(1)).min(1) }).strict(),
  z.object({ kind: z.literal('contains'), values: z.array(z.string().min(1)).min(1) }).strict(),
  z.object({ kind: z.literal('json'), value: z.record(z.string(), z.unknown()) }).strict(),
  z
    .object({
      kind: z.literal('regex'),
      pattern: z.string().min(1),
      flags: z
        .string()
        .regex(/^[imsu]*$/)
        .optional(),
    })
    .strict(),
  z
    .object({ kind: z.literal('words'), min: z.int().nonnegative().optional(), max: z.int().positive().optional() })
    .strict()
    .refine((c) => c.min !== undefined || c.max !== undefined, { message: 'words needs min or max' }),
  z.object({ kind: z.literal('refusal'), refuse: z.boolean() }).strict(),
]);
export type ReferenceCheck = z.infer<typeof referenceCheckSchema>;

const messageSchema = z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string().min(1) }).strict();

/** One line of a promptset. */
export const evalPromptSchema = z
  .object({
    /** Unique in the promptset: results and reports name prompts by it. */
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'id must be letters, digits, ".", "_" or "-"'),
    category: z.string().min(1),
    prompt: z.string().min(1).optional(),
    messages: z.array(messageSchema).min(1).optional(),
    /** What the judge weighs for this prompt. @default - the category's rubric, else a general one */
    rubric: z.string().min(1).optional(),
    /** Exact checks, all of which must pass; the prompt is then a reference prompt. */
    checks: z.array(referenceCheckSchema).min(1).optional(),
    /** A good answer, written with the prompt: documentation, and what the simulator answers (`llm-bench sim --answers`). Never shown to the judge. */
    example: z.string().min(1).optional(),
    /** `max_tokens` for this prompt. @default - the eval's --max-tokens */
    maxTokens: z.int().positive().optional(),
  })
  .strict()
  .refine((p) => (p.prompt === undefined) !== (p.messages === undefined), { message: 'needs exactly one of prompt or messages' });
export type EvalPrompt = z.infer<typeof evalPromptSchema>;

/** A promptset with where it came from. */
export interface Promptset {
  /** `core` for the shipped promptset, else the path or URI. */
  readonly source: string;
  readonly prompts: readonly EvalPrompt[];
}

/** The conversation a prompt sends. */
export function promptMessages(p: EvalPrompt): ChatMessage[] {
  return p.messages !== undefined ? [...p.messages] : [{ role: 'user', content: p.prompt! }];
}

/** The question as the judge and the simulator's script see it. */
export function promptQuestion(p: EvalPrompt): string {
  return renderQuestion(promptMessages(p));
}

/** Problems of a promptset taken as a whole: duplicate ids, regexes that do not compile. */
export function promptsetProblems(prompts: readonly EvalPrompt[], where: (i: number) => string): string[] {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  prompts.forEach((p, i) => {
    const first = seen.get(p.id);
    if (first !== undefined) problems.push(`${where(i)} repeats id ${p.id}, got it first at ${where(first)}; give every prompt its own id`);
    else seen.set(p.id, i);
    for (const c of p.checks ?? []) {
      if (c.kind !== 'regex') continue;
      try {
        new RegExp(c.pattern, c.flags);
      } catch (err) {
        problems.push(
          `${where(i)} checks regex ${JSON.stringify(c.pattern)} does not compile, got ${(err as Error).message}; fix the pattern`,
        );
      }
    }
  });
  return problems;
}

/** Parses a JSONL promptset, reporting every bad line at once (at most 20). */
export function parseEvalPromptset(text: string, source: string): Promptset {
  const prompts: EvalPrompt[] = [];
  const lines: number[] = [];
  const problems: string[] = [];
  forEachJsonlLine(
    text,
    source,
    evalPromptSchema,
    '{"id": "…", "category": "…", "prompt": "…"} with optional rubric, checks, example',
    problems,
    (prompt, _where, line) => {
      prompts.push(prompt);
      lines.push(line);
    },
  );
  problems.push(...promptsetProblems(prompts, (i) => `${source}:${lines[i]}`));
  if (problems.length > 0) throw usageErrors(problems.slice(0, 20));
  if (prompts.length === 0) throw new UsageError(`--promptset ${source} has no prompts; add one json object per line`);
  return { source, prompts };
}

/** Reads an object's text from S3; the eval action passes the registry's client. */
export type S3TextReader = (bucket: string, key: string) => Promise<string | undefined>;

/** An `s3://bucket/key` URI's parts, or undefined for anything else. */
export function parseS3Uri(uri: string): { readonly bucket: string; readonly key: string } | undefined {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  return m === null ? undefined : { bucket: m[1]!, key: m[2]! };
}

/** Reads a promptset from a local path or an `s3://` URI (through `readS3`). */
export async function loadEvalPromptset(source: string, readS3?: S3TextReader): Promise<Promptset> {
  let text: string | undefined;
  if (source.startsWith('s3://')) {
    const where = parseS3Uri(source);
    if (where === undefined) throw new UsageError(`--promptset ${source} is not an s3 uri, got no key; pass s3://<bucket>/<key>.jsonl`);
    if (readS3 === undefined) throw new UsageError(`--promptset ${source} is in S3, got no S3 client; pass a local file`);
    try {
      text = await readS3(where.bucket, where.key);
    } catch (err) {
      throw new UsageError(
        `--promptset ${source} cannot be read from S3, got ${(err as Error).name}: ${(err as Error).message}; check the URI and s3:GetObject on it`,
      );
    }
    if (text === undefined) throw new UsageError(`--promptset ${source} does not exist, got NoSuchKey; check the bucket and key`);
  } else {
    try {
      text = await readFile(source, 'utf8');
    } catch (err) {
      throw new UsageError(
        `--promptset ${source} cannot be read, got ${(err as NodeJS.ErrnoException).code ?? String(err)}; pass a readable .jsonl file`,
      );
    }
  }
  return parseEvalPromptset(text, source);
}
