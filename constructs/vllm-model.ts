/**
 * One vLLM model variant as Kubernetes objects: Deployment, Service, ServiceAccount,
 * ServiceMonitor, KEDA ScaledObject, PodDisruptionBudget, NetworkPolicy and, for a per-variant
 * cache, its PersistentVolumeClaim.
 *
 * Built from the `k8s` (L1) types cdk8s-plus-28 exports rather than its L2 Deployment: every
 * pod-spec field here is reviewed by policy, and the L2 API adds defaults (a tcpSocket startup
 * probe with failureThreshold 3 that kills vLLM while it loads, 1000m CPU requests,
 * `imagePullPolicy: Always`) that would each need a patch to undo.
 */
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ScaledObject, ScaledObjectSpecFallbackBehavior } from './imports/keda.sh';
import { ServiceMonitor } from './imports/monitoring.coreos.com';
import { CAPACITY_TYPE_LABEL, GPU_NODE_LABEL, GPU_NODE_TAINT } from './hardware';
import { promql } from './metrics';
import { VLLM_PORT, vllmArgs } from './vllm-args';
import {
  CACHE_MOUNT,
  REGISTRY_SYNC_CONTAINER,
  TRACKS,
  TRACK_LABEL,
  VLLM_CONTAINER,
  VLLM_UID,
  registryCachePath,
  selectorLabels,
  type Track,
} from './workload-layout';

export { CACHE_MOUNT, TRACKS, TRACK_LABEL, VLLM_UID, registryCachePath, selectorLabels, type Track } from './workload-layout';
export { VLLM_PORT, vllmArgs, type VllmArgsProps } from './vllm-args';
/** Seconds between the end of vLLM's drain and SIGKILL, for the process to exit. */
export const SHUTDOWN_MARGIN_SEC = 15;
/** Time a new pod may spend waiting for a GPU node and pulling the ~10 GB image, on top of its startup budget. */
export const SCHEDULE_AND_PULL_ALLOWANCE_SEC = 600;

/** Where a variant keeps downloaded weights and compiled kernels. */
export type ModelCacheProps =
  /** A ReadWriteOnce EBS claim of its own: one replica, Recreate rollouts. */
  | { readonly kind: 'pvc'; readonly storageClassName: string; readonly sizeGiB: number }
  /** An existing ReadWriteMany claim every replica mounts (EFS). */
  | { readonly kind: 'shared'; readonly claimName: string }
  /** A generic ephemeral volume per pod: any rollout works, every start downloads. */
  | { readonly kind: 'ephemeral'; readonly storageClassName: string; readonly sizeGiB: number };

/** Where the weights come from. */
export type ModelSourceProps =
  /** Hugging Face: modelId (and revision) downloaded into HF_HOME on the cache volume. */
  | { readonly kind: 'huggingface' }
  /**
   * A registry version (`s3://bucket/models/<name>/v<version>/`): `sync` copies it into the cache
   * with an init container; `stream` lets vLLM read it from S3 with the Run:ai streamer.
   */
  | { readonly kind: 'registry'; readonly uri: string; readonly loader: 'sync' | 'stream'; readonly syncImage: string };

/** EKS Pod Identity agent: where the AWS SDK in the pod gets credentials to read the registry. */
export const POD_IDENTITY_AGENT = { cidr: '169.254.170.23/32', port: 80 } as const;

/** A Secret key an environment variable is read from. */
export interface SecretKeyRef {
  readonly name: string;
  readonly key: string;
}

export interface LoraAdapterProps {
  /** Name clients put in `model`. */
  readonly name: string;
  /** What `--lora-modules` names: an absolute path inside the cache, or a Hugging Face repo id. */
  readonly path: string;
  /** A registry version an init container copies to `path` first. @default - nothing to copy */
  readonly sync?: { readonly uri: string; readonly image: string };
}

/** What each blue/green track runs and which one serves. */
export interface BlueGreenProps {
  readonly activeTrack: 'blue' | 'green';
  /** Replicas the inactive track keeps warm for an instant rollback; 0 parks it (rollback = cold start). */
  readonly standbyReplicas: number;
  /** The version each track runs: image and model revision. */
  readonly tracks: Readonly<
    Record<'blue' | 'green', { readonly image: string; readonly revision?: string; readonly source?: ModelSourceProps }>
  >;
}

