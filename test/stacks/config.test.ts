import { describe, expect, it } from 'vitest';
import { CATALOG, VARIANT_IDS, memoryNeed } from '../../constructs/catalog';
import { GPUS } from '../../constructs/hardware';
import { VLLM_SHORT_ALIASES } from '../../constructs/vllm-flags';
import { CURRENT_VLLM } from '../../facts/vllm';
import { ConfigError, MANAGED_FLAGS, environmentOf, parseConfigMap, parsePlatformConfig, projectSettings } from '../../config/platform';
import { emittedFlags } from '../../config/vllm-version';
import { realEnvironments } from '../support/manifests';

const SOURCE = 'Pulumi.test.yaml';
/** What prod requires besides the tier: a runbook address alerts can link. */
const PROD = { tier: 'prod', observability: { runbookBaseUrl: 'https://github.com/acme/llm-platform/blob/main/docs/runbooks' } };
const parse = (settings: Record<string, unknown>, environment = 'test') => parsePlatformConfig(settings, environment, SOURCE);

/** The problems a bad config is rejected with; fails if it is accepted. */
function problemsOf(settings: Record<string, unknown>): readonly string[] {
  try {
    parse(settings);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).source).toBe(SOURCE);
    return (e as ConfigError).problems;
  }
  throw new Error('config was accepted');
}

describe('defaults', () => {
  const c = parse({});

  it('enables the four catalog variants with their catalog tuning', () => {
    expect(c.enabledModels.map((m) => m.name)).toEqual(['mistral-7b-awq', 'mistral-7b-fp16', 'mistral-7b-lora', 'mistral-7b-judge']);
    for (const id of VARIANT_IDS) {
      expect(c.models[id].modelId).toBe(CATALOG[id].modelId);
      expect(c.models[id].maxModelLen).toBe(CATALOG[id].maxModelLen);
      expect(c.models[id].dtype).toBe('half');
    }
    expect(c.models.awq.quantization).toBe('awq');
    expect(c.models.fp16.quantization).toBeNull();
    expect(c.models.fp16).toMatchObject({ maxModelLen: 1024, maxNumSeqs: 4 });
    expect(c.models.lora).toMatchObject({ maxLoras: 4, maxLoraRank: 16, adapters: [] });
  });

  it('plans for SPOT single-T4 g4dn nodes (two sizes: two capacity pools per zone) and pins the image', () => {
    expect(c.gpuNodes.instanceTypes).toEqual(['g4dn.xlarge', 'g4dn.2xlarge']);
    expect(c.gpuNodes.capacityType).toBe('SPOT');
    expect(c.gpu).toMatchObject({ gpuName: 'T4', usableMemoryGiB: 14.75, computeCapability: 7.5 });
    expect(c.workloads.image.tag).toMatch(/^v\d+\.\d+\.\d+$/);
  });

  it('keeps an explicit 0 instead of replacing it with a default', () => {
    expect(parse({ models: { awq: { preStopSleepSec: 0 } } }).models.awq.preStopSleepSec).toBe(0);
  });

  it('gives FP16 a memory utilization that fits a T4 and AWQ room for its full context', () => {
    for (const id of VARIANT_IDS) {
      const m = c.models[id];
      const lora = id === 'lora' ? { maxLoras: c.models.lora.maxLoras!, maxLoraRank: c.models.lora.maxLoraRank! } : undefined;
      const need = memoryNeed({ weightsGiB: CATALOG[id].weightsGiB, maxModelLen: m.maxModelLen, overheadGiB: m.overheadGiB, lora });
      expect(need.totalGiB, id).toBeLessThanOrEqual(m.gpuMemoryUtilization * GPUS.t4.usableMemoryGiB);
    }
    expect(c.models.fp16.gpuMemoryUtilization).toBeGreaterThan(0.9);
  });

  it('picks Recreate for a per-variant EBS cache and RollingUpdate for a shared one', () => {
    expect(c.models.awq.rolloutStrategy).toBe('Recreate');
    expect(parse({ workloads: { modelCache: { kind: 'shared' } } }).models.awq.rolloutStrategy).toBe('RollingUpdate');
    expect(parse({ workloads: { modelCache: { kind: 'ephemeral' } } }).models.awq.rolloutStrategy).toBe('RollingUpdate');
  });

  it('merges a variant SLO override over the environment SLO, key by key', () => {
    const s = parse({
      slo: { ttftP95Ms: 700, itlP95Ms: 60 },
      models: { fp16: { slo: { ttftP95Ms: 2000 } }, awq: { slo: { itlP95Ms: 90 } } },
    });
    expect(s.models.awq.slo).toMatchObject({ ttftP95Ms: 700, itlP95Ms: 90 });
    expect(s.models.fp16.slo).toMatchObject({ ttftP95Ms: 2000, itlP95Ms: 60 });
    expect(s.models.fp16.slo.ttftP95Ms).toBe(2000);
    expect(s.models.awq.slo.ttftP95Ms).toBe(700);
    expect(s.models.fp16.slo.itlP95Ms).toBe(s.slo.itlP95Ms);
  });

  it('plans a mixed instance list for its weakest GPU', () => {
    const m = parse({ gpuNodes: { instanceTypes: ['g5.xlarge', 'g4dn.xlarge'] } });
    expect(m.gpu).toMatchObject({ gpuName: 'T4', usableMemoryGiB: 14.75, computeCapability: 7.5 });
  });
});

