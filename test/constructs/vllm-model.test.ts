/** The construct on its own: variations the real environments do not exercise, and its guards. */
import { App, Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { VllmModel, vllmArgs } from '../../constructs/vllm-model';
import { parsePlatformConfig } from '../../config/platform';
import type { KubernetesObject } from '../../stacks/manifests';
import { renderManifests } from '../../stacks/manifests';
import { modelProps } from '../../stacks/platform-chart';
import { find } from '../support/manifests';
import { validateObject } from '../support/schemas';
import { tempDir } from '../support/temp';

const config = (settings: Record<string, unknown>) => parsePlatformConfig(settings, 'test', 'Pulumi.test.yaml');

describe('VllmModel', () => {
  it('gives each pod its own ephemeral EBS volume when asked', () => {
    const c = config({ workloads: { modelCache: { kind: 'ephemeral', sizeGiB: 40 } }, models: { awq: { maxReplicas: 3 } } });
    const objs = renderManifests(c);
    const d = find(objs, 'Deployment', 'mistral-7b-awq');
    const cache = d.spec.template.spec.volumes.find((v: any) => v.name === 'model-cache');
    expect(cache.ephemeral.volumeClaimTemplate.spec).toEqual({
      accessModes: ['ReadWriteOnce'],
      storageClassName: 'gp3',
      resources: { requests: { storage: '40Gi' } },
    });
    expect(d.spec.strategy.type).toBe('RollingUpdate');
    expect(objs.filter((o) => o.kind === 'PersistentVolumeClaim')).toEqual([]);
    for (const o of objs) validateObject(o);
  });

  it('drops the API key when auth is off and pins the image by digest when given', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const objs = renderManifests(config({ workloads: { enableAuth: false, image: { digest, vllmVersion: '0.18.0' } } }));
    const [container] = find(objs, 'Deployment', 'mistral-7b-judge').spec.template.spec.containers;
    expect(container.image).toBe(`vllm/vllm-openai@${digest}`);
    expect(container.env.map((e: any) => e.name)).not.toContain('VLLM_API_KEY');
    expect(objs.filter((o) => o.kind === 'ExternalSecret').map((o) => o.metadata.name)).toEqual(['hf-token']);
  });

  it('passes revision, batching, eager mode, prefix caching and extra flags through in a stable order', () => {
    const c = config({
      models: {
        judge: { revision: 'abc123', enforceEager: true, enablePrefixCaching: false, extraArgs: ['--disable-log-requests'] },
      },
    });
    expect(vllmArgs(modelProps(c, c.models.judge))).toEqual([
      'TheBloke/Mistral-7B-Instruct-v0.2-AWQ',
      '--revision',
      'abc123',
      '--served-model-name',
      'mistral-7b-judge',
      '--host',
      '0.0.0.0',
      '--port',
      '8000',
      '--dtype',
      'half',
      '--quantization',
      'awq',
      '--max-model-len',
      '4096',
      '--max-num-seqs',
      '64',
      '--max-num-batched-tokens',
      '8192',
      '--gpu-memory-utilization',
      '0.9',
      '--enforce-eager',
      '--no-enable-prefix-caching',
      '--shutdown-timeout',
      '45',
      '--disable-log-requests',
    ]);
  });

  it('runs each blue/green track at its own version, with its own EBS cache when caches are per variant', () => {
    const c = config({
      models: {
        judge: {
          rolloutStrategy: 'BlueGreen',
          revision: 'r1',
          blueGreen: { activeTrack: 'green', standbyReplicas: 0, tracks: { green: { imageTag: 'v0.19.0', revision: 'r2' } } },
        },
      },
    });
    const objs = renderManifests(c);
    const blue = find(objs, 'Deployment', 'mistral-7b-judge-blue');
    const green = find(objs, 'Deployment', 'mistral-7b-judge-green');
    expect(blue.spec.replicas).toBe(0);
    expect(green.spec.replicas).toBe(1);
    expect(blue.spec.template.spec.containers[0].image).toBe('vllm/vllm-openai:v0.18.0');
    expect(green.spec.template.spec.containers[0].image).toBe('vllm/vllm-openai:v0.19.0');
    const rev = (d: any) => d.spec.template.spec.containers[0].args[d.spec.template.spec.containers[0].args.indexOf('--revision') + 1];
    expect([rev(blue), rev(green)]).toEqual(['r1', 'r2']);
    expect(objs.filter((o) => o.kind === 'PersistentVolumeClaim').map((o) => o.metadata.name)).toEqual([
      'mistral-7b-awq-cache',
      'mistral-7b-fp16-cache',
      'mistral-7b-lora-cache',
      'mistral-7b-judge-blue-cache',
      'mistral-7b-judge-green-cache',
    ]);
    expect(find(objs, 'Service', 'mistral-7b-judge').spec.selector['llm-platform.io/track']).toBe('green');
    for (const o of objs) validateObject(o);
  });

  it('loads a registry version through an init container that syncs it into the cache', () => {
    const c = config({
      registry: { bucketName: 'acme-llm-models' },
      models: { awq: { source: { kind: 'registry', version: '1.2.0' } } },
    });
    const objs = renderManifests(c);
    const pod = find(objs, 'Deployment', 'mistral-7b-awq').spec.template.spec;
    const [init] = pod.initContainers;
    expect(init.command).toEqual([
      'aws',
      's3',
      'sync',
      's3://acme-llm-models/models/mistral-7b-awq/v1.2.0/',
      '/model-cache/registry/mistral-7b-awq/v1.2.0',
      '--only-show-errors',
      '--no-progress',
    ]);
    expect(init.securityContext).toEqual(pod.containers[0].securityContext);
    const args: string[] = pod.containers[0].args;
    expect(args.slice(0, 2)).toEqual(['/model-cache/registry/mistral-7b-awq/v1.2.0', '--served-model-name']);
    expect(args).not.toContain('--revision');
    const egress = find(objs, 'NetworkPolicy', 'mistral-7b-awq').spec.egress;
    expect(egress).toContainEqual({ to: [{ ipBlock: { cidr: '169.254.170.23/32' } }], ports: [{ port: 80, protocol: 'TCP' }] });
    expect(find(objs, 'NetworkPolicy', 'mistral-7b-judge').spec.egress).toHaveLength(2);
    for (const o of objs) validateObject(o);
  });

  it('streams a registry version from S3 when asked, per blue/green track', () => {
    const c = config({
      registry: { bucketName: 'acme-llm-models' },
      workloads: { modelCache: { kind: 'shared' } },
      models: {
        judge: {
          source: { kind: 'registry', version: '2.0.0', loader: 'stream' },
          rolloutStrategy: 'BlueGreen',
          blueGreen: { tracks: { green: { registryVersion: '2.1.0' } } },
        },
      },
    });
    const objs = renderManifests(c);
    const argsOf = (name: string): string[] => find(objs, 'Deployment', name).spec.template.spec.containers[0].args;
    expect(argsOf('mistral-7b-judge-blue').slice(0, 3)).toEqual([
      's3://acme-llm-models/models/mistral-7b-judge/v2.0.0/',
      '--load-format',
      'runai_streamer',
    ]);
    expect(argsOf('mistral-7b-judge-green')[0]).toBe('s3://acme-llm-models/models/mistral-7b-judge/v2.1.0/');
    expect(find(objs, 'Deployment', 'mistral-7b-judge-blue').spec.template.spec.initContainers).toBeUndefined();
  });

  it('fails when a registry source has no bucket name, or a track pins a registry version without one', () => {
    expect(() => config({ models: { awq: { source: { kind: 'registry', version: '1.2' } } } })).toThrow(
      'Pulumi.test.yaml has 1 config error:\n  - models.awq.source.version must be a semantic version like 1.2.0, got "1.2"',
    );
    expect(() =>
      config({
        models: {
          awq: { source: { kind: 'registry', version: '1.2.0' } },
          judge: { blueGreen: { tracks: { blue: { registryVersion: '1.0.0' } } } },
        },
      }),
    ).toThrow(
      'Pulumi.test.yaml has 2 config errors:\n' +
        '  - models.awq.source loads registry version 1.2.0, but registry.bucketName is not set, so the manifests cannot name the bucket; set registry.bucketName\n' +
        '  - models.judge.blueGreen.tracks sets a registryVersion, but models.judge.source.kind is huggingface; set source.kind registry',
    );
  });

  it('fails when a blue/green track runs latest', () => {
    expect(() =>
      config({ models: { awq: { rolloutStrategy: 'BlueGreen', blueGreen: { tracks: { green: { imageTag: 'latest' } } } } } }),
    ).toThrow('models.awq.blueGreen.tracks.green.imageTag must pin a release, got "latest"; use a version tag like v0.18.0');
  });

  it('fails when used directly with a RWO cache and surge, or an unpinned image', () => {
    const c = config({});
    const props = modelProps(c, c.models.awq);
    // cdk8s's Testing.chart() would leave its outdir in /tmp.
    const chart = new Chart(new App({ outdir: tempDir('cdk8s-') }), 'test');
    expect(() => new VllmModel(chart, 'a', { ...props, rolloutStrategy: 'RollingUpdate', image: 'vllm/vllm-openai:latest' })).toThrow(
      'VllmModel mistral-7b-awq: a pvc cache (ReadWriteOnce) needs rolloutStrategy Recreate and maxReplicas 1; use a shared or ephemeral cache; image must be pinned by tag or digest, got vllm/vllm-openai:latest',
    );
    expect(() => new VllmModel(chart, 'b', { ...props, image: 'vllm/vllm-openai' })).toThrow(
      'VllmModel mistral-7b-awq: image must be pinned by tag or digest, got vllm/vllm-openai',
    );
  });
});