export interface VllmModelProps {
  readonly namespace: string;
  /** Kubernetes name of every object and the served model name clients send. */
  readonly name: string;
  /** Catalog id (`awq`, `fp16`, …), as a label. */
  readonly variant: string;
  /** Owning team, as a label. */
  readonly team: string;
  /** Full image reference, pinned by tag or digest. */
  readonly image: string;

  readonly modelId: string;
  /** @default - Hugging Face modelId */
  readonly source?: ModelSourceProps;
  /** Hugging Face revision to pin. @default - the repo's default branch */
  readonly revision?: string;
  /** @default - none (full precision) */
  readonly quantization?: string | null;
  readonly dtype: string;
  readonly maxModelLen: number;
  readonly maxNumSeqs: number;
  /** @default - vLLM's own choice */
  readonly maxNumBatchedTokens?: number;
  readonly gpuMemoryUtilization: number;
  readonly enforceEager: boolean;
  readonly enablePrefixCaching: boolean;
  /** LoRA serving; adapters become `--lora-modules`. @default - LoRA off */
  readonly lora?: { readonly maxLoras: number; readonly maxLoraRank: number; readonly adapters: readonly LoraAdapterProps[] };
  readonly extraArgs: readonly string[];

  readonly minReplicas: number;
  /** Above minReplicas, a KEDA ScaledObject scales between the two. */
  readonly maxReplicas: number;
  readonly queueDepthPerReplica: number;
  readonly kvCacheUsageTarget: number;
  readonly scaleDownStabilizationSec: number;
  /** `BlueGreen` keeps two Deployments (tracks) and points the Service at one; see {@link BlueGreenProps}. */
  readonly rolloutStrategy: 'RollingUpdate' | 'Recreate' | 'BlueGreen';
  /** Required with rolloutStrategy BlueGreen. */
  readonly blueGreen?: BlueGreenProps;

  readonly cpuRequest: number;
  readonly cpuLimit: number;
  readonly memoryRequestGiB: number;
  readonly memoryLimitGiB: number;
  readonly shmSizeGiB: number;

  readonly startupTimeoutSec: number;
  readonly preStopSleepSec: number;
  readonly shutdownTimeoutSec: number;

  readonly cache: ModelCacheProps;
  readonly hfTokenSecret: SecretKeyRef;
  /** When set, vLLM requires this key as a bearer token on /v1/*. @default - no auth */
  readonly apiKeySecret?: SecretKeyRef;

  /** Prometheus KEDA queries. */
  readonly prometheusUrl: string;
  /** Labels the Prometheus operator selects ServiceMonitors by. */
  readonly monitoringLabels: Readonly<Record<string, string>>;
  /** Namespace Prometheus scrapes from. */
  readonly monitoringNamespace: string;
  /** Namespaces whose pods may call the model on its port. */
  readonly clientNamespaces: readonly string[];
  /** Export a span per request to an OpenTelemetry Collector. @default - no tracing */
  readonly tracing?: VllmTracingProps;
}

/** OpenTelemetry tracing of a variant's requests (vLLM's `--otlp-traces-endpoint`). */
export interface VllmTracingProps {
  /** Where vLLM sends spans, OTLP/gRPC: `grpc://otel-collector.opentelemetry.svc:4317`. */
  readonly otlpTracesEndpoint: string;
  /** The collector's namespace, which the pods may reach on `collectorPort`. */
  readonly collectorNamespace: string;
  readonly collectorPort: number;
}

const q = (n: number) => k8s.Quantity.fromNumber(n);
const qs = (s: string) => k8s.Quantity.fromString(s);
const gib = (n: number) => qs(`${n}Gi`);

/** Service label the ServiceMonitor selects, so each pod is scraped through exactly one Service. */
export const SCRAPE_LABEL = 'llm-platform.io/scrape';

