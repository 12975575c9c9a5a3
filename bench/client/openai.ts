import { performance } from 'node:perf_hooks';
import { StringDecoder } from 'node:string_decoder';
import { BENCH_DEFAULTS } from '../defaults';
import { UsageError } from '../errors';
import { LIMITS } from '../limits';
import { type Exchange, type ExchangeHandler, failureForSocketError, Http1Pool, type ResponseHeaders, TransportError } from './http1';
import { SseParser, type SseSink, SseSyntaxError } from './sse';
import { newTraceIds, type TraceIds, traceparent } from '../tracing/context';

/** OpenAI route a generation request goes to. */
export type Endpoint = 'chat' | 'completions';

/** One chat message as the OpenAI API takes it. */
export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

/** A prompt: plain text (sent as one user message on chat) or a full chat conversation. */
export type PromptInput = { readonly text: string } | { readonly messages: readonly ChatMessage[] };

/** One generation request, independent of how the load engine schedules it. */
export interface GenerationRequest {
  readonly model: string;
  readonly endpoint: Endpoint;
  readonly stream: boolean;
  readonly prompt: PromptInput;
  /** `max_tokens`. @default - the server decides */
  readonly maxTokens?: number;
  /** Generate exactly `maxTokens` (vLLM `ignore_eos` + `min_tokens`). @default false */
  readonly exactTokens?: boolean;
  /** Sent as `x-request-id`, which vLLM and the simulator log. */
  readonly requestId?: string;
  /** Keep the generated text on the record (smoke checks read it). @default false */
  readonly captureText?: boolean;
  /** The request's trace context, sent as `traceparent`. @default - new ids for this request */
  readonly trace?: TraceIds;
}

/** Why a request failed; `http_<status>` for error statuses. */
export type FailureReason =
  | `http_${number}`
  | 'connect_refused'
  | 'connect_timeout'
  | 'dns_error'
  | 'connection_reset'
  | 'stream_cut'
  | 'malformed_sse'
  | 'stream_error'
  | 'bad_response'
  | 'no_content'
  | 'first_token_timeout'
  | 'total_timeout'
  | 'client_error';

/**
 * What happened to one request: exactly one outcome, with arrival timestamps.
 *
 * Times are `performance.now()` milliseconds; `ttftMs`/`lastTokenMs`/`e2eMs` are relative to
 * `startMs`, the moment the request was handed to the HTTP client.
 */
export interface RequestRecord {
  readonly id: string;
  readonly outcome: 'success' | 'failure' | 'cancelled';
  readonly reason?: FailureReason;
  /** Detail for failures: the server's error message, the bad line, the socket error. */
  readonly message?: string;
  readonly status?: number;
  readonly startMs: number;
  /** Sent → the request was handed to a connection (includes opening one); absent if it never was. */
  readonly dispatchMs?: number;
  readonly e2eMs: number;
  /** Sent → first chunk carrying generated text (streams only). */
  readonly ttftMs?: number;
  /** Sent → last chunk carrying generated text (streams only). */
  readonly lastTokenMs?: number;
  /** Gaps between successive content chunks, in arrival order (streams only; empty otherwise). A typed array from the client. */
  readonly itlMs: ArrayLike<number> & Iterable<number>;
  readonly contentChunks: number;
  /** `usage.completion_tokens`, or undefined when the server sent no usage. */
  readonly outputTokens?: number;
  readonly inputTokens?: number;
  readonly text?: string;
  /** The trace id the request's `traceparent` carried. */
  readonly traceId?: string;
  /** The client span id the request's `traceparent` carried (the parent of the server's spans). */
  readonly spanId?: string;
}

/** A request on the wire: its eventual record and a way to cancel it. */
export interface InFlight {
  readonly done: Promise<RequestRecord>;
  /** Ends the request now with outcome `cancelled` (a no-op once it has ended). */
  cancel(): void;
}

/** A plain HTTP response, for the few non-generation calls (models, health, metrics). */
export interface HttpResponse {
  readonly status: number;
  readonly headers: ResponseHeaders;
  readonly body: string;
}

