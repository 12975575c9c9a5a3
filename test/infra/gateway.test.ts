/**
 * The front door's Pulumi side for every environment that enables it, under mocks: the pinned
 * charts (load balancer controller, Envoy Gateway, Envoy AI Gateway), the controller's scoped IAM,
 * Envoy Gateway wired to the AI Gateway and to the manifests' rate limit store, the client-key
 * secret only External Secrets reads, the workloads after the controllers, and the outputs.
 */
import * as pulumi from '@pulumi/pulumi';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENVOY_AI_GATEWAY, ENVOY_GATEWAY } from '../../facts/gateway';
import { PROJECT_ROOT } from '../../stacks/synthesize';
import { rateLimitStoreUrl } from '../../constructs/gateway';
import { AI_GATEWAY_EXTENSION_SERVER, GATEWAY_CHARTS, LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT } from '../../infra/gateway';
import { iamDocumentProblems } from '../../policy/aws-rules';
import type { PlatformConfig } from '../../config/platform';
import { frontDoorDescription } from '../../stacks/gateway-chart';
import { realEnvironments } from '../support/manifests';
import { ACCOUNT_ID, type CapturedResource, type StackRun, byName, ofType, runStack } from './support/stack';

const inputs = <T = Record<string, any>>(r: CapturedResource) => r.inputs as T;

const minor = (v: string) => v.replace(/^v/, '').split('.').slice(0, 2).map(Number);
const patchOf = (v: string) => Number(v.replace(/^v/, '').split('.')[2]);

describe('pinned releases', () => {
  it('pairs an Envoy Gateway the AI Gateway release is tested with, and the Gateway API CRDs of that release', () => {
    const [egMajor, egMinor] = minor(ENVOY_GATEWAY.version);
    const [minMajor, minMinor] = minor(ENVOY_AI_GATEWAY.minEnvoyGateway);
    expect([egMajor, egMinor]).toEqual([minMajor, minMinor]);
    expect(patchOf(ENVOY_GATEWAY.version)).toBeGreaterThanOrEqual(patchOf(ENVOY_AI_GATEWAY.minEnvoyGateway));
    expect(minor(ENVOY_GATEWAY.gatewayApi)).toEqual(minor(ENVOY_AI_GATEWAY.gatewayApi.replace('.x', '.0')));
    const crd = readFileSync(join(PROJECT_ROOT, 'crds', 'gateway.networking.k8s.io_gateways.yaml'), 'utf8');
    expect(crd).toContain(`gateway.networking.k8s.io/bundle-version: ${ENVOY_GATEWAY.gatewayApi}`);
    expect(crd).toContain('gateway.networking.k8s.io/channel: standard');
  });
});

