/**
 * EKS managed node groups: a small on-demand system group for the add-ons, and the GPU pool —
 * SPOT groups plus an optional on-demand fallback — that the model pods land on.
 *
 * Every group uses a launch template with IMDSv2 required, an encrypted gp3 volume, no SSH key
 * and the cost tags on what it launches; every group runs the cluster's Kubernetes minor and an
 * AMI release of it, and EKS repairs nodes its monitoring agent reports unhealthy. GPU groups
 * are created one per zone: the Cluster Autoscaler cannot choose the zone of a
 * multi-zone group, so a pod pinned to a zone (its EBS cache, a zone spread) could otherwise
 * wait forever for a node that keeps landing elsewhere.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { GPU_NODE_LABEL, GPU_NODE_TAINT } from '../constructs/hardware';
import { AMI_RELEASE_PARAMETERS } from '../facts/eks';

/** Node label the Cluster Autoscaler's AWS provider reads to treat a node as a GPU node. */
export const ACCELERATOR_LABEL = 'k8s.amazonaws.com/accelerator';

/** Name prefixes of the node groups, which the autoscaler's priority expander matches on. */
export const NODE_GROUP_PREFIX = { system: 'system', gpu: 'gpu-primary', gpuFallback: 'gpu-fallback' } as const;

const NODE_POLICIES = [
  'arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy',
  'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly',
  // The VPC CNI add-on runs with the node role.
  'arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy',
];

/** The IAM role every node of the cluster runs with. */
export class NodeRole extends pulumi.ComponentResource {
  readonly role: aws.iam.Role;

  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super('llm-platform:infra:NodeRole', name, {}, opts);
    this.role = new aws.iam.Role(
      name,
      {
        assumeRolePolicy: pulumi.jsonStringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: ['sts:AssumeRole'] }],
        }),
      },
      { parent: this },
    );
    NODE_POLICIES.forEach(
      (policyArn, i) => new aws.iam.RolePolicyAttachment(`${name}-${i}`, { role: this.role.name, policyArn }, { parent: this }),
    );
    this.registerOutputs({ roleArn: this.role.arn });
  }
}

/** The device of the volume that holds container images for an EKS AMI family. */
export function imageVolumeDevice(amiType: string): string {
  // Bottlerocket keeps images on its second (data) volume; AL2023 on the root volume.
  return amiType.startsWith('BOTTLEROCKET') ? '/dev/xvdb' : '/dev/xvda';
}

export interface NodeLaunchTemplateArgs {
  readonly amiType: string;
  readonly volumeGiB: number;
  /**
   * IMDS hop limit: 1 keeps pods (one hop further) away from the node role's credentials;
   * 2 lets add-on controllers that read instance metadata work.
   */
  readonly metadataHopLimit: 1 | 2;
  /**
   * Tags for the instances, volumes and network interfaces the group launches: provider default
   * tags reach only the resources Pulumi creates, not what an Auto Scaling group launches.
   */
  readonly tags: Readonly<Record<string, string>>;
}

/** Resource types a managed node group's launch template may tag. */
export const LAUNCH_TEMPLATE_TAGGED = ['instance', 'volume', 'network-interface'] as const;

/** A launch template: IMDSv2 only, one encrypted gp3 image volume, no key pair (no SSH), cost tags. */
export function nodeLaunchTemplate(name: string, args: NodeLaunchTemplateArgs, opts: pulumi.CustomResourceOptions): aws.ec2.LaunchTemplate {
  return new aws.ec2.LaunchTemplate(
    name,
    {
      updateDefaultVersion: true,
      metadataOptions: {
        httpEndpoint: 'enabled',
        httpTokens: 'required',
        httpPutResponseHopLimit: args.metadataHopLimit,
      },
      blockDeviceMappings: [
        {
          deviceName: imageVolumeDevice(args.amiType),
          ebs: { volumeSize: args.volumeGiB, volumeType: 'gp3', encrypted: 'true', deleteOnTermination: 'true' },
        },
      ],
      tagSpecifications: LAUNCH_TEMPLATE_TAGGED.map((resourceType) => ({ resourceType, tags: { ...args.tags } })),
    },
    opts,
  );
}

/** `total` nodes spread over `zones` groups as evenly as possible, earlier zones first. */
export function spreadAcrossZones(total: number, zones: number): number[] {
  return Array.from({ length: zones }, (_, i) => Math.floor(total / zones) + (i < total % zones ? 1 : 0));
}

/** EKS's spelling of a Kubernetes taint effect. */
function eksTaintEffect(effect: string): string {
  switch (effect) {
    case 'NoSchedule':
      return 'NO_SCHEDULE';
    case 'NoExecute':
      return 'NO_EXECUTE';
    case 'PreferNoSchedule':
      return 'PREFER_NO_SCHEDULE';
    default:
      throw new Error(`taint effect ${effect} is not a Kubernetes taint effect; use NoSchedule, NoExecute or PreferNoSchedule`);
  }
}

