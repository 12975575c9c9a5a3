/**
 * The platform's one configuration schema: every setting, its default, and every check.
 *
 * `Pulumi.<env>.yaml` holds an environment's settings as `llm-platform:<section>` keys. Pulumi
 * hands them over through its runtime (stacks/pulumi-config.ts); `cdk8s synth` reads the same
 * files with {@link loadEnvironmentFile}. Both end in {@link parsePlatformConfig}, which returns
 * a fully defaulted {@link PlatformConfig} or throws a {@link ConfigError} listing every
 * problem at once, before anything is synthesized or registered.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse as parseYaml } from 'yaml';
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
import { DEFAULT_SPOT_DISCOUNT, PRICED_REGIONS } from '../facts/prices';
import { vllmVersionProblems } from './vllm-version';
import { checkGateway, gatewaySchema } from './gateway-config';

/** Pulumi project name: the namespace of every config key (`llm-platform:models`). */
export const PROJECT = 'llm-platform';

/**
 * Keys set with `pulumi config set --secret`. Only infra/ reads them (it copies them into
 * AWS Secrets Manager); the schema never sees them, and manifests only reference them.
 */
export const SECRET_KEYS = ['hfToken', 'apiKey'] as const;

/** Spot interruption notice: everything a pod does on the way out must fit in it. */
export const SPOT_NOTICE_SEC = 120;
/** Time left for the kubelet and node drain after the pod's own shutdown; see DESIGN.md. */
export const SPOT_SHUTDOWN_BUDGET_SEC = 90;

/** VPC sizes the network layout supports: four equal blocks, one per zone (up to 3) plus public subnets. */
export const VPC_PREFIX = { min: 16, max: 20 } as const;

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const cidr = z.string().refine((s) => {
  const m = CIDR.exec(s);
  return !!m && m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) <= 32;
}, 'must be an IPv4 CIDR like 10.0.0.0/16');

const k8sName = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a lowercase DNS-1123 label')
  .max(63);

const positiveInt = z.number().int().positive();

const network = z.strictObject({
  /** VPC address range. */
  vpcCidr: cidr.default('10.0.0.0/16'),
  /** Zones to spread subnets (and so nodes) over; prod wants 3. */
  availabilityZoneCount: z.number().int().min(2).max(3).default(2),
  /** One NAT gateway (cheap) or one per zone (no cross-zone dependency). */
  natGateways: z.enum(['single', 'perZone']).default('single'),
});

const cluster = z.strictObject({
  /** EKS Kubernetes version; must be one EKS still supports. */
  kubernetesVersion: z.enum(['1.31', '1.32', '1.33', '1.34']).default('1.33'),
  /** CIDRs allowed to reach the public API endpoint; empty = private endpoint only. */
  publicAccessCidrs: z.array(cidr).default([]),
  /** IAM role ARNs granted cluster-admin through EKS access entries. */
  adminRoleArns: z.array(z.string().regex(/^arn:aws:iam::\d{12}:role\/.+$/, 'must be an IAM role ARN')).default([]),
});

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
  rootVolumeGiB: z.number().int().min(20).default(50),
});

const gpuNodes = z.strictObject({
  /** Instance types for the GPU group; a mixed list is planned for its weakest member. */
  instanceTypes: z.array(z.string()).min(1).default(['g4dn.xlarge']),
  capacityType: z.enum(['SPOT', 'ON_DEMAND']).default('SPOT'),
  /** EKS-optimized NVIDIA AMI: drivers and container toolkit preinstalled. */
  amiType: z.enum(['AL2023_x86_64_NVIDIA', 'BOTTLEROCKET_x86_64_NVIDIA']).default('AL2023_x86_64_NVIDIA'),
  minSize: nodeGroupSize.minSize.default(0),
  desiredSize: nodeGroupSize.desiredSize.default(1),
  maxSize: nodeGroupSize.maxSize.default(4),
  /** Root volume: the vLLM image alone is ~10 GB compressed. */
  rootVolumeGiB: z.number().int().min(60).default(100),
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
   * IAM roles or users allowed to assume the read-write publisher role (the CI job that uploads
   * model versions). Empty: any principal of the account whose own IAM policy allows it.
   */
  publisherPrincipalArns: z
    .array(z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/.+$/, 'must be an IAM role or user ARN'))
    .default([]),
  /**
   * S3 bucket name (globally unique). Required when a model loads from the registry, so the
   * manifests can name it. @default - Pulumi generates a name
   */
  bucketName: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name')
    .optional(),
  /** Image of the init container that copies a registry version into the model cache. */
  syncImage: z
    .string()
    .regex(/^[^:@\s]+(:(?!latest$)[\w][\w.-]*|@sha256:[a-f0-9]{64})$/, 'must be pinned by a tag other than latest or by digest')
    .default('public.ecr.aws/aws-cli/aws-cli:2.22.35'),
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
  refreshInterval: z.string().regex(/^\d+[smh]$/, 'must be a duration like 1h').default('1h'),
});

