/** runAutoscale against the Kubernetes API double's HPA loop (see support/variant.ts). */
import { afterEach, describe, expect, it } from 'vitest';
import { type AutoscaleOptions, runAutoscale } from '../../../bench/autoscale/autoscale';
import { sumGauge } from '../../../bench/autoscale/queue';
import { promql, VLLM_METRICS } from '../../../constructs/metrics';
import { rawServer } from '../helpers';
import { NS, seedRolling, startDouble, template } from '../kube/support/fixtures';
import { useVirtualTime } from '../../support/virtual-time';
import { autoscaledVariant as variant, MODEL } from './support/variant';

// The double's controller, the simulators, the load and the polls share one virtual clock that
// moves only when no byte is in flight: durations are what the double scheduled.
const vt = useVirtualTime();
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});
const autoscaledVariant = (opts: Parameters<typeof variant>[1] = {}) => variant(cleanup, opts);

function options(kube: AutoscaleOptions['kube'], url: string, extra: Partial<AutoscaleOptions> = {}): AutoscaleOptions {
  return {
    kube,
    namespace: NS,
    variant: MODEL,
    load: { baseUrl: url, model: MODEL },
    steps: [
      { kind: 'concurrency', concurrency: 2 },
      { kind: 'concurrency', concurrency: 10 },
    ],
    holdSec: 0.3,
    scaleUpLimitSec: 3,
    scaleDownLimitSec: 3,
    pollMs: 10,
    sampleMs: 50,
    ...extra,
  };
}

describe('autoscale', () => {
  it('sees the queue, the HPA decision, Pending pods, scale-up and scale-down', async () => {
    const { sim, kube, url } = await autoscaledVariant();
    const r = await vt.run(runAutoscale(options(kube, url, { queue: { kind: 'metrics', url: sim.url } })));
    expect(r).toMatchObject({
      deployment: MODEL,
      scaledObject: MODEL,
      hpa: `keda-hpa-${MODEL}`,
      minReplicas: 1,
      maxReplicas: 3,
      initialReplicas: 1,
      scaleUpTo: 2,
      scaleDownTo: 1,
    });
    expect(r.gates.map((g) => [g.expression, g.passed])).toEqual([
      ['scaleUpSec<=3', true],
      ['scaleDownSec<=3', true],
    ]);
    // The decision comes before the pods: 80 ms Pending + 60 ms loading in the double.
    expect(r.scaleUpSec! - r.scaleUpDecisionSec!).toBeGreaterThanOrEqual(0.12);
    expect(r.peak.pending).toBeGreaterThan(0);
    expect(r.peak.queueDepth).toBeGreaterThan(2);
    expect(r.steps.map((s) => s.profile)).toEqual([
      { kind: 'concurrency', concurrency: 2 },
      { kind: 'concurrency', concurrency: 10 },
    ]);
    expect(r.steps[1]!.summary?.requests.total).toBeGreaterThan(0);
    expect(r.requests.failed).toBe(0);
    // The timeline has the whole story: HPA status, the queue, Pending pods, the load stop.
    expect(r.timeline.some((s) => s.hpaDesired !== null && s.hpaDesired >= 2)).toBe(true);
    expect(r.timeline.some((s) => s.scalerActive === true)).toBe(true);
    expect(r.timeline.some((s) => s.pending > 0)).toBe(true);
    expect(r.timeline.at(-1)).toMatchObject({ step: null, desired: 1 });
    expect(r.notes.some((n) => n.startsWith('of the '))).toBe(true);
  });

  it('fails the scale-up gate when new pods wait for a node past the limit, holding the last step meanwhile', async () => {
    const { kube, url } = await autoscaledVariant({ pendingMs: 5000 });
    const r = await vt.run(runAutoscale(options(kube, url, { scaleUpLimitSec: 0.8, holdSec: 0.2 })));
    expect(r.scaleUpSec).toBeNull();
    expect(r.scaleUpDecisionSec).not.toBeNull();
    expect(r.gates[0]).toMatchObject({ expression: 'scaleUpSec<=0.8', value: null, passed: false });
    // Steps took 0.4 s; the last one held until the 0.8 s limit.
    expect(r.loadStoppedAtSec).toBeGreaterThanOrEqual(0.8);
    expect(r.events.map((e) => e.message)).toContain('holding the last step until 2 replicas are ready or 0.8 s have passed');
    // The Pending pods go away when the HPA scales back in: scale-down still passes.
    expect(r.gates[1]!.passed).toBe(true);
  });

  it('reads the queue from Prometheus with the catalog query KEDA runs', async () => {
    const { sim, kube, url } = await autoscaledVariant();
    const queries: string[] = [];
    const prom = await rawServer((req, res) => {
      const q = new URL(req.url ?? '/', 'http://p').searchParams.get('query') ?? '';
      queries.push(q);
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          status: 'success',
          data: { resultType: 'vector', result: [{ metric: {}, value: [Date.now() / 1000, String(sim.stats().waiting)] }] },
        }),
      );
    });
    cleanup.push(() => prom.close());
    const r = await vt.run(runAutoscale(options(kube, url, { queue: { kind: 'prometheus', url: prom.url } })));
    expect(new Set(queries)).toEqual(new Set([promql.sum('requestsWaiting', { namespace: NS, modelName: MODEL })]));
    expect(r.queueSource).toBe(`prometheus ${prom.url}`);
    expect(r.peak.queueDepth).toBeGreaterThan(0);
    expect(r.notes.some((n) => n.startsWith('queue depth comes from /metrics'))).toBe(false);
  });

  it('fails for a variant without a ScaledObject', async () => {
    const { double: dbl, kube } = await startDouble();
    cleanup.push(() => dbl.close());
    seedRolling(dbl, MODEL, { replicas: 1, current: template(MODEL, {}) });
    await expect(vt.run(runAutoscale(options(kube, 'http://127.0.0.1:1')))).rejects.toThrow(
      `scaledobject ${NS}/${MODEL} not found, so the variant does not autoscale; set models.<id>.maxReplicas above minReplicas, or check --namespace and --variant`,
    );
  });

  it('refuses a scale-up target above maxReplicaCount', async () => {
    const { kube, url } = await autoscaledVariant();
    await expect(vt.run(runAutoscale(options(kube, url, { scaleUpTo: 5 })))).rejects.toThrow(
      "--scale-up-to 5 is above the ScaledObject's maxReplicaCount 3, so it can never pass; pass at most 3",
    );
  });
});

describe('sumGauge', () => {
  const name = VLLM_METRICS.requestsWaiting.name;
  it('sums the samples of one model and ignores the others', () => {
    const text = [
      `# TYPE ${name} gauge`,
      `${name}{engine="0",model_name="a"} 3`,
      `${name}{engine="1",model_name="a"} 2`,
      `${name}{engine="0",model_name="b"} 7`,
      `${name}_other{model_name="a"} 100`,
    ].join('\n');
    expect(sumGauge(text, name, 'a')).toBe(5);
    expect(sumGauge(text, name, 'c')).toBeNull();
  });
});
