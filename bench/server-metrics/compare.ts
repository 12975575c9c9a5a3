/**
 * The engine's own latencies from two scrapes of every target, beside the client's: per vLLM
 * histogram, `after − before` per target (a restarted pod counts from zero), summed over the
 * targets, and the percentiles `histogram_quantile` would give, each with the bucket it lies in.
 * The gap between the client's and the engine's percentile is what the request spent outside
 * the engine: network, gateway, load balancer, the client itself.
 */
import { MODEL_LABEL, VLLM_METRICS, type VllmMetricId } from '../../constructs/metrics';
import type { LoadSummary } from '../result';
import { type Exposition } from './exposition';
import { addHistograms, type CumulativeHistogram, histogramDelta, histogramOf, histogramQuantile } from './histogram';
import type { BucketQuantile, ServerLatency, ServerMetricsReport } from './result';

type ClientKey = 'ttftMs' | 'tpotMs' | 'itlMs' | 'e2eMs';

/** The engine histograms reported, in order, with the client latency each one matches. */
export const ENGINE_LATENCIES: readonly { readonly metric: string; readonly id: VllmMetricId; readonly client: ClientKey | null }[] = [
  { metric: 'ttftMs', id: 'timeToFirstToken', client: 'ttftMs' },
  { metric: 'queueMs', id: 'requestQueueTime', client: null },
  { metric: 'prefillMs', id: 'requestPrefillTime', client: null },
  { metric: 'decodeMs', id: 'requestDecodeTime', client: null },
  { metric: 'inferenceMs', id: 'requestInferenceTime', client: null },
  { metric: 'e2eMs', id: 'e2eRequestLatency', client: 'e2eMs' },
  { metric: 'tpotMs', id: 'timePerOutputToken', client: 'tpotMs' },
  { metric: 'itlMs', id: 'interTokenLatency', client: 'itlMs' },
];

const QUANTILES = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 } as const;

/** One target's two scrapes (before may be null: a pod that appeared during the run). */
export interface ScrapePair {
  readonly target: string;
  readonly before: Exposition | null;
  readonly after: Exposition;
}

const ms = (s: number) => Number((s * 1000).toFixed(3));

/** Does any series of the scrapes carry this model_name? */
function hasModel(pairs: readonly ScrapePair[], model: string): boolean {
  return pairs.some((p) => p.after.samples.some((s) => s.labels[MODEL_LABEL] === model));
}

/** A family's delta over the run, summed over the targets; null when no target exports it. */
export function runHistogram(
  pairs: readonly ScrapePair[],
  family: string,
  match: Readonly<Record<string, string>>,
): CumulativeHistogram | null {
  let total: CumulativeHistogram | null = null;
  for (const p of pairs) {
    const after = histogramOf(p.after, family, match);
    if (after === null) continue;
    const before = p.before === null ? null : histogramOf(p.before, family, match);
    const delta = histogramDelta(after, before);
    total = total === null ? delta : addHistograms(total, delta);
  }
  return total;
}

function quantilesOf(h: CumulativeHistogram | null): ServerLatency['server'] {
  const at = (q: number): BucketQuantile | null => {
    const e = h === null ? null : histogramQuantile(q, h);
    return e === null ? null : { value: ms(e.value), lower: ms(e.lower), upper: Number.isFinite(e.upper) ? ms(e.upper) : null };
  };
  return { p50: at(QUANTILES.p50), p90: at(QUANTILES.p90), p95: at(QUANTILES.p95), p99: at(QUANTILES.p99) };
}

/**
 * The server-side report of a run. `model` is the served model the load asked for: series are
 * matched on its model_name, or summed over every model when no series carries it (an adapter
 * is labelled with its base model).
 */
export function compareServer(
  pairs: readonly ScrapePair[],
  model: string,
  client: LoadSummary,
  source: ServerMetricsReport['source'],
): ServerMetricsReport {
  const notes: string[] = [];
  const matched = hasModel(pairs, model);
  if (!matched)
    notes.push(
      `no series is labelled ${MODEL_LABEL}="${model}" (an adapter is counted under its base model), so every model's series are summed`,
    );
  const match: Record<string, string> = matched ? { [MODEL_LABEL]: model } : {};
  const latencies = ENGINE_LATENCIES.map((l): ServerLatency => {
    const family = VLLM_METRICS[l.id].name;
    const h = runHistogram(pairs, family, match);
    const server = quantilesOf(h);
    const c = l.client === null ? null : client[l.client];
    const clientQ = c === null ? null : { p50: c.p50, p90: c.p90, p95: c.p95, p99: c.p99 };
    const gap = (k: 'p50' | 'p95') => {
      const cv = clientQ?.[k] ?? null;
      const sv = server[k]?.value ?? null;
      return cv === null || sv === null ? null : Number((cv - sv).toFixed(3));
    };
    return {
      metric: l.metric,
      family,
      count: h?.count ?? 0,
      server,
      meanMs: h !== null && h.count > 0 ? ms(h.sum / h.count) : null,
      client: clientQ,
      gapMs: clientQ === null ? null : { p50: gap('p50'), p95: gap('p95') },
    };
  });
  const requests = latencies.find((l) => l.metric === 'e2eMs')?.count ?? 0;
  const finished = client.requests.succeeded;
  if (requests > finished) {
    notes.push(
      `the engine finished ${requests} requests and the client saw ${finished} succeed: other traffic reached these targets, or requests failed after the engine finished them`,
    );
  } else if (requests < finished) {
    notes.push(
      `the engine counted ${requests} of the ${finished} requests the client saw succeed: the targets scraped are not every pod that served (a Service answers /metrics from one pod per scrape; use --service with --kubeconfig, or list every pod with --metrics-url)`,
    );
  }
  return { source, targets: pairs.map((p) => p.target), model: matched ? model : null, requests, latencies, notes };
}
