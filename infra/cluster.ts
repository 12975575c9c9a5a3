/**
 * The EKS control plane: private endpoint, public endpoint only for listed CIDRs, every
 * control-plane log type, Kubernetes secrets envelope-encrypted with a rotating KMS key,
 * access entries (no aws-auth ConfigMap) and EKS Pod Identity for workload IAM.
 */
import * as aws from '@pulumi/aws';
import * as eks from '@pulumi/eks';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';

/**
 * Every EKS control-plane log type. The policy rule `eks-control-plane-logging` keeps its own
 * list, so it checks this one rather than agreeing with it by construction.
 */
export const CONTROL_PLANE_LOG_TYPES = ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'] as const;

/** EKS access policy that makes a principal cluster admin. */
export const CLUSTER_ADMIN_POLICY_ARN = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy';

export interface ClusterArgs {
  /** Physical cluster name; also the node groups' and the autoscaler's discovery key. */
  readonly clusterName: string;
  readonly kubernetesVersion: string;
  readonly vpcId: pulumi.Input<string>;
  readonly privateSubnetIds: pulumi.Input<string>[];
  readonly publicSubnetIds: pulumi.Input<string>[];
  /** CIDRs allowed to reach the public endpoint; empty turns the public endpoint off. */
  readonly publicAccessCidrs: readonly string[];
  /** IAM role ARNs that get cluster-admin access entries. */
  readonly adminRoleArns: readonly string[];
}

/** The EKS cluster, its secrets KMS key, the Pod Identity agent and a Kubernetes provider for it. */
export class Cluster extends pulumi.ComponentResource {
  readonly eks: eks.Cluster;
  /** The cluster name, available once the control plane exists (carries the dependency). */
  readonly name: pulumi.Output<string>;
  readonly kubeconfigJson: pulumi.Output<string>;
  /** Provider for everything applied inside the cluster. */
  readonly provider: k8s.Provider;
  readonly secretsKey: aws.kms.Key;
  readonly podIdentityAgent: aws.eks.Addon;

  constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super('llm-platform:infra:Cluster', name, {}, opts);
    const parent = { parent: this };

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

    const publicEndpoint = args.publicAccessCidrs.length > 0;
    this.eks = new eks.Cluster(
      `${name}-eks`,
      {
        name: args.clusterName,
        version: args.kubernetesVersion,
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
        vpcCniOptions: { enableNetworkPolicy: true },
        // CoreDNS needs nodes; as a cluster child it would wait 20 minutes for nodes that come
        // after the cluster and fail (pulumi/pulumi-eks#1819). ClusterAddons installs it later.
        corednsAddonOptions: { enabled: false },
        tags: { 'llm-platform/cluster': args.clusterName },
      },
      parent,
    );
    this.name = this.eks.eksCluster.name;
    this.kubeconfigJson = this.eks.kubeconfigJson;

    this.podIdentityAgent = new aws.eks.Addon(
      `${name}-pod-identity-agent`,
      { clusterName: this.name, addonName: 'eks-pod-identity-agent', resolveConflictsOnCreate: 'OVERWRITE' },
      parent,
    );

    this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfigJson, enableServerSideApply: true }, parent);

    this.registerOutputs({ name: this.name });
  }
}
