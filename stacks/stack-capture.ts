/**
 * Run the real Pulumi program (stacks/pulumi.ts) under `pulumi.runtime.setMocks` with a stack's
 * real settings file, and capture every resource registration: type, name, inputs and the
 * options the engine would see (protect, retainOnDelete, dependencies, parent, provider).
 *
 * The AWS rules run over these captures (the infra tests, `npm run policy`). Plain Node: no
 * test framework. Config and mocks are set before the program is imported, and every capture
 * imports a fresh instance of the program module.
 *
 * Not part of the policy pack (policy/index.ts): a composition root that runs the stacks, so it
 * lives here and not in policy/, which never imports stacks/.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as pulumi from '@pulumi/pulumi';
import { parse as parseYaml } from 'yaml';
import { PROJECT } from '../config/platform';
import type { PolicyResource } from '../policy/aws-rules';
import { PROJECT_ROOT } from './synthesize';

export const ACCOUNT_ID = '123456789012';
/** The API endpoint the mocked cluster reports. */
export const CLUSTER_ENDPOINT = 'https://0123456789ABCDEF0123456789ABCDEF.gr7.us-east-1.eks.amazonaws.com';
/** What the public SSM parameters return under mocks: the newest AMI release of a minor, and an AMI id. */
export function mockParameter(name: string): string {
  const minor = /optimized-ami\/(\d+\.\d+)\//.exec(name)?.[1];
  if (minor) return `${minor}.3-20260911`;
  if (name.startsWith('/aws/service/bottlerocket/')) return '1.50.0-1a2b3c4d';
  return 'ami-0123456789abcdef0';
}
export const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d'];
/** Stand-in secret values: the program needs them set; their content never matters to the rules. */
export const TEST_SECRETS = { hfToken: 'hf_test_token_value', apiKey: 'test-api-key-value' } as const;

/** One registered resource as the engine would receive it. */
export interface CapturedResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly custom: boolean;
  readonly remote: boolean;
  readonly inputs: Record<string, unknown>;
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
  /** URNs this resource waits for (dependsOn and property dependencies). */
  readonly dependencies: readonly string[];
  readonly parent: string;
  readonly provider: string;
  /** Property paths `pulumi up` leaves alone (ignoreChanges). */
  readonly ignoreChanges: readonly string[];
}

export interface StackRun {
  readonly resources: CapturedResource[];
  /** Stack outputs, resolved. */
  readonly outputs: Record<string, unknown>;
  /** Names of the outputs Pulumi would store encrypted. */
  readonly secretOutputs: string[];
  readonly warnings: string[];
}

export interface StackOverrides {
  /** Settings merged into the stack file's, per section (`{ gpuNodes: { maxSize: 1 } }`). */
  readonly settings?: Record<string, unknown>;
  /** Secrets to set; default both test secrets. */
  readonly secrets?: Partial<Record<keyof typeof TEST_SECRETS, string>>;
  /** Keys set in plain text instead of as secrets. */
  readonly plainTextSecrets?: readonly (keyof typeof TEST_SECRETS)[];
  /** `aws:*` settings added to the stack file's (`{ profile: 'ci' }` sets aws:profile). */
  readonly aws?: Record<string, unknown>;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function merge(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over)) return over;
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v);
  return out;
}

