/**
 * The plain functions under the components, and the settings the real stack files do not
 * exercise (Bottlerocket GPU nodes).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RATE_LIMIT_STORE_IMAGE } from '../../constructs/gateway';
import { cachedImage, imageRegistryOf } from '../../constructs/image-cache';
import { alertmanagerConfig } from '../../infra/alerting';
import { tunnelKubeconfig } from '../../infra/cluster';
import { subnetLayout } from '../../infra/network';
import { imageVolumeDevice, spreadAcrossZones } from '../../infra/node-groups';
import { volumeTagParameters } from '../../infra/storage';
import { serviceEndpoints } from '../../infra/workloads';
import { ACCOUNT_ID, TODAY, byName, ofType, runStack } from './support/stack';

beforeAll(() => {
  vi.useFakeTimers({ toFake: ['Date'], now: TODAY });
});
afterAll(() => {
  vi.useRealTimers();
});

/** [first, last] address of a CIDR as numbers. */
function range(cidr: string): [number, number] {
  const [ip, bits] = cidr.split('/') as [string, string];
  const start = ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
  return [start, start + 2 ** (32 - Number(bits)) - 1];
}

describe('subnetLayout', () => {
  it('gives each zone a quarter of a /16 for nodes and pods and a /22 from the last quarter for NAT', () => {
    expect(subnetLayout('10.0.0.0/16', 3)).toEqual([
      { private: '10.0.0.0/18', public: '10.0.192.0/22' },
      { private: '10.0.64.0/18', public: '10.0.196.0/22' },
      { private: '10.0.128.0/18', public: '10.0.200.0/22' },
    ]);
  });

  it.each(['10.0.0.0/16', '172.16.0.0/18', '192.168.16.0/20'])('keeps %s subnets inside the VPC and apart', (vpc) => {
    const subnets = subnetLayout(vpc, 3)
      .flatMap((z) => [z.private, z.public])
      .map(range);
    const [lo, hi] = range(vpc);
    for (const [a, b] of subnets) expect(a >= lo && b <= hi).toBe(true);
    const sorted = [...subnets].sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]![0]).toBeGreaterThan(sorted[i - 1]![1]);
  });
});

describe('spreadAcrossZones', () => {
  it('splits a pool size over zones, earlier zones first, never losing a node', () => {
    expect(spreadAcrossZones(8, 3)).toEqual([3, 3, 2]);
    expect(spreadAcrossZones(3, 2)).toEqual([2, 1]);
    expect(spreadAcrossZones(0, 3)).toEqual([0, 0, 0]);
  });
});

describe('GPU node AMIs', () => {
  it('puts container images on the volume the AMI family keeps them on', () => {
    expect(imageVolumeDevice('AL2023_x86_64_NVIDIA')).toBe('/dev/xvda');
    expect(imageVolumeDevice('BOTTLEROCKET_x86_64_NVIDIA')).toBe('/dev/xvdb');
  });

  it('follows the newest Bottlerocket NVIDIA release for the minor', async () => {
    const run = await runStack('dev', { settings: { gpuNodes: { amiType: 'BOTTLEROCKET_x86_64_NVIDIA' } } });
    const gpu = ofType(run.resources, 'aws:eks/nodeGroup:NodeGroup').filter((g) => g.name.startsWith('gpu-nodes-'));
    for (const g of gpu)
      expect(g.inputs).toMatchObject({ amiType: 'BOTTLEROCKET_x86_64_NVIDIA', version: '1.35', releaseVersion: '1.50.0-1a2b3c4d' });
  });

  it('runs a pinned AMI release instead of the newest', async () => {
    const run = await runStack('dev', { settings: { gpuNodes: { amiReleaseVersion: '1.35.1-20260301' } } });
    const gpu = ofType(run.resources, 'aws:eks/nodeGroup:NodeGroup').filter((g) => g.name.startsWith('gpu-nodes-'));
    expect(gpu.map((g) => g.inputs.releaseVersion)).toEqual(gpu.map(() => '1.35.1-20260301'));
    expect(byName(run.resources, 'aws:eks/nodeGroup:NodeGroup', 'system-nodes-ng').inputs.releaseVersion).toBe('1.35.3-20260911');
  });

  it('skips the device plugin chart on Bottlerocket, which runs its own', async () => {
    const run = await runStack('dev', { settings: { gpuNodes: { amiType: 'BOTTLEROCKET_x86_64_NVIDIA' } } });
    const releases = ofType(run.resources, 'kubernetes:helm.sh/v3:Release').map((r) => r.name);
    expect(releases).not.toContain('addons-nvidia-device-plugin');
    expect(releases).toContain('addons-keda');
    const lt = byName(run.resources, 'aws:ec2/launchTemplate:LaunchTemplate', 'gpu-nodes-lt').inputs as {
      blockDeviceMappings: { deviceName: string }[];
    };
    expect(lt.blockDeviceMappings.map((m) => m.deviceName)).toEqual(['/dev/xvdb']);
  });
});

