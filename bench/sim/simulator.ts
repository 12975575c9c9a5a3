import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ABORTED_REASON, type FinishedReason } from '../../constructs/metrics';
import { BENCH_DEFAULTS } from '../defaults';
import { usageErrors } from '../errors';
import { normal, type Random, seededRandom } from '../load/random';
import { SimMetrics } from './metrics';
import { blockKeys, PrefixCache, promptTokenList } from './prefix-cache';
import { replyTokens, Script, type SimJudgeStats, type SimScript, validateScript } from './script';

/** Faults the simulator can inject, each as a per-request probability (0..1, summing to ≤ 1). */
export interface FaultRates {
  /** Answer 500 at once. @default 0 */
  readonly error?: number;
  /** A line that is not SSE (streams) or a truncated JSON body (non-streams). @default 0 */
  readonly malformed?: number;
  /** Destroy the socket halfway (streams) or instead of answering (non-streams); records no stats, as a dropped connection. @default 0 */
  readonly cut?: number;
  /** Accept the request and never produce a token. @default 0 */
  readonly stall?: number;
  /**
   * The engine aborts the request halfway, as vLLM does at SIGTERM with `--shutdown-timeout 0`:
   * the answer ends with finish_reason `abort`, counted in `request_success{finished_reason="abort"}`. @default 0
   */
  readonly abort?: number;
}

export type FaultKind = keyof FaultRates;
const FAULT_KINDS: readonly FaultKind[] = ['error', 'malformed', 'cut', 'stall', 'abort'];

/** A LoRA adapter served on top of a base model, listed in /v1/models with its parent. */
export interface SimAdapter {
  readonly name: string;
  readonly parent: string;
}

/** A served base model. */
export interface SimModel {
  /** Served model name (`--served-model-name`). */
  readonly name: string;
  /** Context length (`--max-model-len`): prompt + output past it gets vLLM's 400. @default SimulatorOptions.maxModelLen */
  readonly maxModelLen?: number;
}

/** Latency and fault settings that can change while the simulator runs. */
export interface SimulatorSettings {
  /** Request start (after queueing) → first token, before the prompt's own prefill cost. */
  readonly ttftMs: number;
  /**
   * Prefill cost of each prompt token the prefix cache does not hold, added to `ttftMs`: what makes
   * a cached prefix answer sooner (a T4 prefills Mistral-7B at very roughly 1-2 ms per token). 0
   * keeps TTFT independent of the prompt.
   */
  readonly prefillMsPerToken: number;
  /** vLLM's automatic prefix caching (`--enable-prefix-caching`, on by default in vLLM 0.18): hits and queries counted, cached tokens not prefilled. */
  readonly prefixCaching: boolean;
  /** Gap between tokens. */
  readonly itlMs: number;
  /** Tokens generated before "EOS" when a request does not force its length (the last one is the EOS, with no text). */
  readonly outputTokens: number;
  /** Requests generating at once; more wait in a queue (vLLM `--max-num-seqs`). null = no limit. */
  readonly maxRunning: number | null;
  /**
   * Spread of each request's TTFT and ITL: both are multiplied by a lognormal factor with mean 1
   * and this σ (0.2 ≈ ±20 %), drawn per request from the seed, so two runs of one setting differ
   * as two runs on a real server do. 0 = every request exactly at the setting.
   */
  readonly jitter: number;
  readonly faults: Required<FaultRates>;
}

/** How to start a simulator. */
export interface SimulatorOptions {
  /** @default BENCH_DEFAULTS.sim.host */
  readonly host?: string;
  /** 0 picks a free port. @default BENCH_DEFAULTS.sim.port */
  readonly port?: number;
  /**
   * Served base models (names, or names with their context length); the first serves requests
   * without `model`. @default BENCH_DEFAULTS.sim.models
   */
  readonly models?: readonly (string | SimModel)[];
  /** Context length of models that do not set their own. @default BENCH_DEFAULTS.sim.maxModelLen */
  readonly maxModelLen?: number;
  /** @default - none */
  readonly adapters?: readonly SimAdapter[];
  /** @default BENCH_DEFAULTS.sim.ttftMs */
  readonly ttftMs?: number;
  /** @default BENCH_DEFAULTS.sim.itlMs */
  readonly itlMs?: number;
  /** @default BENCH_DEFAULTS.sim.prefillMsPerToken */
  readonly prefillMsPerToken?: number;
  /** @default BENCH_DEFAULTS.sim.prefixCache.enabled */
  readonly prefixCaching?: boolean;
  /** @default BENCH_DEFAULTS.sim.outputTokens */
  readonly outputTokens?: number;
  /** @default - no limit */
  readonly maxRunning?: number;
  /** @default 0 */
  readonly jitter?: number;
  /** Scripted answers, degraded models and a judge (see `bench/sim/script.ts`). @default - filler text for every request */
  readonly script?: SimScript;
  /** Require `Authorization: Bearer <key>` on /v1/* (as vLLM `--api-key`). @default - open */
  readonly apiKey?: string;
  /** @default - no faults */
  readonly faults?: FaultRates;
  /** Seed of the fault draws. @default BENCH_DEFAULTS.sim.seed */
  readonly seed?: number;
  /** Keep each request's {@link SimTiming} by `x-request-id`, served at GET /sim/timings. @default false */
  readonly recordTimings?: boolean;
  /**
   * Close a connection idle this long after its last response, without announcing it (uvicorn
   * behind vLLM). @default BENCH_DEFAULTS.sim.keepAliveTimeoutMs
   */
  readonly keepAliveTimeoutMs?: number;
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
  /** Once the engine finished the request: arrival → first schedule, as vLLM's queue time. */
  readonly queueMs?: number;
  /** First schedule → first token, as vLLM's prefill time. */
  readonly prefillMs?: number;
  /** First token → last token, as vLLM's decode time. */
  readonly decodeMs?: number;
  /** Arrival → finished, as vLLM's E2E latency. */
  readonly e2eMs?: number;
  /** The request's W3C `traceparent`, as vLLM would take it for its span's parent. */
  readonly traceparent?: string;
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
  /** What the scripted judge did (zeros without one). */
  readonly judge: SimJudgeStats;
}

