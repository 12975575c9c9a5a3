/**
 * Cluster add-ons: CoreDNS and the EKS node monitoring agent (pinned EKS add-ons), the Cluster
 * Autoscaler (GPU nodes for Pending pods, idle ones removed), the NVIDIA device plugin, KEDA,
 * kube-prometheus-stack with Alertmanager routing to real receivers, and External Secrets
 * Operator with a ClusterSecretStore for AWS Secrets Manager that serves only the model namespace.
 *
 * Chart versions are pinned here, next to why: KEDA, the Prometheus operator and External
 * Secrets must serve the CRD versions the workloads were generated against (crds/).
 */
import * as aws from '@pulumi/aws';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { GPU_NODE_LABEL, GPU_NODE_TAINT } from '../constructs/hardware';
import { nodeLabelsAllowlist } from '../constructs/observability/cost';
import { CLUSTER_AUTOSCALER_IMAGE_TAGS, addonVersion, type KubernetesVersion } from '../facts/eks';
import { ALERTMANAGER_WEBHOOK_SECRET, WEBHOOK_KEYS } from './alerting';
import { PodIdentityRole, type PolicyStatement, type ServiceAccountRef } from './iam';
import { NODE_GROUP_PREFIX } from './node-groups';
import { PROMETHEUS_STORAGE_GIB } from './sizes';

export { CLUSTER_AUTOSCALER_IMAGE_TAGS } from '../facts/eks';

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

/** Where the Cluster Autoscaler image comes from (the tag follows the cluster's minor). */
export const CLUSTER_AUTOSCALER_IMAGE = 'registry.k8s.io/autoscaling/cluster-autoscaler';

export const CLUSTER_AUTOSCALER_SERVICE_ACCOUNT: ServiceAccountRef = { namespace: 'kube-system', name: 'cluster-autoscaler' };
export const EXTERNAL_SECRETS_SERVICE_ACCOUNT: ServiceAccountRef = { namespace: 'external-secrets', name: 'external-secrets' };
/** Alertmanager's service account (named here so its Pod Identity association can name it). */
export const ALERTMANAGER_SERVICE_ACCOUNT_NAME = 'alertmanager';
/** The namespaced store the monitoring namespace reads alert webhooks through. */
export const ALERTING_SECRET_STORE = 'alerting-secrets';

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

/** What Alertmanager needs from infra/alerting.ts. */
export interface AlertmanagerArgs {
  /** kube-prometheus-stack's `alertmanager.config`. */
  readonly config: pulumi.Input<Record<string, unknown>>;
  /** Alertmanager's Pod Identity role (publishes to SNS). */
  readonly role: pulumi.Resource;
  /** Webhook credentials to mount, read from Secrets Manager with `readerRoleArn`. @default - none */
  readonly webhooks?: {
    readonly readerRoleArn: pulumi.Input<string>;
    readonly slackWebhookSecretName?: string;
    readonly pagerDutyRoutingKeySecretName?: string;
  };
}

export interface ClusterAddonsArgs {
  readonly clusterName: pulumi.Input<string>;
  readonly region: string;
  readonly accountId: pulumi.Input<string>;
  /** The cluster's minor: the CoreDNS and node monitoring agent versions and the autoscaler image follow it. */
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
  /** The only namespace the ClusterSecretStore serves (the models'): the HF token and API key stay there. */
  readonly secretStoreNamespaces: readonly string[];
  /** Role External Secrets Operator reads Secrets Manager with. */
  readonly secretsReader: pulumi.Resource;
  readonly alertmanager: AlertmanagerArgs;
  /** Rewrites an upstream image reference onto the pull-through cache. @default - images from their upstreams */
  readonly imageFor?: (ref: string) => string;
}

/** The Helm releases and EKS add-ons the platform runs on. */
export class ClusterAddons extends pulumi.ComponentResource {
  /** What the workloads need first: the operators that serve their CRDs, and the secret store. */
  readonly workloadDependencies: pulumi.Resource[];

