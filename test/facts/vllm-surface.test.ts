/**
 * The project against the recorded vLLM surface (facts/vllm), not against the catalog it was
 * built from: the construct's command line, the metrics catalog, and every series the alerts,
 * recording rules, dashboards and KEDA triggers select. The `fails when` cases mutate one thing
 * and show the message a disagreement gets.
 */
import { describe, expect, it } from 'vitest';
import {
  ABORTED_REASON,
  FINISHED_REASONS,
  MODEL_LABEL,
  SERVER_ERROR_STATUS,
  SUCCESS_STATUS,
  VLLM_HTTP_METRICS,
  VLLM_METRICS,
  histogramBounds,
  type MetricSpec,
  type VllmMetricId,
} from '../../constructs/metrics';
import { VLLM_PORT, vllmArgs } from '../../constructs/vllm-model';
import { CURRENT_VLLM as VLLM } from '../../facts/vllm';
import { parsePlatformConfig } from '../../config/platform';
import { renderManifests } from '../../stacks/manifests';
import { modelProps } from '../../stacks/platform-chart';
import { dashboardsOf, rulesOf } from '../observability/support';
import { ofKind, realEnvironments } from '../support/manifests';
import { argsProblems, catalogProblems, selectorProblems } from '../support/vllm-surface';

const envs = realEnvironments();
const bounds = (id: string, len: number) => histogramBounds(id as VllmMetricId, len);

describe.each(envs)('%s against vLLM %s', (_env, c) => {
  const objs = renderManifests(c);

  it('runs every vLLM container with a command line vLLM parses: model first, known flags, valid values', () => {
    // The model Deployments (the front door's rate-limit store is not vLLM).
    const deployments = (ofKind(objs, 'Deployment') as any[]).filter(
      (d) => d.metadata.labels?.['app.kubernetes.io/component'] !== 'gateway',
    );
    expect(deployments.length).toBeGreaterThan(0);
    for (const d of deployments) {
      const vllm = d.spec.template.spec.containers.find((x: { name: string }) => x.name === 'vllm');
      expect(vllm.command, d.metadata.name).toBeUndefined(); // the image's ENTRYPOINT: vllm serve
      expect(argsProblems(vllm.args, VLLM), d.metadata.name).toEqual([]);
      expect(vllm.ports[0].containerPort).toBe(VLLM.server.port);
    }
  });

  it('selects only series, labels and label values vLLM exports, in rules, dashboards and KEDA triggers', () => {
    const exprs: [string, string][] = [];
    for (const rule of ofKind(objs, 'PrometheusRule'))
      for (const r of rulesOf(rule)) exprs.push([`${rule.metadata.name} ${r.alert ?? r.record}`, r.expr]);
    for (const d of dashboardsOf(objs)) {
      for (const p of d.dashboard.panels) for (const t of p.targets ?? []) exprs.push([`${d.name} ${p.title}`, t.expr]);
      for (const a of d.dashboard.annotations.list) if (a.expr) exprs.push([`${d.name} annotation`, a.expr]);
    }
    for (const so of ofKind(objs, 'ScaledObject') as any[])
      for (const t of so.spec.triggers) exprs.push([`${so.metadata.name} ${t.name}`, t.metadata.query]);
    expect(exprs.some(([, e]) => e.includes('vllm:'))).toBe(true);
    for (const [where, expr] of exprs) expect(selectorProblems(expr, VLLM), where).toEqual([]);
  });
});

describe('code paths the environments do not use', () => {
  const c = parsePlatformConfig(
    {
      registry: { bucketName: 'acme-models' },
      models: {
        awq: { source: { kind: 'registry', version: '1.2.0', loader: 'sync' } },
        fp16: { revision: 'abc123', enablePrefixCaching: false },
        judge: { source: { kind: 'registry', version: '1.0.0', loader: 'stream' } },
        lora: {
          adapters: [
            { name: 'tone', source: { kind: 'huggingface', repo: 'org/tone-lora' } },
            { name: 'sql', source: { kind: 'cache', path: '/model-cache/adapters/sql' } },
          ],
          maxLoraRank: 64,
        },
      },
    },
    'test',
    'Pulumi.test.yaml',
  );
  it.each(c.enabledModels.map((m) => [m.id, m] as const))('emits a command line vLLM parses for %s', (_id, m) => {
    expect(argsProblems(vllmArgs(modelProps(c, m)), VLLM)).toEqual([]);
  });
});