describe('validation', () => {
  it('fails when FP16 asks for 8192 tokens on a T4', () => {
    expect(problemsOf({ models: { fp16: { maxModelLen: 8192 } } })).toEqual([
      'models.fp16.maxModelLen 8192 does not fit a T4 (g4dn.xlarge, g4dn.2xlarge) at gpuMemoryUtilization 0.97: weights 13.5 GiB + KV 1.0 GiB + overhead 0.6 GiB = 15.1 GiB > 14.3 GiB; lower maxModelLen or raise gpuMemoryUtilization',
    ]);
  });

  it('fails when FP16 runs at the usual 0.9 utilization', () => {
    expect(problemsOf({ models: { fp16: { gpuMemoryUtilization: 0.9 } } })).toEqual([
      'models.fp16.maxModelLen 1024 does not fit a T4 (g4dn.xlarge, g4dn.2xlarge) at gpuMemoryUtilization 0.9: weights 13.5 GiB + KV 0.1 GiB + overhead 0.6 GiB = 14.2 GiB > 13.3 GiB; lower maxModelLen or raise gpuMemoryUtilization',
    ]);
  });

  it('fails when LoRA slots push the adapter variant over the budget', () => {
    expect(problemsOf({ models: { lora: { maxLoras: 16, maxLoraRank: 64, maxModelLen: 32768 } } })).toEqual([
      'models.lora.maxModelLen 32768 does not fit a T4 (g4dn.xlarge, g4dn.2xlarge) at gpuMemoryUtilization 0.9: weights 3.9 GiB + KV 4.0 GiB + LoRA 5.0 GiB + overhead 1.0 GiB = 13.9 GiB > 13.3 GiB; lower maxModelLen or raise gpuMemoryUtilization',
    ]);
  });

  it('fails when a variant asks for bf16 on a T4', () => {
    expect(problemsOf({ models: { awq: { dtype: 'bfloat16' } } })).toEqual([
      'models.awq.dtype bfloat16 is not supported by T4 (g4dn.xlarge, g4dn.2xlarge), compute capability 7.5 < 8.0; use dtype half',
    ]);
  });

  it('accepts bf16 on an Ampere-only node group', () => {
    expect(parse({ gpuNodes: { instanceTypes: ['g5.xlarge'] }, models: { awq: { dtype: 'bfloat16' } } }).models.awq.dtype).toBe('bfloat16');
  });

  it('fails when a quantization kernel needs a newer GPU', () => {
    expect(problemsOf({ models: { judge: { quantization: 'awq_marlin' } } })).toEqual([
      'models.judge.quantization awq_marlin needs compute capability 8.0, but T4 (g4dn.xlarge, g4dn.2xlarge) has 7.5; use awq on Turing GPUs',
    ]);
  });

  it('fails when a setting name is misspelled, and suggests the right one', () => {
    expect(problemsOf({ models: { awq: { maxModelLength: 2048 } }, netwrk: {} })).toEqual([
      'models.awq.maxModelLength is not a known setting; did you mean models.awq.maxModelLen?',
      'netwrk is not a known setting; did you mean network?',
    ]);
  });

  it('fails when a per-variant EBS cache is combined with surge rollouts or extra replicas', () => {
    expect(problemsOf({ models: { awq: { rolloutStrategy: 'RollingUpdate', maxReplicas: 2 } } })).toEqual([
      'models.awq.rolloutStrategy RollingUpdate cannot run with workloads.modelCache.kind pvc: the surge pod needs another GPU node and a ReadWriteOnce EBS volume attaches to one node, so the rollout deadlocks; use Recreate, or modelCache.kind shared or ephemeral',
      'models.awq.maxReplicas 2 cannot run with workloads.modelCache.kind pvc: a ReadWriteOnce EBS volume attaches to one node, so extra replicas never start; use modelCache.kind shared or ephemeral, or maxReplicas 1',
    ]);
  });

  it('fails when the image tag is missing or latest', () => {
    expect(problemsOf({ workloads: { image: { tag: '' } } })).toEqual([
      'workloads.image.tag must be an image tag: up to 128 letters, digits, _, . or -, not starting with . or -, got ""',
    ]);
    expect(problemsOf({ workloads: { image: { tag: 'latest' } } })).toEqual([
      'workloads.image.tag must pin a release, got "latest"; use a version tag like v0.18.0 or set workloads.image.digest',
    ]);
  });

  it('fails when the registry sync image is not pinned', () => {
    expect(problemsOf({ registry: { syncImage: 'amazon/aws-cli:latest' } })).toEqual([
      'registry.syncImage must be pinned by a tag other than latest or by digest, got "amazon/aws-cli:latest"',
    ]);
    expect(problemsOf({ registry: { syncImage: 'amazon/aws-cli' } })).toHaveLength(1);
  });

  it('fails when a GPU instance type is unknown', () => {
    expect(problemsOf({ gpuNodes: { instanceTypes: ['g4dn.xlarge', 'p3.2xlarge'] } })).toEqual([
      'gpuNodes.instanceTypes[1] p3.2xlarge is not a known GPU instance type; use one of g4dn.xlarge, g4dn.2xlarge, g4dn.4xlarge, g4dn.8xlarge, g4dn.12xlarge, g5.xlarge, g5.2xlarge, g6.xlarge, g6.2xlarge, g6e.xlarge',
    ]);
  });

  it('fails when extraArgs sets a flag a typed setting owns', () => {
    expect(problemsOf({ models: { awq: { extraArgs: ['--max-model-len=8192', '--disable-log-requests'] } } })).toEqual([
      'models.awq.extraArgs[0] "--max-model-len=8192" sets --max-model-len, which models.awq.maxModelLen owns; set models.awq.maxModelLen instead',
    ]);
  });

  it('fails when the drain does not fit a SPOT interruption', () => {
    expect(problemsOf({ models: { judge: { shutdownTimeoutSec: 100 } } })).toEqual([
      'models.judge.preStopSleepSec + shutdownTimeoutSec is 110s, over the 90s a SPOT node has after its 120s notice; lower shutdownTimeoutSec',
    ]);
  });

  it('fails when requests exceed a g4dn.xlarge after system pods', () => {
    expect(problemsOf({ models: { awq: { cpuRequest: 4, cpuLimit: 4, memoryRequestGiB: 15, memoryLimitGiB: 15 } } })).toEqual([
      'models.awq.cpuRequest 4 does not fit a g4dn.xlarge node, which has 3.5 CPU after system pods; lower cpuRequest',
      'models.awq.memoryRequestGiB 15 does not fit a g4dn.xlarge node, which has 13.5 GiB after system pods; lower memoryRequestGiB',
    ]);
  });

  it('fails when replica bounds are inverted and wrong types are given, reporting all at once', () => {
    expect(problemsOf({ workloads: { modelCache: { kind: 'shared' } }, models: { awq: { minReplicas: 3, maxReplicas: 2 } } })).toEqual([
      'models.awq.minReplicas 3 is above maxReplicas 2; raise maxReplicas or lower minReplicas',
    ]);
    expect(problemsOf({ models: { awq: { maxModelLen: '4k', enabled: 'yes' } }, tier: 'production' })).toEqual([
      'tier must be one of "dev", "staging", "prod", got "production"',
      'models.awq.enabled must be a boolean, got "yes"',
      'models.awq.maxModelLen must be a number, got "4k"',
    ]);
  });

  it('fails when every variant is disabled', () => {
    const off = Object.fromEntries(VARIANT_IDS.map((id) => [id, { enabled: false }]));
    expect(problemsOf({ models: off })).toEqual(['models enables no variant, got all four disabled; enable at least one']);
  });

  it('fails when prod opens the API endpoint to the world, and warns in dev', () => {
    const open = { cluster: { publicAccessCidrs: ['0.0.0.0/0'] } };
    const msg =
      'cluster.publicAccessCidrs opens the API endpoint to the world, got "0.0.0.0/0"; list your office or VPN CIDRs, or none for a private endpoint';
    expect(problemsOf({ ...open, ...PROD, network: { availabilityZoneCount: 3 } })).toEqual([msg]);
    expect(parse(open).warnings).toEqual([msg]);
  });

  it('warns when prod serves from one SPOT replica without a fallback', () => {
    const c = parse({
      ...PROD,
      network: { availabilityZoneCount: 3 },
      models: { fp16: { enabled: false }, lora: { enabled: false }, judge: { enabled: false } },
    });
    expect(c.warnings).toEqual([
      'models.awq.minReplicas 1 on SPOT with no gpuNodes.onDemandFallback means an outage at every interruption; set minReplicas 2 or enable the fallback',
    ]);
  });

  it('skips checks for disabled variants', () => {
    expect(parse({ models: { fp16: { enabled: false, maxModelLen: 32768 } } }).enabledModels.map((m) => m.id)).toEqual([
      'awq',
      'lora',
      'judge',
    ]);
  });
});

