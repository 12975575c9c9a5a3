import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { type Endpoint, type InFlight, OpenAiClient, parseBaseUrl, type RequestRecord } from '../client/openai';
import { BENCH_DEFAULTS } from '../defaults';
import { METRIC_DEFINITIONS } from '../definitions';
import { UsageError, usageErrors } from '../errors';
import { countProblem, LIMIT_REASONS, LIMITS, problemsOf, secondsProblem } from '../limits';
import { envelope, type LoadResult, type LoadSettings, type TimelineBucket } from '../result';
import { evaluateThresholds, parseThresholds, type Threshold } from '../thresholds';
import { Collector } from './collector';
import { isAuthStatus, preflight } from './preflight';
import { type PromptSource, syntheticPrompts } from './prompts';
import { type Random, seededRandom } from './random';
import { arrivalGaps, type LoadProfile } from './schedule';
import { LatencyHistogram } from './stats';

/** What to load and how; every optional field defaults from {@link BENCH_DEFAULTS}. */
export interface LoadOptions {
  /** Server root, e.g. `http://127.0.0.1:8000`. */
  readonly baseUrl: string;
  /** @default - no Authorization header */
  readonly apiKey?: string;
  readonly model: string;
  readonly profile: LoadProfile;
  /** @default BENCH_DEFAULTS.endpoint */
  readonly endpoint?: Endpoint;
  /** @default BENCH_DEFAULTS.stream */
  readonly stream?: boolean;
  /** Stop after this many requests. @default - BENCH_DEFAULTS.requests, unless durationSec or untilStopped */
  readonly requests?: number;
  /** Stop sending after this long; requests in flight then finish. @default - no time limit */
  readonly durationSec?: number;
  /** Send load until `stop()` or the signal (rollback and autoscale checks). @default false */
  readonly untilStopped?: boolean;
  /** Synthetic prompt length in tokens. @default BENCH_DEFAULTS.inputTokens */
  readonly inputTokens?: number;
  /** Force exactly this many output tokens. @default - the server decides (or the promptset's outputTokens) */
  readonly outputTokens?: number;
  /** Prompts to use instead of synthetic ones (see `loadPromptset`). */
  readonly prompts?: PromptSource;
  /** @default BENCH_DEFAULTS.seed */
  readonly seed?: number;
  /** @default BENCH_DEFAULTS.connectTimeoutSec */
  readonly connectTimeoutSec?: number;
  /** @default BENCH_DEFAULTS.firstTokenTimeoutSec */
  readonly firstTokenTimeoutSec?: number;
  /** Per request, sent → end. @default BENCH_DEFAULTS.timeoutSec */
  readonly timeoutSec?: number;
  /** Expressions like `ttftMs.p95<500`, evaluated on the summary. @default - none */
  readonly thresholds?: readonly string[];
  /** Check the URL, key and model, and send one uncounted warm-up request, before the load. @default true */
  readonly preflight?: boolean;
  /** End the run on the first 401/403 instead of counting it. @default true */
  readonly abortOnAuthError?: boolean;
  /**
   * End the run (`aborted`, exit 1) once no connection could be made for this long: the server is
   * gone. null: never, for checks that measure an outage (rollback, autoscale).
   * @default BENCH_DEFAULTS.maxUnreachableSec
   */
  readonly maxUnreachableSec?: number | null;
}

/** Failures that mean no connection was made: the server is not there (or not yet). */
const NO_CONNECTION: ReadonlySet<string> = new Set(['connect_refused', 'connect_timeout', 'dns_error']);

/** True when a request never reached the server (refused, timed out connecting, no DNS). */
export function noConnection(r: RequestRecord): boolean {
  return r.outcome === 'failure' && r.reason !== undefined && NO_CONNECTION.has(r.reason);
}

/** Callbacks while a run goes on; they must be cheap, they run on the hot path. */
export interface LoadHooks {
  /** Graceful stop when aborted: no new requests, the ones in flight finish. */
  readonly signal?: AbortSignal;
  /** Each finished request, with the index of its target (0 for a single-target run). */
  readonly onRequest?: (r: RequestRecord, target: number) => void;
  /** Each second of a target's timeline as it closes, with the index of the target. */
  readonly onBucket?: (b: TimelineBucket, target: number) => void;
  /** Awaited once after the preflight's warm-up request and before the first counted one (e.g. to read the server's metrics). */
  readonly beforeLoad?: () => Promise<void>;
}

