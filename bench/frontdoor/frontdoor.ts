/**
 * Post-deploy checks of the front door, from outside the cluster, in this order:
 *
 * 1. `tls`: the URL is HTTPS and answers; plain HTTP is refused or redirected to HTTPS.
 * 2. `models`: `/v1/models` (with the key) lists every model the environment serves.
 * 3. `auth`: requests without a key, or with a wrong one, are refused (401/403).
 * 4. `chat <model>`: one streamed chat per model, arriving in several reads (nothing buffers SSE).
 * 5. `split <alias>`: N requests to each A/B alias, paced under the per-key limit, counted by the
 *    backend header; a chi-square goodness-of-fit test against the configured weights.
 * 6. `rate-limit`: a bounded burst above the per-key limit gets 429s carrying Retry-After, and a
 *    request after the advertised wait succeeds. Last, so its burst disturbs nothing else.
 *
 * Checks never throw; each ends pass, fail or skip with its reason. The exit code: 1 when the door
 * does not work (tls, models, auth, chat), else 99 when a gate is off (rate limit, split), else 0.
 */
import { performance } from 'node:perf_hooks';
import { backendFromHeader } from '../../constructs/gateway-layout';
import { EXIT } from '../errors';
import { envelope } from '../result';
import { chiSquareTest } from './chi-square';
import { DoorClient, type DoorResponse, header, probePlainHttp } from './client';
import type { FrontDoorCheck, FrontDoorResult, RateLimitResult, SplitResult } from './result';
import { FRONT_DOOR_DEFAULTS } from './defaults';
import type { FrontDoorTarget } from './target';

export { FRONT_DOOR_DEFAULTS };

export interface FrontDoorOptions {
  readonly target: FrontDoorTarget;
  /** A client key of the front door. @default - none: every check that needs one fails */
  readonly apiKey?: string;
  /** PEM CA to trust besides the system's (a private CA, a test certificate). */
  readonly ca?: string | Buffer;
  /** Plain-HTTP address that must refuse or redirect. @default - http://<host>/ */
  readonly plainHttpUrl?: string;
  /** @default FRONT_DOOR_DEFAULTS.splitRequests */
  readonly splitRequests?: number;
  /** @default FRONT_DOOR_DEFAULTS.alpha */
  readonly alpha?: number;
  /** @default - twice the per-key limit plus 5, at most FRONT_DOOR_DEFAULTS.maxBurst */
  readonly burst?: number;
  /** @default FRONT_DOOR_DEFAULTS.requestTimeoutSec */
  readonly requestTimeoutSec?: number;
  /** Waits; tests pass one that moves a fake clock. @default - a timer */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly onProgress?: (line: string) => void;
}