describe('one pass', () => {
  it('reports a latest tag next to schema errors', () => {
    expect(problemsOf({ tier: 'production', workloads: { image: { tag: 'latest' } }, models: { awq: { maxModelLen: '4k' } } })).toEqual([
      'tier must be one of "dev", "staging", "prod", got "production"',
      'models.awq.maxModelLen must be a number, got "4k"',
      'workloads.image.tag must pin a release, got "latest"; use a version tag like v0.18.0 or set workloads.image.digest',
    ]);
  });

  it('skips a check that needs a value that failed, and only that check', () => {
    const shared = { workloads: { modelCache: { kind: 'shared' } } };
    expect(
      problemsOf({ ...shared, models: { awq: { minReplicas: 3, maxReplicas: 'two' }, judge: { minReplicas: 3, maxReplicas: 2 } } }),
    ).toEqual([
      'models.awq.maxReplicas must be a number, got "two"',
      'models.judge.minReplicas 3 is above maxReplicas 2; raise maxReplicas or lower minReplicas',
    ]);
  });

  it('does not check a misspelled setting at its default', () => {
    // maxReplicas stays at its default of 1: "minReplicas 3 is above maxReplicas 1" would be about a value nobody wrote.
    expect(problemsOf({ workloads: { modelCache: { kind: 'shared' } }, models: { awq: { minReplicas: 3, maxReplicaz: 4 } } })).toEqual([
      'models.awq.maxReplicaz is not a known setting; did you mean models.awq.maxReplicas?',
    ]);
  });

  it('reports a bad list entry and still checks the entries around it', () => {
    expect(problemsOf({ models: { awq: { extraArgs: ['--max_model_len=99999', '--chat-template\n{{x}}', '-qgptq'] } } })).toEqual([
      'models.awq.extraArgs[1] contains a newline (U+000A) at character 16, got "--chat-template\\n{{x}}"; remove it',
      'models.awq.extraArgs[0] "--max_model_len=99999" sets --max-model-len, which models.awq.maxModelLen owns; set models.awq.maxModelLen instead',
      'models.awq.extraArgs[2] "-qgptq" sets --quantization, which models.awq.quantization owns; set models.awq.quantization instead',
    ]);
  });
});