describe('schema validation', () => {
  const objs = renderManifests(config({ workloads: { modelCache: { kind: 'shared' } }, models: { awq: { maxReplicas: 2 } } }));
  const broken = (kind: string, name: string, mutate: (o: any) => void): KubernetesObject => {
    const o = structuredClone(find<KubernetesObject>(objs, kind, name)) as any;
    mutate(o);
    return o;
  };

  it('rejects a Deployment with a malformed field', () => {
    const bad = broken('Deployment', 'mistral-7b-awq', (o) => (o.spec.template.spec.containers[0].ports[0].containerPort = 'http'));
    expect(() => validateObject(bad)).toThrow(/apps\/v1\/Deployment mistral-7b-awq fails its schema/);
  });

  it('rejects a ScaledObject without a target and an ExternalSecret without a remote key', () => {
    expect(() => validateObject(broken('ScaledObject', 'mistral-7b-awq', (o) => delete o.spec.scaleTargetRef))).toThrow(/fails its schema/);
    expect(() => validateObject(broken('ExternalSecret', 'hf-token', (o) => delete o.spec.data[0].remoteRef.key))).toThrow(
      /fails its schema/,
    );
  });

  it('rejects kinds it has no schema for', () => {
    expect(() => validateObject({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } })).toThrow(
      'no schema registered for v1/Secret (s)',
    );
  });
});
