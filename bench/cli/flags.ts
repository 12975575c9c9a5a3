/**
 * Flag parsers and the flag groups commands share: how to reach the server, the cluster and the
 * registry, and the load shape, with the functions that turn them into library options. Shape
 * only: ranges are checked by the library, with the flag in the message.
 *
 * Light on purpose: commander and the defaults. What reaches a cluster or AWS is in cluster.ts,
 * which only actions load.
 */
import { readFile } from 'node:fs/promises';
import { type Command, InvalidArgumentError } from 'commander';
import type { QueueSource } from '../autoscale/queue';
import { POSTDEPLOY_DEFAULTS } from '../checks/defaults';
import type { BackgroundLoadOptions } from '../checks/traffic';
import { BENCH_DEFAULTS } from '../defaults';
import { REGISTRY_DEFAULTS } from '../registry/defaults';
import { FRONT_DOOR_DEFAULTS } from '../frontdoor/defaults';
import { secondsProblem } from '../limits';
import type { FrontDoorOptions } from '../frontdoor/frontdoor';
import type { LoadProfile } from '../load/schedule';
import { type CliIo, envValue } from './io';

// ---- parsers --------------------------------------------------------------------------------

export function number(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${flag} is not a number, got ${JSON.stringify(value)}`);
    return n;
  };
}

export function numberList(flag: string) {
  return (value: string): number[] =>
    value.split(',').map((part) => {
      const n = Number(part.trim());
      if (part.trim() === '' || !Number.isFinite(n)) {
        throw new InvalidArgumentError(`${flag} takes a comma-separated list of numbers, got ${JSON.stringify(value)}`);
      }
      return n;
    });
}

export function positiveInteger(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${flag} must be a positive whole number, got ${JSON.stringify(v)}`);
    return n;
  };
}

