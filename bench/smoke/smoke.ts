import { performance } from 'node:perf_hooks';
import { allSeriesNames, MODEL_LABEL } from '../../constructs/metrics';
import { TransportError } from '../client/http1';
import { type Endpoint, OpenAiClient, type RequestRecord } from '../client/openai';
import { BENCH_DEFAULTS } from '../defaults';
import { usageErrors } from '../errors';
import { secondsProblem } from '../limits';
import { listModels, type ServedModel } from '../load/preflight';
import { envelope, type SmokeCheck, type SmokeResult } from '../result';

/** What a deployment must serve. */
export interface SmokeOptions {
  readonly baseUrl: string;
  /** With a key, smoke also checks that a request without it gets 401. @default - no auth checks */
  readonly apiKey?: string;
  /** Base models that must be listed and answer. @default - the first model the server lists */
  readonly models?: readonly string[];
  /** LoRA adapters that must be listed (with a parent) and answer; `name` or `name=parent`. @default - none */
  readonly adapters?: readonly string[];
  /** @default BENCH_DEFAULTS.smoke.timeoutSec */
  readonly timeoutSec?: number;
  /**
   * `vllm`: also vLLM's own endpoints (/health, the catalog's series on /metrics). `openai`: only
   * what any OpenAI-compatible server must answer; the vLLM checks are listed as skipped. @default 'vllm'
   */
  readonly profile?: SmokeProfile;
}

/** Which server the smoke check expects. */
export type SmokeProfile = 'vllm' | 'openai';

/** The checks only vLLM answers, with what they read; `--profile openai` skips them. */
export const VLLM_ONLY_CHECKS = { health: 'GET /health', metrics: 'GET /metrics with the vLLM series' } as const;

type Outcome = { readonly status: 'pass' | 'fail' | 'skip'; readonly reason: string };
const pass = (reason: string): Outcome => ({ status: 'pass', reason });
const fail = (reason: string): Outcome => ({ status: 'fail', reason });

/** Whether a /metrics answer is vLLM's: 200 with at least one `vllm:` series. */
function looksLikeVllm(status: number, body: string): boolean {
  return status === 200 && /^vllm:/m.test(body);
}

/** Parses `name` or `name=parent`. */
export function parseAdapter(spec: string): { name: string; parent: string | undefined } {
  const eq = spec.indexOf('=');
  return eq === -1 ? { name: spec, parent: undefined } : { name: spec.slice(0, eq), parent: spec.slice(eq + 1) };
}

/**
 * Post-deploy smoke checks, each PASS/FAIL with its reason: health, the model list (models and
 * adapters with their parent), one chat and one completion per model, streamed with usage and
 * not, one chat per adapter, the catalog's vLLM series on /metrics, and 401 without the key.
 *
 * A server that is not vLLM (no vLLM series on /metrics) gets one `vllm` failure saying so, and
 * the vLLM checks are skipped instead of each failing; `profile: 'openai'` skips them up front
 * and passes such a server on the OpenAI checks alone (usage is then optional).
 *
 * Checks never throw: an unreachable server fails every check with the connection error.
 */
export async function runSmoke(opts: SmokeOptions): Promise<SmokeResult> {
  const startedAt = new Date();
  const run = new SmokeRun(opts);
  try {
    const vllm = await run.vllmGate();
    if (vllm) await run.check('health', () => run.health());
    const served = await run.modelList();
    const models = opts.models?.length
      ? opts.models
      : served
          .filter((m) => m.parent === null)
          .slice(0, 1)
          .map((m) => m.id);
    await run.generation(models);
    if (vllm) await run.check('metrics', () => run.metrics(models));
    await run.auth();
  } finally {
    await run.client.destroy();
  }
  return {
    ...envelope('smoke', startedAt),
    baseUrl: run.client.url,
    profile: run.profile,
    checks: run.checks,
    passed: run.checks.every((c) => c.status !== 'fail'),
  };
}

/** One smoke run: the client, the checks so far, and each step. */
class SmokeRun {
  readonly client: OpenAiClient;
  readonly checks: SmokeCheck[] = [];
  readonly profile: SmokeProfile;
  private readonly timeoutSec: number;
  /** Why the server is taken to be gone (no answer, no connection), once it is. */
  private gone: string | null = null;

  constructor(private readonly opts: SmokeOptions) {
    const problem = secondsProblem('--timeout', opts.timeoutSec);
    if (problem !== undefined) throw usageErrors([problem]);
    this.timeoutSec = opts.timeoutSec ?? BENCH_DEFAULTS.smoke.timeoutSec;
    this.profile = opts.profile ?? 'vllm';
    this.client = new OpenAiClient({
      baseUrl: opts.baseUrl,
      ...(opts.apiKey !== undefined && { apiKey: opts.apiKey }),
      timeoutSec: this.timeoutSec,
      firstTokenTimeoutSec: this.timeoutSec,
    });
  }

