/**
 * The platform's one configuration schema: every setting, its default, and every check.
 *
 * `Pulumi.<env>.yaml` holds an environment's settings as `llm-platform:<section>` keys. Pulumi
 * hands them over through its runtime (stacks/pulumi-config.ts, through {@link parseConfigMap});
 * `cdk8s synth`, the policy run and `postdeploy --env-config` read the same files with
 * {@link loadEnvironmentFile}. Both end in one pass that returns a fully defaulted
 * {@link PlatformConfig} or throws a {@link ConfigError} listing every problem at once, before
 * anything is synthesized or registered: keys this project does not read, schema errors, and
 * the cross-field checks, which run on whatever parsed (a check that needs a value that failed
 * is skipped, the others still run).
 *
 * A leaf module: it imports data (constructs/, facts/) and nothing from stacks/, infra/, policy/
 * or bench/, so the composition roots in stacks/ and the bench's service contract
 * (config/service-contract.ts) read one schema.
 */
import { readFileSync } from 'node:fs';
import { basename, posix } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import {
  CATALOG,
  DTYPE_MIN_CAPABILITY,
  QUANTIZATION_MIN_CAPABILITY,
  VARIANT_IDS,
  memoryNeed,
  type Quantization,
  type VariantId,
} from '../constructs/catalog';
import { GPU_INSTANCE_TYPES, NODE_RESERVE, gpuFloor, type GpuFloor } from '../constructs/hardware';
import { PULL_THROUGH_UPSTREAMS, imageRegistryOf } from '../constructs/image-cache';
import { canonicalVllmFlag, vllmFlagTargets } from '../constructs/vllm-flags';
import { BENCH_NAMESPACE } from '../constructs/bench-layout';
import { CACHE_MOUNT } from '../constructs/workload-layout';
import { EKS_CONTROL_PLANE_USD_PER_HOUR, KUBERNETES_VERSIONS, LATEST_KUBERNETES_VERSION, eksVersion, supportPhase } from '../facts/eks';
import { DNS1123_LABEL } from '../facts/kubernetes';
import { DEFAULT_SPOT_DISCOUNT, PRICED_REGIONS } from '../facts/prices';
import {
  gp3SizeGiB,
  imageDigest,
  imageRepository,
  imageTag,
  int32,
  pinnedImageReference,
  quantityGiB,
  stabilizationWindowSec,
  userLabels,
  vllmArgumentValue,
  webFolderUrl,
} from './fields';
import {
  type Finding,
  closest,
  escapeInvisible,
  formatIssue,
  invisibleCharacters,
  show,
  withoutInvisible,
  withoutRedundantIssues,
} from './issues';
import { PROJECT, isEncrypted, splitConfigKeys, stackFileConfig } from './keys';
import { vllmVersionProblems } from './vllm-version';
import { checkGateway, gatewaySchema } from './gateway';
import { benchSchema } from './bench';
import { tracingSchema } from './tracing';

export { PROJECT } from './keys';

/**
 * Keys set with `pulumi config set --secret`. Only infra/ reads them (it copies them into
 * AWS Secrets Manager); the schema never sees them, and manifests only reference them.
 */
export const SECRET_KEYS = ['hfToken', 'apiKey'] as const;

/** Spot interruption notice: everything a pod does on the way out must fit in it. */
export const SPOT_NOTICE_SEC = 120;
/**
 * Seconds of the SPOT notice a pod's own shutdown (preStop sleep + vLLM's drain) may take; the
 * other 30 s go to noticing the interruption, cordoning and evicting, and the kill margin.
 */
export const SPOT_SHUTDOWN_BUDGET_SEC = 90;

/** VPC sizes the network layout supports: four equal blocks, one per zone (up to 3) plus public subnets. */
export const VPC_PREFIX = { min: 16, max: 20 } as const;

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const cidr = z.string().refine((s) => {
  const m = CIDR.exec(s);
  return !!m && m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) <= 32;
}, 'must be an IPv4 CIDR like 10.0.0.0/16');

const k8sName = z.string().regex(DNS1123_LABEL.pattern, 'must be a lowercase DNS-1123 label').max(DNS1123_LABEL.maxLength);

const positiveInt = int32(1);

/** The most any GPU node offers: requests and limits past it can never be scheduled or used. */
const NODE_MAX = {
  vcpu: Math.max(...Object.values(GPU_INSTANCE_TYPES).map((t) => t.vcpu)),
  memoryGiB: Math.max(...Object.values(GPU_INSTANCE_TYPES).map((t) => t.memoryGiB)),
};
const cpuCores = z.number().positive().max(NODE_MAX.vcpu, 'the most vCPUs of any GPU instance type the platform knows');
const memoryGiB = quantityGiB(NODE_MAX.memoryGiB, 'the most memory of any GPU instance type the platform knows');

/** The retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
const logRetentionDays = z
  .number()
  .int()
  .refine(
    (d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d),
    `must be a CloudWatch Logs retention period (${LOG_RETENTION_DAYS.join(', ')})`,
  );

const roleArn = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/.+$/, 'must be an IAM role or user ARN');

const network = z.strictObject({
  /** VPC address range. */
  vpcCidr: cidr.default('10.0.0.0/16'),
  /** Zones to spread subnets (and so nodes) over; prod wants 3. */
  availabilityZoneCount: z.number().int().min(2).max(3).default(2),
  /** One NAT gateway (cheap) or one per zone (no cross-zone dependency). */
  natGateways: z.enum(['single', 'perZone']).default('single'),
  /** VPC flow logs (accepted and rejected traffic) to CloudWatch Logs. */
  flowLogs: z
    .strictObject({
      /** @default - on in prod, off elsewhere */
      enabled: z.boolean().optional(),
      retentionDays: logRetentionDays.default(90),
    })
    .prefault({}),
});

const cluster = z.strictObject({
  /** EKS Kubernetes version: one EKS still creates (facts/eks.ts); its support dates are checked against today. */
  kubernetesVersion: z.enum(KUBERNETES_VERSIONS).default(LATEST_KUBERNETES_VERSION),
  /**
   * EKS upgrade policy. STANDARD: EKS upgrades the control plane when standard support ends (no
   * extended-support charge). EXTENDED: the cluster may stay on its version for 12 more months
   * at the extended-support price. Set explicitly: a cluster created through the API defaults to EXTENDED.
   */
  supportType: z.enum(['STANDARD', 'EXTENDED']).default('STANDARD'),
  /** CIDRs allowed to reach the public API endpoint; empty = private endpoint only. */
  publicAccessCidrs: z.array(cidr).default([]),
  /** IAM role ARNs granted cluster-admin through EKS access entries. */
  adminRoleArns: z.array(z.string().regex(/^arn:aws:iam::\d{12}:role\/.+$/, 'must be an IAM role ARN')).default([]),
  /** Days the control-plane log group keeps its logs. */
  logRetentionDays: logRetentionDays.default(90),
  /** EKS deletion protection: the cluster cannot be deleted until it is turned off. @default - on in prod */
  deletionProtection: z.boolean().optional(),
  /**
   * An SSM-managed host in a private subnet (no inbound ports, no SSH) that relays a Session
   * Manager port forward to the private API endpoint. @default - on when the public endpoint is off
   */
  enableAccessHost: z.boolean().optional(),
  /**
   * Local port of such a port forward: the Kubernetes half of `pulumi up` then talks to
   * https://127.0.0.1:<port> (with the endpoint's TLS name). @default - the endpoint directly
   */
  apiTunnelPort: z.number().int().min(1024).max(65535).optional(),
});

/** An EKS-optimized AMI release (`releaseVersion`): AL2023 `1.35.3-20260911`, Bottlerocket `1.50.0-1a2b3c4d`. */
const amiReleaseVersion = z.string().regex(/^\d+\.\d+\.\d+-[0-9a-f]{8}$/, 'must be an EKS AMI release version like 1.35.3-20260911');

const nodeGroupSize = {
  minSize: z.number().int().min(0),
  desiredSize: z.number().int().min(0),
  maxSize: z.number().int().min(1),
};

const systemNodes = z.strictObject({
  instanceType: z.string().default('t3.large'),
  minSize: nodeGroupSize.minSize.default(2),
  desiredSize: nodeGroupSize.desiredSize.default(2),
  maxSize: nodeGroupSize.maxSize.default(3),
  /** Encrypted gp3 root volume of each system node: images of the add-ons and their logs. */
  rootVolumeGiB: gp3SizeGiB(20).default(50),
  /** Pin the AMI release. @default - the newest release for the cluster's minor (public SSM parameter) */
  amiReleaseVersion: amiReleaseVersion.optional(),
});

const gpuNodes = z.strictObject({
  /**
   * Instance types for the GPU groups; a mixed list is planned for its weakest member. Every
   * single-T4 size that fits the budget: each extra type is another SPOT capacity pool per zone.
   */
  instanceTypes: z.array(z.string()).min(1).default(['g4dn.xlarge', 'g4dn.2xlarge']),
  capacityType: z.enum(['SPOT', 'ON_DEMAND']).default('SPOT'),
  /** EKS-optimized NVIDIA AMI: drivers and container toolkit preinstalled. */
  amiType: z.enum(['AL2023_x86_64_NVIDIA', 'BOTTLEROCKET_x86_64_NVIDIA']).default('AL2023_x86_64_NVIDIA'),
  minSize: nodeGroupSize.minSize.default(0),
  desiredSize: nodeGroupSize.desiredSize.default(1),
  maxSize: nodeGroupSize.maxSize.default(4),
  /** Root volume: the vLLM image alone is ~10 GB compressed. */
  rootVolumeGiB: gp3SizeGiB(60).default(100),
  /** Pin the AMI release. @default - the newest release for the cluster's minor (public SSM parameter) */
  amiReleaseVersion: amiReleaseVersion.optional(),
  /** An on-demand GPU group the autoscaler falls back to when SPOT capacity is gone. */
  onDemandFallback: z
    .strictObject({
      enabled: z.boolean().default(false),
      maxSize: z.number().int().min(1).default(2),
    })
    .prefault({}),
});

