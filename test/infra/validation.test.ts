/**
 * Bad input stops the Pulumi program before it registers a single resource (Pulumi does not
 * roll back a half-applied `up`), with every problem in one message; legal-but-risky settings
 * go to `pulumi.log.warn` and the program carries on.
 */
import * as pulumi from '@pulumi/pulumi';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type StackOverrides, TODAY, lastRegistrations, runStack } from './support/stack';

// The EKS support dates are checked against today: pin it.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'], now: TODAY });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Run the program expecting it to fail; returns the error after checking nothing was registered. */
async function failure(env: string, overrides: StackOverrides): Promise<Error> {
  const error = await runStack(env, overrides).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  if (!error) throw new Error('the program accepted the config');
  expect(lastRegistrations.map((r) => `${r.type} ${r.name}`)).toEqual([]);
  // A RunError: the CLI prints the message without a stack trace.
  expect(pulumi.RunError.isInstance(error)).toBe(true);
  return error;
}

const T4_TYPES =
  'g4dn.xlarge, g4dn.2xlarge, g4dn.4xlarge, g4dn.8xlarge, g4dn.12xlarge, g5.xlarge, g5.2xlarge, g6.xlarge, g6.2xlarge, g6e.xlarge';

describe('the Pulumi program', () => {
  it('fails when a GPU instance type is unknown', async () => {
    const e = await failure('dev', { settings: { gpuNodes: { instanceTypes: ['p5.48xlarge'] } } });
    expect(e.message).toBe(
      `Pulumi.dev.yaml has 1 config error:\n  - gpuNodes.instanceTypes[0] p5.48xlarge is not a known GPU instance type; use one of ${T4_TYPES}`,
    );
  });

  it('fails when the GPU is too small for a variant', async () => {
    const e = await failure('dev', { settings: { models: { fp16: { enabled: true, maxModelLen: 8192 } } } });
    expect(e.message).toBe(
      'Pulumi.dev.yaml has 1 config error:\n  - models.fp16.maxModelLen 8192 does not fit a T4 (g4dn.xlarge, g4dn.2xlarge) at gpuMemoryUtilization 0.97: weights 13.5 GiB + KV 1.0 GiB + overhead 0.6 GiB = 15.1 GiB > 14.3 GiB; lower maxModelLen or raise gpuMemoryUtilization',
    );
  });

  it('fails when prod opens the public API endpoint to the world', async () => {
    const e = await failure('prod', { settings: { cluster: { publicAccessCidrs: ['0.0.0.0/0'] } } });
    expect(e.message).toBe(
      'Pulumi.prod.yaml has 1 config error:\n  - cluster.publicAccessCidrs opens the API endpoint to the world, got "0.0.0.0/0"; list your office or VPN CIDRs, or none for a private endpoint',
    );
  });

  it('fails when prod models can scale past what the GPU node groups can hold', async () => {
    const e = await failure('prod', { settings: { gpuNodes: { maxSize: 8, onDemandFallback: { maxSize: 1 } } } });
    expect(e.message).toBe(
      'Pulumi.prod.yaml has 1 config error:\n  - gpuNodes.maxSize 8 + onDemandFallback.maxSize 1 holds 9 GPUs, but the enabled models scale to 15 (awq 4 + 1 standby, fp16 2, lora 4, judge 4), so the extra pods would stay Pending forever; raise gpuNodes.maxSize or lower maxReplicas',
    );
  });

  it('fails when the VPC is too small for the per-zone subnets', async () => {
    const e = await failure('dev', { settings: { network: { vpcCidr: '10.0.0.0/24' } } });
    expect(e.message).toBe(
      'Pulumi.dev.yaml has 1 config error:\n  - network.vpcCidr must be a /16 to /20 range (each zone gets a quarter of it for node and pod addresses), got "10.0.0.0/24"; use a range like 10.0.0.0/16',
    );
  });

  it('fails when a secret was never set', async () => {
    const e = await failure('dev', { secrets: { apiKey: 'k' } });
    expect(e.message).toBe(
      'Pulumi.dev.yaml has 1 config error:\n  - hfToken is not set; run pulumi config set --secret llm-platform:hfToken <value> -s dev',
    );
  });

  it('fails when a secret is stored in plain text', async () => {
    const e = await failure('dev', { plainTextSecrets: ['apiKey'] });
    expect(e.message).toBe(
      'Pulumi.dev.yaml has 1 config error:\n  - apiKey is stored in plain text in Pulumi.dev.yaml; remove it and run pulumi config set --secret llm-platform:apiKey <value> -s dev',
    );
    expect(e.message).not.toContain('test-api-key-value');
  });

  it('does not ask for an API key when the models run without auth', async () => {
    const run = await runStack('dev', { secrets: { hfToken: 'h' }, settings: { workloads: { enableAuth: false } } });
    // The platform's own secrets; the front door's client keys (front-door-api-keys) are not a pulumi config secret.
    const own = run.resources.filter((r) => r.type === 'aws:secretsmanager/secret:Secret' && r.name.startsWith('secrets-'));
    expect(own.map((r) => r.inputs.name)).toEqual(['llm-platform/dev/hf-token']);
  });

  it('fails when settings have several problems, reporting all of them at once', async () => {
    const e = await failure('prod', {
      settings: { gpuNodes: { instanceTypes: ['g4dn.xlarge', 'p5.48xlarge'] }, cluster: { publicAccessCidrs: ['0.0.0.0/0'] } },
      secrets: {},
    });
    expect(e.message).toBe(
      [
        'Pulumi.prod.yaml has 4 config errors:',
        `  - gpuNodes.instanceTypes[1] p5.48xlarge is not a known GPU instance type; use one of ${T4_TYPES}`,
        '  - cluster.publicAccessCidrs opens the API endpoint to the world, got "0.0.0.0/0"; list your office or VPN CIDRs, or none for a private endpoint',
        '  - hfToken is not set; run pulumi config set --secret llm-platform:hfToken <value> -s prod',
        '  - apiKey is not set; run pulumi config set --secret llm-platform:apiKey <value> -s prod',
      ].join('\n'),
    );
  });

  it('warns, and still deploys, when prod runs a variant on one SPOT replica with no fallback', async () => {
    const run = await runStack('prod', {
      settings: { gpuNodes: { onDemandFallback: { enabled: false } }, models: { judge: { minReplicas: 1 } } },
    });
    expect(run.warnings).toEqual([
      'models.judge.minReplicas 1 on SPOT with no gpuNodes.onDemandFallback means an outage at every interruption; set minReplicas 2 or enable the fallback',
    ]);
    expect(run.resources.some((r) => r.type === 'kubernetes:yaml/v2:ConfigGroup')).toBe(true);
  });

  it('warns, and still deploys, when the Kubernetes version is in extended support', async () => {
    const run = await runStack('dev', { settings: { cluster: { kubernetesVersion: '1.34', supportType: 'EXTENDED' } } });
    expect(run.warnings).toEqual([
      'cluster.kubernetesVersion 1.34 is in EKS extended support since 2026-12-02 (until 2027-12-02): the control plane costs $0.60/h instead of $0.10/h, about $365/month more; upgrade to 1.35',
    ]);
    const cluster = run.resources.find((r) => r.type === 'eks:index:Cluster')!;
    expect(cluster.inputs).toMatchObject({ version: '1.34', upgradePolicy: { supportType: 'EXTENDED' } });
  });

  it('fails when the Kubernetes version is past its extended support', async () => {
    vi.setSystemTime(new Date('2027-04-01T12:00:00Z'));
    const e = await failure('dev', { settings: { cluster: { kubernetesVersion: '1.32', supportType: 'EXTENDED' } } });
    expect(e.message).toBe(
      'Pulumi.dev.yaml has 1 config error:\n  - cluster.kubernetesVersion 1.32 is past the end of EKS extended support (2027-03-23; today is 2027-04-01): EKS no longer creates it and upgrades such clusters by itself; use 1.35',
    );
  });

  it('fails when the image cache registry is in another region than the stack', async () => {
    const e = await failure('dev', {
      settings: {
        imageCache: {
          enabled: true,
          registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
          dockerHubSecretName: 'ecr-pullthroughcache/docker-hub',
        },
      },
    });
    expect(e.message).toBe(
      'Pulumi.dev.yaml has 1 config error:\n  - imageCache.registry 123456789012.dkr.ecr.eu-west-1.amazonaws.com is in eu-west-1, but the stack deploys to aws:region us-east-1; use the registry of this account in us-east-1',
    );
  });

  it('warns when models load registry versions that nobody can publish', async () => {
    const run = await runStack('dev', {
      settings: { registry: { bucketName: 'llm-models-dev' }, models: { awq: { source: { kind: 'registry', version: '1.0.0' } } } },
    });
    expect(run.warnings).toEqual([
      'models awq load registry versions, but registry.publisherPrincipalArns is empty, so no publisher role exists and nobody but break-glass can publish one; list the CI role ARNs',
    ]);
  });

  it('fails when aws:defaultTags would replace a cost tag', async () => {
    const e = await failure('dev', { aws: { defaultTags: { tags: { team: 'ml', environment: 'x' } } } });
    expect(e.message).toBe(
      'Pulumi.dev.yaml has 1 config error:\n  - aws:defaultTags.tags.environment would replace a tag the stack sets, got "x"; remove it (the stack tags environment and project itself; set llm-platform:costCenter for cost-center)',
    );
  });

  it("hands the stack's aws:* settings to its AWS provider, the stack's default tags under the cost tags", async () => {
    const run = await runStack('dev', {
      settings: { costCenter: 'ml-research' },
      aws: { profile: 'llm-ci', allowedAccountIds: ['123456789012'], defaultTags: { tags: { team: 'ml' } } },
    });
    const provider = run.resources.find((r) => r.type === 'pulumi:providers:aws' && r.name === 'aws')!;
    expect(provider.inputs).toMatchObject({ region: 'us-east-1', profile: 'llm-ci', allowedAccountIds: JSON.stringify(['123456789012']) });
    expect(JSON.parse(String(provider.inputs.defaultTags))).toEqual({
      tags: { team: 'ml', environment: 'dev', project: 'llm-platform', 'cost-center': 'ml-research' },
    });
    // The kubeconfig's aws eks get-token uses the same profile.
    expect(run.resources.find((r) => r.type === 'eks:index:Cluster')!.inputs).toMatchObject({
      providerCredentialOpts: { profileName: 'llm-ci' },
    });
  });

  it('warns when KEDA would query a Prometheus other than the one the stack installs', async () => {
    const run = await runStack('dev', { settings: { workloads: { monitoring: { namespace: 'observability' } } } });
    expect(run.warnings).toEqual([
      'workloads.monitoring.prometheusUrl http://kube-prometheus-stack-prometheus.monitoring.svc:9090 is not the Prometheus this stack installs (http://kube-prometheus-stack-prometheus.observability.svc:9090); KEDA will query the former',
    ]);
  });
});
