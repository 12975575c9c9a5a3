/**
 * The Pulumi program (Pulumi.yaml `main`): one environment of the platform, from the VPC to
 * the model workloads.
 *
 * The whole configuration is validated first; a bad setting stops the program before any
 * resource is registered. Every AWS resource goes through one provider whose default tags carry
 * the environment, project and cost centre. The stack outputs are what operators and the bench
 * stage need.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { imageRegistryOf } from '../constructs/image-cache';
import { AccessHost, PORT_FORWARD_DOCUMENT } from '../infra/access-host';
import {
  ALERTMANAGER_SERVICE_ACCOUNT_NAME,
  CLUSTER_AUTOSCALER_IMAGE,
  ClusterAddons,
  EXTERNAL_SECRETS_SERVICE_ACCOUNT,
} from '../infra/addons';
import { Alerting } from '../infra/alerting';
import { EnvironmentBudget } from '../infra/budget';
import { Cluster } from '../infra/cluster';
import { ImageCache } from '../infra/image-cache';
import { Network } from '../infra/network';
import { GpuNodePool, NodeRole, SystemNodeGroup } from '../infra/node-groups';
import { ModelRegistry } from '../infra/registry';
import { PlatformSecrets, type SecretValue } from '../infra/secrets';
import { ClusterStorage } from '../infra/storage';
import { FrontDoor } from '../infra/gateway';
import { TracingCollector } from '../infra/tracing';
import { Workloads, serviceEndpoints } from '../infra/workloads';
import { rateLimitStoreUrl } from '../constructs/gateway';
import { COST_TAG_KEYS, ConfigError, PROJECT, costTags } from '../config/platform';
import { frontDoorDescription } from './gateway-chart';
import { renderManifests } from './manifests';
import { pulledImage } from './platform-chart';
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

const { platform: config, region, awsProviderArgs, defaultTags, secrets, warnings } = settingsOrExit();
for (const w of warnings) void pulumi.log.warn(w);

const namePrefix = `${PROJECT}-${config.environment}`;
const tags = costTags(config, defaultTags);
// An explicit provider does not read the stack's aws:* settings: hand them over, tags merged.
const awsProvider = new aws.Provider('aws', { ...awsProviderArgs, region: region as aws.Region, defaultTags: { tags } });
/** Options of every top-level component: its AWS resources go through the tagged provider. */
const withAws = (o: pulumi.ComponentResourceOptions = {}): pulumi.ComponentResourceOptions => ({ ...o, providers: { aws: awsProvider } });
const accountId = aws.getCallerIdentityOutput({}, { provider: awsProvider }).accountId;
const objects = renderManifests(config);
const k = config.cluster.kubernetesVersion;

const network = new Network(
  'network',
  {
    vpcCidr: config.network.vpcCidr,
    availabilityZoneCount: config.network.availabilityZoneCount,
    natGateways: config.network.natGateways,
    region,
    clusterName: namePrefix,
    accountId,
    flowLogRetentionDays: config.network.flowLogs.enabled ? config.network.flowLogs.retentionDays : undefined,
  },
  withAws(),
);

const cluster = new Cluster(
  'cluster',
  {
    clusterName: namePrefix,
    kubernetesVersion: k,
    supportType: config.cluster.supportType,
    vpcId: network.vpcId,
    privateSubnetIds: network.privateSubnetIds,
    publicSubnetIds: network.publicSubnetIds,
    publicAccessCidrs: config.cluster.publicAccessCidrs,
    adminRoleArns: config.cluster.adminRoleArns,
    logRetentionDays: config.cluster.logRetentionDays,
    deletionProtection: config.cluster.deletionProtection,
    apiTunnelPort: config.cluster.apiTunnelPort,
    kubeconfigProfile: typeof awsProviderArgs.profile === 'string' ? awsProviderArgs.profile : undefined,
    tags,
  },
  withAws(),
);

