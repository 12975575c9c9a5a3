/**
 * The Pulumi program (Pulumi.yaml `main`): one environment of the platform, from the VPC to
 * the model workloads.
 *
 * The whole configuration is validated first; a bad setting stops the program before any
 * resource is registered. The stack outputs are what operators and the bench stage need.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { ClusterAddons, EXTERNAL_SECRETS_SERVICE_ACCOUNT } from '../infra/addons';
import { Cluster } from '../infra/cluster';
import { Network } from '../infra/network';
import { GpuNodePool, NodeRole, SystemNodeGroup } from '../infra/node-groups';
import { ModelRegistry } from '../infra/registry';
import { PlatformSecrets, type SecretValue } from '../infra/secrets';
import { ClusterStorage } from '../infra/storage';
import { FrontDoor } from '../infra/gateway';
import { Workloads, serviceEndpoints } from '../infra/workloads';
import { rateLimitStoreUrl } from '../constructs/gateway';
import { ConfigError, PROJECT } from './config';
import { frontDoorDescription } from './gateway-chart';
import { renderManifests } from './manifests';
import { loadStackSettings, type StackSettings } from './pulumi-config';

function settingsOrExit(): StackSettings {
  try {
    return loadStackSettings();
  } catch (e) {
    // A RunError prints its message without a stack trace: the message is the whole story.
    if (e instanceof ConfigError) {
      const error = new pulumi.RunError(e.message);
      // The harness also formats the error with util.inspect({ colors: true }), which on Node 20.20
      // loops over the source-mapped frames in node_modules/@pulumi until the string overflows
      // (nodejs/node#64011, fixed in later lines only): 30–70 s and gigabytes before the
      // message reaches the CLI. A stack of just the message keeps that instant.
      error.stack = e.message;
      throw error;
    }
    throw e;
  }
}

const { platform: config, region, secrets, warnings } = settingsOrExit();
for (const w of warnings) pulumi.log.warn(w);

const namePrefix = `${PROJECT}-${config.environment}`;
const accountId = aws.getCallerIdentityOutput().accountId;
const objects = renderManifests(config);

const network = new Network('network', {
  vpcCidr: config.network.vpcCidr,
  availabilityZoneCount: config.network.availabilityZoneCount,
  natGateways: config.network.natGateways,
  region,
  clusterName: namePrefix,
});

const cluster = new Cluster('cluster', {
  clusterName: namePrefix,
  kubernetesVersion: config.cluster.kubernetesVersion,
  vpcId: network.vpcId,
  privateSubnetIds: network.privateSubnetIds,
  publicSubnetIds: network.publicSubnetIds,
  publicAccessCidrs: config.cluster.publicAccessCidrs,
  adminRoleArns: config.cluster.adminRoleArns,
});

const nodeRole = new NodeRole('node-role');
const systemNodes = new SystemNodeGroup(
  'system-nodes',
  {
    cluster: cluster.eks,
    nodeRole: nodeRole.role,
    subnetIds: network.privateSubnetIds,
    instanceType: config.systemNodes.instanceType,
    minSize: config.systemNodes.minSize,
    desiredSize: config.systemNodes.desiredSize,
    maxSize: config.systemNodes.maxSize,
    rootVolumeGiB: config.systemNodes.rootVolumeGiB,
  },
  // The Pod Identity agent must run before any pod that needs AWS credentials starts.
  { dependsOn: [cluster.podIdentityAgent] },
);
const gpu = config.gpuNodes;
new GpuNodePool(
  'gpu-nodes',
  {
    cluster: cluster.eks,
    nodeRole: nodeRole.role,
    subnetIds: network.privateSubnetIds,
    instanceTypes: gpu.instanceTypes,
    capacityType: gpu.capacityType,
    amiType: gpu.amiType,
    minSize: gpu.minSize,
    desiredSize: gpu.desiredSize,
    maxSize: gpu.maxSize,
    rootVolumeGiB: gpu.rootVolumeGiB,
    gpuName: config.gpu.gpuName,
    onDemandFallbackMaxSize: gpu.onDemandFallback.enabled ? gpu.onDemandFallback.maxSize : undefined,
  },
  { dependsOn: [cluster.podIdentityAgent] },
);

const registry = new ModelRegistry('registry', {
  namePrefix,
  accountId,
  region,
  noncurrentVersionExpirationDays: config.registry.noncurrentVersionExpirationDays,
  bucketName: config.registry.bucketName,
  protect: config.registry.protect,
  clusterName: cluster.name,
  readerServiceAccounts: config.enabledModels.map((m) => ({ namespace: config.workloads.namespace, name: m.name })),
  publisherPrincipalArns: config.registry.publisherPrincipalArns,
});

const secretValues: SecretValue[] = [];
if (secrets.hfToken) secretValues.push({ id: 'hf-token', name: config.secrets.hfTokenName, value: secrets.hfToken });
if (secrets.apiKey) secretValues.push({ id: 'api-key', name: config.secrets.apiKeyName, value: secrets.apiKey });
const platformSecrets = new PlatformSecrets('secrets', {
  secrets: secretValues,
  clusterName: cluster.name,
  accountId,
  reader: EXTERNAL_SECRETS_SERVICE_ACCOUNT,
});

const cache = config.workloads.modelCache;
const storage = new ClusterStorage('storage', {
  clusterName: cluster.name,
  accountId,
  provider: cluster.provider,
  ebsStorageClassName: cache.storageClassName,
  efs:
    cache.kind === 'shared'
      ? { storageClassName: cache.sharedStorageClassName, vpcId: network.vpcId, vpcCidr: network.vpcCidr, subnetIds: network.privateSubnetIds }
      : undefined,
  nodes: [systemNodes],
});

const addons = new ClusterAddons('addons', {
  clusterName: cluster.name,
  region,
  accountId,
  kubernetesVersion: config.cluster.kubernetesVersion,
  provider: cluster.provider,
  systemNodes,
  maxNodesTotal: config.systemNodes.maxSize + gpu.maxSize + (gpu.onDemandFallback.enabled ? gpu.onDemandFallback.maxSize : 0),
  installDevicePlugin: gpu.amiType === 'AL2023_x86_64_NVIDIA',
  monitoringNamespace: config.workloads.monitoring.namespace,
  monitoringSelectorLabels: config.workloads.monitoring.selectorLabels,
  storageClassName: cache.storageClassName,
  storage: storage.ready,
  secretStoreName: config.secrets.storeName,
  secretsReader: platformSecrets.reader,
});

const gateway = config.gateway;
const door = gateway.enabled
  ? new FrontDoor('front-door', {
      clusterName: cluster.name,
      region,
      accountId,
      vpcId: network.vpcId,
      provider: cluster.provider,
      systemNodes,
      // Config validation guarantees the certificate whenever the gateway is enabled.
      certificateArn: gateway.certificateArn!,
      apiKeysName: gateway.apiKeysName,
      secretsReaderRole: platformSecrets.reader.role,
      rateLimitStoreUrl: rateLimitStoreUrl(config.workloads.namespace),
      dependsOn: addons.workloadDependencies,
    })
  : undefined;

new Workloads('workloads', { objects, provider: cluster.provider, dependsOn: [...addons.workloadDependencies, ...(door?.workloadDependencies ?? [])] });

/** EKS cluster name: `aws eks update-kubeconfig --name <clusterName> --region <region>`. */
export const clusterName = cluster.name;
export { region };
/** Kubeconfig for the cluster (uses the caller's AWS credentials). */
export const kubeconfig = pulumi.secret(cluster.kubeconfigJson);
/** Model registry: S3 bucket for files, DynamoDB table of versions, and the role CI publishes with. */
export const registryBucket = registry.bucket.bucket;
export const registryTable = registry.table.name;
export const registryPublisherRoleArn = registry.publisher.arn;
/** In-cluster base URL of every enabled variant, by served model name: the bench stage's targets. */
export const modelEndpoints = serviceEndpoints(
  objects,
  config.enabledModels.map((m) => m.name),
);
/** The front door clients call (`https://<gateway.hostname>`), when the gateway is enabled. */
export const publicEndpoint = gateway.enabled ? `https://${gateway.hostname}` : undefined;
/** What `llm-bench postdeploy --targets` checks at the front door: models, rate limits, A/B routes. */
export const frontDoor = frontDoorDescription(config);
/** Secrets Manager secret with the client API keys (`{"<client id>": "<key>"}`); add and rotate keys there. */
export const gatewayApiKeysSecretArn = door?.apiKeysSecretArn;
