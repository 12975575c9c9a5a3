import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../bench/client/openai';
import { Collector } from '../../bench/load/collector';
import { type LoadOptions, runLoad, startLoad } from '../../bench/load/engine';
import { arrivalGaps } from '../../bench/load/schedule';
import { loadResultSchema, type TimelineBucket } from '../../bench/result';
import { type Simulator, startSimulator } from '../../bench/sim/simulator';
import { useVirtualTime } from '../support/virtual-time';
import { closedPort, rawServer } from './helpers';

// The simulator and the client share a virtual clock that moves only when no byte is in flight:
// every latency below is the simulator's schedule exactly, however busy the machine is.
const vt = useVirtualTime();
let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ port: 0, ttftMs: 80, itlMs: 10, apiKey: 'k' });
});
afterAll(() => sim.close());

function base(over: Partial<LoadOptions> = {}): LoadOptions {
  return { baseUrl: sim.url, apiKey: 'k', model: 'sim-model', profile: { kind: 'concurrency', concurrency: 4 }, requests: 20, ...over };
}

/** Runs with the simulator's settings changed for this run only. */
async function withSettings<T>(patch: Parameters<Simulator['update']>[0], body: () => Promise<T>): Promise<T> {
  const before = sim.settings();
  sim.update(patch);
  try {
    return await body();
  } finally {
    sim.update(before);
  }
}