const registry = z.strictObject({
  /** Days a replaced or deleted model file version is kept. */
  noncurrentVersionExpirationDays: positiveInt.default(30),
  /** Pulumi `protect`: `pulumi destroy` refuses to delete the bucket and table. */
  protect: z.boolean().default(false),
  /**
   * IAM roles or users allowed to assume the publisher role (the CI jobs that publish and promote
   * model versions). Empty: no publisher role, and nobody but the break-glass role writes the registry.
   */
  publisherPrincipalArns: z.array(roleArn).default([]),
  /**
   * IAM roles or users allowed to assume the break-glass role, the only one that may delete or
   * replace published versions. Empty: no such role; only the account root can lift the guards.
   */
  breakGlassPrincipalArns: z.array(roleArn).default([]),
  /** S3 Object Lock (governance) retention of every object version written under models/. */
  objectLockRetentionDays: positiveInt.default(365),
  /**
   * S3 bucket name (globally unique). Required when a model loads from the registry, so the
   * manifests can name it. @default - Pulumi generates a name
   */
  bucketName: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name')
    .optional(),
  /** Image of the init container that copies a registry version into the model cache. */
  syncImage: pinnedImageReference.default('public.ecr.aws/aws-cli/aws-cli:2.22.35'),
});

/** A registry version: semantic version without the leading v. */
const semver = z.string().regex(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/, 'must be a semantic version like 1.2.0');

/** Where a variant's weights come from. */
const modelSource = z.discriminatedUnion('kind', [
  /** The Hugging Face repo in modelId (and revision). */
  z.strictObject({ kind: z.literal('huggingface') }),
  /**
   * A version published to the S3 model registry (`llm-bench registry publish`). `sync` copies it
   * into the cache volume with an init container; `stream` has vLLM read it straight from S3
   * (`--load-format runai_streamer`), which skips the copy but re-reads S3 on every start.
   */
  z.strictObject({
    kind: z.literal('registry'),
    version: semver,
    loader: z.enum(['sync', 'stream']).default('sync'),
  }),
]);

const secrets = z.strictObject({
  /** ClusterSecretStore (External Secrets Operator) that reads AWS Secrets Manager. */
  storeName: k8sName.default('aws-secrets-manager'),
  /** Secrets Manager names; infra/ fills them from `pulumi config set --secret`. */
  hfTokenName: z.string().min(1).default('llm-platform/hf-token'),
  apiKeyName: z.string().min(1).default('llm-platform/api-key'),
  refreshInterval: z
    .string()
    .regex(/^\d+[smh]$/, 'must be a duration like 1h')
    .default('1h'),
});

/** Where alerts go: Alertmanager routes by severity to an SNS topic and, when set, Slack and PagerDuty. */
const alerting = z.strictObject({
  /** Addresses subscribed by email to the alerts topic (each confirms once); budget alerts go there too. */
  emailAddresses: z.array(z.email()).default([]),
  /** Secrets Manager name of a Slack incoming-webhook URL: warnings and critical alerts post there. @default - no Slack */
  slackWebhookSecretName: z.string().min(1).optional(),
  /** Secrets Manager name of a PagerDuty Events API v2 routing key: critical alerts page. @default - no PagerDuty */
  pagerDutyRoutingKeySecretName: z.string().min(1).optional(),
});

/** The environment's AWS Budget. */
const budget = z.strictObject({
  /** Monthly cost limit in USD; notifications at 80 % and 100 % of it (actual spend). */
  monthlyLimitUsd: z.number().positive().default(1000),
});

/** Tag keys every AWS resource carries; `environment` and `project` are set from the stack. */
export const COST_TAG_KEYS = { environment: 'environment', project: 'project', costCenter: 'cost-center' } as const;

/**
 * The tags every AWS resource carries (provider default tags) and node groups put on what they
 * launch: `extra` (the stack's own `aws:defaultTags`) with the cost tags on top.
 */
export function costTags(
  config: Pick<PlatformConfig, 'environment' | 'costCenter'>,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return {
    ...extra,
    [COST_TAG_KEYS.environment]: config.environment,
    [COST_TAG_KEYS.project]: PROJECT,
    [COST_TAG_KEYS.costCenter]: config.costCenter,
  };
}

/** An AWS tag value: up to 256 letters, digits, spaces and _ . : / = + - @. */
const awsTagValue = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u, 'must be an AWS tag value: letters, digits, spaces and _ . : / = + - @');

/** ECR pull-through cache for the vLLM image and the add-on images that come from supported registries. */
const imageCache = z.strictObject({
  enabled: z.boolean().default(false),
  /** This account's ECR registry host: the manifests name it, so it is config. @default - none; required when enabled */
  registry: z
    .string()
    .regex(
      /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com$/,
      'must be an ECR registry host like 123456789012.dkr.ecr.us-east-1.amazonaws.com',
    )
    .optional(),
  /**
   * Secrets Manager secret with Docker Hub `username` and `accessToken`: ECR needs it for a Docker
   * Hub rule and only accepts names under ecr-pullthroughcache/. @default - none; required for Docker Hub images
   */
  dockerHubSecretName: z
    .string()
    .regex(/^ecr-pullthroughcache\/.+$/, 'must start with ecr-pullthroughcache/ (ECR accepts only such secrets for pull-through rules)')
    .optional(),
});

const image = z.strictObject({
  repository: imageRepository.default('vllm/vllm-openai'),
  /** A release tag (v0.18.0 or later has --shutdown-timeout). Never `latest`. */
  tag: imageTag.default('v0.18.0'),
  /** Optional `sha256:…` digest; when set it wins over the tag for what runs. */
  digest: imageDigest.optional(),
  /** The vLLM release the image runs, needed with `digest` (else read from the tag); checked against facts/vllm. */
  vllmVersion: z.string().optional(),
});

const workloads = z.strictObject({
  namespace: k8sName.default('llm-baseline'),
  image: image.prefault({}),
  /** Require `Authorization: Bearer <key>` on /v1/*; the key comes from Secrets Manager. */
  enableAuth: z.boolean().default(true),
  /** Where weights are cached: a PVC per variant (RWO EBS), one shared RWX claim (EFS), or a volume per pod. */
  modelCache: z
    .strictObject({
      kind: z.enum(['pvc', 'shared', 'ephemeral']).default('pvc'),
      /** GiB of the claim: the gp3 volume of a `pvc` or `ephemeral` cache, the (unenforced) size of the EFS claim. */
      sizeGiB: gp3SizeGiB().default(60),
      /** StorageClass for `pvc` and `ephemeral` (EBS) caches. */
      storageClassName: k8sName.default('gp3'),
      /** StorageClass for the `shared` cache (EFS). */
      sharedStorageClassName: k8sName.default('efs'),
    })
    .prefault({}),
  /** Namespaces whose pods may call the models (besides the bench and Prometheus). */
  clientNamespaces: z.array(k8sName).default(['quant', 'finetune', 'eval']),
  benchNamespace: k8sName.default(BENCH_NAMESPACE),
  monitoring: z
    .strictObject({
      namespace: k8sName.default('monitoring'),
      /** Prometheus URL KEDA queries. */
      prometheusUrl: z.url({ protocol: /^https?$/ }).default('http://kube-prometheus-stack-prometheus.monitoring.svc:9090'),
      /** Labels the Prometheus operator selects ServiceMonitors and rules by. */
      selectorLabels: userLabels.default({ release: 'kube-prometheus-stack' }),
    })
    .prefault({}),
});

const slo = z.strictObject({
  ttftP95Ms: positiveInt.default(1000),
  itlP95Ms: positiveInt.default(100),
  errorRatio: z.number().min(0).max(1).default(0.001),
  queueDepth: positiveInt.default(20),
  /**
   * KV-cache usage (0..1) on any pod above which an alert fires: past it vLLM starts preempting.
   * Sits above `kvCacheUsageTarget`, where KEDA already adds replicas.
   */
  kvCacheUsage: z.number().gt(0).max(1).default(0.9),
  /**
   * Share of a model's generation requests that end without a finished answer above which an
   * alert fires: requests the client cancels or disconnects from (vLLM records no stats for those,
   * so they are measured as OpenAI requests answered 2xx that the engine never finished) and
   * requests the engine aborts itself (`finished_reason="abort"`, e.g. SIGTERM with shutdownTimeoutSec 0).
   */
  abortRatio: z.number().min(0).max(1).default(0.05),
  /**
   * USD per 1M generated tokens a variant may cost for an hour before an alert fires: its GPUs'
   * hourly price over its output token rate. $1 is five times what hosted APIs charge for a 7B
   * model (about $0.20), and a SPOT T4 stays under it above ~60 output tokens/s.
   */
  maxCostPer1MTokens: z.number().positive().default(1),
});

/**
 * A model's overrides of the environment's `slo`. No defaults here: `slo.partial()` would keep
 * them, and a model that sets one key would reset the others to the schema's defaults instead
 * of the environment's values.
 */