describe('bounds', () => {
  it('accepts the largest values Kubernetes and EBS take', () => {
    const c = parse({
      workloads: { modelCache: { sizeGiB: 16384 } },
      gpuNodes: { rootVolumeGiB: 16384 },
      models: { awq: { scaleDownStabilizationSec: 3600, maxNumSeqs: 2147483647, startupTimeoutSec: 86400 } },
    });
    expect(c.workloads.modelCache.sizeGiB).toBe(16384);
    expect(c.models.awq).toMatchObject({ scaleDownStabilizationSec: 3600, maxNumSeqs: 2147483647 });
  });

  it('fails one past each of them', () => {
    expect(
      problemsOf({
        workloads: { modelCache: { sizeGiB: 16385 } },
        models: { awq: { scaleDownStabilizationSec: 3601, maxNumSeqs: 2147483648 } },
      }),
    ).toEqual([
      'workloads.modelCache.sizeGiB must be at most 16384 (the largest gp3 volume EBS creates), got 16385',
      'models.awq.maxNumSeqs must be at most 2147483647 (the largest value of the int32 Kubernetes field it fills), got 2147483648',
      'models.awq.scaleDownStabilizationSec must be at most 3600 (the longest stabilization window the HorizontalPodAutoscaler accepts), got 3601',
    ]);
  });

  it('accepts flags that no typed setting owns, however they are spelled', () => {
    const extraArgs = [
      '--disable-log-requests',
      '--tool-call-parser',
      'mistral',
      '--enable_auto_tool_choice',
      '-O3',
      '--max-num-partial-prefills=2',
    ];
    expect(parse({ models: { awq: { extraArgs } } }).models.awq.extraArgs).toEqual(extraArgs);
  });

  it('accepts images from any registry, pinned by tag or digest', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const c = parse({
      workloads: {
        image: {
          repository: '123456789012.dkr.ecr.us-east-1.amazonaws.com/vllm/vllm-openai',
          tag: 'v0.18.0',
          digest,
          vllmVersion: '0.18.0',
        },
      },
      registry: { syncImage: `public.ecr.aws/aws-cli/aws-cli@${digest}` },
    });
    expect(c.workloads.image.digest).toBe(digest);
  });
});

