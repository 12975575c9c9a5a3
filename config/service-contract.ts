/**
 * What an environment promises the clients of its models: per enabled variant, the SLO the
 * post-deploy stage gates on, the LoRA adapters it serves, and how it scales and rolls out.
 *
 * llm-bench reads this contract (`postdeploy --env-config Pulumi.<env>.yaml`) rather than the
 * platform config: the bench sees the few values it checks, and the config can change shape
 * without the bench noticing.
 */
import { loadEnvironmentFile, type PlatformConfig } from './platform';
import { collectorHttpEndpoint } from './tracing';

/** The latency and error objectives of one variant, as `slo` / `models.<id>.slo` set them. */
export interface SloContract {
  readonly ttftP95Ms: number;
  readonly itlP95Ms: number;
  readonly errorRatio: number;
}

/** One enabled variant. */
export interface VariantContract {
  /** Served model name and Kubernetes name, e.g. `mistral-7b-awq`. */
  readonly name: string;
  readonly slo: SloContract;
  /** Names of the LoRA adapters the variant serves (clients put them in `model`). */
  readonly adapters: readonly string[];
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly rolloutStrategy: 'RollingUpdate' | 'Recreate' | 'BlueGreen';
}

/** One environment's promises. */
export interface ServiceContract {
  /** Environment (stack) name, e.g. `prod`. */
  readonly environment: string;
  /** Namespace of the model workloads. */
  readonly namespace: string;
  /** Enabled variants, in catalog order. */
  readonly variants: readonly VariantContract[];
  /** Where distributed load workers run (`postdeploy --load-workers N`). */
  readonly bench: BenchContract;
  /** The collector's OTLP/HTTP endpoint when tracing is on: where llm-bench in the cluster sends its spans. */
  readonly otlpEndpoint?: string;
}

/** What a load worker Job of this environment looks like. */
export interface BenchContract {
  readonly namespace: string;
  /** The llm-bench image; absent when the config names none. */
  readonly image?: string;
  readonly workerCpu: number;
  readonly workerMemoryGiB: number;
}

/** The contract of a validated config. */
export function serviceContract(config: PlatformConfig): ServiceContract {
  return {
    environment: config.environment,
    namespace: config.workloads.namespace,
    variants: config.enabledModels.map((m) => ({
      name: m.name,
      slo: { ttftP95Ms: m.slo.ttftP95Ms, itlP95Ms: m.slo.itlP95Ms, errorRatio: m.slo.errorRatio },
      adapters: (m.adapters ?? []).map((a) => a.name),
      minReplicas: m.minReplicas,
      maxReplicas: m.maxReplicas,
      rolloutStrategy: m.rolloutStrategy,
    })),
    bench: {
      namespace: config.workloads.benchNamespace,
      ...(config.bench.image !== undefined && { image: config.bench.image }),
      workerCpu: config.bench.workerCpu,
      workerMemoryGiB: config.bench.workerMemoryGiB,
    },
    ...(config.tracing.enabled && { otlpEndpoint: collectorHttpEndpoint(config.tracing) }),
  };
}

/**
 * Reads, validates and reduces one `Pulumi.<env>.yaml`.
 * @throws ConfigError with every problem of the file, as `npm run synth` reports them
 */
export function loadServiceContract(file: string): ServiceContract {
  return serviceContract(loadEnvironmentFile(file));
}
