/**
 * `llm-bench cache-probe` against the simulator, whose prefix cache works as vLLM's (16-token
 * blocks, a hit capped at prompt − 1) and whose prefill costs --prefill-ms-per-token for each
 * prompt token not cached. Completions prompts are counted a word a token, so the counters are
 * worked out by hand: a 1024-word prefix is 64 whole blocks.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cacheProbeResultSchema } from '../../bench/cache-probe/result';
import { main } from '../../bench/cli/main';
import { type Simulator, startSimulator } from '../../bench/sim/simulator';
import { useVirtualTime, vt } from '../support/virtual-time';
import { argv, closedPort, memoryIo } from './helpers';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function sim(prefixCaching: boolean): Promise<Simulator> {
  const s = await startSimulator({ port: 0, models: ['m'], ttftMs: 5, itlMs: 1, prefillMsPerToken: 0.05, prefixCaching });
  cleanup.push(() => s.close());
  return s;
}

const probe = (url: string, ...extra: string[]) =>
  argv(
    'cache-probe',
    '--base-url',
    url,
    '--model',
    'm',
    '--prefix-tokens',
    '1024',
    '--suffix-tokens',
    '16',
    '--requests',
    '4',
    '--json',
    '-',
    ...extra,
  );

describe('llm-bench cache-probe', () => {
  // TTFT is the simulator's schedule (5 ms + 0.05 ms per uncached token) on a clock that moves only when no byte is in flight.
  useVirtualTime();

  it('finds the cache on: every shared prompt hits the 64 prefix blocks, and pays less prefill', async () => {
    const s = await sim(true);
    const io = memoryIo();
    expect(await vt.run(main(probe(s.url, '--expect', 'on'), io)), io.err()).toBe(0);
    const r = cacheProbeResultSchema.parse(JSON.parse(io.out()));
    expect(r.verdict).toBe('on');
    expect(r.passed).toBe(true);
    // 4 unique prompts of 1040 words: 4160 tokens looked up, none found.
    expect(r.unique).toMatchObject({ requests: 4, failed: 0, queriedTokens: 4160, hitTokens: 0 });
    expect(r.warm).toMatchObject({ requests: 1, queriedTokens: 1040, hitTokens: 0 });
    // 4 shared prompts: each finds the prefix's 64 blocks, 1024 tokens.
    expect(r.shared).toMatchObject({ requests: 4, queriedTokens: 4160, hitTokens: 4096 });
    expect(r.sharedHitRate).toBe(Number((4096 / 4160).toFixed(4)));
    // An uncached prompt pays at least 5 ms + 1040 × 0.05 ms of prefill before its first token.
    expect(r.unique.ttftMs.min).toBeGreaterThanOrEqual(57);
    expect(r.ttftSavedMs).toBe(Number((r.unique.ttftMs.p50! - r.shared.ttftMs.p50!).toFixed(3)));
    expect(r.notes).toEqual([]);
  });

  it('finds the cache off when the engine looks nothing up, and exits 99 against --expect on', async () => {
    const s = await sim(false);
    const io = memoryIo();
    expect(await vt.run(main(probe(s.url, '--expect', 'on'), io))).toBe(99);
    const r = cacheProbeResultSchema.parse(JSON.parse(io.out()));
    expect(r).toMatchObject({ verdict: 'off', passed: false, shared: { queriedTokens: 0, hitTokens: 0 } });
    expect(io.err()).toBe('prefix caching is off, expected on\n');
    // Without a gate the probe only reports.
    const io2 = memoryIo();
    expect(
      await vt.run(
        main(
          probe(s.url).filter((a) => a !== '-' && a !== '--json'),
          io2,
        ),
      ),
    ).toBe(0);
    expect(io2.out()).toContain('## llm-bench cache-probe: prefix caching is OFF');
  });

  it('rests on TTFT alone, and says so, without counters; exits 2 for a bad count', async () => {
    const s = await sim(true);
    const port = await closedPort();
    const io = memoryIo();
    expect(await vt.run(main(probe(s.url, '--metrics-url', `http://127.0.0.1:${port}`), io))).toBe(0);
    const r = cacheProbeResultSchema.parse(JSON.parse(io.out()));
    expect(r).toMatchObject({ verdict: 'unknown', metricsUrl: null, shared: { hitTokens: null } });
    expect(r.notes[0]).toContain(`http://127.0.0.1:${port}/metrics could not be read`);
    const io2 = memoryIo();
    expect(await vt.run(main(probe(s.url, '--requests', '0'), io2))).toBe(2);
    expect(io2.err()).toContain('--requests must be a whole number above 0, got 0');
    expect(s.stats().requests).toBe(4 + 1 + 4);
  });
});