export class VllmModel extends Construct {
  /** The Deployment that serves traffic (the active track under blue/green). */
  readonly deployment: k8s.KubeDeployment;
  /** Every Deployment of the variant: one, or one per track. */
  readonly deployments: readonly k8s.KubeDeployment[];
  readonly service: k8s.KubeService;
  readonly serviceAccount: k8s.KubeServiceAccount;
  /** Present when maxReplicas > minReplicas. */
  readonly scaledObject?: ScaledObject;
  /** In-cluster base URL of the OpenAI API. */
  readonly endpoint: string;

  constructor(scope: Construct, id: string, props: VllmModelProps) {
    super(scope, id);
    checkProps(props);
    const p = props;
    const selector = selectorLabels(p.name);
    const labels = {
      ...selector,
      'app.kubernetes.io/component': 'inference',
      'app.kubernetes.io/part-of': 'llm-platform',
      'llm-platform.io/variant': p.variant,
      'llm-platform.io/team': p.team,
    };
    const metadata = { name: p.name, namespace: p.namespace, labels };
    const autoscaled = p.maxReplicas > p.minReplicas;
    const bg = p.rolloutStrategy === 'BlueGreen' ? p.blueGreen : undefined;
    this.endpoint = `http://${p.name}.${p.namespace}.svc.cluster.local:${VLLM_PORT}`;

    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata,
      // vLLM never talks to the Kubernetes API; a token in the pod is only attack surface.
      automountServiceAccountToken: false,
    });

    const port = { name: 'http', port: VLLM_PORT, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' };
    const scrape = { [SCRAPE_LABEL]: 'true' };

    if (!bg) {
      this.deployment = this.addDeployment('Resource', p, {
        name: p.name,
        labels,
        selector,
        image: p.image,
        revision: p.revision,
        source: p.source,
        // With a ScaledObject the HPA owns the count; a replicas field would reset it on every sync.
        replicas: autoscaled ? undefined : p.minReplicas,
        strategy: p.rolloutStrategy === 'Recreate' ? 'Recreate' : 'RollingUpdate',
      });
      this.deployments = [this.deployment];
      this.service = new k8s.KubeService(this, 'Service', {
        metadata: { ...metadata, labels: { ...labels, ...scrape } },
        spec: { type: 'ClusterIP', selector, ports: [port] },
      });
    } else {
      // Blue/green: both tracks stay deployed; the Service sends traffic to the active one, and
      // the standby keeps warm pods so a rollback is a selector switch, not a cold start.
      const byTrack = Object.fromEntries(
        TRACKS.map((track) => {
          const trackSelector = { ...selector, [TRACK_LABEL]: track };
          const active = track === bg.activeTrack;
          const d = this.addDeployment(track === 'blue' ? 'Blue' : 'Green', p, {
            name: `${p.name}-${track}`,
            labels: { ...labels, [TRACK_LABEL]: track },
            selector: trackSelector,
            image: bg.tracks[track].image,
            revision: bg.tracks[track].revision,
            source: bg.tracks[track].source ?? p.source,
            replicas: active ? (autoscaled ? undefined : p.minReplicas) : bg.standbyReplicas,
            // Inside a track the usual rule holds: surge only when the cache allows two pods.
            strategy: p.cache.kind === 'pvc' ? 'Recreate' : 'RollingUpdate',
          });
          // Per-track Services let smoke tests reach a track before it takes traffic.
          new k8s.KubeService(this, `${track === 'blue' ? 'Blue' : 'Green'}Service`, {
            metadata: { ...metadata, name: `${p.name}-${track}`, labels: { ...labels, [TRACK_LABEL]: track, ...scrape } },
            spec: { type: 'ClusterIP', selector: trackSelector, ports: [port] },
          });
          return [track, d];
        }),
      ) as Record<Track, k8s.KubeDeployment>;
      this.deployment = byTrack[bg.activeTrack];
      this.deployments = TRACKS.map((t) => byTrack[t]);
      this.service = new k8s.KubeService(this, 'Service', {
        metadata,
        spec: { type: 'ClusterIP', selector: { ...selector, [TRACK_LABEL]: bg.activeTrack }, ports: [port] },
      });
    }

    new ServiceMonitor(this, 'ServiceMonitor', {
      metadata: { ...metadata, labels: { ...labels, ...p.monitoringLabels } },
      spec: {
        selector: { matchLabels: { ...selector, ...scrape } },
        endpoints: [{ port: 'http', path: '/metrics', interval: '15s', scrapeTimeout: '10s' }],
      },
    });

    if (autoscaled) this.scaledObject = scaledObject(this, p, metadata, this.deployment.name);

    new k8s.KubePodDisruptionBudget(this, 'Disruption', {
      metadata,
      spec: {
        selector: { matchLabels: selector },
        // One pod may always go, even at minReplicas 1, so a SPOT drain or node upgrade never
        // stalls on this budget; with 2+ replicas it still keeps all but one serving.
        maxUnavailable: k8s.IntOrString.fromNumber(1),
        // A pod that is not ready serves nothing; holding it back only blocks drains.
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      },
    });

    new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata,
      spec: {
        podSelector: { matchLabels: selector },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          {
            from: [...new Set([...p.clientNamespaces, p.monitoringNamespace])].sort().map((ns) => ({
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } },
            })),
            ports: [{ port: k8s.IntOrString.fromNumber(VLLM_PORT), protocol: 'TCP' }],
          },
        ],
        egress: [
          {
            to: [
              {
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
                podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
              },
            ],
            ports: [
              { port: k8s.IntOrString.fromNumber(53), protocol: 'UDP' },
              { port: k8s.IntOrString.fromNumber(53), protocol: 'TCP' },
            ],
          },
          // Hugging Face and S3 (weights) over HTTPS only.
          { ports: [{ port: k8s.IntOrString.fromNumber(443), protocol: 'TCP' }] },
          // Spans to the collector (OTLP/gRPC) when tracing is on.
          ...(p.tracing
            ? [
                {
                  to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': p.tracing.collectorNamespace } } }],
                  ports: [{ port: k8s.IntOrString.fromNumber(p.tracing.collectorPort), protocol: 'TCP' }],
                },
              ]
            : []),
          // Registry reads need AWS credentials from the node's Pod Identity agent.
          ...(usesRegistry(p)
            ? [
                {
                  to: [{ ipBlock: { cidr: POD_IDENTITY_AGENT.cidr } }],
                  ports: [{ port: k8s.IntOrString.fromNumber(POD_IDENTITY_AGENT.port), protocol: 'TCP' }],
                },
              ]
            : []),
        ],
      },
    });
  }

  private addDeployment(id: string, p: VllmModelProps, d: DeploymentShape): k8s.KubeDeployment {
    if (p.cache.kind === 'pvc') {
      new k8s.KubePersistentVolumeClaim(this, `${id === 'Resource' ? '' : id}Cache`, {
        metadata: { name: `${d.name}-cache`, namespace: p.namespace, labels: d.labels },
        spec: {
          accessModes: ['ReadWriteOnce'],
          storageClassName: p.cache.storageClassName,
          resources: { requests: { storage: gib(p.cache.sizeGiB) } },
        },
      });
    }
    return new k8s.KubeDeployment(this, id, {
      metadata: { name: d.name, namespace: p.namespace, labels: d.labels },
      spec: {
        replicas: d.replicas,
        revisionHistoryLimit: 5,
        progressDeadlineSeconds: p.startupTimeoutSec + SCHEDULE_AND_PULL_ALLOWANCE_SEC,
        selector: { matchLabels: d.selector },
        strategy:
          d.strategy === 'Recreate'
            ? { type: 'Recreate' }
            : {
                type: 'RollingUpdate',
                // Never drop below the serving count: the old pod serves until the new one is ready.
                rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) },
              },
        template: {
          metadata: { labels: d.labels, annotations: { 'kubectl.kubernetes.io/default-container': 'vllm' } },
          spec: podSpec({ ...p, image: d.image, revision: d.revision, source: d.source }, d.selector, `${d.name}-cache`),
        },
      },
    });
  }
}