describe('serviceEndpoints', () => {
  it('fails when the chart renders no Service for an enabled variant', () => {
    expect(() => serviceEndpoints([], ['mistral-7b-awq'])).toThrow(
      'workloads have no Service mistral-7b-awq with a namespace and a port; the model chart must render one per enabled variant',
    );
  });
});

describe('tunnelKubeconfig', () => {
  it('points the server at the local port and keeps checking the endpoint certificate by its name', () => {
    const original = {
      apiVersion: 'v1',
      clusters: [{ name: 'c', cluster: { server: 'https://ABC.gr7.us-east-1.eks.amazonaws.com', 'certificate-authority-data': 'Q0E=' } }],
    };
    expect(JSON.parse(tunnelKubeconfig(JSON.stringify(original), 8443))).toEqual({
      apiVersion: 'v1',
      clusters: [
        {
          name: 'c',
          cluster: {
            server: 'https://127.0.0.1:8443',
            'tls-server-name': 'ABC.gr7.us-east-1.eks.amazonaws.com',
            'certificate-authority-data': 'Q0E=',
          },
        },
      ],
    });
  });
});

describe('volumeTagParameters', () => {
  it('turns tags into the EBS CSI tagSpecification parameters', () => {
    expect(volumeTagParameters({ environment: 'dev', 'cost-center': 'ml' })).toEqual({
      tagSpecification_1: 'environment=dev',
      tagSpecification_2: 'cost-center=ml',
    });
  });
});

describe('image references through the pull-through cache', () => {
  const ecr = `${ACCOUNT_ID}.dkr.ecr.us-east-1.amazonaws.com`;

  it.each([
    ['vllm/vllm-openai:v0.18.0', 'docker.io', `${ecr}/docker-hub/vllm/vllm-openai:v0.18.0`],
    ['ubuntu:24.04', 'docker.io', `${ecr}/docker-hub/library/ubuntu:24.04`],
    ['docker.io/vllm/vllm-openai@sha256:' + 'a'.repeat(64), 'docker.io', `${ecr}/docker-hub/vllm/vllm-openai@sha256:${'a'.repeat(64)}`],
    ['public.ecr.aws/aws-cli/aws-cli:2.22.35', 'public.ecr.aws', `${ecr}/ecr-public/aws-cli/aws-cli:2.22.35`],
    ['registry.k8s.io/autoscaling/cluster-autoscaler', 'registry.k8s.io', `${ecr}/k8s/autoscaling/cluster-autoscaler`],
  ])('maps %s (%s) onto the cache', (ref, registry, cached) => {
    expect(imageRegistryOf(ref)).toBe(registry);
    expect(cachedImage(ref, ecr)).toBe(cached);
  });

  it('fails for a registry without a pull-through rule', () => {
    expect(() => cachedImage('nvcr.io/nvidia/k8s-device-plugin:v0.18.2', ecr)).toThrow(
      'image nvcr.io/nvidia/k8s-device-plugin:v0.18.2 comes from nvcr.io, which has no pull-through cache rule',
    );
  });

  it("creates the rules, a repository template and the nodes' right to fill the cache, and points the pods at it", async () => {
    const run = await runStack('dev', {
      settings: { imageCache: { enabled: true, registry: ecr, dockerHubSecretName: 'ecr-pullthroughcache/docker-hub' } },
    });
    const rules = ofType(run.resources, 'aws:ecr/pullThroughCacheRule:PullThroughCacheRule')
      .map((r) => r.inputs)
      .sort((a, b) => String(a.ecrRepositoryPrefix).localeCompare(String(b.ecrRepositoryPrefix)));
    expect(rules).toEqual([
      {
        ecrRepositoryPrefix: 'docker-hub',
        upstreamRegistryUrl: 'registry-1.docker.io',
        credentialArn: `arn:aws:secretsmanager:us-east-1:${ACCOUNT_ID}:secret:ecr-pullthroughcache/docker-hub-AbCdEf`,
      },
      { ecrRepositoryPrefix: 'ecr-public', upstreamRegistryUrl: 'public.ecr.aws' },
      { ecrRepositoryPrefix: 'k8s', upstreamRegistryUrl: 'registry.k8s.io' },
    ]);
    expect(
      ofType(run.resources, 'aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate')
        .map((t) => t.inputs.prefix)
        .sort(),
    ).toEqual(['docker-hub', 'ecr-public', 'k8s']);
    const fill = JSON.parse(String(byName(run.resources, 'aws:iam/rolePolicy:RolePolicy', 'image-cache-fill').inputs.policy)) as {
      Statement: { Action: string[]; Resource: string[] }[];
    };
    expect(fill.Statement[0]).toMatchObject({
      Action: ['ecr:BatchImportUpstreamImage', 'ecr:CreateRepository'],
      Resource: ['docker-hub', 'ecr-public', 'k8s'].map((p) => `arn:aws:ecr:us-east-1:${ACCOUNT_ID}:repository/${p}/*`),
    });
    const objs = byName(run.resources, 'kubernetes:yaml/v2:ConfigGroup', 'workloads-manifests').inputs.objs as {
      kind: string;
      spec?: { template?: { spec: { containers: { image: string }[] } } };
    }[];
    const images = objs.filter((o) => o.kind === 'Deployment').flatMap((d) => d.spec!.template!.spec.containers.map((c) => c.image));
    // The models and the front door's rate-limit store (dev runs the front door).
    expect(new Set(images)).toEqual(new Set([`${ecr}/docker-hub/vllm/vllm-openai:v0.18.0`, `${ecr}/docker-hub/${RATE_LIMIT_STORE_IMAGE}`]));
    const autoscaler = byName(run.resources, 'kubernetes:helm.sh/v3:Release', 'addons-cluster-autoscaler').inputs.values as {
      image: { repository: string };
    };
    expect(autoscaler.image.repository).toBe(`${ecr}/k8s/autoscaling/cluster-autoscaler`);
  });
});

