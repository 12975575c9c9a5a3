/**
 * The envelope of an environment's settings: the top-level keys of a `Pulumi.<env>.yaml` and the
 * `namespace:name` keys under `config:` (as written in the file, or as Pulumi hands them to the
 * program). Nothing here is dropped silently: a key this project does not read is a problem with a
 * "did you mean", because a misspelled key would otherwise leave its setting at the default.
 */
import { AWS_CONFIG_KEYS, AWS_REGION, PULUMI_AWS_VERSION, type AwsConfigKind } from '../facts/pulumi-aws';
import { closest, show, type Finding } from './issues';

/** Pulumi project name: the namespace of every config key (`llm-platform:models`). */
export const PROJECT = 'llm-platform';
/** The provider namespace the program reads config from (the default AWS provider). */
const AWS = 'aws';

/**
 * Keys Pulumi reads at the top of a stack file (ProjectStack in pulumi/sdk go/common/workspace;
 * the Automation API's StackSettings serializes the same names).
 */
export const STACK_FILE_KEYS = ['config', 'secretsprovider', 'encryptedkey', 'encryptionsalt', 'environment'] as const;

/** What an environment must at least say, for the fix of an empty one. */
const AT_LEAST = 'at least llm-platform:tier (see README "Configure an environment")';

/** AWS provider keys whose values are credentials: never printed. */
const CREDENTIAL_KEYS = ['accessKey', 'secretKey', 'token'];

const isMapping = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A value `pulumi config set --secret` wrote into the file: `{ secure: <ciphertext> }`. */
export const isEncrypted = (v: unknown): boolean => isMapping(v) && typeof v.secure === 'string' && Object.keys(v).length === 1;

/**
 * The `config:` mapping of a parsed stack file, with problems about the file's top level.
 * When `config:` is missing but a misspelling of it is present, its content is returned too, so
 * the rest of the file is still checked in the same pass.
 */
export function stackFileConfig(doc: unknown): { config?: Record<string, unknown>; findings: Finding[] } {
  if (doc === null || doc === undefined) {
    return { findings: [{ message: `the file is empty, got nothing; add config: with this environment's settings, ${AT_LEAST}` }] };
  }
  if (!isMapping(doc)) {
    return { findings: [{ message: `the file must be a mapping with a config: key, got ${show(doc)}; start it with config:` }] };
  }
  const findings: Finding[] = [];
  let misspelledConfig: string | undefined;
  for (const key of Object.keys(doc)) {
    if ((STACK_FILE_KEYS as readonly string[]).includes(key)) continue;
    if (key.includes(':')) {
      findings.push({ message: `${key} is a setting at the top of the file, outside config:; indent it under config:` });
      continue;
    }
    const best = closest(key, STACK_FILE_KEYS);
    if (best === 'config' && !('config' in doc) && misspelledConfig === undefined) misspelledConfig = key;
    findings.push({
      message: best
        ? `${key} is not a key of a stack file; did you mean ${best}?`
        : `${key} is not a key of a stack file; known keys: ${STACK_FILE_KEYS.join(', ')}`,
    });
  }
  const name = 'config' in doc ? 'config' : misspelledConfig;
  if (name === undefined) {
    findings.push({
      message: `config is missing, got only ${show(Object.keys(doc))}; add config: with this environment's settings, ${AT_LEAST}`,
    });
    return { findings };
  }
  const config = doc[name];
  if (config === null || config === undefined) {
    findings.push({ message: `${name} is empty, got null; indent this environment's settings under it, ${AT_LEAST}` });
    return { findings };
  }
  if (!isMapping(config)) {
    findings.push({
      message:
        `${name} must be a mapping of namespace:name settings, got ${show(config)}; ` +
        'check the indentation: settings go on the lines below it, indented',
    });
    return { findings };
  }
  return { config, findings };
}

/** What the keys under `config:` hold, sorted by reader, and what is wrong with them. */
export interface ConfigKeys {
  /** `llm-platform:<section>` values by section name. */
  readonly settings: Record<string, unknown>;
  /** `llm-platform:<secret>` values by secret name, as written (encrypted or not). */
  readonly secrets: Record<string, unknown>;
  readonly findings: Finding[];
}