describe('managed flags', () => {
  it('cover every flag the construct emits, so extraArgs cannot override one', () => {
    const c = parse({
      registry: { bucketName: 'llm-models-test' },
      models: { awq: { source: { kind: 'registry', version: '1.2.0', loader: 'stream' }, revision: 'abc123', enforceEager: true } },
    });
    const emitted = new Set(VARIANT_IDS.flatMap((id) => emittedFlags(id, c.models[id])));
    expect(emitted).toContain('--load-format');
    expect(emitted).toContain('--enable-lora');
    for (const flag of emitted) expect(MANAGED_FLAGS, flag).toContain(flag);
  });

  it('are flags of vLLM 0.18 as facts/vllm records them, whose aliases agree with the normalizer', () => {
    const recorded = CURRENT_VLLM.cli.flags;
    // --uds (vllm/entrypoints/openai/cli_args.py FrontendArgs.uds) replaces host and port; facts/vllm records only what the construct emits.
    expect(MANAGED_FLAGS.filter((f) => !recorded[f])).toEqual(['--uds']);
    for (const [flag, fact] of Object.entries(recorded)) {
      for (const alias of fact.aliases ?? []) expect(VLLM_SHORT_ALIASES[alias], alias).toBe(flag);
    }
  });
});

describe('a config map as Pulumi hands it over', () => {
  const decode = (v: unknown) => {
    try {
      return JSON.parse(String(v)) as unknown;
    } catch {
      return v;
    }
  };
  const map = (all: Record<string, string>) => parseConfigMap(all, 'test', SOURCE, decode);
  const problemsOfMap = (all: Record<string, string>) => {
    try {
      map(all);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as ConfigError).problems;
    }
    throw new Error('config was accepted');
  };

  it('reads llm-platform settings from JSON strings and passes aws keys and secrets by', () => {
    const c = map({
      'aws:region': 'us-east-1',
      'aws:defaultTags': JSON.stringify({ tags: { team: 'ml' } }),
      'llm-platform:tier': 'prod',
      'llm-platform:network': JSON.stringify({ availabilityZoneCount: 3 }),
      'llm-platform:observability': JSON.stringify(PROD.observability),
      'llm-platform:hfToken': 'hf_secret',
    });
    expect(c.tier).toBe('prod');
    expect(c.network.availabilityZoneCount).toBe(3);
  });

  it('fails on keys nothing reads, each with a suggestion, and still checks the settings', () => {
    expect(
      problemsOfMap({
        'aws:regoin': 'us-east-1',
        'llm-platfrom:tier': 'prod',
        'llm-platform:cluster': JSON.stringify({ publicAccessCidrs: ['0.0.0.0/0'] }),
        'llm-platform:modles': '{}',
      }),
    ).toEqual([
      'aws:regoin is not a setting of the AWS provider (@pulumi/aws 7.48.0), so it would be ignored; did you mean aws:region?',
      'llm-platfrom:tier is in namespace llm-platfrom, which nothing in this project reads, so it would be ignored; did you mean llm-platform:tier?',
      'llm-platform:modles is not a known setting; did you mean llm-platform:models?',
      'cluster.publicAccessCidrs opens the API endpoint to the world, got "0.0.0.0/0"; list your office or VPN CIDRs, or none for a private endpoint',
      'observability.runbookBaseUrl is required in prod so alerts link runbooks Alertmanager, Slack and PagerDuty can open, got nothing; set the web address of docs/runbooks in your repository, e.g. https://github.com/acme/llm-platform/blob/main/docs/runbooks',
    ]);
  });

  it('fails when no llm-platform setting reaches the program', () => {
    expect(problemsOfMap({ 'aws:region': 'us-east-1', 'llm-platform:hfToken': 'x' })).toEqual([
      'config sets no llm-platform:* setting, got only ["aws:region","llm-platform:hfToken"]; add this environment\'s settings, at least llm-platform:tier (see README "Configure an environment")',
    ]);
  });
});