describe('fails when a command line disagrees with vLLM', () => {
  const ok = ['org/model', '--served-model-name', 'm', '--port', String(VLLM_PORT)];
  it('names a deprecated --model instead of the positional model', () => {
    expect(argsProblems(['--model', 'org/model', '--port', '8000'], VLLM)).toEqual([
      'the model must be the first (positional) argument of vllm serve, got "--model"',
      '--model is deprecated: under `vllm serve` the model is the first positional argument; --model logs "will be removed"',
    ]);
  });
  it('names unknown flags, wrong types, choices and ranges', () => {
    expect(
      argsProblems(
        [
          ...ok,
          '--max-lora-rank',
          '24',
          '--dtype',
          'bf16',
          '--max-num-seqs',
          'many',
          '--gpu-memory-utilization',
          '1.2',
          '--no-such-flag',
          '1',
        ],
        VLLM,
      ),
    ).toEqual([
      '--max-lora-rank must be one of 1, 8, 16, 32, 64, 128, 256, 320, 512, got "24"',
      '--dtype must be one of auto, bfloat16, float, float16, float32, half, got "bf16"',
      '--max-num-seqs takes an int, got "many"',
      '--gpu-memory-utilization 1.2 is out of vLLM\'s range {"gt":0,"le":1}',
      '--no-such-flag is not a flag of vLLM 0.18.0',
      '"1" is a second positional argument; vllm serve takes one (the model)',
    ]);
  });
  it('names a flag the image version does not have', () => {
    expect(argsProblems([...ok, '--shutdown-timeout', '45'], VLLM, '0.17.1')).toEqual([
      '--shutdown-timeout needs vLLM 0.18.0, the image is 0.17.1',
    ]);
  });
  it("accepts vLLM's other spellings: underscores, aliases, --flag=value, --no-", () => {
    expect(argsProblems([...ok, '--max_model_len', '4k', '-q', 'awq', '--max-num-seqs=8', '--no-enable-prefix-caching'], VLLM)).toEqual([]);
  });
});

describe('metrics catalog against vLLM', () => {
  it("has every family with vLLM's name, type, labels and buckets", () => {
    expect(catalogProblems(VLLM_METRICS, VLLM, bounds)).toEqual([]);
  });

  it('fails when a name, type, label or bucket disagrees', () => {
    const mutated: Record<string, MetricSpec> = {
      ...VLLM_METRICS,
      kvCacheUsage: { ...VLLM_METRICS.kvCacheUsage, name: 'vllm:gpu_cache_usage_perc' },
      preemptions: { ...VLLM_METRICS.preemptions, type: 'gauge' },
      requestSuccess: { ...VLLM_METRICS.requestSuccess, labels: ['reason'] },
    };
    const shiftedItl = (id: string, len: number) => (id === 'interTokenLatency' ? [0.001, ...bounds(id, len).slice(1)] : bounds(id, len));
    expect(catalogProblems(mutated, VLLM, shiftedItl)).toEqual([
      'kvCacheUsage: vllm:gpu_cache_usage_perc is not a vLLM 0.18.0 family',
      'preemptions: vllm:num_preemptions_total is a counter in vLLM, the catalog says gauge',
      'requestSuccess: vllm:request_success_total has labels engine, finished_reason, model_name in vLLM, the catalog says engine, model_name, reason',
      'interTokenLatency: vllm:inter_token_latency_seconds buckets at max_model_len 128 are 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80 in vLLM, the catalog gives 0.001, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80',
    ]);
  });

  it("uses vLLM's model label, finished reasons and the HTTP counter of its instrumentator", () => {
    expect(VLLM.metrics.engineLabels).toContain(MODEL_LABEL);
    const success = VLLM.metrics.families.find((f) => f.name === VLLM_METRICS.requestSuccess.name)!;
    expect([...FINISHED_REASONS]).toEqual(success.labelValues!.finished_reason);
    expect(success.labelValues!.finished_reason).toContain(ABORTED_REASON);
    const http = VLLM_HTTP_METRICS.httpRequests;
    expect([http.name, http.type, [...http.labels].sort()]).toEqual([
      VLLM.metrics.http.name,
      VLLM.metrics.http.type,
      [...VLLM.metrics.http.labels].sort(),
    ]);
    expect(VLLM.metrics.http.statusValues).toEqual(expect.arrayContaining([SERVER_ERROR_STATUS, SUCCESS_STATUS]));
  });

  it('fails when an expression selects a series, label or value vLLM does not export', () => {
    expect(
      selectorProblems(
        'sum(rate(vllm:request_success_total{namespace="n",finished_reason="cancelled"}[5m])) + vllm:gpu_cache_usage_perc + sum(vllm:num_requests_waiting{reason="x"}) + http_requests_total{status="499"}',
        VLLM,
      ),
    ).toEqual([
      'vllm:request_success_total{finished_reason="cancelled"} never exists: vLLM exports stop, length, abort, error, repetition',
      'vllm:gpu_cache_usage_perc is not a series of vLLM 0.18.0',
      'vllm:num_requests_waiting has no label reason in vLLM 0.18.0',
      'http_requests_total{status="499"} never exists: vLLM exports 1xx, 2xx, 3xx, 4xx, 5xx',
    ]);
  });
});
