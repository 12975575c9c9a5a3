/**
 * vLLM's /metrics text, written from the recorded surface (facts/vllm) the way prometheus_client
 * writes it (text format 0.0.4): every engine family of the surface per served model, the HTTP
 * counter, HELP and TYPE lines, labels sorted by name, Python floats, cumulative buckets with
 * `_count` and `_sum`, and the `_created` gauge after each counter and histogram. Values come
 * from a scenario; anything it does not set is 0, as on a fresh pod.
 *
 * `test/fixtures/vllm-0.18-metrics.txt` is {@link renderVllmExposition} of {@link FIXTURE_SCENARIO}
 * (`npx tsx test/fixtures/generate-vllm-metrics.ts` rewrites it; a test keeps them equal).
 */
import { pythonFloat } from '../../bench/sim/metrics';
import { bucketBounds, CURRENT_VLLM, createdFamilyName, type MetricFamilyFact, type VllmSurface } from '../../facts/vllm';

/** What one scrape shows: per model, counter/gauge values and histogram observations by family name. */
export interface ExpositionScenario {
  readonly models: readonly { readonly name: string; readonly maxModelLen: number }[];
  /** When the families were created (the `_created` values), Unix seconds. */
  readonly createdSec: number;
  /** Family name → model → value; for labelled families, `label=value` → value. */
  readonly values: Readonly<Record<string, Readonly<Record<string, number | Readonly<Record<string, number>>>>>>;
  /** Histogram family → model → count of observations per finite bucket (non-cumulative) and their sum. */
  readonly histograms: Readonly<
    Record<string, Readonly<Record<string, { readonly counts: Readonly<Record<string, number>>; readonly sum: number }>>>
  >;
  /** `handler method status` → count, for http_requests_total. */
  readonly http: Readonly<Record<string, number>>;
}

const labelText = (labels: Record<string, string>) =>
  `{${Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',')}}`;

function familyLines(f: MetricFamilyFact, s: ExpositionScenario): { lines: string[]; created: string[] } {
  const lines: string[] = [];
  const created: string[] = [];
  const createdValue = pythonFloat(s.createdSec);
  const extra = f.labels.filter((l) => l !== 'model_name' && l !== 'engine');
  for (const m of s.models) {
    const base = { engine: '0', model_name: m.name };
    if (f.type === 'histogram') {
      const h = s.histograms[f.name]?.[m.name];
      const bounds = bucketBounds(f.buckets!, m.maxModelLen);
      let cumulative = 0;
      for (const le of bounds) {
        cumulative += h?.counts[String(le)] ?? 0;
        lines.push(`${f.name}_bucket${labelText({ ...base, le: pythonFloat(le) })} ${pythonFloat(cumulative)}`);
      }
      lines.push(`${f.name}_bucket${labelText({ ...base, le: '+Inf' })} ${pythonFloat(cumulative)}`);
      lines.push(
        `${f.name}_count${labelText(base)} ${pythonFloat(cumulative)}`,
        `${f.name}_sum${labelText(base)} ${pythonFloat(h?.sum ?? 0)}`,
      );
      created.push(`${f.name}_created${labelText(base)} ${createdValue}`);
      continue;
    }
    const children: Record<string, string>[] =
      extra.length === 0 ? [base] : (f.labelValues?.[extra[0]!] ?? []).map((v) => ({ ...base, [extra[0]!]: v }));
    for (const labels of children) {
      const own = s.values[f.name]?.[m.name];
      const value = typeof own === 'number' ? own : extra.length > 0 ? (own?.[`${extra[0]}=${labels[extra[0]!]}`] ?? 0) : 0;
      lines.push(`${f.name}${labelText(labels)} ${pythonFloat(value)}`);
      if (f.type === 'counter') created.push(`${createdFamilyName(f)}${labelText(labels)} ${createdValue}`);
    }
  }
  return { lines, created };
}