const sloOverrides = z.strictObject({
  ttftP95Ms: slo.shape.ttftP95Ms.unwrap().optional(),
  itlP95Ms: slo.shape.itlP95Ms.unwrap().optional(),
  errorRatio: slo.shape.errorRatio.unwrap().optional(),
  queueDepth: slo.shape.queueDepth.unwrap().optional(),
  kvCacheUsage: slo.shape.kvCacheUsage.unwrap().optional(),
  abortRatio: slo.shape.abortRatio.unwrap().optional(),
  maxCostPer1MTokens: slo.shape.maxCostPer1MTokens.unwrap().optional(),
});

const track = z.strictObject({
  /** Image tag this track runs. @default - workloads.image */
  imageTag: imageTag.optional(),
  /** Hugging Face revision this track loads. @default - the variant's revision */
  revision: vllmArgumentValue.optional(),
  /** Registry version this track loads (source kind registry). @default - source.version */
  registryVersion: semver.optional(),
});

/** Used when rolloutStrategy is BlueGreen. */
const blueGreen = z.strictObject({
  /** The track the Service sends traffic to. Switching it is the rollout, switching back the rollback. */
  activeTrack: z.enum(['blue', 'green']).default('blue'),
  /** Replicas the inactive track keeps warm (each a GPU); 0 parks it and a rollback becomes a cold start. */
  standbyReplicas: int32(0).default(1),
  tracks: z.strictObject({ blue: track.prefault({}), green: track.prefault({}) }).prefault({}),
});

/** A model name in the registry (bench/registry names). */
const registryName = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9._-]{0,98}[a-z0-9])?$/, 'must be a registry model name: lowercase letters, digits, dot, dash, underscore');

/**
 * Where a LoRA adapter comes from, declared: vLLM treats a bare path as a path relative to its
 * working directory and, when nothing is there, as a Hugging Face repo id.
 */
const adapterSource = z.discriminatedUnion('kind', [
  /** A Hugging Face repo, downloaded by vLLM into HF_HOME on the cache volume. */
  z.strictObject({
    kind: z.literal('huggingface'),
    repo: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a Hugging Face repo id like org/name'),
  }),
  /** An absolute path inside the model cache volume (put there by another job). */
  z.strictObject({
    kind: z.literal('cache'),
    path: vllmArgumentValue.regex(/^[^=,]*$/, 'must not contain = or ,: vLLM splits name=path at = and reads an item with , as JSON'),
  }),
  /** A registry version, synced into the cache like a base model (`loader: sync`). */
  z.strictObject({
    kind: z.literal('registry'),
    version: semver,
    /** Registry model name. @default - the adapter name */
    model: registryName.optional(),
  }),
]);
export type AdapterSource = z.output<typeof adapterSource>;

const loraAdapter = z.strictObject({
  /** Name clients put in `model`. */
  name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'must be letters, digits, dot, dash or underscore'),
  /** Where the adapter comes from; required (checked with the other adapter rules). */
  source: adapterSource.optional(),
  /** Retired: a bare path was ambiguous; rejected with a message that says what to write instead. */
  path: z.string().optional(),
});

/**
 * Flags the construct sets, and what owns each: passing one in extraArgs would fight the typed
 * setting (vLLM keeps the last value, and extraArgs come last, so the typed setting and the GPU
 * fit check would be silently overridden). `<p>` stands for the variant's path (`models.awq`).
 */
const FLAG_OWNERS: Readonly<Record<string, string>> = {
  '--model': '<p>.modelId (or <p>.source)',
  '--revision': '<p>.revision',
  '--load-format': '<p>.source',
  '--download-dir': 'workloads.modelCache',
  '--host': 'the platform (its Service, probes and NetworkPolicy)',
  '--port': 'the platform (its Service, probes and NetworkPolicy)',
  '--uds': 'the platform (its Service, probes and NetworkPolicy)',
  '--served-model-name': 'the platform (clients and the bench use the variant name)',
  '--dtype': '<p>.dtype',
  '--quantization': '<p>.quantization',
  '--max-model-len': '<p>.maxModelLen',
  '--max-num-seqs': '<p>.maxNumSeqs',
  '--max-num-batched-tokens': '<p>.maxNumBatchedTokens',
  '--gpu-memory-utilization': '<p>.gpuMemoryUtilization',
  '--enforce-eager': '<p>.enforceEager',
  '--enable-prefix-caching': '<p>.enablePrefixCaching',
  '--api-key': 'workloads.enableAuth (the key comes from Secrets Manager)',
  '--enable-lora': 'the lora variant (models.lora)',
  '--max-loras': 'models.lora.maxLoras',
  '--max-lora-rank': 'models.lora.maxLoraRank',
  '--lora-modules': 'models.lora.adapters',
  '--shutdown-timeout': '<p>.shutdownTimeoutSec',
  '--otlp-traces-endpoint': "tracing.enabled (the platform's OpenTelemetry Collector)",
};

/** Flags the construct owns; passing them in extraArgs would fight the typed settings. */
export const MANAGED_FLAGS: readonly string[] = Object.keys(FLAG_OWNERS);
/** The managed flags that are booleans, so `--no-<flag>` sets them too. */
const MANAGED_BOOLEAN_FLAGS = ['--enforce-eager', '--enable-prefix-caching', '--enable-lora'];
/** Flags that load other flags from somewhere config validation cannot see. */
const OPAQUE_FLAGS: Readonly<Record<string, string>> = {
  '--config': 'reads more flags from a file config validation cannot see; pass the flags themselves in extraArgs',
  '--': 'ends the flags, so vLLM reads what follows as positional arguments and refuses them; remove it',
};

function modelFields(id: VariantId) {
  const c = CATALOG[id];
  return {
    enabled: z.boolean().default(true),
    modelId: vllmArgumentValue.default(c.modelId),
    /** Hugging Face revision (commit) to pin the weights to. */
    revision: vllmArgumentValue.optional(),
    source: modelSource.default({ kind: 'huggingface' }),
    quantization: z
      .enum(Object.keys(QUANTIZATION_MIN_CAPABILITY) as [Quantization, ...Quantization[]])
      .nullable()
      .default(c.quantization),
    /** T4 has no bf16: `half` is the only dtype every supported GPU runs. */
    dtype: z.enum(['half', 'bfloat16']).default('half'),
    maxModelLen: int32(128).default(c.maxModelLen),
    maxNumSeqs: positiveInt.default(c.maxNumSeqs),
    maxNumBatchedTokens:
      c.maxNumBatchedTokens === undefined ? positiveInt.optional() : positiveInt.optional().default(c.maxNumBatchedTokens),
    gpuMemoryUtilization: z.number().gt(0.3).max(0.99).default(c.gpuMemoryUtilization),
    /** GiB of activations, CUDA graphs and slack the fit check adds to weights and KV. */
    overheadGiB: z.number().min(0).default(c.overheadGiB),
    enforceEager: z.boolean().default(c.enforceEager),
    enablePrefixCaching: z.boolean().default(true),
    /** More vLLM flags, verbatim. Flags the typed settings own are rejected, however they are spelled. */
    extraArgs: z.array(z.string().min(1)).default([]),
    minReplicas: int32(1).default(1),
    maxReplicas: int32(1).default(1),
    /** KEDA: scale out when queued requests per replica exceed this. */
    queueDepthPerReplica: positiveInt.default(4),
    /** KEDA: scale out when mean KV-cache usage exceeds this fraction. */
    kvCacheUsageTarget: z.number().gt(0).max(1).default(0.85),
    scaleDownStabilizationSec: stabilizationWindowSec.default(300),
    /**
     * `RollingUpdate` needs a cache two pods can use at once; default picks by cache kind.
     * `BlueGreen` runs two tracks (see blueGreen) so a rollback is a Service switch to warm pods.
     */
    rolloutStrategy: z.enum(['RollingUpdate', 'Recreate', 'BlueGreen']).optional(),
    blueGreen: blueGreen.prefault({}),
    cpuRequest: cpuCores.default(3),
    cpuLimit: cpuCores.default(3.5),
    memoryRequestGiB: memoryGiB.default(12),
    memoryLimitGiB: memoryGiB.default(14),
    /** /dev/shm size (tmpfs, counts against the memory limit). */
    shmSizeGiB: memoryGiB.default(2),
    /** Cold start budget: weights download + load + CUDA graphs; sets the startup probe's failureThreshold. */
    startupTimeoutSec: int32(600, 86_400, 'a day: no cold start takes longer, and a bigger number is a typo').default(900),
    /** Time for endpoints to drop the pod before vLLM stops taking requests. */
    preStopSleepSec: int32(0).default(10),
    /** vLLM `--shutdown-timeout`: in-flight requests drain this long on SIGTERM. */
    shutdownTimeoutSec: int32(0).default(45),
    slo: sloOverrides.default({}),
  };
}

const loraDefaults = CATALOG.lora.lora!;
/** Settings only the LoRA variant has. */
const loraFields = {
  maxLoras: positiveInt.default(loraDefaults.maxLoras),
  maxLoraRank: z.union([z.literal(8), z.literal(16), z.literal(32), z.literal(64)]).default(loraDefaults.maxLoraRank as 16),
  adapters: z.array(loraAdapter).default([]),
};

const models = z.strictObject({
  awq: z.strictObject(modelFields('awq')).prefault({}),
  fp16: z.strictObject(modelFields('fp16')).prefault({}),
  lora: z.strictObject({ ...modelFields('lora'), ...loraFields }).prefault({}),
  judge: z.strictObject(modelFields('judge')).prefault({}),
});

