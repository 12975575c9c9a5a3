/**
 * Flags and plumbing the cluster-side commands (rollback, autoscale, postdeploy) share: how to
 * reach the cluster, the registry and the server, where reports go, and Ctrl-C.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import type { CliIo } from '../cli';
import { BENCH_DEFAULTS } from '../defaults';
import { UsageError, usageErrors } from '../errors';
import { KubeClient } from '../kube/client';
import type { LoadProfile } from '../load/schedule';
import { createAwsClients } from '../registry/command';
import { ModelRegistry } from '../registry/registry';
import { POSTDEPLOY_DEFAULTS } from './defaults';
import type { BackgroundLoadOptions } from './traffic';

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
      if (part.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${flag} takes a comma-separated list of numbers, got ${JSON.stringify(value)}`);
      return n;
    });
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Writes `text` to a file (creating its folder) or to stdout for `-`. */
export async function writeOutput(path: string, text: string, io: CliIo): Promise<void> {
  if (path === '-') {
    io.stdout(text);
    return;
  }
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
  io.stderr(`wrote ${path}\n`);
}

export interface OutputFlags {
  readonly json?: string;
  readonly markdown?: string;
  readonly html?: string;
  readonly junit?: string;
}

export function addOutputFlags(cmd: Command): Command {
  return cmd
    .option('--json <file>', 'write the JSON result (- for stdout, and nothing else there)')
    .option('--markdown <file>', 'write a Markdown summary (- for stdout)')
    .option('--html <file>', 'write a self-contained HTML report with the timeline (- for stdout)')
    .option('--junit <file>', 'write JUnit XML, one test case per gate (- for stdout)');
}

export function outputProblems(o: OutputFlags): string[] {
  const dashes = (['json', 'markdown', 'html', 'junit'] as const).filter((k) => o[k] === '-');
  return dashes.length > 1 ? [`only one output can go to stdout, got ${dashes.map((k) => `--${k} -`).join(' and ')}; write the others to files`] : [];
}

export const toStdout = (o: OutputFlags) => [o.json, o.markdown, o.html, o.junit].includes('-');

export interface KubeFlags {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly namespace: string;
}

export function addKubeFlags(cmd: Command): Command {
  return cmd
    .option('--kubeconfig <file>', 'kubeconfig (default: $KUBECONFIG, ~/.kube/config, then the in-cluster ServiceAccount)')
    .option('--context <name>', 'kubeconfig context (default: its current-context)')
    .option('--namespace <ns>', 'namespace of the model workloads', POSTDEPLOY_DEFAULTS.namespace)
    .option('--poll-ms <ms>', `how often to read the Kubernetes API (default ${POSTDEPLOY_DEFAULTS.pollMs})`, number('--poll-ms'))
    .option('--sample-ms <ms>', `timeline resolution (default ${POSTDEPLOY_DEFAULTS.sampleMs})`, number('--sample-ms'));
}

/** The Kubernetes client for the flags; throws UsageError for a missing or bad kubeconfig. */
export function kubeFrom(f: KubeFlags, io: CliIo): KubeClient {
  return KubeClient.connect({
    ...(f.kubeconfig !== undefined && { kubeconfig: f.kubeconfig }),
    ...(f.context !== undefined && { context: f.context }),
    env: io.env,
  });
}

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
  const apiKey = f.apiKey ?? io.env.LLM_BENCH_API_KEY;
  return {
    baseUrl,
    model,
    profile,
    ...(apiKey !== undefined && apiKey !== '' && { apiKey }),
    ...(f.inputTokens !== undefined && { inputTokens: f.inputTokens }),
    ...(f.outputTokens !== undefined && { outputTokens: f.outputTokens }),
    ...(f.seed !== undefined && { seed: f.seed }),
    ...(f.requestTimeout !== undefined && { timeoutSec: f.requestTimeout }),
  };
}

