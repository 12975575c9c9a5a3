/**
 * The front-door checks against vLLM simulators behind the local stand-in for the gateway
 * (support/gateway-stand-in.ts, a test stand-in for Envoy Gateway + AI Gateway) over HTTPS with
 * the test certificate: a working door passes; each way to break it fails its own check.
 * Rate-limit buckets and the checks' waits share one fake clock, so nothing races a timer; the
 * simulators and the clients' timeouts run on virtual time (test/support/virtual-time.ts), so a
 * stream arrives token by token however busy the machine is.
 */
import http from 'node:http';
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chiSquareSurvival, chiSquareTest } from '../../../bench/frontdoor/chi-square';
import { type FrontDoorOptions, retryAfterSec, runFrontDoor } from '../../../bench/frontdoor/frontdoor';
import { frontDoorResultSchema } from '../../../bench/frontdoor/result';
import type { FrontDoorTarget } from '../../../bench/frontdoor/target';
import { type Simulator, startSimulator } from '../../../bench/sim/simulator';
import { useVirtualTime } from '../../support/virtual-time';
import { GatewayStandIn, STAND_IN_CA, type StandInOptions } from './support/gateway-stand-in';

const KEY = 'team-a-key-0123456789abcdef';
const UPSTREAM_KEY = 'vllm-internal-key';

describe('chi-square', () => {
  it('matches the textbook critical values at p = 0.05 and 0.001', () => {
    expect(chiSquareSurvival(3.841, 1)).toBeCloseTo(0.05, 4);
    expect(chiSquareSurvival(5.991, 2)).toBeCloseTo(0.05, 4);
    expect(chiSquareSurvival(18.307, 10)).toBeCloseTo(0.05, 4);
    expect(chiSquareSurvival(10.828, 1)).toBeCloseTo(0.001, 5);
    expect(chiSquareSurvival(0, 3)).toBe(1);
  });

  it('tests counts against weights of any scale, and calls a zero-weight backend with traffic impossible', () => {
    const fair = chiSquareTest([52, 48], [50, 50]);
    expect(fair.statistic).toBeCloseTo(0.16, 10);
    expect(fair.degreesOfFreedom).toBe(1);
    expect(fair.pValue).toBeCloseTo(0.6892, 3);
    expect(chiSquareTest([80, 20], [1, 1]).pValue).toBeLessThan(1e-8);
    expect(chiSquareTest([90, 10], [9, 1]).pValue).toBeCloseTo(1, 6);
    expect(chiSquareTest([99, 1], [1, 0]).pValue).toBe(0);
    expect(chiSquareTest([100, 0], [1, 0])).toMatchObject({ degreesOfFreedom: 0, pValue: 1 });
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(retryAfterSec('1')).toBe(1);
    expect(retryAfterSec('Sun, 06 Dec 2026 23:00:30 GMT', Date.parse('Sun, 06 Dec 2026 23:00:00 GMT'))).toBe(30);
    expect(retryAfterSec('soon')).toBeUndefined();
    expect(retryAfterSec(undefined)).toBeUndefined();
  });
});

