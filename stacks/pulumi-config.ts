/**
 * The Pulumi side of configuration: read the stack's `llm-platform:*` settings, the AWS region
 * and the two secrets from the Pulumi runtime, and validate all of it before the program
 * registers a single resource (Pulumi does not roll back a half-applied `up`).
 */
import * as pulumi from '@pulumi/pulumi';
import { prometheusUrl } from '../infra/addons';
import { COST_TAG_KEYS, ConfigError, PROJECT, SECRET_KEYS, type PlatformConfig, parseConfigMap } from '../config/platform';

type SecretKey = (typeof SECRET_KEYS)[number];

/** Everything the Pulumi program reads from the stack configuration. */
export interface StackSettings {
  readonly platform: PlatformConfig;
  readonly region: string;
  /**
   * The stack's other `aws:*` settings (profile, assumeRoles, …), for the program's explicit AWS
   * provider, which does not read the stack configuration itself; secret ones stay secret.
   */
  readonly awsProviderArgs: Readonly<Record<string, unknown>>;
  /** `aws:defaultTags.tags`: the stack's own tags, put under the cost tags on every resource. */
  readonly defaultTags: Readonly<Record<string, string>>;
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

/**
 * The tags of `aws:defaultTags` (`{tags: {…}}`), which the program puts under its cost tags; one
 * that would replace a cost tag is a problem. Its shape is the key check's business (config-keys).
 */
function userTags(value: unknown, problems: string[]): Record<string, string> {
  const tags = (value as { tags?: unknown } | undefined)?.tags;
  if (tags === null || typeof tags !== 'object' || Array.isArray(tags)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(tags)) {
    if ((Object.values(COST_TAG_KEYS) as string[]).includes(k)) {
      problems.push(
        `aws:defaultTags.tags.${k} would replace a tag the stack sets, got ${JSON.stringify(v)}; ` +
          `remove it (the stack tags environment and project itself; set llm-platform:costCenter for cost-center)`,
      );
    } else out[k] = String(v);
  }
  return out;
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

  const awsProviderArgs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(all)) {
    if (!key.startsWith('aws:') || key === 'aws:region' || key === 'aws:defaultTags') continue;
    const v = decode(String(value));
    awsProviderArgs[key.slice('aws:'.length)] = isSecretConfig(key) ? pulumi.secret(v) : v;
  }
  const defaultTags = userTags(all['aws:defaultTags'] === undefined ? undefined : decode(String(all['aws:defaultTags'])), problems);

  const cacheHost = platform?.imageCache.enabled ? platform.imageCache.registry : undefined;
  const cacheRegion = cacheHost ? /\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com$/.exec(cacheHost)?.[1] : undefined;
  if (cacheRegion && typeof region === 'string' && cacheRegion !== region) {
    problems.push(
      `imageCache.registry ${cacheHost} is in ${cacheRegion}, but the stack deploys to aws:region ${region}; ` +
        `use the registry of this account in ${region}`,
    );
  }

  if (problems.length > 0 || !platform || typeof region !== 'string') throw new ConfigError(source, problems);

  const warnings = [...platform.warnings];
  const fromRegistry = platform.enabledModels.filter((m) => m.source.kind === 'registry').map((m) => m.id);
  if (fromRegistry.length > 0 && platform.registry.publisherPrincipalArns.length === 0) {
    warnings.push(
      `models ${fromRegistry.join(', ')} load registry versions, but registry.publisherPrincipalArns is empty, ` +
        'so no publisher role exists and nobody but break-glass can publish one; list the CI role ARNs',
    );
  }
  const monitoring = platform.workloads.monitoring;
  const installed = prometheusUrl(monitoring.namespace);
  if (monitoring.prometheusUrl !== installed) {
    warnings.push(
      `workloads.monitoring.prometheusUrl ${monitoring.prometheusUrl} is not the Prometheus this stack installs (${installed}); KEDA will query the former`,
    );
  }
  return { platform: { ...platform, region }, region, awsProviderArgs, defaultTags, secrets, warnings };
}