describe('stack settings files', () => {
  it('reads only llm-platform keys and never the secrets', () => {
    expect(
      projectSettings({
        'aws:region': 'us-east-1',
        'llm-platform:tier': 'prod',
        'llm-platform:hfToken': { secure: 'v1:abc' },
        'llm-platform:apiKey': 'plain',
        'other:thing': 1,
      }),
    ).toEqual({ tier: 'prod' });
  });

  it('names the environment after the file', () => {
    expect(environmentOf('/x/Pulumi.prod.yaml')).toBe('prod');
    expect(() => environmentOf('/x/prod.yaml')).toThrow('/x/prod.yaml is not a stack settings file; expected a name like Pulumi.dev.yaml');
  });

  it.each(realEnvironments())('%s is valid and warning-free', (env, c) => {
    expect(c.environment).toBe(env);
    expect(c.warnings).toEqual([]);
  });

  it('prod runs every variant with two replicas across three zones and a fallback', () => {
    const prod = realEnvironments().find(([e]) => e === 'prod')![1];
    expect(prod.tier).toBe('prod');
    expect(prod.enabledModels).toHaveLength(4);
    expect(prod.enabledModels.every((m) => m.minReplicas >= 2)).toBe(true);
    expect(prod.network.availabilityZoneCount).toBe(3);
    expect(prod.gpuNodes.onDemandFallback.enabled).toBe(true);
    expect(prod.cluster.publicAccessCidrs).toEqual([]);
  });
});