/** Problems with simulator settings, worded for the CLI flags. */
export function validateSimulatorSettings(s: Partial<SimulatorSettings>): string[] {
  const problems: string[] = [];
  const nonNegative = (flag: string, v: number | undefined) => {
    if (v !== undefined && !(v >= 0 && Number.isFinite(v))) problems.push(`${flag} must be a number ≥ 0, got ${v}; pass e.g. ${flag} 20`);
  };
  nonNegative('--ttft-ms', s.ttftMs);
  nonNegative('--itl-ms', s.itlMs);
  nonNegative('--prefill-ms-per-token', s.prefillMsPerToken);
  if (s.jitter !== undefined && !(s.jitter >= 0 && s.jitter <= 2))
    problems.push(`--jitter must be a σ in 0..2, got ${s.jitter}; pass e.g. --jitter 0.2`);
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

/** Token `i` of a job's answer: its scripted word, or filler text. */
function tokenText(job: Job, i: number): string {
  return job.words === null ? TOKENS[i % TOKENS.length]! : (job.words[i % Math.max(job.words.length, 1)] ?? '');
}

/** Routes the simulator serves, as vLLM's instrumentator names them in `http_requests_total{handler}`. */
const ROUTES = new Set(['/v1/models', '/v1/chat/completions', '/v1/completions']);

/** A generation request that passed vLLM's checks. */
interface ValidRequest {
  readonly body: Record<string, unknown>;
  /** What the request named (a model or an adapter). */
  readonly model: string;
  /** The base model serving it. */
  readonly base: string;
  readonly maxModelLen: number;
  /** The prompt as the simulator tokenizes it (words, plus chat-template tokens). */
  readonly tokens: readonly string[];
  readonly promptTokens: number;
  /** max_tokens (or max_completion_tokens), if the request set one. */
  readonly requested: number | undefined;
}

interface Job {
  readonly model: string;
  /** Base model: metrics are labelled with it, as vLLM does for LoRA requests. */
  readonly base: string;
  readonly endpoint: 'chat' | 'completions';
  readonly stream: boolean;
  readonly includeUsage: boolean;
  readonly promptTokens: number;
  /** Keys of the prompt's full blocks for the prefix cache; emptied once looked up. */
  blockKeys: readonly string[];
  /** Schedule → first token: `ttftMs` plus the prefill of the uncached prompt tokens. */
  prefillMs: number;
  readonly outputTokens: number;
  /** How the engine ends the request: `stop` (the last token is the EOS, no text), `length` or `abort`. */
  readonly finishReason: 'stop' | 'length' | typeof ABORTED_REASON;
  /** A scripted reply's tokens; null streams filler text. */
  readonly words: readonly string[] | null;
  /** This request's lognormal jitter factors (1 without jitter). */
  readonly ttftFactor: number;
  readonly itlFactor: number;
  readonly fault: FaultKind | null;
  readonly id: string;
  readonly requestId: string | undefined;
  readonly traceparent: string | undefined;
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

/** vLLM's `ErrorResponse` body. */
function jsonError(res: http.ServerResponse, status: number, message: string, type: string, param: string | null = null): void {
  const body = JSON.stringify({ error: { message, type, param, code: status } });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** A request body's positive integer field, or undefined when absent or null. */
function intField(body: Record<string, unknown>, key: string): number | undefined {
  const v = body[key];
  return typeof v === 'number' ? v : undefined;
}

/**
 * The 400 vLLM 0.18 answers when a request does not fit the context (vllm/renderers/params.py):
 * max_tokens alone past it, or the prompt past what max_tokens leaves. The prompt is tokenized
 * truncated to the allowance + 1, hence "at least".
 */
export function contextError(
  maxModelLen: number,
  promptTokens: number,
  maxTokens: number | undefined,
): { message: string; param: string } | null {
  if (maxTokens !== undefined && maxTokens > maxModelLen) {
    return {
      message:
        `max_tokens=${maxTokens}cannot be greater than max_model_len=max_total_tokens=${maxModelLen}. ` +
        'Please request fewer output tokens. ' +
        `(parameter=max_tokens, value=${maxTokens})`,
      param: 'max_tokens',
    };
  }
  const out = maxTokens ?? 0;
  const allowed = maxModelLen - out;
  if (promptTokens <= allowed) return null;
  const seen = allowed + 1;
  return {
    message:
      `This model's maximum context length is ${maxModelLen} tokens. However, you requested ${out} output tokens and your prompt ` +
      `contains at least ${seen} input tokens, for a total of at least ${seen + out} tokens. Please reduce the length of the input ` +
      `prompt or the number of requested output tokens. (parameter=input_tokens, value=${seen})`,
    param: 'input_tokens',
  };
}

/** What `http_requests_total` records for a response: its status class, a forced one, or nothing. */
const COUNT_AS = new WeakMap<http.ServerResponse, string | null>();

/** A `permission` entry of /v1/models, as vLLM's ModelPermission has it. */
function modelPermission(created: number, i: number) {
  return {
    id: `modelperm-sim${i}`,
    object: 'model_permission',
    created,
    allow_create_engine: false,
    allow_sampling: true,
    allow_logprobs: true,
    allow_search_indices: false,
    allow_view: true,
    allow_fine_tuning: false,
    organization: '*',
    group: null,
    is_blocking: false,
  };
}

/**
 * A vLLM-compatible HTTP server for tests, demos and pipeline dry runs: OpenAI chat and
 * completions (SSE with usage, or JSON), `/v1/models` with adapters, `/health`, `/metrics` with the
 * catalog's series, a running limit with a FIFO queue, and seeded fault injection.
 *
 * It answers as vLLM 0.18 does (facts/vllm/v0.18.0.ts): each model has its own `max_model_len`
 * and requests past it get vLLM's 400; a request without `model` goes to the first model; the
 * role chunk comes with the first token and the last token's chunk carries `finish_reason` (an
 * EOS is a last token with no text); `Bearer` is matched case-insensitively and OPTIONS skips
 * auth; idle connections close after 5 s without a Keep-Alive hint; histograms use vLLM's
 * bounds; a client that disconnects leaves no stats, only an engine abort counts as `abort`.
 *
 * Tokens are emitted on an absolute schedule (start + TTFT + i × ITL), so timer lateness does
 * not accumulate. Extensions beyond vLLM live under `/sim/`: `GET /sim/timings`, `GET|PUT /sim/settings`.
 */
export class Simulator {
  private server: http.Server | null = null;
  private current: SimulatorSettings;
  private readonly models: readonly string[];
  private readonly maxModelLen = new Map<string, number>();
  private readonly adapters: readonly SimAdapter[];
  private readonly parents = new Map<string, string>();
  private readonly metrics: SimMetrics;
  /** One prefix cache per served base model (each is its own engine). */
  private readonly prefixCaches = new Map<string, PrefixCache>();
  private readonly random: Random;
  private readonly jitterRandom: Random;
  private readonly script: Script;
  private readonly jobs = new Set<Job>();
  private readonly queue: Job[] = [];
  private readonly timingsById = new Map<string, SimTiming>();
  private readonly clock = new TokenClock((job) => this.emit(job));
  private readonly sockets = new Map<Socket, { active: number; idle: NodeJS.Timeout | undefined }>();
  private running = 0;
  private counters = { requests: 0, completed: 0 };
  private injected: Record<FaultKind, number> = { error: 0, malformed: 0, cut: 0, stall: 0, abort: 0 };
  private rejected: Record<number, number> = {};
  private created = Math.floor(Date.now() / 1000);
  private boundPort: number;
  private readonly host: string;
  private readonly keepAliveTimeoutMs: number;

  constructor(private readonly opts: SimulatorOptions = {}) {
    const models = (opts.models ?? BENCH_DEFAULTS.sim.models).map((m) => (typeof m === 'string' ? { name: m } : m));
    this.models = models.map((m) => m.name);
    this.adapters = opts.adapters ?? [];
    this.host = opts.host ?? BENCH_DEFAULTS.sim.host;
    this.boundPort = opts.port ?? BENCH_DEFAULTS.sim.port;
    this.keepAliveTimeoutMs = opts.keepAliveTimeoutMs ?? BENCH_DEFAULTS.sim.keepAliveTimeoutMs;
    this.current = {
      ttftMs: opts.ttftMs ?? BENCH_DEFAULTS.sim.ttftMs,
      prefillMsPerToken: opts.prefillMsPerToken ?? BENCH_DEFAULTS.sim.prefillMsPerToken,
      prefixCaching: opts.prefixCaching ?? BENCH_DEFAULTS.sim.prefixCache.enabled,
      itlMs: opts.itlMs ?? BENCH_DEFAULTS.sim.itlMs,
      outputTokens: opts.outputTokens ?? BENCH_DEFAULTS.sim.outputTokens,
      maxRunning: opts.maxRunning ?? null,
      jitter: opts.jitter ?? 0,
      faults: { error: 0, malformed: 0, cut: 0, stall: 0, abort: 0, ...opts.faults },
    };
    const problems = validateSimulatorSettings(this.current);
    if (this.models.length === 0)
      problems.push('--model must be given at least once for the simulator, got none; pass e.g. --model sim-model');
    for (const m of models) {
      const len = m.maxModelLen ?? opts.maxModelLen ?? BENCH_DEFAULTS.sim.maxModelLen;
      if (!(Number.isInteger(len) && len > 0)) {
        problems.push(`--max-model-len of ${m.name} must be a positive integer, got ${len}; pass e.g. --max-model-len ${m.name}=4096`);
      }
      this.maxModelLen.set(m.name, len);
    }
    for (const a of this.adapters) {
      if (!this.models.includes(a.parent)) {
        problems.push(`--adapter ${a.name}=${a.parent} names an unknown parent, got ${a.parent}; use one of ${this.models.join(', ')}`);
      }
      this.parents.set(a.name, a.parent);
    }
    problems.push(...validateScript(opts.script ?? {}, this.models));
    if (problems.length > 0) throw usageErrors(problems);
    for (const m of this.models) this.parents.set(m, m);
    this.metrics = new SimMetrics(this.maxModelLen);
    const cache = BENCH_DEFAULTS.sim.prefixCache;
    for (const m of this.models) this.prefixCaches.set(m, new PrefixCache(cache.blockTokens, cache.capacityBlocks));
    this.random = seededRandom(opts.seed ?? BENCH_DEFAULTS.sim.seed);
    // Its own stream, so jitter leaves the fault draws of a seed as they were.
    this.jitterRandom = seededRandom((opts.seed ?? BENCH_DEFAULTS.sim.seed) ^ 0x5bd1e995);
    this.script = new Script(opts.script ?? {});
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

  /** Served base models with their context length. */
  servedModels(): ReadonlyMap<string, number> {
    return this.maxModelLen;
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
    return {
      ...this.counters,
      running: this.running,
      waiting: this.queue.length,
      injected: { ...this.injected },
      rejected: { ...this.rejected },
      judge: this.script.judgeStats(),
    };
  }

  /** Server-side timings by `x-request-id`, with recordTimings. */
  timings(): ReadonlyMap<string, SimTiming> {
    return this.timingsById;
  }

  /** Listens; after {@link close} it listens again on the same port. */
  async start(): Promise<this> {
    if (this.server !== null) return this;
    const server = http.createServer({ noDelay: true, requestTimeout: 0, keepAlive: true }, (req, res) => this.route(req, res));
    // uvicorn closes idle connections itself and announces nothing: Node's own timer would send
    // `Keep-Alive: timeout=N`, so it is off and trackConnection() closes idle sockets instead.
    server.keepAliveTimeout = 0;
    server.maxRequestsPerSocket = 0;
    server.on('connection', (socket: Socket) => this.trackConnection(socket));
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

  /** Stops listening and drops every connection and request in flight (as a killed pod would: no stats). */
  async close(): Promise<void> {
    const server = this.server;
    if (server === null) return;
    this.server = null;
    for (const job of this.jobs) this.end(job, null);
    this.queue.length = 0;
    this.clock.clear();
    for (const s of this.sockets.values()) clearTimeout(s.idle);
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  /** The engine aborts every request in flight (vLLM at SIGTERM with `--shutdown-timeout 0`): each ends with finish_reason `abort`. */
  abortAll(): void {
    for (const job of [...this.jobs]) this.finishEarly(job);
  }

  /** Counts requests per socket and closes one idle for keepAliveTimeoutMs after its last response. */
  private trackConnection(socket: Socket): void {
    const state = { active: 0, idle: undefined as NodeJS.Timeout | undefined };
    this.sockets.set(socket, state);
    socket.once('close', () => {
      clearTimeout(state.idle);
      this.sockets.delete(socket);
    });
  }

  private requestStarted(req: http.IncomingMessage, res: http.ServerResponse): void {
    const state = this.sockets.get(req.socket);
    if (state === undefined) return;
    state.active++;
    clearTimeout(state.idle);
    state.idle = undefined;
    res.once('close', () => {
      state.active--;
      if (state.active > 0 || req.socket.destroyed) return;
      state.idle = setTimeout(() => req.socket.end(), this.keepAliveTimeoutMs);
      state.idle.unref();
    });
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse): void {
    const arrivalMs = performance.now();
    this.requestStarted(req, res);
    const path = (req.url ?? '/').split('?')[0]!;
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
    if (path.startsWith('/sim/')) {
      this.simRoute(req, res, path);
      return;
    }
    if (path.startsWith('/v1')) {
      // vLLM's instrumentator: route template or "none", status class when the response ends;
      // an exception raised in the handler keeps its default 500 (COUNT_AS), a 401 is not counted.
      const handler = ROUTES.has(path) ? path : 'none';
      res.once('close', () => {
        const forced = COUNT_AS.get(res);
        if (forced === null) return;
        this.metrics.httpRequest(handler, req.method ?? 'GET', forced ?? `${String(res.statusCode)[0]}xx`);
      });
    }
    if (req.method === 'OPTIONS') {
      this.options(req, res);
      return;
    }
    if (path.startsWith('/v1') && this.opts.apiKey !== undefined && !this.authorized(req.headers.authorization)) {
      this.reject(401);
      COUNT_AS.set(res, null);
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
    // FastAPI's answer for a route it does not have.
    const body = JSON.stringify({ detail: 'Not Found' });
    res.writeHead(404, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  }

  /** `Authorization: <scheme> <key>` with the scheme compared case-insensitively, as vLLM's AuthenticationMiddleware does. */
  private authorized(header: string | undefined): boolean {
    if (header === undefined) return false;
    const space = header.indexOf(' ');
    const scheme = space === -1 ? header : header.slice(0, space);
    const key = space === -1 ? '' : header.slice(space + 1);
    return scheme.toLowerCase() === 'bearer' && key === this.opts.apiKey;
  }

  /**
   * OPTIONS skips vLLM's key check. A CORS preflight gets CORSMiddleware's answer (vLLM allows
   * every origin, method and header by default); any other OPTIONS FastAPI's 405.
   */
  private options(req: http.IncomingMessage, res: http.ServerResponse): void {
    const origin = req.headers.origin;
    const method = req.headers['access-control-request-method'];
    if (origin !== undefined && method !== undefined) {
      const headers: Record<string, string> = {
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT',
        'access-control-max-age': '600',
        'content-type': 'text/plain; charset=utf-8',
        'content-length': '2',
      };
      const asked = req.headers['access-control-request-headers'];
      if (typeof asked === 'string') headers['access-control-allow-headers'] = asked;
      // CORSMiddleware sits outside vLLM's instrumentator: a preflight is not counted.
      COUNT_AS.set(res, null);
      res.writeHead(200, headers).end('OK');
      return;
    }
    const body = JSON.stringify({ detail: 'Method Not Allowed' });
    res.writeHead(405, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  }

  private simRoute(req: http.IncomingMessage, res: http.ServerResponse, path: string): void {
    if (path === '/sim/timings' && req.method === 'GET') {
      const body = JSON.stringify(Object.fromEntries(this.timingsById));
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      return;
    }
    if (path === '/sim/settings' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.current));
      return;
    }
    if (path === '/sim/settings' && req.method === 'PUT') {
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
    jsonError(res, 404, `no route ${req.method} ${path}`, 'NotFoundError');
  }

  private reject(status: number): void {
    this.rejected[status] = (this.rejected[status] ?? 0) + 1;
  }

  private listModels(res: http.ServerResponse): void {
    const entry = (id: string, root: string, parent: string | null, maxModelLen: number | null, i: number) => ({
      id,
      object: 'model',
      created: this.created,
      owned_by: 'vllm',
      root,
      parent,
      max_model_len: maxModelLen,
      permission: [modelPermission(this.created, i)],
    });
    const data = [
      ...this.models.map((m, i) => entry(m, m, null, this.maxModelLen.get(m)!, i)),
      ...this.adapters.map((a, i) => entry(a.name, `/adapters/${a.name}`, a.parent, null, this.models.length + i)),
    ];
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data }));
  }

  /** Validates a generation request in vLLM's order (body, model, context), then queues it. */
  private accept(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    raw: string,
    endpoint: 'chat' | 'completions',
    arrivalMs: number,
  ): void {
    const valid = this.validate(res, raw, endpoint);
    if (valid === null) return;
    const job = this.newJob(req, res, valid, endpoint, arrivalMs);
    if (job.fault !== null) this.injected[job.fault]++;
    if (job.fault === 'error') {
      jsonError(res, 500, 'simulated engine failure', 'InternalServerError');
      return;
    }
    this.enqueue(job);
  }

  /** The request as vLLM reads it, or null after answering the 4xx vLLM would. */
  private validate(res: http.ServerResponse, raw: string, endpoint: 'chat' | 'completions'): ValidRequest | null {
    const refuse = (status: number, message: string, type: string, param?: string): null => {
      this.reject(status);
      jsonError(res, status, message, type, param);
      return null;
    };
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(raw);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      body = parsed as Record<string, unknown>;
    } catch {
      return refuse(400, 'request body is not a json object', 'Bad Request');
    }
    if (endpoint === 'chat' ? !Array.isArray(body.messages) : typeof body.prompt !== 'string') {
      return refuse(400, endpoint === 'chat' ? 'messages is required' : 'prompt is required', 'Bad Request');
    }
    // A pydantic validator in vLLM: FastAPI answers it before the handler runs.
    if (body.stream_options !== undefined && body.stream_options !== null && body.stream !== true) {
      return refuse(
        400,
        "1 validation error:\n  {'type': 'value_error', 'loc': ('body',), " +
          "'msg': 'Value error, Stream options can only be defined when `stream=True`. (parameter=stream_options)'}",
        'Bad Request',
        'stream_options',
      );
    }
    // No model (or an empty one) is served by the first served model, which the answer names.
    const model = typeof body.model === 'string' && body.model !== '' ? body.model : this.models[0]!;
    const base = this.parents.get(model);
    if (base === undefined) return refuse(404, `The model \`${model}\` does not exist.`, 'NotFoundError', 'model');
    const maxModelLen = this.maxModelLen.get(base)!;
    const tokens = promptTokenList(body);
    const promptTokens = tokens.length;
    const requested =
      endpoint === 'chat' ? (intField(body, 'max_completion_tokens') ?? intField(body, 'max_tokens')) : intField(body, 'max_tokens');
    const tooLong = contextError(maxModelLen, promptTokens, requested);
    if (tooLong !== null) {
      // Raised while rendering: answered 400, counted as 5xx by vLLM's instrumentator.
      COUNT_AS.set(res, '5xx');
      return refuse(400, tooLong.message, 'BadRequestError', tooLong.param);
    }
    return { body, model, base, maxModelLen, tokens, promptTokens, requested };
  }

  /** A job for a valid request: how many tokens it gets and whether a fault is drawn for it. */
  private newJob(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    v: ValidRequest,
    endpoint: 'chat' | 'completions',
    arrivalMs: number,
  ): Job {
    const { body, promptTokens } = v;
    // vLLM's default max_tokens is what the context leaves after the prompt.
    const maxTokens = Math.min(v.requested ?? Infinity, v.maxModelLen - promptTokens);
    const minTokens = intField(body, 'min_tokens') ?? 0;
    const requestId = typeof req.headers['x-request-id'] === 'string' ? req.headers['x-request-id'] : undefined;
    const reply = this.script.reply(v.model, body, requestId);
    const words = reply === undefined ? null : replyTokens(reply.text);
    // A scripted reply ends with an EOS token after its words, unless it is cut at the limit.
    const scripted = words === null ? this.current.outputTokens : reply!.truncated ? Math.min(words.length, maxTokens) : words.length + 1;
    const natural = body.ignore_eos === true ? maxTokens : scripted;
    const outputTokens = Math.max(Math.min(natural, maxTokens), Math.min(minTokens, maxTokens), 1);
    const [ttftFactor, itlFactor] = this.jitterFactors();
    this.counters.requests++;
    return {
      model: v.model,
      base: v.base,
      endpoint,
      stream: body.stream === true,
      includeUsage: (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true,
      promptTokens,
      // The adapter (or model) asked for is part of every block's key, as in vLLM's extra keys.
      blockKeys: this.current.prefixCaching ? blockKeys(v.tokens, BENCH_DEFAULTS.sim.prefixCache.blockTokens, v.model) : [],
      prefillMs: 0,
      outputTokens,
      finishReason: outputTokens >= maxTokens || reply?.truncated === true ? 'length' : 'stop',
      words,
      ttftFactor,
      itlFactor,
      fault: this.drawFault(),
      id: `${endpoint === 'chat' ? 'chatcmpl' : 'cmpl'}-${requestId ?? this.counters.requests}`,
      requestId,
      traceparent: typeof req.headers.traceparent === 'string' ? req.headers.traceparent : undefined,
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
  }

  /** Queues a job; a streamed one gets its headers at once, as vLLM's StreamingResponse sends them. */
  private enqueue(job: Job): void {
    const { res } = job;
    this.jobs.add(job);
    res.on('close', () => {
      if (job.state !== 'done') this.end(job, null); // the client went away: vLLM records no stats
    });
    if (job.stream) {
      // The first event waits for the first token.
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
      res.flushHeaders();
    }
    this.queue.push(job);
    this.metrics.add(job.base, 'requestsWaiting', 1);
    this.drainQueue();
  }

  /** Lognormal factors with mean 1 for this request's TTFT and ITL. */
  private jitterFactors(): [number, number] {
    const sigma = this.current.jitter;
    if (sigma === 0) return [1, 1];
    const factor = () => Math.exp(sigma * normal(this.jitterRandom) - (sigma * sigma) / 2);
    return [factor(), factor()];
  }

  private drawFault(): FaultKind | null {
    const f = this.current.faults;
    if (f.error + f.malformed + f.cut + f.stall + f.abort === 0) return null;
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
    job.prefillMs = this.current.ttftMs * job.ttftFactor + this.current.prefillMsPerToken * (job.promptTokens - this.lookUpPrefix(job));
    this.metrics.set(job.base, 'kvCacheUsage', Math.min(this.running / (this.current.maxRunning ?? 256), 1));
    if (job.stream) {
      // Tokens go to the socket as ready-made chunked frames: one write each, instead of
      // ServerResponse's four buffered pieces and a deferred uncork, which were ~40 % of the
      // simulator's allocations at 20,000 tokens/s. Only when the response owns its socket (a
      // pipelined response waits without one) and is chunked (not for an HTTP/1.0 client);
      // res.end() still writes the last chunk.
      job.rawFrames = job.res.socket !== null && (job.res as { chunkedEncoding?: boolean }).chunkedEncoding === true;
    }
    if (job.fault === 'stall') return; // holds its running slot until the client gives up
    this.schedule(job);
  }

  /**
   * Prompt tokens the prefix cache already holds for the job; counts the lookup as vLLM does (none
   * at all with prefix caching off: vLLM skips the lookup and its stats).
   */
  private lookUpPrefix(job: Job): number {
    if (!this.current.prefixCaching) return 0;
    const found = this.prefixCaches.get(job.base)!.lookupAndStore(job.blockKeys, job.promptTokens);
    job.blockKeys = [];
    this.metrics.add(job.base, 'prefixCacheQueries', found.queried);
    this.metrics.add(job.base, 'prefixCacheHits', found.hit);
    return found.hit;
  }

  /** When the job's next token is due, on the absolute schedule start + prefill + i × ITL. */
  private nextDueMs(job: Job): number {
    return job.startMs + job.prefillMs + job.emitted * this.current.itlMs * job.itlFactor;
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

  private write(job: Job, frame: string): void {
    const socket = job.res.socket;
    if (job.rawFrames && socket !== null) socket.write(`${Buffer.byteLength(frame).toString(16)}\r\n${frame}\r\n`);
    else job.res.write(frame);
  }

  private token(job: Job, now: number): void {
    const i = job.emitted++;
    const last = job.emitted === job.outputTokens;
    if (i === 0) {
      job.firstTokenMs = now;
      this.metrics.observe(job.base, 'timeToFirstToken', (now - job.arrivalMs) / 1000);
      if (this.opts.recordTimings === true && job.requestId !== undefined) {
        // One clock reading converts both performance.now() stamps to the shared monotonic clock.
        const offset = monotonicMs() - performance.now();
        const timing = { ttftMs: now - job.arrivalMs, arrivedAtMs: job.arrivalMs + offset, firstTokenAtMs: now + offset };
        this.recordTiming(job.requestId, job.traceparent === undefined ? timing : { ...timing, traceparent: job.traceparent });
      }
    } else {
      this.metrics.observe(job.base, 'interTokenLatency', (now - job.lastTokenMs) / 1000);
    }
    job.lastTokenMs = now;
    this.metrics.add(job.base, 'generationTokens', 1);
    if (job.stream) {
      if (i === 0) {
        const head = `data: {"id":${JSON.stringify(job.id)},"object":"${this.objectType(job)}","created":${this.created},"model":${JSON.stringify(job.model)},"choices":[{"index":0,`;
        job.tokenPrefix = job.endpoint === 'chat' ? `${head}"delta":{"content":` : `${head}"text":`;
        // vLLM builds the role chunk on the first engine output: it travels with the first token.
        if (job.endpoint === 'chat') this.write(job, this.chunk(job, { role: 'assistant', content: '' }, null));
      }
      if (last) {
        // The last output carries finish_reason and stop_reason; an EOS adds no text.
        const text = job.finishReason === 'stop' ? '' : tokenText(job, i);
        const frame =
          job.endpoint === 'chat'
            ? this.chunk(job, { content: text }, job.finishReason, null)
            : this.chunk(job, text, job.finishReason, null);
        this.write(job, frame);
      } else {
        const tail =
          job.endpoint === 'chat'
            ? '},"logprobs":null,"finish_reason":null}]}\n\n'
            : ',"logprobs":null,"finish_reason":null,"stop_reason":null}]}\n\n';
        this.write(
          job,
          job.tokenPrefix + (job.words === null ? TOKENS_JSON[i % TOKENS.length]! : JSON.stringify(tokenText(job, i))) + tail,
        );
      }
      if (job.fault === 'malformed' && i === 0) job.res.write('data: {"id": "broken\n\n');
    }
    const halfway = job.emitted >= Math.max(Math.floor(job.outputTokens / 2), 1);
    if (job.fault === 'cut' && job.stream && halfway) {
      job.res.socket?.destroy();
      this.end(job, null);
    } else if (job.fault === 'abort' && halfway && !last) {
      this.finishEarly(job);
    }
  }

  /** The engine aborts the job: its answer ends with finish_reason `abort`, and vLLM counts it. */
  private finishEarly(job: Job): void {
    if (job.state === 'done') return;
    if (job.state === 'waiting' || job.emitted === 0) {
      // Aborted before its first token: vLLM still sends the role chunk with the abort output.
      if (job.stream && job.endpoint === 'chat' && !job.res.writableEnded) {
        this.write(job, this.chunk(job, { role: 'assistant', content: '' }, null));
      }
    }
    if (job.stream && !job.res.writableEnded) {
      const abort =
        job.endpoint === 'chat' ? this.chunk(job, { content: '' }, ABORTED_REASON, null) : this.chunk(job, '', ABORTED_REASON, null);
      this.write(job, abort);
    }
    this.answer(job, job.emitted, ABORTED_REASON);
  }

  private complete(job: Job): void {
    if (!job.stream && job.fault === 'cut') {
      job.res.socket?.destroy();
      this.end(job, null);
      return;
    }
    this.answer(job, job.outputTokens, job.finishReason);
  }

  /** Ends the answer (usage chunk and [DONE], or the JSON body) and records the finished request. */
  private answer(job: Job, tokens: number, reason: Job['finishReason']): void {
    const res = job.res;
    const usage = { prompt_tokens: job.promptTokens, total_tokens: job.promptTokens + tokens, completion_tokens: tokens };
    if (!res.writableEnded) {
      if (job.stream) {
        if (job.includeUsage) {
          res.write(
            `data: ${JSON.stringify({ id: job.id, object: this.objectType(job), created: this.created, model: job.model, choices: [], usage })}\n\n`,
          );
        }
        res.end('data: [DONE]\n\n');
      } else {
        let text = '';
        const words = reason === 'stop' ? tokens - 1 : tokens;
        for (let i = 0; i < words; i++) text += tokenText(job, i);
        const choice =
          job.endpoint === 'chat'
            ? {
                index: 0,
                message: { role: 'assistant', content: text, tool_calls: [] },
                logprobs: null,
                finish_reason: reason,
                stop_reason: null,
              }
            : { index: 0, text, logprobs: null, finish_reason: reason, stop_reason: null };
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
    }
    if (reason !== ABORTED_REASON) this.counters.completed++;
    this.metrics.observe(job.base, 'requestPromptTokens', job.promptTokens);
    this.metrics.observe(job.base, 'requestGenerationTokens', tokens);
    if (tokens > 1) this.metrics.observe(job.base, 'timePerOutputToken', (job.lastTokenMs - job.firstTokenMs) / 1000 / (tokens - 1));
    this.end(job, reason);
  }

  /**
   * Takes the job out of the engine. With a reason the engine finished it and vLLM records its
   * stats; null is a request dropped without stats (client gone, connection cut, pod killed).
   */
  private end(job: Job, reason: FinishedReason | null): void {
    if (job.state === 'done') return;
    // A job still in the token clock is skipped when its turn comes (state is checked there).
    const wasRunning = job.state === 'running';
    job.state = 'done';
    this.jobs.delete(job);
    if (reason === null && !job.res.writableEnded) job.res.destroy();
    if (reason !== null) this.recordFinished(job, reason, wasRunning);
    if (wasRunning) {
      this.running--;
      this.metrics.add(job.base, 'requestsRunning', -1);
      this.metrics.set(job.base, 'kvCacheUsage', Math.min(this.running / (this.current.maxRunning ?? 256), 1));
      this.drainQueue();
    } else {
      const i = this.queue.indexOf(job);
      if (i !== -1) this.queue.splice(i, 1);
      this.metrics.add(job.base, 'requestsWaiting', -1);
    }
  }

  /**
   * The engine's per-request stats of a finished request, as vLLM 0.18 records them at finish
   * (vllm/v1/metrics/stats.py): E2E from arrival, queue time to the first schedule, prefill to the
   * first token, decode from the first to the last token, inference from the schedule to the last.
   */
  private recordFinished(job: Job, reason: FinishedReason, wasRunning: boolean): void {
    const now = performance.now();
    const scheduledMs = wasRunning ? job.startMs : now;
    const seconds = (ms: number) => ms / 1000;
    this.metrics.finished(job.base, reason);
    this.metrics.observe(job.base, 'e2eRequestLatency', seconds(now - job.arrivalMs));
    this.metrics.observe(job.base, 'requestQueueTime', seconds(scheduledMs - job.arrivalMs));
    if (!wasRunning) return;
    const firstMs = job.emitted > 0 ? job.firstTokenMs : now;
    const lastMs = job.emitted > 0 ? job.lastTokenMs : now;
    this.metrics.observe(job.base, 'requestPrefillTime', seconds(firstMs - scheduledMs));
    this.metrics.observe(job.base, 'requestDecodeTime', seconds(lastMs - firstMs));
    this.metrics.observe(job.base, 'requestInferenceTime', seconds(lastMs - scheduledMs));
    const id = job.requestId;
    const timing = id === undefined ? undefined : this.timingsById.get(id);
    if (timing !== undefined) {
      this.timingsById.set(id!, {
        ...timing,
        queueMs: scheduledMs - job.arrivalMs,
        prefillMs: firstMs - scheduledMs,
        decodeMs: lastMs - firstMs,
        e2eMs: now - job.arrivalMs,
      });
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

  /** One SSE event; `stopReason` (vLLM's stop_reason) is added to a chat choice when given. */
  private chunk(job: Job, delta: Record<string, string> | string, finishReason: string | null, stopReason?: null): string {
    const choice =
      typeof delta === 'string'
        ? { index: 0, text: delta, logprobs: null, finish_reason: finishReason, stop_reason: null }
        : { index: 0, delta, logprobs: null, finish_reason: finishReason, ...(stopReason !== undefined && { stop_reason: stopReason }) };
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
