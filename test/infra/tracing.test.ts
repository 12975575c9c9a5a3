/**
 * The OpenTelemetry Collector under Pulumi mocks, for the dev stack with tracing turned on: the
 * pinned chart, an OTLP-only pipeline to X-Ray (through a Pod Identity role with the X-Ray write
 * policy) or to an OTLP endpoint, restricted pods; nothing at all when tracing is off.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { OTEL_COLLECTOR_CHART, OTEL_COLLECTOR_IMAGE, XRAY_TRACE_ID } from '../../facts/otel';
import { evaluateAwsRules } from '../../policy/aws-rules';
import { type CapturedResource, byName, ofType, runStack } from './support/stack';

const RELEASE = 'kubernetes:helm.sh/v3:Release';

describe('tracing on, to X-Ray', () => {
  let all: CapturedResource[];
  beforeAll(async () => {
    all = (await runStack('dev', { settings: { tracing: { enabled: true } } })).resources;
  });

  it('installs the pinned collector chart with an OTLP-in, X-Ray-out trace pipeline', () => {
    const r = byName(all, RELEASE, 'tracing-collector').inputs as Record<string, any>;
    expect(r).toMatchObject({
      name: 'otel-collector',
      chart: OTEL_COLLECTOR_CHART.chart,
      version: OTEL_COLLECTOR_CHART.version,
      repositoryOpts: { repo: OTEL_COLLECTOR_CHART.repo },
      namespace: 'opentelemetry',
    });
    const v = r.values;
    expect(v.mode).toBe('deployment');
    expect(v.image.repository).toContain('otel/opentelemetry-collector-contrib');
    expect(v.image.tag).toBe(OTEL_COLLECTOR_IMAGE.tag);
    expect(v.config.service.pipelines).toEqual({
      traces: { receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['awsxray'] },
      metrics: null,
      logs: null,
    });
    expect(v.config.exporters.awsxray.region).toBe('us-east-1');
    expect(v.config.receivers.otlp.protocols).toEqual({
      grpc: { endpoint: '${env:MY_POD_IP}:4317' },
      http: { endpoint: '${env:MY_POD_IP}:4318' },
    });
    expect(v.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(v.podSecurityContext).toMatchObject({ runAsNonRoot: true });
    expect(v.resources.limits.memory).toBe('512Mi');
  });

  it('lets the collector, and only its service account, write to X-Ray', () => {
    const attachments = ofType(all, 'aws:iam/rolePolicyAttachment:RolePolicyAttachment').filter((a) => a.name.startsWith('tracing-xray'));
    expect(attachments.map((a) => a.inputs.policyArn)).toEqual([XRAY_TRACE_ID.managedPolicy]);
    const assoc = ofType(all, 'aws:eks/podIdentityAssociation:PodIdentityAssociation').filter((a) => a.name.startsWith('tracing-xray'));
    expect(assoc.map((a) => [a.inputs.namespace, a.inputs.serviceAccount])).toEqual([['opentelemetry', 'otel-collector']]);
  });

  it('passes the AWS rules', () => {
    expect(evaluateAwsRules(all).filter((r) => !r.passed)).toEqual([]);
  });
});

describe('tracing on, to an OTLP endpoint', () => {
  it('exports over OTLP/HTTP and creates no AWS role', async () => {
    const { resources } = await runStack('dev', {
      settings: { tracing: { enabled: true, backend: { kind: 'otlp', endpoint: 'http://tempo.monitoring:4318' } } },
    });
    const v = byName(resources, RELEASE, 'tracing-collector').inputs.values as Record<string, any>;
    expect(v.config.exporters).toEqual({ otlphttp: { endpoint: 'http://tempo.monitoring:4318' }, debug: null });
    expect(v.config.service.pipelines.traces.exporters).toEqual(['otlphttp']);
    expect(resources.filter((r) => r.name.startsWith('tracing-xray'))).toEqual([]);
  });
});

describe('tracing off', () => {
  it('installs no collector', async () => {
    const { resources } = await runStack('dev');
    expect(ofType(resources, RELEASE).filter((r) => r.name.startsWith('tracing'))).toEqual([]);
  });
});
