import { afterEach, describe, expect, it } from 'vitest';
import { runRollback } from '../../../bench/rollout/rollback';
import { type Simulator, startSimulator } from '../../../bench/sim/simulator';
import { NS, seedBlueGreen, seedRolling, startDouble, template } from '../kube/support/fixtures';
import type { KubeDouble } from '../kube/support/kube-double';
import { type ServiceProxy, startServiceProxy } from '../kube/support/service-proxy';

const MODEL = 'mistral-7b-awq';
const FAST = { beforeSec: 0.2, afterSec: 0.2, pollMs: 10, sampleMs: 50, timeoutSec: 5, limitSec: 2 } as const;
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function sim(): Promise<Simulator> {
  const s = await startSimulator({ port: 0, models: [MODEL], ttftMs: 5, itlMs: 2, outputTokens: 8 });
  cleanup.push(() => s.close());
  return s;
}

async function double(opts: Parameters<typeof startDouble>[0] = {}) {
  const d = await startDouble(opts);
  cleanup.push(() => d.double.close());
  return d;
}

async function proxy(dbl: KubeDouble, backendFor: (pod: { labels: Record<string, string> }) => string | null): Promise<ServiceProxy> {
  const p = await startServiceProxy({ double: dbl, namespace: NS, service: MODEL, backendFor });
  cleanup.push(() => p.close());
  return p;
}

describe('blue/green', () => {
  it('switches to the warm standby in well under a second with no failed request', async () => {
    const [blue, green] = [await sim(), await sim()];
    const { double: dbl, kube } = await double({ readyDelayMs: 100 });
    seedBlueGreen(dbl, MODEL, { active: 'blue', activeReplicas: 2, standbyReplicas: 1, templates: { blue: template(MODEL, { image: 'vllm:v2', track: 'blue' }), green: template(MODEL, { image: 'vllm:v1', track: 'green' }) } });
    const svc = await proxy(dbl, (p) => (p.labels['llm-platform.io/track'] === 'blue' ? blue.url : green.url));
    const r = await runRollback({ kube, namespace: NS, variant: MODEL, to: { kind: 'previous' }, load: { baseUrl: svc.url, model: MODEL, profile: { kind: 'concurrency', concurrency: 4 } }, ...FAST });
    console.log(JSON.stringify({ ...r, timeline: r.timeline.slice(0, 3), load: null }, null, 1));
    expect(r.strategy).toBe('blue-green');
    expect(r.completed).toBe(true);
    expect(r.requests.failed).toBe(0);
    expect(r.gates.every((g) => g.passed)).toBe(true);
  });
});

describe('rolling', () => {
  it('restores the previous template', async () => {
    const s = await sim();
    const { double: dbl, kube } = await double({ readyDelayMs: 100, terminateDelayMs: 30 });
    seedRolling(dbl, MODEL, { replicas: 2, history: [template(MODEL, { image: 'vllm:v1' })], current: template(MODEL, { image: 'vllm:v2' }) });
    const svc = await proxy(dbl, () => s.url);
    const r = await runRollback({ kube, namespace: NS, variant: MODEL, to: { kind: 'previous' }, load: { baseUrl: svc.url, model: MODEL, profile: { kind: 'concurrency', concurrency: 4 } }, ...FAST });
    expect(r.completed).toBe(true);
  });

  it('fails the zero-errors gate when the serving simulator dies for a moment', async () => {
    const s = await sim();
    const { double: dbl, kube } = await double({ readyDelayMs: 100, terminateDelayMs: 30 });
    seedRolling(dbl, MODEL, { replicas: 2, history: [template(MODEL, { image: 'vllm:v1' })], current: template(MODEL, { image: 'vllm:v2' }) });
    let killed = false;
    dbl.on('pod', (e: { type: string }) => {
      if (e.type === 'terminating' && !killed) {
        killed = true;
        void s.close().then(() => setTimeout(() => void s.start(), 100));
      }
    });
    const svc = await proxy(dbl, () => s.url);
    const r = await runRollback({ kube, namespace: NS, variant: MODEL, to: { kind: 'previous' }, load: { baseUrl: svc.url, model: MODEL, profile: { kind: 'concurrency', concurrency: 4 } }, ...FAST });
    console.log(JSON.stringify({ ...r, timeline: r.timeline.filter(x=>x.failed>0), load: null, events: r.events }, null, 1));
    expect(r.completed).toBe(true);
    expect(r.requests.failed).toBeGreaterThan(0);
  });
});