describe('load against the simulator (TTFT 80 ms, ITL 10 ms)', () => {
  it('reports TTFT, TPOT, ITL and E2E that match the server within timer granularity', async () => {
    const records: RequestRecord[] = [];
    const r = await vt.run(runLoad(base({ requests: 40, outputTokens: 10 }), { onRequest: (x) => records.push(x) }));
    expect(loadResultSchema.parse(r)).toEqual(r);
    const s = r.summary;
    expect(s.requests).toEqual({ total: 40, succeeded: 40, failed: 0, cancelled: 0 });
    // The client can only be later than the server's schedule: lower bounds are exact.
    expect(s.ttftMs.min).toBeGreaterThanOrEqual(80);
    expect(s.e2eMs.min).toBeGreaterThanOrEqual(170);
    // Upper bounds: what the client adds to the server's schedule (nothing, on virtual time).
    expect(s.ttftMs.p50).toBeLessThanOrEqual(85);
    expect(s.e2eMs.p50).toBeLessThanOrEqual(178);
    expect(s.itlMs.p50).toBeGreaterThanOrEqual(9);
    expect(s.itlMs.p50).toBeLessThanOrEqual(11);
    // TPOT spans the whole absolute token schedule, so it is the tightest of all.
    expect(s.tpotMs.count).toBe(40);
    expect(s.tpotMs.mean).toBeGreaterThanOrEqual(9.8);
    expect(s.tpotMs.mean).toBeLessThanOrEqual(10.4);
    expect(s.itlMs.count).toBe(40 * 9);
    expect(s.outputTokens).toEqual({ total: 400, mean: 10 });
    expect(s.inputTokens.mean).toBe(128 + 4); // synthetic words + the simulator's chat template overhead
    expect(s.errorRate).toBe(0);
    expect(s.maxInFlight).toBe(4);
    // durationSec is rounded to ms in the summary; throughputs use the exact duration.
    expect(Math.abs(s.requestThroughput / (40 / s.durationSec) - 1)).toBeLessThan(0.001);
    expect(Math.abs(s.outputTokenThroughput / (400 / s.durationSec) - 1)).toBeLessThan(0.001);
  });

  it('reports the percentiles of the requests it measured, within the 0.1 % of its histograms', async () => {
    const records: RequestRecord[] = [];
    const r = await vt.run(
      runLoad(base({ requests: 60, outputTokens: 6, profile: { kind: 'concurrency', concurrency: 6 } }), {
        onRequest: (x) => records.push(x),
      }),
    );
    const nearestRank = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.max(Math.ceil((p / 100) * xs.length), 1) - 1]!;
    const samples = {
      ttftMs: records.map((x) => x.ttftMs!),
      e2eMs: records.map((x) => x.e2eMs),
      itlMs: records.flatMap((x) => [...x.itlMs]),
      tpotMs: records.map((x) => (x.lastTokenMs! - x.ttftMs!) / (x.outputTokens! - 1)),
    };
    for (const [key, xs] of Object.entries(samples) as [keyof typeof samples, number[]][]) {
      const stats = r.summary[key];
      expect(stats.count).toBe(xs.length);
      expect(stats.max).toBeCloseTo(Math.max(...xs), 3);
      expect(stats.min).toBeCloseTo(Math.min(...xs), 3);
      expect(stats.mean).toBeCloseTo(xs.reduce((a, b) => a + b, 0) / xs.length, 3);
      for (const p of [50, 90, 95, 99] as const) {
        const expected = nearestRank(xs, p);
        expect(Math.abs(stats[`p${p}`]! - expected)).toBeLessThanOrEqual(expected * 0.001 + 0.001);
      }
    }
  });

  it('serves completions and non-streaming requests, where only E2E exists', async () => {
    const r = await vt.run(runLoad(base({ endpoint: 'completions', stream: false, requests: 12, outputTokens: 5 })));
    const s = r.summary;
    expect(s.requests.succeeded).toBe(12);
    expect(s.ttftMs.count).toBe(0);
    expect(s.itlMs.count).toBe(0);
    expect(s.e2eMs.min).toBeGreaterThanOrEqual(120);
    expect(s.e2eMs.p50).toBeLessThanOrEqual(128);
    expect(s.outputTokens.total).toBe(60);
  });

  it('counts every injected streaming fault exactly, by reason, and keeps failures out of latency', async () => {
    const r = await withSettings({ ttftMs: 5, itlMs: 1, faults: { error: 0.1, malformed: 0.1, cut: 0.1, stall: 0.05 } }, async () => {
      const before = sim.stats().injected;
      // No preflight: its warm-up request would draw from the simulator's faults too.
      const result = await vt.run(
        runLoad(
          base({
            requests: 200,
            profile: { kind: 'concurrency', concurrency: 16 },
            outputTokens: 6,
            firstTokenTimeoutSec: 0.3,
            preflight: false,
          }),
        ),
      );
      const after = sim.stats().injected;
      return { result, injected: Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - before[k as keyof typeof before]])) };
    });
    const s = r.result.summary;
    const { error, malformed, cut, stall } = r.injected as Record<string, number>;
    expect(error! + malformed! + cut! + stall!).toBeGreaterThan(30); // the seed gives a real mix
    expect(s.errors).toEqual(
      Object.fromEntries(
        Object.entries({ http_500: error, malformed_sse: malformed, stream_cut: cut, first_token_timeout: stall }).filter(
          ([, n]) => n! > 0,
        ),
      ),
    );
    expect(s.requests.failed).toBe(error! + malformed! + cut! + stall!);
    expect(s.requests.succeeded + s.requests.failed).toBe(200);
    expect(s.ttftMs.count).toBe(s.requests.succeeded);
    expect(s.e2eMs.count).toBe(s.requests.succeeded);
    expect(s.errorRate).toBeCloseTo(s.requests.failed / 200, 10);
    expect(s.errorMessages.http_500).toBe('simulated engine failure');
    const timelineFailed = r.result.timeline.reduce((n: number, b: TimelineBucket) => n + b.failed, 0);
    expect(timelineFailed).toBe(s.requests.failed);
  });

  it('counts non-streaming faults by their non-streaming reasons', async () => {
    const r = await withSettings({ ttftMs: 5, itlMs: 1, faults: { error: 0.15, malformed: 0.15, cut: 0.15, stall: 0.1 } }, async () => {
      const before = sim.stats().injected;
      const result = await vt.run(
        runLoad(
          base({
            requests: 80,
            stream: false,
            outputTokens: 3,
            profile: { kind: 'concurrency', concurrency: 8 },
            timeoutSec: 0.4,
            preflight: false,
          }),
        ),
      );
      const after = sim.stats().injected;
      return { result, d: (k: keyof typeof after) => after[k] - before[k] };
    });
    expect(r.result.summary.errors).toEqual(
      Object.fromEntries(
        Object.entries({
          http_500: r.d('error'),
          bad_response: r.d('malformed'),
          connection_reset: r.d('cut'),
          total_timeout: r.d('stall'),
        }).filter(([, n]) => n > 0),
      ),
    );
  });

  it('times out slow responses as total_timeout', async () => {
    const r = await withSettings({ ttftMs: 0, itlMs: 100 }, () =>
      vt.run(runLoad(base({ requests: 4, outputTokens: 20, timeoutSec: 0.35 }))),
    );
    expect(r.summary.errors).toEqual({ total_timeout: 4 });
    expect(r.summary.e2eMs.count).toBe(0);
    expect(r.summary.durationSec).toBeLessThan(1);
  });

  it('offers open-loop load at the seeded arrival times', async () => {
    const durationSec = 1.5;
    const gap = arrivalGaps(40, 1, 9);
    let t = 0;
    let expected = 0;
    while (t < durationSec * 1000) {
      expected++;
      t += gap();
    }
    const r = await withSettings({ ttftMs: 5, itlMs: 1 }, () =>
      vt.run(
        runLoad(base({ profile: { kind: 'rate', rate: 40, burstiness: 1 }, requests: undefined, durationSec, seed: 9, outputTokens: 2 })),
      ),
    );
    expect(Math.abs(r.summary.requests.total - expected)).toBeLessThanOrEqual(1);
    expect(r.summary.requests.failed).toBe(0);
  });

  it('runs until stopped, records a per-second timeline, and drains requests in flight', async () => {
    const buckets: TimelineBucket[] = [];
    const abort = new AbortController();
    const run = startLoad(base({ requests: undefined, untilStopped: true, outputTokens: 5 }), {
      signal: abort.signal,
      onBucket: (b) => buckets.push(b),
    });
    await vt.sleep(2300);
    expect(run.progress().inFlight).toBe(4);
    abort.abort();
    const r = await vt.run(run.done);
    const s = r.summary;
    expect(s.requests.cancelled).toBe(0);
    expect(s.requests.failed).toBe(0);
    expect(s.requests.total).toBe(s.requests.succeeded);
    expect(buckets.map((b) => b.t)).toEqual(r.timeline.map((b) => b.t));
    expect(r.timeline.map((b) => b.t)).toEqual([0, 1, 2]);
    expect(r.timeline.reduce((n, b) => n + b.completed, 0)).toBe(s.requests.succeeded);
    expect(r.timeline.reduce((n, b) => n + b.started, 0)).toBe(s.requests.total);
    const full = r.timeline[1]!;
    expect(full.inFlight).toBe(4);
    // 4 users, ≥ 120 ms per request → at most 34 completions in a full second.
    expect(full.completed).toBeGreaterThanOrEqual(24);
    expect(full.completed).toBeLessThanOrEqual(34);
    expect(full.outputTokens).toBe(full.completed * 5);
    expect(full.ttftMs.p50).toBeGreaterThanOrEqual(80);
    expect(full.ttftMs.p50).toBeLessThanOrEqual(88);
    expect(full.ttftMs.p95).toBeGreaterThanOrEqual(full.ttftMs.p50!);
    expect(full.e2eMs.p50).toBeGreaterThanOrEqual(120);
  });

  it('cancels requests in flight on a hard stop, counting them apart', async () => {
    const run = startLoad(base({ requests: undefined, untilStopped: true, outputTokens: 50 }));
    await vt.sleep(300);
    const r = await vt.run(run.stop({ cancelInFlight: true }));
    expect(r.summary.requests).toMatchObject({ total: 4, succeeded: 0, failed: 0, cancelled: 4 });
    expect(r.summary.errorRate).toBeNull();
  });
});

