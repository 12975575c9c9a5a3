import {
  FINISHED_REASON_LABEL,
  FINISHED_REASONS,
  type FinishedReason,
  MODEL_LABEL,
  type MetricSpec,
  VLLM_HTTP_METRICS,
  VLLM_METRICS,
  type VllmMetricId,
  histogramBounds,
} from '../../constructs/metrics';

type HistogramId = { [K in VllmMetricId]: (typeof VLLM_METRICS)[K]['type'] extends 'histogram' ? K : never }[VllmMetricId];
type ScalarId = Exclude<VllmMetricId, HistogramId>;

interface HistogramState {
  readonly bounds: readonly number[];
  counts: number[];
  sum: number;
  count: number;
}

interface ModelState {
  scalars: Map<ScalarId, number>;
  histograms: Map<HistogramId, HistogramState>;
  success: Record<FinishedReason, number>;
}

function isHistogram(id: VllmMetricId): id is HistogramId {
  return VLLM_METRICS[id].type === 'histogram';
}

/**
 * A number as prometheus_client prints it (Python's repr of a float: `1.0`, `0.001`, `1e-05`;
 * Go-style exponents from 1e+06 on).
 */
export function pythonFloat(x: number): string {
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  if (Number.isNaN(x)) return 'NaN';
  if (Number.isInteger(x) && Math.abs(x) < 1e6) return `${x}.0`;
  const abs = Math.abs(x);
  if (abs >= 1e16 || (abs < 1e-4 && abs > 0)) {
    const [m, e] = x.toExponential().split('e');
    const exp = Number(e);
    return `${m!.includes('.') ? m : `${m}.0`.replace(/\.0$/, '')}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (abs >= 1e6) {
    // Go switches to exponents from 7 integer digits on; prometheus_client imitates it.
    const digits = String(x).replace('-', '').replace('.', '');
    const intDigits = Math.floor(Math.log10(abs)) + 1;
    const mantissa = `${digits[0]}.${digits.slice(1)}`.replace(/\.?0+$/, '');
    return `${x < 0 ? '-' : ''}${mantissa}e+${String(intDigits - 1).padStart(2, '0')}`;
  }
  return String(x);
}

/** `{engine="0",model_name="m"}` plus extra labels, sorted by name as prometheus_client writes them. */
function labels(model: string, extra: Record<string, string> = {}): string {
  const all: Record<string, string> = { engine: '0', [MODEL_LABEL]: model, ...extra };
  return `{${Object.keys(all)
    .sort()
    .map((k) => `${k}=${JSON.stringify(all[k])}`)
    .join(',')}}`;
}

/**
 * The simulator's Prometheus metrics: every series of the vLLM catalog, per served base model,
 * named and typed from `constructs/metrics.ts`, with vLLM's histogram bounds (token counts up
 * to each model's `max_model_len`) and prometheus_client's text layout (sorted labels, Python
 * floats, `_created` gauges after counters and histograms).
 */
/** `Array.isArray` narrows a readonly array only to `any[]`; this keeps the element type. */
function isModelList(models: ReadonlyMap<string, number> | readonly string[]): models is readonly string[] {
  return Array.isArray(models);
}

export class SimMetrics {
  private readonly models = new Map<string, ModelState>();
  /** `http_requests_total` by `handler method status-class`, as vLLM's API server counts /v1/*. */
  private readonly http = new Map<string, number>();
  private readonly createdSec: number;

  /** @param models served base model → its max_model_len */
  constructor(models: ReadonlyMap<string, number> | readonly string[], createdSec = Date.now() / 1000) {
    this.createdSec = createdSec;
    const entries: [string, number][] = isModelList(models) ? models.map((m): [string, number] => [m, 4096]) : [...models];
    for (const [m, maxModelLen] of entries) {
      const histograms = new Map<HistogramId, HistogramState>();
      const scalars = new Map<ScalarId, number>();
      for (const id of Object.keys(VLLM_METRICS) as VllmMetricId[]) {
        if (isHistogram(id)) {
          const bounds = histogramBounds(id, maxModelLen);
          histograms.set(id, { bounds, counts: new Array<number>(bounds.length).fill(0), sum: 0, count: 0 });
        } else {
          scalars.set(id, 0);
        }
      }
      const success = Object.fromEntries(FINISHED_REASONS.map((r) => [r, 0])) as Record<FinishedReason, number>;
      this.models.set(m, { scalars, histograms, success });
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
    const bounds = h.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        h.counts[i]!++;
        break;
      }
    }
  }

  /** Counts a request the engine finished, by vLLM's finished_reason. */
  finished(model: string, reason: FinishedReason): void {
    this.models.get(model)!.success[reason]++;
  }

  /** Counts one answered HTTP request on an OpenAI route (`status` is the status class vLLM records). */
  httpRequest(handler: string, method: string, statusClass: string): void {
    const key = `${handler} ${method} ${statusClass}`;
    this.http.set(key, (this.http.get(key) ?? 0) + 1);
  }

  /** Prometheus text exposition (format 0.0.4). */
  render(): string {
    const out: string[] = [];
    const created = pythonFloat(this.createdSec);
    for (const id of Object.keys(VLLM_METRICS) as VllmMetricId[]) {
      const spec: MetricSpec = VLLM_METRICS[id];
      out.push(`# HELP ${spec.name} ${spec.help}`, `# TYPE ${spec.name} ${spec.type}`);
      const createdLines: string[] = [];
      for (const [model, state] of this.models) {
        if (isHistogram(id)) {
          const h = state.histograms.get(id)!;
          let cumulative = 0;
          h.bounds.forEach((le, i) => {
            cumulative += h.counts[i]!;
            out.push(`${spec.name}_bucket${labels(model, { le: pythonFloat(le) })} ${pythonFloat(cumulative)}`);
          });
          out.push(`${spec.name}_bucket${labels(model, { le: '+Inf' })} ${pythonFloat(h.count)}`);
          out.push(`${spec.name}_count${labels(model)} ${pythonFloat(h.count)}`, `${spec.name}_sum${labels(model)} ${pythonFloat(h.sum)}`);
          createdLines.push(`${spec.name}_created${labels(model)} ${created}`);
        } else if (id === 'requestSuccess') {
          for (const reason of FINISHED_REASONS) {
            const l = labels(model, { [FINISHED_REASON_LABEL]: reason });
            out.push(`${spec.name}${l} ${pythonFloat(state.success[reason])}`);
            createdLines.push(`${spec.name.replace(/_total$/, '')}_created${l} ${created}`);
          }
        } else {
          out.push(`${spec.name}${labels(model)} ${pythonFloat(state.scalars.get(id)!)}`);
          if (spec.type === 'counter') createdLines.push(`${spec.name.replace(/_total$/, '')}_created${labels(model)} ${created}`);
        }
      }
      if (createdLines.length > 0) {
        const name = spec.type === 'counter' ? `${spec.name.replace(/_total$/, '')}_created` : `${spec.name}_created`;
        out.push(`# HELP ${name} ${spec.help}`, `# TYPE ${name} gauge`, ...createdLines);
      }
    }
    const http: MetricSpec = VLLM_HTTP_METRICS.httpRequests;
    out.push(`# HELP ${http.name} ${http.help}`, `# TYPE ${http.name} ${http.type}`);
    for (const [key, n] of this.http) {
      const [handler, method, status] = key.split(' ');
      out.push(`${http.name}{handler=${JSON.stringify(handler)},method="${method}",status="${status}"} ${pythonFloat(n)}`);
    }
    return `${out.join('\n')}\n`;
  }
}