/** The exposition text of one scrape. Families with a `when` condition (LoRA) are left out. */
export function renderVllmExposition(s: ExpositionScenario, surface: VllmSurface = CURRENT_VLLM): string {
  const out: string[] = [];
  const help = (name: string, text: string, type: string) => out.push(`# HELP ${name} ${text}`, `# TYPE ${name} ${type}`);
  for (const f of surface.metrics.families) {
    if (f.when !== undefined) continue;
    help(f.name, f.help, f.type);
    const { lines, created } = familyLines(f, s);
    out.push(...lines);
    const createdName = createdFamilyName(f);
    if (createdName !== null) {
      help(createdName, f.help, 'gauge');
      out.push(...created);
    }
  }
  const http = surface.metrics.http;
  help(http.name, http.help, http.type);
  const httpCreated: string[] = [];
  for (const [key, n] of Object.entries(s.http)) {
    const [handler, method, status] = key.split(' ');
    const labels = labelText({ handler: handler!, method: method!, status: status! });
    out.push(`${http.name}${labels} ${pythonFloat(n)}`);
    httpCreated.push(`${createdFamilyName(http)}${labels} ${pythonFloat(s.createdSec)}`);
  }
  help(createdFamilyName(http)!, http.help, 'gauge');
  out.push(...httpCreated);
  return `${out.join('\n')}\n`;
}

export const FIXTURE_MODEL = 'mistral-7b-awq';

/**
 * Five minutes of one AWQ pod (max_model_len 4096) since it started: 600 requests finished
 * (540 stop, 60 length), 640 chat requests answered 2xx (so 40 clients left early) and 6 answered
 * 5xx, 10 model listings; 12 running, 3 waiting, 42% KV cache; TTFT p95 0.46875 s by the buckets.
 */
export const FIXTURE_SCENARIO: ExpositionScenario = {
  models: [{ name: FIXTURE_MODEL, maxModelLen: 4096 }],
  createdSec: 1773964800,
  values: {
    'vllm:num_requests_running': { [FIXTURE_MODEL]: 12 },
    'vllm:num_requests_waiting': { [FIXTURE_MODEL]: 3 },
    'vllm:kv_cache_usage_perc': { [FIXTURE_MODEL]: 0.42 },
    'vllm:engine_sleep_state': { [FIXTURE_MODEL]: { 'sleep_state=awake': 1 } },
    'vllm:prefix_cache_queries_total': { [FIXTURE_MODEL]: 300000 },
    'vllm:prefix_cache_hits_total': { [FIXTURE_MODEL]: 120000 },
    'vllm:prompt_tokens_total': { [FIXTURE_MODEL]: 300000 },
    'vllm:prompt_tokens_by_source_total': { [FIXTURE_MODEL]: { 'source=local_compute': 180000, 'source=local_cache_hit': 120000 } },
    'vllm:prompt_tokens_cached_total': { [FIXTURE_MODEL]: 120000 },
    'vllm:generation_tokens_total': { [FIXTURE_MODEL]: 60000 },
    'vllm:num_preemptions_total': { [FIXTURE_MODEL]: 0 },
    'vllm:request_success_total': { [FIXTURE_MODEL]: { 'finished_reason=stop': 540, 'finished_reason=length': 60 } },
  },
  histograms: {
    'vllm:time_to_first_token_seconds': {
      [FIXTURE_MODEL]: { counts: { '0.1': 300, '0.25': 200, '0.5': 80, '0.75': 15, '1': 5 }, sum: 105 },
    },
    'vllm:inter_token_latency_seconds': { [FIXTURE_MODEL]: { counts: { '0.01': 30000, '0.025': 25000, '0.05': 4400 }, sum: 900 } },
    'vllm:request_time_per_output_token_seconds': { [FIXTURE_MODEL]: { counts: { '0.01': 200, '0.025': 380, '0.05': 20 }, sum: 9 } },
    'vllm:e2e_request_latency_seconds': { [FIXTURE_MODEL]: { counts: { '1': 100, '1.5': 300, '2': 150, '2.5': 50 }, sum: 930 } },
    'vllm:request_queue_time_seconds': { [FIXTURE_MODEL]: { counts: { '0.3': 590, '0.5': 10 }, sum: 20 } },
    'vllm:request_prompt_tokens': { [FIXTURE_MODEL]: { counts: { '500': 400, '1000': 200 }, sum: 300000 } },
    'vllm:request_generation_tokens': { [FIXTURE_MODEL]: { counts: { '100': 540, '200': 60 }, sum: 60000 } },
  },
  http: {
    '/v1/chat/completions POST 2xx': 640,
    '/v1/chat/completions POST 5xx': 6,
    '/v1/models GET 2xx': 10,
  },
};

/** The same pod at start: every family at 0. */
export const FIXTURE_START: ExpositionScenario = {
  ...FIXTURE_SCENARIO,
  values: {},
  histograms: {},
  http: Object.fromEntries(Object.keys(FIXTURE_SCENARIO.http).map((k) => [k, 0])),
};
