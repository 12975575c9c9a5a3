/** Charts more than one report draws, written once so they read alike everywhere. */
import type { TimelineBucket } from '../result';
import { lineChart, PALETTE } from './svg';

/** Latency of one time sample; null where no request ended in it. */
export interface LatencySample {
  /** Seconds from the start of the run. */
  readonly t: number;
  readonly ttftP50Ms: number | null;
  readonly ttftP95Ms: number | null;
  readonly e2eP95Ms?: number | null;
}

/** A load's per-second timeline as latency samples. */
export function timelineLatency(timeline: readonly TimelineBucket[]): LatencySample[] {
  return timeline.map((b) => ({ t: b.t, ttftP50Ms: b.ttftMs.p50, ttftP95Ms: b.ttftMs.p95, e2eP95Ms: b.e2eMs.p95 }));
}

const points = (samples: readonly LatencySample[], value: (s: LatencySample) => number | null | undefined) =>
  samples.flatMap((s) => {
    const v = value(s);
    return v === null || v === undefined ? [] : [[s.t, v] as const];
  });

/**
 * TTFT p50 and p95 over time; with `withE2e`, also E2E p95 (the chart is then "Latency over
 * time"), for checks where a slow response matters as much as a slow first token.
 */
export function latencyChart(samples: readonly LatencySample[], opts: { readonly withE2e?: boolean } = {}): string {
  const prefix = opts.withE2e === true ? 'TTFT ' : '';
  return lineChart({
    title: opts.withE2e === true ? 'Latency over time' : 'TTFT over time',
    xLabel: 'time (s)',
    yLabel: 'ms',
    series: [
      { name: `${prefix}p50`, color: PALETTE[0], points: points(samples, (s) => s.ttftP50Ms) },
      { name: `${prefix}p95`, color: PALETTE[3], points: points(samples, (s) => s.ttftP95Ms) },
      ...(opts.withE2e === true ? [{ name: 'E2E p95', color: PALETTE[1], points: points(samples, (s) => s.e2eP95Ms) }] : []),
    ],
  });
}