/** A live view of a run for progress lines. */
export interface LoadProgress {
  readonly elapsedSec: number;
  readonly started: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly inFlight: number;
  /** Over all successful requests so far; null before the first. */
  readonly ttftP50Ms: number | null;
}

function isPositiveInt(v: number): boolean {
  return Number.isInteger(v) && v > 0;
}

/**
 * Applies defaults and validates; throws one UsageError (exit 2) naming every bad field.
 * Nothing touches the network before this passes.
 */
export function resolveLoadOptions(opts: LoadOptions): { settings: LoadSettings; thresholds: Threshold[]; prompts: PromptSource } {
  const problems: string[] = [];
  const p = opts.profile;
  if (p.kind === 'concurrency') {
    const problem = countProblem('--concurrency', p.concurrency, LIMITS.concurrency, 8, LIMIT_REASONS.concurrency);
    if (problem !== undefined) problems.push(problem);
  }
  if (p.kind === 'rate') {
    if (!(p.rate > 0) || !Number.isFinite(p.rate))
      problems.push(`--rate must be a positive number of requests per second, got ${p.rate}; pass e.g. --rate 4`);
    else if (p.rate > LIMITS.rate)
      problems.push(`--rate must be at most ${LIMITS.rate} requests per second (${LIMIT_REASONS.rate}), got ${p.rate}; pass e.g. --rate 4`);
    if (!(p.burstiness > 0) || !Number.isFinite(p.burstiness))
      problems.push(`--burstiness must be a positive number, got ${p.burstiness}; 1 is Poisson, lower is burstier`);
  }
  if (opts.requests !== undefined && !(isPositiveInt(opts.requests) && Number.isSafeInteger(opts.requests))) {
    problems.push(`--requests must be a positive integer, got ${opts.requests}; pass e.g. --requests 200`);
  }
  problems.push(
    ...problemsOf(
      secondsProblem('--duration', opts.durationSec, { example: 60 }),
      countProblem('--input-tokens', opts.inputTokens, LIMITS.tokens, 256, LIMIT_REASONS.tokens),
      countProblem('--output-tokens', opts.outputTokens, LIMITS.tokens, 128, LIMIT_REASONS.tokens),
      secondsProblem('--connect-timeout', opts.connectTimeoutSec),
      secondsProblem('--first-token-timeout', opts.firstTokenTimeoutSec),
      secondsProblem('--timeout', opts.timeoutSec),
      opts.maxUnreachableSec === null ? undefined : secondsProblem('--max-unreachable-sec', opts.maxUnreachableSec),
    ),
  );
  if (opts.seed !== undefined && !Number.isSafeInteger(opts.seed))
    problems.push(`--seed must be an integer, got ${opts.seed}; pass e.g. --seed 7`);
  if (opts.model.length === 0) problems.push('--model must name a served model, got ""; pass e.g. --model mistral-7b-awq');
  let baseUrl = opts.baseUrl;
  try {
    baseUrl = parseBaseUrl(opts.baseUrl).display;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    problems.push(...err.problems);
  }
  let thresholds: Threshold[] = [];
  try {
    thresholds = parseThresholds(opts.thresholds ?? []);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    problems.push(...err.problems);
  }
  if (problems.length > 0) throw usageErrors(problems);

  const bounded = opts.requests !== undefined || opts.durationSec !== undefined || opts.untilStopped === true;
  const settings: LoadSettings = {
    baseUrl,
    model: opts.model,
    endpoint: opts.endpoint ?? BENCH_DEFAULTS.endpoint,
    stream: opts.stream ?? BENCH_DEFAULTS.stream,
    profile:
      p.kind === 'concurrency'
        ? { kind: 'concurrency', concurrency: p.concurrency }
        : { kind: 'rate', rate: p.rate, burstiness: p.burstiness },
    requests: opts.requests ?? (bounded ? null : BENCH_DEFAULTS.requests),
    durationSec: opts.durationSec ?? null,
    inputTokens: opts.prompts !== undefined ? null : (opts.inputTokens ?? BENCH_DEFAULTS.inputTokens),
    outputTokens: opts.outputTokens ?? null,
    prompts: '',
    seed: opts.seed ?? BENCH_DEFAULTS.seed,
    timeouts: {
      connectSec: opts.connectTimeoutSec ?? BENCH_DEFAULTS.connectTimeoutSec,
      firstTokenSec: opts.firstTokenTimeoutSec ?? BENCH_DEFAULTS.firstTokenTimeoutSec,
      totalSec: opts.timeoutSec ?? BENCH_DEFAULTS.timeoutSec,
    },
  };
  const prompts = opts.prompts ?? syntheticPrompts(settings.inputTokens ?? BENCH_DEFAULTS.inputTokens, settings.seed);
  return { settings: { ...settings, prompts: prompts.description }, thresholds, prompts };
}

