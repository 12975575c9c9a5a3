/**
 * The OpenTelemetry Collector the platform's traces go through (`tracing.enabled`): vLLM sends
 * its `llm_request` spans to it over OTLP/gRPC (`--otlp-traces-endpoint`), llm-bench its client
 * spans over OTLP/HTTP (`--otlp-endpoint`), and it forwards them in batches to AWS X-Ray (IAM
 * through EKS Pod Identity) or to any OTLP/HTTP backend. The pinned chart and image are in
 * facts/otel.ts; the Service is `otel-collector.<namespace>` (config/tracing.ts).
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { COLLECTOR_SERVICE, type TracingConfig } from '../config/tracing';
import { OTEL_COLLECTOR_CHART, OTEL_COLLECTOR_IMAGE, OTLP_PORTS, XRAY_TRACE_ID } from '../facts/otel';
import { PodIdentityRole, type ServiceAccountRef } from './iam';

export interface TracingCollectorArgs {
  readonly tracing: TracingConfig;
  readonly region: string;
  readonly clusterName: pulumi.Input<string>;
  readonly accountId: pulumi.Input<string>;
  readonly provider: k8s.Provider;
  /** `ref` as the pods pull it (the image cache). @default - unchanged */
  readonly imageFor?: (ref: string) => string;
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** Batch sizes and memory guard of the collector: spans are held in memory only this long. */
const BATCH = { timeout: '5s', send_batch_size: 512, send_batch_max_size: 1024 } as const;

/** The collector's pipeline: OTLP in (gRPC and HTTP), memory guard and batches, one exporter out. */
export function collectorConfig(t: TracingConfig, region: string): Record<string, unknown> {
  const exporter =
    t.backend.kind === 'xray'
      ? { awsxray: { region, indexed_attributes: ['gen_ai.request.model', 'llm_bench.outcome'] } }
      : { otlphttp: { endpoint: t.backend.endpoint } };
  return {
    receivers: {
      otlp: {
        protocols: {
          grpc: { endpoint: `\${env:MY_POD_IP}:${OTLP_PORTS.grpc}` },
          http: { endpoint: `\${env:MY_POD_IP}:${OTLP_PORTS.http}` },
        },
      },
      // The chart's other default receivers are not used: null removes them from its values.
      jaeger: null,
      zipkin: null,
      prometheus: null,
    },
    processors: { memory_limiter: { check_interval: '5s', limit_percentage: 80, spike_limit_percentage: 25 }, batch: BATCH },
    exporters: { ...exporter, debug: null },
    service: {
      pipelines: {
        traces: { receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: Object.keys(exporter) },
        metrics: null,
        logs: null,
      },
    },
  };
}

/** The collector's Helm values. */
export function collectorValues(t: TracingConfig, region: string, imageFor: (ref: string) => string = (r) => r): Record<string, unknown> {
  return {
    mode: 'deployment',
    fullnameOverride: COLLECTOR_SERVICE,
    replicaCount: t.replicas,
    image: { repository: imageFor(OTEL_COLLECTOR_IMAGE.repository), tag: OTEL_COLLECTOR_IMAGE.tag },
    serviceAccount: { create: true, name: COLLECTOR_SERVICE },
    ports: {
      // Only OTLP: the chart's Jaeger and Zipkin ports go with their receivers.
      'jaeger-compact': { enabled: false },
      'jaeger-thrift': { enabled: false },
      'jaeger-grpc': { enabled: false },
      zipkin: { enabled: false },
    },
    config: collectorConfig(t, region),
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } },
    podSecurityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } },
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
    podDisruptionBudget: { enabled: t.replicas > 1, minAvailable: 1 },
  };
}

/** The collector's service account, which X-Ray's role is bound to. */
export function collectorServiceAccount(t: TracingConfig): ServiceAccountRef {
  return { namespace: t.namespace, name: COLLECTOR_SERVICE };
}

export class TracingCollector extends pulumi.ComponentResource {
  readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: TracingCollectorArgs, opts?: pulumi.ComponentResourceOptions) {
    super('llm-platform:infra:TracingCollector', name, {}, opts);
    const t = args.tracing;
    const role =
      t.backend.kind === 'xray'
        ? new PodIdentityRole(
            `${name}-xray`,
            {
              clusterName: args.clusterName,
              accountId: args.accountId,
              serviceAccounts: [collectorServiceAccount(t)],
              managedPolicyArns: [XRAY_TRACE_ID.managedPolicy],
            },
            { parent: this },
          )
        : undefined;
    this.release = new k8s.helm.v3.Release(
      `${name}-collector`,
      {
        name: COLLECTOR_SERVICE,
        chart: OTEL_COLLECTOR_CHART.chart,
        version: OTEL_COLLECTOR_CHART.version,
        repositoryOpts: { repo: OTEL_COLLECTOR_CHART.repo },
        namespace: t.namespace,
        createNamespace: true,
        atomic: true,
        timeout: 600,
        values: collectorValues(t, args.region, args.imageFor),
      },
      { parent: this, provider: args.provider, dependsOn: [...(args.dependsOn ?? []), ...(role ? [role] : [])] },
    );
    this.registerOutputs({});
  }
}