interface DeploymentShape {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly selector: Record<string, string>;
  readonly image: string;
  readonly revision?: string;
  readonly source?: ModelSourceProps;
  readonly replicas?: number;
  readonly strategy: 'Recreate' | 'RollingUpdate';
}

/** Whether any Deployment of the variant loads from the S3 registry. */
function usesRegistry(p: VllmModelProps): boolean {
  const tracks = p.rolloutStrategy === 'BlueGreen' && p.blueGreen ? TRACKS.map((t) => p.blueGreen!.tracks[t].source) : [];
  return [p.source, ...tracks].some((s) => s?.kind === 'registry') || (p.lora?.adapters ?? []).some((a) => a.sync);
}

/** Cross-field rules the types cannot express; config validation catches these first, with config paths. */
function checkProps(p: VllmModelProps): void {
  const problems: string[] = [];
  if (p.minReplicas < 1) problems.push(`minReplicas must be at least 1, got ${p.minReplicas}`);
  if (p.maxReplicas < p.minReplicas) problems.push(`maxReplicas ${p.maxReplicas} is below minReplicas ${p.minReplicas}`);
  if (p.rolloutStrategy === 'BlueGreen' && !p.blueGreen) problems.push('rolloutStrategy BlueGreen needs blueGreen settings');
  const images = p.blueGreen && p.rolloutStrategy === 'BlueGreen' ? TRACKS.map((t) => p.blueGreen!.tracks[t].image) : [p.image];
  if (p.cache.kind === 'pvc' && (p.rolloutStrategy === 'RollingUpdate' || p.maxReplicas > 1)) {
    problems.push('a pvc cache (ReadWriteOnce) needs rolloutStrategy Recreate and maxReplicas 1; use a shared or ephemeral cache');
  }
  for (const image of images) {
    if (/:latest$/.test(image) || !/[:@]/.test(image.split('/').pop() ?? '')) {
      problems.push(`image must be pinned by tag or digest, got ${image}`);
    }
  }
  if (problems.length) throw new Error(`VllmModel ${p.name}: ${problems.join('; ')}`);
}