const usdPerHour = z.number().positive();

/** What the cost estimate and the cost dashboard price with, besides facts/prices.ts. */
const pricing = z.strictObject({
  /** Region whose prices apply. @default - the stack's aws:region (us-east-1 when none is known) */
  region: z.enum(PRICED_REGIONS).optional(),
  /** SPOT price as a share off on-demand. @default - facts/prices.ts DEFAULT_SPOT_DISCOUNT */
  spotDiscount: z.number().min(0).lt(1).default(DEFAULT_SPOT_DISCOUNT),
  /** USD per hour by instance type (measured SPOT prices, negotiated rates); a `spot` price wins over spotDiscount. */
  instanceHourlyUsd: z.record(z.string(), z.strictObject({ onDemand: usdPerHour.optional(), spot: usdPerHour.optional() })).default({}),
});

/** How alerts link what they are about. */
const observability = z.strictObject({
  /**
   * Web address of the repository's docs/runbooks folder, e.g.
   * `https://github.com/acme/llm-platform/blob/main/docs/runbooks`: every alert's `runbook_url` is
   * `<runbookBaseUrl>/<alert>.md`, a link Alertmanager, Slack and PagerDuty can open. Required in
   * prod. @default - outside prod, links relative to the repository root (`docs/runbooks/<alert>.md`),
   * which a pager cannot open
   */
  runbookBaseUrl: webFolderUrl.optional(),
});

const tier = z.enum(['dev', 'staging', 'prod']);

/** The shape of `llm-platform:*` keys, before cross-field checks. */
export const platformSchema = z.strictObject({
  /** Environment tier; prod turns warnings about availability and exposure into errors. */
  tier: tier.default('dev'),
  network: network.prefault({}),
  cluster: cluster.prefault({}),
  systemNodes: systemNodes.prefault({}),
  gpuNodes: gpuNodes.prefault({}),
  registry: registry.prefault({}),
  secrets: secrets.prefault({}),
  alerting: alerting.prefault({}),
  budget: budget.prefault({}),
  /** The `cost-center` tag on every AWS resource (beside `environment` and `project`); more tags go in aws:defaultTags. */
  costCenter: awsTagValue.default('llm-platform'),
  imageCache: imageCache.prefault({}),
  workloads: workloads.prefault({}),
  slo: slo.prefault({}),
  models: models.prefault({}),
  pricing: pricing.prefault({}),
  observability: observability.prefault({}),
  /** The front door (config/gateway.ts). */
  gateway: gatewaySchema.prefault({}),
  /** The llm-bench load workers (config/bench.ts). */
  bench: benchSchema.prefault({}),
  /** The OpenTelemetry Collector and vLLM's traces (config/tracing.ts). */
  tracing: tracingSchema.prefault({}),
});

type RawConfig = z.output<typeof platformSchema>;
type RawModel = RawConfig['models'][VariantId];

/** One variant after defaults and cross-field resolution. */
export type ModelConfig = Omit<RawModel, 'rolloutStrategy' | 'slo'> & {
  readonly id: VariantId;
  /** Kubernetes name, also the served model name. */
  readonly name: string;
  readonly rolloutStrategy: 'RollingUpdate' | 'Recreate' | 'BlueGreen';
  readonly slo: z.output<typeof slo>;
  readonly maxLoras?: number;
  readonly maxLoraRank?: number;
  readonly adapters?: readonly LoraAdapter[];
};

/** A LoRA adapter after validation: its source is declared. */
export interface LoraAdapter {
  readonly name: string;
  readonly source: AdapterSource;
}

type RawCluster = RawConfig['cluster'];
type RawNetwork = RawConfig['network'];

/** A validated, fully defaulted environment. */
export type PlatformConfig = Omit<RawConfig, 'models' | 'cluster' | 'network'> & {
  /** Cluster settings with the tier-dependent defaults resolved. */
  readonly cluster: Omit<RawCluster, 'deletionProtection' | 'enableAccessHost'> & {
    readonly deletionProtection: boolean;
    readonly enableAccessHost: boolean;
  };
  readonly network: Omit<RawNetwork, 'flowLogs'> & { readonly flowLogs: { readonly enabled: boolean; readonly retentionDays: number } };
  /** Environment name: the stack, e.g. `dev` for Pulumi.dev.yaml. */
  readonly environment: string;
  readonly models: Readonly<Record<VariantId, ModelConfig>>;
  /** Enabled variants in catalog order. */
  readonly enabledModels: readonly ModelConfig[];
  /** The weakest GPU node any model pod may land on. */
  readonly gpu: GpuFloor;
  /** Things that are legal but probably not what a prod environment wants. */
  readonly warnings: readonly string[];
  /** The stack's `aws:region`, when the source has it (the stack file, or Pulumi's config). */
  readonly region?: string;
};

/** All problems found in one config source. */
export class ConfigError extends Error {
  /** The problems, one line each; an invisible character a key or value carried is written as `\uXXXX`. */
  readonly problems: readonly string[];

  constructor(
    readonly source: string,
    problems: readonly string[],
  ) {
    const lines = problems.map(escapeInvisible);
    super(`${source} has ${lines.length} config error${lines.length === 1 ? '' : 's'}:\n` + lines.map((p) => `  - ${p}`).join('\n'));
    this.problems = lines;
    this.name = 'ConfigError';
  }
}

/** Config problems in several sources (environments), each listed in full. */
export class ConfigErrors extends Error {
  constructor(readonly errors: readonly ConfigError[]) {
    super(errors.map((e) => e.message).join('\n'));
    this.name = 'ConfigErrors';
  }
}

type SchemaDef = { def: { innerType?: z.ZodType; shape?: Record<string, z.ZodType> } };

/** Strip default/prefault/optional/nullable wrappers. */
function unwrap(s: z.ZodType): z.ZodType {
  let cur = s;
  while ((cur as unknown as SchemaDef).def.innerType) cur = (cur as unknown as SchemaDef).def.innerType!;
  return cur;
}

/** The known keys of the object schema at `path`, for "did you mean" hints. */
function knownKeysAt(path: readonly PropertyKey[]): string[] {
  let s = unwrap(platformSchema);
  for (const p of path) {
    const next = typeof p === 'string' ? (s as unknown as SchemaDef).def.shape?.[p] : undefined;
    if (!next) return [];
    s = unwrap(next);
  }
  return Object.keys((s as unknown as SchemaDef).def.shape ?? {});
}

/** The `llm-platform:<section>` keys the schema reads. */
const SECTIONS: readonly string[] = Object.keys(platformSchema.shape);
const sectionSettings = (section: string) => knownKeysAt([section]);

const round1 = (n: number) => (Math.round(n * 10) / 10).toFixed(1);

/** What the cross-field checks found. */
interface Findings {
  readonly errors: string[];
  readonly warnings: string[];
}

/** A check of the whole environment. */
type Check = (c: RawConfig, out: Findings) => void;
/** A check of one variant; it returns at once when the variant is disabled. */
type ModelCheck = (c: RawConfig, id: VariantId, out: Findings) => void;

/**
 * Thrown when a check reads a value that failed validation: the check is skipped, not run on a
 * default. One instance, compared by identity.
 */
const SKIP = new Error('skip check: it reads a value that failed validation');

/** Run `fn` on each entry of a list, skipping only the entries that failed validation. */
function forEachValid<T>(list: readonly T[], fn: (item: T, index: number) => void): void {
  for (let i = 0; i < list.length; i++) {
    try {
      fn(list[i]!, i);
    } catch (e) {
      if (e !== SKIP) throw e;
    }
  }
}

const enabledModel = (c: RawConfig, id: VariantId): RawModel | undefined => (c.models[id].enabled ? c.models[id] : undefined);

/** The weakest GPU node, or undefined while an instance type is unknown (reported on its own). */
function gpuOf(c: RawConfig): GpuFloor | undefined {
  const types = c.gpuNodes.instanceTypes;
  return types.every((t) => GPU_INSTANCE_TYPES[t]) ? gpuFloor(types) : undefined;
}

const floorName = (gpu: GpuFloor) => `${gpu.gpuName} (${gpu.instanceTypes.join(', ')})`;

const checkInstanceTypes: Check = (c, { errors }) => {
  c.gpuNodes.instanceTypes.forEach((t, i) => {
    if (!GPU_INSTANCE_TYPES[t]) {
      errors.push(
        `gpuNodes.instanceTypes[${i}] ${t} is not a known GPU instance type; use one of ${Object.keys(GPU_INSTANCE_TYPES).join(', ')}`,
      );
    }
  });
};

const checkNodeGroupSizes =
  (name: 'systemNodes' | 'gpuNodes'): Check =>
  (c, { errors }) => {
    const g = c[name];
    if (!(g.minSize <= g.desiredSize && g.desiredSize <= g.maxSize)) {
      errors.push(`${name} sizes must satisfy minSize <= desiredSize <= maxSize, got ${g.minSize} <= ${g.desiredSize} <= ${g.maxSize}`);
    }
  };

const checkPublicEndpoint: Check = (c, { errors, warnings }) => {
  if (c.cluster.publicAccessCidrs.includes('0.0.0.0/0')) {
    const msg =
      'cluster.publicAccessCidrs opens the API endpoint to the world, got "0.0.0.0/0"; list your office or VPN CIDRs, or none for a private endpoint';
    (c.tier === 'prod' ? errors : warnings).push(msg);
  }
};