/** How to reach an OpenAI-compatible server. */
export interface ClientOptions {
  /** Server root, e.g. `http://127.0.0.1:8000` (a trailing `/v1` is accepted and dropped). */
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer <key>` on `/v1/*`. @default - no auth header */
  readonly apiKey?: string;
  /** Connection limit. @default - one connection per concurrent request */
  readonly connections?: number;
  /** @default BENCH_DEFAULTS.connectTimeoutSec */
  readonly connectTimeoutSec?: number;
  /** @default BENCH_DEFAULTS.firstTokenTimeoutSec */
  readonly firstTokenTimeoutSec?: number;
  /** @default BENCH_DEFAULTS.timeoutSec */
  readonly timeoutSec?: number;
}

/** Origin and path prefix of a base URL; throws a UsageError on anything but http(s). */
export function parseBaseUrl(baseUrl: string): { origin: string; basePath: string; display: string } {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new UsageError(`--base-url is not a url, got ${JSON.stringify(baseUrl)}; pass e.g. http://127.0.0.1:8000`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--base-url must be http or https, got ${JSON.stringify(baseUrl)}; pass e.g. http://127.0.0.1:8000`);
  }
  // Routes are appended as /v1/..., /health, /metrics, so the base is the server root; users
  // often paste the OpenAI-SDK style URL ending in /v1.
  const basePath = url.pathname.replace(/\/+$/, '').replace(/\/v1$/, '');
  return { origin: url.origin, basePath, display: `${url.origin}${basePath}` };
}

let sequence = 0;

/**
 * Streaming OpenAI-compatible client over {@link Http1Pool}.
 *
 * The pool hands over each network read as it arrives, so timestamps are taken on arrival,
 * before parsing; `fetch` body iteration was ~10× worse in the tail at 1,000 streams, and undici's
 * dispatcher added milliseconds to the tail (bench/README.md, "How requests travel").
 */
export class OpenAiClient {
  readonly origin: string;
  readonly basePath: string;
  /** The base URL as requests use it, for messages. */
  readonly url: string;
  private readonly pool: Http1Pool;
  private readonly authorization: string | undefined;
  private readonly bodies = new BodyTemplates();
  private readonly firstTokenMs: number;
  private readonly totalMs: number;

  constructor(opts: ClientOptions) {
    const { origin, basePath, display } = parseBaseUrl(opts.baseUrl);
    this.origin = origin;
    this.basePath = basePath;
    this.url = display;
    if (opts.apiKey !== undefined && /[\r\n\0]/.test(opts.apiKey)) {
      throw new UsageError('--api-key has a line break or NUL, which cannot go in a header; pass the key alone');
    }
    this.authorization = opts.apiKey !== undefined ? `Bearer ${opts.apiKey}` : undefined;
    this.firstTokenMs = (opts.firstTokenTimeoutSec ?? BENCH_DEFAULTS.firstTokenTimeoutSec) * 1000;
    this.totalMs = (opts.timeoutSec ?? BENCH_DEFAULTS.timeoutSec) * 1000;
    // The first-token and total timers are the handler's, so each failure has one reason.
    this.pool = new Http1Pool({
      origin,
      maxConnections: opts.connections ?? null,
      connectTimeoutMs: (opts.connectTimeoutSec ?? BENCH_DEFAULTS.connectTimeoutSec) * 1000,
    });
  }

  /** Sends one generation request; the promise never rejects, failures are records. */
  generate(req: GenerationRequest): InFlight {
    const id = req.requestId ?? `req-${++sequence}`;
    // A flat name/value list, as the pool writes it; the auth value is built once per client.
    const trace = req.trace ?? newTraceIds();
    const headers = [
      'content-type',
      'application/json',
      'accept',
      req.stream ? 'text/event-stream' : 'application/json',
      'x-request-id',
      id,
      'traceparent',
      traceparent(trace),
    ];
    if (this.authorization !== undefined) headers.push('authorization', this.authorization);
    const path = `${this.basePath}/v1/${req.endpoint === 'chat' ? 'chat/completions' : 'completions'}`;
    const body = this.bodies.body(req); // throws UsageError on a prompt the endpoint cannot take
    const handler = new GenerationHandler(id, trace, req, this.firstTokenMs, this.totalMs); // the clock starts here
    try {
      handler.attach(this.pool.send({ method: 'POST', path, headers, body }, handler));
    } catch (err) {
      // A request id the pool refuses to write (a line break in it): a failed record, not a throw.
      handler.refuse(errorMessage(err));
    }
    return handler;
  }