/** Where one target's requests go: the client settings that differ between the targets of an interleaved load. */
export interface LoadTarget {
  /** Server root, e.g. `http://127.0.0.1:8000`. */
  readonly baseUrl: string;
  readonly model: string;
  /** @default - no Authorization header */
  readonly apiKey?: string;
}

/**
 * One load dealt to several targets (two endpoints, or two models on one endpoint), so that every
 * target sees the same moment's noise. The shape (profile, requests, duration) is the whole
 * run's: one closed loop of `concurrency` users or one arrival process at `rate`, whose request
 * `i` goes to `targets[i mod N]` and carries the prompt a single load would send as its request
 * `floor(i / N)`, so each target gets the same prompts in the same order, and `requests / N` of
 * them (the first targets one more when it does not divide).
 */
export interface InterleavedLoadOptions extends Omit<LoadOptions, 'baseUrl' | 'model' | 'apiKey'> {
  /** At least 2; request i goes to `targets[i mod targets.length]`. */
  readonly targets: readonly LoadTarget[];
}

/** How many targets one interleaved load takes at most (each holds its own connections). */
export const MAX_TARGETS = 16;

/** The target of request `i` and the index of its prompt, in a load over `targets` targets. */
export function interleavedSlot(i: number, targets: number): { readonly target: number; readonly prompt: number } {
  return { target: i % targets, prompt: Math.floor(i / targets) };
}

/**
 * Validates an interleaved load like {@link resolveLoadOptions} does a single one (every
 * problem at once, each named once); each target's settings carry `interleaved`.
 */
export function resolveInterleavedOptions(opts: InterleavedLoadOptions): {
  settings: LoadSettings[];
  thresholds: Threshold[];
  prompts: PromptSource;
} {
  const problems = new Set<string>();
  const n = opts.targets.length;
  if (n < 2 || n > MAX_TARGETS)
    problems.add(`an interleaved load needs 2 to ${MAX_TARGETS} targets, got ${n}; pass a baseline and a candidate`);
  if (opts.requests !== undefined && Number.isSafeInteger(opts.requests) && opts.requests > 0 && opts.requests < n)
    problems.add(`--requests must give each of the ${n} targets a request, got ${opts.requests}; pass at least ${n}`);
  const resolved = (n === 0 ? [{ baseUrl: 'http://127.0.0.1', model: 'model' }] : opts.targets).map((t) => {
    try {
      return resolveLoadOptions({ ...opts, ...t });
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      for (const p of err.problems) problems.add(p);
      return undefined;
    }
  });
  if (problems.size > 0) throw usageErrors([...problems]);
  const first = resolved[0]!;
  return {
    // One prompt source for every target: the same prompts, drawn once.
    settings: resolved.map((r, target) => ({ ...r!.settings, interleaved: { target, targets: n } })),
    thresholds: first.thresholds,
    prompts: first.prompts,
  };
}

/** One target inside a run: its settings, its client, its requests in flight and its collector. */
interface Lane {
  readonly index: number;
  readonly settings: LoadSettings;
  readonly client: OpenAiClient;
  readonly inFlight: Set<InFlight>;
  collector: Collector | null;
  /** When the current run of failed connects to this target began; null while it answers. */
  unreachableSince: number | null;
}

