/**
 * The Pulumi side of configuration: read the stack's `llm-platform:*` settings, the AWS region
 * and the two secrets from the Pulumi runtime, and validate all of it before the program
 * registers a single resource (Pulumi does not roll back a half-applied `up`).
 */
import * as pulumi from '@pulumi/pulumi';
import { prometheusUrl } from '../infra/addons';
import { ConfigError, PROJECT, SECRET_KEYS, type PlatformConfig, parseConfigMap } from '../config/platform';

type SecretKey = (typeof SECRET_KEYS)[number];

/** Everything the Pulumi program reads from the stack configuration. */
export interface StackSettings {
  readonly platform: PlatformConfig;
  readonly region: string;
  /** Secret values by key; `apiKey` only when the workloads require auth. */
  readonly secrets: Readonly<Partial<Record<SecretKey, pulumi.Output<string>>>>;
  /** Legal but probably unintended: the schema's warnings plus the infra-only ones. */
  readonly warnings: readonly string[];
}

/**
 * Whether Pulumi received `key` as a secret. The SDK has answered this since 2.x but marks it
 * internal; without it the plain-text check is skipped rather than guessed.
 */
function isSecretConfig(key: string): boolean {
  const runtime = pulumi.runtime as typeof pulumi.runtime & { isConfigSecret?: (k: string) => boolean };
  return runtime.isConfigSecret ? runtime.isConfigSecret(key) : true;
}

/** Pulumi hands object settings over as JSON strings and plain strings as-is. */
function decode(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** The secrets an environment needs: the HF token always, the API key when auth is on. */
export function requiredSecrets(platform: Pick<PlatformConfig, 'workloads'> | undefined): SecretKey[] {
  return SECRET_KEYS.filter((k) => k !== 'apiKey' || (platform?.workloads.enableAuth ?? true));
}

/**
 * Read and validate the current stack's configuration.
 *
 * @throws ConfigError listing every problem: keys nothing reads, schema and cross-field errors,
 *   a missing region, a missing secret, or a secret stored in plain text
 */
export function loadStackSettings(): StackSettings {
  const stack = pulumi.getStack();
  const source = `Pulumi.${stack}.yaml`;
  const all = pulumi.runtime.allConfig();
  const problems: string[] = [];

  let platform: PlatformConfig | undefined;
  try {
    // Every key Pulumi hands over is checked, not only ours: a misspelled namespace
    // (llm-platfrom:tier) or provider key (aws:regoin) would otherwise leave a default in place.
    platform = parseConfigMap(all, stack, source, (v) => decode(String(v)));
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    problems.push(...e.problems);
  }

  const rawRegion = all['aws:region'];
  const region = rawRegion === undefined ? undefined : decode(rawRegion);
  if (typeof region !== 'string' || !region) problems.push(`aws:region is not set; run pulumi config set aws:region us-east-1 -s ${stack}`);

  const secrets: Partial<Record<SecretKey, pulumi.Output<string>>> = {};
  for (const key of requiredSecrets(platform)) {
    const full = `${PROJECT}:${key}`;
    const value = all[full];
    if (value === undefined || value === '') {
      problems.push(`${key} is not set; run pulumi config set --secret ${full} <value> -s ${stack}`);
    } else if (!isSecretConfig(full)) {
      problems.push(
        `${key} is stored in plain text in ${source}; remove it and run pulumi config set --secret ${full} <value> -s ${stack}`,
      );
    } else {
      secrets[key] = pulumi.secret(value);
    }
  }

  if (problems.length > 0 || !platform || typeof region !== 'string') throw new ConfigError(source, problems);

  const warnings = [...platform.warnings];
  const monitoring = platform.workloads.monitoring;
  const installed = prometheusUrl(monitoring.namespace);
  if (monitoring.prometheusUrl !== installed) {
    warnings.push(
      `workloads.monitoring.prometheusUrl ${monitoring.prometheusUrl} is not the Prometheus this stack installs (${installed}); KEDA will query the former`,
    );
  }
  return { platform: { ...platform, region }, region, secrets, warnings };
}