type Outcome = { readonly status: 'pass' | 'fail' | 'skip'; readonly reason: string };
const pass = (reason: string): Outcome => ({ status: 'pass', reason });
const fail = (reason: string): Outcome => ({ status: 'fail', reason });

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Seconds a Retry-After value asks for (delta-seconds or an HTTP date); undefined when it is neither. */
export function retryAfterSec(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

class Run {
  readonly checks: FrontDoorCheck[] = [];
  readonly client: DoorClient;
  readonly timeoutMs: number;
  readonly sleep: (ms: number) => Promise<void>;

  constructor(readonly o: FrontDoorOptions) {
    this.client = new DoorClient({
      baseUrl: o.target.url,
      ...(o.ca !== undefined && { ca: o.ca }),
      maxSockets: FRONT_DOOR_DEFAULTS.maxBurst,
    });
    this.timeoutMs = (o.requestTimeoutSec ?? FRONT_DOOR_DEFAULTS.requestTimeoutSec) * 1000;
    this.sleep = o.sleep ?? realSleep;
  }

  async check(name: string, severity: 'run' | 'gate', body: () => Promise<Outcome>): Promise<Outcome> {
    const t0 = performance.now();
    let outcome: Outcome;
    try {
      outcome = await body();
    } catch (err) {
      outcome = fail(err instanceof Error ? err.message : String(err));
    }
    this.checks.push({ name, severity, ...outcome, durationMs: Math.round((performance.now() - t0) * 10) / 10 });
    this.o.onProgress?.(`front door ${name}: ${outcome.status} ${outcome.reason}`);
    return outcome;
  }

  auth(): Record<string, string> {
    return this.o.apiKey === undefined ? {} : { authorization: `Bearer ${this.o.apiKey}` };
  }

  /** A chat request; a one-token answer unless streamed (the split and the burst only count answers). */
  chat(model: string, stream: boolean): Promise<DoorResponse> {
    return this.chatAs(this.o.apiKey, model, stream);
  }

  /** A chat with `key` (undefined: none). */
  chatAs(key: string | undefined, model: string, stream: boolean): Promise<DoorResponse> {
    const maxTokens = stream ? FRONT_DOOR_DEFAULTS.streamTokens : 1;
    const body: Record<string, unknown> = { model, messages: [{ role: 'user', content: 'Say hello.' }], max_tokens: maxTokens, stream };
    if (stream) body.stream_options = { include_usage: true };
    return this.client.send({
      method: 'POST',
      path: '/v1/chat/completions',
      headers: {
        'content-type': 'application/json',
        accept: stream ? 'text/event-stream' : 'application/json',
        ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
      },
      body: JSON.stringify(body),
      timeoutMs: this.timeoutMs,
    });
  }

  /** A request that honours Retry-After on 429 (a few times, each wait bounded). */
  async patiently(send: () => Promise<DoorResponse>): Promise<DoorResponse> {
    let res = await send();
    for (let i = 0; i < FRONT_DOOR_DEFAULTS.retries && res.status === 429; i++) {
      const wait = Math.min(retryAfterSec(header(res.headers, 'retry-after')) ?? 1, FRONT_DOOR_DEFAULTS.maxRetryAfterSec);
      await this.sleep(wait * 1000);
      res = await send();
    }
    return res;
  }
}

/** Runs every front-door check; never throws for a check's failure. */
export async function runFrontDoor(o: FrontDoorOptions): Promise<FrontDoorResult> {
  const startedAt = new Date();
  const run = new Run(o);
  let rateLimit: RateLimitResult | null = null;
  const splits: SplitResult[] = [];
  try {
    const tls = await run.check('tls', 'run', () => checkTls(run));
    if (tls.status === 'pass') {
      await run.check('models', 'run', () => checkModels(run));
      await run.check('auth', 'run', () => checkAuth(run));
      for (const model of o.target.models) await run.check(`chat ${model}`, 'run', () => checkChat(run, model));
      if (o.target.routes.length === 0) {
        run.checks.push({ name: 'split', severity: 'gate', status: 'skip', reason: 'no A/B routes configured', durationMs: 0 });
      }
      for (const route of o.target.routes) {
        await run.check(`split ${route.model}`, 'gate', async () => {
          const s = await measureSplit(run, route);
          splits.push(s);
          return judgeSplit(s);
        });
      }
      await run.check('rate-limit', 'gate', async () => {
        rateLimit = await measureRateLimit(run);
        return judgeRateLimit(rateLimit, o.target.rateLimit.requestsPerSecondPerKey);
      });
    }
  } finally {
    run.client.close();
  }
  return {
    ...envelope('frontdoor', startedAt),
    url: o.target.url,
    checks: run.checks,
    rateLimit,
    splits,
    exitCode: frontDoorExit(run.checks),
  };
}

/** 1 when a run check failed, else 99 when a gate failed, else 0. */
export function frontDoorExit(checks: readonly FrontDoorCheck[]): number {
  const failed = checks.filter((c) => c.status === 'fail');
  if (failed.some((c) => c.severity === 'run')) return EXIT.runFailed;
  if (failed.length > 0) return EXIT.thresholdCrossed;
  return EXIT.ok;
}

async function checkTls(run: Run): Promise<Outcome> {
  const url = new URL(run.o.target.url);
  if (url.protocol !== 'https:')
    return fail(`the front door must be HTTPS, got ${url.origin}; clients would send their keys in clear text`);
  // Any answer proves the TLS handshake (certificate and hostname) succeeded.
  const res = await run.client.send({ method: 'GET', path: '/v1/models', timeoutMs: run.timeoutMs });
  const plainUrl = run.o.plainHttpUrl ?? run.o.target.plainHttpUrl ?? `http://${url.hostname}/v1/models`;
  const plain = await probePlainHttp(plainUrl, FRONT_DOOR_DEFAULTS.plainHttpTimeoutSec * 1000);
  if (plain.kind === 'served') return fail(`plain HTTP is served at ${plainUrl} (${plain.detail}); refuse it or redirect to https`);
  const how = plain.kind === 'redirect' ? `redirects (${plain.detail})` : `refused (${plain.detail})`;
  return pass(`TLS handshake with ${url.host} (GET /v1/models → ${res.status}); plain HTTP ${how}`);
}

async function checkModels(run: Run): Promise<Outcome> {
  if (run.o.apiKey === undefined) return fail('no API key for the front door; pass --front-door-key or set LLM_BENCH_FRONT_DOOR_KEY');
  const list = () => run.client.send({ method: 'GET', path: '/v1/models', headers: run.auth(), timeoutMs: run.timeoutMs });
  const res = await run.patiently(list);
  if (res.status !== 200) return fail(`GET /v1/models with the key → ${res.status}: ${res.body.slice(0, 200)}`);
  const ids = new Set(((JSON.parse(res.body) as { data?: { id?: string }[] }).data ?? []).map((m) => m.id));
  const missing = run.o.target.models.filter((m) => !ids.has(m));
  if (missing.length > 0) return fail(`/v1/models does not list ${missing.join(', ')}; it lists ${[...ids].join(', ') || 'nothing'}`);
  return pass(`lists ${run.o.target.models.join(', ')}`);
}

async function checkAuth(run: Run): Promise<Outcome> {
  const refused = (s: number) => s === 401 || s === 403;
  const model = run.o.target.models[0]!;
  const none = await run.chatAs(undefined, model, false);
  const wrong = await run.chatAs(`not-a-key-${'x'.repeat(24)}`, model, false);
  const list = await run.client.send({ method: 'GET', path: '/v1/models', timeoutMs: run.timeoutMs });
  const got = `without a key → ${none.status}, with a wrong key → ${wrong.status}, GET /v1/models without a key → ${list.status}`;
  const closed = refused(none.status) && refused(wrong.status) && refused(list.status);
  return closed ? pass(got) : fail(`${got}; expected 401 or 403 each: the door is open`);
}

async function checkChat(run: Run, model: string): Promise<Outcome> {
  if (run.o.apiKey === undefined) return fail('no API key for the front door');
  const res = await run.patiently(() => run.chat(model, true));
  if (res.status !== 200) return fail(`chat ${model} → ${res.status}: ${res.body.slice(0, 200)}`);
  const events = res.body.split('\n').filter((l) => l.startsWith('data:'));
  if (!events.some((e) => e.trim() === 'data: [DONE]'))
    return fail(`the stream for ${model} has no data: [DONE]; got ${events.length} events`);
  if (events.length > 2 && res.reads < 2)
    return fail(`the ${events.length} events for ${model} arrived in one read: something on the way buffers the stream`);
  return pass(`${events.length} events in ${res.reads} reads over ${Math.round(res.lastByteMs - res.firstByteMs)} ms`);
}

async function measureSplit(run: Run, route: FrontDoorTarget['routes'][number]): Promise<SplitResult> {
  if (run.o.apiKey === undefined) throw new Error('no API key for the front door');
  const n = run.o.splitRequests ?? FRONT_DOOR_DEFAULTS.splitRequests;
  const spacingMs = 1000 / (run.o.target.rateLimit.requestsPerSecondPerKey * FRONT_DOOR_DEFAULTS.pacingShare);
  const names = route.backends.map((b) => b.name);
  const counts = new Map(names.map((b) => [b, 0]));
  let unattributed = 0;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const res = await run.patiently(() => run.chat(route.model, false));
    if (res.status !== 200) throw new Error(`request ${i + 1} of ${n} to ${route.model} → ${res.status}: ${res.body.slice(0, 200)}`);
    const b = backendFromHeader(header(res.headers, run.o.target.backendHeader), names);
    if (b === undefined) unattributed++;
    else counts.set(b, counts.get(b)! + 1);
    const left = spacingMs - (performance.now() - t0);
    if (left > 0 && i < n - 1) await run.sleep(left);
  }
  const observed = names.map((b) => counts.get(b)!);
  const test = chiSquareTest(
    observed,
    route.backends.map((b) => b.weight),
  );
  return {
    model: route.model,
    requests: n,
    backends: route.backends.map((b, i) => ({
      name: b.name,
      weight: b.weight,
      observed: observed[i]!,
      expected: Math.round(test.expected[i]! * 10) / 10,
    })),
    unattributed,
    statistic: test.statistic,
    degreesOfFreedom: test.degreesOfFreedom,
    pValue: test.pValue,
    alpha: run.o.alpha ?? FRONT_DOOR_DEFAULTS.alpha,
  };
}