/**
 * The engine behind {@link LoadRun} and {@link InterleavedLoadRun}: one load shape over one or
 * more targets, one result per target.
 *
 * Closed loop: `concurrency` workers each send the next request when their previous one ends.
 * Open loop: requests are sent at gamma/Poisson arrival times regardless of responses, so a slow
 * server sees the queue grow as real users would make it. Request `i` goes to lane `i mod N`.
 */
class LoadEngine {
  readonly done: Promise<LoadResult[]>;
  private readonly lanes: Lane[];
  /** The whole run's shape (the same in every lane's settings). */
  private readonly shape: LoadSettings;
  private readonly runId = randomBytes(4).toString('hex');
  private inFlightTotal = 0;
  private startMs: number | null = null;
  private issued = 0;
  private stopping = false;
  private abortReason: string | null = null;
  private tick: NodeJS.Timeout | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private arrivalTimer: NodeJS.Timeout | undefined;
  private drained: () => void = () => {};
  /** Closed-loop users waiting out a backoff; stop() ends their waits. */
  private readonly pauses = new Set<() => void>();
  private readonly jitter: Random;

  constructor(
    private readonly opts: Omit<LoadOptions, 'baseUrl' | 'model' | 'apiKey'>,
    targets: readonly { readonly settings: LoadSettings; readonly target: LoadTarget }[],
    private readonly thresholds: Threshold[],
    private readonly prompts: PromptSource,
    private readonly hooks: LoadHooks,
  ) {
    this.shape = targets[0]!.settings;
    const p = this.shape.profile;
    this.lanes = targets.map(({ settings, target }, index) => ({
      index,
      settings,
      client: new OpenAiClient({
        baseUrl: target.baseUrl,
        ...(target.apiKey !== undefined && { apiKey: target.apiKey }),
        // Closed loop never needs more sockets than users; open loop needs one per request in flight.
        ...(p.kind === 'concurrency' && { connections: p.concurrency }),
        connectTimeoutSec: settings.timeouts.connectSec,
        firstTokenTimeoutSec: settings.timeouts.firstTokenSec,
        timeoutSec: settings.timeouts.totalSec,
      }),
      inFlight: new Set<InFlight>(),
      collector: null,
      unreachableSince: null,
    }));
    this.jitter = seededRandom(this.shape.seed ^ 0x5bd1e995);
    this.done = this.execute();
  }

  /** Counts so far over every target, for a progress line. */
  progress(): LoadProgress {
    const collectors = this.lanes.flatMap((l) => (l.collector === null ? [] : [l.collector]));
    const sum = (f: (c: Collector) => number) => collectors.reduce((a, c) => a + f(c), 0);
    let ttftP50Ms: number | null = null;
    if (collectors.length === 1) ttftP50Ms = collectors[0]!.ttft.percentile(50);
    else if (collectors.length > 1) {
      const all = new LatencyHistogram();
      for (const c of collectors) all.merge(c.ttft);
      ttftP50Ms = all.percentile(50);
    }
    return {
      elapsedSec: this.startMs === null ? 0 : (performance.now() - this.startMs) / 1000,
      started: sum((c) => c.started),
      succeeded: sum((c) => c.succeeded),
      failed: sum((c) => c.failed),
      inFlight: this.inFlightTotal,
      ttftP50Ms,
    };
  }

  stop(opts: { readonly cancelInFlight?: boolean } = {}): Promise<LoadResult[]> {
    this.stopIssuing();
    if (opts.cancelInFlight === true) for (const lane of this.lanes) for (const f of [...lane.inFlight]) f.cancel();
    return this.done;
  }

  private stopIssuing(): void {
    this.stopping = true;
    if (this.arrivalTimer !== undefined) clearTimeout(this.arrivalTimer);
    for (const wake of [...this.pauses]) wake();
    this.maybeDrained();
  }

  private canIssue(): boolean {
    return !this.stopping && (this.shape.requests === null || this.issued < this.shape.requests);
  }

  private maybeDrained(): void {
    if (!this.canIssue() && this.inFlightTotal === 0) this.drained();
  }