function kindProblem(kind: AwsConfigKind, value: unknown): string | undefined {
  switch (kind) {
    case 'mapping':
      return isMapping(value) ? undefined : 'a mapping';
    case 'list':
      return Array.isArray(value) ? undefined : 'a list';
    case 'boolean':
      return typeof value === 'boolean' || value === 'true' || value === 'false' ? undefined : 'true or false';
    case 'number':
      return typeof value === 'number' || (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
        ? undefined
        : 'a number';
    case 'string':
      return value !== null && typeof value !== 'object' ? undefined : 'a single value';
    default: {
      const never: never = kind;
      return String(never);
    }
  }
}

function awsKey(name: string, value: unknown): Finding[] {
  const kind = AWS_CONFIG_KEYS[name];
  const key = `${AWS}:${name}`;
  if (!kind) {
    const best = closest(name, Object.keys(AWS_CONFIG_KEYS));
    return [
      {
        message:
          `${key} is not a setting of the AWS provider (@pulumi/aws ${PULUMI_AWS_VERSION}), so it would be ignored; ` +
          (best ? `did you mean ${AWS}:${best}?` : `its settings are ${Object.keys(AWS_CONFIG_KEYS).join(', ')}`),
      },
    ];
  }
  // An encrypted value cannot be looked at before Pulumi decrypts it.
  const expected = isEncrypted(value) ? undefined : kindProblem(kind, value);
  if (expected) {
    const hint = kind === 'mapping' || kind === 'list' ? '; check the indentation' : '';
    const shown = CREDENTIAL_KEYS.includes(name) ? 'a value not shown here (a credential)' : show(value);
    return [{ message: `${key} must be ${expected}, got ${shown}${hint}` }];
  }
  if (name === 'region' && !isEncrypted(value) && !(typeof value === 'string' && AWS_REGION.test(value))) {
    return [{ message: `${key} must be an AWS region like us-east-1, got ${show(value)}` }];
  }
  return [];
}

/**
 * Sort `namespace:name` keys into this project's settings and secrets; every other key is a
 * problem unless the AWS provider reads it.
 *
 * @param sections the `llm-platform:` settings the schema knows
 * @param secretNames the `llm-platform:` secrets (read by infra/, never by the schema)
 * @param settingsOf the settings inside a section, to tell a dedented setting from a typo
 */
export function splitConfigKeys(
  all: Record<string, unknown>,
  sections: readonly string[],
  secretNames: readonly string[],
  settingsOf: (section: string) => readonly string[] = () => [],
): ConfigKeys {
  const settings: Record<string, unknown> = {};
  const secrets: Record<string, unknown> = {};
  const findings: Finding[] = [];
  const ours = [...sections, ...secretNames];
  /** A problem with a suggestion in this project's namespace, which taints the section it names. */
  const didYouMean = (message: string, best: string | undefined, otherwise: string): Finding =>
    best
      ? { message: `${message}; did you mean ${PROJECT}:${best}?`, taint: sections.includes(best) ? best : undefined }
      : { message: `${message}; ${otherwise}` };

  /**
   * A setting written under the wrong namespace but with its exact name (`llm-platfrom:tier`,
   * `tier`) is reported, and its value still checked as the setting it names, so the rest of its
   * problems show up in the same pass; the correctly spelled key wins when both are present.
   */
  const misplaced: Record<string, unknown> = {};
  /** The last key before this one whose value is empty: a dedented key most likely belongs under it. */
  let emptyBefore: string | undefined;
  for (const [key, value] of Object.entries(all)) {
    const colon = key.indexOf(':');
    const previousEmpty = emptyBefore;
    emptyBefore = value === null ? key : emptyBefore;
    if (colon < 0) {
      const problem = `${key} has no namespace, so Pulumi would not hand it to the program`;
      const parent = sections.find((section) => settingsOf(section).includes(key));
      if (sections.includes(key)) misplaced[key] = value;
      findings.push(
        parent
          ? { message: `${problem}; did you mean to indent it under ${PROJECT}:${parent}?`, taint: parent }
          : previousEmpty && !ours.includes(key)
            ? { message: `${problem}; did you mean to indent it under ${previousEmpty}?` }
            : didYouMean(problem, closest(key, ours), `write it as ${PROJECT}:<setting> or ${AWS}:<setting>`),
      );
      continue;
    }
    const namespace = key.slice(0, colon);
    const name = key.slice(colon + 1);
    if (namespace === PROJECT) {
      if (sections.includes(name) && isEncrypted(value)) {
        findings.push({
          message:
            `${key} is encrypted, so it cannot be read without Pulumi; ` +
            `only ${secretNames.join(' and ')} are secrets: set ${key} in plain text`,
          taint: name,
        });
      } else if (sections.includes(name)) settings[name] = value;
      else if (secretNames.includes(name)) secrets[name] = value;
      else findings.push(didYouMean(`${key} is not a known setting`, closest(name, ours), `known settings: ${ours.join(', ')}`));
    } else if (namespace === AWS) {
      findings.push(...awsKey(name, value));
    } else {
      const ignored = `${key} is in namespace ${namespace}, which nothing in this project reads, so it would be ignored`;
      const nearNamespace = closest(namespace, [PROJECT, AWS]);
      if (nearNamespace === AWS) {
        const best = AWS_CONFIG_KEYS[name] ? name : closest(name, Object.keys(AWS_CONFIG_KEYS));
        findings.push({ message: `${ignored}; did you mean ${best ? `${AWS}:${best}` : `the ${AWS} namespace`}?` });
      } else if (nearNamespace === PROJECT || ours.includes(name)) {
        if (sections.includes(name)) misplaced[name] = value;
        findings.push(didYouMean(ignored, ours.includes(name) ? name : closest(name, ours), `did you mean the ${PROJECT} namespace?`));
      } else {
        findings.push({ message: `${ignored}; this project's settings go under ${PROJECT}: and the AWS provider's under ${AWS}:` });
      }
    }
  }
  for (const [name, value] of Object.entries(misplaced)) {
    if (name in settings) continue;
    settings[name] = value;
    // Checked after all: its problems are reported, and the checks may read it.
    const i = findings.findIndex((f) => f.taint === name);
    if (i >= 0) findings[i] = { message: findings[i]!.message };
  }
  if (Object.keys(settings).length === 0 && findings.length === 0) {
    // Keys only: the values may be secrets Pulumi has decrypted.
    const got = Object.keys(all).length === 0 ? '{}' : `only ${show(Object.keys(all))}`;
    findings.push({ message: `config sets no ${PROJECT}:* setting, got ${got}; add this environment's settings, ${AT_LEAST}` });
  }
  return { settings, secrets, findings };
}
