import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ABORTED_REASON } from '../../constructs/metrics';
import { BENCH_DEFAULTS } from '../defaults';
import { usageErrors } from '../errors';
import { type Random, seededRandom } from '../load/random';
import { SimMetrics } from './metrics';

/** Faults the simulator can inject, each as a per-request probability (0..1, summing to ≤ 1). */
export interface FaultRates {
  /** Answer 500 at once. @default 0 */
  readonly error?: number;
  /** A line that is not SSE (streams) or a truncated JSON body (non-streams). @default 0 */
  readonly malformed?: number;
  /** Destroy the socket halfway (streams) or instead of answering (non-streams). @default 0 */
  readonly cut?: number;
  /** Accept the request and never produce a token. @default 0 */
  readonly stall?: number;
}

export type FaultKind = keyof FaultRates;
const FAULT_KINDS: readonly FaultKind[] = ['error', 'malformed', 'cut', 'stall'];

/** A LoRA adapter served on top of a base model, listed in /v1/models with its parent. */
export interface SimAdapter {
  readonly name: string;
  readonly parent: string;
}

/** Latency and fault settings that can change while the simulator runs. */
export interface SimulatorSettings {
  /** Request start (after queueing) → first token. */
  readonly ttftMs: number;
  /** Gap between tokens. */
  readonly itlMs: number;
  /** Tokens generated before "EOS" when a request does not force its length. */
  readonly outputTokens: number;
  /** Requests generating at once; more wait in a queue (vLLM `--max-num-seqs`). null = no limit. */
  readonly maxRunning: number | null;
  readonly faults: Required<FaultRates>;
}

/** How to start a simulator. */
export interface SimulatorOptions {
  /** @default BENCH_DEFAULTS.sim.host */
  readonly host?: string;
  /** 0 picks a free port. @default BENCH_DEFAULTS.sim.port */
  readonly port?: number;
  /** Served base model ids. @default BENCH_DEFAULTS.sim.models */
  readonly models?: readonly string[];
  /** @default - none */
  readonly adapters?: readonly SimAdapter[];
  /** @default BENCH_DEFAULTS.sim.ttftMs */
  readonly ttftMs?: number;
  /** @default BENCH_DEFAULTS.sim.itlMs */
  readonly itlMs?: number;
  /** @default BENCH_DEFAULTS.sim.outputTokens */
  readonly outputTokens?: number;
  /** @default - no limit */
  readonly maxRunning?: number;
  /** Require `Authorization: Bearer <key>` on /v1/* (as vLLM `--api-key`). @default - open */
  readonly apiKey?: string;
  /** @default - no faults */
  readonly faults?: FaultRates;
  /** Seed of the fault draws. @default BENCH_DEFAULTS.sim.seed */
  readonly seed?: number;
  /** Keep each request's {@link SimTiming} by `x-request-id`, served at GET /sim/timings. @default false */
  readonly recordTimings?: boolean;
}

/**
 * When the simulator saw a request and wrote its first token. `*AtMs` are on the host's monotonic
 * clock (`process.hrtime`), which every process on the machine shares, so a client in another
 * process can split its TTFT into request delivery, server time and response delivery.
 */
export interface SimTiming {
  /** Request arrival (headers parsed) → first token written. */
  readonly ttftMs: number;
  readonly arrivedAtMs: number;
  readonly firstTokenAtMs: number;
}

/** `process.hrtime` in ms: a clock shared by all processes on the host. */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Counters for tests: what the simulator did, fault by fault. */
export interface SimulatorStats {
  /** Generation requests accepted (after auth and validation). */
  readonly requests: number;
  /** Generation requests answered in full. */
  readonly completed: number;
  readonly running: number;
  readonly waiting: number;
  readonly injected: Record<FaultKind, number>;
  /** Requests refused before generation, by status (400, 401, 404). */
  readonly rejected: Record<number, number>;
}

