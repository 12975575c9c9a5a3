/**
 * The bench charts of an environment, synthesized with cdk8s from the real dev config (with the
 * llm-bench image and tracing turned on): the namespace, its RBAC and NetworkPolicy, and the
 * suspended load worker Job, each valid against the Kubernetes schema and passing every policy rule.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { workerSpecSchema } from '../../bench/distributed/spec';
import { parseEnvironmentText } from '../../config/platform';
import {
  BENCH_UID,
  COORDINATOR_RULES,
  loadWorkerJob,
  PROMPTS_DIR,
  PROMPTS_KEY,
  promptsConfigMap,
  RUN_LABEL,
  WORKER_COMMAND,
  WORKER_SPEC_ENV,
} from '../../constructs/bench-layout';
import { evaluateK8sRules } from '../../policy/k8s';
import { renderManifests } from '../../stacks/manifests';
import { BENCH_LOAD_JOB, benchImage } from '../../stacks/bench-chart';
import { PROJECT_ROOT } from '../../stacks/synthesize';
import { find } from '../support/manifests';
import { validateObject } from '../support/schemas';

const TODAY = new Date('2026-12-07T00:00:00Z');
const IMAGE = 'ghcr.io/example/llm-bench:0.1.0';

function devWith(extra: string) {
  const text = readFileSync(join(PROJECT_ROOT, 'Pulumi.dev.yaml'), 'utf8');
  return parseEnvironmentText(`${text.trimEnd()}\n${extra}`, 'Pulumi.dev.yaml', { today: TODAY });
}

describe('the bench charts', () => {
  const c = devWith(`  llm-platform:bench:\n    image: ${IMAGE}\n  llm-platform:tracing:\n    enabled: true\n`);
  const objects = renderManifests(c);
  const bench = objects.filter(
    (o) => o.metadata.namespace === c.workloads.benchNamespace || o.metadata.name === c.workloads.benchNamespace,
  );

  it('are valid Kubernetes objects and pass every policy rule', () => {
    expect(bench.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ExternalSecret/vllm-api-key',
      'Job/llm-bench-load',
      'Namespace/llm-bench',
      'NetworkPolicy/default-deny',
      'NetworkPolicy/llm-bench-egress',
      'NetworkPolicy/llm-bench-load',
      'Role/llm-bench-load-coordinator',
      'RoleBinding/llm-bench-load-coordinator',
      'ServiceAccount/llm-bench',
      'ServiceAccount/llm-bench-worker',
    ]);
    for (const o of bench) validateObject(o);
    const failed = evaluateK8sRules(objects).filter((r) => !r.passed);
    expect(failed).toEqual([]);
  });

  it('make the load an Indexed Job of restricted pods, one shard per index, created suspended', () => {
    const job = find(objects, 'Job', BENCH_LOAD_JOB);
    expect(job.spec).toMatchObject({
      suspend: true,
      completionMode: 'Indexed',
      completions: 4,
      parallelism: 4,
      backoffLimitPerIndex: 0,
      maxFailedIndexes: 4,
    });
    const pod = job.spec.template.spec;
    expect(pod).toMatchObject({
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, runAsUser: BENCH_UID },
    });
    const [container] = pod.containers;
    expect(container.command).toEqual([...WORKER_COMMAND]);
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.resources).toEqual({ requests: { cpu: '1', memory: '1Gi' }, limits: { memory: '1Gi' } });
    expect(container.image).toContain('llm-bench:0.1.0');
    const spec = workerSpecSchema.parse(JSON.parse(container.env.find((e: { name: string }) => e.name === WORKER_SPEC_ENV).value));
    const m = c.enabledModels[0]!;
    expect(spec.settings).toMatchObject({ baseUrl: `http://${m.name}.${c.workloads.namespace}.svc:8000`, model: m.name });
    expect(spec.thresholds).toEqual([`ttftMs.p95<${m.slo.ttftP95Ms}`, `errorRate<${m.slo.errorRatio}`]);
    expect(spec.otlpEndpoint).toBe('http://otel-collector.opentelemetry.svc:4318');
  });

  it('let the coordinator create worker Jobs and their promptset ConfigMaps and read their logs, nothing else', () => {
    const role = find(objects, 'Role', 'llm-bench-load-coordinator');
    expect(role.rules).toEqual(COORDINATOR_RULES);
    expect(role.rules).toEqual([
      { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'get', 'delete'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
      { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
      { apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'patch', 'delete'] },
    ]);
    expect(role.rules.flatMap((r: { verbs: string[] }) => r.verbs)).not.toContain('*');
  });

  it('with a promptset, mount its ConfigMap read-only in every pod: both valid, and every rule still passes', () => {
    // The chart's Job as it would be with a promptset (same name and run, so its own NetworkPolicy still selects it).
    const job = find(objects, 'Job', BENCH_LOAD_JOB);
    const runId = job.metadata.labels[RUN_LABEL] as string;
    const cmName = `${BENCH_LOAD_JOB}-prompts`;
    const { apiVersion, kind, metadata, ...rest } = loadWorkerJob({
      name: BENCH_LOAD_JOB,
      namespace: c.workloads.benchNamespace,
      image: job.spec.template.spec.containers[0].image,
      workers: 4,
      spec: '{}',
      runId,
      cpu: 1,
      memoryGiB: 1,
      activeDeadlineSeconds: 600,
      promptsConfigMap: cmName,
    });
    const withPrompts = { apiVersion, kind, metadata: { ...metadata }, ...rest } as typeof job;
    const cm = promptsConfigMap({
      name: cmName,
      namespace: c.workloads.benchNamespace,
      runId,
      base64: Buffer.from('{"prompt": "hi"}\n').toString('base64'),
    });
    for (const o of [withPrompts, cm]) validateObject(o as Parameters<typeof validateObject>[0]);
    const pod = withPrompts.spec.template.spec;
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'prompts', mountPath: PROMPTS_DIR, readOnly: true });
    expect(pod.volumes).toContainEqual({ name: 'prompts', configMap: { name: cmName } });
    expect(cm).toMatchObject({ immutable: true, binaryData: { [PROMPTS_KEY]: expect.any(String) } });
    const others = objects.filter((o) => o !== job);
    expect(evaluateK8sRules([...others, withPrompts, cm] as typeof objects).filter((r) => !r.passed)).toEqual([]);
  });

  it('start vLLM with --otlp-traces-endpoint at the collector, and let it reach the collector', () => {
    const vllms = objects
      .filter((o) => o.kind === 'Deployment')
      .flatMap((d) => (d as any).spec.template.spec.containers.filter((x: { name: string }) => x.name === 'vllm'));
    expect(vllms.length).toBeGreaterThanOrEqual(c.enabledModels.length);
    for (const vllm of vllms) {
      const args: string[] = [...(vllm.command ?? []), ...(vllm.args ?? [])];
      expect(args[args.indexOf('--otlp-traces-endpoint') + 1]).toBe('grpc://otel-collector.opentelemetry.svc:4317');
    }
    for (const m of c.enabledModels) {
      const np = find(objects, 'NetworkPolicy', m.name);
      expect(np.spec.egress).toContainEqual({
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'opentelemetry' } } }],
        ports: [{ port: 4317, protocol: 'TCP' }],
      });
    }
  });

  it('leave out the Job without an image, and tracing without tracing.enabled', () => {
    const plain = renderManifests(devWith(''));
    expect(plain.filter((o) => o.kind === 'Job')).toEqual([]);
    expect(find(plain, 'Namespace', 'llm-bench')).toBeDefined();
    const egress = find(plain, 'NetworkPolicy', 'llm-bench-egress');
    expect(JSON.stringify(egress)).not.toContain('opentelemetry');
    expect(JSON.stringify(plain)).not.toContain('--otlp-traces-endpoint');
  });
});

describe('the llm-bench image', () => {
  const cached = { ...devWith(''), imageCache: { enabled: true, registry: '123456789012.dkr.ecr.us-east-1.amazonaws.com' } } as Parameters<
    typeof benchImage
  >[0];

  it('is pulled through the cache when its registry is one the cache serves, and as named otherwise', () => {
    expect(benchImage(cached, 'quay.io/example/llm-bench:0.1.0')).toBe(
      '123456789012.dkr.ecr.us-east-1.amazonaws.com/quay/example/llm-bench:0.1.0',
    );
    expect(benchImage(cached, '123456789012.dkr.ecr.us-east-1.amazonaws.com/llm-bench:0.1.0')).toBe(
      '123456789012.dkr.ecr.us-east-1.amazonaws.com/llm-bench:0.1.0',
    );
    expect(benchImage(cached, IMAGE)).toBe(IMAGE);
    expect(benchImage(devWith(''), 'quay.io/example/llm-bench:0.1.0')).toBe('quay.io/example/llm-bench:0.1.0');
  });
});
