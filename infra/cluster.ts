/**
 * The EKS control plane: private endpoint, public endpoint only for listed CIDRs, every
 * control-plane log type into a log group with a retention, Kubernetes secrets envelope-encrypted
 * with a rotating KMS key, access entries (no aws-auth ConfigMap), an explicit upgrade policy,
 * the VPC CNI, kube-proxy and EKS Pod Identity add-ons pinned for the cluster's minor, and a
 * Kubernetes provider for it (directly, or through a local port forward when the endpoint is private).
 */
import * as aws from '@pulumi/aws';
import * as eks from '@pulumi/eks';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { addonVersion, type KubernetesVersion } from '../facts/eks';

/** EKS access policy that makes a principal cluster admin. */
export const CLUSTER_ADMIN_POLICY_ARN = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy';

/**
 * Every EKS control-plane log type: all of them go to CloudWatch. The policy rule
 * `eks-control-plane-logging` keeps its own list, so it checks this one rather than agreeing with it by construction.
 */
export const CONTROL_PLANE_LOG_TYPES = ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'] as const;

/** The log group EKS writes control-plane logs to; created here first so it has a retention. */
export function controlPlaneLogGroupName(clusterName: string): string {
  return `/aws/eks/${clusterName}/cluster`;
}

export interface ClusterArgs {
  /** Physical cluster name; also the node groups' and the autoscaler's discovery key. */
  readonly clusterName: string;
  readonly kubernetesVersion: KubernetesVersion;
  /** What EKS does when standard support ends: upgrade (STANDARD) or bill extended support (EXTENDED). */
  readonly supportType: 'STANDARD' | 'EXTENDED';
  readonly vpcId: pulumi.Input<string>;
  readonly privateSubnetIds: pulumi.Input<string>[];
  readonly publicSubnetIds: pulumi.Input<string>[];
  /** CIDRs allowed to reach the public endpoint; empty turns the public endpoint off. */
  readonly publicAccessCidrs: readonly string[];
  /** IAM role ARNs that get cluster-admin access entries. */
  readonly adminRoleArns: readonly string[];
  /** Days the control-plane log group keeps its logs. */
  readonly logRetentionDays: number;
  /** EKS deletion protection. */
  readonly deletionProtection: boolean;
  /**
   * Local port of a port forward to the private endpoint: the Kubernetes provider talks to
   * https://127.0.0.1:<port> and checks the endpoint's certificate by its real name.
   * @default - the endpoint directly
   */
  readonly apiTunnelPort?: number;
  /** AWS profile the kubeconfig's `aws eks get-token` uses (the stack's aws:profile). @default - the ambient credentials */
  readonly kubeconfigProfile?: string;
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * The kubeconfig pointed at a local port forward: the same credentials and CA, the server at
 * 127.0.0.1:<port>, and `tls-server-name` so the API server's certificate is still checked
 * against the endpoint's name.
 */
export function tunnelKubeconfig(kubeconfigJson: string, localPort: number): string {
  const doc = JSON.parse(kubeconfigJson) as { clusters: { cluster: Record<string, string> }[] };
  for (const { cluster } of doc.clusters) {
    // The host as written (URL.hostname would lowercase it).
    cluster['tls-server-name'] = /^https:\/\/([^:/]+)/.exec(cluster.server!)![1]!;
    cluster.server = `https://127.0.0.1:${localPort}`;
  }
  return JSON.stringify(doc);
}

/** The EKS cluster, its secrets KMS key, log group, Pod Identity agent and a Kubernetes provider for it. */
export class Cluster extends pulumi.ComponentResource {
  readonly eks: eks.Cluster;
  /** The cluster name, available once the control plane exists (carries the dependency). */
  readonly name: pulumi.Output<string>;
  /** The API server URL (private when the public endpoint is off). */
  readonly endpoint: pulumi.Output<string>;
  /** Kubeconfig for the endpoint as it is (what operators use). */
  readonly kubeconfigJson: pulumi.Output<string>;
  /** Provider for everything applied inside the cluster. */
  readonly provider: k8s.Provider;
  readonly secretsKey: aws.kms.Key;
  readonly logGroup: aws.cloudwatch.LogGroup;
  readonly podIdentityAgent: aws.eks.Addon;
  /** Security group on the control plane's network interfaces (who may reach the API). */
  readonly securityGroupId: pulumi.Output<string>;

  constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super('llm-platform:infra:Cluster', name, {}, opts);
    const parent = { parent: this };
    const k = args.kubernetesVersion;

    this.secretsKey = new aws.kms.Key(
      `${name}-secrets-key`,
      {
        description: `${args.clusterName} Kubernetes secrets envelope encryption`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
      },
      parent,
    );
    new aws.kms.Alias(`${name}-secrets-key`, { name: `alias/${args.clusterName}-secrets`, targetKeyId: this.secretsKey.keyId }, parent);

    // EKS creates this group with no expiry on first log write unless it exists already.
    this.logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { name: controlPlaneLogGroupName(args.clusterName), retentionInDays: args.logRetentionDays },
      parent,
    );

    const publicEndpoint = args.publicAccessCidrs.length > 0;
    this.eks = new eks.Cluster(
      `${name}-eks`,
      {
        name: args.clusterName,
        version: k,
        // Without it a cluster created through the API enters extended support (at 6× the price) when standard support ends.
        upgradePolicy: { supportType: args.supportType },
        deletionProtection: args.deletionProtection,
        ...(args.kubeconfigProfile ? { providerCredentialOpts: { profileName: args.kubeconfigProfile } } : {}),
        vpcId: args.vpcId,
        privateSubnetIds: args.privateSubnetIds,
        publicSubnetIds: args.publicSubnetIds,
        nodeAssociatePublicIpAddress: false,
        endpointPrivateAccess: true,
        endpointPublicAccess: publicEndpoint,
        // Without an explicit list EKS opens the public endpoint to 0.0.0.0/0.
        publicAccessCidrs: publicEndpoint ? [...args.publicAccessCidrs] : undefined,
        enabledClusterLogTypes: [...CONTROL_PLANE_LOG_TYPES],
        encryptionConfigKeyArn: this.secretsKey.arn,
        authenticationMode: eks.AuthenticationMode.Api,
        accessEntries: Object.fromEntries(
          args.adminRoleArns.map((principalArn, i) => [
            `admin-${i}`,
            {
              principalArn,
              accessPolicies: { admin: { policyArn: CLUSTER_ADMIN_POLICY_ARN, accessScope: { type: 'cluster' } } },
            },
          ]),
        ),
        // Node groups are managed groups defined next to the cluster; workloads use Pod Identity.
        skipDefaultNodeGroup: true,
        createOidcProvider: false,
        // The managed VPC CNI with its network policy agent: the model namespace is default-deny.
        useDefaultVpcCni: false,
        vpcCniOptions: { enableNetworkPolicy: true, addonVersion: addonVersion('vpc-cni', k) },
        kubeProxyAddonOptions: { version: addonVersion('kube-proxy', k) },
        // CoreDNS needs nodes; as a cluster child it would wait 20 minutes for nodes that come
        // after the cluster and fail (pulumi/pulumi-eks#1819). ClusterAddons installs it later.
        corednsAddonOptions: { enabled: false },
        tags: { ...args.tags, 'llm-platform/cluster': args.clusterName },
      },
      { parent: this, dependsOn: [this.logGroup] },
    );
    this.name = this.eks.eksCluster.name;
    this.endpoint = this.eks.eksCluster.endpoint;
    this.kubeconfigJson = this.eks.kubeconfigJson;
    this.securityGroupId = this.eks.clusterSecurityGroupId;

    this.podIdentityAgent = new aws.eks.Addon(
      `${name}-pod-identity-agent`,
      {
        clusterName: this.name,
        addonName: 'eks-pod-identity-agent',
        addonVersion: addonVersion('eks-pod-identity-agent', k),
        resolveConflictsOnCreate: 'OVERWRITE',
        resolveConflictsOnUpdate: 'OVERWRITE',
      },
      parent,
    );

    const port = args.apiTunnelPort;
    const providerKubeconfig = port === undefined ? this.kubeconfigJson : this.kubeconfigJson.apply((json) => tunnelKubeconfig(json, port));
    this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: providerKubeconfig, enableServerSideApply: true }, parent);

    this.registerOutputs({ name: this.name, endpoint: this.endpoint });
  }
}
