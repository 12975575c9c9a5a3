import { ABORTED_REASON, FINISHED_REASON_LABEL, MODEL_LABEL, type MetricSpec, VLLM_HTTP_METRICS, VLLM_METRICS, type VllmMetricId } from '../../constructs/metrics';

/** Histogram bucket bounds by unit, close to vLLM's (latencies in seconds, lengths in tokens). */
const BUCKETS: Partial<Record<MetricSpec['unit'], readonly number[]>> = {
  seconds: [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80],
  tokens: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000],
};

function bucketsOf(id: VllmMetricId): readonly number[] {
  const spec: MetricSpec = VLLM_METRICS[id];
  return BUCKETS[spec.unit] ?? BUCKETS.seconds!;
}

type HistogramId = { [K in VllmMetricId]: (typeof VLLM_METRICS)[K]['type'] extends 'histogram' ? K : never }[VllmMetricId];
type ScalarId = Exclude<VllmMetricId, HistogramId>;

interface HistogramState {
  counts: number[];
  sum: number;
  count: number;
}

interface ModelState {
  scalars: Map<ScalarId, number>;
  histograms: Map<HistogramId, HistogramState>;
  success: Record<string, number>;
}

function isHistogram(id: VllmMetricId): id is HistogramId {
  return VLLM_METRICS[id].type === 'histogram';
}

/** `{engine="0",model_name="m"}` plus extra labels, in exposition syntax. */
function labels(model: string, extra = ''): string {
  return `{engine="0",${MODEL_LABEL}=${JSON.stringify(model)}${extra}}`;
}

/**
 * The simulator's Prometheus metrics: every series of the vLLM catalog, per served base model,
 * named and typed from `constructs/metrics.ts` so the smoke check and dashboards see what a real
 * vLLM exports.
 */
export class SimMetrics {
  private readonly models = new Map<string, ModelState>();
  /** `http_requests_total` by `handler method status-class`, as vLLM's API server counts /v1/*. */
  private readonly http = new Map<string, number>();

  constructor(models: readonly string[]) {
    for (const m of models) {
      const histograms = new Map<HistogramId, HistogramState>();
      const scalars = new Map<ScalarId, number>();
      for (const id of Object.keys(VLLM_METRICS) as VllmMetricId[]) {
        if (isHistogram(id)) histograms.set(id, { counts: new Array<number>(bucketsOf(id).length).fill(0), sum: 0, count: 0 });
        else scalars.set(id, 0);
      }
      this.models.set(m, { scalars, histograms, success: { stop: 0, length: 0, [ABORTED_REASON]: 0 } });
    }
  }

  /** Adds to a counter or sets a gauge. */
  add(model: string, id: ScalarId, delta: number): void {
    const s = this.models.get(model)!.scalars;
    s.set(id, s.get(id)! + delta);
  }

  set(model: string, id: ScalarId, value: number): void {
    this.models.get(model)!.scalars.set(id, value);
  }

  /** Records one sample, in the metric's unit (seconds or tokens). */
  observe(model: string, id: HistogramId, value: number): void {
    const h = this.models.get(model)!.histograms.get(id)!;
    h.sum += value;
    h.count++;
    // A plain loop: this runs for every token, and a findIndex callback is an allocation each time.
    const bounds = bucketsOf(id);
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        h.counts[i]!++;
        break;
      }
    }
  }

  /** Counts a finished request by vLLM's finished_reason. */
  finished(model: string, reason: 'stop' | 'length' | typeof ABORTED_REASON): void {
    const m = this.models.get(model)!;
    m.success[reason] = (m.success[reason] ?? 0) + 1;
  }

  /** Counts one answered HTTP request on an OpenAI route. */
  httpRequest(handler: string, method: string, status: number): void {
    const key = `${handler} ${method} ${Math.floor(status / 100)}xx`;
    this.http.set(key, (this.http.get(key) ?? 0) + 1);
  }

  /** Prometheus text exposition (format 0.0.4). */
  render(): string {
    const out: string[] = [];
    for (const id of Object.keys(VLLM_METRICS) as VllmMetricId[]) {
      const spec: MetricSpec = VLLM_METRICS[id];
      out.push(`# HELP ${spec.name} ${spec.help}`, `# TYPE ${spec.name} ${spec.type}`);
      for (const [model, state] of this.models) {
        if (isHistogram(id)) {
          const h = state.histograms.get(id)!;
          let cumulative = 0;
          bucketsOf(id).forEach((le, i) => {
            cumulative += h.counts[i]!;
            out.push(`${spec.name}_bucket${labels(model, `,le="${le}"`)} ${cumulative}`);
          });
          out.push(`${spec.name}_bucket${labels(model, ',le="+Inf"')} ${h.count}`);
          out.push(`${spec.name}_sum${labels(model)} ${h.sum}`, `${spec.name}_count${labels(model)} ${h.count}`);
        } else if (id === 'requestSuccess') {
          for (const [reason, n] of Object.entries(state.success)) out.push(`${spec.name}${labels(model, `,${FINISHED_REASON_LABEL}="${reason}"`)} ${n}`);
        } else {
          out.push(`${spec.name}${labels(model)} ${state.scalars.get(id)!}`);
        }
      }
    }
    const http: MetricSpec = VLLM_HTTP_METRICS.httpRequests;
    out.push(`# HELP ${http.name} ${http.help}`, `# TYPE ${http.name} ${http.type}`);
    for (const [key, n] of this.http) {
      const [handler, method, status] = key.split(' ');
      out.push(`${http.name}{handler=${JSON.stringify(handler)},method="${method}",status="${status}"} ${n}`);
    }
    return `${out.join('\n')}\n`;
  }
}
