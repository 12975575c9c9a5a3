import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { z } from 'zod';
import type { Endpoint, PromptInput } from '../client/openai';
import { UsageError, usageErrors } from '../errors';
import { forEachJsonlLine } from '../jsonl';
import { seededRandom } from './random';

/** One prompt to send, with an optional forced output length. */
export interface PromptSample {
  readonly prompt: PromptInput;
  /** Exact output length for this prompt. @default - the run's outputTokens, else the server decides */
  readonly outputTokens?: number;
}

/** Where prompts come from: request `i` gets `sample(i)`. */
export interface PromptSource {
  readonly description: string;
  sample(i: number): PromptSample;
  /** The file the prompts were read from, so workers of a distributed run can read the same. @default - not from a file */
  readonly file?: PromptsetFile;
}

/** A promptset file as read: where, its size and its hash (what workers check they read the same). */
export interface PromptsetFile {
  /** Absolute path. */
  readonly path: string;
  readonly bytes: number;
  /** SHA-256 of the bytes, lowercase hex. */
  readonly sha256: string;
  /** Prompts in it. */
  readonly prompts: number;
}

// Common English words that Llama/Mistral-family tokenizers encode as one token each (with the
// leading space), so N words ≈ N prompt tokens. The server's usage reports the real count.
const WORDS = (
  'the of and to in is was for that on as with by at from his an were are which this be or has had ' +
  'not but one first new their after its who they two her she been other when there all during into ' +
  'school time may years more most only over city some world would where later up such used many can ' +
  'state about national out known university united then made than part age through while people water ' +
  'team them each day good long great work under south north between both these before being same well ' +
  'house since game life three high small large group line name form place home film book music number'
).split(' ');

/**
 * Random word prompts of a target length, different for every request (so a prefix cache cannot
 * flatter TTFT), identical for the same seed.
 */
export function syntheticPrompts(inputTokens: number, seed: number): PromptSource {
  return {
    description: `synthetic, ~${inputTokens} tokens`,
    sample(i) {
      // One generator per request index keeps prompts independent of scheduling order.
      const random = seededRandom((seed * 0x9e3779b1 + i) >>> 0);
      const words = new Array<string>(inputTokens);
      for (let w = 0; w < inputTokens; w++) words[w] = WORDS[Math.floor(random() * WORDS.length)]!;
      return { prompt: { text: words.join(' ') } };
    },
  };
}

const lineSchema = z
  .object({
    prompt: z.string().min(1).optional(),
    messages: z
      .array(z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() }))
      .min(1)
      .optional(),
    outputTokens: z.int().positive().optional(),
  })
  .refine((l) => (l.prompt === undefined) !== (l.messages === undefined), { message: 'needs exactly one of prompt or messages' });

/**
 * Parses a JSONL promptset: one `{"prompt": "…"}` or `{"messages": [...]}` per line, with an
 * optional `outputTokens`. Reports every bad line at once, with its number.
 */
export function parsePromptset(text: string, file: string, endpoint: Endpoint): PromptSample[] {
  const samples: PromptSample[] = [];
  const problems: string[] = [];
  const expected = '{"prompt": "…"} or {"messages": [{"role": "user", "content": "…"}]}';
  forEachJsonlLine(text, file, lineSchema, expected, problems, (data, where) => {
    const { prompt, messages, outputTokens } = data;
    if (messages !== undefined && endpoint === 'completions') {
      problems.push(`${where} has chat messages, but --endpoint completions takes a text prompt; use --endpoint chat or a "prompt" field`);
      return;
    }
    samples.push({
      prompt: messages !== undefined ? { messages } : { text: prompt! },
      ...(outputTokens !== undefined && { outputTokens }),
    });
  });
  if (problems.length > 0) throw usageErrors(problems.slice(0, 20));
  if (samples.length === 0) throw new UsageError(`--prompts ${file} has no prompts; add one json object per line`);
  return samples;
}

/** Reads a JSONL promptset; prompts are used in file order and repeat when the run needs more. */
export async function loadPromptset(file: string, endpoint: Endpoint): Promise<PromptSource> {
  let raw: Buffer;
  try {
    raw = await readFile(file);
  } catch (err) {
    throw new UsageError(
      `--prompts ${file} cannot be read, got ${(err as NodeJS.ErrnoException).code ?? String(err)}; pass a readable .jsonl file`,
    );
  }
  const samples = parsePromptset(raw.toString('utf8'), file, endpoint);
  return {
    description: `${file} (${samples.length} prompts)`,
    sample: (i) => samples[i % samples.length]!,
    file: { path: resolve(file), bytes: raw.length, sha256: sha256Hex(raw), prompts: samples.length },
  };
}

/** SHA-256 of `bytes` as lowercase hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