const image = z.strictObject({
  repository: z.string().min(1).default('vllm/vllm-openai'),
  /** A release tag (v0.18.0 or later has --shutdown-timeout). Never `latest`. */
  tag: z.string().min(1).default('v0.18.0'),
  /** Optional `sha256:…` digest; when set it wins over the tag for what runs. */
  digest: z
    .string()
    .regex(/^sha256:[a-f0-9]{64}$/, 'must be sha256: followed by 64 hex digits')
    .optional(),
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
      sizeGiB: positiveInt.default(60),
      /** StorageClass for `pvc` and `ephemeral` (EBS) caches. */
      storageClassName: k8sName.default('gp3'),
      /** StorageClass for the `shared` cache (EFS). */
      sharedStorageClassName: k8sName.default('efs'),
    })
    .prefault({}),
  /** Namespaces whose pods may call the models (besides the bench and Prometheus). */
  clientNamespaces: z.array(k8sName).default(['quant', 'finetune', 'eval']),
  benchNamespace: k8sName.default('llm-bench'),
  monitoring: z
    .strictObject({
      namespace: k8sName.default('monitoring'),
      /** Prometheus URL KEDA queries. */
      prometheusUrl: z.url().default('http://kube-prometheus-stack-prometheus.monitoring.svc:9090'),
      /** Labels the Prometheus operator selects ServiceMonitors and rules by. */
      selectorLabels: z.record(z.string(), z.string()).default({ release: 'kube-prometheus-stack' }),
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
  imageTag: z.string().min(1).optional(),
  /** Hugging Face revision this track loads. @default - the variant's revision */
  revision: z.string().min(1).optional(),
  /** Registry version this track loads (source kind registry). @default - source.version */
  registryVersion: semver.optional(),
});

/** Used when rolloutStrategy is BlueGreen. */
const blueGreen = z.strictObject({
  /** The track the Service sends traffic to. Switching it is the rollout, switching back the rollback. */
  activeTrack: z.enum(['blue', 'green']).default('blue'),
  /** Replicas the inactive track keeps warm (each a GPU); 0 parks it and a rollback becomes a cold start. */
  standbyReplicas: z.number().int().min(0).default(1),
  tracks: z.strictObject({ blue: track.prefault({}), green: track.prefault({}) }).prefault({}),
});

const loraAdapter = z.strictObject({
  /** Name clients put in `model`. */
  name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'must be letters, digits, dot, dash or underscore'),
  /** Hugging Face repo id or a path inside the model cache. */
  path: z.string().min(1),
});

/** Flags the construct owns; passing them in extraArgs would fight the typed settings. */
export const MANAGED_FLAGS = [
  '--model',
  '--host',
  '--port',
  '--served-model-name',
  '--dtype',
  '--quantization',
  '--max-model-len',
  '--max-num-seqs',
  '--max-num-batched-tokens',
  '--gpu-memory-utilization',
  '--enforce-eager',
  '--api-key',
  '--enable-lora',
  '--max-loras',
  '--max-lora-rank',
  '--lora-modules',
  '--shutdown-timeout',
  '--download-dir',
  '--revision',
  '--enable-prefix-caching',
  '--no-enable-prefix-caching',
];