const checkVpcCidr: Check = (c, { errors }) => {
  const vpc = CIDR.exec(c.network.vpcCidr)!;
  const vpcPrefix = Number(vpc[5]);
  if (vpcPrefix < VPC_PREFIX.min || vpcPrefix > VPC_PREFIX.max) {
    errors.push(
      `network.vpcCidr must be a /${VPC_PREFIX.min} to /${VPC_PREFIX.max} range (each zone gets a quarter of it for node and pod addresses), got ${show(c.network.vpcCidr)}; use a range like 10.0.0.0/16`,
    );
    return;
  }
  const address = vpc.slice(1, 5).reduce((a, o) => a * 256 + Number(o), 0);
  const network = address - (address % 2 ** (32 - vpcPrefix));
  if (network !== address) {
    const dotted = [24, 16, 8, 0].map((shift) => Math.floor(network / 2 ** shift) % 256).join('.');
    errors.push(`network.vpcCidr has host bits set, got ${show(c.network.vpcCidr)}; use ${dotted}/${vpcPrefix}`);
  }
};

const checkProdZones: Check = (c, { warnings }) => {
  if (c.tier === 'prod' && c.network.availabilityZoneCount < 3) {
    warnings.push(
      `network.availabilityZoneCount ${c.network.availabilityZoneCount} in prod leaves SPOT capacity in fewer zones; 3 is recommended`,
    );
  }
};

const checkImagePinned: Check = (c, { errors }) => {
  if (c.workloads.image.tag === 'latest' && !c.workloads.image.digest) {
    errors.push('workloads.image.tag must pin a release, got "latest"; use a version tag like v0.18.0 or set workloads.image.digest');
  }
};

/**
 * A page at night must link a runbook that opens: a path relative to the repository does not, so
 * prod needs the base URL. Elsewhere the relative link stands (documented at the setting).
 */
const checkRunbookBaseUrl: Check = (c, { errors }) => {
  if (c.tier !== 'prod' || c.observability.runbookBaseUrl !== undefined) return;
  errors.push(
    'observability.runbookBaseUrl is required in prod so alerts link runbooks Alertmanager, Slack and PagerDuty can open, got nothing; ' +
      'set the web address of docs/runbooks in your repository, e.g. https://github.com/acme/llm-platform/blob/main/docs/runbooks',
  );
};

const checkSomeVariantEnabled: Check = (c, { errors }) => {
  if (VARIANT_IDS.every((id) => !c.models[id].enabled))
    errors.push('models enables no variant, got all four disabled; enable at least one');
};

/** Each image must be a vLLM release with every flag the construct emits (facts/vllm). */
const checkVllmVersions: Check = (c, out) => {
  const versions = vllmVersionProblems(c);
  out.errors.push(...versions.errors);
  out.warnings.push(...versions.warnings);
};

const checkReplicaBounds: ModelCheck = (c, id, { errors }) => {
  const m = enabledModel(c, id);
  if (m && m.minReplicas > m.maxReplicas) {
    errors.push(`models.${id}.minReplicas ${m.minReplicas} is above maxReplicas ${m.maxReplicas}; raise maxReplicas or lower minReplicas`);
  }
};

const checkCpuWithinLimit: ModelCheck = (c, id, { errors }) => {
  const m = enabledModel(c, id);
  if (m && m.cpuRequest > m.cpuLimit)
    errors.push(`models.${id}.cpuRequest ${m.cpuRequest} is above cpuLimit ${m.cpuLimit}; raise cpuLimit`);
};

const checkMemoryWithinLimit: ModelCheck = (c, id, { errors }) => {
  const m = enabledModel(c, id);
  if (m && m.memoryRequestGiB > m.memoryLimitGiB) {
    errors.push(`models.${id}.memoryRequestGiB ${m.memoryRequestGiB} is above memoryLimitGiB ${m.memoryLimitGiB}; raise memoryLimitGiB`);
  }
};

/** What to do instead of passing a managed flag: set the setting that owns it, or drop the flag. */
function ownerFix(p: string, flag: string): { owner: string; fix: string } {
  const owner = FLAG_OWNERS[flag]!.replaceAll('<p>', p);
  const setting = /^[a-z][\w.]*$/i.exec(owner.split(' ')[0]!)?.[0];
  return { owner, fix: setting && owner.startsWith(setting) && setting.includes('.') ? `set ${setting} instead` : 'remove it' };
}

/**
 * Flags in extraArgs that a typed setting owns, however vLLM would read them: `--max_model_len`,
 * `--max-model-len=99999`, `-q awq`, `--no-enable-prefix-caching`, an abbreviation like
 * `--max-model`; and flags whose effect cannot be checked (`--config`, a bare `--`).
 */
const checkExtraArgs: ModelCheck = (c, id, { errors }) => {
  const m = enabledModel(c, id);
  if (!m) return;
  const p = `models.${id}`;
  forEachValid(m.extraArgs, (written, index) => {
    const flag = canonicalVllmFlag(written);
    if (flag === undefined) return;
    const at = `${p}.extraArgs[${index}] ${show(written)}`;
    const opaque = OPAQUE_FLAGS[flag];
    if (opaque) {
      errors.push(`${at} ${opaque}`);
      return;
    }
    const targets = vllmFlagTargets(flag, MANAGED_FLAGS, MANAGED_BOOLEAN_FLAGS);
    const spelled = MANAGED_FLAGS.includes(flag) || (targets.length === 1 && flag === `--no-${targets[0]!.slice(2)}`);
    if (targets.length === 1) {
      const { owner, fix } = ownerFix(p, targets[0]!);
      errors.push(`${at} ${spelled ? 'sets' : 'abbreviates'} ${targets[0]}, which ${owner} owns; ${fix}`);
    } else if (targets.length > 1) {
      errors.push(`${at} abbreviates ${targets.join(' or ')}, which typed settings own; spell out the flag you mean, or set its setting`);
    }
  });
};

const checkSpotDrain: ModelCheck = (c, id, { errors }) => {
  const m = enabledModel(c, id);
  if (!m) return;
  const sec = m.preStopSleepSec + m.shutdownTimeoutSec;
  if (c.gpuNodes.capacityType === 'SPOT' && sec > SPOT_SHUTDOWN_BUDGET_SEC) {
    errors.push(
      `models.${id}.preStopSleepSec + shutdownTimeoutSec is ${sec}s, over the ${SPOT_SHUTDOWN_BUDGET_SEC}s a SPOT node has after its ${SPOT_NOTICE_SEC}s notice; lower shutdownTimeoutSec`,
    );
  }
};

const checkPvcRollout: ModelCheck = (c, id, { errors }) => {
  const m = enabledModel(c, id);
  if (m && m.rolloutStrategy === 'RollingUpdate' && c.workloads.modelCache.kind === 'pvc') {
    errors.push(
      `models.${id}.rolloutStrategy RollingUpdate cannot run with workloads.modelCache.kind pvc: the surge pod needs another GPU node and a ReadWriteOnce EBS volume attaches to one node, so the rollout deadlocks; use Recreate, or modelCache.kind shared or ephemeral`,
    );
  }
};

const checkPvcReplicas: ModelCheck = (c, id, { errors }) => {
  const m = enabledModel(c, id);
  if (m && m.maxReplicas > 1 && c.workloads.modelCache.kind === 'pvc') {
    errors.push(
      `models.${id}.maxReplicas ${m.maxReplicas} cannot run with workloads.modelCache.kind pvc: a ReadWriteOnce EBS volume attaches to one node, so extra replicas never start; use modelCache.kind shared or ephemeral, or maxReplicas 1`,
    );
  }
};

const checkRegistryBucket: ModelCheck = (c, id, { errors }) => {
  const m = enabledModel(c, id);
  if (m && m.source.kind === 'registry' && !c.registry.bucketName) {
    errors.push(
      `models.${id}.source loads registry version ${m.source.version}, but registry.bucketName is not set, so the manifests cannot name the bucket; set registry.bucketName`,
    );
  }
};

const checkTrackRegistryVersion: ModelCheck = (c, id, { errors }) => {
  const m = enabledModel(c, id);
  if (m && m.source.kind !== 'registry' && (m.blueGreen.tracks.blue.registryVersion || m.blueGreen.tracks.green.registryVersion)) {
    errors.push(
      `models.${id}.blueGreen.tracks sets a registryVersion, but models.${id}.source.kind is ${m.source.kind}; set source.kind registry`,
    );
  }
};

const checkTrackImagesPinned: ModelCheck = (c, id, { errors }) => {
  const m = enabledModel(c, id);
  if (!m || m.rolloutStrategy !== 'BlueGreen') return;
  for (const t of ['blue', 'green'] as const) {
    if (m.blueGreen.tracks[t].imageTag === 'latest') {
      errors.push(`models.${id}.blueGreen.tracks.${t}.imageTag must pin a release, got "latest"; use a version tag like v0.18.0`);
    }
  }
};

const checkProdSpotReplicas: ModelCheck = (c, id, { warnings }) => {
  const m = enabledModel(c, id);
  if (m && c.tier === 'prod' && c.gpuNodes.capacityType === 'SPOT' && m.minReplicas < 2 && !c.gpuNodes.onDemandFallback.enabled) {
    warnings.push(
      `models.${id}.minReplicas 1 on SPOT with no gpuNodes.onDemandFallback means an outage at every interruption; set minReplicas 2 or enable the fallback`,
    );
  }
};