describe('load fails fast', () => {
  it('aborts when the url is unreachable, naming it', async () => {
    const port = await closedPort();
    const t0 = Date.now();
    const r = await vt.run(runLoad({ ...base(), baseUrl: `http://127.0.0.1:${port}` }));
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(r.aborted?.reason).toMatch(
      new RegExp(`^http://127\\.0\\.0\\.1:${port} is unreachable \\(connect_refused: .*\\); check --base-url and that the server is up$`),
    );
    expect(r.summary.requests.total).toBe(0);
  });

  it('aborts when the key is rejected, naming the url', async () => {
    const r = await vt.run(runLoad(base({ apiKey: 'wrong' })));
    expect(r.aborted?.reason).toBe(
      `${sim.url}/v1/models rejected the request with 401 (Unauthorized); pass the right --api-key or set LLM_BENCH_API_KEY`,
    );
  });

  it('aborts on the first 401 during a run when preflight is off', async () => {
    const r = await vt.run(runLoad(base({ apiKey: 'wrong', preflight: false, requests: 50 })));
    expect(r.aborted?.reason).toBe(
      `${sim.url} rejected a request with 401 (Unauthorized); pass the right --api-key or set LLM_BENCH_API_KEY`,
    );
    expect(r.summary.requests.total).toBeLessThanOrEqual(4);
  });

  it('aborts when the model is not served, listing what is', async () => {
    const r = await vt.run(runLoad(base({ model: 'other' })));
    expect(r.aborted?.reason).toBe(`model other is not served at ${sim.url}, got sim-model; pass one of them with --model`);
  });

  it('aborts when the warm-up request is refused with a 4xx, with the server message', async () => {
    const server = await rawServer((req, res) => {
      if (req.url === '/v1/models') return void res.end(JSON.stringify({ data: [{ id: 'm' }] }));
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'min_tokens is not supported' } }));
    });
    try {
      const r = await vt.run(
        runLoad({ baseUrl: server.url, model: 'm', profile: { kind: 'concurrency', concurrency: 1 }, outputTokens: 8 }),
      );
      expect(r.aborted?.reason).toBe(
        `${server.url} rejected a chat request for m with 400 (min_tokens is not supported); check --model, --endpoint and --output-tokens`,
      );
      expect(r.summary.requests.total).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('fails when options are invalid, with every problem, before any request', () => {
    expect(() => startLoad(base({ profile: { kind: 'rate', rate: 0, burstiness: -1 }, requests: 1.5, thresholds: ['x<1'] }))).toThrow(
      [
        '4 problems:',
        '- --rate must be a positive number of requests per second, got 0; pass e.g. --rate 4',
        '- --burstiness must be a positive number, got -1; 1 is Poisson, lower is burstier',
        '- --requests must be a positive integer, got 1.5; pass e.g. --requests 200',
        '- threshold "x<1" has an unknown metric, got x; use ttftMs.<stat>, tpotMs.<stat>, itlMs.<stat>, e2eMs.<stat>, errorRate, requestThroughput, outputTokenThroughput',
      ].join('\n'),
    );
  });
});

