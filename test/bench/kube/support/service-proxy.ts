/**
 * Part of the TEST DOUBLE: a stand-in for a Service's ClusterIP. Each HTTP request goes to one
 * of the Service's ready endpoints as the Kubernetes double computes them at that moment
 * (round robin), forwarded to the simulator that "is" that pod (`backendFor`). With no ready
 * endpoint it answers 503, as a Service without endpoints refuses traffic. Responses stream
 * through untouched, so SSE timing and mid-stream cuts reach the client as they happen.
 *
 * Real kube-proxy balances connections, not requests; per-request balancing makes a selector
 * switch visible to keep-alive clients at once, which is what the double promises.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeDouble } from './kube-double';

export interface ServiceProxy {
  readonly url: string;
  /** Requests by backend URL. */
  readonly routed: Map<string, number>;
  close(): Promise<void>;
}

export async function startServiceProxy(o: {
  readonly double: KubeDouble;
  readonly namespace: string;
  readonly service: string;
  /** The simulator URL that serves a pod, from its labels; null when the pod serves nothing. */
  readonly backendFor: (pod: { name: string; labels: Record<string, string> }) => string | null;
}): Promise<ServiceProxy> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const routed = new Map<string, number>();
  let next = 0;
  const server = http.createServer((req, res) => {
    const endpoints = o.double.readyEndpoints(o.namespace, o.service).flatMap((p) => {
      const url = o.backendFor(p);
      return url === null ? [] : [url];
    });
    if (endpoints.length === 0) {
      req.resume();
      res
        .writeHead(503, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { message: `service ${o.service} has no ready endpoints` } }));
      return;
    }
    const target = new URL(endpoints[next++ % endpoints.length]!);
    routed.set(target.origin, (routed.get(target.origin) ?? 0) + 1);
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
        agent,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
        up.on('error', () => res.destroy());
        up.on('aborted', () => res.destroy());
        up.on('close', () => {
          if (!up.complete) res.destroy();
        });
      },
    );
    upstream.on('error', (err) => {
      if (!res.headersSent)
        res
          .writeHead(502, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { message: `upstream ${target.origin}: ${err.message}` } }));
      else res.destroy();
    });
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    routed,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
