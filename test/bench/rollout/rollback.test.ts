/**
 * runRollback against the Kubernetes API double and vLLM simulators on 127.0.0.1. The double's
 * pods "are" simulators through a Service proxy that routes each request to a ready endpoint,
 * so what the double does to pods is what the load sees. Timings are milliseconds.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type RollbackOptions, runRollback } from '../../../bench/rollout/rollback';
import { type Simulator, startSimulator } from '../../../bench/sim/simulator';
import { NS, seedBlueGreen, seedRolling, startDouble, template, uriOf } from '../kube/support/fixtures';
import type { DoubleOptions, KubeDouble } from '../kube/support/kube-double';
import { startServiceProxy } from '../kube/support/service-proxy';
import { useVirtualTime } from '../../support/virtual-time';

const MODEL = 'mistral-7b-awq';
const TRACK = 'llm-platform.io/track';
/** Fast settings: 0.2 s of load before and after, 10 ms polls, 50 ms samples. */
const FAST = { beforeSec: 0.2, afterSec: 0.2, pollMs: 10, sampleMs: 50, timeoutSec: 5, limitSec: 2 } as const;

// The double's controller, the simulators, the load and the rollback's polls share one virtual
// clock that moves only when no byte is in flight: durations are what the double scheduled.
const vt = useVirtualTime();
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function sim(): Promise<Simulator> {
  const s = await startSimulator({ port: 0, models: [MODEL], ttftMs: 5, itlMs: 2, outputTokens: 8 });
  cleanup.push(() => s.close());
  return s;
}

async function cluster(opts: DoubleOptions = {}) {
  const d = await startDouble({ readyDelayMs: 100, terminateDelayMs: 30, ...opts });
  cleanup.push(() => d.double.close());
  return d;
}

async function service(dbl: KubeDouble, backendFor: (pod: { labels: Record<string, string> }) => string | null): Promise<string> {
  const p = await startServiceProxy({ double: dbl, namespace: NS, service: MODEL, backendFor });
  cleanup.push(() => p.close());
  return p.url;
}

function options(kube: RollbackOptions['kube'], baseUrl: string, extra: Partial<RollbackOptions> = {}): RollbackOptions {
  return {
    kube,
    namespace: NS,
    variant: MODEL,
    to: { kind: 'previous' },
    load: { baseUrl, model: MODEL, profile: { kind: 'concurrency', concurrency: 4 } },
    ...FAST,
    ...extra,
  };
}

/** Blue serving v2 on two pods, green the warm v1 standby on one; each track is its own simulator. */
async function blueGreen(standbyReplicas = 1, opts: DoubleOptions = {}) {
  const [blue, green] = [await sim(), await sim()];
  const { double: dbl, kube } = await cluster(opts);
  seedBlueGreen(dbl, MODEL, {
    active: 'blue',
    activeReplicas: 2,
    standbyReplicas,
    templates: { blue: template(MODEL, { image: 'vllm:v2', track: 'blue' }), green: template(MODEL, { image: 'vllm:v1', track: 'green' }) },
  });
  const url = await service(dbl, (p) => (p.labels[TRACK] === 'blue' ? blue.url : green.url));
  return { blue, green, dbl, kube, url };
}

/** A rolling variant at revision 2 (v2) with revision 1 (v1) kept; one simulator serves every pod. */
async function rolling(opts: DoubleOptions = {}, strategy: 'RollingUpdate' | 'Recreate' = 'RollingUpdate') {
  const s = await sim();
  const { double: dbl, kube } = await cluster(opts);
  seedRolling(dbl, MODEL, {
    replicas: 2,
    strategy,
    history: [template(MODEL, { image: 'vllm:v1' })],
    current: template(MODEL, { image: 'vllm:v2' }),
  });
  const url = await service(dbl, () => s.url);
  return { s, dbl, kube, url };
}