const checkDtype: ModelCheck = (c, id, { errors }) => {
  const m = enabledModel(c, id);
  const gpu = m?.dtype === 'bfloat16' ? gpuOf(c) : undefined;
  if (gpu && gpu.computeCapability < DTYPE_MIN_CAPABILITY.bfloat16) {
    errors.push(
      `models.${id}.dtype bfloat16 is not supported by ${floorName(gpu)}, compute capability ${gpu.computeCapability.toFixed(1)} < ${DTYPE_MIN_CAPABILITY.bfloat16.toFixed(1)}; use dtype half`,
    );
  }
};

const checkQuantization: ModelCheck = (c, id, { errors }) => {
  const m = enabledModel(c, id);
  const gpu = m?.quantization ? gpuOf(c) : undefined;
  if (!m?.quantization || !gpu) return;
  const need = QUANTIZATION_MIN_CAPABILITY[m.quantization];
  if (gpu.computeCapability < need) {
    errors.push(
      `models.${id}.quantization ${m.quantization} needs compute capability ${need.toFixed(1)}, but ${floorName(gpu)} has ${gpu.computeCapability.toFixed(1)}; use awq on Turing GPUs`,
    );
  }
};

const checkGpuFit: ModelCheck = (c, id, { errors, warnings }) => {
  const m = enabledModel(c, id);
  const gpu = m ? gpuOf(c) : undefined;
  if (!m || !gpu) return;
  const p = `models.${id}`;
  const weightsGiB = m.modelId === CATALOG[id].modelId ? CATALOG[id].weightsGiB : undefined;
  if (weightsGiB === undefined) {
    warnings.push(`${p}.modelId ${m.modelId} is not in the catalog, so its GPU fit is not checked`);
    return;
  }
  const lora = id === 'lora' ? { maxLoras: c.models.lora.maxLoras, maxLoraRank: c.models.lora.maxLoraRank } : undefined;
  const need = memoryNeed({ weightsGiB, maxModelLen: m.maxModelLen, overheadGiB: m.overheadGiB, lora });
  const budget = m.gpuMemoryUtilization * gpu.usableMemoryGiB;
  if (need.totalGiB > budget) {
    const parts = [`weights ${round1(need.weightsGiB)} GiB`, `KV ${round1(need.kvGiB)} GiB`];
    if (need.loraGiB > 0) parts.push(`LoRA ${round1(need.loraGiB)} GiB`);
    parts.push(`overhead ${round1(need.overheadGiB)} GiB`);
    errors.push(
      `${p}.maxModelLen ${m.maxModelLen} does not fit a ${floorName(gpu)} at gpuMemoryUtilization ${m.gpuMemoryUtilization}: ` +
        `${parts.join(' + ')} = ${round1(need.totalGiB)} GiB > ${round1(budget)} GiB; lower maxModelLen or raise gpuMemoryUtilization`,
    );
  }
};

/** A pod may land on the smallest of the types: the ones the messages name. */
const smallestTypes = (gpu: GpuFloor, key: 'vcpu' | 'memoryGiB') =>
  gpu.instanceTypes.filter((t) => GPU_INSTANCE_TYPES[t]![key] === gpu[key]).join('/');

const checkCpuFitsNode: ModelCheck = (c, id, { errors }) => {
  const m = enabledModel(c, id);
  const gpu = m ? gpuOf(c) : undefined;
  if (!m || !gpu) return;
  const cpuRoom = gpu.vcpu - NODE_RESERVE.cpu;
  if (m.cpuRequest > cpuRoom) {
    errors.push(
      `models.${id}.cpuRequest ${m.cpuRequest} does not fit a ${smallestTypes(gpu, 'vcpu')} node, which has ${cpuRoom} CPU after system pods; lower cpuRequest`,
    );
  }
};

const checkMemoryFitsNode: ModelCheck = (c, id, { errors }) => {
  const m = enabledModel(c, id);
  const gpu = m ? gpuOf(c) : undefined;
  if (!m || !gpu) return;
  const memRoom = gpu.memoryGiB - NODE_RESERVE.memoryGiB;
  if (m.memoryRequestGiB > memRoom) {
    errors.push(
      `models.${id}.memoryRequestGiB ${m.memoryRequestGiB} does not fit a ${smallestTypes(gpu, 'memoryGiB')} node, which has ${memRoom} GiB after system pods; lower memoryRequestGiB`,
    );
  }
};

const checkShmWithinMemory: ModelCheck = (c, id, { errors }) => {
  const m = enabledModel(c, id);
  // Like the other node checks, this one waits for the instance types to be known.
  if (!m || !gpuOf(c)) return;
  if (m.shmSizeGiB >= m.memoryLimitGiB) {
    errors.push(`models.${id}.shmSizeGiB ${m.shmSizeGiB} must be below memoryLimitGiB ${m.memoryLimitGiB}: /dev/shm is counted as memory`);
  }
};

/**
 * Every model pod asks for one GPU. Past what the GPU groups can hold, KEDA adds pods the node
 * autoscaler can never place: they would stay Pending forever.
 */
const checkGpuCapacity: Check = (c, { errors, warnings }) => {
  const enabled = VARIANT_IDS.filter((id) => c.models[id].enabled);
  if (enabled.length === 0 || !gpuOf(c)) return;
  const gpusPerNode = Math.min(...c.gpuNodes.instanceTypes.map((t) => GPU_INSTANCE_TYPES[t]!.gpuCount));
  const fallback = c.gpuNodes.onDemandFallback;
  const nodes = c.gpuNodes.maxSize + (fallback.enabled ? fallback.maxSize : 0);
  // A blue/green standby track holds GPUs too.
  const standby = (id: VariantId) => (c.models[id].rolloutStrategy === 'BlueGreen' ? c.models[id].blueGreen.standbyReplicas : 0);
  const need = enabled.reduce((sum, id) => sum + c.models[id].maxReplicas + standby(id), 0);
  if (need <= nodes * gpusPerNode) return;
  const groups = fallback.enabled
    ? `gpuNodes.maxSize ${c.gpuNodes.maxSize} + onDemandFallback.maxSize ${fallback.maxSize}`
    : `gpuNodes.maxSize ${c.gpuNodes.maxSize}`;
  const perModel = enabled.map((id) => `${id} ${c.models[id].maxReplicas}${standby(id) ? ` + ${standby(id)} standby` : ''}`).join(', ');
  (c.tier === 'prod' ? errors : warnings).push(
    `${groups} holds ${nodes * gpusPerNode} GPU${nodes * gpusPerNode === 1 ? '' : 's'}, but the enabled models scale to ${need} (${perModel}), so the extra pods would stay Pending forever; raise gpuNodes.maxSize or lower maxReplicas`,
  );
};

const USD_PER_MONTH_HOURS = 730;

/** The EKS calendar against `day` (YYYY-MM-DD): past extended support fails, extended support needs EXTENDED and warns. */
const checkKubernetesSupport =
  (day: string): Check =>
  (c, { errors, warnings }) => {
    const version = c.cluster.kubernetesVersion;
    const supportType = c.cluster.supportType;
    const row = eksVersion(version);
    const phase = supportPhase(version, day);
    const upgrade =
      version === LATEST_KUBERNETES_VERSION
        ? 'upgrade to the next minor (add its row to facts/eks.ts first)'
        : `upgrade to ${LATEST_KUBERNETES_VERSION}`;
    const orUse = version === LATEST_KUBERNETES_VERSION ? upgrade : `use ${LATEST_KUBERNETES_VERSION}`;
    const price = EKS_CONTROL_PLANE_USD_PER_HOUR;
    const extraUsd = Math.round((price.extended - price.standard) * USD_PER_MONTH_HOURS);
    if (phase === 'ended') {
      errors.push(
        `cluster.kubernetesVersion ${version} is past the end of EKS extended support (${row.extendedSupportEnd}; today is ${day}): ` +
          `EKS no longer creates it and upgrades such clusters by itself; ${orUse}`,
      );
    } else if (phase === 'extended' && supportType === 'STANDARD') {
      errors.push(
        `cluster.supportType STANDARD cannot run cluster.kubernetesVersion ${version}, ` +
          `which left EKS standard support on ${row.standardSupportEnd} ` +
          `(today is ${day}; EKS upgrades such a cluster by itself); ${upgrade}, or set cluster.supportType EXTENDED ` +
          `to stay on ${version} until ${row.extendedSupportEnd} at $${price.extended.toFixed(2)}/h`,
      );
    } else if (phase === 'extended') {
      warnings.push(
        `cluster.kubernetesVersion ${version} is in EKS extended support since ${row.standardSupportEnd} ` +
          `(until ${row.extendedSupportEnd}): the control plane costs $${price.extended.toFixed(2)}/h ` +
          `instead of $${price.standard.toFixed(2)}/h, about $${extraUsd}/month more; ${upgrade}`,
      );
    }
  };

/** A pinned AL2023 AMI release carries its Kubernetes minor: it must be the cluster's. */
const checkAmiRelease =
  (group: 'systemNodes' | 'gpuNodes'): Check =>
  (c, { errors }) => {
    const release = c[group].amiReleaseVersion;
    const amiType = group === 'gpuNodes' ? c.gpuNodes.amiType : 'AL2023_x86_64_STANDARD';
    // Bottlerocket releases are OS versions, not Kubernetes ones.
    if (!release || amiType.startsWith('BOTTLEROCKET')) return;
    const version = c.cluster.kubernetesVersion;
    const minor = /^(\d+\.\d+)\./.exec(release)?.[1];
    if (minor !== version) {
      errors.push(
        `${group}.amiReleaseVersion ${release} is an AMI for Kubernetes ${minor ?? 'unknown'}, but cluster.kubernetesVersion is ` +
          `${version}; pin a ${version}.x release or remove amiReleaseVersion to follow the newest`,
      );
    }
  };