  /** Each target's preflight, in order; the first problem, named by its target when there are several. */
  private async preflightAll(): Promise<string | null> {
    for (const lane of this.lanes) {
      const s = lane.settings;
      const problem = await preflight(
        lane.client,
        { model: s.model, endpoint: s.endpoint, stream: s.stream, exactTokens: s.outputTokens !== null },
        Math.min(s.timeouts.totalSec, BENCH_DEFAULTS.smoke.timeoutSec),
      );
      if (problem !== null) return this.lanes.length === 1 ? problem : `target ${lane.index + 1} (${s.model} at ${s.baseUrl}): ${problem}`;
    }
    return null;
  }

  private async execute(): Promise<LoadResult[]> {
    const startedAt = new Date();
    const onAbort = () => this.stopIssuing();
    if (this.hooks.signal?.aborted === true) this.stopping = true;
    this.hooks.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (this.opts.preflight !== false) {
        const problem = await this.preflightAll();
        if (problem !== null) {
          const empty = new Collector(performance.now(), BENCH_DEFAULTS.bucketMs);
          return this.lanes.map((lane) => this.result(lane, startedAt, empty, 0, problem));
        }
      }
      await this.hooks.beforeLoad?.();
      // One clock for every target: their timelines line up second by second.
      const startMs = performance.now();
      this.startMs = startMs;
      for (const lane of this.lanes) lane.collector = new Collector(startMs, BENCH_DEFAULTS.bucketMs);
      const drained = new Promise<void>((resolve) => (this.drained = resolve));
      this.tick = setInterval(() => this.closeBuckets(performance.now()), BENCH_DEFAULTS.bucketMs);
      if (this.shape.durationSec !== null) this.deadline = setTimeout(() => this.stopIssuing(), this.shape.durationSec * 1000);
      const p = this.shape.profile;
      if (p.kind === 'concurrency') {
        for (let w = 0; w < p.concurrency; w++) void this.worker();
      } else {
        this.openLoop(p.rate, p.burstiness);
      }
      this.maybeDrained();
      await drained;
      const endMs = performance.now();
      return this.lanes.map((lane) => {
        for (const b of lane.collector!.closeAll(endMs)) this.hooks.onBucket?.(b, lane.index);
        return this.result(lane, startedAt, lane.collector!, (endMs - startMs) / 1000, this.abortReason);
      });
    } finally {
      clearInterval(this.tick);
      clearTimeout(this.deadline);
      clearTimeout(this.arrivalTimer);
      this.hooks.signal?.removeEventListener('abort', onAbort);
      await Promise.all(this.lanes.map((lane) => lane.client.destroy()));
    }
  }

  private closeBuckets(now: number): void {
    for (const lane of this.lanes) {
      for (const b of lane.collector!.closeBuckets(now, lane.inFlight.size)) this.hooks.onBucket?.(b, lane.index);
    }
  }

  /**
   * One closed-loop user. A request that could not connect is followed by a pause that doubles
   * with each failure in a row (with jitter, so users do not return in lockstep): a dead server
   * costs a few attempts a second instead of thousands.
   */
  private async worker(): Promise<void> {
    let failures = 0;
    while (this.canIssue()) {
      const r = await this.issue();
      if (!noConnection(r)) {
        failures = 0;
        continue;
      }
      failures++;
      const { initialMs, maxMs } = BENCH_DEFAULTS.connectBackoff;
      const ceiling = Math.min(initialMs * 2 ** Math.min(failures - 1, 30), maxMs);
      await this.pause(ceiling * (0.5 + 0.5 * this.jitter()));
    }
  }

  /** Waits `ms`, or less when the run stops meanwhile. */
  private pause(ms: number): Promise<void> {
    if (!this.canIssue()) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.pauses.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.pauses.add(wake);
    });
  }

  private openLoop(rate: number, burstiness: number): void {
    const gap = arrivalGaps(rate, burstiness, this.shape.seed);
    let next = performance.now(); // the first request goes out at once, as in vLLM's benchmark
    const fire = () => {
      const now = performance.now();
      // Catch up on arrivals a late timer skipped, so the offered rate holds on average.
      while (this.canIssue() && next <= now) {
        void this.issue();
        next += gap();
      }
      if (this.canIssue()) this.arrivalTimer = setTimeout(fire, next - now);
      else this.maybeDrained();
    };
    fire();
  }

  private issue(): Promise<RequestRecord> {
    const i = this.issued++;
    const slot = interleavedSlot(i, this.lanes.length);
    const lane = this.lanes[slot.target]!;
    const sample = this.prompts.sample(slot.prompt);
    const maxTokens = this.shape.outputTokens ?? sample.outputTokens;
    const flight = lane.client.generate({
      model: lane.settings.model,
      endpoint: this.shape.endpoint,
      stream: this.shape.stream,
      prompt: sample.prompt,
      ...(maxTokens !== undefined && { maxTokens, exactTokens: true }),
      requestId: `${this.runId}-${i}`,
    });
    lane.inFlight.add(flight);
    this.inFlightTotal++;
    lane.collector!.onStart(performance.now(), lane.inFlight.size);
    return flight.done.then((r) => {
      this.onEnd(lane, flight, r);
      return r;
    });
  }

  private onEnd(lane: Lane, flight: InFlight, r: RequestRecord): void {
    lane.inFlight.delete(flight);
    this.inFlightTotal--;
    lane.collector!.onEnd(r);
    this.hooks.onRequest?.(r, lane.index);
    if (this.opts.abortOnAuthError !== false && r.outcome === 'failure' && isAuthStatus(r.status) && this.abortReason === null) {
      this.abortReason = `${lane.client.url} rejected a request with ${r.status} (${r.message ?? ''}); pass the right --api-key or set LLM_BENCH_API_KEY`;
      void this.stop({ cancelInFlight: true });
    }
    this.watchReachability(lane, r);
    this.maybeDrained();
  }

  /** Ends the run once a target could not be reached for `maxUnreachableSec`. */
  private watchReachability(lane: Lane, r: RequestRecord): void {
    if (r.outcome === 'cancelled') return;
    if (!noConnection(r)) {
      lane.unreachableSince = null;
      return;
    }
    lane.unreachableSince ??= r.startMs;
    const limitSec = this.opts.maxUnreachableSec === undefined ? BENCH_DEFAULTS.maxUnreachableSec : this.opts.maxUnreachableSec;
    const goneMs = r.startMs + r.e2eMs - lane.unreachableSince;
    if (limitSec === null || goneMs < limitSec * 1000 || this.abortReason !== null) return;
    this.abortReason =
      `${lane.client.url} was unreachable for ${Math.round(goneMs / 1000)} s (${r.reason}: ${r.message ?? 'no connection'}), ` +
      `so the run stopped; the server is gone: check it and --base-url (--max-unreachable-sec sets how long to wait)`;
    void this.stop({ cancelInFlight: true });
  }

  private result(lane: Lane, startedAt: Date, collector: Collector, durationSec: number, aborted: string | null): LoadResult {
    const summary = collector.summary(durationSec);
    const short = shortAnswers(this.shape.outputTokens, summary.outputTokens.mean);
    const thresholds = evaluateThresholds(this.thresholds, summary).map((t) =>
      short !== null && THROUGHPUT_METRICS.has(t.metric) ? { ...t, passed: false, note: short } : t,
    );
    return {
      ...envelope('load', startedAt),
      settings: lane.settings,
      summary,
      thresholds,
      ...(aborted !== null && { aborted: { reason: aborted } }),
      ...(short !== null && { warnings: [short] }),
      timeline: collector.finalTimeline(),
      ...(collector.slowest.length > 0 && { slowest: collector.slowest }),
      distributions: {
        ttftMs: collector.ttft.distribution(),
        tpotMs: collector.tpot.distribution(),
        itlMs: collector.itl.distribution(),
        e2eMs: collector.e2e.distribution(),
      },
      histograms: {
        ttftMs: collector.ttft.encode(),
        tpotMs: collector.tpot.encode(),
        itlMs: collector.itl.encode(),
        e2eMs: collector.e2e.encode(),
      },
      definitions: { ...METRIC_DEFINITIONS },
    };
  }
}