describe('blue/green', () => {
  it('switches to the warm standby in well under a second with zero failed requests', async () => {
    const { blue, green, dbl, kube, url } = await blueGreen();
    const greenBefore = green.stats().requests;
    const r = await vt.run(runRollback(options(kube, url)));
    expect(r).toMatchObject({ strategy: 'blue-green', completed: true, coldStart: false, detail: 'complete' });
    expect(r.from).toBe('track blue (vllm:v2, TheBloke/Mistral-7B-Instruct-v0.2-AWQ)');
    expect(r.to).toBe('track green (vllm:v1, TheBloke/Mistral-7B-Instruct-v0.2-AWQ)');
    expect(r.durationSec).toBeLessThan(1);
    expect(r.requests.failed).toBe(0);
    expect(r.gates.map((g) => [g.expression, g.passed])).toEqual([
      ['durationSec<=2', true],
      ['failedRequests<=0', true],
    ]);
    expect(dbl.service(NS, MODEL).spec.selector[TRACK]).toBe('green');
    // Traffic moved: the standby served requests after the switch, and blue served before it.
    expect(green.stats().requests).toBeGreaterThan(greenBefore);
    expect(blue.stats().requests).toBeGreaterThan(0);
    const after = r.timeline.filter((x) => x.phase === 'after');
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((x) => x.serving === 'green' && x.endpoints?.old === 0 && x.endpoints.new === 1)).toBe(true);
    expect(r.events.map((e) => e.message)).toContain(`switched service ${NS}/${MODEL} from track blue to green`);
    expect(r.notes).toContain('track blue keeps its pods warm as the new standby; pass --keep-warm-sec N to scale it to 0 after N seconds');
    expect(r.notes).toContain(
      'track green takes the traffic of 2 pods with 1: capacity drops until the autoscaler adds replicas to it; raise standbyReplicas to keep it',
    );
  });

  it('scales a parked standby up first and says the duration includes a cold start', async () => {
    const { dbl, kube, url } = await blueGreen(0, { readyDelayMs: 300 });
    const r = await vt.run(runRollback(options(kube, url)));
    expect(r).toMatchObject({ completed: true, coldStart: true });
    expect(r.durationSec).toBeGreaterThanOrEqual(0.3);
    expect(r.requests.failed).toBe(0);
    expect(dbl.deployment(NS, `${MODEL}-green`).spec.replicas).toBe(2);
    expect(r.notes).toContain(
      'track green was parked (standbyReplicas 0): the duration includes a cold start of 2 pods; keep standbyReplicas ≥ 1 for a rollback in seconds',
    );
    // The Service switched only once green was ready: no request ever found the Service empty.
    const switched = r.events.find((e) => e.message.startsWith('switched service'))!;
    const ready = r.events.find((e) => e.message.startsWith('track green ready'))!;
    expect(ready.t).toBeLessThanOrEqual(switched.t);
  });

  it('parks the old track after --keep-warm-sec and points the ScaledObject at the new one', async () => {
    const { dbl, kube, url } = await blueGreen();
    dbl.addScaledObject({ namespace: NS, name: MODEL, target: `${MODEL}-blue`, min: 2, max: 4, threshold: 4 });
    const r = await vt.run(runRollback(options(kube, url, { keepWarmSec: 0.1 })));
    expect(r.completed).toBe(true);
    expect(r.requests.failed).toBe(0);
    expect(dbl.deployment(NS, `${MODEL}-blue`).spec.replicas).toBe(0);
    expect((dbl.scaledObject(NS, MODEL).spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name).toBe(`${MODEL}-green`);
    expect((dbl.hpa(NS, `keda-hpa-${MODEL}`).spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name).toBe(`${MODEL}-green`);
    expect(r.events.map((e) => e.message)).toEqual(
      expect.arrayContaining([
        `pointed scaledobject ${NS}/${MODEL} at ${MODEL}-green (it scaled ${MODEL}-blue)`,
        'scaled old track blue to 0 after 0.1 s warm',
      ]),
    );
  });

  it('rolls the standby to a registry version, then switches', async () => {
    const [blue, green] = [await sim(), await sim()];
    const { double: dbl, kube } = await cluster();
    seedBlueGreen(dbl, MODEL, {
      active: 'blue',
      activeReplicas: 1,
      standbyReplicas: 1,
      templates: {
        blue: template(MODEL, { track: 'blue', source: { kind: 'sync', uri: uriOf(MODEL, '1.3.0') } }),
        green: template(MODEL, { track: 'green', source: { kind: 'sync', uri: uriOf(MODEL, '1.3.0') } }),
      },
    });
    const url = await service(dbl, (p) => (p.labels[TRACK] === 'blue' ? blue.url : green.url));
    const r = await vt.run(runRollback(options(kube, url, { to: { kind: 'registry', version: '1.2.0', uri: uriOf(MODEL, '1.2.0') } })));
    expect(r).toMatchObject({ completed: true, coldStart: true, registryVersion: '1.2.0' });
    expect(r.to).toBe(`track green (vllm/vllm-openai:v0.18.0, ${uriOf(MODEL, '1.2.0')})`);
    const green1 = dbl.deployment(NS, `${MODEL}-green`).spec.template.spec as {
      initContainers: { command: string[] }[];
      containers: { args: string[] }[];
    };
    expect(green1.initContainers[0]!.command).toContain(uriOf(MODEL, '1.2.0'));
    expect(green1.containers[0]!.args[0]).toBe(`/model-cache/registry/${MODEL}/v1.2.0`);
    expect(r.requests.failed).toBe(0);
    expect(dbl.service(NS, MODEL).spec.selector[TRACK]).toBe('green');
  });
});

describe('rolling update', () => {
  it('restores the previous ReplicaSet template and waits until no old pod is left', async () => {
    const { dbl, kube, url } = await rolling();
    const r = await vt.run(runRollback(options(kube, url)));
    expect(r).toMatchObject({
      strategy: 'rolling',
      completed: true,
      coldStart: true,
      from: 'revision 2 (vllm:v2, TheBloke/Mistral-7B-Instruct-v0.2-AWQ)',
      to: 'revision 1 (vllm:v1, TheBloke/Mistral-7B-Instruct-v0.2-AWQ)',
    });
    expect(r.requests.failed).toBe(0);
    // maxSurge 1 and two replicas: at least two pod starts of 100 ms each.
    expect(r.durationSec).toBeGreaterThanOrEqual(0.2);
    const d = dbl.deployment(NS, MODEL);
    expect((d.spec.template.spec as { containers: { image: string }[] }).containers[0]!.image).toBe('vllm:v1');
    expect(d.metadata.annotations['deployment.kubernetes.io/revision']).toBe('3');
    expect(dbl.podList(NS).map((p) => p.terminating)).toEqual([false, false]);
    const patch = dbl.requests.find((q) => q.method === 'PATCH')!;
    expect(patch.contentType).toBe('application/json-patch+json');
    expect(JSON.parse(patch.body)[0]).toMatchObject({ op: 'test', path: '/metadata/resourceVersion' });
    // The timeline saw the surge: a new pod ready while an old one still served.
    expect(r.timeline.some((x) => x.phase === 'rolling' && x.new.ready >= 1 && x.old.ready >= 1)).toBe(true);
  });

  it('fails the zero-errors gate when the serving simulator dies for a moment', async () => {
    const { s, dbl, kube, url } = await rolling();
    let restarted: Promise<void> | undefined;
    dbl.on('pod', (e: { type: string }) => {
      if (e.type === 'terminating' && restarted === undefined) {
        restarted = s.close().then(() => new Promise<void>((resolve) => setTimeout(() => void s.start().then(() => resolve()), 100)));
      }
    });
    const r = await vt.run(runRollback(options(kube, url)));
    await vt.run(restarted!);
    expect(r.completed).toBe(true);
    expect(r.requests.failed).toBeGreaterThan(0);
    expect(r.gates.find((g) => g.metric === 'failedRequests')).toMatchObject({ passed: false, value: r.requests.failed });
    expect(r.timeline.filter((x) => x.failed > 0).every((x) => x.phase !== 'before')).toBe(true);
  });

  it('counts the outage of a Recreate rollout as failed requests', async () => {
    const { kube, url } = await rolling({}, 'Recreate');
    const r = await vt.run(runRollback(options(kube, url)));
    expect(r.completed).toBe(true);
    expect(r.requests.errors.http_503).toBeGreaterThan(0);
    expect(r.requests.errorMessages.http_503).toBe(`service ${MODEL} has no ready endpoints`);
  });

  it('sets a registry version in the template', async () => {
    const s = await sim();
    const { double: dbl, kube } = await cluster();
    seedRolling(dbl, MODEL, { replicas: 1, current: template(MODEL, { source: { kind: 'stream', uri: uriOf(MODEL, '2.0.0') } }) });
    const url = await service(dbl, () => s.url);
    const r = await vt.run(runRollback(options(kube, url, { to: { kind: 'registry', version: '1.9.0', uri: uriOf(MODEL, '1.9.0') } })));
    expect(r).toMatchObject({
      completed: true,
      from: `revision 1 (vllm/vllm-openai:v0.18.0, ${uriOf(MODEL, '2.0.0')})`,
      to: `registry version 1.9.0 (vllm/vllm-openai:v0.18.0, ${uriOf(MODEL, '1.9.0')})`,
    });
    expect((dbl.deployment(NS, MODEL).spec.template.spec as { containers: { args: string[] }[] }).containers[0]!.args[0]).toBe(
      uriOf(MODEL, '1.9.0'),
    );
  });

  it('gives up at the timeout when the new pods never get ready, and fails the duration gate', async () => {
    const { kube, url } = await rolling({ neverReady: (t) => JSON.stringify(t).includes('vllm:v1') });
    const r = await vt.run(runRollback(options(kube, url, { timeoutSec: 0.5, limitSec: 0.5 })));
    expect(r).toMatchObject({
      completed: false,
      durationSec: null,
      detail: 'not complete after 0.5 s: 1 of 2 new replicas have been updated',
    });
    expect(r.gates[0]).toMatchObject({ expression: 'durationSec<=0.5', value: null, passed: false });
    // maxUnavailable 0: the old pods kept serving.
    expect(r.requests.failed).toBe(0);
  });
});

describe('while it waits', () => {
  it('rides out a few failed API calls', async () => {
    const { dbl, kube, url } = await rolling();
    dbl.on('pod', (e: { type: string }) => {
      if (e.type === 'created') dbl.failNext(3);
    });
    const r = await vt.run(runRollback(options(kube, url)));
    expect(r.completed).toBe(true);
  });

  it('stops on the signal with a partial result that says so', async () => {
    const { kube, url } = await rolling({ neverReady: (t) => JSON.stringify(t).includes('vllm:v1') });
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 400);
    const r = await vt.run(runRollback(options(kube, url, { signal: stop.signal })));
    expect(r).toMatchObject({
      completed: false,
      detail: 'interrupted',
      aborted: { reason: 'the rollback was interrupted; whatever it changed in the cluster stays as it is' },
    });
    expect(r.events.map((e) => e.message)).toContain(
      `patched deployment ${NS}/${MODEL} pod template: revision 2 (vllm:v2, TheBloke/Mistral-7B-Instruct-v0.2-AWQ) → revision 1 (vllm:v1, TheBloke/Mistral-7B-Instruct-v0.2-AWQ)`,
    );
  });
});