describe.each(realEnvironments().filter(([, c]) => c.gateway.enabled))('%s front door (Pulumi)', (env, config: PlatformConfig) => {
  let run: StackRun;
  let all: CapturedResource[];
  const one = (type: string, name: string) => byName(all, type, name);
  const release = (id: string) => one('kubernetes:helm.sh/v3:Release', `front-door-${id}`);

  beforeAll(async () => {
    run = await runStack(env);
    all = run.resources;
  });

  it('pins the load balancer controller, Envoy Gateway and Envoy AI Gateway charts', () => {
    const ids = {
      awsLoadBalancerController: 'lb-controller',
      envoyGateway: 'envoy-gateway',
      aiGatewayCrds: 'ai-gateway-crds',
      aiGateway: 'ai-gateway',
    } as const;
    for (const [key, id] of Object.entries(ids)) {
      const chart = GATEWAY_CHARTS[key as keyof typeof GATEWAY_CHARTS];
      expect(inputs(release(id)), key).toMatchObject({
        chart: chart.chart,
        version: chart.version,
        name: chart.release,
        namespace: chart.namespace,
        atomic: true,
      });
      expect(chart.version, key).toMatch(/^v?\d+\.\d+\.\d+$/);
    }
    expect(GATEWAY_CHARTS.envoyGateway.version).toBe(ENVOY_GATEWAY.version);
    expect(GATEWAY_CHARTS.aiGateway.version).toBe(ENVOY_AI_GATEWAY.version);
    // The CRDs before the controller that serves them, Envoy Gateway before both.
    expect(release('ai-gateway-crds').dependencies).toContain(release('envoy-gateway').urn);
    expect(release('ai-gateway').dependencies).toContain(release('ai-gateway-crds').urn);
  });

  it("configures Envoy Gateway for the AI Gateway extension and global rate limits in the manifests' store", () => {
    const eg = inputs(release('envoy-gateway')).values.config.envoyGateway;
    expect(eg.extensionApis).toEqual({ enableBackend: true, enableEnvoyPatchPolicy: true });
    expect(eg.extensionManager.service.fqdn).toEqual({
      hostname: AI_GATEWAY_EXTENSION_SERVER.host,
      port: AI_GATEWAY_EXTENSION_SERVER.port,
    });
    expect(eg.rateLimit).toEqual({ backend: { type: 'Redis', redis: { url: rateLimitStoreUrl(config.workloads.namespace) } } });
  });

  it('gives the load balancer controller an NLB-only role scoped to this account, region, VPC and cluster', () => {
    const values = inputs(release('lb-controller')).values;
    expect(values).toMatchObject({
      clusterName: `llm-platform-${env}`,
      region: 'us-east-1',
      enableShield: false,
      enableWaf: false,
      enableWafv2: false,
    });
    expect(values.vpcId).toEqual(expect.any(String));
    const policy = inputs(one('aws:iam/rolePolicy:RolePolicy', 'front-door-lb-controller-policy')).policy as string;
    expect(iamDocumentProblems(policy)).toEqual([]);
    const statements = JSON.parse(policy).Statement as { Sid: string; Resource: string[]; Condition?: unknown }[];
    for (const s of statements.filter((x) => x.Sid !== 'DescribeNetworking')) {
      for (const r of s.Resource)
        expect(r, s.Sid).toMatch(new RegExp(`^arn:aws:[a-z0-9-]+:(us-east-1)?:${ACCOUNT_ID}:|^${config.gateway.certificateArn}$`));
    }
    expect(statements.find((s) => s.Sid === 'CreateTaggedLoadBalancers')!.Condition).toEqual({
      StringEquals: { 'aws:RequestTag/elbv2.k8s.aws/cluster': `llm-platform-${env}` },
    });
    expect(
      inputs(
        one('aws:eks/podIdentityAssociation:PodIdentityAssociation', 'front-door-lb-controller-kube-system-aws-load-balancer-controller'),
      ),
    ).toMatchObject({
      namespace: LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT.namespace,
      serviceAccount: LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT.name,
    });
  });

  it('creates the client-key secret empty and lets External Secrets, and only it, read it', () => {
    expect(inputs(one('aws:secretsmanager/secret:Secret', 'front-door-api-keys')).name).toBe(config.gateway.apiKeysName);
    // The provider marks secretString secret: it reaches the engine wrapped, whatever its value.
    expect(inputs(one('aws:secretsmanager/secretVersion:SecretVersion', 'front-door-api-keys')).secretString).toEqual({
      [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig,
      value: '{}',
    });
    const read = JSON.parse(inputs(one('aws:iam/rolePolicy:RolePolicy', 'front-door-read-api-keys')).policy as string);
    expect(read.Statement).toEqual([
      {
        Sid: 'ReadGatewayApiKeys',
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        Resource: [`arn:aws:secretsmanager:us-east-1:${ACCOUNT_ID}:secret:${config.gateway.apiKeysName}-AbCdEf`],
      },
    ]);
    expect(
      ofType(all, 'aws:iam/rolePolicy:RolePolicy')
        .filter((p) => String(inputs(p).policy).includes(config.gateway.apiKeysName))
        .map((p) => p.name),
    ).toEqual(['front-door-read-api-keys']);
  });

  it('applies the gateway manifests only after the controllers that serve their CRDs', () => {
    const deps = one('kubernetes:yaml/v2:ConfigGroup', 'workloads-manifests').dependencies;
    for (const id of ['lb-controller', 'envoy-gateway', 'ai-gateway-crds', 'ai-gateway']) expect(deps, id).toContain(release(id).urn);
  });

  it('outputs the public endpoint and what the post-deploy checks need', () => {
    expect(run.outputs.publicEndpoint).toBe(`https://${config.gateway.hostname}`);
    expect(run.outputs.frontDoor).toEqual(JSON.parse(JSON.stringify(frontDoorDescription(config))));
    expect(run.outputs.gatewayApiKeysSecretArn).toMatch(/^arn:aws:secretsmanager:/);
  });
});