/** Problems with simulator settings, worded for the CLI flags. */
export function validateSimulatorSettings(s: Partial<SimulatorSettings>): string[] {
  const problems: string[] = [];
  const nonNegative = (flag: string, v: number | undefined) => {
    if (v !== undefined && !(v >= 0 && Number.isFinite(v))) problems.push(`${flag} must be a number ≥ 0, got ${v}; pass e.g. ${flag} 20`);
  };
  nonNegative('--ttft-ms', s.ttftMs);
  nonNegative('--itl-ms', s.itlMs);
  if (s.outputTokens !== undefined && !(Number.isInteger(s.outputTokens) && s.outputTokens > 0)) {
    problems.push(`--output-tokens must be a positive integer, got ${s.outputTokens}; pass e.g. --output-tokens 32`);
  }
  if (s.maxRunning !== undefined && s.maxRunning !== null && !(Number.isInteger(s.maxRunning) && s.maxRunning > 0)) {
    problems.push(`--max-running must be a positive integer, got ${s.maxRunning}; pass e.g. --max-running 16`);
  }
  if (s.faults !== undefined) {
    let sum = 0;
    for (const k of FAULT_KINDS) {
      const v = s.faults[k];
      if (!(v >= 0 && v <= 1)) problems.push(`--fault-${k} must be a probability in 0..1, got ${v}; pass e.g. --fault-${k} 0.05`);
      else sum += v;
    }
    if (sum > 1 + 1e-9) problems.push(`fault rates must sum to at most 1, got ${Number(sum.toFixed(6))}; lower some --fault-* values`);
  }
  return problems;
}

// Output text: one word per token, as a tokenizer would stream it.
const TOKENS = ' The quick brown fox jumps over the lazy dog while a small model streams tokens back to its client'.split(/(?= )/);
const TOKENS_JSON = TOKENS.map((t) => JSON.stringify(t));

interface Job {
  readonly model: string;
  /** Base model: metrics are labelled with it, as vLLM does for LoRA requests. */
  readonly base: string;
  readonly endpoint: 'chat' | 'completions';
  readonly stream: boolean;
  readonly includeUsage: boolean;
  readonly promptTokens: number;
  readonly outputTokens: number;
  readonly finishReason: 'stop' | 'length';
  readonly fault: FaultKind | null;
  readonly id: string;
  readonly requestId: string | undefined;
  readonly arrivalMs: number;
  readonly res: http.ServerResponse;
  /** Everything of a token chunk before the token text: built once, as tokens are the hot path. */
  tokenPrefix: string;
  /** Write chunked frames straight to the socket (see `run`). */
  rawFrames: boolean;
  startMs: number;
  /** When the next token is due, while the job waits in the {@link TokenClock}. */
  dueMs: number;
  emitted: number;
  firstTokenMs: number;
  lastTokenMs: number;
  state: 'waiting' | 'running' | 'done';
}

