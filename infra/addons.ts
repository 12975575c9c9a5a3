/**
 * Cluster add-ons: CoreDNS, the Cluster Autoscaler (GPU nodes for Pending pods, idle ones
 * removed), the NVIDIA device plugin, KEDA, kube-prometheus-stack and External Secrets
 * Operator with a ClusterSecretStore for AWS Secrets Manager.
 *
 * Chart versions are pinned here, next to why: KEDA, the Prometheus operator and External
 * Secrets must serve the CRD versions the workloads were generated against (crds/).
 */
import * as aws from '@pulumi/aws';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { GPU_NODE_LABEL, GPU_NODE_TAINT } from '../constructs/hardware';
import { nodeLabelsAllowlist } from '../constructs/observability/cost';
import { PodIdentityRole, type PolicyStatement, type ServiceAccountRef } from './iam';
import { NODE_GROUP_PREFIX } from './node-groups';
import { PROMETHEUS_STORAGE_GIB } from './sizes';

/** A pinned Helm chart. */
export interface ChartRef {
  readonly chart: string;
  readonly version: string;
  readonly repo: string;
  /** Release name; other settings (Prometheus URL, selector labels) depend on it. */
  readonly release: string;
  readonly namespace: string;
}

export const CHARTS = {
  /** Chart 9.53.0 ships CA 1.34; the image tag below follows the cluster's minor version. */
  clusterAutoscaler: {
    chart: 'cluster-autoscaler',
    version: '9.53.0',
    repo: 'https://kubernetes.github.io/autoscaler',
    release: 'cluster-autoscaler',
    namespace: 'kube-system',
  },
  nvidiaDevicePlugin: {
    chart: 'nvidia-device-plugin',
    version: '0.18.2',
    repo: 'https://nvidia.github.io/k8s-device-plugin',
    release: 'nvidia-device-plugin',
    namespace: 'kube-system',
  },
  /** KEDA v2.20.x: crds/keda.sh_scaledobjects.yaml. */
  keda: { chart: 'keda', version: '2.20.2', repo: 'https://kedacore.github.io/charts', release: 'keda', namespace: 'keda' },
  /** Chart 88.x ships prometheus-operator 0.93.0: crds/prometheus-operator.yaml. */
  kubePrometheusStack: {
    chart: 'kube-prometheus-stack',
    version: '88.0.0',
    repo: 'https://prometheus-community.github.io/helm-charts',
    release: 'kube-prometheus-stack',
    namespace: 'monitoring',
  },
  /**
   * GPU telemetry for the dashboards and GPU alerts (constructs/metrics.ts DCGM catalog). Its own
   * namespace: it needs the kubelet's pod-resources socket (hostPath), which policy/k8s/exceptions.ts
   * allows there and nowhere else.
   */
  dcgmExporter: {
    chart: 'dcgm-exporter',
    version: '4.1.1',
    repo: 'https://nvidia.github.io/dcgm-exporter/helm-charts',
    release: 'dcgm-exporter',
    namespace: 'gpu-monitoring',
  },
  /** Chart 2.9.0: crds/external-secrets.io_externalsecrets.yaml. */
  externalSecrets: {
    chart: 'external-secrets',
    version: '2.9.0',
    repo: 'https://charts.external-secrets.io',
    release: 'external-secrets',
    namespace: 'external-secrets',
  },
} as const satisfies Record<string, ChartRef>;

/**
 * Cluster Autoscaler minor version must match the cluster's. The config's versions must be keys
 * here: stacks/pulumi.ts passes `cluster.kubernetesVersion` as a {@link KubernetesVersion}, so a
 * version the config accepts and this table lacks fails the type-check.
 */
export const CLUSTER_AUTOSCALER_IMAGE_TAGS = {
  '1.31': 'v1.31.0',
  '1.32': 'v1.32.5',
  '1.33': 'v1.33.3',
  '1.34': 'v1.34.2',
} as const satisfies Readonly<Record<string, string>>;

/** A Kubernetes version the add-ons know how to run on. */
export type KubernetesVersion = keyof typeof CLUSTER_AUTOSCALER_IMAGE_TAGS;

export const CLUSTER_AUTOSCALER_SERVICE_ACCOUNT: ServiceAccountRef = { namespace: 'kube-system', name: 'cluster-autoscaler' };
export const EXTERNAL_SECRETS_SERVICE_ACCOUNT: ServiceAccountRef = { namespace: 'external-secrets', name: 'external-secrets' };

/** In-cluster URL of the Prometheus that kube-prometheus-stack installs in `namespace`. */
export function prometheusUrl(namespace: string): string {
  return `http://${CHARTS.kubePrometheusStack.release}-prometheus.${namespace}.svc:9090`;
}

