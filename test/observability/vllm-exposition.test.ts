/**
 * The SLI recording rules, alerts, KEDA queries and the bench's /metrics readers against vLLM
 * 0.18's real exposition format: test/fixtures/vllm-0.18-metrics.txt, written from facts/vllm
 * (names, HELP, TYPE, labels, buckets, prometheus_client's layout), evaluated with a PromQL
 * evaluator over a scrape at pod start and the fixture five minutes later.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sumGauge } from '../../bench/autoscale/queue';
import { checkMetrics } from '../../bench/smoke/smoke';
import { VLLM_METRICS } from '../../constructs/metrics';
import { PLATFORM_RULE_NAME, SLI_GROUP } from '../../constructs/observability';
import { CURRENT_VLLM as VLLM, createdFamilyName, sampleNames } from '../../facts/vllm';
import { renderManifests } from '../../stacks/manifests';
import { parseExposition } from '../support/exposition';
import { find, ofKind } from '../support/manifests';
import { PromqlEvaluator, SeriesStore } from '../support/promql-eval';
import { FIXTURE_MODEL, FIXTURE_SCENARIO, FIXTURE_START, renderVllmExposition } from '../support/vllm-exposition';
import { envs, rulesOf } from './support';

const FIXTURE = readFileSync(new URL('../fixtures/vllm-0.18-metrics.txt', import.meta.url), 'utf8');
const NS = 'llm-baseline';
/** What Prometheus adds at scrape time through the model's ServiceMonitor. */
const TARGET = {
  namespace: NS,
  pod: `${FIXTURE_MODEL}-5d8f7c9b4-x2x7k`,
  service: FIXTURE_MODEL,
  endpoint: 'http',
  job: FIXTURE_MODEL,
  instance: '10.0.1.7:8000',
};
const T0 = 1_000_000;
const T1 = T0 + 300;

function store(): SeriesStore {
  const s = new SeriesStore();
  for (const [t, text] of [
    [T0, renderVllmExposition(FIXTURE_START)],
    [T1, FIXTURE],
  ] as const) {
    for (const f of parseExposition(text)) for (const x of f.samples) s.add({ __name__: x.name, ...x.labels, ...TARGET }, t, x.value);
  }
  return s;
}

describe('the vLLM 0.18 /metrics fixture', () => {
  it('is what the generator writes from facts/vllm (rewrite it with npx tsx test/fixtures/generate-vllm-metrics.ts)', () => {
    expect(FIXTURE).toBe(renderVllmExposition(FIXTURE_SCENARIO));
  });

  it('has every family of the surface with its HELP and TYPE, sorted labels and a _created gauge', () => {
    const families = parseExposition(FIXTURE);
    const byName = new Map(families.map((f) => [f.name, f]));
    for (const fact of [...VLLM.metrics.families.filter((f) => f.when === undefined), VLLM.metrics.http]) {
      const f = byName.get(fact.name);
      expect(f, fact.name).toBeDefined();
      expect([f!.help, f!.type]).toEqual([fact.help, fact.type]);
      for (const s of f!.samples) {
        expect(sampleNames(fact)).toContain(s.name);
        expect(s.labelOrder).toEqual([...s.labelOrder].sort());
      }
      expect(byName.get(createdFamilyName(fact) ?? '')?.type ?? 'gauge').toBe('gauge');
    }
  });

  it("satisfies the bench's readers: the smoke check and the autoscale queue reader", () => {
    expect(checkMetrics(FIXTURE, [FIXTURE_MODEL]).status).toBe('pass');
    expect(sumGauge(FIXTURE, VLLM_METRICS.requestsWaiting.name, FIXTURE_MODEL)).toBe(3);
  });
});

describe.each(envs.filter(([, c]) => c.enabledModels.some((m) => m.name === FIXTURE_MODEL)))(
  '%s rules and KEDA queries over the fixture',
  (_env, c) => {
    const objs = renderManifests(c);
    // The SLIs are recorded for the namespace in the environment's rule; the alerts are the model's.
    const platform = ofKind(objs, 'PrometheusRule').find((r) => r.metadata.name === PLATFORM_RULE_NAME)!;
    const rule = ofKind(objs, 'PrometheusRule').find((r) => r.metadata.name === FIXTURE_MODEL)!;
    const rules = [...rulesOf(platform).filter((r) => r.group === SLI_GROUP), ...rulesOf(rule)];

    /** Evaluates every recording rule in order (each result stored as a series), then returns the evaluator. */
    function recordedAll(): { ev: PromqlEvaluator; value: (record: string) => number | undefined } {
      const s = store();
      const ev = new PromqlEvaluator(s, T1);
      const got = new Map<string, number>();
      for (const r of rules.filter((x) => x.record)) {
        for (const sample of ev.query(r.expr)) {
          s.add({ ...sample.labels, __name__: r.record! }, T1, sample.value);
          got.set(r.record!, sample.value);
        }
      }
      return { ev, value: (record) => got.get(record) };
    }

    it('records the SLIs from the real series: latency quantiles, rates, ratios, gauges', () => {
      const { value } = recordedAll();
      expect(value('llm:time_to_first_token_seconds:p95_5m')).toBeCloseTo(0.46875, 6);
      expect(value('llm:requests:rate5m')).toBeCloseTo(600 / 300, 6);
      expect(value('llm:request_errors:ratio_rate5m')).toBeCloseTo(6 / 656, 6);
      expect(value('llm:requests_aborted:ratio_rate5m')).toBe(0);
      expect(value('llm:requests_cancelled:ratio_rate5m')).toBeCloseTo(1 - 600 / 640, 6);
      expect(value('llm:requests_waiting:sum')).toBe(3);
      expect(value('llm:requests_running:sum')).toBe(12);
      expect(value('llm:kv_cache_usage:max')).toBe(0.42);
      expect(value('llm:generation_tokens:rate5m')).toBeCloseTo(200, 6);
      // ITL p95 by vLLM's buckets: rank 56430 of 59400 falls in (0.025, 0.05].
      expect(value('llm:inter_token_latency_seconds:p95_5m')).toBeCloseTo(0.025 + 0.025 * ((0.95 * 59400 - 55000) / 4400), 6);
    });

    it('fires the cancellation alert on 40 of 640 answers never finished, and no engine-abort alert', () => {
      const { ev } = recordedAll();
      const fired = rules
        .filter((r) => r.alert)
        .filter((r) => ev.query(r.expr).length > 0)
        .map((r) => r.alert);
      const m = c.enabledModels.find((x) => x.name === FIXTURE_MODEL)!;
      expect(m.slo.abortRatio).toBeLessThan(1 - 600 / 640);
      expect(fired).toContain('VllmRequestsCancelled');
      expect(fired).not.toContain('VllmRequestsAborted');
    });

    it("feeds KEDA the queue and the KV cache of the model's pods", () => {
      const m = c.enabledModels.find((x) => x.name === FIXTURE_MODEL)!;
      if (m.minReplicas === m.maxReplicas) return; // not autoscaled here: no ScaledObject
      const so = find<any>(objs, 'ScaledObject', FIXTURE_MODEL);
      const ev = new PromqlEvaluator(store(), T1);
      const byName = Object.fromEntries(so.spec.triggers.map((t: any) => [t.name, ev.query(t.metadata.query).map((s) => s.value)]));
      expect(byName).toEqual({ 'queue-depth': [3], 'kv-cache-usage': [0.42] });
    });
  },
);
