/**
 * Server flags → where the engine's metrics are read and the cluster the replicas are counted
 * in. Loads the Kubernetes client, so only actions import this module.
 */
import { collectUsage } from '../errors';
import type { KubeClient } from '../kube/client';
import type { ServerMetricsSource } from '../server-metrics/scrape';
import { kubeFrom } from './cluster';
import type { CliIo } from './io';
import { type ServerFlags, VLLM_POD_PORT } from './server-flags';

/** What the flags ask for: a source of server metrics, a cluster to count replicas in. */
export interface ServerSetup {
  readonly source: ServerMetricsSource | null;
  readonly cluster: { readonly kube: KubeClient; readonly namespace: string; readonly service: string } | null;
}

/** The setup of the flags; problems are added to `problems`. */
export function serverSetupFrom(
  f: ServerFlags & { readonly baseUrl: string; readonly model: string },
  io: CliIo,
  problems: string[],
): ServerSetup {
  const kubeAsked = f.kubeconfig !== undefined || f.context !== undefined;
  if (!kubeAsked && f.service !== undefined)
    problems.push(`--service ${f.service} names the Service to read with --kubeconfig, got no --kubeconfig; add --kubeconfig FILE`);
  if (f.serverMetrics !== true && f.metricsUrl.length > 0) {
    problems.push(`--metrics-url is read by --server-metrics, got it without; add --server-metrics`);
  }
  if (f.serverMetrics === true && f.metricsUrl.length > 0 && kubeAsked) {
    problems.push('server metrics come from one place, got --metrics-url and --kubeconfig; pass the pod URLs or the cluster, not both');
  }
  for (const u of f.metricsUrl) {
    if (!URL.canParse(u) || !/^https?:$/.test(new URL(u).protocol))
      problems.push(`--metrics-url must be an http(s) URL, got ${JSON.stringify(u)}; pass e.g. http://10.0.3.7:8000/metrics`);
  }
  const port = f.metricsPort ?? VLLM_POD_PORT;
  if (!(Number.isInteger(port) && port >= 1 && port <= 65535)) problems.push(`--metrics-port must be a port number 1–65535, got ${port}`);
  const kube = kubeAsked ? collectUsage(problems, () => kubeFrom(f, io)) : undefined;
  const cluster = kube === undefined ? null : { kube, namespace: f.namespace, service: f.service ?? f.model };
  let source: ServerMetricsSource | null = null;
  if (f.serverMetrics === true) {
    if (f.metricsUrl.length > 0) source = { kind: 'urls', urls: f.metricsUrl };
    else if (cluster !== null) source = { kind: 'kube', kube: cluster.kube, namespace: cluster.namespace, service: cluster.service, port };
    else source = { kind: 'service', url: f.baseUrl };
  }
  return { source, cluster };
}
