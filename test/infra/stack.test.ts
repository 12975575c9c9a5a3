/**
 * The Pulumi program for every real environment, run under mocks with the environment's own
 * Pulumi.<env>.yaml: the resource graph and its security properties, asserted on the inputs
 * and options the engine would receive. The EKS Cluster, ManagedNodeGroups and the workloads'
 * ConfigGroup are multi-language components, so each is one mocked resource here.
 */
import * as pulumi from '@pulumi/pulumi';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { App } from 'cdk8s';
import { CAPACITY_TYPE_LABEL, GPU_INSTANCE_TYPES, GPU_NODE_LABEL, GPU_NODE_TAINT } from '../../constructs/hardware';
import { costTags, type PlatformConfig } from '../../config/platform';
import { EKS_ADDONS, EKS_ADDON_VERSIONS, addonVersion } from '../../facts/eks';
import { LAUNCH_TEMPLATE_TAGGED } from '../../infra/node-groups';
import { CONTROL_PLANE_LOG_TYPES } from '../../infra/cluster';
import { BUDGET_ALERT_PERCENTS } from '../../infra/budget';
import { renderManifests } from '../../stacks/manifests';
import { addPlatformCharts } from '../../stacks/platform-chart';
import { CHARTS, CLUSTER_AUTOSCALER_IMAGE_TAGS, EXPANDER_PRIORITIES, prometheusUrl } from '../../infra/addons';
import { ACCELERATOR_LABEL, NODE_GROUP_PREFIX } from '../../infra/node-groups';
import { REGISTRY_ROOT as MODEL_PREFIX } from '../../constructs/registry-layout';
import { CONTROL_PLANE_LOGS, evaluateAwsRules, AWS_RULES } from '../../policy/aws-rules';
import { realEnvironments } from '../support/manifests';
import {
  ACCOUNT_ID,
  type CapturedResource,
  type StackRun,
  TEST_SECRETS,
  TODAY,
  ZONES,
  byName,
  isUnder,
  ofType,
  runStack,
} from './support/stack';

/** A resource's inputs, read as the shape the test expects (inputs are plain JSON). */
const inputs = <T = Record<string, unknown>>(r: CapturedResource) => r.inputs as T;

interface Statement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Principal?: unknown;
  readonly Action: string | string[];
  readonly Resource: string | string[];
  readonly Condition?: Record<string, Record<string, unknown>>;
}
const policyOf = (r: CapturedResource) => (JSON.parse(String(inputs(r).policy)) as { Statement: Statement[] }).Statement;

interface ClusterInputs {
  readonly endpointPrivateAccess: boolean;
  readonly endpointPublicAccess: boolean;
  readonly publicAccessCidrs?: string[];
  readonly enabledClusterLogTypes: string[];
  readonly encryptionConfigKeyArn: string;
  readonly accessEntries?: Record<string, unknown>;
}
interface NodeGroupInputs {
  readonly nodeGroupNamePrefix: string;
  readonly scalingConfig: { minSize: number; desiredSize: number; maxSize: number };
  readonly subnetIds: string[];
  readonly labels: Record<string, string>;
  readonly taints: { key: string; value: string; effect: string }[];
  readonly launchTemplate: { id: string; version: string };
  readonly remoteAccess?: unknown;
  readonly version: string;
  readonly releaseVersion: string;
  readonly nodeRepairConfig?: { enabled: boolean };
  readonly instanceTypes: string[];
  readonly capacityType: string;
}
interface LaunchTemplateInputs {
  readonly metadataOptions: { httpTokens: string };
  readonly blockDeviceMappings: unknown[];
  readonly keyName?: string;
  readonly tagSpecifications: { resourceType: string; tags: Record<string, string> }[];
}
interface ReleaseInputs<V = Record<string, unknown>> {
  readonly namespace: string;
  readonly values: V;
}
interface AutoscalerValues {
  readonly image: { tag: string };
  readonly autoDiscovery: { clusterName: string };
  readonly extraArgs: Record<string, unknown>;
  readonly expanderPriorities: unknown;
}
interface PodSpec {
  readonly tolerations: unknown[];
  readonly affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: unknown } };
}

