/**
 * The `tracing` section of the config schema: an OpenTelemetry Collector the platform installs
 * (infra/tracing.ts), vLLM started with `--otlp-traces-endpoint` pointing at it, and where the
 * collector forwards spans (AWS X-Ray, or any OTLP/HTTP endpoint).
 *
 * Kept beside config/platform.ts, which adds it to the schema as one section.
 */
import { z } from 'zod';
import { DNS1123_LABEL } from '../facts/kubernetes';
import { OTLP_PORTS } from '../facts/otel';
import { int32 } from './fields';

const k8sName = z.string().regex(DNS1123_LABEL.pattern, 'must be a lowercase DNS-1123 label').max(DNS1123_LABEL.maxLength);

/** Where the collector sends spans. */
const tracingBackend = z.discriminatedUnion('kind', [
  /** AWS X-Ray in the stack's region, through the collector's awsxray exporter (IAM through Pod Identity). */
  z.strictObject({ kind: z.literal('xray') }),
  /** Any OTLP/HTTP receiver (Tempo, Jaeger, a vendor), e.g. `http://tempo.monitoring:4318`. */
  z.strictObject({ kind: z.literal('otlp'), endpoint: z.url({ protocol: /^https?$/ }) }),
]);

export const tracingSchema = z.strictObject({
  /** Install the collector and start vLLM with `--otlp-traces-endpoint`. Off unless an environment turns it on. */
  enabled: z.boolean().default(false),
  /** Namespace of the collector. */
  namespace: k8sName.default('opentelemetry'),
  backend: tracingBackend.default({ kind: 'xray' }),
  /** Collector replicas (spans are batched in memory, so each replica holds a few seconds of them). */
  replicas: int32(1, 10, 'more than the span rate of this platform needs').default(1),
});

export type TracingConfig = z.output<typeof tracingSchema>;

/** The collector's Service name (the chart's fullnameOverride): `otel-collector.<namespace>`. */
export const COLLECTOR_SERVICE = 'otel-collector';

/** Where vLLM sends spans: OTLP/gRPC, written as vLLM's own example writes it. */
export function collectorGrpcEndpoint(t: TracingConfig): string {
  return `grpc://${COLLECTOR_SERVICE}.${t.namespace}.svc:${OTLP_PORTS.grpc}`;
}

/** Where llm-bench sends spans (`--otlp-endpoint`): OTLP/HTTP. */
export function collectorHttpEndpoint(t: TracingConfig): string {
  return `http://${COLLECTOR_SERVICE}.${t.namespace}.svc:${OTLP_PORTS.http}`;
}