/** Cluster Autoscaler flags: how Pending GPU pods get nodes and idle GPU nodes go away. */
export function clusterAutoscalerArgs(maxNodesTotal: number): Record<string, string | number | boolean> {
  return {
    // SPOT groups first; when they cannot deliver, the on-demand fallback.
    expander: 'priority,least-waste',
    // A group that has not produced a node in this time is backed off and the next one tried.
    'max-node-provision-time': '10m',
    // Per-zone GPU groups grow together instead of one zone filling first.
    'balance-similar-node-groups': true,
    // Model pods use emptyDir for /tmp and /dev/shm; that must not pin an idle GPU node.
    'skip-nodes-with-local-storage': false,
    // A T4 cold start takes minutes; give a new node time before judging it unneeded.
    'scale-down-delay-after-add': '10m',
    'scale-down-unneeded-time': '10m',
    // Per-zone groups may each grow to the pool's max; the cluster total keeps the budget.
    'max-nodes-total': maxNodesTotal,
  };
}

/**
 * What the Cluster Autoscaler may do in AWS: read scaling state everywhere (AWS does not scope
 * Describe calls), change only the Auto Scaling groups tagged as this cluster's, and read this
 * cluster's node groups (labels and taints of groups at zero nodes).
 */
export function clusterAutoscalerStatements(region: string, accountId: string, clusterName: string): PolicyStatement[] {
  return [
    {
      Sid: 'DescribeScalingState',
      Effect: 'Allow',
      Action: [
        'autoscaling:DescribeAutoScalingGroups',
        'autoscaling:DescribeAutoScalingInstances',
        'autoscaling:DescribeLaunchConfigurations',
        'autoscaling:DescribeScalingActivities',
        'autoscaling:DescribeTags',
        'ec2:DescribeImages',
        'ec2:DescribeInstanceTypes',
        'ec2:DescribeLaunchTemplateVersions',
        'ec2:GetInstanceTypesFromInstanceRequirements',
      ],
      Resource: ['*'],
    },
    {
      Sid: 'ScaleOwnGroups',
      Effect: 'Allow',
      Action: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'],
      Resource: [`arn:aws:autoscaling:${region}:${accountId}:autoScalingGroup:*:autoScalingGroupName/eks-*`],
      Condition: { StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${clusterName}`]: 'owned' } },
    },
    {
      Sid: 'ReadNodeGroups',
      Effect: 'Allow',
      Action: ['eks:DescribeNodegroup'],
      Resource: [`arn:aws:eks:${region}:${accountId}:nodegroup/${clusterName}/*/*`],
    },
  ];
}

/** Priority expander config: higher wins; groups are matched by their name prefix. */
export const EXPANDER_PRIORITIES: Readonly<Record<number, readonly string[]>> = {
  50: [`.*${NODE_GROUP_PREFIX.gpu}.*`],
  10: [`.*${NODE_GROUP_PREFIX.gpuFallback}.*`],
  1: ['.*'],
};

export interface ClusterAddonsArgs {
  readonly clusterName: pulumi.Input<string>;
  readonly region: string;
  readonly accountId: pulumi.Input<string>;
  readonly kubernetesVersion: KubernetesVersion;
  readonly provider: k8s.Provider;
  /** The system node group: add-on controllers run there. */
  readonly systemNodes: pulumi.Resource;
  /** Upper bound on all nodes (system + GPU), enforced by the autoscaler. */
  readonly maxNodesTotal: number;
  /** Bottlerocket NVIDIA nodes run their own device plugin; AL2023 NVIDIA nodes need the chart. */
  readonly installDevicePlugin: boolean;
  readonly monitoringNamespace: string;
  /** Labels ServiceMonitors and PrometheusRules must carry to be picked up. */
  readonly monitoringSelectorLabels: Readonly<Record<string, string>>;
  /** StorageClass for Prometheus' volume. */
  readonly storageClassName: string;
  /** Storage drivers and classes Prometheus' claim needs. */
  readonly storage: pulumi.Resource[];
  readonly secretStoreName: string;
  /** Role External Secrets Operator reads Secrets Manager with. */
  readonly secretsReader: pulumi.Resource;
}

/** The Helm releases and EKS add-ons the platform runs on. */
export class ClusterAddons extends pulumi.ComponentResource {
  /** What the workloads need first: the operators that serve their CRDs, and the secret store. */
  readonly workloadDependencies: pulumi.Resource[];

  constructor(name: string, args: ClusterAddonsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('llm-platform:infra:ClusterAddons', name, {}, opts);
    const parent = { parent: this };

    const coredns = new aws.eks.Addon(
      `${name}-coredns`,
      { clusterName: args.clusterName, addonName: 'coredns', resolveConflictsOnCreate: 'OVERWRITE' },
      { parent: this, dependsOn: [args.systemNodes] },
    );
    const base = [args.systemNodes, coredns];
    const release = (id: string, chart: ChartRef, values: pulumi.Inputs, dependsOn: pulumi.Resource[] = []) =>
      new k8s.helm.v3.Release(
        `${name}-${id}`,
        {
          name: chart.release,
          chart: chart.chart,
          version: chart.version,
          repositoryOpts: { repo: chart.repo },
          namespace: chart.namespace,
          createNamespace: true,
          // Roll back a failed upgrade instead of leaving a half-applied release.
          atomic: true,
          timeout: 900,
          values,
        },
        { parent: this, provider: args.provider, dependsOn: [...base, ...dependsOn] },
      );

    const autoscalerRole = new PodIdentityRole(
      `${name}-cluster-autoscaler`,
      {
        clusterName: args.clusterName,
        accountId: args.accountId,
        serviceAccounts: [CLUSTER_AUTOSCALER_SERVICE_ACCOUNT],
        statements: pulumi
          .all([args.accountId, args.clusterName])
          .apply(([accountId, clusterName]) => clusterAutoscalerStatements(args.region, accountId, clusterName)),
      },
      parent,
    );
    release(
      'cluster-autoscaler',
      CHARTS.clusterAutoscaler,
      {
        cloudProvider: 'aws',
        awsRegion: args.region,
        autoDiscovery: { clusterName: args.clusterName },
        image: { tag: CLUSTER_AUTOSCALER_IMAGE_TAGS[args.kubernetesVersion] },
        rbac: { serviceAccount: { create: true, name: CLUSTER_AUTOSCALER_SERVICE_ACCOUNT.name } },
        extraArgs: clusterAutoscalerArgs(args.maxNodesTotal),
        expanderPriorities: EXPANDER_PRIORITIES,
      },
      [autoscalerRole],
    );

    if (args.installDevicePlugin) {
      release('nvidia-device-plugin', CHARTS.nvidiaDevicePlugin, {
        // The chart's default affinity wants Node Feature Discovery labels this cluster does not run.
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: GPU_NODE_LABEL.key, operator: 'In', values: [GPU_NODE_LABEL.value] }] }],
            },
          },
        },
        tolerations: [{ key: GPU_NODE_TAINT.key, operator: 'Exists', effect: GPU_NODE_TAINT.effect }],
        gfd: { enabled: false },
        nfd: { enabled: false },
      });
    }

    const keda = release('keda', CHARTS.keda, {});

    const selector = { matchLabels: { ...args.monitoringSelectorLabels } };
    const prometheus = release(
      'kube-prometheus-stack',
      { ...CHARTS.kubePrometheusStack, namespace: args.monitoringNamespace },
      {
        prometheus: {
          prometheusSpec: {
            serviceMonitorSelector: selector,
            podMonitorSelector: selector,
            ruleSelector: selector,
            retention: '15d',
            storageSpec: {
              volumeClaimTemplate: {
                spec: { storageClassName: args.storageClassName, accessModes: ['ReadWriteOnce'], resources: { requests: { storage: `${PROMETHEUS_STORAGE_GIB}Gi` } } },
              },
            },
          },
        },
        // kube-state-metrics exports no node label unless allow-listed: the cost rules read the
        // capacity type and node pool of GPU nodes from kube_node_labels.
        'kube-state-metrics': { metricLabelsAllowlist: [nodeLabelsAllowlist()] },
        grafana: {
          // Empty: the Grafana chart generates a random admin password once and keeps it in its Secret.
          adminPassword: '',
          // The model dashboards are ConfigMaps in the models' namespace, not Grafana's.
          sidecar: { dashboards: { enabled: true, label: 'grafana_dashboard', labelValue: '1', searchNamespace: 'ALL' } },
        },
      },
      args.storage,
    );

    release(
      'dcgm-exporter',
      CHARTS.dcgmExporter,
      {
        nodeSelector: { [GPU_NODE_LABEL.key]: GPU_NODE_LABEL.value },
        tolerations: [{ key: GPU_NODE_TAINT.key, operator: 'Exists', effect: GPU_NODE_TAINT.effect }],
        // honorLabels keeps the exporter's pod/namespace labels (which GPU a model pod holds)
        // instead of Prometheus overwriting them with the exporter's own pod.
        serviceMonitor: { enabled: true, interval: '15s', honorLabels: true, additionalLabels: { ...args.monitoringSelectorLabels } },
      },
      [prometheus],
    );

    const externalSecrets = release(
      'external-secrets',
      CHARTS.externalSecrets,
      { installCRDs: true, serviceAccount: { create: true, name: EXTERNAL_SECRETS_SERVICE_ACCOUNT.name } },
      [args.secretsReader],
    );
    // The controller reads Secrets Manager with its own Pod Identity role: no keys in the store.
    const store = new k8s.apiextensions.CustomResource(
      `${name}-secret-store`,
      {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ClusterSecretStore',
        metadata: { name: args.secretStoreName },
        spec: { provider: { aws: { service: 'SecretsManager', region: args.region } } },
      },
      { parent: this, provider: args.provider, dependsOn: [externalSecrets] },
    );

    this.workloadDependencies = [keda, prometheus, externalSecrets, store, ...args.storage];
    this.registerOutputs({});
  }
}