/** The stack's config as the Pulumi CLI hands it over: strings as-is, everything else as JSON. */
export function stackConfig(env: string, overrides: StackOverrides = {}): { config: Record<string, string>; secretKeys: string[] } {
  const doc = parseYaml(readFileSync(join(PROJECT_ROOT, `Pulumi.${env}.yaml`), 'utf8')) as { config: Json };
  const config: Record<string, string> = {};
  const keys = new Set([...Object.keys(doc.config), ...Object.keys(overrides.settings ?? {}).map((k) => `${PROJECT}:${k}`)]);
  for (const key of keys) {
    const section = key.startsWith(`${PROJECT}:`) ? key.slice(PROJECT.length + 1) : undefined;
    const value =
      section && overrides.settings && section in overrides.settings
        ? merge(doc.config[key], overrides.settings[section])
        : doc.config[key];
    config[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  for (const [k, v] of Object.entries(overrides.aws ?? {})) config[`aws:${k}`] = typeof v === 'string' ? v : JSON.stringify(v);
  const secretKeys: string[] = [];
  for (const [k, v] of Object.entries(overrides.secrets ?? TEST_SECRETS)) {
    const key = `${PROJECT}:${k}`;
    config[key] = v;
    if (!overrides.plainTextSecrets?.includes(k as keyof typeof TEST_SECRETS)) secretKeys.push(key);
  }
  return { config, secretKeys };
}

function arn(service: string, resource: string): string {
  return `arn:aws:${service}:us-east-1:${ACCOUNT_ID}:${resource}`;
}

/** Outputs a provider would add to a resource's inputs. */
export function mockState(type: string, name: string, inputs: Json): { id: string; state: Json } {
  const id = `${name}-id`;
  switch (type) {
    case 'eks:index:Cluster': {
      const clusterName = String(inputs.name);
      const kubeconfig = {
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: clusterName, cluster: { server: CLUSTER_ENDPOINT, 'certificate-authority-data': 'bW9jaw==' } }],
      };
      return {
        id: '',
        state: {
          kubeconfigJson: JSON.stringify(kubeconfig),
          clusterSecurityGroupId: 'sg-cluster',
          eksCluster: { name: clusterName, arn: arn('eks', `cluster/${clusterName}`), endpoint: CLUSTER_ENDPOINT },
        },
      };
    }
    case 'aws:s3/bucket:Bucket':
      return { id: String(inputs.bucket), state: { ...inputs, arn: `arn:aws:s3:::${String(inputs.bucket)}` } };
    case 'aws:dynamodb/table:Table':
      return { id: String(inputs.name), state: { ...inputs, arn: arn('dynamodb', `table/${String(inputs.name)}`) } };
    case 'aws:kms/key:Key':
      return { id, state: { ...inputs, arn: arn('kms', `key/${id}`), keyId: id } };
    case 'aws:iam/role:Role': {
      const roleName = typeof inputs.name === 'string' ? inputs.name : name;
      return { id: roleName, state: { ...inputs, name: roleName, arn: `arn:aws:iam::${ACCOUNT_ID}:role/${roleName}` } };
    }
    case 'aws:sns/topic:Topic':
      return { id, state: { ...inputs, arn: arn('sns', typeof inputs.name === 'string' ? inputs.name : name) } };
    case 'aws:secretsmanager/secret:Secret':
      return { id, state: { ...inputs, arn: arn('secretsmanager', `secret:${String(inputs.name)}-AbCdEf`) } };
    case 'aws:ec2/launchTemplate:LaunchTemplate':
      return { id, state: { ...inputs, latestVersion: 1 } };
    default:
      return { id, state: { ...inputs, arn: arn('mock', `${type}/${name}`) } };
  }
}

export function mockCall(token: string, args: Json = {}): Json {
  switch (token) {
    case 'aws:index/getCallerIdentity:getCallerIdentity':
      return { accountId: ACCOUNT_ID, arn: `arn:aws:iam::${ACCOUNT_ID}:user/ci`, userId: 'AIDAMOCK', id: ACCOUNT_ID };
    case 'aws:index/getAvailabilityZones:getAvailabilityZones':
      return { names: ZONES, zoneIds: ZONES.map((_, i) => `use1-az${i + 1}`), id: 'us-east-1' };
    case 'aws:ssm/getParameter:getParameter':
      return { name: String(args.name), value: mockParameter(String(args.name)), type: 'String', id: String(args.name) };
    case 'aws:secretsmanager/getSecret:getSecret':
      return { name: String(args.name), arn: arn('secretsmanager', `secret:${String(args.name)}-AbCdEf`), id: String(args.name) };
    default:
      throw new Error(`unmocked call ${token}`);
  }
}