/** How a node group follows the control plane: the cluster's minor and an AMI release of it. */
export interface NodeVersionArgs {
  /** The cluster's Kubernetes minor: nodes roll to it when the control plane is upgraded. */
  readonly kubernetesVersion: string;
  /** A pinned AMI release. @default - the newest release for the minor (public SSM parameter) */
  readonly amiReleaseVersion?: string;
}

/** The AMI release a group runs: the pinned one, or the newest EKS publishes for the minor. */
export function amiRelease(
  amiType: keyof typeof AMI_RELEASE_PARAMETERS,
  v: NodeVersionArgs,
  opts: pulumi.InvokeOptions,
): pulumi.Output<string> {
  if (v.amiReleaseVersion) return pulumi.output(v.amiReleaseVersion);
  return aws.ssm.getParameterOutput({ name: AMI_RELEASE_PARAMETERS[amiType](v.kubernetesVersion) }, opts).value;
}

interface ManagedGroupArgs {
  readonly clusterName: pulumi.Input<string>;
  readonly nodeRole: aws.iam.Role;
  readonly launchTemplate: aws.ec2.LaunchTemplate;
  readonly subnetIds: pulumi.Input<string>[];
  readonly namePrefix: string;
  readonly instanceTypes: readonly string[];
  readonly capacityType: 'SPOT' | 'ON_DEMAND';
  readonly amiType: string;
  readonly kubernetesVersion: string;
  readonly releaseVersion: pulumi.Input<string>;
  readonly minSize: number;
  readonly desiredSize: number;
  readonly maxSize: number;
  readonly labels: Record<string, string>;
  readonly taints: readonly { key: string; value: string; effect: string }[];
}

/**
 * An EKS managed node group as `aws.eks.NodeGroup`: pulumi-eks's ManagedNodeGroup (4.3) has no
 * node repair, and with a custom launch template it leaves `version` unset, so nodes would keep
 * their creation-day minor after a control-plane upgrade. The template sets no AMI, so EKS picks
 * the AMI from `amiType`, `version` and `releaseVersion`.
 */
function managedGroup(name: string, a: ManagedGroupArgs, parent: pulumi.Resource): aws.eks.NodeGroup {
  return new aws.eks.NodeGroup(
    name,
    {
      clusterName: a.clusterName,
      nodeRoleArn: a.nodeRole.arn,
      nodeGroupNamePrefix: `${a.namePrefix}-`,
      subnetIds: a.subnetIds,
      instanceTypes: [...a.instanceTypes],
      // SPOT managed node groups allocate capacity-optimized across these types (EKS sets it; not configurable).
      capacityType: a.capacityType,
      amiType: a.amiType,
      version: a.kubernetesVersion,
      releaseVersion: a.releaseVersion,
      launchTemplate: { id: a.launchTemplate.id, version: a.launchTemplate.latestVersion.apply(String) },
      scalingConfig: { minSize: a.minSize, desiredSize: a.desiredSize, maxSize: a.maxSize },
      // One node at a time: a GPU model pod needs a whole node, and its PDB lets one pod go.
      updateConfig: { maxUnavailable: 1 },
      // Replace nodes the node monitoring agent reports unhealthy (GPU XID errors, kubelet, networking).
      nodeRepairConfig: { enabled: true },
      labels: a.labels,
      taints: a.taints.map((t) => ({ key: t.key, value: t.value, effect: eksTaintEffect(t.effect) })),
    },
    {
      parent,
      // The Cluster Autoscaler owns the desired size; `pulumi up` must not reset it.
      ignoreChanges: ['scalingConfig.desiredSize'],
      // Until 2026-12 this group was pulumi-eks's ManagedNodeGroup component of the same name; the
      // alias keeps the node group (no replacement). It can go once every stack has run `up` since.
      aliases: [{ parent: pulumi.createUrn(name, 'eks:index:ManagedNodeGroup', parent) }],
    },
  );
}

/** What every node group shares: the cluster, the node role, the version it follows and the cost tags. */
interface NodeGroupCommonArgs extends NodeVersionArgs {
  /** The cluster's name, once the control plane exists. */
  readonly clusterName: pulumi.Input<string>;
  readonly nodeRole: aws.iam.Role;
  /** Tags for what the groups launch (instances, volumes, network interfaces). */
  readonly tags: Readonly<Record<string, string>>;
}

export interface SystemNodeGroupArgs extends NodeGroupCommonArgs {
  readonly subnetIds: pulumi.Input<string>[];
  readonly instanceType: string;
  readonly minSize: number;
  readonly desiredSize: number;
  readonly maxSize: number;
  readonly rootVolumeGiB: number;
}

/** On-demand nodes for CoreDNS and the add-ons; spread over every private subnet. */
export class SystemNodeGroup extends pulumi.ComponentResource {
  readonly nodeGroup: aws.eks.NodeGroup;
  /** The AMI release the group runs. */
  readonly releaseVersion: pulumi.Output<string>;