describe('Collector', () => {
  const rec = (over: Partial<RequestRecord>): RequestRecord => ({
    id: 'r',
    outcome: 'success',
    startMs: 0,
    e2eMs: 100,
    itlMs: [],
    contentChunks: 0,
    ...over,
  });

  it('gives each record exactly one outcome and computes TPOT from usage', () => {
    const c = new Collector(0, 1000);
    c.onStart(0, 1);
    c.onStart(0, 2);
    c.onStart(0, 3);
    c.onEnd(rec({ ttftMs: 50, lastTokenMs: 95, itlMs: [20, 25], contentChunks: 3, outputTokens: 10 }));
    c.onEnd(rec({ outcome: 'failure', reason: 'http_503', message: 'busy', startMs: 1200, e2eMs: 5 }));
    c.onEnd(rec({ outcome: 'cancelled' }));
    const s = c.summary(2);
    expect(s.requests).toEqual({ total: 3, succeeded: 1, failed: 1, cancelled: 1 });
    expect(s.tpotMs.mean).toBe(5); // (95 − 50) / (10 − 1)
    expect(s.itlMs.count).toBe(2);
    expect(s.errors).toEqual({ http_503: 1 });
    expect(s.errorMessages).toEqual({ http_503: 'busy' });
    expect(s.errorRate).toBe(0.5);
    expect(s.maxInFlight).toBe(3);
    const timeline = c.closeAll(2500);
    expect(timeline.map((b) => [b.t, b.started, b.completed, b.failed])).toEqual([
      [0, 3, 1, 0],
      [1, 0, 0, 1],
      [2, 0, 0, 0],
    ]);
    expect(timeline[1]!.errors).toEqual({ http_503: 1 });
  });

  it('counts content chunks as output tokens when the server sent no usage, and says so', () => {
    const c = new Collector(0, 1000);
    c.onEnd(rec({ ttftMs: 10, lastTokenMs: 30, contentChunks: 3 }));
    expect(c.summary(1)).toMatchObject({ usageMissing: 1, outputTokens: { total: 3, mean: 3 } });
  });
});