function jsonError(res: http.ServerResponse, status: number, message: string, type: string): void {
  const body = JSON.stringify({ error: { message, type, param: null, code: status } });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Rough prompt tokens: words, plus a few per chat message for the template. */
function countPromptTokens(body: Record<string, unknown>): number {
  const words = (s: unknown) => (typeof s === 'string' ? s.split(/\s+/).filter(Boolean).length : 0);
  if (Array.isArray(body.messages)) {
    return body.messages.reduce((n: number, m: unknown) => n + 4 + words((m as { content?: unknown }).content), 0);
  }
  return words(body.prompt);
}

/**
 * A vLLM-compatible HTTP server for tests, demos and pipeline dry runs: OpenAI chat and
 * completions (SSE with usage, or JSON), `/v1/models` with adapters, `/health`, `/metrics` with the
 * catalog's series, a running limit with a FIFO queue, and seeded fault injection.
 *
 * Tokens are emitted on an absolute schedule (start + TTFT + i × ITL), so timer lateness does
 * not accumulate. A stream sends its role-only chunk at start, before the first token: a client
 * that counted it would report a TTFT near zero.
 *
 * Extensions beyond vLLM live under `/sim/`: `GET /sim/timings`, `GET|PUT /sim/settings`.
 */
export class Simulator {
  private server: http.Server | null = null;
  private current: SimulatorSettings;
  private readonly models: readonly string[];
  private readonly adapters: readonly SimAdapter[];
  private readonly parents = new Map<string, string>();
  private readonly metrics: SimMetrics;
  private readonly random: Random;
  private readonly jobs = new Set<Job>();
  private readonly queue: Job[] = [];
  private readonly timingsById = new Map<string, SimTiming>();
  private readonly clock = new TokenClock((job) => this.emit(job));
  private running = 0;
  private counters = { requests: 0, completed: 0 };
  private injected: Record<FaultKind, number> = { error: 0, malformed: 0, cut: 0, stall: 0 };
  private rejected: Record<number, number> = {};
  private created = Math.floor(Date.now() / 1000);
  private boundPort: number;
  private readonly host: string;

  constructor(private readonly opts: SimulatorOptions = {}) {
    this.models = opts.models ?? BENCH_DEFAULTS.sim.models;
    this.adapters = opts.adapters ?? [];
    this.host = opts.host ?? BENCH_DEFAULTS.sim.host;
    this.boundPort = opts.port ?? BENCH_DEFAULTS.sim.port;
    this.current = {
      ttftMs: opts.ttftMs ?? BENCH_DEFAULTS.sim.ttftMs,
      itlMs: opts.itlMs ?? BENCH_DEFAULTS.sim.itlMs,
      outputTokens: opts.outputTokens ?? BENCH_DEFAULTS.sim.outputTokens,
      maxRunning: opts.maxRunning ?? null,
      faults: { error: 0, malformed: 0, cut: 0, stall: 0, ...opts.faults },
    };
    const problems = validateSimulatorSettings(this.current);
    if (this.models.length === 0) problems.push('--model must be given at least once for the simulator, got none; pass e.g. --model sim-model');
    for (const a of this.adapters) {
      if (!this.models.includes(a.parent)) {
        problems.push(`--adapter ${a.name}=${a.parent} names an unknown parent, got ${a.parent}; use one of ${this.models.join(', ')}`);
      }
      this.parents.set(a.name, a.parent);
    }
    if (problems.length > 0) throw usageErrors(problems);
    for (const m of this.models) this.parents.set(m, m);
    this.metrics = new SimMetrics(this.models);
    this.random = seededRandom(opts.seed ?? BENCH_DEFAULTS.sim.seed);
  }

  /** `http://host:port` once started. */
  get url(): string {
    return `http://${this.host}:${this.boundPort}`;
  }

  get port(): number {
    return this.boundPort;
  }

  /** The settings in force. */
  settings(): SimulatorSettings {
    return this.current;
  }

  /** Changes latency, output length, running limit or faults; applies to requests that start later. */
  update(patch: Partial<Omit<SimulatorSettings, 'faults'>> & { readonly faults?: FaultRates }): SimulatorSettings {
    const next: SimulatorSettings = { ...this.current, ...patch, faults: { ...this.current.faults, ...patch.faults } };
    const problems = validateSimulatorSettings(next);
    if (problems.length > 0) throw usageErrors(problems);
    this.current = next;
    this.drainQueue(); // a raised limit lets waiting requests start now
    return next;
  }

  stats(): SimulatorStats {
    return { ...this.counters, running: this.running, waiting: this.queue.length, injected: { ...this.injected }, rejected: { ...this.rejected } };
  }

  /** Server-side timings by `x-request-id`, with recordTimings. */
  timings(): ReadonlyMap<string, SimTiming> {
    return this.timingsById;
  }

  /** Listens; after {@link close} it listens again on the same port. */
  async start(): Promise<this> {
    if (this.server !== null) return this;
    const server = http.createServer({ noDelay: true, requestTimeout: 0, keepAlive: true }, (req, res) => this.route(req, res));
    // Longer than any client's idle keep-alive, so the server never closes a socket a client is about to reuse.
    server.keepAliveTimeout = 65_000;
    server.maxRequestsPerSocket = 0;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: this.boundPort, host: this.host, backlog: 4096 }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.boundPort = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Stops listening and drops every connection and request in flight (as a killed pod would). */
  async close(): Promise<void> {
    const server = this.server;
    if (server === null) return;
    this.server = null;
    for (const job of this.jobs) this.end(job, ABORTED_REASON);
    this.queue.length = 0;
    this.clock.clear();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse): void {
    const arrivalMs = performance.now();
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/health') {
      res.writeHead(200, { 'content-length': 0 }).end();
      return;
    }
    if (req.method === 'GET' && path === '/metrics') {
      const body = this.metrics.render();
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    if (path === '/sim/timings' && req.method === 'GET') {
      const body = JSON.stringify(Object.fromEntries(this.timingsById));
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      return;
    }
    if (path === '/sim/settings') {
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.current));
        return;
      }
      if (req.method === 'PUT') {
        void readBody(req).then((raw) => {
          try {
            const next = this.update(JSON.parse(raw) as Partial<SimulatorSettings>);
            res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(next));
          } catch (err) {
            jsonError(res, 400, (err as Error).message, 'BadRequestError');
          }
        });
        return;
      }
    }
    if (path?.startsWith('/v1/') === true) {
      const handler = path;
      res.once('finish', () => this.metrics.httpRequest(handler, req.method ?? 'GET', res.statusCode));
    }
    if (path?.startsWith('/v1/') === true && this.opts.apiKey !== undefined && req.headers.authorization !== `Bearer ${this.opts.apiKey}`) {
      this.reject(401);
      // vLLM's exact body for a missing or wrong key.
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'Unauthorized' }));
      return;
    }
    if (req.method === 'GET' && path === '/v1/models') {
      this.listModels(res);
      return;
    }
    if (req.method === 'POST' && (path === '/v1/chat/completions' || path === '/v1/completions')) {
      void readBody(req).then(
        (raw) => this.accept(req, res, raw, path === '/v1/chat/completions' ? 'chat' : 'completions', arrivalMs),
        () => res.destroy(),
      );
      return;
    }
    jsonError(res, 404, `no route ${req.method} ${path}`, 'NotFoundError');
  }

  private reject(status: number): void {
    this.rejected[status] = (this.rejected[status] ?? 0) + 1;
  }

  private listModels(res: http.ServerResponse): void {
    const entry = (id: string, root: string, parent: string | null) => ({
      id,
      object: 'model',
      created: this.created,
      owned_by: 'vllm',
      root,
      parent,
      max_model_len: 4096,
      permission: [],
    });
    const data = [...this.models.map((m) => entry(m, m, null)), ...this.adapters.map((a) => entry(a.name, `/adapters/${a.name}`, a.parent))];
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data }));
  }

  private accept(req: http.IncomingMessage, res: http.ServerResponse, raw: string, endpoint: 'chat' | 'completions', arrivalMs: number): void {
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(raw);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      body = parsed as Record<string, unknown>;
    } catch {
      this.reject(400);
      jsonError(res, 400, 'request body is not a json object', 'BadRequestError');
      return;
    }
    const model = typeof body.model === 'string' ? body.model : '';
    const base = this.parents.get(model);
    if (base === undefined) {
      this.reject(404);
      jsonError(res, 404, `The model \`${model}\` does not exist.`, 'NotFoundError');
      return;
    }
    if (endpoint === 'chat' ? !Array.isArray(body.messages) : typeof body.prompt !== 'string') {
      this.reject(400);
      jsonError(res, 400, endpoint === 'chat' ? 'messages is required' : 'prompt is required', 'BadRequestError');
      return;
    }
    const s = this.current;
    const maxTokens = typeof body.max_tokens === 'number' ? body.max_tokens : undefined;
    const minTokens = typeof body.min_tokens === 'number' ? body.min_tokens : 0;
    const natural = body.ignore_eos === true && maxTokens !== undefined ? maxTokens : s.outputTokens;
    const outputTokens = Math.max(Math.min(natural, maxTokens ?? natural), minTokens, 1);
    const requestId = typeof req.headers['x-request-id'] === 'string' ? req.headers['x-request-id'] : undefined;
    this.counters.requests++;
    const job: Job = {
      model,
      base,
      endpoint,
      stream: body.stream === true,
      includeUsage: (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true,
      promptTokens: countPromptTokens(body),
      outputTokens,
      finishReason: maxTokens !== undefined && outputTokens >= maxTokens ? 'length' : 'stop',
      fault: this.drawFault(),
      id: `${endpoint === 'chat' ? 'chatcmpl' : 'cmpl'}-${requestId ?? this.counters.requests}`,
      requestId,
      arrivalMs,
      res,
      tokenPrefix: '',
      rawFrames: false,
      startMs: 0,
      dueMs: 0,
      emitted: 0,
      firstTokenMs: 0,
      lastTokenMs: 0,
      state: 'waiting',
    };
    if (job.fault !== null) this.injected[job.fault]++;
    if (job.fault === 'error') {
      jsonError(res, 500, 'simulated engine failure', 'InternalServerError');
      return;
    }
    this.jobs.add(job);
    res.on('close', () => {
      if (job.state !== 'done') this.end(job, ABORTED_REASON); // the client went away
    });
    this.queue.push(job);
    this.metrics.add(base, 'requestsWaiting', 1);
    this.drainQueue();
  }

  private drawFault(): FaultKind | null {
    const f = this.current.faults;
    if (f.error + f.malformed + f.cut + f.stall === 0) return null;
    let u = this.random();
    for (const k of FAULT_KINDS) {
      if (u < f[k]) return k;
      u -= f[k];
    }
    return null;
  }

  private drainQueue(): void {
    const limit = this.current.maxRunning ?? Infinity;
    while (this.queue.length > 0 && this.running < limit) this.run(this.queue.shift()!);
  }

  private run(job: Job): void {
    job.state = 'running';
    job.startMs = performance.now();
    this.running++;
    this.metrics.add(job.base, 'requestsWaiting', -1);
    this.metrics.add(job.base, 'requestsRunning', 1);
    this.metrics.add(job.base, 'promptTokens', job.promptTokens);
    this.metrics.add(job.base, 'prefixCacheQueries', job.promptTokens);
    this.metrics.set(job.base, 'kvCacheUsage', Math.min(this.running / (this.current.maxRunning ?? 256), 1));
    this.metrics.observe(job.base, 'requestQueueTime', (job.startMs - job.arrivalMs) / 1000);
    if (job.stream) {
      job.res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
      job.res.flushHeaders();
      // Tokens go to the socket as ready-made chunked frames: one write each, instead of
      // ServerResponse's four buffered pieces and a deferred uncork, which were ~40 % of the
      // simulator's allocations at 20,000 tokens/s. Only when the response owns its socket (a
      // pipelined response waits without one) and is chunked (not for an HTTP/1.0 client);
      // res.end() still writes the last chunk.
      job.rawFrames = job.res.socket !== null && (job.res as { chunkedEncoding?: boolean }).chunkedEncoding === true;
      if (job.endpoint === 'chat') job.res.write(this.chunk(job, { role: 'assistant', content: '' }, null));
    }
    if (job.fault === 'stall') return; // holds its running slot until the client gives up
    this.schedule(job);
  }

  /** When the job's next token is due, on the absolute schedule start + TTFT + i × ITL. */
  private nextDueMs(job: Job): number {
    return job.startMs + this.current.ttftMs + job.emitted * this.current.itlMs;
  }

  private schedule(job: Job): void {
    job.dueMs = this.nextDueMs(job);
    if (job.dueMs <= performance.now()) this.emit(job);
    else this.clock.add(job);
  }

  /** Writes every token that is due (a late timer catches up), then schedules the next one. */
  private emit(job: Job): void {
    const now = performance.now();
    while (job.state === 'running' && job.emitted < job.outputTokens && this.nextDueMs(job) <= now) {
      this.token(job, performance.now());
    }
    if (job.state !== 'running') return;
    if (job.emitted < job.outputTokens) this.schedule(job);
    else this.complete(job);
  }

  private token(job: Job, now: number): void {
    const i = job.emitted++;
    if (i === 0) {
      job.firstTokenMs = now;
      const ttftSec = (now - job.arrivalMs) / 1000;
      this.metrics.observe(job.base, 'timeToFirstToken', ttftSec);
      if (this.opts.recordTimings === true && job.requestId !== undefined) {
        // One clock reading converts both performance.now() stamps to the shared monotonic clock.
        const offset = monotonicMs() - performance.now();
        this.recordTiming(job.requestId, { ttftMs: now - job.arrivalMs, arrivedAtMs: job.arrivalMs + offset, firstTokenAtMs: now + offset });
      }
    } else {
      this.metrics.observe(job.base, 'interTokenLatency', (now - job.lastTokenMs) / 1000);
    }
    job.lastTokenMs = now;
    this.metrics.add(job.base, 'generationTokens', 1);
    if (!job.stream) return;
    if (i === 0) {
      const head = `data: {"id":${JSON.stringify(job.id)},"object":"${this.objectType(job)}","created":${this.created},"model":${JSON.stringify(job.model)},"choices":[{"index":0,`;
      job.tokenPrefix = job.endpoint === 'chat' ? `${head}"delta":{"content":` : `${head}"text":`;
    }
    const tail = job.endpoint === 'chat' ? '},"logprobs":null,"finish_reason":null}]}\n\n' : ',"logprobs":null,"finish_reason":null,"stop_reason":null}]}\n\n';
    const frame = job.tokenPrefix + TOKENS_JSON[i % TOKENS.length]! + tail;
    const socket = job.res.socket;
    if (job.rawFrames && socket !== null) socket.write(`${Buffer.byteLength(frame).toString(16)}\r\n${frame}\r\n`);
    else job.res.write(frame);
    if (job.fault === 'malformed' && i === 0) job.res.write('data: {"id": "broken\n\n');
    if (job.fault === 'cut' && job.emitted >= Math.max(Math.floor(job.outputTokens / 2), 1)) {
      job.res.socket?.destroy();
      this.end(job, ABORTED_REASON);
    }
  }

  private complete(job: Job): void {
    const res = job.res;
    const usage = { prompt_tokens: job.promptTokens, total_tokens: job.promptTokens + job.outputTokens, completion_tokens: job.outputTokens };
    if (job.stream) {
      res.write(job.endpoint === 'chat' ? this.chunk(job, {}, job.finishReason) : this.chunk(job, '', job.finishReason));
      if (job.includeUsage) {
        res.write(`data: ${JSON.stringify({ id: job.id, object: this.objectType(job), created: this.created, model: job.model, choices: [], usage })}\n\n`);
      }
      res.end('data: [DONE]\n\n');
    } else if (job.fault === 'cut') {
      res.socket?.destroy();
      this.end(job, ABORTED_REASON);
      return;
    } else {
      let text = '';
      for (let i = 0; i < job.outputTokens; i++) text += TOKENS[i % TOKENS.length];
      const choice =
        job.endpoint === 'chat'
          ? { index: 0, message: { role: 'assistant', content: text, tool_calls: [] }, logprobs: null, finish_reason: job.finishReason, stop_reason: null }
          : { index: 0, text, logprobs: null, finish_reason: job.finishReason, stop_reason: null };
      let body = JSON.stringify({
        id: job.id,
        object: job.endpoint === 'chat' ? 'chat.completion' : 'text_completion',
        created: this.created,
        model: job.model,
        choices: [choice],
        usage,
      });
      if (job.fault === 'malformed') body = body.slice(0, Math.floor(body.length / 2));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
    }
    this.counters.completed++;
    this.metrics.observe(job.base, 'requestPromptTokens', job.promptTokens);
    this.metrics.observe(job.base, 'requestGenerationTokens', job.outputTokens);
    if (job.outputTokens > 1) this.metrics.observe(job.base, 'timePerOutputToken', (job.lastTokenMs - job.firstTokenMs) / 1000 / (job.outputTokens - 1));
    this.end(job, job.finishReason);
  }

  private end(job: Job, reason: 'stop' | 'length' | typeof ABORTED_REASON): void {
    if (job.state === 'done') return;
    // A job still in the token clock is skipped when its turn comes (state is checked there).
    const wasRunning = job.state === 'running';
    job.state = 'done';
    this.jobs.delete(job);
    if (reason === ABORTED_REASON && !job.res.writableEnded) job.res.destroy();
    this.metrics.finished(job.base, reason);
    if (wasRunning) {
      this.running--;
      this.metrics.add(job.base, 'requestsRunning', -1);
      this.metrics.set(job.base, 'kvCacheUsage', Math.min(this.running / (this.current.maxRunning ?? 256), 1));
      this.metrics.observe(job.base, 'e2eRequestLatency', (performance.now() - job.arrivalMs) / 1000);
      this.drainQueue();
    } else {
      const i = this.queue.indexOf(job);
      if (i !== -1) this.queue.splice(i, 1);
      this.metrics.add(job.base, 'requestsWaiting', -1);
    }
  }

  private recordTiming(id: string, timing: SimTiming): void {
    // Bounded: a long-running simulator must not grow without limit.
    if (this.timingsById.size >= 200_000) this.timingsById.delete(this.timingsById.keys().next().value!);
    this.timingsById.set(id, timing);
  }

  private objectType(job: Job): string {
    return job.endpoint === 'chat' ? 'chat.completion.chunk' : 'text_completion';
  }

  private chunk(job: Job, delta: Record<string, string> | string, finishReason: string | null): string {
    const choice =
      typeof delta === 'string'
        ? { index: 0, text: delta, logprobs: null, finish_reason: finishReason, stop_reason: null }
        : { index: 0, delta, logprobs: null, finish_reason: finishReason };
    return `data: ${JSON.stringify({ id: job.id, object: this.objectType(job), created: this.created, model: job.model, choices: [choice] })}\n\n`;
  }
}

