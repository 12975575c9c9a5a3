/**
 * Facts about the tracing pipeline's upstream projects: the OpenTelemetry Collector chart and
 * image, the OTLP ports, and what AWS X-Ray requires of a trace id, each with where it was read.
 * Read on 2026-12-06. A leaf module: it imports nothing from the project.
 */

/**
 * The OpenTelemetry Collector Helm chart. 0.170.0 is the newest release in the chart repository's
 * history as read (2026-08-20); its appVersion is the collector release its default image tag
 * follows. `image.repository` has no default: the chart fails without one.
 */
export const OTEL_COLLECTOR_CHART = {
  chart: 'opentelemetry-collector',
  version: '0.170.0',
  appVersion: '0.158.0',
  repo: 'https://open-telemetry.github.io/opentelemetry-helm-charts',
  source:
    'github.com/open-telemetry/opentelemetry-helm-charts (commit dd5665c, 2026-08-20): charts/opentelemetry-collector/Chart.yaml ' +
    '(version 0.170.0, appVersion 0.158.0), values.yaml (image.repository "" — templates/NOTES.txt fails without it; ' +
    'health_check extension required by the probes on :13133; ports otlp 4317, otlp-http 4318)',
} as const;

/**
 * The collector distribution the platform runs: `contrib`, because the AWS X-Ray exporter
 * (`awsxray`) is not in the core distribution. Its entrypoint is the collector binary, so the
 * chart needs no `command.name`.
 */
export const OTEL_COLLECTOR_IMAGE = {
  repository: 'otel/opentelemetry-collector-contrib',
  tag: OTEL_COLLECTOR_CHART.appVersion,
  source: 'hub.docker.com/r/otel/opentelemetry-collector-contrib (tag 0.158.0); exporter/awsxrayexporter is in the contrib distribution',
} as const;

/** OTLP's default ports (OpenTelemetry specification, "OTLP/gRPC" and "OTLP/HTTP"). */
export const OTLP_PORTS = {
  grpc: 4317,
  http: 4318,
  /** The OTLP/HTTP path for traces, appended to a base URL. */
  tracesPath: '/v1/traces',
  source: 'opentelemetry.io/docs/specs/otlp (default ports 4317 gRPC, 4318 HTTP; path /v1/traces)',
} as const;

/**
 * AWS X-Ray takes W3C trace ids only when their first 32 bits are the Unix time in seconds the
 * trace started, no older than 30 days: the collector's awsxray exporter does not check it, and
 * X-Ray drops the others. Clients that send to X-Ray must generate such ids.
 */
export const XRAY_TRACE_ID = {
  epochBits: 32,
  maxAgeDays: 30,
  /** The X-Ray form of a W3C trace id: `1-<first 8 hex>-<last 24 hex>`. */
  version: '1',
  managedPolicy: 'arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess',
  source:
    'pkg.go.dev/github.com/open-telemetry/opentelemetry-collector-contrib/exporter/awsxrayexporter (README, "Data Conversion"); ' +
    'docs.aws.amazon.com/xray/latest/devguide/xray-api-sendingdata.html (trace id format); ' +
    'AWS managed policy AWSXrayWriteOnlyAccess (xray:PutTraceSegments, PutTelemetryRecords, GetSampling*)',
} as const;
