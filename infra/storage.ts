/**
 * Storage for the model caches: the EBS CSI driver with an encrypted gp3 StorageClass, and —
 * when the environment uses a shared cache — an encrypted EFS file system with the EFS CSI
 * driver and a ReadWriteMany StorageClass.
 */
import * as aws from '@pulumi/aws';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { VLLM_UID } from '../constructs/workload-layout';
import { addonVersion, type KubernetesVersion } from '../facts/eks';
import { PodIdentityRole } from './iam';

/** Service accounts the EKS storage add-ons run their controllers as. */
export const EBS_CSI_SERVICE_ACCOUNT = { namespace: 'kube-system', name: 'ebs-csi-controller-sa' } as const;
export const EFS_CSI_SERVICE_ACCOUNT = { namespace: 'kube-system', name: 'efs-csi-controller-sa' } as const;

export interface ClusterStorageArgs {
  readonly clusterName: pulumi.Input<string>;
  readonly accountId: pulumi.Input<string>;
  readonly provider: k8s.Provider;
  /** Name of the gp3 StorageClass (the per-variant and ephemeral caches, Prometheus). */
  readonly ebsStorageClassName: string;
  /** Shared-cache settings; absent when no environment variant uses EFS. @default - no EFS */
  readonly efs?: {
    readonly storageClassName: string;
    readonly vpcId: pulumi.Input<string>;
    readonly vpcCidr: string;
    readonly subnetIds: pulumi.Input<string>[];
  };
  /** Controllers need nodes to become healthy. */
  readonly nodes: pulumi.Resource[];
  /** The cluster's minor: the CSI driver add-on versions follow it. */
  readonly kubernetesVersion: KubernetesVersion;
  /** Cost tags for the EBS volumes the driver creates for claims (the provider's default tags do not reach them). */
  readonly volumeTags: Readonly<Record<string, string>>;
}

/** EBS CSI StorageClass parameters that tag every volume it provisions (`tagSpecification_<n>: key=value`). */
export function volumeTagParameters(tags: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).map(([key, value], i) => [`tagSpecification_${i + 1}`, `${key}=${value}`]));
}

/** The CSI drivers and StorageClasses the workloads' claims name. */
export class ClusterStorage extends pulumi.ComponentResource {
  /** What a claim needs before it can bind: the drivers and classes. */
  readonly ready: pulumi.Resource[];

  constructor(name: string, args: ClusterStorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super('llm-platform:infra:ClusterStorage', name, {}, opts);
    const parent = { parent: this };
    const k8sOpts = (dependsOn: pulumi.Resource[]) => ({ parent: this, provider: args.provider, dependsOn });

    const ebsRole = new PodIdentityRole(
      `${name}-ebs-csi`,
      {
        clusterName: args.clusterName,
        accountId: args.accountId,
        serviceAccounts: [EBS_CSI_SERVICE_ACCOUNT],
        managedPolicyArns: ['arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy'],
      },
      parent,
    );
    const ebs = new aws.eks.Addon(
      `${name}-ebs-csi`,
      {
        clusterName: args.clusterName,
        addonName: 'aws-ebs-csi-driver',
        addonVersion: addonVersion('aws-ebs-csi-driver', args.kubernetesVersion),
        resolveConflictsOnCreate: 'OVERWRITE',
        resolveConflictsOnUpdate: 'OVERWRITE',
      },
      { parent: this, dependsOn: [ebsRole, ...args.nodes] },
    );
    const gp3 = new k8s.storage.v1.StorageClass(
      `${name}-gp3`,
      {
        metadata: { name: args.ebsStorageClassName, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
        provisioner: 'ebs.csi.aws.com',
        parameters: { type: 'gp3', encrypted: 'true', 'csi.storage.k8s.io/fstype': 'ext4', ...volumeTagParameters(args.volumeTags) },
        // Bind where the pod lands: an EBS volume lives in one zone.
        volumeBindingMode: 'WaitForFirstConsumer',
        allowVolumeExpansion: true,
        reclaimPolicy: 'Delete',
      },
      // Parameters are immutable: a change replaces the class under the same name (bound volumes keep working).
      { ...k8sOpts([ebs]), deleteBeforeReplace: true },
    );
    this.ready = [ebs, gp3];

    if (args.efs) {
      const efs = args.efs;
      const sg = new aws.ec2.SecurityGroup(
        `${name}-efs`,
        {
          vpcId: efs.vpcId,
          description: 'NFS from inside the VPC to the model cache file system',
          ingress: [{ protocol: 'tcp', fromPort: 2049, toPort: 2049, cidrBlocks: [efs.vpcCidr], description: 'NFS from the VPC' }],
        },
        parent,
      );
      const fileSystem = new aws.efs.FileSystem(
        `${name}-efs`,
        {
          encrypted: true,
          performanceMode: 'generalPurpose',
          // Elastic: a burst of pods reading 15 GB of weights is not throttled by stored size.
          throughputMode: 'elastic',
          tags: { Name: `${name}-model-cache` },
        },
        parent,
      );
      const mounts = efs.subnetIds.map(
        (subnetId, i) =>
          new aws.efs.MountTarget(`${name}-efs-${i}`, { fileSystemId: fileSystem.id, subnetId, securityGroups: [sg.id] }, parent),
      );
      const efsRole = new PodIdentityRole(
        `${name}-efs-csi`,
        {
          clusterName: args.clusterName,
          accountId: args.accountId,
          serviceAccounts: [EFS_CSI_SERVICE_ACCOUNT],
          managedPolicyArns: ['arn:aws:iam::aws:policy/service-role/AmazonEFSCSIDriverPolicy'],
        },
        parent,
      );
      const efsDriver = new aws.eks.Addon(
        `${name}-efs-csi`,
        {
          clusterName: args.clusterName,
          addonName: 'aws-efs-csi-driver',
          addonVersion: addonVersion('aws-efs-csi-driver', args.kubernetesVersion),
          resolveConflictsOnCreate: 'OVERWRITE',
          resolveConflictsOnUpdate: 'OVERWRITE',
        },
        { parent: this, dependsOn: [efsRole, ...mounts, ...args.nodes] },
      );
      const efsClass = new k8s.storage.v1.StorageClass(
        `${name}-efs`,
        {
          metadata: { name: efs.storageClassName },
          provisioner: 'efs.csi.aws.com',
          parameters: {
            provisioningMode: 'efs-ap',
            fileSystemId: fileSystem.id,
            directoryPerms: '700',
            basePath: '/model-cache',
            // NFS has no fsGroup: the access point presents every file as owned by the UID the vLLM pods run as.
            uid: String(VLLM_UID),
            gid: '0',
          },
          reclaimPolicy: 'Delete',
          volumeBindingMode: 'Immediate',
        },
        k8sOpts([efsDriver]),
      );
      this.ready.push(efsDriver, efsClass);
    }
    this.registerOutputs({});
  }
}