describe('refusals before anything changes', () => {
  it('fails when there is no revision to go back to', async () => {
    const { double: dbl, kube } = await cluster();
    seedRolling(dbl, MODEL, { replicas: 1, current: template(MODEL, {}) });
    await expect(vt.run(runRollback(options(kube, 'http://127.0.0.1:1')))).rejects.toThrow(
      `deployment ${NS}/${MODEL} has no revision before 1, got ReplicaSet revisions 1; roll out a second version first, or keep more with revisionHistoryLimit`,
    );
    expect(dbl.requests.filter((q) => q.method === 'PATCH')).toEqual([]);
  });

  it('fails when the variant does not exist', async () => {
    const { kube } = await cluster();
    await expect(vt.run(runRollback(options(kube, 'http://127.0.0.1:1', { variant: 'nope' })))).rejects.toThrow(
      `variant nope has no deployment ${NS}/nope and no blue/green pair nope-blue and nope-green, got neither; check --namespace and --variant`,
    );
  });

  it('fails when the load cannot start, and leaves the cluster alone', async () => {
    const { dbl, kube } = await rolling();
    await expect(vt.run(runRollback(options(kube, 'http://127.0.0.1:1')))).rejects.toThrow(/^http:\/\/127\.0\.0\.1:1 is unreachable/);
    expect(dbl.requests.filter((q) => q.method === 'PATCH')).toEqual([]);
  });

  it('reports every bad option at once', async () => {
    const { kube } = await cluster();
    await expect(
      vt.run(
        runRollback(options(kube, 'http://x', { limitSec: 0, pollMs: -1, maxFailedRequests: 1.5, keepWarmSec: -2, namespace: 'Bad_NS' })),
      ),
    ).rejects.toThrow(
      [
        '5 problems:',
        '- --limit-sec must be a positive number, got 0; pass e.g. --limit-sec 60',
        '- --poll-ms must be a positive number, got -1; pass e.g. --poll-ms 1000',
        '- --max-failed-requests must be a whole number ≥ 0, got 1.5; pass e.g. --max-failed-requests 0',
        '- --keep-warm-sec must be a number ≥ 0, got -2; pass e.g. --keep-warm-sec 300',
        '- --namespace must be a Kubernetes name, got "Bad_NS"; pass e.g. --namespace llm-baseline',
      ].join('\n'),
    );
  });
});