/** Restricted-profile container settings shared by vLLM and the registry sync init container. */
const CONTAINER_SECURITY: k8s.SecurityContext = {
  allowPrivilegeEscalation: false,
  privileged: false,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
  readOnlyRootFilesystem: true,
};

/** Init container that copies a registry version into the cache; a no-op when it is already there. */
function registrySync(uri: string, image: string, name: string = REGISTRY_SYNC_CONTAINER): k8s.Container {
  const dest = registryCachePath(uri);
  return {
    name,
    image,
    imagePullPolicy: 'IfNotPresent',
    // sync copies only what differs, so a warm cache costs one LIST; MANIFEST.json is written
    // last by the publisher, so its presence in S3 means the version is complete.
    command: ['aws', 's3', 'sync', uri, dest, '--only-show-errors', '--no-progress'],
    env: [{ name: 'HOME', value: '/home/vllm' }],
    resources: {
      requests: { cpu: q(0.5), memory: gib(0.5) },
      limits: { cpu: q(2), memory: gib(1) },
    },
    securityContext: CONTAINER_SECURITY,
    volumeMounts: [
      { name: 'model-cache', mountPath: CACHE_MOUNT },
      { name: 'home', mountPath: '/home/vllm' },
      { name: 'tmp', mountPath: '/tmp' },
    ],
  };
}

/** The base model's sync (loader sync), then one per registry adapter. */
function initContainers(p: VllmModelProps): k8s.Container[] | undefined {
  const list: k8s.Container[] = [];
  if (p.source?.kind === 'registry' && p.source.loader === 'sync') list.push(registrySync(p.source.uri, p.source.syncImage));
  (p.lora?.adapters ?? []).forEach((a, i) => {
    if (a.sync) list.push(registrySync(a.sync.uri, a.sync.image, `adapter-sync-${i}`));
  });
  return list.length > 0 ? list : undefined;
}