describe('alert receivers', () => {
  const base = {
    region: 'us-east-1',
    alertsTopicArn: 'arn:aws:sns:us-east-1:1:alerts',
    heartbeatTopicArn: 'arn:aws:sns:us-east-1:1:heartbeat',
  };
  type Receiver = {
    name: string;
    sns_configs?: unknown[];
    slack_configs?: { api_url_file: string }[];
    pagerduty_configs?: { routing_key_file: string }[];
  };

  it('pages PagerDuty for critical alerts and posts warnings and critical alerts to Slack, reading both from mounted files', () => {
    const c = alertmanagerConfig({ ...base, slack: true, pagerDuty: true }) as { receivers: Receiver[] };
    const r = (name: string) => c.receivers.find((x) => x.name === name)!;
    expect(r('critical').pagerduty_configs).toEqual([
      { routing_key_file: '/etc/alertmanager/secrets/alertmanager-webhooks/pagerduty-routing-key', send_resolved: true },
    ]);
    expect(r('critical').slack_configs?.[0]?.api_url_file).toBe('/etc/alertmanager/secrets/alertmanager-webhooks/slack-webhook-url');
    expect(r('warning').slack_configs?.[0]?.api_url_file).toBe('/etc/alertmanager/secrets/alertmanager-webhooks/slack-webhook-url');
    expect(r('warning').pagerduty_configs).toBeUndefined();
  });

  it('sends only to SNS without webhooks', () => {
    const c = alertmanagerConfig({ ...base, slack: false, pagerDuty: false }) as { receivers: Receiver[] };
    for (const r of c.receivers) {
      expect(r.slack_configs).toBeUndefined();
      expect(r.pagerduty_configs).toBeUndefined();
    }
  });

  it('brings the webhook credentials from Secrets Manager into monitoring through a store that can read nothing else', async () => {
    const run = await runStack('dev', {
      settings: {
        alerting: {
          slackWebhookSecretName: 'llm-platform/dev/slack-webhook',
          pagerDutyRoutingKeySecretName: 'llm-platform/dev/pagerduty-key',
          emailAddresses: ['ops@example.com'],
        },
      },
    });
    const reader = JSON.parse(String(byName(run.resources, 'aws:iam/rolePolicy:RolePolicy', 'alerting-webhook-reader').inputs.policy)) as {
      Statement: { Action: string[]; Resource: string[] }[];
    };
    expect(reader.Statement[0]!.Resource).toEqual([
      `arn:aws:secretsmanager:us-east-1:${ACCOUNT_ID}:secret:llm-platform/dev/slack-webhook-??????`,
      `arn:aws:secretsmanager:us-east-1:${ACCOUNT_ID}:secret:llm-platform/dev/pagerduty-key-??????`,
    ]);
    const trust = JSON.parse(String(byName(run.resources, 'aws:iam/role:Role', 'alerting-webhook-reader').inputs.assumeRolePolicy)) as {
      Statement: { Principal: unknown }[];
    };
    expect(trust.Statement[0]!.Principal).toEqual({ AWS: `arn:aws:iam::${ACCOUNT_ID}:role/secrets-reader` });
    const store = byName(run.resources, 'kubernetes:external-secrets.io/v1:SecretStore', 'addons-alerting-store');
    expect(store.inputs).toMatchObject({
      metadata: { name: 'alerting-secrets', namespace: 'monitoring' },
      spec: {
        provider: {
          aws: { service: 'SecretsManager', region: 'us-east-1', role: `arn:aws:iam::${ACCOUNT_ID}:role/alerting-webhook-reader` },
        },
      },
    });
    const secret = byName(run.resources, 'kubernetes:external-secrets.io/v1:ExternalSecret', 'addons-alert-webhooks');
    const prometheus = byName(run.resources, 'kubernetes:helm.sh/v3:Release', 'addons-kube-prometheus-stack');
    expect(prometheus.dependencies).toContain(secret.urn);
    expect((prometheus.inputs.values as { alertmanager: { alertmanagerSpec: unknown } }).alertmanager.alertmanagerSpec).toEqual({
      secrets: ['alertmanager-webhooks'],
    });
    expect(ofType(run.resources, 'aws:sns/topicSubscription:TopicSubscription').map((t) => t.inputs)).toEqual([
      { topic: `arn:aws:sns:us-east-1:${ACCOUNT_ID}:llm-platform-dev-alerts`, protocol: 'email', endpoint: 'ops@example.com' },
    ]);
  });
});