export function judgeSplit(s: SplitResult): Outcome {
  const counts = s.backends.map((b) => `${b.name} ${b.observed}/${b.expected} (weight ${b.weight})`).join(', ');
  const fit = `χ² ${Number.isFinite(s.statistic) ? s.statistic.toFixed(2) : '∞'}, df ${s.degreesOfFreedom}, p ${s.pValue.toPrecision(3)}`;
  if (s.unattributed > 0)
    return fail(`${s.unattributed} of ${s.requests} responses named no backend of ${s.model} in the backend header; ${counts}`);
  if (s.pValue < s.alpha) return fail(`the split of ${s.model} does not fit the weights (${fit} < α ${s.alpha}): ${counts}`);
  return pass(`${counts}; ${fit} ≥ α ${s.alpha}`);
}

async function measureRateLimit(run: Run): Promise<RateLimitResult> {
  if (run.o.apiKey === undefined) throw new Error('no API key for the front door');
  const perKey = run.o.target.rateLimit.requestsPerSecondPerKey;
  const burst = run.o.burst ?? Math.min(Math.ceil(2 * perKey) + 5, FRONT_DOOR_DEFAULTS.maxBurst);
  // The cheapest request that counts: a one-token chat to the first model, all at once.
  const model = run.o.target.models[0]!;
  const responses = await Promise.all(Array.from({ length: burst }, () => run.chat(model, false).catch((err: Error) => err)));
  const statuses: Record<string, number> = {};
  const retryAfter: string[] = [];
  for (const r of responses) {
    const key = r instanceof Error ? 'error' : String(r.status);
    statuses[key] = (statuses[key] ?? 0) + 1;
    if (!(r instanceof Error) && r.status === 429) retryAfter.push(header(r.headers, 'retry-after') ?? '');
  }
  let recovered = false;
  if (retryAfter.length > 0) {
    const waits = retryAfter.map((v) => retryAfterSec(v)).filter((s): s is number => s !== undefined);
    await run.sleep(Math.min(Math.max(0, ...waits), FRONT_DOOR_DEFAULTS.maxRetryAfterSec) * 1000);
    recovered = (await run.chat(model, false)).status === 200;
  }
  return { burst, statuses, retryAfter, recovered };
}

export function judgeRateLimit(r: RateLimitResult, perKey: number): Outcome {
  const seen = Object.entries(r.statuses)
    .map(([s, n]) => `${n}× ${s}`)
    .join(', ');
  if (r.retryAfter.length === 0)
    return fail(`a burst of ${r.burst} requests at once (limit ${perKey}/s per key) got no 429: ${seen}; the rate limit is not enforced`);
  const bad = r.retryAfter.filter((v) => retryAfterSec(v) === undefined);
  if (bad.length > 0)
    return fail(`${bad.length} of ${r.retryAfter.length} 429 answers carry no valid Retry-After (got ${JSON.stringify(bad[0])}); ${seen}`);
  if (!r.recovered) return fail(`after the Retry-After wait (${r.retryAfter[0]} s) the next request was still refused; ${seen}`);
  return pass(
    `a burst of ${r.burst} (limit ${perKey}/s per key): ${seen}; Retry-After ${[...new Set(r.retryAfter)].join(', ')} s, then served again`,
  );
}
