import { afterEach, describe, expect, it } from 'vitest';
import { runAutoscale } from '../../../bench/autoscale/autoscale';
import { type Simulator, startSimulator } from '../../../bench/sim/simulator';
import { NS, seedRolling, startDouble, template } from '../kube/support/fixtures';
import { startServiceProxy } from '../kube/support/service-proxy';

const MODEL = 'mistral-7b-awq';
const PER_POD = 2;
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

describe('autoscale', () => {
  it('scales up under a queue and back down after the load', async () => {
    const sim: Simulator = await startSimulator({ port: 0, models: [MODEL], ttftMs: 20, itlMs: 5, outputTokens: 6, maxRunning: PER_POD });
    cleanup.push(() => sim.close());
    const { double: dbl, kube } = await startDouble({
      pendingMs: 80,
      readyDelayMs: 60,
      terminateDelayMs: 20,
      hpa: { syncMs: 20, metric: () => sim.stats().waiting, scaleDownStabilizationMs: 150 },
    });
    cleanup.push(() => dbl.close());
    seedRolling(dbl, MODEL, { replicas: 1, current: template(MODEL, {}) });
    dbl.addScaledObject({ namespace: NS, name: MODEL, target: MODEL, min: 1, max: 3, threshold: 2 });
    // The simulator is the whole variant: its batch grows with the ready pods.
    dbl.on('pod', () => sim.update({ maxRunning: PER_POD * Math.max(1, dbl.readyEndpoints(NS, MODEL).length) }));
    const svc = await startServiceProxy({ double: dbl, namespace: NS, service: MODEL, backendFor: () => sim.url });
    cleanup.push(() => svc.close());
    const r = await runAutoscale({
      kube,
      namespace: NS,
      variant: MODEL,
      load: { baseUrl: svc.url, model: MODEL },
      steps: [{ kind: 'concurrency', concurrency: 2 }, { kind: 'concurrency', concurrency: 10 }],
      holdSec: 0.3,
      scaleUpLimitSec: 3,
      scaleDownLimitSec: 3,
      queue: { kind: 'metrics', url: sim.url },
      pollMs: 10,
      sampleMs: 50,
    });
    console.log(JSON.stringify({ ...r, timeline: r.timeline.filter((_, i) => i % 4 === 0) }, null, 1));
    expect(r.scaleUpSec).not.toBeNull();
    expect(r.scaleDownSec).not.toBeNull();
  });
});