/**
 * One load run against one target. Start it with {@link startLoad}; it resolves `done` with the
 * result when its request count or duration is reached, or after {@link LoadRun.stop}.
 *
 * Closed loop: `concurrency` workers each send the next request when their previous one ends.
 * Open loop: requests are sent at gamma/Poisson arrival times regardless of responses, so a slow
 * server sees the queue grow as real users would make it.
 */
export class LoadRun {
  readonly settings: LoadSettings;
  readonly done: Promise<LoadResult>;
  private readonly engine: LoadEngine;

  constructor(opts: LoadOptions, hooks: LoadHooks = {}) {
    const resolved = resolveLoadOptions(opts);
    this.settings = resolved.settings;
    this.engine = new LoadEngine(opts, [{ settings: resolved.settings, target: opts }], resolved.thresholds, resolved.prompts, hooks);
    this.done = this.engine.done.then((results) => results[0]!);
  }

  /** Counts so far, for a progress line. */
  progress(): LoadProgress {
    return this.engine.progress();
  }

  /**
   * Stops sending. By default requests in flight finish (each bounded by its own timeout);
   * `cancelInFlight` ends them now as `cancelled`, which counts in neither successes nor failures.
   */
  stop(opts: { readonly cancelInFlight?: boolean } = {}): Promise<LoadResult> {
    void this.engine.stop(opts);
    return this.done;
  }
}

