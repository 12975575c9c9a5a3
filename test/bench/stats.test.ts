import { describe, expect, it } from 'vitest';
import { parsePromptset, syntheticPrompts } from '../../bench/load/prompts';
import { seededRandom } from '../../bench/load/random';
import { arrivalGaps } from '../../bench/load/schedule';
import { LatencyHistogram, samplePercentile } from '../../bench/load/stats';

describe('LatencyHistogram', () => {
  it('gives nearest-rank percentiles within 0.1 % and exact mean, min and max', () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 1000; i++) h.record(i * 0.5); // 0.5 .. 500 ms
    const s = h.stats();
    expect(s.count).toBe(1000);
    expect(s.mean).toBe(250.25);
    expect(s.min).toBe(0.5);
    expect(s.max).toBe(500);
    for (const [p, expected] of [
      [s.p50, 250],
      [s.p90, 450],
      [s.p95, 475],
      [s.p99, 495],
    ] as const) {
      expect(Math.abs(p! - expected) / expected).toBeLessThanOrEqual(0.001);
    }
  });

  it('survives encoding exactly, and merging two halves equals recording the whole', () => {
    const whole = new LatencyHistogram();
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    const random = seededRandom(7);
    for (let i = 0; i < 5000; i++) {
      const ms = 5 + random() * 900;
      whole.record(ms);
      (i % 3 === 0 ? a : b).record(ms);
    }
    const decoded = LatencyHistogram.decode(JSON.parse(JSON.stringify(whole.encode())));
    expect(decoded.stats()).toEqual(whole.stats());
    const merged = LatencyHistogram.decode(a.encode());
    merged.merge(LatencyHistogram.decode(b.encode()));
    const [m, w] = [merged.stats(), whole.stats()];
    expect({ ...m, mean: null }).toEqual({ ...w, mean: null });
    expect(m.mean).toBeCloseTo(w.mean!, 9);
    expect([...merged.buckets()]).toEqual([...whole.buckets()]);
  });

  it('encodes an empty histogram with null extremes and refuses a corrupt one', () => {
    const e = new LatencyHistogram().encode();
    expect(e).toMatchObject({ unit: 'us', count: 0, minMs: null, maxMs: null });
    expect(LatencyHistogram.decode(e).stats().count).toBe(0);
    expect(() => LatencyHistogram.decode({ ...e, hdr: 'not base64 at all' })).toThrow(RangeError);
    const one = new LatencyHistogram();
    one.record(3);
    expect(() => LatencyHistogram.decode({ ...one.encode(), count: 2 })).toThrow('histogram holds 1 samples but says count 2');
  });

  it('reports null statistics and no distribution when empty', () => {
    const h = new LatencyHistogram();
    expect(h.stats()).toEqual({ count: 0, mean: null, min: null, p50: null, p90: null, p95: null, p99: null, max: null });
    expect(h.distribution()).toEqual({ cdf: [], bins: [] });
  });

  it('builds a CDF from 0 to 100 and bins that hold every sample', () => {
    const h = new LatencyHistogram();
    const random = seededRandom(3);
    for (let i = 0; i < 5000; i++) h.record(20 + random() * 80);
    const d = h.distribution(20);
    expect(d.cdf[0]![0]).toBe(0);
    expect(d.cdf.at(-1)).toEqual([100, h.stats().max]);
    expect(d.bins).toHaveLength(20);
    expect(d.bins.reduce((n, b) => n + b.count, 0)).toBe(5000);
  });

  it('samplePercentile uses nearest rank', () => {
    expect(samplePercentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(samplePercentile([5, 1, 4, 2, 3], 95)).toBe(5);
    expect(samplePercentile([], 50)).toBeNull();
  });
});

describe('arrivalGaps', () => {
  it.each([
    [1, 1],
    [0.5, Math.SQRT2],
    [4, 0.5],
  ])('burstiness %s has mean 1/rate and coefficient of variation %s', (burstiness, cv) => {
    const gap = arrivalGaps(10, burstiness, 42);
    const xs = Array.from({ length: 20000 }, gap);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    expect(mean).toBeGreaterThan(97);
    expect(mean).toBeLessThan(103);
    expect(sd / mean).toBeGreaterThan(cv * 0.95);
    expect(sd / mean).toBeLessThan(cv * 1.05);
  });

  it('replays the same gaps for the same seed', () => {
    const a = arrivalGaps(5, 1, 7);
    const b = arrivalGaps(5, 1, 7);
    const c = arrivalGaps(5, 1, 8);
    const first = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(first);
    expect(Array.from({ length: 5 }, c)).not.toEqual(first);
  });
});

describe('prompts', () => {
  it('synthetic prompts have the target length, differ per request and replay per seed', () => {
    const p = syntheticPrompts(64, 1);
    const text = (i: number) => (p.sample(i).prompt as { text: string }).text;
    expect(text(0).split(' ')).toHaveLength(64);
    expect(text(0)).not.toBe(text(1));
    expect((syntheticPrompts(64, 1).sample(1).prompt as { text: string }).text).toBe(text(1));
  });

  it('parses a JSONL promptset with prompts, messages and output lengths', () => {
    const samples = parsePromptset(
      '{"prompt":"hi"}\n\n{"messages":[{"role":"user","content":"yo"}],"outputTokens":12}\n',
      'p.jsonl',
      'chat',
    );
    expect(samples).toEqual([{ prompt: { text: 'hi' } }, { prompt: { messages: [{ role: 'user', content: 'yo' }] }, outputTokens: 12 }]);
  });

  it('fails with every bad line numbered', () => {
    expect(() => parsePromptset('{"prompt":"ok"}\nnot json\n{"text":"x"}\n{"prompt":"a","outputTokens":0}\n', 'p.jsonl', 'chat')).toThrow(
      [
        '3 problems:',
        '- p.jsonl:2 is not json, got "not json"; write one json object per line',
        '- p.jsonl:3 needs exactly one of prompt or messages; expected {"prompt": "…"} or {"messages": [{"role": "user", "content": "…"}]}',
        '- p.jsonl:4 outputTokens too small: expected number to be >0; expected {"prompt": "…"} or {"messages": [{"role": "user", "content": "…"}]}',
      ].join('\n'),
    );
  });

  it('fails when chat messages are sent to the completions route', () => {
    expect(() => parsePromptset('{"messages":[{"role":"user","content":"yo"}]}', 'p.jsonl', 'completions')).toThrow(
      'p.jsonl:1 has chat messages, but --endpoint completions takes a text prompt; use --endpoint chat or a "prompt" field',
    );
  });
});