function podSpec(p: VllmModelProps, selector: Record<string, string>, pvcName: string): k8s.PodSpec {
  const env: k8s.EnvVar[] = [
    { name: 'HOME', value: '/home/vllm' },
    { name: 'HF_HOME', value: `${CACHE_MOUNT}/huggingface` },
    // torch.compile and CUDA-graph artifacts: on the cache volume so restarts skip recompiling.
    { name: 'VLLM_CACHE_ROOT', value: `${CACHE_MOUNT}/vllm` },
    { name: 'VLLM_NO_USAGE_STATS', value: '1' },
    { name: 'DO_NOT_TRACK', value: '1' },
    { name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: p.hfTokenSecret.name, key: p.hfTokenSecret.key } } },
  ];
  // The service name vLLM's spans carry (OpenTelemetry reads it from the environment).
  if (p.tracing) env.push({ name: 'OTEL_SERVICE_NAME', value: p.name });
  // vLLM reads VLLM_API_KEY when --api-key is absent, which keeps the key out of the pod spec and `ps`.
  if (p.apiKeySecret) {
    env.push({ name: 'VLLM_API_KEY', valueFrom: { secretKeyRef: { name: p.apiKeySecret.name, key: p.apiKeySecret.key } } });
  }

  const probe = (periodSeconds: number, failureThreshold: number, timeoutSeconds: number): k8s.Probe => ({
    httpGet: { path: '/health', port: k8s.IntOrString.fromString('http') },
    periodSeconds,
    failureThreshold,
    timeoutSeconds,
  });
  const startupPeriodSec = 10;

  const cacheVolume: k8s.Volume =
    p.cache.kind === 'pvc'
      ? { name: 'model-cache', persistentVolumeClaim: { claimName: pvcName } }
      : p.cache.kind === 'shared'
        ? { name: 'model-cache', persistentVolumeClaim: { claimName: p.cache.claimName } }
        : {
            name: 'model-cache',
            ephemeral: {
              volumeClaimTemplate: {
                metadata: { labels: selector },
                spec: {
                  accessModes: ['ReadWriteOnce'],
                  storageClassName: p.cache.storageClassName,
                  resources: { requests: { storage: gib(p.cache.sizeGiB) } },
                },
              },
            },
          };

  const spread: k8s.TopologySpreadConstraint[] =
    p.maxReplicas > 1
      ? [
          // Zones: best effort, because SPOT capacity may be missing in a zone and a hard rule would
          // leave replicas Pending instead of serving from the zones that have GPUs.
          {
            maxSkew: 1,
            topologyKey: 'topology.kubernetes.io/zone',
            whenUnsatisfiable: 'ScheduleAnyway',
            labelSelector: { matchLabels: selector },
          },
          // Hosts: hard, so one node loss never takes two replicas.
          {
            maxSkew: 1,
            topologyKey: 'kubernetes.io/hostname',
            whenUnsatisfiable: 'DoNotSchedule',
            labelSelector: { matchLabels: selector },
          },
        ]
      : [];

  return {
    serviceAccountName: p.name,
    automountServiceAccountToken: false,
    // Service links would inject <SERVICE>_PORT variables for every Service in the namespace.
    enableServiceLinks: false,
    terminationGracePeriodSeconds: p.preStopSleepSec + p.shutdownTimeoutSec + SHUTDOWN_MARGIN_SEC,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: VLLM_UID,
      runAsGroup: 0,
      fsGroup: VLLM_UID,
      // The cache holds tens of GB: a recursive chown on every start would add minutes.
      fsGroupChangePolicy: 'OnRootMismatch',
      seccompProfile: { type: 'RuntimeDefault' },
    },
    tolerations: [{ key: GPU_NODE_TAINT.key, operator: 'Exists', effect: GPU_NODE_TAINT.effect }],
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: GPU_NODE_LABEL.key, operator: 'In', values: [GPU_NODE_LABEL.value] }] }],
        },
        // SPOT first; the on-demand fallback group is for when SPOT is gone.
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 50, preference: { matchExpressions: [{ key: CAPACITY_TYPE_LABEL, operator: 'In', values: ['SPOT'] }] } },
        ],
      },
    },
    topologySpreadConstraints: spread.length ? spread : undefined,
    initContainers: initContainers(p),
    containers: [
      {
        name: VLLM_CONTAINER,
        image: p.image,
        imagePullPolicy: 'IfNotPresent',
        args: vllmArgs(p),
        ports: [{ name: 'http', containerPort: VLLM_PORT, protocol: 'TCP' }],
        env,
        resources: {
          requests: { cpu: q(p.cpuRequest), memory: gib(p.memoryRequestGiB), 'nvidia.com/gpu': q(1) },
          limits: { cpu: q(p.cpuLimit), memory: gib(p.memoryLimitGiB), 'nvidia.com/gpu': q(1) },
        },
        // /health answers only once weights are loaded and CUDA graphs captured: minutes on a T4.
        startupProbe: probe(startupPeriodSec, Math.ceil(p.startupTimeoutSec / startupPeriodSec), 5),
        readinessProbe: probe(5, 3, 3),
        // Lenient: a long prefill can stall the event loop; restarting costs a full cold start.
        livenessProbe: probe(15, 6, 10),
        lifecycle: {
          // Keep serving while endpoints drop this pod; then SIGTERM starts vLLM's own drain
          // (--shutdown-timeout). Exec sleep, not the sleep action, for clusters before 1.30.
          preStop: { exec: { command: ['sleep', String(p.preStopSleepSec)] } },
        },
        // Every path vLLM writes is a volume below: HOME (~/.cache, ~/.config, Triton), /tmp
        // (torch inductor), the model cache (HF_HOME, VLLM_CACHE_ROOT) and /dev/shm.
        securityContext: CONTAINER_SECURITY,
        volumeMounts: [
          { name: 'model-cache', mountPath: CACHE_MOUNT },
          { name: 'home', mountPath: '/home/vllm' },
          { name: 'tmp', mountPath: '/tmp' },
          { name: 'dshm', mountPath: '/dev/shm' },
        ],
      },
    ],
    volumes: [
      cacheVolume,
      { name: 'home', emptyDir: { sizeLimit: gib(2) } },
      { name: 'tmp', emptyDir: { sizeLimit: gib(4) } },
      // PyTorch and NCCL use shared memory; the container runtime's default is 64 MiB.
      { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: gib(p.shmSizeGiB) } },
    ],
  };
}

