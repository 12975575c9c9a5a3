/**
 * Reads the queue depth KEDA scales on (`vllm:num_requests_waiting`, the catalog's
 * `requestsWaiting`) from a vLLM server's /metrics or from Prometheus.
 *
 * Through a Service, /metrics is answered by one pod per request: it is that pod's queue, not
 * the variant's. Prometheus (the same query KEDA's trigger runs) gives the sum over all pods.
 */
import { request } from 'undici';
import { MODEL_LABEL, promql, VLLM_METRICS } from '../../constructs/metrics';

export type QueueSource = { readonly kind: 'metrics'; readonly url: string } | { readonly kind: 'prometheus'; readonly url: string };

/** Sum of a gauge's samples for one model in Prometheus text exposition. */
export function sumGauge(text: string, name: string, model: string): number | null {
  let sum: number | null = null;
  const modelLabel = `${MODEL_LABEL}="${model.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const brace = line.indexOf('}');
    const labels = brace === -1 ? '' : line.slice(name.length + 1, brace);
    if (!labels.split(',').includes(modelLabel)) continue;
    const value = Number(
      line
        .slice(brace === -1 ? name.length : brace + 1)
        .trim()
        .split(/\s+/)[0],
    );
    if (Number.isFinite(value)) sum = (sum ?? 0) + value;
  }
  return sum;
}

/** A reader that returns the queue depth, or throws with the reason. */
export function queueReader(
  source: QueueSource,
  sel: { readonly namespace: string; readonly model: string },
  timeoutMs = 5000,
): () => Promise<number | null> {
  const name = VLLM_METRICS.requestsWaiting.name;
  if (source.kind === 'metrics') {
    const url = `${source.url.replace(/\/+$/, '').replace(/\/v1$/, '')}/metrics`;
    return async () => {
      const res = await request(url, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`GET ${url} → ${res.statusCode}`);
      return sumGauge(text, name, sel.model);
    };
  }
  const query = promql.sum('requestsWaiting', { namespace: sel.namespace, modelName: sel.model });
  const url = `${source.url.replace(/\/+$/, '')}/api/v1/query?query=${encodeURIComponent(query)}`;
  return async () => {
    const res = await request(url, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    const body = (await res.body.json()) as { status?: string; error?: string; data?: { result?: { value?: [number, string] }[] } };
    if (res.statusCode !== 200 || body.status !== 'success')
      throw new Error(`prometheus ${url} → ${res.statusCode} ${body.error ?? ''}`.trim());
    const v = body.data?.result?.[0]?.value?.[1];
    return v === undefined ? null : Number(v);
  };
}
