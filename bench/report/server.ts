/** How reports show the engine's side of a run (`load --server-metrics`). */
import type { BucketQuantile, ServerMetricsReport } from '../server-metrics/result';
import { fmt } from './format';

const LABELS: Record<string, string> = {
  ttftMs: 'TTFT',
  queueMs: 'queue',
  prefillMs: 'prefill',
  decodeMs: 'decode',
  inferenceMs: 'inference',
  e2eMs: 'E2E',
  tpotMs: 'TPOT',
  itlMs: 'ITL',
};

/** `12.3 (10–20)`: the interpolated value and its bucket. */
function bucketed(q: BucketQuantile | null): string {
  if (q === null) return '–';
  return `${fmt(q.value)} (${fmt(q.lower)}–${q.upper === null ? '+Inf' : fmt(q.upper)})`;
}

export const SERVER_HEAD = [
  'Latency (ms)',
  'engine p50 (bucket)',
  'engine p95 (bucket)',
  'engine p99 (bucket)',
  'client p50',
  'client p95',
  'gap p50',
  'gap p95',
  'observed',
] as const;

/** One row per engine latency. */
export function serverRows(r: ServerMetricsReport): string[][] {
  return r.latencies.map((l) => [
    LABELS[l.metric] ?? l.metric,
    bucketed(l.server.p50),
    bucketed(l.server.p95),
    bucketed(l.server.p99),
    fmt(l.client?.p50),
    fmt(l.client?.p95),
    fmt(l.gapMs?.p50),
    fmt(l.gapMs?.p95),
    String(l.count),
  ]);
}

/** What was read, in one line. */
export function describeServer(r: ServerMetricsReport): string {
  const from = { service: 'the Service', urls: 'the listed URLs', kube: "each ready pod through the API server's proxy" }[r.source];
  return (
    `vLLM's own histograms, /metrics read before and after the run from ${from} (${r.targets.join(', ')}); ` +
    `${r.requests} requests finished in the engine${r.model === null ? ', every model summed' : ` for model ${r.model}`}. ` +
    "Percentiles are interpolated inside vLLM's buckets, as histogram_quantile does; the gap is the time outside the engine (network, gateway, client), " +
    "and one smaller than its bucket's width (a negative one too) is within the histograms' resolution."
  );
}