function scaledObject(
  scope: Construct,
  p: VllmModelProps,
  metadata: { name: string; namespace: string; labels: Record<string, string> },
  target: string,
): ScaledObject {
  const sel = { namespace: p.namespace, modelName: p.name };
  return new ScaledObject(scope, 'ScaledObject', {
    metadata,
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target },
      minReplicaCount: p.minReplicas,
      maxReplicaCount: p.maxReplicas,
      pollingInterval: 15,
      // While Prometheus is unreachable, hold the current size (never shrink blind) and at least minReplicas.
      fallback: { failureThreshold: 3, replicas: p.minReplicas, behavior: ScaledObjectSpecFallbackBehavior.CURRENT_REPLICAS_IF_HIGHER },
      advanced: {
        horizontalPodAutoscalerConfig: {
          behavior: {
            // A cold start takes minutes, so ask for capacity at once.
            scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }] },
            scaleDown: {
              stabilizationWindowSeconds: p.scaleDownStabilizationSec,
              policies: [{ type: 'Pods', value: 1, periodSeconds: 120 }],
            },
          },
        },
      },
      // Both triggers are AverageValue (HPA divides by the target per replica) so KEDA's
      // fallback applies to them: queue / perReplica and Σ KV usage / target give the pods needed.
      triggers: [
        {
          type: 'prometheus',
          name: 'queue-depth',
          metricType: 'AverageValue',
          metadata: {
            serverAddress: p.prometheusUrl,
            query: promql.sum('requestsWaiting', sel),
            threshold: String(p.queueDepthPerReplica),
            // An empty result (no pods scraped yet) means no queue, not an error.
            ignoreNullValues: 'true',
          },
        },
        {
          type: 'prometheus',
          name: 'kv-cache-usage',
          metricType: 'AverageValue',
          metadata: {
            serverAddress: p.prometheusUrl,
            query: promql.sum('kvCacheUsage', sel),
            threshold: String(p.kvCacheUsageTarget),
            ignoreNullValues: 'true',
          },
        },
      ],
    },
  });
}