  /**
   * Runs one check; a throw is its failure, with the error's message. Once the server gave no
   * answer at all, the checks after it fail at once with that reason instead of each waiting out
   * its own timeout.
   */
  async check(name: string, body: () => Promise<Outcome>): Promise<void> {
    const t0 = performance.now();
    let outcome: Outcome;
    if (this.gone !== null) {
      this.checks.push({ name, status: 'fail', reason: `not run: ${this.gone}`, durationMs: 0 });
      return;
    }
    try {
      outcome = await body();
    } catch (err) {
      if (err instanceof TransportError) this.noAnswer(err);
      outcome = fail(err instanceof Error ? err.message : String(err));
    }
    this.checks.push({ name, ...outcome, durationMs: Math.round((performance.now() - t0) * 10) / 10 });
  }

  /** Records that a request got no response at all: the server is unreachable or hangs. */
  noAnswer(err: TransportError): void {
    this.gone ??= `${this.client.url} ${goneWords(err.reason)} (${err.reason}: ${err.message}); check --base-url and that the server is up`;
  }

  private skipVllmChecks(why: string): void {
    for (const name of Object.keys(VLLM_ONLY_CHECKS) as (keyof typeof VLLM_ONLY_CHECKS)[]) {
      this.checks.push({ name, status: 'skip', reason: `vLLM check (${VLLM_ONLY_CHECKS[name]}) skipped: ${why}`, durationMs: 0 });
    }
  }

  /**
   * Whether to run the vLLM checks: never with the openai profile; with the vllm profile, one
   * look at /metrics first, so a server that is not vLLM gets one clear failure, not a wall of them.
   */
  async vllmGate(): Promise<boolean> {
    if (this.profile === 'openai') {
      this.skipVllmChecks('the openai profile checks only what any OpenAI-compatible server answers');
      return false;
    }
    let vllm = true;
    await this.check('vllm', async () => {
      let res;
      try {
        res = await this.client.get('/metrics', { auth: false, timeoutSec: this.timeoutSec });
      } catch (err) {
        if (!(err instanceof TransportError)) throw err;
        this.noAnswer(err);
        return fail(`GET /metrics: ${this.gone!}`);
      }
      if (looksLikeVllm(res.status, res.body)) return pass('GET /metrics has vLLM series');
      vllm = false;
      const seen = res.status === 200 ? 'GET /metrics → 200 without vLLM series' : `GET /metrics → ${res.status}`;
      return fail(
        `this does not look like vLLM (no /metrics: ${seen}); run with --profile openai to check an OpenAI-compatible server that is not vLLM`,
      );
    });
    if (!vllm) this.skipVllmChecks('the server is not vLLM');
    return vllm;
  }

  async health(): Promise<Outcome> {
    const res = await this.client.get('/health', { auth: false, timeoutSec: this.timeoutSec });
    return res.status === 200 ? pass('GET /health → 200') : fail(`GET /health → ${res.status}, expected 200`);
  }

  /** The `models` check; returns what the server lists (empty when it could not be read). */
  async modelList(): Promise<readonly ServedModel[]> {
    let served: readonly ServedModel[] = [];
    await this.check('models', async () => {
      const listed = await listModels(this.client, this.timeoutSec);
      if (!listed.ok && listed.status === undefined) this.gone ??= listed.problem;
      if (!listed.ok) return fail(listed.problem);
      served = listed.models;
      return checkModelList(served, this.opts.models ?? [], (this.opts.adapters ?? []).map(parseAdapter));
    });
    return served;
  }

  /** Chat and completion, streamed and not, per model; a streamed chat per adapter. */
  async generation(models: readonly string[]): Promise<void> {
    const strict = this.profile === 'vllm';
    if (models.length === 0)
      this.checks.push({
        name: 'generate',
        status: 'fail',
        reason: 'no model to test: none given with --model and none listed',
        durationMs: 0,
      });
    for (const model of models) {
      for (const endpoint of ['chat', 'completions'] as const) {
        for (const stream of [true, false]) {
          await this.check(`${endpoint} ${stream ? 'stream' : 'json'} ${model}`, () => this.generate(model, endpoint, stream, strict));
        }
      }
    }
    for (const { name } of (this.opts.adapters ?? []).map(parseAdapter)) {
      await this.check(`chat stream ${name}`, () => this.generate(name, 'chat', true, strict));
    }
  }

  /** One generation check; a request that got no response at all marks the server gone. */
  private async generate(model: string, endpoint: Endpoint, stream: boolean, strict: boolean): Promise<Outcome> {
    const { outcome, record } = await generate(this.client, model, endpoint, stream, strict);
    if (record.outcome === 'failure' && record.status === undefined) {
      this.gone ??= `${this.client.url} ${goneWords(record.reason)} to a ${endpoint} request (${record.reason ?? 'failure'}: ${record.message ?? ''}); check --base-url and that the server is up`;
    }
    return outcome;
  }

  async metrics(models: readonly string[]): Promise<Outcome> {
    const res = await this.client.get('/metrics', { auth: false, timeoutSec: this.timeoutSec });
    if (res.status !== 200) return fail(`GET /metrics → ${res.status}, expected 200`);
    return checkMetrics(res.body, models);
  }

