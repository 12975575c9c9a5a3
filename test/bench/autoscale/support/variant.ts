/**
 * An autoscaled variant on the Kubernetes API double, whose HPA loop plays KEDA + HPA: every
 * 20 ms it reads the simulator's queue and sets the Deployment's replicas to
 * ceil(queue / threshold). New pods stay Pending (a GPU node coming up), then get ready; the
 * simulator's batch grows with the ready pods, so more replicas drain the queue.
 */
import { type Simulator, startSimulator } from '../../../../bench/sim/simulator';
import { NS, seedRolling, startDouble, template } from '../../kube/support/fixtures';
import type { DoubleOptions } from '../../kube/support/kube-double';
import { startServiceProxy } from '../../kube/support/service-proxy';

export const MODEL = 'mistral-7b-awq';
/** Requests each ready pod generates at once. */
export const PER_POD = 2;

/** A variant at 1 replica with a ScaledObject (1–3 replicas, 2 queued requests per replica). */
export async function autoscaledVariant(cleanup: (() => Promise<void>)[], opts: DoubleOptions = {}) {
  const sim: Simulator = await startSimulator({ port: 0, models: [MODEL], ttftMs: 20, itlMs: 5, outputTokens: 6, maxRunning: PER_POD });
  cleanup.push(() => sim.close());
  const {
    double: dbl,
    kube,
    kubeconfig,
  } = await startDouble({
    pendingMs: 80,
    readyDelayMs: 60,
    terminateDelayMs: 20,
    hpa: { syncMs: 20, metric: () => sim.stats().waiting, scaleDownStabilizationMs: 150 },
    ...opts,
  });
  cleanup.push(() => dbl.close());
  seedRolling(dbl, MODEL, { replicas: 1, current: template(MODEL, {}) });
  dbl.addScaledObject({ namespace: NS, name: MODEL, target: MODEL, min: 1, max: 3, threshold: 2 });
  dbl.on('pod', () => sim.update({ maxRunning: PER_POD * Math.max(1, dbl.readyEndpoints(NS, MODEL).length) }));
  const svc = await startServiceProxy({ double: dbl, namespace: NS, service: MODEL, backendFor: () => sim.url });
  cleanup.push(() => svc.close());
  return { sim, dbl, kube, kubeconfig, url: svc.url };
}