  constructor(name: string, args: ClusterAddonsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('llm-platform:infra:ClusterAddons', name, {}, opts);
    const parent = { parent: this };

    const k = args.kubernetesVersion;
    const coredns = new aws.eks.Addon(
      `${name}-coredns`,
      {
        clusterName: args.clusterName,
        addonName: 'coredns',
        addonVersion: addonVersion('coredns', k),
        resolveConflictsOnCreate: 'OVERWRITE',
        resolveConflictsOnUpdate: 'OVERWRITE',
      },
      { parent: this, dependsOn: [args.systemNodes] },
    );
    // Reports node health (GPU XID errors through its DCGM agent, kubelet, networking, storage) as
    // node conditions; the node groups' auto repair replaces nodes on them.
    new aws.eks.Addon(
      `${name}-node-monitoring-agent`,
      {
        clusterName: args.clusterName,
        addonName: 'eks-node-monitoring-agent',
        addonVersion: addonVersion('eks-node-monitoring-agent', k),
        resolveConflictsOnCreate: 'OVERWRITE',
        resolveConflictsOnUpdate: 'OVERWRITE',
        // Its DCGM agent must run on the tainted GPU nodes it checks.
        configurationValues: JSON.stringify({
          dcgmAgent: { tolerations: [{ key: GPU_NODE_TAINT.key, operator: 'Exists', effect: GPU_NODE_TAINT.effect }] },
        }),
      },
      { parent: this, dependsOn: [args.systemNodes] },
    );
    const image = args.imageFor ?? ((ref: string) => ref);
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
        image: { repository: image(CLUSTER_AUTOSCALER_IMAGE), tag: CLUSTER_AUTOSCALER_IMAGE_TAGS[k] },
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

    const externalSecrets = release(
      'external-secrets',
      CHARTS.externalSecrets,
      { installCRDs: true, serviceAccount: { create: true, name: EXTERNAL_SECRETS_SERVICE_ACCOUNT.name } },
      [args.secretsReader],
    );
    const webhooks = this.alertWebhooks(name, args, externalSecrets);

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
                spec: {
                  storageClassName: args.storageClassName,
                  accessModes: ['ReadWriteOnce'],
                  resources: { requests: { storage: `${PROMETHEUS_STORAGE_GIB}Gi` } },
                },
              },
            },
          },
        },
        // kube-state-metrics exports no node label unless allow-listed: the cost rules read the
        // capacity type and node pool of GPU nodes from kube_node_labels.
        'kube-state-metrics': { metricLabelsAllowlist: [nodeLabelsAllowlist()] },
        alertmanager: {
          serviceAccount: { create: true, name: ALERTMANAGER_SERVICE_ACCOUNT_NAME },
          config: args.alertmanager.config,
          // The webhook credentials as files (api_url_file, routing_key_file): never in the config itself.
          alertmanagerSpec: { secrets: webhooks ? [ALERTMANAGER_WEBHOOK_SECRET] : [] },
        },
        grafana: {
          // Empty: the Grafana chart generates a random admin password once and keeps it in its Secret.
          adminPassword: '',
          // The model dashboards are ConfigMaps in the models' namespace, not Grafana's.
          sidecar: { dashboards: { enabled: true, label: 'grafana_dashboard', labelValue: '1', searchNamespace: 'ALL' } },
        },
      },
      [...args.storage, args.alertmanager.role, ...(webhooks ? [webhooks] : [])],
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

    // The controller reads Secrets Manager with its own Pod Identity role: no keys in the store.
    // Cluster-wide kind, one namespace: an ExternalSecret anywhere else cannot use it, so no
    // other namespace can copy the HF token or the API key into a Secret of its own.
    const store = new k8s.apiextensions.CustomResource(
      `${name}-secret-store`,
      {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ClusterSecretStore',
        metadata: { name: args.secretStoreName },
        spec: {
          provider: { aws: { service: 'SecretsManager', region: args.region } },
          conditions: [{ namespaces: [...args.secretStoreNamespaces] }],
        },
      },
      { parent: this, provider: args.provider, dependsOn: [externalSecrets] },
    );

    this.workloadDependencies = [keda, prometheus, externalSecrets, store, ...args.storage];
    this.registerOutputs({});
  }

  /**
   * The Slack and PagerDuty credentials as a Secret in the monitoring namespace, before
   * Alertmanager starts (it mounts them). A namespaced store with its own role: it can read the
   * webhook secrets and nothing else, so the monitoring namespace never reaches the model secrets.
   */
  private alertWebhooks(name: string, args: ClusterAddonsArgs, externalSecrets: pulumi.Resource): pulumi.Resource | undefined {
    const w = args.alertmanager.webhooks;
    if (!w) return undefined;
    const opts = (dependsOn: pulumi.Resource[]) => ({ parent: this, provider: args.provider, dependsOn });
    const namespace = args.monitoringNamespace;
    // Helm's createNamespace later finds it and leaves it alone.
    const ns = new k8s.core.v1.Namespace(`${name}-monitoring`, { metadata: { name: namespace } }, opts([]));
    const store = new k8s.apiextensions.CustomResource(
      `${name}-alerting-store`,
      {
        apiVersion: 'external-secrets.io/v1',
        kind: 'SecretStore',
        metadata: { name: ALERTING_SECRET_STORE, namespace },
        spec: { provider: { aws: { service: 'SecretsManager', region: args.region, role: w.readerRoleArn } } },
      },
      opts([externalSecrets, ns]),
    );
    const data = [
      ...(w.slackWebhookSecretName ? [{ secretKey: WEBHOOK_KEYS.slack, remoteRef: { key: w.slackWebhookSecretName } }] : []),
      ...(w.pagerDutyRoutingKeySecretName
        ? [{ secretKey: WEBHOOK_KEYS.pagerDuty, remoteRef: { key: w.pagerDutyRoutingKeySecretName } }]
        : []),
    ];
    return new k8s.apiextensions.CustomResource(
      `${name}-alert-webhooks`,
      {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ExternalSecret',
        metadata: { name: ALERTMANAGER_WEBHOOK_SECRET, namespace },
        spec: {
          refreshInterval: '1h',
          secretStoreRef: { kind: 'SecretStore', name: ALERTING_SECRET_STORE },
          target: { name: ALERTMANAGER_WEBHOOK_SECRET, creationPolicy: 'Owner', deletionPolicy: 'Retain' },
          data,
        },
      },
      opts([store]),
    );
  }
}