const accessHost = config.cluster.enableAccessHost
  ? new AccessHost(
      'access-host',
      {
        vpcId: network.vpcId,
        subnetId: network.privateSubnetIds[0]!,
        vpcCidr: network.vpcCidr,
        clusterSecurityGroupId: cluster.securityGroupId,
      },
      withAws(),
    )
  : undefined;

const nodeRole = new NodeRole('node-role', withAws());
const nodeVersion = { clusterName: cluster.name, nodeRole: nodeRole.role, kubernetesVersion: k, tags };
const systemNodes = new SystemNodeGroup(
  'system-nodes',
  {
    ...nodeVersion,
    amiReleaseVersion: config.systemNodes.amiReleaseVersion,
    subnetIds: network.privateSubnetIds,
    instanceType: config.systemNodes.instanceType,
    minSize: config.systemNodes.minSize,
    desiredSize: config.systemNodes.desiredSize,
    maxSize: config.systemNodes.maxSize,
    rootVolumeGiB: config.systemNodes.rootVolumeGiB,
  },
  // The Pod Identity agent must run before any pod that needs AWS credentials starts.
  withAws({ dependsOn: [cluster.podIdentityAgent] }),
);
const gpu = config.gpuNodes;
new GpuNodePool(
  'gpu-nodes',
  {
    ...nodeVersion,
    amiReleaseVersion: gpu.amiReleaseVersion,
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
  withAws({ dependsOn: [cluster.podIdentityAgent] }),
);

if (config.imageCache.enabled) {
  new ImageCache(
    'image-cache',
    {
      region,
      accountId,
      upstreams: [config.workloads.image.repository, config.registry.syncImage, CLUSTER_AUTOSCALER_IMAGE].map(imageRegistryOf),
      dockerHubSecretName: config.imageCache.dockerHubSecretName,
      nodeRole: nodeRole.role,
      tags,
    },
    withAws(),
  );
}

const registry = new ModelRegistry(
  'registry',
  {
    namePrefix,
    accountId,
    region,
    noncurrentVersionExpirationDays: config.registry.noncurrentVersionExpirationDays,
    bucketName: config.registry.bucketName,
    protect: config.registry.protect,
    clusterName: cluster.name,
    readerServiceAccounts: config.enabledModels.map((m) => ({ namespace: config.workloads.namespace, name: m.name })),
    publisherPrincipalArns: config.registry.publisherPrincipalArns,
    breakGlassPrincipalArns: config.registry.breakGlassPrincipalArns,
    objectLockRetentionDays: config.registry.objectLockRetentionDays,
  },
  withAws(),
);

const secretValues: SecretValue[] = [];
if (secrets.hfToken) secretValues.push({ id: 'hf-token', name: config.secrets.hfTokenName, value: secrets.hfToken });
if (secrets.apiKey) secretValues.push({ id: 'api-key', name: config.secrets.apiKeyName, value: secrets.apiKey });
const platformSecrets = new PlatformSecrets(
  'secrets',
  { secrets: secretValues, clusterName: cluster.name, accountId, reader: EXTERNAL_SECRETS_SERVICE_ACCOUNT },
  withAws(),
);

const monitoringNamespace = config.workloads.monitoring.namespace;
const alerting = new Alerting(
  'alerting',
  {
    namePrefix,
    region,
    accountId,
    clusterName: cluster.name,
    emailAddresses: config.alerting.emailAddresses,
    alertmanagerServiceAccount: { namespace: monitoringNamespace, name: ALERTMANAGER_SERVICE_ACCOUNT_NAME },
    slackWebhookSecretName: config.alerting.slackWebhookSecretName,
    pagerDutyRoutingKeySecretName: config.alerting.pagerDutyRoutingKeySecretName,
    secretsController: platformSecrets.reader.role,
  },
  withAws(),
);

new EnvironmentBudget(
  'budget',
  {
    namePrefix,
    monthlyLimitUsd: config.budget.monthlyLimitUsd,
    costAllocationTag: { key: COST_TAG_KEYS.environment, value: config.environment },
    topicArn: alerting.alertsTopic.arn,
    emailAddresses: config.alerting.emailAddresses,
  },
  withAws(),
);

const cache = config.workloads.modelCache;
const storage = new ClusterStorage(
  'storage',
  {
    clusterName: cluster.name,
    accountId,
    provider: cluster.provider,
    ebsStorageClassName: cache.storageClassName,
    efs:
      cache.kind === 'shared'
        ? {
            storageClassName: cache.sharedStorageClassName,
            vpcId: network.vpcId,
            vpcCidr: network.vpcCidr,
            subnetIds: network.privateSubnetIds,
          }
        : undefined,
    nodes: [systemNodes],
    kubernetesVersion: k,
    volumeTags: tags,
  },
  withAws(),
);

const addons = new ClusterAddons(
  'addons',
  {
    clusterName: cluster.name,
    region,
    accountId,
    kubernetesVersion: k,
    provider: cluster.provider,
    systemNodes,
    maxNodesTotal: config.systemNodes.maxSize + gpu.maxSize + (gpu.onDemandFallback.enabled ? gpu.onDemandFallback.maxSize : 0),
    installDevicePlugin: gpu.amiType === 'AL2023_x86_64_NVIDIA',
    monitoringNamespace,
    monitoringSelectorLabels: config.workloads.monitoring.selectorLabels,
    storageClassName: cache.storageClassName,
    storage: storage.ready,
    secretStoreName: config.secrets.storeName,
    secretStoreNamespaces: [config.workloads.namespace],
    secretsReader: platformSecrets.reader,
    alertmanager: {
      config: alerting.config,
      role: alerting.alertmanagerRole,
      webhooks: alerting.webhookReader
        ? {
            readerRoleArn: alerting.webhookReader.arn,
            slackWebhookSecretName: config.alerting.slackWebhookSecretName,
            pagerDutyRoutingKeySecretName: config.alerting.pagerDutyRoutingKeySecretName,
          }
        : undefined,
    },
    imageFor: (ref) => pulledImage(config, ref),
  },
  withAws(),
);

const gateway = config.gateway;
const door = gateway.enabled
  ? new FrontDoor(
      'front-door',
      {
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
      },
      withAws(),
    )
  : undefined;

// The collector vLLM (--otlp-traces-endpoint) and llm-bench (--otlp-endpoint) send spans to.
if (config.tracing.enabled) {
  new TracingCollector(
    'tracing',
    {
      tracing: config.tracing,
      region,
      clusterName: cluster.name,
      accountId,
      provider: cluster.provider,
      imageFor: (ref) => pulledImage(config, ref),
      dependsOn: [systemNodes, cluster.podIdentityAgent],
    },
    withAws(),
  );
}

new Workloads('workloads', {
  objects,
  provider: cluster.provider,
  dependsOn: [...addons.workloadDependencies, ...(door?.workloadDependencies ?? [])],
});

/** EKS cluster name: `aws eks update-kubeconfig --name <clusterName> --region <region>`. */
export const clusterName = cluster.name;
export { region };
/** Kubeconfig for the cluster (uses the caller's AWS credentials). */
export const kubeconfig = pulumi.secret(cluster.kubeconfigJson);
/** The API server URL; private in prod, reached through the access host. */
export const clusterEndpoint = cluster.endpoint;
/** Instance id of the access host: `aws ssm start-session --target <id>`; null without one. */
export const accessHostId = accessHost?.instance.id ?? null;
/** The SSM document that forwards a local port to the API endpoint through the access host. */
export const accessHostPortForwardDocument = accessHost ? PORT_FORWARD_DOCUMENT : null;
/**
 * Model registry: S3 bucket for files, DynamoDB table of versions, and the roles CI publishes
 * and break-glass acts with (null when no principals are named).
 */
export const registryBucket = registry.bucket.bucket;
export const registryTable = registry.table.name;
export const registryPublisherRoleArn = registry.publisher?.arn ?? null;
export const registryBreakGlassRoleArn = registry.breakGlass?.arn ?? null;
/** SNS topic alerts and budget notifications go to: subscribe people and tools here. */
export const alertsTopicArn = alerting.alertsTopic.arn;
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