describe.each(realEnvironments())('%s stack', (env, config: PlatformConfig) => {
  let run: StackRun;
  let all: CapturedResource[];
  const one = (type: string, name: string) => byName(all, type, name);
  const zones = config.network.availabilityZoneCount;
  const prod = config.tier === 'prod';
  const bucket = config.registry.bucketName ?? `llm-platform-${env}-models-${ACCOUNT_ID}-us-east-1`;
  const bucketArn = `arn:aws:s3:::${bucket}`;

  beforeAll(async () => {
    // The EKS support dates are checked against today: pin it.
    vi.useFakeTimers({ toFake: ['Date'], now: TODAY });
    run = await runStack(env);
    all = run.resources;
  });
  afterAll(() => {
    vi.useRealTimers();
  });

  describe('network', () => {
    it('puts a private and a public subnet in each configured zone, inside the VPC range', () => {
      expect(inputs(one('aws:ec2/vpc:Vpc', 'network-vpc'))).toMatchObject({ cidrBlock: config.network.vpcCidr, enableDnsHostnames: true });
      const priv = ofType(all, 'aws:ec2/subnet:Subnet').filter((s) => s.name.startsWith('network-private-'));
      const pub = ofType(all, 'aws:ec2/subnet:Subnet').filter((s) => s.name.startsWith('network-public-'));
      expect(priv).toHaveLength(zones);
      expect(pub).toHaveLength(zones);
      expect(new Set(priv.map((s) => inputs(s).availabilityZone))).toEqual(new Set(ZONES.slice(0, zones)));
      for (const s of pub) expect(inputs(s).mapPublicIpOnLaunch).toBe(false);
      expect(zones).toBeGreaterThanOrEqual(prod ? 3 : 2);
    });

    it(`runs ${prod ? 'one NAT gateway per zone' : 'a single NAT gateway'} and routes every private subnet through one`, () => {
      const nats = ofType(all, 'aws:ec2/natGateway:NatGateway');
      expect(nats).toHaveLength(config.network.natGateways === 'perZone' ? zones : 1);
      const routes = ofType(all, 'aws:ec2/route:Route').filter((r) => r.name.startsWith('network-private-default-'));
      expect(routes).toHaveLength(zones);
      for (const r of routes) expect(inputs(r).natGatewayId).toMatch(/^network-nat-\d-id$/);
    });

    it('keeps S3 traffic on the AWS network through a gateway endpoint on every route table', () => {
      const endpoint = inputs<{ routeTableIds: string[] }>(one('aws:ec2/vpcEndpoint:VpcEndpoint', 'network-s3'));
      expect(endpoint).toMatchObject({ serviceName: 'com.amazonaws.us-east-1.s3', vpcEndpointType: 'Gateway' });
      const tables = ofType(all, 'aws:ec2/routeTable:RouteTable').map((t) => `${t.name}-id`);
      expect([...endpoint.routeTableIds].sort()).toEqual(tables.sort());
    });

    it('empties the default security group', () => {
      expect(inputs(one('aws:ec2/defaultSecurityGroup:DefaultSecurityGroup', 'network-default-sg'))).toMatchObject({
        ingress: [],
        egress: [],
      });
    });
  });

  describe('cluster', () => {
    const cluster = () => inputs<ClusterInputs>(one('eks:index:Cluster', 'cluster-eks'));

    it('is one EKS component at the configured Kubernetes version with no default node group', () => {
      expect(cluster()).toMatchObject({
        name: `llm-platform-${env}`,
        version: config.cluster.kubernetesVersion,
        skipDefaultNodeGroup: true,
        nodeAssociatePublicIpAddress: false,
      });
    });

    it('keeps the private endpoint on and the public one limited to the configured CIDRs', () => {
      const c = cluster();
      expect(c.endpointPrivateAccess).toBe(true);
      const cidrs = config.cluster.publicAccessCidrs;
      expect(c.endpointPublicAccess).toBe(cidrs.length > 0);
      expect(c.publicAccessCidrs).toEqual(cidrs.length > 0 ? cidrs : undefined);
      expect(c.publicAccessCidrs ?? []).not.toContain('0.0.0.0/0');
    });

    it('logs every control-plane log type and envelope-encrypts secrets with a rotating KMS key', () => {
      expect(cluster().enabledClusterLogTypes).toEqual([...CONTROL_PLANE_LOGS]);
      expect(cluster().encryptionConfigKeyArn).toBe(`arn:aws:kms:us-east-1:${ACCOUNT_ID}:key/cluster-secrets-key-id`);
      expect(inputs(one('aws:kms/key:Key', 'cluster-secrets-key'))).toMatchObject({ enableKeyRotation: true });
    });

    it('authenticates with access entries and gives workloads IAM through EKS Pod Identity', () => {
      expect(cluster()).toMatchObject({ authenticationMode: 'API', createOidcProvider: false });
      expect(Object.values(cluster().accessEntries ?? {})).toHaveLength(config.cluster.adminRoleArns.length);
      expect(inputs(one('aws:eks/addon:Addon', 'cluster-pod-identity-agent'))).toMatchObject({
        addonName: 'eks-pod-identity-agent',
        clusterName: `llm-platform-${env}`,
      });
    });

    it('runs the managed VPC CNI with network policy enforcement on', () => {
      expect(cluster()).toMatchObject({ useDefaultVpcCni: false, vpcCniOptions: { enableNetworkPolicy: true } });
    });

    it('runs Kubernetes 1.35 with an explicit upgrade policy, so it never drifts into extended support', () => {
      expect(config.cluster.kubernetesVersion).toBe('1.35');
      expect(cluster()).toMatchObject({ version: '1.35', upgradePolicy: { supportType: 'STANDARD' } });
    });

    it('keeps control-plane logs for the configured days in a log group made before the cluster', () => {
      const group = one('aws:cloudwatch/logGroup:LogGroup', 'cluster-logs');
      expect(inputs(group)).toEqual(expect.objectContaining({ name: `/aws/eks/llm-platform-${env}/cluster`, retentionInDays: 90 }));
      expect(one('eks:index:Cluster', 'cluster-eks').dependencies).toContain(group.urn);
      expect(cluster().enabledClusterLogTypes).toEqual([...CONTROL_PLANE_LOG_TYPES]);
    });

    it(prod ? 'turns deletion protection on in prod' : 'leaves deletion protection off outside prod', () => {
      expect(inputs(one('eks:index:Cluster', 'cluster-eks')).deletionProtection).toBe(prod);
    });
  });

  describe('EKS add-ons', () => {
    const k = config.cluster.kubernetesVersion;
    const addon = (name: string) => ofType(all, 'aws:eks/addon:Addon').find((a) => inputs(a).addonName === name);

    it('pins every EKS add-on to the version facts/eks.ts lists for the cluster minor', () => {
      const shared = config.workloads.modelCache.kind === 'shared';
      const installed = ofType(all, 'aws:eks/addon:Addon').map((a) => [inputs(a).addonName, inputs(a).addonVersion]);
      const expected = EKS_ADDONS.filter((a) => !['vpc-cni', 'kube-proxy'].includes(a) && (shared || a !== 'aws-efs-csi-driver'));
      expect(Object.fromEntries(installed)).toEqual(Object.fromEntries(expected.map((a) => [a, addonVersion(a, k)])));
      // pulumi-eks installs these two for the cluster: pinned through its options.
      expect(inputs(one('eks:index:Cluster', 'cluster-eks'))).toMatchObject({
        vpcCniOptions: { addonVersion: addonVersion('vpc-cni', k) },
        kubeProxyAddonOptions: { version: addonVersion('kube-proxy', k) },
      });
    });

    it('runs the node monitoring agent, its DCGM checks tolerating the GPU taint', () => {
      const agent = inputs<{ configurationValues: string }>(addon('eks-node-monitoring-agent')!);
      expect(JSON.parse(agent.configurationValues)).toEqual({
        dcgmAgent: { tolerations: [{ key: GPU_NODE_TAINT.key, operator: 'Exists', effect: GPU_NODE_TAINT.effect }] },
      });
      expect(addon('eks-node-monitoring-agent')!.dependencies).toContain(one('aws:eks/nodeGroup:NodeGroup', 'system-nodes-ng').urn);
    });

    it('has a version for every add-on in every offered minor', () => {
      for (const [minor, pins] of Object.entries(EKS_ADDON_VERSIONS)) {
        for (const a of EKS_ADDONS) expect(pins[a]?.version, `${a} on ${minor}`).toMatch(/^v\d+\.\d+\.\d+-eksbuild\.\d+$/);
      }
    });
  });

  describe('node groups', () => {
    const groups = () => ofType(all, 'aws:eks/nodeGroup:NodeGroup');
    const gpuGroups = (prefix: string) => groups().filter((g) => inputs<NodeGroupInputs>(g).nodeGroupNamePrefix === `${prefix}-`);
    const group = (g: CapturedResource) => inputs<NodeGroupInputs>(g);
    const launchTemplate = (name: string) => inputs<LaunchTemplateInputs>(one('aws:ec2/launchTemplate:LaunchTemplate', name));

    it('gives the GPU pool one SPOT group per zone with the configured types, AMI and sizes', () => {
      const gpu = config.gpuNodes;
      const primary = gpuGroups(NODE_GROUP_PREFIX.gpu);
      expect(primary).toHaveLength(zones);
      for (const g of primary) {
        expect(inputs(g)).toMatchObject({
          instanceTypes: gpu.instanceTypes,
          capacityType: gpu.capacityType,
          amiType: gpu.amiType,
        });
        expect(group(g).scalingConfig.maxSize).toBe(gpu.maxSize);
        expect(group(g).subnetIds).toHaveLength(1);
      }
      expect(gpu.instanceTypes.every((t) => GPU_INSTANCE_TYPES[t])).toBe(true);
      expect(new Set(primary.map((g) => group(g).subnetIds[0])).size).toBe(zones);
      const sum = (k: 'minSize' | 'desiredSize') => primary.reduce((n, g) => n + group(g).scalingConfig[k], 0);
      expect(sum('minSize')).toBe(gpu.minSize);
      expect(sum('desiredSize')).toBe(gpu.desiredSize);
    });

    it('taints and labels GPU nodes the way the model pods select and tolerate them', () => {
      for (const g of [...gpuGroups(NODE_GROUP_PREFIX.gpu), ...gpuGroups(NODE_GROUP_PREFIX.gpuFallback)]) {
        expect(group(g).taints).toEqual([{ key: GPU_NODE_TAINT.key, value: GPU_NODE_TAINT.value, effect: 'NO_SCHEDULE' }]);
        expect(group(g).labels).toEqual({
          [GPU_NODE_LABEL.key]: GPU_NODE_LABEL.value,
          [ACCELERATOR_LABEL]: `nvidia-${config.gpu.gpuName.toLowerCase()}`,
        });
      }
      const deployment = renderManifests(config).find((o) => o.kind === 'Deployment') as unknown as {
        spec: { template: { spec: PodSpec } };
      };
      const pod = deployment.spec.template.spec;
      expect(pod.tolerations).toContainEqual({ key: GPU_NODE_TAINT.key, operator: 'Exists', effect: GPU_NODE_TAINT.effect });
      expect(JSON.stringify(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution)).toContain(GPU_NODE_LABEL.key);
    });

    it(prod ? 'adds an on-demand GPU fallback group per zone' : 'has no on-demand GPU fallback', () => {
      const fallback = gpuGroups(NODE_GROUP_PREFIX.gpuFallback);
      const f = config.gpuNodes.onDemandFallback;
      expect(f.enabled).toBe(prod);
      expect(fallback).toHaveLength(f.enabled ? zones : 0);
      for (const g of fallback) {
        expect(inputs(g)).toMatchObject({ capacityType: 'ON_DEMAND', scalingConfig: { minSize: 0, desiredSize: 0, maxSize: f.maxSize } });
      }
    });

    it('boots GPU nodes with IMDSv2 only, no SSH and an encrypted volume big enough for the vLLM image', () => {
      const lt = launchTemplate('gpu-nodes-lt');
      expect(lt.metadataOptions).toEqual({ httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1 });
      expect(lt.blockDeviceMappings).toEqual([
        {
          deviceName: '/dev/xvda',
          ebs: { volumeSize: config.gpuNodes.rootVolumeGiB, volumeType: 'gp3', encrypted: 'true', deleteOnTermination: 'true' },
        },
      ]);
      expect(config.gpuNodes.rootVolumeGiB).toBeGreaterThanOrEqual(60);
      expect(lt.keyName).toBeUndefined();
      for (const g of groups()) {
        expect(group(g).remoteAccess).toBeUndefined();
        expect(group(g).launchTemplate.id).toMatch(/-lt-id$/);
      }
    });

    it('offers SPOT at least two single-T4 instance types, planned for the weakest', () => {
      const types = config.gpuNodes.instanceTypes;
      expect(types).toEqual(expect.arrayContaining(['g4dn.xlarge', 'g4dn.2xlarge']));
      expect(types.every((t) => GPU_INSTANCE_TYPES[t]!.gpu.name === 'T4' && GPU_INSTANCE_TYPES[t]!.gpuCount === 1)).toBe(true);
      expect(config.gpu).toMatchObject({ gpuName: 'T4', vcpu: 4, memoryGiB: 16 });
      for (const g of gpuGroups(NODE_GROUP_PREFIX.gpu)) expect(group(g).instanceTypes.length).toBeGreaterThanOrEqual(2);
    });

    it('puts every group on the cluster minor and an AMI release of it, with auto repair, rolling one node at a time', () => {
      const k = config.cluster.kubernetesVersion;
      expect(groups().length).toBeGreaterThan(1);
      for (const g of groups()) {
        expect(group(g)).toMatchObject({ version: k, nodeRepairConfig: { enabled: true }, updateConfig: { maxUnavailable: 1 } });
        // The newest release of the minor, read from the public SSM parameter (mocked as <minor>.3-20260911).
        expect(group(g).releaseVersion).toBe(`${k}.3-20260911`);
      }
    });

    it('tags what the groups launch with the cost tags', () => {
      for (const name of ['gpu-nodes-lt', 'system-nodes-lt']) {
        const specs = launchTemplate(name).tagSpecifications;
        expect(specs.map((t) => t.resourceType)).toEqual([...LAUNCH_TEMPLATE_TAGGED]);
        for (const t of specs) expect(t.tags).toEqual(costTags(config));
      }
    });

    it('lets the Cluster Autoscaler own the desired size', () => {
      for (const g of groups()) expect(g.ignoreChanges).toEqual(['scalingConfig.desiredSize']);
    });

    it('runs the add-ons on a small on-demand system group', () => {
      const system = gpuGroups(NODE_GROUP_PREFIX.system);
      expect(system).toHaveLength(1);
      const s = config.systemNodes;
      expect(inputs(system[0]!)).toMatchObject({
        capacityType: 'ON_DEMAND',
        instanceTypes: [s.instanceType],
        amiType: 'AL2023_x86_64_STANDARD',
        scalingConfig: { minSize: s.minSize, desiredSize: s.desiredSize, maxSize: s.maxSize },
      });
      expect(group(system[0]!).taints).toEqual([]);
      expect(group(system[0]!).subnetIds).toHaveLength(zones);
      expect(launchTemplate('system-nodes-lt').metadataOptions.httpTokens).toBe('required');
    });
  });

  describe('node autoscaling', () => {
    const release = () =>
      inputs<ReleaseInputs<AutoscalerValues> & Record<string, unknown>>(one('kubernetes:helm.sh/v3:Release', 'addons-cluster-autoscaler'));

    it('installs the Cluster Autoscaler matching the Kubernetes version, discovering this cluster', () => {
      const r = release();
      expect(r).toMatchObject({ chart: 'cluster-autoscaler', version: CHARTS.clusterAutoscaler.version, namespace: 'kube-system' });
      expect(r.values.image.tag).toBe(CLUSTER_AUTOSCALER_IMAGE_TAGS[config.cluster.kubernetesVersion]);
      expect(r.values.image.tag.startsWith(`v${config.cluster.kubernetesVersion}.`)).toBe(true);
      expect(r.values.autoDiscovery.clusterName).toBe(`llm-platform-${env}`);
    });

    it('prefers the primary GPU groups, falls back after a bounded wait, and caps the node total', () => {
      const r = release();
      expect(r.values.extraArgs).toMatchObject({ expander: 'priority,least-waste', 'max-node-provision-time': '10m' });
      const gpu = config.gpuNodes;
      expect(r.values.extraArgs['max-nodes-total']).toBe(
        config.systemNodes.maxSize + gpu.maxSize + (gpu.onDemandFallback.enabled ? gpu.onDemandFallback.maxSize : 0),
      );
      expect(r.values.expanderPriorities).toEqual(JSON.parse(JSON.stringify(EXPANDER_PRIORITIES)));
      // A group gets the highest priority whose pattern matches its Auto Scaling group name.
      const rank = (prefix: string) =>
        Math.max(
          ...Object.entries(EXPANDER_PRIORITIES)
            .filter(([, res]) => res.some((x) => new RegExp(x).test(`eks-${prefix}-abc-123`)))
            .map(([p]) => Number(p)),
        );
      expect(rank(NODE_GROUP_PREFIX.gpu)).toBeGreaterThan(rank(NODE_GROUP_PREFIX.gpuFallback));
    });

    it("lets the autoscaler change only this cluster's Auto Scaling groups", () => {
      const doc = policyOf(one('aws:iam/rolePolicy:RolePolicy', 'addons-cluster-autoscaler-policy'));
      const scale = doc.find((s) => s.Action.includes('autoscaling:SetDesiredCapacity'))!;
      expect(scale.Condition).toEqual({ StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/llm-platform-${env}`]: 'owned' } });
      expect(scale.Resource).not.toContain('*');
      expect(
        inputs(one('aws:eks/podIdentityAssociation:PodIdentityAssociation', 'addons-cluster-autoscaler-kube-system-cluster-autoscaler')),
      ).toMatchObject({
        namespace: 'kube-system',
        serviceAccount: 'cluster-autoscaler',
      });
    });
  });

  describe('model registry', () => {
    const data = () => all.filter((r) => r.name.startsWith('registry-') && /s3\/|dynamodb\/|kms\/key:Key/.test(r.type));

    it('keeps its data when the stack goes: retained always, protected in prod', () => {
      expect(data().map((r) => r.type)).toEqual(
        expect.arrayContaining(['aws:s3/bucket:Bucket', 'aws:dynamodb/table:Table', 'aws:kms/key:Key', 'aws:s3/bucketPolicy:BucketPolicy']),
      );
      for (const r of data()) {
        expect(r.retainOnDelete, r.name).toBe(true);
        expect(r.protect, r.name).toBe(config.registry.protect);
      }
      expect(config.registry.protect).toBe(prod);
      expect(inputs(one('aws:s3/bucket:Bucket', 'registry-bucket'))).toMatchObject({
        bucket,
        forceDestroy: false,
      });
    });

    it('versions, KMS-encrypts with a bucket key, blocks public access and denies plain HTTP', () => {
      expect(inputs(one('aws:s3/bucketVersioning:BucketVersioning', 'registry-versioning')).versioningConfiguration).toEqual({
        status: 'Enabled',
      });
      const sse = inputs(
        one('aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration', 'registry-encryption'),
      );
      expect(sse.rules).toEqual([
        {
          applyServerSideEncryptionByDefault: {
            sseAlgorithm: 'aws:kms',
            kmsMasterKeyId: `arn:aws:kms:us-east-1:${ACCOUNT_ID}:key/registry-key-id`,
          },
          bucketKeyEnabled: true,
        },
      ]);
      expect(inputs(one('aws:kms/key:Key', 'registry-key')).enableKeyRotation).toBe(true);
      expect(inputs(one('aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock', 'registry-public-access'))).toMatchObject({
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      });
      const tls = policyOf(one('aws:s3/bucketPolicy:BucketPolicy', 'registry-policy')).find((s) => s.Sid === 'DenyInsecureTransport')!;
      expect(tls).toMatchObject({
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      });
      expect(tls.Resource).toEqual([bucketArn, `${bucketArn}/*`]);
    });

    it('expires noncurrent versions after the configured days and aborts stale uploads', () => {
      const rules = inputs<{ rules: { id: string }[] }>(
        one('aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration', 'registry-lifecycle'),
      ).rules;
      expect(rules.find((r) => r.id === 'expire-noncurrent-versions')).toMatchObject({
        status: 'Enabled',
        noncurrentVersionExpiration: { noncurrentDays: config.registry.noncurrentVersionExpirationDays },
      });
      expect(rules.find((r) => r.id === 'abort-incomplete-uploads')).toMatchObject({
        status: 'Enabled',
        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
      });
    });

    it('records versions in an on-demand table keyed by model_name and version, recoverable and encrypted', () => {
      expect(inputs(one('aws:dynamodb/table:Table', 'registry-table'))).toEqual(
        expect.objectContaining({
          name: `llm-platform-${env}-model-versions`,
          billingMode: 'PAY_PER_REQUEST',
          hashKey: 'model_name',
          rangeKey: 'version',
          pointInTimeRecovery: { enabled: true },
          serverSideEncryption: { enabled: true, kmsKeyArn: `arn:aws:kms:us-east-1:${ACCOUNT_ID}:key/registry-key-id` },
          deletionProtectionEnabled: true,
        }),
      );
    });

    it('gives every model ServiceAccount read-only access to the model prefix, the table and the key', () => {
      const doc = policyOf(one('aws:iam/rolePolicy:RolePolicy', 'registry-reader-policy'));
      expect(doc.map((s) => [s.Action, s.Resource])).toEqual([
        [['s3:GetObject', 's3:GetObjectVersion'], [`${bucketArn}/${MODEL_PREFIX}*`]],
        [['s3:ListBucket'], [bucketArn]],
        [['dynamodb:GetItem', 'dynamodb:Query'], [`arn:aws:dynamodb:us-east-1:${ACCOUNT_ID}:table/llm-platform-${env}-model-versions`]],
        [['kms:Decrypt'], [`arn:aws:kms:us-east-1:${ACCOUNT_ID}:key/registry-key-id`]],
      ]);
      const associations = ofType(all, 'aws:eks/podIdentityAssociation:PodIdentityAssociation').filter((a) =>
        a.name.startsWith('registry-reader-'),
      );
      const assoc = (a: CapturedResource) => inputs<{ namespace: string; serviceAccount: string; roleArn: string }>(a);
      expect(associations.map((a) => [assoc(a).namespace, assoc(a).serviceAccount, assoc(a).roleArn])).toEqual(
        config.enabledModels.map((m) => [config.workloads.namespace, m.name, `arn:aws:iam::${ACCOUNT_ID}:role/registry-reader`]),
      );
      const serviceAccounts = renderManifests(config)
        .filter((o) => o.kind === 'ServiceAccount')
        .map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
      expect(serviceAccounts).toEqual(expect.arrayContaining(associations.map((a) => `${assoc(a).namespace}/${assoc(a).serviceAccount}`)));
    });

    it('creates no publisher or break-glass role without named principals, and no role trusts a whole account', () => {
      const roles = ofType(all, 'aws:iam/role:Role');
      expect(roles.filter((r) => /registry-(publisher|break-glass)$/.test(r.name)).map((r) => r.name)).toEqual([
        ...(config.registry.publisherPrincipalArns.length ? ['registry-publisher'] : []),
        ...(config.registry.breakGlassPrincipalArns.length ? ['registry-break-glass'] : []),
      ]);
      for (const r of roles) expect(String(inputs(r).assumeRolePolicy), r.name).not.toMatch(/:root"|"AWS":"\d{12}"/);
    });

    it('holds every object version with Object Lock (governance) and denies removing versions to everyone', () => {
      expect(inputs(one('aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration', 'registry-object-lock'))).toMatchObject({
        bucket,
        objectLockEnabled: 'Enabled',
        rule: { defaultRetention: { mode: 'GOVERNANCE', days: config.registry.objectLockRetentionDays } },
      });
      const denies = policyOf(one('aws:s3/bucketPolicy:BucketPolicy', 'registry-policy')).filter((st) => st.Effect === 'Deny');
      const versions = denies.find((st) => st.Sid === 'OnlyBreakGlassRemovesVersions')!;
      expect(versions.Action).toEqual([
        's3:DeleteObjectVersion',
        's3:BypassGovernanceRetention',
        's3:PutObjectRetention',
        's3:PutObjectLegalHold',
      ]);
      // No break-glass principals in the stack file: nobody is exempt.
      expect(versions.Condition).toBeUndefined();
      const writes = policyOf(one('aws:dynamodb/resourcePolicy:ResourcePolicy', 'registry-table-policy'));
      expect(writes.map((st) => [st.Sid, st.Effect, st.Action])).toEqual([
        [
          'DenyUnconditionalWrites',
          'Deny',
          ['dynamodb:BatchWriteItem', 'dynamodb:PartiQLInsert', 'dynamodb:PartiQLUpdate', 'dynamodb:PartiQLDelete'],
        ],
        ['OnlyPublisherWritesVersions', 'Deny', ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem']],
      ]);
    });
  });

  describe('add-ons', () => {
    const release = <V = Record<string, unknown>>(name: string) =>
      inputs<ReleaseInputs<V>>(one('kubernetes:helm.sh/v3:Release', `addons-${name}`));

    it('pins every chart, KEDA, the Prometheus operator and External Secrets at the versions of crds/', () => {
      for (const [id, chart] of Object.entries(CHARTS)) {
        const r = release(chart.release);
        expect(r, id).toMatchObject({
          chart: chart.chart,
          version: chart.version,
          repositoryOpts: { repo: chart.repo },
          name: chart.release,
        });
        expect(chart.version, id).toMatch(/^\d+\.\d+\.\d+$/);
      }
      expect(CHARTS.keda.version).toMatch(/^2\.20\./);
      expect(CHARTS.kubePrometheusStack.version).toMatch(/^88\./);
      expect(CHARTS.externalSecrets.version).toBe('2.9.0');
    });

    it('installs the EBS CSI driver with an encrypted gp3 StorageClass the caches name', () => {
      expect(inputs(one('aws:eks/addon:Addon', 'storage-ebs-csi')).addonName).toBe('aws-ebs-csi-driver');
      expect(inputs(one('kubernetes:storage.k8s.io/v1:StorageClass', 'storage-gp3'))).toMatchObject({
        metadata: { name: config.workloads.modelCache.storageClassName },
        provisioner: 'ebs.csi.aws.com',
        parameters: { type: 'gp3', encrypted: 'true' },
        volumeBindingMode: 'WaitForFirstConsumer',
      });
    });

    it(
      config.workloads.modelCache.kind === 'shared'
        ? 'backs the shared cache with encrypted EFS in every zone'
        : 'creates no EFS without a shared cache',
      () => {
        const shared = config.workloads.modelCache.kind === 'shared';
        expect(ofType(all, 'aws:efs/fileSystem:FileSystem').map((f) => inputs(f).encrypted)).toEqual(shared ? [true] : []);
        expect(ofType(all, 'aws:efs/mountTarget:MountTarget')).toHaveLength(shared ? zones : 0);
        expect(ofType(all, 'aws:eks/addon:Addon').some((a) => inputs(a).addonName === 'aws-efs-csi-driver')).toBe(shared);
        const efsClass = ofType(all, 'kubernetes:storage.k8s.io/v1:StorageClass').filter(
          (s) => inputs(s).provisioner === 'efs.csi.aws.com',
        );
        expect(efsClass.map((s) => inputs<{ metadata: { name: string } }>(s).metadata.name)).toEqual(
          shared ? [config.workloads.modelCache.sharedStorageClassName] : [],
        );
      },
    );

    it('runs the NVIDIA device plugin only on GPU nodes', () => {
      const values = release<{ tolerations: unknown[]; affinity: unknown }>('nvidia-device-plugin').values;
      expect(values.tolerations).toContainEqual({ key: GPU_NODE_TAINT.key, operator: 'Exists', effect: GPU_NODE_TAINT.effect });
      expect(JSON.stringify(values.affinity)).toContain(GPU_NODE_LABEL.key);
    });

    it('points Prometheus at the ServiceMonitors and rules the workloads label, where KEDA queries it', () => {
      const values = release<{ prometheus: { prometheusSpec: Record<string, unknown> } }>('kube-prometheus-stack');
      expect(values.namespace).toBe(config.workloads.monitoring.namespace);
      const spec = values.values.prometheus.prometheusSpec;
      for (const key of ['serviceMonitorSelector', 'podMonitorSelector', 'ruleSelector']) {
        expect(spec[key]).toEqual({ matchLabels: config.workloads.monitoring.selectorLabels });
      }
      expect(config.workloads.monitoring.prometheusUrl).toBe(prometheusUrl(config.workloads.monitoring.namespace));
    });

    it('exports the node labels the cost rules read (capacity type, node pool) from kube-state-metrics', () => {
      const ksm = release<{ 'kube-state-metrics': { metricLabelsAllowlist: string[] } }>('kube-prometheus-stack').values[
        'kube-state-metrics'
      ];
      expect(ksm.metricLabelsAllowlist).toEqual([`nodes=[${CAPACITY_TYPE_LABEL},${GPU_NODE_LABEL.key}]`]);
    });

    it('loads dashboards from every namespace and scrapes GPU telemetry with the pod labels kept', () => {
      const grafana = release<{ grafana: { sidecar: { dashboards: Record<string, unknown> } } }>('kube-prometheus-stack').values.grafana;
      expect(grafana.sidecar.dashboards).toMatchObject({ label: 'grafana_dashboard', labelValue: '1', searchNamespace: 'ALL' });
      const dcgm = release<{ serviceMonitor: Record<string, unknown>; tolerations: unknown[]; nodeSelector: unknown }>('dcgm-exporter');
      expect(dcgm.namespace).toBe('gpu-monitoring');
      expect(dcgm.values.serviceMonitor).toMatchObject({
        enabled: true,
        honorLabels: true,
        additionalLabels: config.workloads.monitoring.selectorLabels,
      });
      expect(dcgm.values.tolerations).toContainEqual({ key: GPU_NODE_TAINT.key, operator: 'Exists', effect: GPU_NODE_TAINT.effect });
      expect(dcgm.values.nodeSelector).toEqual({ [GPU_NODE_LABEL.key]: GPU_NODE_LABEL.value });
    });

    it('copies the secrets from pulumi config into Secrets Manager and lets only External Secrets read them', () => {
      // The platform's own secrets (the front door's client keys are tested in gateway.test.ts).
      const secrets = ofType(all, 'aws:secretsmanager/secret:Secret')
        .filter((r) => r.name.startsWith('secrets-'))
        .map((r) => inputs<{ name: string }>(r));
      expect(secrets.map((s) => s.name)).toEqual([config.secrets.hfTokenName, config.secrets.apiKeyName]);
      // The values reach the provider as Pulumi secrets: encrypted in state, masked in output.
      const values = ofType(all, 'aws:secretsmanager/secretVersion:SecretVersion')
        .filter((r) => r.name.startsWith('secrets-'))
        .map((v) => inputs(v).secretString);
      const secret = (value: string) => ({ [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value });
      expect(values).toEqual([secret(TEST_SECRETS.hfToken), secret(TEST_SECRETS.apiKey)]);
      const read = policyOf(one('aws:iam/rolePolicy:RolePolicy', 'secrets-reader-policy'));
      expect(read).toEqual([
        {
          Sid: 'ReadPlatformSecrets',
          Effect: 'Allow',
          Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          Resource: secrets.map((s) => `arn:aws:secretsmanager:us-east-1:${ACCOUNT_ID}:secret:${s.name}-AbCdEf`),
        },
      ]);
      expect(
        inputs(one('aws:eks/podIdentityAssociation:PodIdentityAssociation', 'secrets-reader-external-secrets-external-secrets')),
      ).toMatchObject({
        namespace: 'external-secrets',
        serviceAccount: 'external-secrets',
      });
    });

    it('creates the ClusterSecretStore the ExternalSecrets reference, after the operator', () => {
      const store = one('kubernetes:external-secrets.io/v1:ClusterSecretStore', 'addons-secret-store');
      expect(inputs(store)).toMatchObject({
        metadata: { name: config.secrets.storeName },
        spec: { provider: { aws: { service: 'SecretsManager', region: 'us-east-1' } } },
      });
      // Only the model namespace may use it: nobody else can copy the HF token or the API key.
      expect(inputs<{ spec: { conditions: unknown } }>(store).spec.conditions).toEqual([{ namespaces: [config.workloads.namespace] }]);
      expect(config.workloads.namespace).toBe('llm-baseline');
      expect(store.dependencies).toContain(one('kubernetes:helm.sh/v3:Release', 'addons-external-secrets').urn);
      const refs = renderManifests(config)
        .filter((o) => o.kind === 'ExternalSecret')
        .map((o) => (o as unknown as { spec: { secretStoreRef: unknown } }).spec.secretStoreRef);
      expect(refs.length).toBeGreaterThan(0);
      for (const ref of refs) expect(ref).toEqual({ kind: 'ClusterSecretStore', name: config.secrets.storeName });
    });

    it('installs CoreDNS only once the system nodes exist', () => {
      const coredns = one('aws:eks/addon:Addon', 'addons-coredns');
      expect(coredns.dependencies).toContain(one('aws:eks/nodeGroup:NodeGroup', 'system-nodes-ng').urn);
    });
  });

  describe('alerting', () => {
    interface AlertmanagerValues {
      alertmanager: {
        serviceAccount: { name: string };
        config: {
          route: { receiver: string; routes: { matchers: string[]; receiver: string }[] };
          receivers: { name: string; sns_configs?: { topic_arn: string }[] }[];
          inhibit_rules: unknown[];
        };
      };
    }
    const values = () =>
      inputs<ReleaseInputs<AlertmanagerValues>>(one('kubernetes:helm.sh/v3:Release', 'addons-kube-prometheus-stack')).values;
    const topic = (id: string) => `arn:aws:sns:us-east-1:${ACCOUNT_ID}:llm-platform-${env}-${id}`;

    it('routes warnings and critical alerts to the alerts topic, and the Watchdog to the heartbeat topic', () => {
      const c = values().alertmanager.config;
      const receiver = (name: string) => c.receivers.find((r) => r.name === name)!;
      const routeFor = (matcher: string) => c.route.routes.find((r) => r.matchers.includes(matcher))!.receiver;
      expect(receiver(c.route.receiver).sns_configs?.map((x) => x.topic_arn)).toEqual([topic('alerts')]);
      expect(receiver(routeFor('severity = "critical"')).sns_configs?.map((x) => x.topic_arn)).toEqual([topic('alerts')]);
      expect(receiver(routeFor('alertname = "Watchdog"')).sns_configs?.map((x) => x.topic_arn)).toEqual([topic('heartbeat')]);
      expect(c.inhibit_rules.length).toBeGreaterThan(0);
    });

    it('lets only Alertmanager publish, through its Pod Identity role, with the topic key used via SNS', () => {
      expect(values().alertmanager.serviceAccount.name).toBe('alertmanager');
      expect(
        inputs(
          one(
            'aws:eks/podIdentityAssociation:PodIdentityAssociation',
            `alerting-alertmanager-${config.workloads.monitoring.namespace}-alertmanager`,
          ),
        ),
      ).toMatchObject({
        namespace: config.workloads.monitoring.namespace,
        serviceAccount: 'alertmanager',
      });
      const doc = policyOf(one('aws:iam/rolePolicy:RolePolicy', 'alerting-alertmanager-policy'));
      expect(doc.map((st) => [st.Action, st.Resource])).toEqual([
        [['sns:Publish'], [topic('alerts'), topic('heartbeat')]],
        [['kms:GenerateDataKey', 'kms:Decrypt'], [`arn:aws:kms:us-east-1:${ACCOUNT_ID}:key/alerting-key-id`]],
      ]);
      expect(doc[1]!.Condition).toEqual({ StringEquals: { 'kms:ViaService': 'sns.us-east-1.amazonaws.com' } });
      for (const id of ['alerts', 'heartbeat']) {
        expect(inputs(one('aws:sns/topic:Topic', `alerting-${id}`)).kmsMasterKeyId).toBe('alerting-key-id');
      }
    });

    it('raises the alarm on the alerts topic when the heartbeat stops for 15 minutes', () => {
      expect(inputs(one('aws:cloudwatch/metricAlarm:MetricAlarm', 'alerting-heartbeat'))).toMatchObject({
        namespace: 'AWS/SNS',
        metricName: 'NumberOfMessagesPublished',
        dimensions: { TopicName: `llm-platform-${env}-heartbeat` },
        period: 300,
        evaluationPeriods: 3,
        comparisonOperator: 'LessThanThreshold',
        treatMissingData: 'breaching',
        alarmActions: [topic('alerts')],
      });
    });
  });

  describe('cost and audit guardrails', () => {
    it('tags every AWS resource through one provider with default tags', () => {
      const provider = one('pulumi:providers:aws', 'aws');
      expect(inputs(provider)).toMatchObject({ region: 'us-east-1' });
      expect(JSON.parse(String(inputs(provider).defaultTags))).toEqual({
        tags: { environment: env, project: 'llm-platform', 'cost-center': config.costCenter },
      });
      const ref = `${provider.urn}::${provider.name}-id`;
      const aws = all.filter((r) => r.custom && r.type.startsWith('aws:'));
      expect(aws.length).toBeGreaterThan(50);
      for (const r of aws) expect(r.provider, `${r.type} ${r.name}`).toBe(ref);
    });

    it('tags the EBS volumes the CSI driver creates for claims', () => {
      const params = inputs<{ parameters: Record<string, string> }>(
        one('kubernetes:storage.k8s.io/v1:StorageClass', 'storage-gp3'),
      ).parameters;
      expect(
        Object.entries(params)
          .filter(([k]) => k.startsWith('tagSpecification_'))
          .map(([, v]) => v)
          .sort(),
      ).toEqual(
        Object.entries(costTags(config))
          .map(([k, v]) => `${k}=${v}`)
          .sort(),
      );
    });

    it(`sets a monthly budget of $${config.budget.monthlyLimitUsd} on this environment's tag, notifying at 80 % and 100 %`, () => {
      const budget = inputs<{ notifications: { threshold: number; subscriberSnsTopicArns: string[] }[] }>(
        one('aws:budgets/budget:Budget', 'budget-monthly'),
      );
      expect(budget).toMatchObject({
        budgetType: 'COST',
        limitAmount: config.budget.monthlyLimitUsd.toFixed(2),
        limitUnit: 'USD',
        timeUnit: 'MONTHLY',
        costFilters: [{ name: 'TagKeyValue', values: [`user:environment$${env}`] }],
      });
      expect(budget.notifications.map((n) => n.threshold)).toEqual([...BUDGET_ALERT_PERCENTS]);
      for (const n of budget.notifications)
        expect(n.subscriberSnsTopicArns).toEqual([`arn:aws:sns:us-east-1:${ACCOUNT_ID}:llm-platform-${env}-alerts`]);
      expect(BUDGET_ALERT_PERCENTS).toEqual([80, 100]);
    });

    it(prod ? 'records VPC flow logs in prod, kept 90 days' : 'records no VPC flow logs outside prod', () => {
      const logs = ofType(all, 'aws:ec2/flowLog:FlowLog');
      expect(logs).toHaveLength(prod ? 1 : 0);
      if (!prod) return;
      expect(inputs(logs[0]!)).toMatchObject({ vpcId: 'network-vpc-id', trafficType: 'ALL', logDestinationType: 'cloud-watch-logs' });
      expect(inputs(one('aws:cloudwatch/logGroup:LogGroup', 'network-flow-logs')).retentionInDays).toBe(90);
    });

    it('gives every log group a retention', () => {
      const groups = ofType(all, 'aws:cloudwatch/logGroup:LogGroup');
      expect(groups.length).toBeGreaterThan(0);
      for (const g of groups) expect(inputs(g).retentionInDays, g.name).toBeGreaterThan(0);
    });
  });

  describe('a way in', () => {
    it(prod ? 'reaches the private endpoint through an SSM port forward on the access host' : 'talks to the endpoint directly', () => {
      const provider = one('pulumi:providers:kubernetes', 'cluster-k8s');
      const kubeconfig = JSON.parse(String(inputs(provider).kubeconfig)) as { clusters: { cluster: Record<string, string> }[] };
      const c = kubeconfig.clusters[0]!.cluster;
      if (!prod) {
        expect(c.server).toBe(run.outputs.clusterEndpoint);
        expect(ofType(all, 'aws:ec2/instance:Instance')).toEqual([]);
        return;
      }
      expect(c).toMatchObject({
        server: 'https://127.0.0.1:8443',
        'tls-server-name': String(run.outputs.clusterEndpoint).replace('https://', ''),
      });
      const host = inputs<Record<string, unknown>>(one('aws:ec2/instance:Instance', 'access-host'));
      expect(host).toMatchObject({
        instanceType: 't4g.nano',
        associatePublicIpAddress: false,
        metadataOptions: { httpTokens: 'required' },
        rootBlockDevice: { encrypted: true },
      });
      expect(host.keyName).toBeUndefined();
      expect(inputs(one('aws:ec2/securityGroup:SecurityGroup', 'access-host-sg')).ingress).toEqual([]);
      expect(inputs(one('aws:ec2/securityGroupRule:SecurityGroupRule', 'access-host-api'))).toMatchObject({
        type: 'ingress',
        securityGroupId: 'sg-cluster',
        sourceSecurityGroupId: 'access-host-sg-id',
        fromPort: 443,
        toPort: 443,
      });
      expect(inputs(one('aws:iam/rolePolicyAttachment:RolePolicyAttachment', 'access-host-ssm')).policyArn).toBe(
        'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore',
      );
    });

    it('keeps the Kubernetes half separable: every Kubernetes resource uses the cluster provider, and no AWS resource waits for one', () => {
      const provider = one('pulumi:providers:kubernetes', 'cluster-k8s');
      const kube = all.filter((r) => r.custom && r.type.startsWith('kubernetes:'));
      expect(kube.length).toBeGreaterThan(5);
      for (const r of kube) expect(r.provider.startsWith(`${provider.urn}::`), `${r.type} ${r.name}`).toBe(true);
      // So `pulumi up --exclude <provider urn> --exclude-dependents` creates the whole AWS half.
      const kubeUrns = new Set([provider.urn, ...kube.map((r) => r.urn)]);
      for (const r of all.filter((x) => x.custom && !x.type.startsWith('kubernetes:') && x !== provider)) {
        expect(
          r.dependencies.filter((d) => kubeUrns.has(d)),
          `${r.type} ${r.name}`,
        ).toEqual([]);
      }
    });
  });

  describe('workloads', () => {
    const group = () => one('kubernetes:yaml/v2:ConfigGroup', 'workloads-manifests');

    it('applies exactly the objects cdk8s synthesizes, through the cluster provider', () => {
      expect(inputs(group()).objs).toEqual(JSON.parse(JSON.stringify(renderManifests(config))));
      expect(group().provider).toMatch(/pulumi:providers:kubernetes::cluster-k8s::/);
    });

    it('waits for the operators that serve its CRDs, the secret store and the storage classes', () => {
      const deps = group().dependencies;
      for (const name of ['addons-keda', 'addons-kube-prometheus-stack', 'addons-external-secrets']) {
        expect(deps).toContain(one('kubernetes:helm.sh/v3:Release', name).urn);
      }
      expect(deps).toContain(one('kubernetes:external-secrets.io/v1:ClusterSecretStore', 'addons-secret-store').urn);
      expect(deps).toContain(one('kubernetes:storage.k8s.io/v1:StorageClass', 'storage-gp3').urn);
    });
  });

  describe('outputs', () => {
    it('exports the cluster, a secret kubeconfig, the registry and every variant endpoint the bench needs', () => {
      const app = new App();
      const endpoints = Object.fromEntries([...addPlatformCharts(app, config)].map(([name, m]) => [name, m.endpoint]));
      expect(run.outputs).toMatchObject({
        clusterName: `llm-platform-${env}`,
        region: 'us-east-1',
        registryBucket: bucket,
        registryTable: `llm-platform-${env}-model-versions`,
        modelEndpoints: endpoints,
        alertsTopicArn: `arn:aws:sns:us-east-1:${ACCOUNT_ID}:llm-platform-${env}-alerts`,
        clusterEndpoint: expect.stringMatching(/^https:\/\/.+\.eks\.amazonaws\.com$/),
      });
      // No CI principals in the stack files: no publisher role to hand out.
      expect(run.outputs.registryPublisherRoleArn).toBeNull();
      expect(run.outputs.accessHostId !== null).toBe(config.cluster.enableAccessHost);
      expect(Object.keys(endpoints)).toEqual(config.enabledModels.map((m) => m.name));
      expect(JSON.parse(String(run.outputs.kubeconfig)).kind).toBe('Config');
      expect(run.secretOutputs).toEqual(['kubeconfig']);
    });
  });

  describe('whole stack', () => {
    it('passes every AWS policy rule, and every rule judged something', () => {
      const results = evaluateAwsRules(all);
      expect(results.filter((r) => !r.passed)).toEqual([]);
      const judged = new Set(results.map((r) => r.rule));
      // The only security group is the EFS one, which exists with a shared cache.
      const idle = config.workloads.modelCache.kind === 'shared' ? [] : ['ec2-no-world-ingress'];
      expect(AWS_RULES.map((r) => r.name).filter((r) => !judged.has(r))).toEqual(idle);
    });

    it('names every child after its component and never logs a warning', () => {
      const components = all.filter((r) => r.type.startsWith('llm-platform:infra:'));
      for (const r of all) {
        const parent = components.find((c) => c.urn === r.parent);
        if (parent) expect(r.name.startsWith(parent.name), `${r.type} ${r.name} under ${parent.name}`).toBe(true);
        if (r.custom && !r.type.startsWith('pulumi:providers:')) {
          expect(
            components.some((c) => isUnder(all, r, c)),
            `${r.type} ${r.name} has a component parent`,
          ).toBe(true);
        }
      }
      expect(run.warnings).toEqual([]);
    });
  });
});