  constructor(name: string, args: SystemNodeGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    super('llm-platform:infra:SystemNodeGroup', name, {}, opts);
    const amiType = 'AL2023_x86_64_STANDARD';
    const launchTemplate = nodeLaunchTemplate(
      `${name}-lt`,
      { amiType, volumeGiB: args.rootVolumeGiB, metadataHopLimit: 2, tags: args.tags },
      { parent: this },
    );
    this.releaseVersion = amiRelease(amiType, args, { parent: this });
    this.nodeGroup = managedGroup(
      `${name}-ng`,
      {
        ...args,
        launchTemplate,
        namePrefix: NODE_GROUP_PREFIX.system,
        instanceTypes: [args.instanceType],
        capacityType: 'ON_DEMAND',
        amiType,
        releaseVersion: this.releaseVersion,
        labels: { [GPU_NODE_LABEL.key]: 'system' },
        taints: [],
      },
      this,
    );
    this.registerOutputs({ nodeGroupName: this.nodeGroup.nodeGroupName, releaseVersion: this.releaseVersion });
  }
}

/** The GPU AMI families a GPU group may run. */
export type GpuAmiType = 'AL2023_x86_64_NVIDIA' | 'BOTTLEROCKET_x86_64_NVIDIA';

export interface GpuNodePoolArgs extends NodeGroupCommonArgs {
  /** One private subnet per zone: one group per zone. */
  readonly subnetIds: pulumi.Input<string>[];
  /** Every type is a SPOT capacity pool per zone; the groups allocate capacity-optimized across them. */
  readonly instanceTypes: readonly string[];
  readonly capacityType: 'SPOT' | 'ON_DEMAND';
  readonly amiType: GpuAmiType;
  /** Pool-wide sizes; min and desired are spread over the zones. */
  readonly minSize: number;
  readonly desiredSize: number;
  /** Each zone may grow to this; the autoscaler's node total keeps the pool within it. */
  readonly maxSize: number;
  readonly rootVolumeGiB: number;
  /** GPU model name for the autoscaler's accelerator label, e.g. `T4`. */
  readonly gpuName: string;
  /** An on-demand group per zone the autoscaler falls back to. @default - none */
  readonly onDemandFallbackMaxSize?: number;
}

/** The labels every GPU node carries: the workloads' affinity and the autoscaler's GPU hint. */
export function gpuNodeLabels(gpuName: string): Record<string, string> {
  return { [GPU_NODE_LABEL.key]: GPU_NODE_LABEL.value, [ACCELERATOR_LABEL]: `nvidia-${gpuName.toLowerCase()}` };
}

/** GPU node groups, one per zone, tainted so only pods that tolerate GPUs land there. */
export class GpuNodePool extends pulumi.ComponentResource {
  readonly primary: aws.eks.NodeGroup[];
  readonly fallback: aws.eks.NodeGroup[];
  /** The AMI release the groups run. */
  readonly releaseVersion: pulumi.Output<string>;

  constructor(name: string, args: GpuNodePoolArgs, opts?: pulumi.ComponentResourceOptions) {
    super('llm-platform:infra:GpuNodePool', name, {}, opts);
    const launchTemplate = nodeLaunchTemplate(
      `${name}-lt`,
      { amiType: args.amiType, volumeGiB: args.rootVolumeGiB, metadataHopLimit: 1, tags: args.tags },
      { parent: this },
    );
    this.releaseVersion = amiRelease(args.amiType, args, { parent: this });
    const zones = args.subnetIds.length;
    const mins = spreadAcrossZones(args.minSize, zones);
    const desired = spreadAcrossZones(args.desiredSize, zones);
    const common = {
      clusterName: args.clusterName,
      nodeRole: args.nodeRole,
      launchTemplate,
      instanceTypes: args.instanceTypes,
      amiType: args.amiType,
      kubernetesVersion: args.kubernetesVersion,
      releaseVersion: this.releaseVersion,
      labels: gpuNodeLabels(args.gpuName),
      taints: [GPU_NODE_TAINT],
    };
    this.primary = args.subnetIds.map((subnetId, i) =>
      managedGroup(
        `${name}-${i}`,
        {
          ...common,
          subnetIds: [subnetId],
          namePrefix: NODE_GROUP_PREFIX.gpu,
          capacityType: args.capacityType,
          minSize: mins[i]!,
          desiredSize: desired[i]!,
          maxSize: args.maxSize,
        },
        this,
      ),
    );
    const fallbackMax = args.onDemandFallbackMaxSize;
    this.fallback =
      fallbackMax === undefined
        ? []
        : args.subnetIds.map((subnetId, i) =>
            managedGroup(
              `${name}-fallback-${i}`,
              {
                ...common,
                subnetIds: [subnetId],
                namePrefix: NODE_GROUP_PREFIX.gpuFallback,
                capacityType: 'ON_DEMAND',
                minSize: 0,
                desiredSize: 0,
                maxSize: fallbackMax,
              },
              this,
            ),
          );
    this.registerOutputs({ releaseVersion: this.releaseVersion });
  }
}
