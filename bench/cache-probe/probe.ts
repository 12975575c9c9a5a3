/**
 * The prefix-cache probe: prompts with nothing in common, then one that puts a long prefix in the
 * cache, then prompts that share it, one at a time (so no request waits for another). vLLM's
 * automatic prefix caching skips the prefill of cached blocks, so the shared prompts' TTFT drops
 * by about the prefill of the prefix, and `vllm:prefix_cache_hits_total` grows by the prefix's
 * tokens for each. The counters are read from /metrics between the phases.
 */
import { type Endpoint, OpenAiClient, type RequestRecord } from '../client/openai';
import { MODEL_LABEL, VLLM_METRICS } from '../../constructs/metrics';
import { usageErrors } from '../errors';
import { syntheticPrompts } from '../load/prompts';
import { envelope } from '../result';
import { type Exposition, parseExposition } from '../server-metrics/exposition';
import { urlTarget } from '../server-metrics/targets';
import { CACHE_PROBE_DEFAULTS } from './defaults';
import type { CacheProbeResult, ProbePhase } from './result';

export interface CacheProbeOptions {
  readonly baseUrl: string;
  readonly model: string;
  readonly apiKey?: string;
  /** @default 'completions': the prompt as sent, no chat template in front */
  readonly endpoint?: Endpoint;
  readonly prefixTokens?: number;
  readonly suffixTokens?: number;
  readonly requests?: number;
  /** Where to read the counters. @default the base URL's /metrics */
  readonly metricsUrl?: string;
  /** Gate: exit 99 unless the verdict is this. */
  readonly expect?: 'on' | 'off';
  readonly seed?: number;
  readonly timeoutSec?: number;
}

const positiveInt = (flag: string, v: number | undefined, problems: string[]) => {
  if (v !== undefined && !(Number.isInteger(v) && v > 0)) problems.push(`${flag} must be a whole number above 0, got ${v}`);
};

/** Sum of a counter's series for the model (every model when none carries it). */
function counter(e: Exposition, name: string, model: string): number {
  const own = e.samples.filter((s) => s.name === name && s.labels[MODEL_LABEL] === model);
  const picked = own.length > 0 ? own : e.samples.filter((s) => s.name === name);
  return picked.reduce((a, s) => a + s.value, 0);
}

const QUERIES = VLLM_METRICS.prefixCacheQueries.name;
const HITS = VLLM_METRICS.prefixCacheHits.name;

interface Counters {
  readonly queries: number;
  readonly hits: number;
}

function phase(records: readonly RequestRecord[], before: Counters | null, after: Counters | null): ProbePhase {
  const ttft = records
    .filter((r) => r.outcome === 'success' && r.ttftMs !== undefined)
    .map((r) => r.ttftMs!)
    .sort((a, b) => a - b);
  const r3 = (x: number) => Number(x.toFixed(3));
  const delta = (k: keyof Counters) => (before === null || after === null ? null : after[k] >= before[k] ? after[k] - before[k] : after[k]);
  return {
    requests: records.length,
    failed: records.filter((r) => r.outcome !== 'success').length,
    ttftMs: {
      p50: ttft.length === 0 ? null : r3(ttft[Math.ceil(0.5 * ttft.length) - 1]!),
      mean: ttft.length === 0 ? null : r3(ttft.reduce((a, b) => a + b, 0) / ttft.length),
      min: ttft[0] === undefined ? null : r3(ttft[0]),
      max: ttft.at(-1) === undefined ? null : r3(ttft.at(-1)!),
    },
    queriedTokens: delta('queries'),
    hitTokens: delta('hits'),
  };
}

