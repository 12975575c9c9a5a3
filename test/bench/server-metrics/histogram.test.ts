/**
 * The exposition reader and histogram arithmetic of `load --server-metrics`, against hand
 * figures and the vLLM 0.18 exposition fixture (test/fixtures/vllm-0.18-metrics.txt, written as
 * vLLM's prometheus_client writes it: `le` before `model_name`, floats like `600.0`).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type MetricSpec, VLLM_METRICS } from '../../../constructs/metrics';
import { ENGINE_LATENCIES, runHistogram } from '../../../bench/server-metrics/compare';
import { parseExposition } from '../../../bench/server-metrics/exposition';
import { addHistograms, histogramDelta, histogramOf, histogramQuantile } from '../../../bench/server-metrics/histogram';

const FIXTURE = readFileSync(new URL('../../fixtures/vllm-0.18-metrics.txt', import.meta.url), 'utf8');
const E2E = 'vllm:e2e_request_latency_seconds';
const M = { model_name: 'mistral-7b-awq' };

describe('exposition', () => {
  it('reads labels with escapes, special values, timestamps, and types', () => {
    const e = parseExposition(
      [
        '# HELP x_total A counter.',
        '# TYPE x_total counter',
        'x_total{path="a\\"b\\\\c\\nd",code="200",} 3 1700000000000',
        'y +Inf',
        'z{a="1"} NaN',
        'w -1.5e-3',
      ].join('\n'),
    );
    expect(e.samples[0]).toEqual({ name: 'x_total', labels: { path: 'a"b\\c\nd', code: '200' }, value: 3 });
    expect(e.samples[1]!.value).toBe(Infinity);
    expect(Number.isNaN(e.samples[2]!.value)).toBe(true);
    expect(e.samples[3]!.value).toBe(-0.0015);
    expect(e.types.get('x_total')).toBe('counter');
  });

  it('names the line that is not a sample', () => {
    expect(() => parseExposition('ok 1\n<html>')).toThrow('metrics line 2 is not a sample, got "<html>"');
    expect(() => parseExposition('ok one')).toThrow('metrics line 1 has no valid sample value');
  });
});

describe('histograms', () => {
  const h = { bounds: [0.1, 0.5, 1], cumulative: [10, 60, 90], count: 100, sum: 40 };

  it('interpolates quantiles as histogram_quantile does', () => {
    // rank 50 in (0.1, 0.5]: 0.1 + 0.4 × (50 − 10) / 50 = 0.42; rank 95 in +Inf → the highest bound.
    expect(histogramQuantile(0.5, h)).toEqual({ value: 0.42000000000000004, lower: 0.1, upper: 0.5 });
    expect(histogramQuantile(0.05, h)).toEqual({ value: 0.05, lower: 0, upper: 0.1 });
    expect(histogramQuantile(0.95, h)).toEqual({ value: 1, lower: 1, upper: Infinity });
    expect(histogramQuantile(0.5, { ...h, cumulative: [0, 0, 0], count: 0 })).toBeNull();
  });

  it('takes the difference of two scrapes, and everything after a restart', () => {
    const before = { bounds: [0.1, 0.5, 1], cumulative: [5, 20, 30], count: 30, sum: 10 };
    expect(histogramDelta(h, before)).toEqual({ bounds: [0.1, 0.5, 1], cumulative: [5, 40, 60], count: 70, sum: 30 });
    expect(histogramDelta(before, h)).toBe(before);
    expect(histogramDelta(h, null)).toBe(h);
  });

  it('adds targets, a bound one lacks taking the count below it', () => {
    const other = { bounds: [0.5], cumulative: [4], count: 5, sum: 2 };
    expect(addHistograms(h, other)).toEqual({ bounds: [0.1, 0.5, 1], cumulative: [10, 64, 94], count: 105, sum: 42 });
  });
});

describe('the vLLM 0.18 fixture', () => {
  const after = parseExposition(FIXTURE);

  it("has every engine latency the report reads, with vLLM's bounds", () => {
    for (const l of ENGINE_LATENCIES) {
      const spec: MetricSpec = VLLM_METRICS[l.id];
      const got = histogramOf(after, spec.name, M);
      expect(got, spec.name).not.toBeNull();
      if (spec.buckets?.kind === 'fixed') expect(got!.bounds).toEqual(spec.buckets.bounds);
    }
  });

  it('gives the percentiles worked out by hand, over the run only', () => {
    // E2E: 100 ≤ 1 s, 400 ≤ 1.5 s, 550 ≤ 2 s, 600 ≤ 2.5 s. p50: rank 300 in (1, 1.5] → 1 + 0.5 × 200/300;
    // p95: rank 570 in (2, 2.5] → 2 + 0.5 × 20/50.
    const e2e = histogramOf(after, E2E, M)!;
    expect(e2e.count).toBe(600);
    expect(histogramQuantile(0.5, e2e)!.value).toBeCloseTo(1 + 0.5 * (200 / 300), 12);
    expect(histogramQuantile(0.95, e2e)!).toMatchObject({ lower: 2, upper: 2.5 });
    expect(histogramQuantile(0.95, e2e)!.value).toBeCloseTo(2.2, 12);
    // A scrape before the run with half of every E2E count: the run is the other half, same shape.
    const half = FIXTURE.replace(
      /^(vllm:e2e_request_latency_seconds_(?:bucket|count|sum)\{[^}]*\}) (\S+)$/gm,
      (_l, s: string, v: string) => `${s} ${Number(v) / 2}`,
    );
    const run = runHistogram([{ target: 'pod', before: parseExposition(half), after }], E2E, M)!;
    expect(run.count).toBe(300);
    expect(run.sum).toBe(465);
    expect(histogramQuantile(0.5, run)!.value).toBeCloseTo(1 + 0.5 * (100 / 150), 12);
    // Another model's series are not counted.
    expect(runHistogram([{ target: 'pod', before: null, after }], E2E, { model_name: 'other' })).toBeNull();
  });
});