describe('front door against simulators behind the local gateway stand-in', () => {
  const vt = useVirtualTime();
  let awq: Simulator;
  let lora: Simulator;
  let closedPort: string;
  let clock = 0;
  const sleep = (ms: number) => {
    clock += ms;
    return Promise.resolve();
  };

  beforeAll(async () => {
    const sim = { port: 0, ttftMs: 2, itlMs: 10, apiKey: UPSTREAM_KEY };
    awq = await startSimulator({ ...sim, models: ['mistral-7b-awq'] });
    lora = await startSimulator({ ...sim, models: ['mistral-7b-lora'], adapters: [{ name: 'support-tone', parent: 'mistral-7b-lora' }] });
    // A port with nothing listening: where plain HTTP must find no one.
    const s = http.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    closedPort = `http://127.0.0.1:${(s.address() as { port: number }).port}/v1/models`;
    await new Promise<void>((r) => s.close(() => r()));
  });
  afterAll(async () => {
    await Promise.all([awq.close(), lora.close()]);
  });

  const backends = () => ({
    awq: { name: 'mistral-7b-awq', url: awq.url, model: 'mistral-7b-awq' },
    base: { name: 'mistral-7b-lora', url: lora.url, model: 'mistral-7b-lora' },
    tone: { name: 'mistral-7b-lora--support-tone', url: lora.url, model: 'support-tone' },
  });

  /** The stand-in as the manifests configure the gateway, with `overrides` breaking one part. */
  async function door(overrides: Partial<StandInOptions> = {}, weights: [number, number] = [50, 50]): Promise<GatewayStandIn> {
    const b = backends();
    return new GatewayStandIn({
      keys: { 'team-a': KEY },
      direct: [b.awq, b.base, b.tone],
      aliases: [
        {
          model: 'assistant',
          backends: [
            { ...b.awq, weight: weights[0] },
            { ...b.tone, weight: weights[1] },
          ],
        },
      ],
      perKeyRps: 10,
      globalRps: 100,
      now: () => clock,
      upstreamKey: UPSTREAM_KEY,
      ...overrides,
    }).start();
  }

  const target = (url: string): FrontDoorTarget => ({
    url,
    backendHeader: 'x-llm-backend',
    models: ['mistral-7b-awq', 'mistral-7b-lora', 'support-tone', 'assistant'],
    rateLimit: { requestsPerSecondPerKey: 10, requestsPerSecond: 100, tokensPerMinutePerKey: null },
    routes: [
      {
        model: 'assistant',
        backends: [
          { name: 'mistral-7b-awq', model: 'mistral-7b-awq', weight: 50 },
          { name: 'mistral-7b-lora--support-tone', model: 'support-tone', weight: 50 },
        ],
      },
    ],
  });

  async function check(gw: GatewayStandIn, extra: Partial<FrontDoorOptions> = {}) {
    try {
      return await vt.run(
        runFrontDoor({
          target: target(gw.url),
          apiKey: KEY,
          ca: STAND_IN_CA,
          plainHttpUrl: closedPort,
          splitRequests: 100,
          sleep,
          ...extra,
        }),
      );
    } finally {
      await gw.close();
    }
  }
  const byName = (r: Awaited<ReturnType<typeof check>>) => Object.fromEntries(r.checks.map((c) => [c.name, c]));

  it('passes a working door: HTTPS, models, keys, streams, the A/B split and the rate limit', async () => {
    const r = await check(await door());
    expect(frontDoorResultSchema.parse(r)).toEqual(r);
    expect(r.checks.filter((c) => c.status !== 'pass').map((c) => `${c.name}: ${c.reason}`)).toEqual([]);
    expect(r.checks.map((c) => c.name)).toEqual([
      'tls',
      'models',
      'auth',
      'chat mistral-7b-awq',
      'chat mistral-7b-lora',
      'chat support-tone',
      'chat assistant',
      'split assistant',
      'rate-limit',
    ]);
    expect(r.exitCode).toBe(0);
    const split = r.splits[0]!;
    expect(split.backends.reduce((n, b) => n + b.observed, 0)).toBe(100);
    expect(split.unattributed).toBe(0);
    expect(split.pValue).toBeGreaterThanOrEqual(0.001);
    // The burst is bounded (2 × 10 + 5) and the bucket holds at most 10: at least 15 were refused.
    expect(r.rateLimit!.burst).toBe(25);
    expect(r.rateLimit!.statuses['429']).toBeGreaterThanOrEqual(15);
    expect(r.rateLimit!.retryAfter.every((v) => v === '1')).toBe(true);
    expect(r.rateLimit!.recovered).toBe(true);
    expect(byName(r).auth!.reason).toBe('without a key → 401, with a wrong key → 401, GET /v1/models without a key → 401');
  });

  it('fails the split (exit 99) when the backends do not get the configured weights', async () => {
    const r = await check(await door({}, [80, 20]));
    const split = byName(r)['split assistant']!;
    expect(split.status).toBe('fail');
    expect(split.reason).toMatch(/^the split of assistant does not fit the weights \(χ² [\d.]+, df 1, p [\d.e-]+ < α 0\.001\)/);
    expect(r.splits[0]!.pValue).toBeLessThan(0.001);
    expect(r.exitCode).toBe(99);
  });

  it('fails the rate limit (exit 99) when a burst above the limit gets no 429', async () => {
    const r = await check(await door({ perKeyRps: null, globalRps: null }));
    expect(byName(r)['rate-limit']).toMatchObject({ status: 'fail', severity: 'gate' });
    expect(byName(r)['rate-limit']!.reason).toBe(
      'a burst of 25 requests at once (limit 10/s per key) got no 429: 25× 200; the rate limit is not enforced',
    );
    expect(r.exitCode).toBe(99);
  });

  it('fails auth (exit 1) when the door takes requests without a key', async () => {
    const r = await check(await door({ keys: null }));
    expect(byName(r).auth).toMatchObject({ status: 'fail', severity: 'run' });
    expect(byName(r).auth!.reason).toMatch(/without a key → 200.*expected 401 or 403 each: the door is open$/);
    expect(r.exitCode).toBe(1);
  });

  it('fails the streamed chats when something on the way buffers the stream', async () => {
    const r = await check(await door({ bufferResponses: true }));
    expect(byName(r)['chat mistral-7b-awq']!.status).toBe('fail');
    expect(byName(r)['chat mistral-7b-awq']!.reason).toMatch(
      /events for mistral-7b-awq arrived in one read: something on the way buffers the stream$/,
    );
    expect(r.exitCode).toBe(1);
  });

  it('fails tls when the URL is not HTTPS or plain HTTP is served, and checks nothing behind it', async () => {
    const plain = await door({ tls: false });
    const r = await check(plain);
    expect(r.checks).toEqual([
      expect.objectContaining({
        name: 'tls',
        status: 'fail',
        reason: expect.stringMatching(/^the front door must be HTTPS, got http:\/\/localhost:\d+; clients would send/),
      }),
    ]);
    const served = await door();
    const open = await door({ tls: false });
    try {
      const r2 = await check(served, { plainHttpUrl: `${open.url}/v1/models` });
      expect(byName(r2).tls!.reason).toMatch(
        /^plain HTTP is served at http:\/\/localhost:\d+\/v1\/models \(answered \d+\); refuse it or redirect to https$/,
      );
    } finally {
      await open.close();
    }
  });

  it('fails models and chats with a usage hint when no key is given', async () => {
    const r = await check(await door(), { apiKey: undefined });
    expect(byName(r).models!.reason).toBe('no API key for the front door; pass --front-door-key or set LLM_BENCH_FRONT_DOOR_KEY');
    expect(r.exitCode).toBe(1);
  });

  it("sends vLLM's key upstream and aborts the upstream generation when the client disconnects", async () => {
    const gw = await door();
    try {
      const res = await vt.run(
        new Promise<http.IncomingMessage>((resolve, reject) => {
          const req = https.request(
            `${gw.url}/v1/chat/completions`,
            { method: 'POST', ca: STAND_IN_CA, headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' } },
            resolve,
          );
          req.on('error', reject);
          req.end(JSON.stringify({ model: 'mistral-7b-awq', messages: [{ role: 'user', content: 'hi' }], max_tokens: 500, stream: true }));
        }),
      );
      // The first bytes prove the simulator accepted vLLM's key (it 401s anything else) and is generating.
      await vt.run(new Promise<void>((resolve) => res.once('data', () => resolve())));
      expect(awq.stats().running).toBe(1);
      res.destroy();
      await vt.until(() => gw.counts.abortedUpstream === 1);
      expect(gw.counts.abortedUpstream).toBe(1);
      await vt.until(() => awq.stats().running === 0);
      expect(awq.stats().running).toBe(0);
      expect(awq.stats().rejected[401] ?? 0).toBe(0);
    } finally {
      await gw.close();
    }
  });
});