/** Runs the probe. Throws UsageError for bad options; a server that fails requests shows in the phases. */
export async function runCacheProbe(o: CacheProbeOptions): Promise<CacheProbeResult> {
  const problems: string[] = [];
  positiveInt('--prefix-tokens', o.prefixTokens, problems);
  positiveInt('--suffix-tokens', o.suffixTokens, problems);
  positiveInt('--requests', o.requests, problems);
  if (problems.length > 0) throw usageErrors(problems);
  const d = CACHE_PROBE_DEFAULTS;
  const prefixTokens = o.prefixTokens ?? d.prefixTokens;
  const suffixTokens = o.suffixTokens ?? d.suffixTokens;
  const n = o.requests ?? d.requests;
  const seed = o.seed ?? d.seed;
  const endpoint = o.endpoint ?? 'completions';
  const client = new OpenAiClient({
    baseUrl: o.baseUrl,
    ...(o.apiKey !== undefined && { apiKey: o.apiKey }),
    ...(o.timeoutSec !== undefined && { timeoutSec: o.timeoutSec }),
  });
  const target = urlTarget(o.metricsUrl ?? o.baseUrl);
  const notes: string[] = [];
  let metricsOk = true;
  const read = async (): Promise<Counters | null> => {
    if (!metricsOk) return null;
    try {
      const e = parseExposition(await target.scrape());
      if (!e.samples.some((s) => s.name === QUERIES)) {
        metricsOk = false;
        notes.push(
          `${target.name} has no ${QUERIES}: not vLLM, or a version without prefix-cache counters; the verdict rests on TTFT alone`,
        );
        return null;
      }
      return { queries: counter(e, QUERIES, o.model), hits: counter(e, HITS, o.model) };
    } catch (err) {
      metricsOk = false;
      notes.push(`${target.name} could not be read (${(err as Error).message}); the verdict rests on TTFT alone`);
      return null;
    }
  };
  const send = async (text: string, id: string): Promise<RequestRecord> =>
    client.generate({ model: o.model, endpoint, stream: true, prompt: { text }, maxTokens: 1, requestId: id }).done;

  const startedAt = new Date();
  const unique = syntheticPrompts(prefixTokens + suffixTokens, seed * 7919 + 1);
  const prefix = (syntheticPrompts(prefixTokens, seed * 7919 + 2).sample(0).prompt as { text: string }).text;
  const suffix = syntheticPrompts(suffixTokens, seed * 7919 + 3);
  const text = (s: ReturnType<typeof unique.sample>) => (s.prompt as { text: string }).text;
  const sequential = async (make: (i: number) => string, tag: string, count: number) => {
    const out: RequestRecord[] = [];
    for (let i = 0; i < count; i++) out.push(await send(make(i), `cache-probe-${tag}-${i}`));
    return out;
  };

  const c0 = await read();
  const uniqueRecords = await sequential((i) => text(unique.sample(i)), 'unique', n);
  const c1 = await read();
  const warmRecords = await sequential(() => `${prefix} ${text(suffix.sample(n))}`, 'warm', 1);
  const c2 = await read();
  const sharedRecords = await sequential((i) => `${prefix} ${text(suffix.sample(i))}`, 'shared', n);
  const c3 = await read();
  await client.close();

  const u = phase(uniqueRecords, c0, c1);
  const w = phase(warmRecords, c1, c2);
  const s = phase(sharedRecords, c2, c3);
  const saved = u.ttftMs.p50 !== null && s.ttftMs.p50 !== null ? Number((u.ttftMs.p50 - s.ttftMs.p50).toFixed(3)) : null;
  const hitRate =
    s.queriedTokens !== null && s.hitTokens !== null && s.queriedTokens > 0 ? Number((s.hitTokens / s.queriedTokens).toFixed(4)) : null;
  let verdict: CacheProbeResult['verdict'] = 'unknown';
  if (s.queriedTokens !== null && s.hitTokens !== null) verdict = s.queriedTokens === 0 ? 'off' : s.hitTokens > 0 ? 'on' : 'no-hits';
  if (verdict === 'no-hits') {
    notes.push(
      'the engine looked the shared prompts up but found nothing cached: behind a Service each request may land on another pod (read one pod: --base-url and --metrics-url of a pod), or the cache evicted the prefix',
    );
  }
  if (s.hitTokens !== null && s.requests > 0 && verdict === 'on' && s.hitTokens < s.requests * Math.floor(prefixTokens / 16) * 16 * 0.5) {
    notes.push('fewer than half of the prefix tokens hit: several pods behind the URL each keep their own cache');
  }
  if (u.failed + w.failed + s.failed > 0) notes.push(`${u.failed + w.failed + s.failed} requests failed; their TTFT is left out`);
  const passed = o.expect === undefined || verdict === o.expect;
  return {
    ...envelope('cache-probe', startedAt),
    baseUrl: client.url,
    model: o.model,
    endpoint,
    prefixTokens,
    suffixTokens,
    metricsUrl: metricsOk ? target.name : null,
    unique: u,
    warm: w,
    shared: s,
    ttftSavedMs: saved,
    ttftSavedShare: saved !== null && u.ttftMs.p50 !== null && u.ttftMs.p50 > 0 ? Number((saved / u.ttftMs.p50).toFixed(4)) : null,
    sharedHitRate: hitRate,
    verdict,
    expected: o.expect ?? null,
    passed,
    notes,
  };
}
