/**
 * The metrics catalog is the only place that names Prometheus series, and the PromQL checker
 * the other suites rely on really catches what it claims to.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DCGM_METRICS,
  KUBE_STATE_METRICS,
  VLLM_HTTP_METRICS,
  VLLM_METRICS,
  allSeriesNames,
  catalogSeriesNames,
  deploymentPodRegex,
  labelMatchers,
  modelPromql,
} from '../../constructs/metrics';
import { PROJECT_ROOT } from '../../stacks/synthesize';
import { checkPromql } from './promql';
import { promqlProblems } from './support';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
/** Series names as they would appear if someone wrote one outside the catalog. */
const SERIES_LITERAL = /vllm:[a-z_]+|DCGM_FI_[A-Z_]+|\bkube_[a-z]+_[a-z_]+|\bhttp_requests_total\b/;

describe('metrics catalog', () => {
  it('names every series once, validly, with counters of vLLM and kube-state-metrics ending in _total', () => {
    const names = catalogSeriesNames();
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(METRIC_NAME);
    const counters = [...Object.values(VLLM_METRICS), ...Object.values(VLLM_HTTP_METRICS), ...Object.values(KUBE_STATE_METRICS)].filter(
      (m) => m.type === 'counter',
    );
    for (const m of counters) expect(m.name).toMatch(/_total$/);
    for (const m of Object.values(VLLM_METRICS)) expect(m.name).toMatch(/^vllm:/);
    for (const m of Object.values(DCGM_METRICS)) expect(m.name).toMatch(/^DCGM_FI_DEV_/);
  });

  it('keeps the smoke check to vLLM series: HTTP, GPU and cluster series are not the model server contract', () => {
    const vllm = allSeriesNames();
    for (const m of [...Object.values(VLLM_HTTP_METRICS), ...Object.values(DCGM_METRICS), ...Object.values(KUBE_STATE_METRICS)]) {
      expect(vllm).not.toContain(m.name);
    }
  });

  it('is the only place observability names a series', () => {
    const dir = join(PROJECT_ROOT, 'constructs/observability');
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(join(dir, f), 'utf8');
      expect(SERIES_LITERAL.exec(text)?.[0], f).toBeUndefined();
    }
  });

  it('builds matchers, pod regexes and joins that parse', () => {
    expect(labelMatchers({ namespace: 'ns', pod: { regex: 'a-.+' } })).toBe('{namespace="ns",pod=~"a-.+"}');
    expect(labelMatchers({})).toBe('');
    const re = new RegExp(`^(?:${deploymentPodRegex(['m.x', 'm-blue'])})$`);
    expect(re.test('m.x-5d8f7c9b4-abcde')).toBe(true);
    expect(re.test('mxx-5d8f7c9b4-abcde')).toBe(false);
    expect(re.test('m-blue-5d8f7c9b4-abcde')).toBe(true);
    const sel = { namespace: 'ns', modelName: 'm' };
    for (const expr of [
      modelPromql.quantile('timeToFirstToken', 0.95, sel, '5m'),
      modelPromql.rate('requestSuccess', sel, '5m', { finished_reason: 'abort' }),
      modelPromql.gauge('max', 'kvCacheUsage', sel),
      modelPromql.onModelPods(modelPromql.series(DCGM_METRICS.powerUsage, { namespace: 'ns' }), sel, '1h'),
    ]) {
      expect(promqlProblems(expr), expr).toEqual([]);
    }
    expect(() => modelPromql.quantile('requestsRunning', 0.5, sel, '5m')).toThrow(
      'modelPromql.quantile requestsRunning is a gauge, not a histogram',
    );
    expect(() => modelPromql.series(DCGM_METRICS.powerUsage, {}, '_bucket')).toThrow(
      'modelPromql.series DCGM_FI_DEV_POWER_USAGE is a gauge, not a histogram',
    );
  });
});

describe('PromQL checker', () => {
  it('accepts valid PromQL and lists the series it selects', () => {
    const r = checkPromql('sum by (namespace) (rate(a_total{namespace="x"}[5m])) / on () group_left b > 0 and absent(c{d=~"e|f"})');
    expect(r.errors).toEqual([]);
    expect(r.metrics).toEqual(['a_total', 'b', 'c']);
    expect(r.matchers).toEqual([
      { label: 'namespace', op: '=', value: 'x' },
      { label: 'd', op: '=~', value: 'e|f' },
    ]);
  });

  it('fails when the parse tree has an error node', () => {
    expect(checkPromql('sum(rate(x[5m])').errors).toEqual([expect.stringMatching(/^syntax error at \d+/)]);
    expect(checkPromql('x{a="b"').errors.length).toBeGreaterThan(0);
    expect(checkPromql('not_a_function(x)').errors.length).toBeGreaterThan(0);
  });

  it('fails when a range function gets an instant vector, a regex does not compile, or a selector has no metric name', () => {
    expect(checkPromql('rate(x)').errors).toEqual(['rate() needs a range vector, got x']);
    expect(checkPromql('x{a=~"(b"}').errors).toEqual([expect.stringMatching(/^regex "\(b" does not compile/)]);
    expect(checkPromql('{__name__="x"}').errors).toEqual([expect.stringMatching(/^selector without a metric name/)]);
  });

  it('reports a series no catalog lists', () => {
    expect(promqlProblems('vllm:gpu_cache_usage_perc{namespace="x"}')).toEqual([
      'selects vllm:gpu_cache_usage_perc, which no catalog lists',
    ]);
  });
});