function modelFields(id: VariantId) {
  const c = CATALOG[id];
  return {
    enabled: z.boolean().default(true),
    modelId: z.string().min(1).default(c.modelId),
    /** Hugging Face revision (commit) to pin the weights to. */
    revision: z.string().min(1).optional(),
    source: modelSource.default({ kind: 'huggingface' }),
    quantization: z
      .enum(Object.keys(QUANTIZATION_MIN_CAPABILITY) as [Quantization, ...Quantization[]])
      .nullable()
      .default(c.quantization),
    /** T4 has no bf16: `half` is the only dtype every supported GPU runs. */
    dtype: z.enum(['half', 'bfloat16']).default('half'),
    maxModelLen: z.number().int().min(128).default(c.maxModelLen),
    maxNumSeqs: positiveInt.default(c.maxNumSeqs),
    maxNumBatchedTokens:
      c.maxNumBatchedTokens === undefined ? positiveInt.optional() : positiveInt.optional().default(c.maxNumBatchedTokens),
    gpuMemoryUtilization: z.number().gt(0.3).max(0.99).default(c.gpuMemoryUtilization),
    /** GiB of activations, CUDA graphs and slack the fit check adds to weights and KV. */
    overheadGiB: z.number().min(0).default(c.overheadGiB),
    enforceEager: z.boolean().default(c.enforceEager),
    enablePrefixCaching: z.boolean().default(true),
    /** More vLLM flags, verbatim. Flags the typed settings own are rejected. */
    extraArgs: z.array(z.string()).default([]),
    minReplicas: z.number().int().min(1).default(1),
    maxReplicas: z.number().int().min(1).default(1),
    /** KEDA: scale out when queued requests per replica exceed this. */
    queueDepthPerReplica: positiveInt.default(4),
    /** KEDA: scale out when mean KV-cache usage exceeds this fraction. */
    kvCacheUsageTarget: z.number().gt(0).max(1).default(0.85),
    scaleDownStabilizationSec: z.number().int().min(0).default(300),
    /**
     * `RollingUpdate` needs a cache two pods can use at once; default picks by cache kind.
     * `BlueGreen` runs two tracks (see blueGreen) so a rollback is a Service switch to warm pods.
     */
    rolloutStrategy: z.enum(['RollingUpdate', 'Recreate', 'BlueGreen']).optional(),
    blueGreen: blueGreen.prefault({}),
    cpuRequest: z.number().positive().default(3),
    cpuLimit: z.number().positive().default(3.5),
    memoryRequestGiB: z.number().positive().default(12),
    memoryLimitGiB: z.number().positive().default(14),
    /** /dev/shm size (tmpfs, counts against the memory limit). */
    shmSizeGiB: z.number().positive().default(2),
    /** Cold start budget: weights download + load + CUDA graphs. */
    startupTimeoutSec: z.number().int().min(600).default(900),
    /** Time for endpoints to drop the pod before vLLM stops taking requests. */
    preStopSleepSec: z.number().int().min(0).default(10),
    /** vLLM `--shutdown-timeout`: in-flight requests drain this long on SIGTERM. */
    shutdownTimeoutSec: z.number().int().min(0).default(45),
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
  instanceHourlyUsd: z
    .record(z.string(), z.strictObject({ onDemand: usdPerHour.optional(), spot: usdPerHour.optional() }))
    .default({}),
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
  workloads: workloads.prefault({}),
  slo: slo.prefault({}),
  models: models.prefault({}),
  pricing: pricing.prefault({}),
  /** The front door (stacks/gateway-config.ts). */
  gateway: gatewaySchema.prefault({}),
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
  readonly adapters?: readonly z.output<typeof loraAdapter>[];
};

/** A validated, fully defaulted environment. */
export type PlatformConfig = Omit<RawConfig, 'models'> & {
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
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(
      `${source} has ${problems.length} config error${problems.length === 1 ? '' : 's'}:\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const s = JSON.stringify(value);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function pathOf(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length]!;
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

function formatIssue(issue: z.core.$ZodIssue): string[] {
  const path = pathOf(issue.path);
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => {
        const where = path ? `${path}.${key}` : key;
        const known = knownKeysAt(issue.path);
        const best = known
          .map((k) => ({ k, d: editDistance(key, k) }))
          .sort((a, b) => a.d - b.d)
          .find((c) => c.d <= Math.max(2, Math.floor(key.length / 3)));
        const hint = best ? `did you mean ${path ? `${path}.` : ''}${best.k}?` : `known settings: ${known.join(', ')}`;
        return `${where} is not a known setting; ${hint}`;
      });
    case 'invalid_type':
      return [`${path} must be ${issue.expected === 'int' ? 'a whole number' : `a ${issue.expected}`}, got ${show(input)}`];
    case 'invalid_value':
      return [`${path} must be one of ${issue.values.map((v) => show(v)).join(', ')}, got ${show(input)}`];
    case 'too_small':
      return [
        issue.origin === 'array' || issue.origin === 'string'
          ? `${path} must have at least ${String(issue.minimum)} ${issue.origin === 'array' ? 'entries' : 'characters'}, got ${show(input)}`
          : `${path} must be ${issue.inclusive ? 'at least' : 'more than'} ${String(issue.minimum)}, got ${show(input)}`,
      ];
    case 'too_big':
      return [
        issue.origin === 'array' || issue.origin === 'string'
          ? `${path} must have at most ${String(issue.maximum)} ${issue.origin === 'array' ? 'entries' : 'characters'}, got ${show(input)}`
          : `${path} must be ${issue.inclusive ? 'at most' : 'less than'} ${String(issue.maximum)}, got ${show(input)}`,
      ];
    case 'invalid_union':
      return [`${path} is not an accepted value, got ${show(input)}`];
    default:
      return [`${path} ${issue.message}, got ${show(input)}`];
  }
}

const round1 = (n: number) => (Math.round(n * 10) / 10).toFixed(1);

/** Cross-field checks on a structurally valid config; returns errors and warnings. */
function crossCheck(raw: RawConfig): { errors: string[]; warnings: string[]; gpu?: GpuFloor } {
  const errors: string[] = [];
  const warnings: string[] = [];
  const prod = raw.tier === 'prod';

  const unknownTypes = raw.gpuNodes.instanceTypes.filter((t) => !GPU_INSTANCE_TYPES[t]);
  raw.gpuNodes.instanceTypes.forEach((t, i) => {
    if (!GPU_INSTANCE_TYPES[t]) {
      errors.push(
        `gpuNodes.instanceTypes[${i}] ${t} is not a known GPU instance type; use one of ${Object.keys(GPU_INSTANCE_TYPES).join(', ')}`,
      );
    }
  });
  const sizes = [
    ['systemNodes', raw.systemNodes],
    ['gpuNodes', raw.gpuNodes],
  ] as const;
  for (const [name, g] of sizes) {
    if (!(g.minSize <= g.desiredSize && g.desiredSize <= g.maxSize)) {
      errors.push(
        `${name} sizes must satisfy minSize <= desiredSize <= maxSize, got ${g.minSize} <= ${g.desiredSize} <= ${g.maxSize}`,
      );
    }
  }
  if (raw.cluster.publicAccessCidrs.includes('0.0.0.0/0')) {
    const msg =
      'cluster.publicAccessCidrs opens the API endpoint to the world, got "0.0.0.0/0"; list your office or VPN CIDRs, or none for a private endpoint';
    (prod ? errors : warnings).push(msg);
  }
  const vpc = CIDR.exec(raw.network.vpcCidr)!;
  const vpcPrefix = Number(vpc[5]);
  if (vpcPrefix < VPC_PREFIX.min || vpcPrefix > VPC_PREFIX.max) {
    errors.push(
      `network.vpcCidr must be a /${VPC_PREFIX.min} to /${VPC_PREFIX.max} range (each zone gets a quarter of it for node and pod addresses), got ${show(raw.network.vpcCidr)}; use a range like 10.0.0.0/16`,
    );
  } else {
    const address = vpc.slice(1, 5).reduce((a, o) => a * 256 + Number(o), 0);
    const network = address - (address % 2 ** (32 - vpcPrefix));
    if (network !== address) {
      const dotted = [24, 16, 8, 0].map((shift) => Math.floor(network / 2 ** shift) % 256).join('.');
      errors.push(`network.vpcCidr has host bits set, got ${show(raw.network.vpcCidr)}; use ${dotted}/${vpcPrefix}`);
    }
  }
  if (prod && raw.network.availabilityZoneCount < 3) {
    warnings.push(
      `network.availabilityZoneCount ${raw.network.availabilityZoneCount} in prod leaves SPOT capacity in fewer zones; 3 is recommended`,
    );
  }
  if (raw.workloads.image.tag === 'latest' && !raw.workloads.image.digest) {
    errors.push('workloads.image.tag must pin a release, got "latest"; use a version tag like v0.18.0 or set workloads.image.digest');
  }

  const enabled = VARIANT_IDS.filter((id) => raw.models[id].enabled);
  if (enabled.length === 0) errors.push('models enables no variant, got all four disabled; enable at least one');
  // Each image must be a vLLM release with every flag the construct emits (facts/vllm).
  const versions = vllmVersionProblems(raw);
  errors.push(...versions.errors);
  warnings.push(...versions.warnings);

  const gpu = unknownTypes.length === 0 ? gpuFloor(raw.gpuNodes.instanceTypes) : undefined;
  const floorName = gpu ? `${gpu.gpuName} (${gpu.instanceTypes.join(', ')})` : '';

  for (const id of enabled) {
    const m = raw.models[id];
    const p = `models.${id}`;
    if (m.minReplicas > m.maxReplicas) {
      errors.push(`${p}.minReplicas ${m.minReplicas} is above maxReplicas ${m.maxReplicas}; raise maxReplicas or lower minReplicas`);
    }
    if (m.cpuRequest > m.cpuLimit) errors.push(`${p}.cpuRequest ${m.cpuRequest} is above cpuLimit ${m.cpuLimit}; raise cpuLimit`);
    if (m.memoryRequestGiB > m.memoryLimitGiB) {
      errors.push(`${p}.memoryRequestGiB ${m.memoryRequestGiB} is above memoryLimitGiB ${m.memoryLimitGiB}; raise memoryLimitGiB`);
    }
    for (const arg of m.extraArgs) {
      const flag = arg.split('=')[0]!;
      if (MANAGED_FLAGS.includes(flag)) {
        errors.push(`${p}.extraArgs sets ${flag}, which a typed setting owns; use the ${p} setting instead`);
      }
    }
    const sec = m.preStopSleepSec + m.shutdownTimeoutSec;
    if (raw.gpuNodes.capacityType === 'SPOT' && sec > SPOT_SHUTDOWN_BUDGET_SEC) {
      errors.push(
        `${p}.preStopSleepSec + shutdownTimeoutSec is ${sec}s, over the ${SPOT_SHUTDOWN_BUDGET_SEC}s a SPOT node has after its ${SPOT_NOTICE_SEC}s notice; lower shutdownTimeoutSec`,
      );
    }
    const kind = raw.workloads.modelCache.kind;
    if (kind === 'pvc') {
      if (m.rolloutStrategy === 'RollingUpdate') {
        errors.push(
          `${p}.rolloutStrategy RollingUpdate cannot run with workloads.modelCache.kind pvc: the surge pod needs another GPU node and a ReadWriteOnce EBS volume attaches to one node, so the rollout deadlocks; use Recreate, or modelCache.kind shared or ephemeral`,
        );
      }
      if (m.maxReplicas > 1) {
        errors.push(
          `${p}.maxReplicas ${m.maxReplicas} cannot run with workloads.modelCache.kind pvc: a ReadWriteOnce EBS volume attaches to one node, so extra replicas never start; use modelCache.kind shared or ephemeral, or maxReplicas 1`,
        );
      }
    }
    if (m.source.kind === 'registry' && !raw.registry.bucketName) {
      errors.push(
        `${p}.source loads registry version ${m.source.version}, but registry.bucketName is not set, so the manifests cannot name the bucket; set registry.bucketName`,
      );
    }
    if (m.source.kind !== 'registry' && (m.blueGreen.tracks.blue.registryVersion || m.blueGreen.tracks.green.registryVersion)) {
      errors.push(`${p}.blueGreen.tracks sets a registryVersion, but ${p}.source.kind is ${m.source.kind}; set source.kind registry`);
    }
    if (m.rolloutStrategy === 'BlueGreen') {
      for (const t of ['blue', 'green'] as const) {
        if (m.blueGreen.tracks[t].imageTag === 'latest') {
          errors.push(`${p}.blueGreen.tracks.${t}.imageTag must pin a release, got "latest"; use a version tag like v0.18.0`);
        }
      }
    }
    if (prod && raw.gpuNodes.capacityType === 'SPOT' && m.minReplicas < 2 && !raw.gpuNodes.onDemandFallback.enabled) {
      warnings.push(
        `${p}.minReplicas 1 on SPOT with no gpuNodes.onDemandFallback means an outage at every interruption; set minReplicas 2 or enable the fallback`,
      );
    }
    if (!gpu) continue;

    if (m.dtype === 'bfloat16' && gpu.computeCapability < DTYPE_MIN_CAPABILITY.bfloat16) {
      errors.push(
        `${p}.dtype bfloat16 is not supported by ${floorName}, compute capability ${gpu.computeCapability.toFixed(1)} < ${DTYPE_MIN_CAPABILITY.bfloat16.toFixed(1)}; use dtype half`,
      );
    }
    if (m.quantization) {
      const need = QUANTIZATION_MIN_CAPABILITY[m.quantization];
      if (gpu.computeCapability < need) {
        errors.push(
          `${p}.quantization ${m.quantization} needs compute capability ${need.toFixed(1)}, but ${floorName} has ${gpu.computeCapability.toFixed(1)}; use awq on Turing GPUs`,
        );
      }
    }
    const lora = id === 'lora' ? { maxLoras: raw.models.lora.maxLoras, maxLoraRank: raw.models.lora.maxLoraRank } : undefined;
    const weightsGiB = m.modelId === CATALOG[id].modelId ? CATALOG[id].weightsGiB : undefined;
    if (weightsGiB === undefined) {
      warnings.push(`${p}.modelId ${m.modelId} is not in the catalog, so its GPU fit is not checked`);
    } else {
      const need = memoryNeed({ weightsGiB, maxModelLen: m.maxModelLen, overheadGiB: m.overheadGiB, lora });
      const budget = m.gpuMemoryUtilization * gpu.usableMemoryGiB;
      if (need.totalGiB > budget) {
        const parts = [`weights ${round1(need.weightsGiB)} GiB`, `KV ${round1(need.kvGiB)} GiB`];
        if (need.loraGiB > 0) parts.push(`LoRA ${round1(need.loraGiB)} GiB`);
        parts.push(`overhead ${round1(need.overheadGiB)} GiB`);
        errors.push(
          `${p}.maxModelLen ${m.maxModelLen} does not fit a ${floorName} at gpuMemoryUtilization ${m.gpuMemoryUtilization}: ` +
            `${parts.join(' + ')} = ${round1(need.totalGiB)} GiB > ${round1(budget)} GiB; lower maxModelLen or raise gpuMemoryUtilization`,
        );
      }
    }
    const cpuRoom = gpu.vcpu - NODE_RESERVE.cpu;
    const memRoom = gpu.memoryGiB - NODE_RESERVE.memoryGiB;
    if (m.cpuRequest > cpuRoom) {
      errors.push(
        `${p}.cpuRequest ${m.cpuRequest} does not fit a ${gpu.instanceTypes.join('/')} node, which has ${cpuRoom} CPU after system pods; lower cpuRequest`,
      );
    }
    if (m.memoryRequestGiB > memRoom) {
      errors.push(
        `${p}.memoryRequestGiB ${m.memoryRequestGiB} does not fit a ${gpu.instanceTypes.join('/')} node, which has ${memRoom} GiB after system pods; lower memoryRequestGiB`,
      );
    }
    if (m.shmSizeGiB >= m.memoryLimitGiB) {
      errors.push(`${p}.shmSizeGiB ${m.shmSizeGiB} must be below memoryLimitGiB ${m.memoryLimitGiB}: /dev/shm is counted as memory`);
    }
  }
  if (unknownTypes.length === 0 && enabled.length > 0) {
    // Every model pod asks for one GPU. Past what the GPU groups can hold, KEDA adds pods the
    // node autoscaler can never place: they would stay Pending forever.
    const gpusPerNode = Math.min(...raw.gpuNodes.instanceTypes.map((t) => GPU_INSTANCE_TYPES[t]!.gpuCount));
    const fallback = raw.gpuNodes.onDemandFallback;
    const nodes = raw.gpuNodes.maxSize + (fallback.enabled ? fallback.maxSize : 0);
    // A blue/green standby track holds GPUs too.
    const need = enabled.reduce((sum, id) => {
      const m = raw.models[id];
      return sum + m.maxReplicas + (m.rolloutStrategy === 'BlueGreen' ? m.blueGreen.standbyReplicas : 0);
    }, 0);
    if (need > nodes * gpusPerNode) {
      const groups = fallback.enabled
        ? `gpuNodes.maxSize ${raw.gpuNodes.maxSize} + onDemandFallback.maxSize ${fallback.maxSize}`
        : `gpuNodes.maxSize ${raw.gpuNodes.maxSize}`;
      const perModel = enabled
        .map((id) => {
          const m = raw.models[id];
          const standby = m.rolloutStrategy === 'BlueGreen' ? m.blueGreen.standbyReplicas : 0;
          return `${id} ${m.maxReplicas}${standby ? ` + ${standby} standby` : ''}`;
        })
        .join(', ');
      (prod ? errors : warnings).push(
        `${groups} holds ${nodes * gpusPerNode} GPU${nodes * gpusPerNode === 1 ? '' : 's'}, but the enabled models scale to ${need} (${perModel}), so the extra pods would stay Pending forever; raise gpuNodes.maxSize or lower maxReplicas`,
      );
    }
  }
  const named = Object.fromEntries(VARIANT_IDS.map((id) => [id, { ...raw.models[id], name: CATALOG[id].name }]));
  const front = checkGateway({ tier: raw.tier, gateway: raw.gateway, models: named });
  errors.push(...front.errors);
  warnings.push(...front.warnings);
  return { errors, warnings, gpu };
}

function resolveModel(id: VariantId, m: RawModel, defaults: z.output<typeof slo>, cacheKind: string): ModelConfig {
  return {
    ...m,
    id,
    name: CATALOG[id].name,
    rolloutStrategy: m.rolloutStrategy ?? (cacheKind === 'pvc' ? 'Recreate' : 'RollingUpdate'),
    slo: { ...defaults, ...m.slo },
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
export function parsePlatformConfig(settings: Record<string, unknown>, environment: string, source: string): PlatformConfig {
  const parsed = platformSchema.safeParse(settings, { reportInput: true });
  if (!parsed.success) throw new ConfigError(source, parsed.error.issues.flatMap(formatIssue));
  const raw = parsed.data;
  const { errors, warnings, gpu } = crossCheck(raw);
  if (errors.length > 0 || !gpu) throw new ConfigError(source, errors);
  const models = Object.fromEntries(
    VARIANT_IDS.map((id) => [id, resolveModel(id, raw.models[id], raw.slo, raw.workloads.modelCache.kind)]),
  ) as Record<VariantId, ModelConfig>;
  return {
    ...raw,
    environment,
    models,
    enabledModels: VARIANT_IDS.filter((id) => models[id].enabled).map((id) => models[id]),
    gpu,
    warnings,
  };
}

/**
 * Split a Pulumi config map (`llm-platform:models` → value) into this project's settings,
 * dropping other namespaces (`aws:region`) and the secret keys.
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

/** Read and validate one `Pulumi.<env>.yaml` without the Pulumi runtime (the cdk8s path). */
export function loadEnvironmentFile(file: string): PlatformConfig {
  const environment = environmentOf(file);
  let doc: { config?: Record<string, unknown> } | null;
  try {
    doc = parseYaml(readFileSync(file, 'utf8')) as typeof doc;
  } catch (e) {
    throw new ConfigError(basename(file), [`the file is not valid YAML: ${(e as Error).message.split('\n')[0]}`]);
  }
  const all = doc?.config ?? {};
  if (typeof all !== 'object' || Array.isArray(all)) {
    throw new ConfigError(basename(file), [`config must be a mapping of settings, got ${show(all)}`]);
  }
  const region = all['aws:region'];
  const config = parsePlatformConfig(projectSettings(all), environment, basename(file));
  return typeof region === 'string' && region ? { ...config, region } : config;
}
