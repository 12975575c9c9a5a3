/**
 * Charts that tell the truth: throughput over time from token arrival (a steady stream reads
 * steady), and legends in a band of their own that no line can cross.
 */
import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../bench/client/openai';
import { Collector } from '../../bench/load/collector';
import { lineChart } from '../../bench/report/svg';

function record(startMs: number, ttftMs: number, lastTokenMs: number, tokens: number): RequestRecord {
  return {
    id: String(startMs),
    outcome: 'success',
    startMs,
    e2eMs: lastTokenMs + 5,
    ttftMs,
    lastTokenMs,
    itlMs: [],
    contentChunks: tokens,
    outputTokens: tokens,
  };
}

describe('throughput by token arrival', () => {
  it('spreads a request: its first token at TTFT, the rest evenly up to its last token', () => {
    const c = new Collector(0, 1000);
    c.onEnd(record(0, 100, 2100, 21));
    c.closeAll(2105);
    const t = c.finalTimeline();
    // 1 at 100 ms, then 20 evenly over 100..2100 ms: 9 + 10 + 1.
    expect(t.map((b) => b.tokensArrived)).toEqual([10, 10, 1]);
    expect(t.map((b) => b.outputTokens)).toEqual([0, 0, 21]);
  });

  it('spreads a request that crosses a bucket edge a float sum cannot land on (a walk by time spun forever there)', () => {
    // performance.now() at a run's start is fractional: 1788.7056708507046 + 1000 − 1788.7056708507046
    // is 999.9999999999998, so the edge of bucket 1 rebuilt from the start falls back into bucket 0.
    const startMs = 1788.7056708507046;
    const c = new Collector(startMs, 1000);
    c.onEnd(record(startMs + 500, 100, 2500, 41));
    c.closeAll(startMs + 3005);
    const t = c.finalTimeline();
    // 1 at 600 ms, then 40 evenly over 600..3000 ms: 400 ms → 6.667, 1000 ms → 16.667, 1000 ms → 16.667.
    expect(t.map((b) => b.tokensArrived)).toEqual([7.667, 16.667, 16.667, 0]);
    expect(t.reduce((sum, b) => sum + b.tokensArrived!, 0)).toBeCloseTo(41, 2);
  });

  it('counts tokens that arrived before the run started in its first bucket', () => {
    const c = new Collector(1000, 1000);
    c.onEnd(record(0, 100, 2100, 21)); // started 1 s before the collector's start
    c.closeAll(3000);
    expect(c.finalTimeline().map((b) => b.tokensArrived)).toEqual([20, 1]);
  });

  it('a steady closed loop reads steady by arrival, where counting at completion swings', () => {
    // 2 users, each back to back: 1.5 s requests of 100 tokens (TTFT 10 ms). They complete at
    // 1.5, 3, 4.5 s…: two requests in some seconds, none in others.
    const c = new Collector(0, 1000);
    for (let user = 0; user < 2; user++) {
      for (let start = 0; start + 1500 <= 30_000; start += 1500) c.onEnd({ ...record(start, 10, 1495, 100), e2eMs: 1500 });
    }
    c.closeAll(30_000);
    const steady = c.finalTimeline().slice(2, 28); // away from the start and the end
    const arrived = steady.map((b) => b.tokensArrived!);
    const completed = steady.map((b) => b.outputTokens);
    expect(
      arrived.every((v) => Math.abs(v - 400 / 3) < 0.05 * (400 / 3)),
      String(arrived),
    ).toBe(true);
    // Counting tokens at completion: 0 or 200 tokens a second, a swing that reads like an outage.
    expect(Math.min(...completed)).toBe(0);
    expect(Math.max(...completed)).toBe(200);
  });
});

/** y of every legend label and the smallest y any line reaches, from the SVG. */
function geometry(svg: string): { legendYs: number[]; topOfLines: number } {
  const legendYs = [...svg.matchAll(/<text x="[\d.]+" y="([\d.]+)" class="k legend">/g)].map((m) => Number(m[1]));
  const ys = [...svg.matchAll(/<path d="([^"]+)"/g)].flatMap((m) =>
    [...m[1]!.matchAll(/[MLV]?[\d.]+ ([\d.]+)|V([\d.]+)/g)].map((p) => Number(p[1] ?? p[2])),
  );
  return { legendYs, topOfLines: Math.min(...ys) };
}

describe('legends', () => {
  const peak = (name: string, color: string) => ({
    name,
    color,
    points: [
      [0, 100],
      [1, 100],
      [2, 100],
    ] as const,
  });

  it('sit above the highest point of every line, however many series there are', () => {
    for (const n of [1, 3, 5]) {
      const svg = lineChart({
        title: 't',
        xLabel: 'x',
        yLabel: 'y',
        series: Array.from({ length: n }, (_, i) => peak(`series number ${i}`, '#000')),
      });
      const { legendYs, topOfLines } = geometry(svg);
      expect(legendYs).toHaveLength(n);
      // A 10 px label sits on its baseline: keep its baseline plus descent above the lines.
      expect(Math.max(...legendYs) + 3).toBeLessThan(topOfLines);
      // Labels do not overlap each other either: distinct rows or distinct columns.
      const positions = [...svg.matchAll(/<text x="([\d.]+)" y="([\d.]+)" class="k legend">/g)].map((m) => `${m[1]},${m[2]}`);
      expect(new Set(positions).size).toBe(n);
    }
  });
});
