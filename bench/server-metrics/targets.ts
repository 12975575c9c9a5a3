/**
 * Where the engine's /metrics are read: one URL (the Service, which answers from one pod per
 * scrape), a list of pod URLs, or every ready pod of a Service through the Kubernetes API
 * server's proxy (from outside the cluster, no port-forward).
 */
import { RunError } from '../errors';

/** One scrape target. */
export interface MetricsTarget {
  /** A URL, or `namespace/pod:port` through the API proxy. */
  readonly name: string;
  /** The exposition text; throws RunError naming the target when it cannot be read. */
  scrape(): Promise<string>;
}

/** The /metrics URL of a server root or of a URL that already names the path. */
export function metricsUrl(url: string): string {
  const u = new URL(url);
  if (u.pathname === '/' || u.pathname === '') u.pathname = '/metrics';
  return u.toString();
}

/** A target read over plain HTTP(S). */
export function urlTarget(url: string, timeoutMs = 10_000): MetricsTarget {
  const target = metricsUrl(url);
  return {
    name: target,
    async scrape() {
      let res: Response;
      try {
        res = await fetch(target, { signal: AbortSignal.timeout(timeoutMs) });
      } catch (err) {
        const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
        throw new RunError(`server metrics ${target} are unreachable (${cause}); check --metrics-url or --base-url`);
      }
      const text = await res.text();
      if (!res.ok)
        throw new RunError(
          `server metrics ${target} answered ${res.status}, got ${JSON.stringify(text.slice(0, 120))}; point --metrics-url at vLLM's /metrics`,
        );
      return text;
    },
  };
}

/** What the proxy target needs of the Kubernetes client (bench/kube/client.ts's KubeClient). */
export interface PodProxy {
  podProxyGet(namespace: string, pod: string, port: number, path: string): Promise<string>;
}

/** A pod's /metrics through the API server: `GET /api/v1/namespaces/{ns}/pods/{pod}:{port}/proxy/metrics`. */
export function podTarget(kube: PodProxy, namespace: string, pod: string, port: number): MetricsTarget {
  return {
    name: `${namespace}/${pod}:${port}`,
    scrape: () => kube.podProxyGet(namespace, pod, port, 'metrics'),
  };
}
