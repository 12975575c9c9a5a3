/**
 * `llm-bench load --server-metrics` against the simulator: the engine's percentiles from its
 * /metrics lie within a histogram bucket of the simulator's own per-request timings (GET
 * /sim/timings), read through the Service URL, a list of pod URLs, or the Kubernetes API proxy.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../../bench/cli/main';
import { renderMarkdown } from '../../../bench/report/markdown';
import { loadResultSchema } from '../../../bench/result';
import { type SimTiming, type Simulator, startSimulator } from '../../../bench/sim/simulator';
import { useVirtualTime, vt } from '../../support/virtual-time';
import { argv, closedPort, memoryIo } from '../helpers';
import { NS, seedRolling, startDouble, template } from '../kube/support/fixtures';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function sim(): Promise<Simulator> {
  // 8 users on 4 slots: requests queue, so queue, prefill and decode all have something to show.
  const s = await startSimulator({ port: 0, models: ['m'], ttftMs: 30, itlMs: 8, outputTokens: 16, maxRunning: 4, recordTimings: true });
  cleanup.push(() => s.close());
  return s;
}

const load = (url: string, ...extra: string[]) =>
  argv('load', '--base-url', url, '--model', 'm', '--concurrency', '8', '--requests', '40', '--server-metrics', '--json', '-', ...extra);

/** The exact q-quantile of the timings of the counted requests, as the rank histogram_quantile looks for. */
function exact(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

/** The run's timings: every request but the preflight's warm-up, which arrived first. */
function runTimings(s: Simulator): SimTiming[] {
  return [...s.timings().values()].sort((a, b) => a.arrivedAtMs - b.arrivedAtMs).slice(1);
}

describe('llm-bench load --server-metrics', () => {
  // The engine's and the simulator's timings are its schedule on a clock that moves only when no byte is in flight.
  useVirtualTime();

  it("reports the engine's percentiles within a bucket of the simulator's own, beside the client's", async () => {
    const s = await sim();
    const io = memoryIo();
    expect(await vt.run(main(load(s.url), io)), io.err()).toBe(0);
    const r = loadResultSchema.parse(JSON.parse(io.out()));
    const sm = r.serverMetrics!;
    expect(sm).toMatchObject({ source: 'service', targets: [`${s.url}/metrics`], model: 'm', requests: 40 });
    expect(sm.notes).toEqual([]);
    const timings = runTimings(s);
    expect(timings).toHaveLength(40);
    const own: Record<string, (t: SimTiming) => number | undefined> = {
      ttftMs: (t) => t.ttftMs,
      queueMs: (t) => t.queueMs,
      prefillMs: (t) => t.prefillMs,
      decodeMs: (t) => t.decodeMs,
      e2eMs: (t) => t.e2eMs,
    };
    for (const [metric, read] of Object.entries(own)) {
      const l = sm.latencies.find((x) => x.metric === metric)!;
      expect(l.count, metric).toBe(40);
      const values = timings.map((t) => read(t)!);
      for (const [k, q] of [
        ['p50', 0.5],
        ['p95', 0.95],
        ['p99', 0.99],
      ] as const) {
        const b = l.server[k]!;
        const v = exact(values, q);
        expect(v, `${metric} ${k}`).toBeGreaterThanOrEqual(b.lower);
        expect(v, `${metric} ${k}`).toBeLessThanOrEqual(b.upper ?? Infinity);
      }
    }
    // The client's percentiles and the gap sit beside the engine's.
    const ttft = sm.latencies.find((x) => x.metric === 'ttftMs')!;
    expect(ttft.client!.p50).toBe(r.summary.ttftMs.p50);
    expect(ttft.gapMs!.p50).toBeCloseTo(r.summary.ttftMs.p50! - ttft.server.p50!.value, 2);
    expect(sm.latencies.find((x) => x.metric === 'queueMs')!.client).toBeNull();
  });

  it('reads a list of pod URLs, and says when they are not every pod that served', async () => {
    const s = await sim();
    const io = memoryIo();
    expect(await vt.run(main(load(s.url, '--metrics-url', `${s.url}/metrics`, '--markdown', '/dev/null'), io)), io.err()).toBe(0);
    const sm = loadResultSchema.parse(JSON.parse(io.out())).serverMetrics!;
    expect(sm).toMatchObject({ source: 'urls', requests: 40 });
    expect(renderMarkdown(loadResultSchema.parse(JSON.parse(io.out())))).toContain('### Server side');
    // Through another server's /metrics: the engine there counted none of the run.
    const other = await sim();
    const io2 = memoryIo();
    expect(await vt.run(main(load(s.url, '--metrics-url', other.url), io2)), io2.err()).toBe(0);
    const sm2 = loadResultSchema.parse(JSON.parse(io2.out())).serverMetrics!;
    expect(sm2.requests).toBe(0);
    expect(sm2.notes.join(' ')).toContain('the engine counted 0 of the 40 requests the client saw succeed');
  });

  it("reads each ready pod through the API server's proxy, and prices the pods it counted", async () => {
    const s = await sim();
    const { double: dbl, kubeconfig } = await startDouble({ podProxy: () => s.url });
    cleanup.push(() => dbl.close());
    seedRolling(dbl, 'm', { replicas: 1, current: template('m', {}) });
    const io = memoryIo();
    expect(await vt.run(main(load(s.url, '--kubeconfig', kubeconfig, '--namespace', NS), io)), io.err()).toBe(0);
    const r = loadResultSchema.parse(JSON.parse(io.out()));
    expect(r.serverMetrics!.source).toBe('kube');
    expect(r.serverMetrics!.targets).toEqual([expect.stringMatching(new RegExp(`^${NS}/m-[a-z0-9]+-[a-z0-9]+:8000$`))]);
    expect(r.serverMetrics!.requests).toBe(40);
    expect(r.cost).toMatchObject({ replicas: 1, replicasFrom: 'cluster' });
    expect(dbl.requests.some((q) => q.method === 'GET' && q.path.includes('/proxy/metrics'))).toBe(true);
  });

  it('exits 1 before any request when the metrics cannot be read, and 2 for flags that contradict', async () => {
    const s = await sim();
    const port = await closedPort();
    const io = memoryIo();
    expect(await vt.run(main(load(s.url, '--metrics-url', `http://127.0.0.1:${port}/metrics`), io))).toBe(1);
    expect(io.err()).toContain(`server metrics http://127.0.0.1:${port}/metrics are unreachable`);
    expect(s.stats().requests).toBe(0);
    const io2 = memoryIo();
    expect(
      await vt.run(
        main(argv('load', '--base-url', s.url, '--model', 'm', '--concurrency', '1', '--metrics-url', s.url, '--service', 'x'), io2),
      ),
    ).toBe(2);
    expect(io2.err()).toContain('--metrics-url is read by --server-metrics, got it without; add --server-metrics');
    expect(io2.err()).toContain('--service x names the Service to read with --kubeconfig, got no --kubeconfig');
  });
});