/**
 * One load dealt to several targets in a fixed interleaved order (see
 * {@link InterleavedLoadOptions}); `done` resolves with one load result per target, in the
 * targets' order, each of the same schema as a single load's (its settings carry `interleaved`).
 *
 * A target's failures are counted in its own result only. The run stops itself (every result
 * `aborted`) when any target fails its preflight, rejects the key, or stays unreachable.
 */
export class InterleavedLoadRun {
  /** Each target's settings, in the targets' order. */
  readonly settings: readonly LoadSettings[];
  readonly done: Promise<LoadResult[]>;
  private readonly engine: LoadEngine;

  constructor(opts: InterleavedLoadOptions, hooks: LoadHooks = {}) {
    const resolved = resolveInterleavedOptions(opts);
    this.settings = resolved.settings;
    const lanes = resolved.settings.map((settings, i) => ({ settings, target: opts.targets[i]! }));
    this.engine = new LoadEngine(opts, lanes, resolved.thresholds, resolved.prompts, hooks);
    this.done = this.engine.done;
  }

  /** Counts so far over every target (TTFT p50 over all of them), for a progress line. */
  progress(): LoadProgress {
    return this.engine.progress();
  }

  /** Stops sending, as {@link LoadRun.stop} does. */
  stop(opts: { readonly cancelInFlight?: boolean } = {}): Promise<LoadResult[]> {
    return this.engine.stop(opts);
  }
}

/** Answers shorter than this share of `--output-tokens` are "much shorter": the server did not honour the forced length. */
export const SHORT_ANSWER_RATIO = 0.5;
/** Thresholds whose figure is meaningless when the answers are far shorter than asked. */
const THROUGHPUT_METRICS = new Set(['outputTokenThroughput', 'requestThroughput']);

/**
 * The warning for a run whose answers were much shorter than the forced `--output-tokens`
 * (a server that ignores vLLM's `ignore_eos` / `min_tokens`), or null.
 */
export function shortAnswers(askedTokens: number | null, meanTokens: number | null): string | null {
  if (askedTokens === null || meanTokens === null || meanTokens >= SHORT_ANSWER_RATIO * askedTokens) return null;
  return (
    `answers averaged ${meanTokens} output tokens, under ${SHORT_ANSWER_RATIO * 100}% of the ${askedTokens} --output-tokens asked for: ` +
    'the server does not honour ignore_eos/min_tokens (vLLM does), so throughput measures short answers; throughput thresholds fail'
  );
}

/** Starts a load run in the background; see {@link LoadRun}. Throws UsageError on bad options. */
export function startLoad(opts: LoadOptions, hooks?: LoadHooks): LoadRun {
  return new LoadRun(opts, hooks);
}

/** Runs load to completion and returns the result (which carries `aborted` if the run stopped itself). */
export function runLoad(opts: LoadOptions, hooks?: LoadHooks): Promise<LoadResult> {
  return new LoadRun(opts, hooks).done;
}

/** Starts one load interleaved over several targets; see {@link InterleavedLoadRun}. Throws UsageError on bad options. */
export function startInterleavedLoad(opts: InterleavedLoadOptions, hooks?: LoadHooks): InterleavedLoadRun {
  return new InterleavedLoadRun(opts, hooks);
}

export { resultPassed, runFailure } from './outcome';
