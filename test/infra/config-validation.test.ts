/**
 * The infra settings of the config schema (config/platform.ts): the EKS calendar checked against an
 * injected day, AMI releases, declared LoRA adapter sources, the image cache and tags. Each
 * validation fails with its full message; the Pulumi program's side is in validation.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { EKS_VERSIONS, KUBERNETES_VERSIONS, LATEST_KUBERNETES_VERSION, supportPhase } from '../../facts/eks';
import { ConfigError, parsePlatformConfig, type PlatformConfig } from '../../config/platform';
import { adapterProps } from '../../stacks/platform-chart';
import { TODAY } from './support/stack';

const parse = (settings: Record<string, unknown>, today: Date = TODAY): PlatformConfig =>
  parsePlatformConfig(settings, 'dev', 'Pulumi.dev.yaml', { today });

function problems(settings: Record<string, unknown>, today: Date = TODAY): string[] {
  try {
    parse(settings, today);
  } catch (e) {
    if (e instanceof ConfigError) return [...e.problems];
    throw e;
  }
  throw new Error('the config was accepted');
}

describe('the EKS calendar (facts/eks.ts)', () => {
  it('offers only versions EKS still creates on the read date, newest first, 1.35 the default', () => {
    expect(KUBERNETES_VERSIONS).toEqual(['1.35', '1.34', '1.33', '1.32']);
    expect(LATEST_KUBERNETES_VERSION).toBe('1.35');
    expect(parse({}).cluster.kubernetesVersion).toBe('1.35');
    for (const v of EKS_VERSIONS) {
      expect(supportPhase(v.version, '2026-12-06'), v.version).not.toBe('ended');
      expect(v.source.read).toBe('2026-12-06');
      expect(v.source.url).toMatch(/^https:\/\//);
    }
  });

  it('has the dates the issue names: 1.33 standard to 2026-07-29, 1.34 to 2026-12-02, 1.35 from 2026-01-28 to 2027-03-27', () => {
    const row = (v: string) => EKS_VERSIONS.find((r) => r.version === v)!;
    expect(row('1.33').standardSupportEnd).toBe('2026-07-29');
    expect(row('1.34').standardSupportEnd).toBe('2026-12-02');
    expect(row('1.35')).toMatchObject({ eksRelease: '2026-01-28', standardSupportEnd: '2027-03-27' });
  });

  it('counts the first day of extended support as extended (EKS bills from the start of that day, UTC)', () => {
    expect(supportPhase('1.34', '2026-12-01')).toBe('standard');
    expect(supportPhase('1.34', '2026-12-02')).toBe('extended');
    expect(supportPhase('1.34', '2027-12-02')).toBe('ended');
  });
});

describe('cluster.kubernetesVersion against today', () => {
  it('defaults the upgrade policy to STANDARD', () => {
    expect(parse({}).cluster.supportType).toBe('STANDARD');
  });

  it('warns, and accepts, a version in extended support on the EXTENDED policy', () => {
    const c = parse({ cluster: { kubernetesVersion: '1.34', supportType: 'EXTENDED' } });
    expect(c.warnings).toEqual([
      'cluster.kubernetesVersion 1.34 is in EKS extended support since 2026-12-02 (until 2027-12-02): the control plane costs $0.60/h instead of $0.10/h, about $365/month more; upgrade to 1.35',
    ]);
  });

  it('fails when a version in extended support runs on the STANDARD policy', () => {
    expect(problems({ cluster: { kubernetesVersion: '1.34' } })).toEqual([
      'cluster.supportType STANDARD cannot run cluster.kubernetesVersion 1.34, which left EKS standard support on 2026-12-02 (today is 2026-12-06; EKS upgrades such a cluster by itself); upgrade to 1.35, or set cluster.supportType EXTENDED to stay on 1.34 until 2027-12-02 at $0.60/h',
    ]);
  });

  it('fails when the version is past the end of extended support', () => {
    expect(problems({ cluster: { kubernetesVersion: '1.32', supportType: 'EXTENDED' } }, new Date('2027-04-01T00:00:00Z'))).toEqual([
      'cluster.kubernetesVersion 1.32 is past the end of EKS extended support (2027-03-23; today is 2027-04-01): EKS no longer creates it and upgrades such clusters by itself; use 1.35',
    ]);
  });

  it('fails when the version is one EKS no longer creates', () => {
    expect(problems({ cluster: { kubernetesVersion: '1.31' } })).toEqual([
      'cluster.kubernetesVersion must be one of "1.35", "1.34", "1.33", "1.32", got "1.31"',
    ]);
  });

  it('fails on the default 1.35 once its standard support ends, asking for the next minor', () => {
    expect(problems({}, new Date('2027-03-27T00:00:00Z'))).toEqual([
      'cluster.supportType STANDARD cannot run cluster.kubernetesVersion 1.35, which left EKS standard support on 2027-03-27 (today is 2027-03-27; EKS upgrades such a cluster by itself); upgrade to the next minor (add its row to facts/eks.ts first), or set cluster.supportType EXTENDED to stay on 1.35 until 2028-03-27 at $0.60/h',
    ]);
  });
});

describe('AMI releases', () => {
  it('fails when a pinned AL2023 release is for another Kubernetes minor', () => {
    expect(problems({ gpuNodes: { amiReleaseVersion: '1.34.2-20260101' } })).toEqual([
      'gpuNodes.amiReleaseVersion 1.34.2-20260101 is an AMI for Kubernetes 1.34, but cluster.kubernetesVersion is 1.35; pin a 1.35.x release or remove amiReleaseVersion to follow the newest',
    ]);
  });

  it('fails when a release is not an EKS release version', () => {
    expect(problems({ systemNodes: { amiReleaseVersion: 'latest' } })).toEqual([
      'systemNodes.amiReleaseVersion must be an EKS AMI release version like 1.35.3-20260911, got "latest"',
    ]);
  });

  it('accepts a Bottlerocket OS release, which carries no Kubernetes minor', () => {
    const c = parse({ gpuNodes: { amiType: 'BOTTLEROCKET_x86_64_NVIDIA', amiReleaseVersion: '1.50.0-1a2b3c4d' } });
    expect(c.gpuNodes.amiReleaseVersion).toBe('1.50.0-1a2b3c4d');
  });
});

describe('LoRA adapter sources', () => {
  const lora = (...adapters: unknown[]) => ({ registry: { bucketName: 'models-bucket' }, models: { lora: { adapters } } });

  it('fails when an adapter gives a bare path (relative paths fall back to the Hugging Face Hub)', () => {
    expect(problems(lora({ name: 'support-tone', path: 'llm-platform/mistral-7b-support-tone-lora' }))).toEqual([
      'models.lora.adapters[0].path is not accepted, got "llm-platform/mistral-7b-support-tone-lora": vLLM resolves a bare path against its working directory and then tries it as a Hugging Face repo id; declare source {kind: huggingface, repo}, {kind: cache, path: /model-cache/...} or {kind: registry, version}',
    ]);
  });

  it('fails when an adapter declares no source', () => {
    expect(problems(lora({ name: 'support-tone' }))).toEqual([
      'models.lora.adapters[0].source is not set; declare {kind: huggingface, repo}, {kind: cache, path: /model-cache/...} or {kind: registry, version}',
    ]);
  });

  it('fails when a cache path is relative', () => {
    expect(problems(lora({ name: 'a', source: { kind: 'cache', path: 'adapters/a' } }))).toEqual([
      'models.lora.adapters[0].source.path must be absolute, got "adapters/a": vLLM resolves a relative path against its working directory, then tries it as a Hugging Face repo id; use a path under /model-cache/',
    ]);
  });

  it.each(['/opt/adapters/a', '/model-cache/../etc/a', '/model-cache'])('fails when a cache path %s is outside the model cache', (path) => {
    expect(problems(lora({ name: 'a', source: { kind: 'cache', path } }))).toEqual([
      `models.lora.adapters[0].source.path is outside the model cache, got ${JSON.stringify(path)}: the pod sees adapters only on its cache volume; use a path under /model-cache/`,
    ]);
  });

  it('fails when a Hugging Face source is not a repo id', () => {
    expect(problems(lora({ name: 'a', source: { kind: 'huggingface', repo: './adapters/a' } }))).toEqual([
      'models.lora.adapters[0].source.repo must be a Hugging Face repo id like org/name, got "./adapters/a"',
    ]);
  });

  it('fails when a registry source has no bucket to name, or no registry model name', () => {
    expect(
      problems({ models: { lora: { adapters: [{ name: 'Support_Tone', source: { kind: 'registry', version: '1.0.0' } }] } } }),
    ).toEqual([
      'models.lora.adapters[0].source loads registry version 1.0.0, but registry.bucketName is not set, so the manifests cannot name the bucket; set registry.bucketName',
      'models.lora.adapters[0].source.model is not set and the adapter name "Support_Tone" is not a registry model name; set source.model',
    ]);
  });

  it('fails when two adapters share a name', () => {
    const a = { name: 'a', source: { kind: 'huggingface', repo: 'org/a' } };
    expect(problems(lora(a, a))).toEqual(['models.lora.adapters[1].name a is used twice; give every adapter its own name']);
  });

  it('gives vLLM an unambiguous --lora-modules path for each accepted source', () => {
    const c = parse(
      lora(
        { name: 'hub', source: { kind: 'huggingface', repo: 'org/hub-lora' } },
        { name: 'cached', source: { kind: 'cache', path: '/model-cache/adapters/cached' } },
        { name: 'published', source: { kind: 'registry', version: '1.2.0' } },
      ),
    );
    expect(c.models.lora.adapters!.map((a) => adapterProps(c, a))).toEqual([
      { name: 'hub', path: 'org/hub-lora' },
      { name: 'cached', path: '/model-cache/adapters/cached' },
      {
        name: 'published',
        path: '/model-cache/registry/published/v1.2.0',
        sync: { uri: 's3://models-bucket/models/published/v1.2.0/', image: 'public.ecr.aws/aws-cli/aws-cli:2.22.35' },
      },
    ]);
  });
});

describe('image cache and tags', () => {
  const registry = '123456789012.dkr.ecr.us-east-1.amazonaws.com';

  it('fails when the cache is on without its registry or the Docker Hub credentials', () => {
    expect(problems({ imageCache: { enabled: true } })).toEqual([
      'imageCache.registry is not set, so the manifests cannot name the cache; set it to <account>.dkr.ecr.<region>.amazonaws.com',
      'workloads.image.repository vllm/vllm-openai comes from Docker Hub, and ECR caches Docker Hub only with credentials, got no imageCache.dockerHubSecretName; store {"username","accessToken"} in Secrets Manager under ecr-pullthroughcache/ and name it',
    ]);
  });

  it('fails when an image comes from a registry ECR cannot cache', () => {
    const settings = {
      imageCache: { enabled: true, registry, dockerHubSecretName: 'ecr-pullthroughcache/docker-hub' },
      registry: { syncImage: 'nvcr.io/nvidia/cli:1.0' },
    };
    expect(problems(settings)).toEqual([
      'registry.syncImage nvcr.io/nvidia/cli:1.0 comes from nvcr.io, which the pull-through cache does not serve; use an image from docker.io, public.ecr.aws, registry.k8s.io, quay.io or turn imageCache off',
    ]);
  });

  it('fails when the Docker Hub secret is not one ECR accepts', () => {
    expect(problems({ imageCache: { enabled: true, registry, dockerHubSecretName: 'dockerhub' } })).toEqual([
      'imageCache.dockerHubSecretName must start with ecr-pullthroughcache/ (ECR accepts only such secrets for pull-through rules), got "dockerhub"',
    ]);
  });

  it('fails when the cost centre is not an AWS tag value', () => {
    expect(problems({ costCenter: 'ml#1' })).toEqual([
      'costCenter must be an AWS tag value: letters, digits, spaces and _ . : / = + - @, got "ml#1"',
    ]);
  });

  it('resolves deletion protection, flow logs and the access host by tier and endpoint', () => {
    const dev = parse({ cluster: { publicAccessCidrs: ['203.0.113.0/24'] } });
    expect(dev.cluster).toMatchObject({ deletionProtection: false, enableAccessHost: false });
    expect(dev.network.flowLogs).toEqual({ enabled: false, retentionDays: 90 });
    const prod = parse({
      tier: 'prod',
      models: { fp16: { enabled: false } },
      observability: { runbookBaseUrl: 'https://github.com/acme/llm-platform/blob/main/docs/runbooks' },
    });
    expect(prod.cluster).toMatchObject({ deletionProtection: true, enableAccessHost: true, logRetentionDays: 90 });
    expect(prod.network.flowLogs).toEqual({ enabled: true, retentionDays: 90 });
  });

  it('fails when a log retention is not one CloudWatch Logs offers', () => {
    expect(problems({ cluster: { logRetentionDays: 100 } })[0]).toMatch(
      /^cluster\.logRetentionDays must be a CloudWatch Logs retention period \(1, 3, 5, .*3653\), got 100$/,
    );
  });
});