export function nonNegativeInteger(flag: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${flag} must be a non-negative integer, got ${JSON.stringify(value)}`);
    return Number(value);
  };
}

/** A repeatable flag's values. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The API key from the flag or `LLM_BENCH_API_KEY`; undefined when neither is set or it is empty. */
export function apiKeyFrom(f: { readonly apiKey?: string }, io: CliIo): string | undefined {
  const apiKey = f.apiKey ?? envValue(io, 'LLM_BENCH_API_KEY');
  return apiKey === '' ? undefined : apiKey;
}

// ---- load shape -----------------------------------------------------------------------------

/** A closed- or open-loop profile from `--concurrency` / `--rate`, with the problem if both are given. */
export function profileFrom(
  f: { readonly concurrency?: number; readonly rate?: number },
  fallbackConcurrency: number,
  problems: string[],
): LoadProfile {
  if (f.concurrency !== undefined && f.rate !== undefined) {
    problems.push(`the load takes one of --concurrency or --rate, got both (${f.concurrency} and ${f.rate}); pass one`);
  }
  if (f.rate !== undefined) return { kind: 'rate', rate: f.rate, burstiness: BENCH_DEFAULTS.burstiness };
  return { kind: 'concurrency', concurrency: f.concurrency ?? fallbackConcurrency };
}

/** Load steps from lists of rates or concurrencies; undefined when neither is given. */
export function stepProfiles(f: {
  readonly concurrency?: readonly number[];
  readonly rate?: readonly number[];
}): LoadProfile[] | undefined {
  if (f.rate !== undefined) return f.rate.map((rate) => ({ kind: 'rate', rate, burstiness: BENCH_DEFAULTS.burstiness }));
  return f.concurrency?.map((concurrency) => ({ kind: 'concurrency', concurrency }));
}

/** Where an autoscale check reads the queue depth, with the problem if both are given. */
export function queueFrom(
  f: { readonly prometheusUrl?: string; readonly metricsUrl?: string },
  problems: string[],
): QueueSource | undefined {
  if (f.prometheusUrl !== undefined && f.metricsUrl !== undefined)
    problems.push(`queue depth comes from one place, got --prometheus-url and --metrics-url; pass one`);
  if (f.prometheusUrl !== undefined) return { kind: 'prometheus', url: f.prometheusUrl };
  if (f.metricsUrl !== undefined) return { kind: 'metrics', url: f.metricsUrl };
  return undefined;
}

// ---- the cluster ----------------------------------------------------------------------------

export interface KubeFlags {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly namespace: string;
  /** Seconds one Kubernetes API call may take. */
  readonly kubeTimeout?: number;
}

/** The `--kube-timeout` flag, for every command that reaches the cluster. */
export const KUBE_TIMEOUT_FLAG = ['--kube-timeout <s>', 'seconds a Kubernetes API call may take (default 30)'] as const;

export function addKubeFlags(cmd: Command): Command {
  return cmd
    .option('--kubeconfig <file>', 'kubeconfig (default: $KUBECONFIG, ~/.kube/config, then the in-cluster ServiceAccount)')
    .option('--context <name>', 'kubeconfig context (default: its current-context)')
    .option('--namespace <ns>', 'namespace of the model workloads', POSTDEPLOY_DEFAULTS.namespace)
    .option(...KUBE_TIMEOUT_FLAG, number('--kube-timeout'))
    .option('--poll-ms <ms>', `how often to read the Kubernetes API (default ${POSTDEPLOY_DEFAULTS.pollMs})`, number('--poll-ms'))
    .option('--sample-ms <ms>', `timeline resolution (default ${POSTDEPLOY_DEFAULTS.sampleMs})`, number('--sample-ms'));
}

// ---- the background load of a cluster-side check ---------------------------------------------

export interface TrafficFlags {
  readonly baseUrl?: string;
  readonly model?: string;
  readonly apiKey?: string;
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  readonly seed?: number;
  readonly requestTimeout?: number;
}

/** Flags of the background load, without its shape (each command has its own). */
export function addTrafficFlags(cmd: Command, baseUrlRequired: boolean): Command {
  const withUrl = baseUrlRequired
    ? cmd.requiredOption('--base-url <url>', "the variant's URL as clients reach it (its Service; not a port-forward, which pins one pod)")
    : cmd.option('--base-url <url>', "the variant's URL as clients reach it");
  return withUrl
    .option('--model <id>', 'served model to load (default: the variant name)')
    .option('--api-key <key>', 'bearer token for /v1/* (default: env LLM_BENCH_API_KEY)')
    .option('--input-tokens <n>', `synthetic prompt length (default ${BENCH_DEFAULTS.inputTokens})`, number('--input-tokens'))
    .option('--output-tokens <n>', 'force exactly n output tokens per request', number('--output-tokens'))
    .option('--seed <n>', `seed for arrivals and prompts (default ${BENCH_DEFAULTS.seed})`, number('--seed'))
    .option('--request-timeout <s>', `per-request total timeout (default ${BENCH_DEFAULTS.timeoutSec})`, number('--request-timeout'));
}

/** Background load options from the traffic flags. */
export function trafficFrom(f: TrafficFlags, io: CliIo, baseUrl: string, model: string, profile: LoadProfile): BackgroundLoadOptions {
  const apiKey = apiKeyFrom(f, io);
  return {
    baseUrl,
    model,
    profile,
    ...(apiKey !== undefined && { apiKey }),
    ...(f.inputTokens !== undefined && { inputTokens: f.inputTokens }),
    ...(f.outputTokens !== undefined && { outputTokens: f.outputTokens }),
    ...(f.seed !== undefined && { seed: f.seed }),
    ...(f.requestTimeout !== undefined && { timeoutSec: f.requestTimeout }),
  };
}

// ---- the model registry, as rollback and postdeploy reach it -----------------------------------

export interface RegistryFlags {
  readonly registryBucket?: string;
  readonly registryTable?: string;
  readonly region?: string;
  readonly s3EndpointUrl?: string;
  readonly dynamodbEndpointUrl?: string;
  readonly registryTimeout?: number;
}

/** Where the registry is: bucket and table, region and endpoints. */
export interface RegistryLocation {
  readonly bucket: string;
  readonly table: string;
  readonly region?: string;
  /** Endpoint for S3, e.g. s3rver or localstack. */
  readonly s3EndpointUrl?: string;
  /** Endpoint for DynamoDB, e.g. dynalite or localstack. */
  readonly dynamodbEndpointUrl?: string;
  /**
   * How long one S3 or DynamoDB request may go without a byte before it fails (tried three times).
   * @default REGISTRY_DEFAULTS.requestTimeoutMs
   */
  readonly requestTimeoutMs?: number;
}

/** Where a registry version is looked up: `ModelRegistry` fits, tests pass their own. */
export interface VersionSource {
  show(model: string, version: string): Promise<{ readonly version: string; readonly uri: string }>;
  resolve(request: {
    readonly model: string;
    readonly env: string;
    readonly previous?: boolean;
  }): Promise<{ readonly version: string; readonly uri: string }>;
}

/** Builds a registry client for one command; tests replace it. */
export type RegistryFactory = (where: RegistryLocation) => { readonly registry: VersionSource; readonly close?: () => void };

export function addRegistryFlags(cmd: Command): Command {
  return cmd
    .option('--registry-bucket <name>', 'model registry bucket (default: env LLM_REGISTRY_BUCKET)')
    .option('--registry-table <name>', 'model registry table (default: env LLM_REGISTRY_TABLE)')
    .option('--region <region>', 'AWS region of the registry (default: the SDK chain)')
    .option('--s3-endpoint-url <url>', 'S3 endpoint (localstack, s3rver)')
    .option('--dynamodb-endpoint-url <url>', 'DynamoDB endpoint (localstack, dynalite)')
    .option(
      '--registry-timeout <s>',
      `seconds an S3 or DynamoDB request may wait for an answer, tried three times (default ${REGISTRY_DEFAULTS.requestTimeoutMs / 1000})`,
      number('--registry-timeout'),
    );
}

/** The registry location from flags and environment, or the problems with it. */
export function registryFrom(f: RegistryFlags, io: CliIo, problems: string[]): RegistryLocation | undefined {
  const bucket = f.registryBucket ?? envValue(io, 'LLM_REGISTRY_BUCKET');
  const table = f.registryTable ?? envValue(io, 'LLM_REGISTRY_TABLE');
  if (bucket === undefined || bucket === '') {
    problems.push(
      '--registry-bucket is required for a registry version, got neither the flag nor LLM_REGISTRY_BUCKET; pass the bucket (pulumi stack output registryBucket)',
    );
  }
  if (table === undefined || table === '') {
    problems.push(
      '--registry-table is required for a registry version, got neither the flag nor LLM_REGISTRY_TABLE; pass the table (pulumi stack output registryTable)',
    );
  }
  const timeout = secondsProblem('--registry-timeout', f.registryTimeout);
  if (timeout !== undefined) problems.push(timeout);
  if (bucket === undefined || bucket === '' || table === undefined || table === '') return undefined;
  return {
    bucket,
    table,
    ...(f.registryTimeout !== undefined && { requestTimeoutMs: Math.ceil(f.registryTimeout * 1000) }),
    ...(f.region !== undefined && { region: f.region }),
    ...(f.s3EndpointUrl !== undefined && { s3EndpointUrl: f.s3EndpointUrl }),
    ...(f.dynamodbEndpointUrl !== undefined && { dynamodbEndpointUrl: f.dynamodbEndpointUrl }),
  };
}

// ---- the front door, as frontdoor and postdeploy check it --------------------------------------

export interface FrontDoorFlags {
  readonly frontDoorKey?: string;
  readonly frontDoorCa?: string;
  readonly splitRequests?: number;
  /** `--request-timeout`: frontdoor's own flag, postdeploy's shared with its load. */
  readonly requestTimeout?: number;
}

/** The flags the front-door checks take. */
export function addFrontDoorFlags(cmd: Command): Command {
  return cmd
    .option('--front-door-key <key>', 'a client API key of the front door (default: env LLM_BENCH_FRONT_DOOR_KEY)')
    .option('--front-door-ca <file>', 'PEM CA to trust for the front door besides the system ones')
    .option(
      '--split-requests <n>',
      `requests per A/B alias (default ${FRONT_DOOR_DEFAULTS.splitRequests})`,
      positiveInteger('--split-requests'),
    );
}

/** The check options (without the target) from the flags; a bad CA file is a problem. */
export async function frontDoorOptionsFrom(f: FrontDoorFlags, io: CliIo, problems: string[]): Promise<Omit<FrontDoorOptions, 'target'>> {
  const apiKey = f.frontDoorKey ?? envValue(io, 'LLM_BENCH_FRONT_DOOR_KEY');
  let ca: Buffer | undefined;
  if (f.frontDoorCa !== undefined) {
    try {
      ca = await readFile(f.frontDoorCa);
    } catch (err) {
      problems.push(
        `--front-door-ca ${f.frontDoorCa} cannot be read, got ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; pass a PEM file`,
      );
    }
  }
  const timeout = secondsProblem('--request-timeout', f.requestTimeout);
  if (timeout !== undefined && !problems.includes(timeout)) problems.push(timeout);
  return {
    ...(apiKey !== undefined && apiKey !== '' && { apiKey }),
    ...(ca !== undefined && { ca }),
    ...(f.requestTimeout !== undefined && { requestTimeoutSec: f.requestTimeout }),
    ...(f.splitRequests !== undefined && { splitRequests: f.splitRequests }),
    onProgress: (line) => io.stderr(`${line}\n`),
  };
}