  /** GET a path under the base URL; rejects (with a {@link TransportError}) only when no full response arrives. */
  get(path: string, opts: { readonly auth?: boolean; readonly timeoutSec?: number } = {}): Promise<HttpResponse> {
    const headers = opts.auth !== false && this.authorization !== undefined ? ['authorization', this.authorization] : [];
    const timeoutMs = (opts.timeoutSec ?? BENCH_DEFAULTS.smoke.timeoutSec) * 1000;
    return new Promise((resolve, reject) => {
      const reader = new BodyReader(resolve, reject);
      let exchange: Exchange | undefined;
      // Armed before sending: a closed pool fails the send at once, and that clears it.
      reader.timer = setTimeout(() => {
        exchange?.abort();
        reject(new TransportError('client_error', `no response from ${this.url}${path} within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      try {
        exchange = this.pool.send({ method: 'GET', path: `${this.basePath}${path}`, headers }, reader);
        reader.exchange = exchange;
      } catch (err) {
        clearTimeout(reader.timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  /** Closes idle connections and waits for in-flight requests. */
  async close(): Promise<void> {
    await this.pool.close();
  }

  /** Drops every connection now. */
  async destroy(): Promise<void> {
    await this.pool.destroy();
  }
}

/** Collects a whole response for {@link OpenAiClient.get}. */
class BodyReader implements ExchangeHandler {
  timer: NodeJS.Timeout | undefined;
  /** Set once sent: a body past the limit aborts it. */
  exchange: Exchange | undefined;
  private status = 0;
  private bytes = 0;
  private headers: ResponseHeaders = {};
  private readonly decoder = new StringDecoder('utf8');
  private body = '';

  constructor(
    private readonly resolve: (r: HttpResponse) => void,
    private readonly reject: (err: Error) => void,
  ) {}

  onResponseHead(status: number, headers: ResponseHeaders): void {
    this.status = status;
    this.headers = headers;
  }

  onResponseBody(chunk: Buffer): void {
    if (this.bytes > LIMITS.responseBytes) return;
    this.bytes += chunk.length;
    if (this.bytes <= LIMITS.responseBytes) {
      this.body += this.decoder.write(chunk);
      return;
    }
    clearTimeout(this.timer);
    this.exchange?.abort();
    this.reject(new TransportError('bad_response', `response body longer than ${LIMITS.responseBytes} bytes`));
  }

  onResponseEnd(): void {
    clearTimeout(this.timer);
    this.resolve({ status: this.status, headers: this.headers, body: this.body + this.decoder.end() });
  }

  onTransportError(err: TransportError): void {
    clearTimeout(this.timer);
    this.reject(err);
  }
}

function requestBody(req: GenerationRequest): string {
  const body: Record<string, unknown> = { model: req.model, stream: req.stream };
  if (req.endpoint === 'chat') {
    body.messages = 'messages' in req.prompt ? req.prompt.messages : [{ role: 'user', content: req.prompt.text }];
  } else {
    if ('messages' in req.prompt) throw new UsageError('completions requests take a text prompt, got chat messages; use --endpoint chat');
    body.prompt = req.prompt.text;
  }
  if (req.stream) body.stream_options = { include_usage: true };
  if (req.maxTokens !== undefined) body.max_tokens = req.maxTokens;
  if (req.exactTokens === true && req.maxTokens !== undefined) {
    body.min_tokens = req.maxTokens;
    body.ignore_eos = true;
  }
  return JSON.stringify(body);
}

/** A marker no prompt contains, to cut a serialized body around its prompt text. */
const PROMPT_SLOT = '\u0000prompt\u0000';

/**
 * Request bodies of a text prompt: everything around the prompt is serialized once per request
 * shape, then each request only escapes its prompt (a load run sends thousands of one shape).
 */
class BodyTemplates {
  private readonly cache = new Map<string, readonly [string, string]>();

  body(req: GenerationRequest): string {
    if (!('text' in req.prompt)) return requestBody(req);
    const key = `${req.model}\n${req.endpoint}\n${req.stream}\n${req.maxTokens}\n${req.exactTokens}`;
    let parts = this.cache.get(key);
    if (parts === undefined) {
      const whole = requestBody({ ...req, prompt: { text: PROMPT_SLOT } });
      const slot = JSON.stringify(PROMPT_SLOT);
      const at = whole.indexOf(slot);
      parts = [whole.slice(0, at), whole.slice(at + slot.length)];
      if (this.cache.size > 64) this.cache.clear();
      this.cache.set(key, parts);
    }
    return parts[0] + JSON.stringify(req.prompt.text) + parts[1];
  }
}

/** Maps an error to a failure reason; `responded` says whether headers had arrived. */
export function reasonForError(err: unknown, responded: boolean): FailureReason {
  if (err instanceof TransportError) return err.reason;
  const code = errorCode(err);
  return code === undefined ? 'client_error' : failureForSocketError(code, responded);
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  return errorCode((err as { cause?: unknown }).cause);
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Bytes of an error body kept for the message. */
const ERROR_BODY_LIMIT = 4096;

/** Pulls the message out of an OpenAI/vLLM error body, or a short prefix of the text. */
export function errorBodyMessage(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (isRecord(parsed)) {
      const err = parsed.error;
      if (typeof err === 'string') return err;
      if (isRecord(err) && typeof err.message === 'string') return err.message;
      if (typeof parsed.message === 'string') return parsed.message;
      if (typeof parsed.detail === 'string') return parsed.detail;
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  const text = body.trim().replace(/\s+/g, ' ');
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class StreamFailure extends Error {
  constructor(
    readonly reason: FailureReason,
    message: string,
  ) {
    super(message);
  }
}

// The timer callback takes the handler as an argument: no closure per request on the hot path.
function onDeadline(h: GenerationHandler): void {
  h.deadline();
}

/** ITL slots when the request does not say how many tokens to expect; doubled as needed. */
const DEFAULT_ITL_CAPACITY = 64;
/** At most this many slots up front, whatever `max_tokens` says (most requests stop far earlier). */
const MAX_INITIAL_ITL_CAPACITY = 4096;
const NO_GAPS = new Float64Array(0);

type MutableRecord = { -readonly [K in keyof RequestRecord]: RequestRecord[K] };

/**
 * One request's state machine. Every path ends in `finish` exactly once; later callbacks (the
 * abort we caused, a late timer) find `ended` set and do nothing.
 *
 * A load run keeps ~1,000 of these alive for seconds each, so what one holds is kept small:
 * everything a live handler references is copied by every young-generation GC until it is
 * promoted, and those pauses were the largest part of the client's TTFT tail. One timer instead
 * of two, gaps in a typed array sized once, the request's prompt not retained.
 */
class GenerationHandler implements ExchangeHandler, InFlight, SseSink {
  readonly startMs = performance.now();
  readonly done: Promise<RequestRecord>;
  private resolve!: (r: RequestRecord) => void;
  private ended = false;
  private exchange: Exchange | null = null;
  private dispatchMs: number | undefined;
  private status = 0;
  private readonly parser: SseParser | null;
  /** Error and non-streaming bodies, decoded as they arrive (the read buffer is reused). */
  private decoder: StringDecoder | null = null;
  private errorBody = '';
  private jsonBody = '';
  private jsonBytes = 0;
  private arrivalMs = 0;
  private sawDone = false;
  // -1 until the first token, not undefined: a field that only ever holds numbers is updated in
  // place, while an `undefined`-or-number field allocates a fresh heap number on every chunk.
  private ttftMs = -1;
  private lastTokenMs = -1;
  private itlMs: Float64Array = NO_GAPS;
  private gaps = 0;
  private contentChunks = 0;
  private outputTokens: number | undefined;
  private inputTokens: number | undefined;
  private text = '';
  private readonly chat: boolean;
  private readonly captureText: boolean;
  private readonly expectedTokens: number | undefined;
  /** The first-token deadline, then (re-armed) the total one. */
  private timer: NodeJS.Timeout;
  private waitingForFirstToken: boolean;

  constructor(
    private readonly id: string,
    private readonly trace: TraceIds,
    req: GenerationRequest,
    private readonly firstTokenMs: number,
    private readonly totalMs: number,
  ) {
    this.done = new Promise((resolve) => (this.resolve = resolve));
    this.parser = req.stream ? new SseParser(this) : null;
    this.chat = req.endpoint === 'chat';
    this.captureText = req.captureText === true;
    this.expectedTokens = req.maxTokens;
    this.waitingForFirstToken = req.stream && firstTokenMs < totalMs;
    this.timer = setTimeout(onDeadline, this.waitingForFirstToken ? firstTokenMs : totalMs, this);
  }

  deadline(): void {
    if (this.ended) return;
    const elapsed = performance.now() - this.startMs;
    if (this.waitingForFirstToken) {
      this.waitingForFirstToken = false;
      if (this.ttftMs < 0) {
        this.fail('first_token_timeout', `no generated text within ${this.firstTokenMs / 1000} s`);
        return;
      }
    }
    if (elapsed >= this.totalMs) this.fail('total_timeout', `no complete response within ${this.totalMs / 1000} s`);
    else this.timer = setTimeout(onDeadline, this.totalMs - elapsed, this);
  }

  cancel(): void {
    this.finish({ outcome: 'cancelled', message: 'cancelled by the client' });
  }

  /** Ends a request the pool would not send. */
  refuse(message: string): void {
    this.fail('client_error', message);
  }

  /** The pool's exchange, handed over once `send` returns (its callbacks may already have run). */
  attach(exchange: Exchange): void {
    this.exchange = exchange;
    if (this.ended) exchange.abort();
  }

  onRequestSent(): void {
    this.dispatchMs ??= performance.now() - this.startMs;
  }

  onResponseHead(statusCode: number, headers: ResponseHeaders): void {
    this.status = statusCode;
    if (statusCode >= 300 || this.ended) return;
    if (this.parser !== null) {
      const type = String(headers['content-type'] ?? '');
      if (!type.includes('text/event-stream')) {
        this.fail('bad_response', `expected content-type text/event-stream, got ${JSON.stringify(type)}`);
      }
    }
  }

  onResponseBody(chunk: Buffer, arrivalMs: number): void {
    if (this.ended) return;
    if (this.status >= 300) {
      if (this.errorBody.length < ERROR_BODY_LIMIT) this.errorBody += (this.decoder ??= new StringDecoder('utf8')).write(chunk);
      return;
    }
    if (this.parser === null) {
      this.jsonBytes += chunk.length;
      if (this.jsonBytes > LIMITS.responseBytes)
        this.fail('bad_response', `response body longer than ${LIMITS.responseBytes} bytes; a completion is far shorter`);
      else this.jsonBody += (this.decoder ??= new StringDecoder('utf8')).write(chunk);
      return;
    }
    this.arrivalMs = arrivalMs;
    try {
      this.parser.feed(chunk);
    } catch (err) {
      if (err instanceof SseSyntaxError) this.fail('malformed_sse', err.message);
      else if (err instanceof StreamFailure) this.fail(err.reason, err.message);
      else this.fail('client_error', errorMessage(err));
    }
  }

  onResponseEnd(now: number): void {
    if (this.ended) return;
    if (this.status >= 300) {
      this.failWithStatus();
    } else if (this.parser === null) {
      this.completeJson(now);
    } else if (!this.sawDone) {
      this.fail('stream_cut', this.parser.incomplete ? 'stream ended inside an event' : 'stream ended before [DONE]');
    } else if (this.contentChunks === 0) {
      this.fail('no_content', 'stream carried no generated text');
    } else {
      this.succeed(now);
    }
  }

  onTransportError(err: TransportError): void {
    if (this.ended) return;
    // An error status is the outcome even when the server then drops the connection or garbles the body.
    if ((err.reason === 'stream_cut' || err.reason === 'bad_response') && this.status >= 300) this.failWithStatus();
    else this.fail(err.reason, err.message);
  }

  private failWithStatus(): void {
    this.fail(`http_${this.status}`, errorBodyMessage(this.errorBody) || `http ${this.status}`);
  }

  onSseEvent(data: string): void {
    if (this.sawDone) return;
    if (data === '[DONE]') {
      this.sawDone = true;
      return;
    }
    let chunk: unknown;
    try {
      chunk = JSON.parse(data);
    } catch {
      throw new StreamFailure('malformed_sse', `data is not json: ${data.length > 120 ? `${data.slice(0, 120)}…` : data}`);
    }
    if (!isRecord(chunk)) throw new StreamFailure('malformed_sse', `data is not a json object: ${data.slice(0, 120)}`);
    if (chunk.error !== undefined) {
      throw new StreamFailure('stream_error', errorBodyMessage(data));
    }
    const usage = chunk.usage;
    if (isRecord(usage)) this.readUsage(usage);
    const choices = chunk.choices;
    if (!Array.isArray(choices)) throw new StreamFailure('malformed_sse', `chunk has no choices array: ${data.slice(0, 120)}`);
    const choice: unknown = choices[0];
    if (!isRecord(choice)) return;
    const text = this.chat ? deltaText(choice.delta) : typeof choice.text === 'string' ? choice.text : '';
    if (text.length === 0) return; // role-only and finish chunks carry no generated text
    const t = this.arrivalMs - this.startMs;
    if (this.ttftMs < 0) this.ttftMs = t;
    else this.addGap(t - this.lastTokenMs);
    this.lastTokenMs = t;
    this.contentChunks++;
    if (this.captureText) this.text += text;
  }

  private addGap(gap: number): void {
    if (this.gaps === this.itlMs.length) {
      // Sized once when the request says how many tokens to expect (one gap fewer than tokens).
      const initial = Math.min(Math.max((this.expectedTokens ?? DEFAULT_ITL_CAPACITY) - 1, 1), MAX_INITIAL_ITL_CAPACITY);
      const grown = new Float64Array(this.gaps === 0 ? initial : this.gaps * 2);
      grown.set(this.itlMs);
      this.itlMs = grown;
    }
    this.itlMs[this.gaps++] = gap;
  }

  private readUsage(usage: Record<string, unknown>): void {
    if (typeof usage.completion_tokens === 'number') this.outputTokens = usage.completion_tokens;
    if (typeof usage.prompt_tokens === 'number') this.inputTokens = usage.prompt_tokens;
  }

  private completeJson(now: number): void {
    const raw = this.jsonBody + (this.decoder?.end() ?? '');
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      this.fail('bad_response', `response is not json: ${raw.slice(0, 120)}`);
      return;
    }
    const choices = isRecord(body) ? body.choices : undefined;
    if (!isRecord(body) || !Array.isArray(choices)) {
      this.fail('bad_response', `response has no choices array: ${raw.slice(0, 120)}`);
      return;
    }
    if (isRecord(body.usage)) this.readUsage(body.usage);
    const choice: unknown = choices[0];
    const text = !isRecord(choice)
      ? ''
      : this.chat
        ? isRecord(choice.message) && typeof choice.message.content === 'string'
          ? choice.message.content
          : ''
        : typeof choice.text === 'string'
          ? choice.text
          : '';
    if (text.length === 0) {
      this.fail('no_content', 'response carried no generated text');
      return;
    }
    this.contentChunks = 1;
    if (this.captureText) this.text = text;
    this.succeed(now);
  }

  private succeed(now: number): void {
    this.finish({ outcome: 'success', endMs: now });
  }

  private fail(reason: FailureReason, message: string): void {
    this.finish({ outcome: 'failure', reason, message });
  }

  private finish(end: { outcome: RequestRecord['outcome']; reason?: FailureReason; message?: string; endMs?: number }): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.timer);
    const endMs = end.endMs ?? performance.now();
    // Drop the connection of an unfinished exchange: a half-read response cannot be reused.
    if (end.outcome !== 'success') this.exchange?.abort();
    // Plain assignments, not conditional spreads: this runs once per request at full load.
    const itlMs = this.gaps === this.itlMs.length ? this.itlMs : this.itlMs.subarray(0, this.gaps);
    const r: MutableRecord = {
      id: this.id,
      outcome: end.outcome,
      startMs: this.startMs,
      e2eMs: endMs - this.startMs,
      itlMs,
      contentChunks: this.contentChunks,
      traceId: this.trace.traceId,
      spanId: this.trace.spanId,
    };
    if (this.status !== 0) r.status = this.status;
    if (this.dispatchMs !== undefined) r.dispatchMs = this.dispatchMs;
    if (this.outputTokens !== undefined) r.outputTokens = this.outputTokens;
    if (this.inputTokens !== undefined) r.inputTokens = this.inputTokens;
    if (end.outcome === 'success') {
      if (this.ttftMs >= 0) r.ttftMs = this.ttftMs;
      if (this.lastTokenMs >= 0) r.lastTokenMs = this.lastTokenMs;
      if (this.captureText) r.text = this.text;
    } else {
      if (end.reason !== undefined) r.reason = end.reason;
      if (end.message !== undefined) r.message = end.message;
    }
    this.resolve(r);
  }
}

/** Generated text in a chat delta: content, reasoning, or tool-call arguments. */
function deltaText(delta: unknown): string {
  if (!isRecord(delta)) return '';
  if (typeof delta.content === 'string' && delta.content.length > 0) return delta.content;
  if (typeof delta.reasoning_content === 'string' && delta.reasoning_content.length > 0) return delta.reasoning_content;
  if (typeof delta.reasoning === 'string' && delta.reasoning.length > 0) return delta.reasoning;
  if (Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0) return JSON.stringify(delta.tool_calls);
  return '';
}