/** The adapter sources vLLM resolves unambiguously, as messages name them. */
const DECLARED_SOURCES = `{kind: huggingface, repo}, {kind: cache, path: ${CACHE_MOUNT}/...} or {kind: registry, version}`;

/**
 * Adapter sources vLLM cannot misread: its get_adapter_absolute_path (lora/utils.py) takes an
 * absolute path as is, a relative one against its working directory, and else downloads the
 * string from the Hugging Face Hub.
 */
const checkLoraAdapters: Check = (c, { errors }) => {
  if (!c.models.lora.enabled) return;
  const seen = new Set<string>();
  forEachValid(c.models.lora.adapters, (a, i) => {
    const p = `models.lora.adapters[${i}]`;
    if (seen.has(a.name)) errors.push(`${p}.name ${a.name} is used twice; give every adapter its own name`);
    seen.add(a.name);
    if (a.path !== undefined) {
      errors.push(
        `${p}.path is not accepted, got ${show(a.path)}: vLLM resolves a bare path against its working directory ` +
          `and then tries it as a Hugging Face repo id; declare source ${DECLARED_SOURCES}`,
      );
      return;
    }
    const src = a.source;
    if (!src) {
      errors.push(`${p}.source is not set; declare ${DECLARED_SOURCES}`);
      return;
    }
    switch (src.kind) {
      case 'huggingface':
        break;
      case 'cache': {
        if (!src.path.startsWith('/')) {
          errors.push(
            `${p}.source.path must be absolute, got ${show(src.path)}: vLLM resolves a relative path against its working directory, ` +
              `then tries it as a Hugging Face repo id; use a path under ${CACHE_MOUNT}/`,
          );
        } else if (!posix.normalize(src.path).startsWith(`${CACHE_MOUNT}/`)) {
          errors.push(
            `${p}.source.path is outside the model cache, got ${show(src.path)}: the pod sees adapters only on its cache volume; use a ` +
              `path under ${CACHE_MOUNT}/`,
          );
        }
        break;
      }
      case 'registry': {
        if (!c.registry.bucketName) {
          errors.push(
            `${p}.source loads registry version ${src.version}, but registry.bucketName is not set, so the manifests cannot name the ` +
              `bucket; set registry.bucketName`,
          );
        }
        if (!src.model && !registryName.safeParse(a.name).success) {
          errors.push(`${p}.source.model is not set and the adapter name ${show(a.name)} is not a registry model name; set source.model`);
        }
        break;
      }
      default: {
        const never: never = src;
        errors.push(`${p}.source ${show(never)} is not handled`);
      }
    }
  });
};

/** Images that would bypass the cache, and a cache without what its rules need. */
const checkImageCache: Check = (c, { errors }) => {
  const cache = c.imageCache;
  if (!cache.enabled) return;
  if (!cache.registry) {
    errors.push(
      'imageCache.registry is not set, so the manifests cannot name the cache; set it to <account>.dkr.ecr.<region>.amazonaws.com',
    );
  }
  const images = [
    ['workloads.image.repository', () => c.workloads.image.repository],
    ['registry.syncImage', () => c.registry.syncImage],
  ] as const;
  forEachValid(images, ([path, read]) => {
    const ref = read();
    const upstream = imageRegistryOf(ref);
    if (!PULL_THROUGH_UPSTREAMS[upstream]) {
      errors.push(
        `${path} ${ref} comes from ${upstream}, which the pull-through cache does not serve; use an image from ` +
          `${Object.keys(PULL_THROUGH_UPSTREAMS).join(', ')} or turn imageCache off`,
      );
    } else if (PULL_THROUGH_UPSTREAMS[upstream].credentials && !cache.dockerHubSecretName) {
      errors.push(
        `${path} ${ref} comes from Docker Hub, and ECR caches Docker Hub only with credentials, got no ` +
          `imageCache.dockerHubSecretName; store {"username","accessToken"} in Secrets Manager under ecr-pullthroughcache/ and name it`,
      );
    }
  });
};

/**
 * The checks in the order their messages appear: the EKS calendar, the environment, each variant,
 * then GPU capacity and the front door.
 */
const ENVIRONMENT_CHECKS: readonly Check[] = [
  checkInstanceTypes,
  checkNodeGroupSizes('systemNodes'),
  checkNodeGroupSizes('gpuNodes'),
  checkPublicEndpoint,
  checkVpcCidr,
  checkProdZones,
  checkImagePinned,
  checkRunbookBaseUrl,
  checkSomeVariantEnabled,
  checkVllmVersions,
  checkAmiRelease('systemNodes'),
  checkAmiRelease('gpuNodes'),
  checkLoraAdapters,
  checkImageCache,
];
const MODEL_CHECKS: readonly ModelCheck[] = [
  checkReplicaBounds,
  checkCpuWithinLimit,
  checkMemoryWithinLimit,
  checkExtraArgs,
  checkSpotDrain,
  checkPvcRollout,
  checkPvcReplicas,
  checkRegistryBucket,
  checkTrackRegistryVersion,
  checkTrackImagesPinned,
  checkProdSpotReplicas,
  checkDtype,
  checkQuantization,
  checkGpuFit,
  checkCpuFitsNode,
  checkMemoryFitsNode,
  checkShmWithinMemory,
];
/** The front door's own checks (config/gateway.ts), with each variant's served name. */
const checkFrontDoor: Check = (c, out) => {
  const named = Object.fromEntries(VARIANT_IDS.map((id) => [id, { ...c.models[id], name: CATALOG[id].name }]));
  const front = checkGateway({ tier: c.tier, gateway: c.gateway, models: named });
  out.errors.push(...front.errors);
  out.warnings.push(...front.warnings);
};

const LAST_CHECKS: readonly Check[] = [checkGpuCapacity, checkFrontDoor];

const isTainted = (path: string, tainted: readonly string[]) => tainted.some((t) => path === t || path.startsWith(`${t}.`));

/**
 * `value` seen through a proxy that ends the running check (throws {@link SKIP}) as soon as it
 * reads a tainted path: a value that failed validation and holds its default only so the rest of
 * the config can be checked.
 */
function guarded<T>(value: T, path: string, tainted: readonly string[]): T {
  if (value === null || typeof value !== 'object') return value;
  return new Proxy(value, {
    get(target, key, receiver) {
      const v: unknown = Reflect.get(target, key, receiver);
      if (typeof key === 'symbol') return v;
      const p = path ? `${path}.${key}` : key;
      if (isTainted(p, tainted)) throw SKIP;
      return typeof v === 'function' ? v : guarded(v, p, tainted);
    },
  });
}

/**
 * Cross-field checks on a parsed config, the EKS calendar read on `day`. With `tainted` paths
 * (values that failed validation and were replaced by defaults), a check that reads one is
 * skipped; every other check still runs.
 */
function crossCheck(raw: RawConfig, tainted: readonly string[], day: string): Findings {
  const out: Findings = { errors: [], warnings: [] };
  const c = tainted.length > 0 ? guarded(raw, '', tainted) : raw;
  const run = (check: (c: RawConfig, out: Findings) => void) => {
    const found: Findings = { errors: [], warnings: [] };
    try {
      check(c, found);
    } catch (e) {
      if (e === SKIP) return;
      throw e;
    }
    out.errors.push(...found.errors);
    out.warnings.push(...found.warnings);
  };
  run(checkKubernetesSupport(day));
  for (const check of ENVIRONMENT_CHECKS) run(check);
  for (const id of VARIANT_IDS) for (const check of MODEL_CHECKS) run((cfg, found) => check(cfg, id, found));
  for (const check of LAST_CHECKS) run(check);
  return out;
}

/** What one pass over the settings found: the parsed config (defaults standing in for bad values), problems, tainted paths. */
interface SchemaPass {
  readonly raw?: RawConfig;
  readonly problems: readonly string[];
  readonly tainted: readonly string[];
}

/** Rounds of "drop what failed, parse again" before giving up on the cross-field checks. */
const MAX_REPAIR_ROUNDS = 8;

/** A path up to (not into) its first list: a bad list entry taints the whole list. */
const untilList = (path: readonly PropertyKey[]) => {
  const i = path.findIndex((p) => typeof p === 'number');
  return i < 0 ? [...path] : path.slice(0, i);
};