/**
 * Running jobs waiting for their next token, earliest first (a binary heap on `dueMs`), behind one
 * timer for the earliest. A timer per token per stream kept ~1,000 young Timeout objects alive at
 * any moment, which every young-generation GC copied; those pauses delayed incoming requests.
 */
class TokenClock {
  private readonly heap: Job[] = [];
  private timer: NodeJS.Timeout | undefined;
  private armedForMs = Infinity;
  private ticking = false;

  constructor(private readonly fire: (job: Job) => void) {}

  add(job: Job): void {
    const heap = this.heap;
    let i = heap.push(job) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.dueMs <= job.dueMs) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = job;
    if (!this.ticking && job.dueMs < this.armedForMs) this.arm(job.dueMs);
  }

  clear(): void {
    this.heap.length = 0;
    clearTimeout(this.timer);
    this.armedForMs = Infinity;
  }

  private arm(dueMs: number): void {
    clearTimeout(this.timer);
    this.armedForMs = dueMs;
    this.timer = setTimeout(onClockTick, Math.max(dueMs - performance.now(), 0), this);
  }

  tick(): void {
    this.armedForMs = Infinity;
    this.ticking = true;
    const now = performance.now();
    try {
      // Jobs ended meanwhile are dropped here: `fire` checks their state.
      while (this.heap.length > 0 && this.heap[0]!.dueMs <= now) this.fire(this.pop());
    } finally {
      // Re-armed whatever happened: one failing write must not stall every other stream.
      this.ticking = false;
      if (this.heap.length > 0) this.arm(this.heap[0]!.dueMs);
    }
  }

  private pop(): Job {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= heap.length) break;
        const r = l + 1;
        const child = r < heap.length && heap[r]!.dueMs < heap[l]!.dueMs ? r : l;
        if (heap[child]!.dueMs >= last.dueMs) break;
        heap[i] = heap[child]!;
        i = child;
      }
      heap[i] = last;
    }
    return top;
  }
}

function onClockTick(clock: TokenClock): void {
  clock.tick();
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => parts.push(b));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

/** Starts a simulator and resolves once it listens; `close()` stops it, `start()` restarts it on the same port. */
export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  return new Simulator(opts).start();
}
