import { performance } from 'node:perf_hooks';
import { allSeriesNames, MODEL_LABEL } from '../../constructs/metrics';
import { type Endpoint, OpenAiClient, type RequestRecord } from '../client/openai';
import { BENCH_DEFAULTS } from '../defaults';
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
  const timeoutSec = opts.timeoutSec ?? BENCH_DEFAULTS.smoke.timeoutSec;
  const client = new OpenAiClient({ baseUrl: opts.baseUrl, ...(opts.apiKey !== undefined && { apiKey: opts.apiKey }), timeoutSec, firstTokenTimeoutSec: timeoutSec });
  const checks: SmokeCheck[] = [];
  const check = async (name: string, body: () => Promise<Outcome>) => {
    const t0 = performance.now();
    let outcome: Outcome;
    try {
      outcome = await body();
    } catch (err) {
      outcome = fail(err instanceof Error ? err.message : String(err));
    }
    checks.push({ name, ...outcome, durationMs: Math.round((performance.now() - t0) * 10) / 10 });
  };
  const profile = opts.profile ?? 'vllm';
  const vllmChecks = Object.keys(VLLM_ONLY_CHECKS) as (keyof typeof VLLM_ONLY_CHECKS)[];
  const skip = (name: keyof typeof VLLM_ONLY_CHECKS, why: string) =>
    checks.push({ name, status: 'skip', reason: `vLLM check (${VLLM_ONLY_CHECKS[name]}) skipped: ${why}`, durationMs: 0 });
  try {
    let vllm = profile === 'vllm';
    if (profile === 'openai') {
      for (const name of vllmChecks) skip(name, 'the openai profile checks only what any OpenAI-compatible server answers');
    } else {
      // One look at /metrics first: a server that is not vLLM gets one clear failure, not a wall of them.
      await check('vllm', async () => {
        let res;
        try {
          res = await client.get('/metrics', { auth: false, timeoutSec });
        } catch {
          return pass('GET /metrics unreachable: the checks below say why');
        }
        if (looksLikeVllm(res.status, res.body)) return pass('GET /metrics has vLLM series');
        vllm = false;
        const seen = res.status === 200 ? 'GET /metrics → 200 without vLLM series' : `GET /metrics → ${res.status}`;
        return fail(`this does not look like vLLM (no /metrics: ${seen}); run with --profile openai to check an OpenAI-compatible server that is not vLLM`);
      });
      if (!vllm) for (const name of vllmChecks) skip(name, 'the server is not vLLM');
    }
    if (vllm) {
      await check('health', async () => {
        const res = await client.get('/health', { auth: false, timeoutSec });
        return res.status === 200 ? pass('GET /health → 200') : fail(`GET /health → ${res.status}, expected 200`);
      });
    }

    let served: readonly ServedModel[] = [];
    await check('models', async () => {
      const listed = await listModels(client, timeoutSec);
      if (!listed.ok) return fail(listed.problem);
      served = listed.models;
      return checkModelList(served, opts.models ?? [], (opts.adapters ?? []).map(parseAdapter));
    });

    const models = opts.models?.length ? opts.models : served.filter((m) => m.parent === null).slice(0, 1).map((m) => m.id);
    if (models.length === 0) checks.push({ name: 'generate', status: 'fail', reason: 'no model to test: none given with --model and none listed', durationMs: 0 });
    for (const model of models) {
      for (const endpoint of ['chat', 'completions'] as const) {
        for (const stream of [true, false]) {
          await check(`${endpoint} ${stream ? 'stream' : 'json'} ${model}`, () => generate(client, model, endpoint, stream, profile === 'vllm'));
        }
      }
    }
    for (const { name } of (opts.adapters ?? []).map(parseAdapter)) {
      await check(`chat stream ${name}`, () => generate(client, name, 'chat', true, profile === 'vllm'));
    }

    if (vllm) {
      await check('metrics', async () => {
        const res = await client.get('/metrics', { auth: false, timeoutSec });
        if (res.status !== 200) return fail(`GET /metrics → ${res.status}, expected 200`);
        return checkMetrics(res.body, models);
      });
    }

    if (opts.apiKey === undefined) {
      checks.push({ name: 'auth', status: 'skip', reason: 'no api key configured: nothing to check', durationMs: 0 });
    } else {
      await check('auth', async () => {
        const res = await client.get('/v1/models', { auth: false, timeoutSec });
        return res.status === 401
          ? pass('GET /v1/models without the key → 401')
          : fail(`GET /v1/models without the key → ${res.status}, expected 401: the api key is not enforced`);
      });
    }
  } finally {
    await client.destroy();
  }
  return {
    ...envelope('smoke', startedAt),
    baseUrl: client.url,
    profile,
    checks,
    passed: checks.every((c) => c.status !== 'fail'),
  };
}

/** Every expected model listed as a base, every adapter listed with its (expected) parent. */
export function checkModelList(served: readonly ServedModel[], models: readonly string[], adapters: readonly { name: string; parent: string | undefined }[]): Outcome {
  const byId = new Map(served.map((m) => [m.id, m]));
  const problems: string[] = [];
  for (const m of models) if (!byId.has(m)) problems.push(`model ${m} missing`);
  for (const a of adapters) {
    const entry = byId.get(a.name);
    if (entry === undefined) problems.push(`adapter ${a.name} missing`);
    else if (entry.parent === null) problems.push(`adapter ${a.name} has no parent`);
    else if (a.parent !== undefined && entry.parent !== a.parent) problems.push(`adapter ${a.name} has parent ${entry.parent}, expected ${a.parent}`);
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
): Promise<Outcome> {
  const r: RequestRecord = await client.generate({
    model,
    endpoint,
    stream,
    prompt: { text: 'Say hello in one short sentence.' },
    maxTokens: BENCH_DEFAULTS.smoke.maxTokens,
    captureText: true,
  }).done;
  if (r.outcome !== 'success') return fail(`${r.reason ?? 'failed'}: ${r.message ?? ''}`.trim());
  const noUsage = `no usage in the ${stream ? 'stream (stream_options.include_usage)' : 'response'}`;
  if (r.outputTokens === undefined && usageRequired) return fail(noUsage);
  const timing = stream ? `TTFT ${r.ttftMs!.toFixed(0)} ms, ` : '';
  const tokens = r.outputTokens === undefined ? `${noUsage}, ` : `${r.outputTokens} tokens, `;
  return pass(`${tokens}${timing}${r.e2eMs.toFixed(0)} ms: ${JSON.stringify((r.text ?? '').slice(0, 40))}`);
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