function deleteAt(input: Record<string, unknown>, path: readonly PropertyKey[]): void {
  let cur: unknown = input;
  for (const p of path.slice(0, -1)) {
    if (cur === null || typeof cur !== 'object') return;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  if (cur !== null && typeof cur === 'object' && path.length > 0) delete (cur as Record<PropertyKey, unknown>)[path[path.length - 1]!];
}

const dotted = (path: readonly PropertyKey[]) => path.map(String).join('.');

/**
 * Validate the settings against the schema, reporting every issue, and keep parsing: each value
 * that failed is dropped (so its default stands in) and marked tainted, until the rest parses.
 * Later rounds only repair; everything they could report was reported in the first.
 */
function schemaPass(settings: Record<string, unknown>, prior: readonly Finding[]): SchemaPass {
  const input = structuredClone(settings);
  const problems = prior.map((f) => f.message);
  const tainted = prior.flatMap((f) => (f.taint ? [f.taint] : []));
  const drop = (path: readonly PropertyKey[]) => {
    const p = untilList(path);
    if (p.length === 0) return;
    deleteAt(input, p);
    tainted.push(dotted(p));
  };

  // An invisible character is reported; the string goes on without it, tainted, so the schema
  // still checks what is left of it and the checks see the rest of its list or mapping.
  const invisible = invisibleCharacters(input);
  problems.push(...invisible.map((f) => f.message));
  for (const f of invisible) tainted.push(dotted(withoutInvisibleAt(input, f.path, f.inKey)));

  for (let round = 0; round < MAX_REPAIR_ROUNDS; round++) {
    const parsed = platformSchema.safeParse(input, { reportInput: true });
    if (parsed.success) return { raw: parsed.data, problems, tainted };
    for (const issue of withoutRedundantIssues(parsed.error.issues)) {
      if (round === 0) problems.push(...formatIssue(issue, knownKeysAt));
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) deleteAt(input, [...issue.path, key]);
        // The setting the user probably meant is unknown too: checks that read it are skipped.
        if (round === 0) tainted.push(...closestKnown(issue.path, issue.keys));
      } else {
        drop(round === 0 || issue.path.length < 2 ? issue.path : issue.path.slice(0, -1));
      }
    }
  }
  return { problems, tainted };
}

/** Remove the invisible characters of the string at `path` (a value, or the last key); returns its new path. */
function withoutInvisibleAt(input: Record<string, unknown>, path: readonly PropertyKey[], inKey: boolean): PropertyKey[] {
  let parent: unknown = input;
  for (const p of path.slice(0, -1)) parent = (parent as Record<PropertyKey, unknown>)[p];
  const container = parent as Record<PropertyKey, unknown>;
  const last = path[path.length - 1]!;
  if (!inKey) {
    container[last] = withoutInvisible(String(container[last]));
    return [...path];
  }
  const clean = withoutInvisible(String(last));
  if (!(clean in container)) container[clean] = container[last];
  delete container[last];
  return [...path.slice(0, -1), clean];
}

/** The dotted paths of the known settings that misspelled `keys` at `path` most likely meant. */
function closestKnown(path: readonly PropertyKey[], keys: readonly string[]): string[] {
  const known = knownKeysAt(path);
  return keys.flatMap((key) => {
    const best = closest(key, known);
    return best ? [dotted([...path, best])] : [];
  });
}

function resolveModel(id: VariantId, m: RawModel, defaults: z.output<typeof slo>, cacheKind: string): ModelConfig {
  // Validation guarantees every adapter of an enabled variant declares its source.
  const { adapters: raw, ...rest } = { adapters: undefined, ...m };
  const adapters = raw?.map((a): LoraAdapter => ({ name: a.name, source: a.source! }));
  return {
    ...rest,
    id,
    name: CATALOG[id].name,
    rolloutStrategy: m.rolloutStrategy ?? (cacheKind === 'pvc' ? 'Recreate' : 'RollingUpdate'),
    slo: { ...defaults, ...m.slo },
    ...(adapters ? { adapters } : {}),
  };
}

/** Inputs of validation that do not come from the settings. */
export interface ParseOptions {
  /** The day the EKS support dates are checked against. @default - now */
  readonly today?: Date;
}

/** The one pass: schema and cross-field checks on the settings, after the problems already found in their envelope. */
function validatePlatform(
  settings: Record<string, unknown>,
  environment: string,
  source: string,
  prior: readonly Finding[],
  options: ParseOptions,
): PlatformConfig {
  const pass = schemaPass(settings, prior);
  const problems = [...pass.problems];
  const day = (options.today ?? new Date()).toISOString().slice(0, 10);
  const checked = pass.raw ? crossCheck(pass.raw, pass.tainted, day) : undefined;
  if (checked) problems.push(...checked.errors);
  const raw = pass.raw;
  const gpu = raw && problems.length === 0 ? gpuOf(raw) : undefined;
  if (!raw || !gpu || !checked) {
    throw new ConfigError(source, problems.length > 0 ? problems : ['the settings could not be validated; report this as a bug']);
  }
  const models = Object.fromEntries(
    VARIANT_IDS.map((id) => [id, resolveModel(id, raw.models[id], raw.slo, raw.workloads.modelCache.kind)]),
  ) as Record<VariantId, ModelConfig>;
  const prod = raw.tier === 'prod';
  return {
    ...raw,
    cluster: {
      ...raw.cluster,
      deletionProtection: raw.cluster.deletionProtection ?? prod,
      enableAccessHost: raw.cluster.enableAccessHost ?? raw.cluster.publicAccessCidrs.length === 0,
    },
    network: { ...raw.network, flowLogs: { ...raw.network.flowLogs, enabled: raw.network.flowLogs.enabled ?? prod } },
    environment,
    models,
    enabledModels: VARIANT_IDS.filter((id) => models[id].enabled).map((id) => models[id]),
    gpu,
    warnings: checked.warnings,
  };
}

/**
 * Validate the `llm-platform:*` settings of one environment (keys without the prefix) and
 * fill in every default.
 *
 * @param settings section name → value, as in the YAML file
 * @param environment environment (stack) name
 * @param source where the settings came from, for the error header
 * @throws ConfigError with every problem found
 */
export function parsePlatformConfig(
  settings: Record<string, unknown>,
  environment: string,
  source: string,
  options: ParseOptions = {},
): PlatformConfig {
  return validatePlatform(settings, environment, source, [], options);
}

/**
 * Validate a whole Pulumi config map (`llm-platform:models`, `aws:region`, … → value): every key
 * must be one this project or the AWS provider reads, then the settings as
 * {@link parsePlatformConfig}. Secrets are skipped here; their reader checks them.
 *
 * @param decode turns a value as handed over into data (Pulumi passes objects as JSON strings)
 * @throws ConfigError with every problem found
 */
export function parseConfigMap(
  all: Record<string, unknown>,
  environment: string,
  source: string,
  decode: (value: unknown) => unknown = (v) => v,
  options: ParseOptions = {},
): PlatformConfig {
  const decoded = Object.fromEntries(Object.entries(all).map(([k, v]) => [k, decode(v)]));
  const keys = splitConfigKeys(decoded, SECTIONS, SECRET_KEYS, sectionSettings);
  return validatePlatform(keys.settings, environment, source, keys.findings, options);
}

/**
 * Split a Pulumi config map (`llm-platform:models` → value) into this project's settings,
 * dropping other namespaces (`aws:region`) and the secret keys. It checks nothing: use
 * {@link parseConfigMap} to validate a config map.
 */
export function projectSettings(all: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(all)) {
    if (!key.startsWith(`${PROJECT}:`)) continue;
    const name = key.slice(PROJECT.length + 1);
    if ((SECRET_KEYS as readonly string[]).includes(name)) continue;
    out[name] = value;
  }
  return out;
}

/** The environment name of a `Pulumi.<env>.yaml` path. */
export function environmentOf(file: string): string {
  const m = /^Pulumi\.([A-Za-z0-9_.-]+)\.yaml$/.exec(basename(file));
  if (!m) throw new Error(`${file} is not a stack settings file; expected a name like Pulumi.dev.yaml`);
  return m[1]!;
}

/** Secrets written into the file in plain text: `pulumi up` would refuse them, so synth does too. */
function plainTextSecrets(secrets: Record<string, unknown>, source: string, environment: string): Finding[] {
  return Object.entries(secrets)
    .filter(([, v]) => !isEncrypted(v))
    .map(([key]) => ({
      message:
        `${key} is stored in plain text in ${source}; ` +
        `remove it and run pulumi config set --secret ${PROJECT}:${key} <value> -s ${environment}`,
    }));
}

/**
 * Validate the text of a `Pulumi.<env>.yaml` (named `file`) without the Pulumi runtime: its YAML,
 * its top-level keys, the namespaces under `config:`, then the settings.
 *
 * @throws ConfigError with every problem found
 */
export function parseEnvironmentText(text: string, file: string, options: ParseOptions = {}): PlatformConfig {
  const environment = environmentOf(file);
  const source = basename(file);
  const doc = parseDocument(text);
  const yamlProblems = [...doc.errors, ...doc.warnings].map((e) =>
    e.code === 'MULTIPLE_DOCS'
      ? 'the file holds more than one YAML document (a --- line); keep one'
      : `the file is not valid YAML: ${e.message.split('\n')[0]!.replace(/:$/, '')}`,
  );
  if (yamlProblems.length > 0) throw new ConfigError(source, yamlProblems);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new ConfigError(source, [`the file is not valid YAML: ${(e as Error).message.split('\n')[0]}`]);
  }
  const top = stackFileConfig(data);
  if (!top.config)
    throw new ConfigError(
      source,
      top.findings.map((f) => f.message),
    );
  const keys = splitConfigKeys(top.config, SECTIONS, SECRET_KEYS, sectionSettings);
  const prior = [...top.findings, ...keys.findings, ...plainTextSecrets(keys.secrets, source, environment)];
  const config = validatePlatform(keys.settings, environment, source, prior, options);
  const region = top.config['aws:region'];
  return typeof region === 'string' && region ? { ...config, region } : config;
}

/** Read and validate one `Pulumi.<env>.yaml` without the Pulumi runtime (the cdk8s path). */
export function loadEnvironmentFile(file: string, options: ParseOptions = {}): PlatformConfig {
  environmentOf(file);
  return parseEnvironmentText(readFileSync(file, 'utf8'), file, options);
}