  /** With a key: a request without it must get 401. */
  async auth(): Promise<void> {
    if (this.opts.apiKey === undefined) {
      this.checks.push({ name: 'auth', status: 'skip', reason: 'no api key configured: nothing to check', durationMs: 0 });
      return;
    }
    await this.check('auth', async () => {
      const res = await this.client.get('/v1/models', { auth: false, timeoutSec: this.timeoutSec });
      return res.status === 401
        ? pass('GET /v1/models without the key → 401')
        : fail(`GET /v1/models without the key → ${res.status}, expected 401: the api key is not enforced`);
    });
  }
}

/** How a request without any response reads: no connection, or a connection that never answered. */
function goneWords(reason: string | undefined): string {
  return reason === 'connect_refused' || reason === 'connect_timeout' || reason === 'dns_error' ? 'is unreachable' : 'gave no answer';
}

/** Every expected model listed as a base, every adapter listed with its (expected) parent. */
export function checkModelList(
  served: readonly ServedModel[],
  models: readonly string[],
  adapters: readonly { name: string; parent: string | undefined }[],
): Outcome {
  const byId = new Map(served.map((m) => [m.id, m]));
  const problems: string[] = [];
  for (const m of models) if (!byId.has(m)) problems.push(`model ${m} missing`);
  for (const a of adapters) {
    const entry = byId.get(a.name);
    if (entry === undefined) problems.push(`adapter ${a.name} missing`);
    else if (entry.parent === null) problems.push(`adapter ${a.name} has no parent`);
    else if (a.parent !== undefined && entry.parent !== a.parent)
      problems.push(`adapter ${a.name} has parent ${entry.parent}, expected ${a.parent}`);
  }
  const listed = served.map((m) => (m.parent === null ? m.id : `${m.id} (on ${m.parent})`)).join(', ') || 'nothing';
  return problems.length === 0 ? pass(`lists ${listed}`) : fail(`${problems.join('; ')}; server lists ${listed}`);
}

/** Every catalog series present, and a sample labelled with each model. */
export function checkMetrics(text: string, models: readonly string[]): Outcome {
  const present = new Set<string>();
  for (const line of text.split('\n')) {
    if (line.length === 0 || line.startsWith('#')) continue;
    const end = line.search(/[{ ]/);
    present.add(end === -1 ? line : line.slice(0, end));
  }
  const expected = allSeriesNames();
  const missing = expected.filter((s) => !present.has(s));
  const unlabelled = models.filter((m) => !text.includes(`${MODEL_LABEL}=${JSON.stringify(m)}`));
  if (missing.length > 0) return fail(`missing ${missing.length} of ${expected.length} vLLM series: ${missing.join(', ')}`);
  if (unlabelled.length > 0) return fail(`no series labelled ${MODEL_LABEL} for ${unlabelled.join(', ')}`);
  return pass(`all ${expected.length} vLLM series present`);
}

/** One short request; `usageRequired`: vLLM always reports usage, other servers may not. */
async function generate(
  client: OpenAiClient,
  model: string,
  endpoint: Endpoint,
  stream: boolean,
  usageRequired: boolean,
): Promise<{ readonly outcome: Outcome; readonly record: RequestRecord }> {
  const r: RequestRecord = await client.generate({
    model,
    endpoint,
    stream,
    prompt: { text: 'Say hello in one short sentence.' },
    maxTokens: BENCH_DEFAULTS.smoke.maxTokens,
    captureText: true,
  }).done;
  if (r.outcome !== 'success') return { outcome: fail(`${r.reason ?? 'failed'}: ${r.message ?? ''}`.trim()), record: r };
  const noUsage = `no usage in the ${stream ? 'stream (stream_options.include_usage)' : 'response'}`;
  if (r.outputTokens === undefined && usageRequired) return { outcome: fail(noUsage), record: r };
  const timing = stream ? `TTFT ${r.ttftMs!.toFixed(0)} ms, ` : '';
  const tokens = r.outputTokens === undefined ? `${noUsage}, ` : `${r.outputTokens} tokens, `;
  return { outcome: pass(`${tokens}${timing}${r.e2eMs.toFixed(0)} ms: ${JSON.stringify((r.text ?? '').slice(0, 40))}`), record: r };
}

/** One line per check, `PASS name  reason`, and a total: the text CI logs show. */
export function formatSmoke(result: SmokeResult): string {
  const width = Math.max(...result.checks.map((c) => c.name.length), 5);
  const lines = result.checks.map((c) => `${c.status.toUpperCase().padEnd(4)}  ${c.name.padEnd(width)}  ${c.reason}`);
  const count = (s: SmokeCheck['status']) => result.checks.filter((c) => c.status === s).length;
  const profile = result.profile === 'openai' ? ' (profile openai)' : '';
  lines.push(`smoke ${result.baseUrl}${profile}: ${count('pass')} passed, ${count('fail')} failed, ${count('skip')} skipped`);
  return `${lines.join('\n')}\n`;
}
