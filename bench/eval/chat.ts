/**
 * One non-streaming chat completion, as eval needs it: temperature 0, a fixed seed, optional
 * structured output. Eval measures answers, not latency, so it uses Node's fetch rather than the
 * load engine's client.
 */
import type { ChatMessage } from '../client/openai';

/** Where a model is served. */
export interface ChatTarget {
  readonly baseUrl: string;
  readonly model: string;
  readonly apiKey?: string;
}

export interface ChatCall {
  readonly messages: readonly ChatMessage[];
  readonly maxTokens: number;
  readonly seed: number;
  /** `response_format` (structured output). @default - none */
  readonly responseFormat?: Record<string, unknown>;
  /** Sent as `x-request-id`; names the call in the server's log (and the simulator's draws). */
  readonly requestId: string;
  readonly timeoutSec: number;
}

/** What came back: the text, or why there is none. */
export type ChatReply =
  | {
      readonly ok: true;
      readonly text: string;
      readonly finishReason: string | null;
      readonly outputTokens: number | null;
      readonly ms: number;
    }
  | { readonly ok: false; readonly problem: string; readonly ms: number };

const root = (baseUrl: string) => baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '');

/** Sends one chat completion; never rejects (a failure is a reply with its problem). */
export async function chat(target: ChatTarget, call: ChatCall, now: () => number = () => performance.now()): Promise<ChatReply> {
  const start = now();
  const body = {
    model: target.model,
    messages: call.messages,
    temperature: 0,
    seed: call.seed,
    max_tokens: call.maxTokens,
    stream: false,
    ...(call.responseFormat !== undefined && { response_format: call.responseFormat }),
  };
  try {
    const res = await fetch(`${root(target.baseUrl)}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-request-id': call.requestId,
        ...(target.apiKey !== undefined && { authorization: `Bearer ${target.apiKey}` }),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(call.timeoutSec * 1000),
    });
    const text = await res.text();
    if (!res.ok) return { ok: false, problem: `http_${res.status}: ${text.slice(0, 200)}`, ms: now() - start };
    const json = JSON.parse(text) as {
      choices?: { message?: { content?: unknown }; finish_reason?: unknown }[];
      usage?: { completion_tokens?: unknown };
    };
    const choice = json.choices?.[0];
    const content = choice?.message?.content;
    if (typeof content !== 'string') return { ok: false, problem: 'bad_response: no choices[0].message.content', ms: now() - start };
    const tokens = json.usage?.completion_tokens;
    return {
      ok: true,
      text: content,
      finishReason: typeof choice?.finish_reason === 'string' ? choice.finish_reason : null,
      outputTokens: typeof tokens === 'number' ? tokens : null,
      ms: now() - start,
    };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const why = e.name === 'TimeoutError' ? `total_timeout after ${call.timeoutSec} s` : (e.cause?.code ?? e.message);
    return { ok: false, problem: why, ms: now() - start };
  }
}

/** Runs `tasks` with at most `limit` at once, keeping their order in the results. */
export async function pool<T>(tasks: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, tasks.length)) }, worker));
  return results;
}