/** The fields of a RegisterResourceRequest the tests look at. */
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getCustom(): boolean;
  getRemote(): boolean;
  getProtect(): boolean | undefined;
  getRetainondelete(): boolean | undefined;
  getDependenciesList(): string[];
  getParent(): string;
  getProvider(): string;
  getIgnorechangesList(): string[];
}

interface MockMonitor {
  registerResource(req: RegisterRequest, callback: (err: unknown, resp: unknown) => void): void;
}

const internal = pulumi.runtime as typeof pulumi.runtime & { waitForRPCs(): Promise<void> };

/** Resolve an output (or plain value) to its value. */
export function valueOf<T>(v: pulumi.Input<T>): Promise<T> {
  return new Promise((resolve) => pulumi.output(v).apply((x) => (resolve(x as T), x)));
}

/** Imports the program module; each call must evaluate it afresh. */
export type ProgramLoader = () => Promise<Record<string, unknown>>;

let loads = 0;
/** A fresh instance of stacks/pulumi.ts per call (a distinct URL is a distinct ES module). */
export const importProgram: ProgramLoader = () =>
  import(`${pathToFileURL(join(PROJECT_ROOT, 'stacks', 'pulumi.ts')).href}?capture=${++loads}`) as Promise<Record<string, unknown>>;

/**
 * Run stacks/pulumi.ts for `env` under mocks. Rejects with the program's error when it fails
 * (then {@link lastRegistrations} shows what had been registered).
 */
export async function captureStack(env: string, overrides: StackOverrides = {}, load: ProgramLoader = importProgram): Promise<StackRun> {
  const { config, secretKeys } = stackConfig(env, overrides);
  pulumi.runtime.setAllConfig(config, secretKeys);
  lastRegistrations = [];
  const resources = lastRegistrations;
  // MockMonitor calls newResource synchronously inside registerResource: the request being
  // registered is the one whose inputs newResource receives.
  let registering: { inputs: Json } | undefined;

  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        if (registering) registering.inputs = args.inputs as Json;
        return mockState(args.type, args.name, args.inputs as Json);
      },
      call(args) {
        return mockCall(args.token, args.inputs as Json);
      },
    },
    PROJECT,
    env,
    false,
  );
  const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitor;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    const record = {
      type: req.getType(),
      name: req.getName(),
      urn: '',
      custom: req.getCustom(),
      remote: req.getRemote(),
      inputs: {} as Json,
      protect: req.getProtect() ?? false,
      retainOnDelete: req.getRetainondelete() ?? false,
      dependencies: req.getDependenciesList(),
      parent: req.getParent(),
      provider: req.getProvider(),
      ignoreChanges: req.getIgnorechangesList(),
    };
    registering = record;
    try {
      register(req, (err, resp) => {
        if (!err) {
          record.urn = (resp as { getUrn(): string }).getUrn();
          resources.push(record);
        }
        callback(err, resp);
      });
    } finally {
      registering = undefined;
    }
  };

  const warnings: string[] = [];
  const log = pulumi.log as { warn: typeof pulumi.log.warn };
  const warn = log.warn;
  log.warn = (msg: string) => {
    warnings.push(msg);
    return Promise.resolve();
  };
  try {
    const program = await load();
    const outputs: Record<string, unknown> = {};
    const secretOutputs: string[] = [];
    for (const [k, v] of Object.entries(program)) {
      outputs[k] = await valueOf(v);
      if (pulumi.Output.isInstance(v) && (await pulumi.isSecret(v))) secretOutputs.push(k);
    }
    await internal.waitForRPCs();
    return { resources, outputs, secretOutputs, warnings };
  } finally {
    log.warn = warn;
  }
}

/** The AWS resources of one environment as its program registers them, for the AWS rules. */
export async function captureAwsResources(environment: string): Promise<readonly PolicyResource[]> {
  const { resources } = await captureStack(environment);
  return resources;
}

/** Registrations of the most recent {@link runStack}, also when it failed. */
export let lastRegistrations: CapturedResource[] = [];
