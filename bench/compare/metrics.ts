/** The figures `compare` sets side by side, which way is better for each, and where a result keeps them. */
import type { LoadSummary } from '../result';

/** Latencies compared, each at these statistics. */
export const COMPARED_LATENCIES = ['ttftMs', 'tpotMs', 'itlMs', 'e2eMs'] as const;
export const COMPARED_STATS = ['p50', 'p95', 'p99', 'mean'] as const;
/** Percentiles among {@link COMPARED_STATS}, as numbers. */
export const PERCENTILE_OF = { p50: 50, p95: 95, p99: 99 } as const;

export type ComparedLatency = (typeof COMPARED_LATENCIES)[number];
export type ComparedStat = (typeof COMPARED_STATS)[number];
export type CompareMetric = `${ComparedLatency}.${ComparedStat}` | 'requestThroughput' | 'outputTokenThroughput' | 'errorRate';

/** Every compared metric, in report order. */
export const COMPARE_METRICS: readonly CompareMetric[] = [
  ...COMPARED_LATENCIES.flatMap((l) => COMPARED_STATS.map((s): CompareMetric => `${l}.${s}`)),
  'requestThroughput',
  'outputTokenThroughput',
  'errorRate',
];

/** Which way a metric improves. */
export function betterWhen(metric: CompareMetric): 'lower' | 'higher' {
  return metric === 'requestThroughput' || metric === 'outputTokenThroughput' ? 'higher' : 'lower';
}

export function unitOf(metric: CompareMetric): string {
  if (metric === 'requestThroughput') return 'req/s';
  if (metric === 'outputTokenThroughput') return 'tok/s';
  if (metric === 'errorRate') return 'ratio';
  return 'ms';
}

export function isCompareMetric(s: string): s is CompareMetric {
  return (COMPARE_METRICS as readonly string[]).includes(s);
}

/** The metric's value in a load summary; null when it was not measured. */
export function readMetric(s: LoadSummary, metric: CompareMetric): number | null {
  if (metric === 'requestThroughput' || metric === 'outputTokenThroughput' || metric === 'errorRate') return s[metric];
  const [latency, stat] = metric.split('.') as [ComparedLatency, ComparedStat];
  return s[latency][stat];
}