/** A closed- or open-loop profile from `--concurrency` / `--rate`, with the problem if both are given. */
export function profileFrom(f: { readonly concurrency?: number; readonly rate?: number }, fallbackConcurrency: number, problems: string[]): LoadProfile {
  if (f.concurrency !== undefined && f.rate !== undefined) {
    problems.push(`the load takes one of --concurrency or --rate, got both (${f.concurrency} and ${f.rate}); pass one`);
  }
  if (f.rate !== undefined) return { kind: 'rate', rate: f.rate, burstiness: BENCH_DEFAULTS.burstiness };
  return { kind: 'concurrency', concurrency: f.concurrency ?? fallbackConcurrency };
}

/** Where a registry version is looked up: `ModelRegistry` fits, tests pass their own. */
export interface VersionSource {
  show(model: string, version: string): Promise<{ readonly version: string; readonly uri: string }>;
  resolve(request: { readonly model: string; readonly env: string; readonly previous?: boolean }): Promise<{ readonly version: string; readonly uri: string }>;
}

export interface RegistryFlags {
  readonly registryBucket?: string;
  readonly registryTable?: string;
  readonly region?: string;
  readonly s3EndpointUrl?: string;
  readonly dynamodbEndpointUrl?: string;
}

/** What a command needs to build a registry client; tests replace the factory. */
export interface RegistryLocation {
  readonly bucket: string;
  readonly table: string;
  readonly region?: string;
  readonly s3EndpointUrl?: string;
  readonly dynamodbEndpointUrl?: string;
}

export type RegistryFactory = (where: RegistryLocation) => { readonly registry: VersionSource; readonly close?: () => void };

export function addRegistryFlags(cmd: Command): Command {
  return cmd
    .option('--registry-bucket <name>', 'model registry bucket (default: env LLM_REGISTRY_BUCKET)')
    .option('--registry-table <name>', 'model registry table (default: env LLM_REGISTRY_TABLE)')
    .option('--region <region>', 'AWS region of the registry (default: the SDK chain)')
    .option('--s3-endpoint-url <url>', 'S3 endpoint (localstack, s3rver)')
    .option('--dynamodb-endpoint-url <url>', 'DynamoDB endpoint (localstack, dynalite)');
}

/** The registry location from flags and environment, or the problems with it. */
export function registryFrom(f: RegistryFlags, io: CliIo, problems: string[]): RegistryLocation | undefined {
  const bucket = f.registryBucket ?? io.env.LLM_REGISTRY_BUCKET;
  const table = f.registryTable ?? io.env.LLM_REGISTRY_TABLE;
  const before = problems.length;
  if (bucket === undefined || bucket === '') problems.push('--registry-bucket is required for a registry version, got neither the flag nor LLM_REGISTRY_BUCKET; pass the bucket (pulumi stack output registryBucket)');
  if (table === undefined || table === '') problems.push('--registry-table is required for a registry version, got neither the flag nor LLM_REGISTRY_TABLE; pass the table (pulumi stack output registryTable)');
  if (problems.length > before) return undefined;
  return {
    bucket: bucket!,
    table: table!,
    ...(f.region !== undefined && { region: f.region }),
    ...(f.s3EndpointUrl !== undefined && { s3EndpointUrl: f.s3EndpointUrl }),
    ...(f.dynamodbEndpointUrl !== undefined && { dynamodbEndpointUrl: f.dynamodbEndpointUrl }),
  };
}

/** The AWS-backed registry client (default credential chain). */
export const awsRegistry: RegistryFactory = (where) => {
  const { s3, ddb, close } = createAwsClients({ ...where, json: false });
  return { registry: new ModelRegistry({ bucket: where.bucket, table: where.table, s3, ddb }), close };
};

/** First Ctrl-C (or SIGTERM from a cancelled job) aborts the signal: the check stops and reports. */
export function onInterrupt(io: CliIo, controller: AbortController): () => void {
  if (!io.handleSignals) return () => {};
  const handler = () => {
    io.stderr('\nstopping: the check ends and writes its reports; changes already made to the cluster stay\n');
    controller.abort();
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/** Runs `fn`; a UsageError it throws becomes problems (reported with the others) and undefined. */
export function collectUsage<T>(problems: string[], fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    problems.push(...err.problems);
    return undefined;
  }
}

/** Throws every collected problem as one UsageError. */
export function failOnProblems(problems: readonly string[]): void {
  if (problems.length > 0) throw usageErrors(problems);
}
