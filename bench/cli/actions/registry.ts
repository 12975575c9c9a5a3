/** What the `llm-bench registry` subcommands do once their flags parse, and how they print. */
import type { Command } from 'commander';
import { failOnProblems } from '../../errors';
import { secondsProblem } from '../../limits';
import { createAwsClients, silenceAwsNodeVersionNotice } from '../../registry/aws';
import { RegistryError } from '../../registry/errors';
import type { ReadyVersion, VersionEntry } from '../../registry/model';
import { formatDurationMs } from '../../registry/names';
import { type ModelListing, ModelRegistry, type PublishEvent, type VerifyReport } from '../../registry/registry';
import type { RegistryLocation } from '../flags';
import { onInterrupt } from '../interrupt';
import { type CliIo, envValue } from '../io';

/** The global flags of `registry`, after environment fallbacks. */
export interface RegistryGlobals extends RegistryLocation {
  readonly json: boolean;
}

export interface RegistryCommandProps {
  /** @default - the process's stdout, stderr and environment */
  readonly io?: CliIo;
  /**
   * Builds the registry for one invocation.
   * @default - AWS SDK clients from --region and the endpoint flags, with the default credential chain
   */
  readonly createRegistry?: (where: RegistryLocation) => { readonly registry: ModelRegistry; readonly close?: () => void };
}

/** Flags of `registry publish`. */
export interface PublishFlags {
  readonly model: string;
  readonly version: string;
  readonly path: string;
  readonly image: string;
  readonly forceReclaim?: boolean;
  readonly staleAfter?: number;
}

const ENV_BUCKET = 'LLM_REGISTRY_BUCKET';
const ENV_TABLE = 'LLM_REGISTRY_TABLE';

interface GlobalFlags {
  readonly bucket?: string;
  readonly table?: string;
  readonly region?: string;
  readonly endpointUrl?: string;
  readonly s3EndpointUrl?: string;
  readonly dynamodbEndpointUrl?: string;
  readonly requestTimeout?: number;
  readonly json?: boolean;
}

/** The global flags after environment fallbacks; every missing one is a problem. */
function globalsOf(command: Command, io: CliIo): RegistryGlobals {
  const flags = command.optsWithGlobals<GlobalFlags>();
  const bucket = flags.bucket ?? envValue(io, ENV_BUCKET);
  const table = flags.table ?? envValue(io, ENV_TABLE);
  const problems: string[] = [];
  if (bucket === undefined || bucket === '')
    problems.push(`--bucket is required, got neither the flag nor ${ENV_BUCKET}; pass the registry bucket name`);
  if (table === undefined || table === '')
    problems.push(`--table is required, got neither the flag nor ${ENV_TABLE}; pass the registry table name`);
  const timeout = secondsProblem('--request-timeout', flags.requestTimeout);
  if (timeout !== undefined) problems.push(timeout);
  failOnProblems(problems);
  // The AWS SDK's own endpoint variables count too, so a custom S3 endpoint gets path-style URLs.
  const s3EndpointUrl = flags.s3EndpointUrl ?? flags.endpointUrl ?? envValue(io, 'AWS_ENDPOINT_URL_S3') ?? envValue(io, 'AWS_ENDPOINT_URL');
  const dynamodbEndpointUrl =
    flags.dynamodbEndpointUrl ?? flags.endpointUrl ?? envValue(io, 'AWS_ENDPOINT_URL_DYNAMODB') ?? envValue(io, 'AWS_ENDPOINT_URL');
  return {
    bucket: bucket!,
    table: table!,
    ...(flags.region === undefined ? {} : { region: flags.region }),
    ...(s3EndpointUrl === undefined ? {} : { s3EndpointUrl }),
    ...(dynamodbEndpointUrl === undefined ? {} : { dynamodbEndpointUrl }),
    ...(flags.requestTimeout === undefined ? {} : { requestTimeoutMs: Math.ceil(flags.requestTimeout * 1000) }),
    json: flags.json === true,
  };
}

function awsModelRegistry(where: RegistryGlobals): { registry: ModelRegistry; close: () => void } {
  silenceAwsNodeVersionNotice();
  const { s3, ddb, close } = createAwsClients(where);
  return { registry: new ModelRegistry({ bucket: where.bucket, table: where.table, s3, ddb }), close };
}

/** Resolves the global flags, runs `body` with a registry, and always releases the clients. */
async function withRegistry(
  command: Command,
  io: CliIo,
  props: RegistryCommandProps,
  body: (registry: ModelRegistry, print: (value: unknown, text: () => string) => void) => Promise<void>,
): Promise<void> {
  const globals = globalsOf(command, io);
  const { registry, close } = (props.createRegistry ?? awsModelRegistry)(globals);
  const print = (value: unknown, text: () => string) => io.stdout(globals.json ? `${JSON.stringify(value, null, 2)}\n` : text());
  try {
    await body(registry, print);
  } finally {
    close?.();
  }
}

export async function publish(
  command: Command,
  f: PublishFlags,
  vllmArgs: string[],
  io: CliIo,
  props: RegistryCommandProps,
): Promise<void> {
  await withRegistry(command, io, props, async (registry, print) => {
    const cancel = new AbortController();
    // A cancelled CI job rolls its publish back instead of dying with its claim held.
    const release = onInterrupt(io, {
      message: (signal) => `received ${signal}: stopping the publish and rolling it back\n`,
      graceful: (signal) =>
        cancel.abort(
          new RegistryError(
            'cancelled',
            `publish of model ${f.model} version ${f.version} was cancelled, got ${signal}; rerun it to publish`,
          ),
        ),
    });
    let result;
    try {
      result = await registry.publish({
        model: f.model,
        version: f.version,
        path: f.path,
        image: f.image,
        vllmArgs,
        forceReclaim: f.forceReclaim === true,
        ...(f.staleAfter === undefined ? {} : { staleAfterMs: f.staleAfter }),
        onProgress: (event) => io.stderr(describeProgress(event)),
        signal: cancel.signal,
      });
    } finally {
      release();
    }
    const v = result.version;
    print(result, () => `published ${v.model} ${v.version} ${v.uri} (${v.fileCount} files, ${formatBytes(v.totalBytes)})\n`);
  });
}

export async function list(command: Command, f: { readonly model?: string }, io: CliIo, props: RegistryCommandProps): Promise<void> {
  await withRegistry(command, io, props, async (registry, print) => {
    const listing = await registry.list(f.model);
    print(listing, () => formatListing(listing));
  });
}

export async function show(
  command: Command,
  f: { readonly model: string; readonly version: string },
  io: CliIo,
  props: RegistryCommandProps,
): Promise<void> {
  await withRegistry(command, io, props, async (registry, print) => {
    const version = await registry.show(f.model, f.version);
    print(version, () => formatVersion(version));
  });
}

export async function promote(
  command: Command,
  f: { readonly model: string; readonly version: string; readonly env: string; readonly expectRevision?: number },
  io: CliIo,
  props: RegistryCommandProps,
): Promise<void> {
  await withRegistry(command, io, props, async (registry, print) => {
    const promotion = await registry.promote({
      model: f.model,
      version: f.version,
      env: f.env,
      ...(f.expectRevision === undefined ? {} : { expectedRevision: f.expectRevision }),
    });
    const p = promotion.pointer;
    print(promotion, () =>
      promotion.changed
        ? `promoted ${p.model} ${p.current} to ${p.env} (revision ${p.revision}, previous ${p.previous ?? 'none'})\n`
        : `${p.env} already runs ${p.model} ${p.current} (revision ${p.revision}); nothing changed\n`,
    );
  });
}

export async function resolve(
  command: Command,
  f: { readonly model: string; readonly env: string; readonly previous?: boolean },
  io: CliIo,
  props: RegistryCommandProps,
): Promise<void> {
  await withRegistry(command, io, props, async (registry, print) => {
    const resolution = await registry.resolve({ model: f.model, env: f.env, previous: f.previous === true });
    print(resolution, () => `${resolution.version} ${resolution.uri}\n`);
  });
}

export async function verify(
  command: Command,
  f: { readonly model: string; readonly version: string },
  io: CliIo,
  props: RegistryCommandProps,
): Promise<void> {
  await withRegistry(command, io, props, async (registry, print) => {
    const report = await registry.verify(f.model, f.version);
    print(report, () => formatVerify(report));
    if (!report.ok) {
      const counts = (['missing', 'mismatch', 'extra'] as const)
        .map((kind) => [kind, report.problems.filter((p) => p.kind === kind).length] as const)
        .filter(([, n]) => n > 0)
        .map(([kind, n]) => `${n} ${kind}`);
      throw new RegistryError(
        'verification_failed',
        `model ${report.model} version ${report.version} failed verification, got ${counts.join(', ')}; ` +
          "restore the objects from the bucket's noncurrent versions or publish a new version",
      );
    }
  });
}

// ---- text output ----------------------------------------------------------------------------

/** Bytes in decimal units, as model sizes are usually quoted (14.5 GB). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

function describeProgress(event: PublishEvent): string {
  switch (event.type) {
    case 'claimed':
      return event.reclaimed === undefined
        ? `claimed the version (claim ${event.claimId})\n`
        : `took over claim ${event.reclaimed.claimId} of ${event.reclaimed.claimedBy} (heartbeat ${formatDurationMs(event.reclaimed.heartbeatAgeMs)} ago); new claim ${event.claimId}\n`;
    case 'cleaned':
      return `deleted ${event.objects} leftover objects of an earlier attempt\n`;
    case 'uploaded':
      return `uploaded ${event.done}/${event.total} ${event.file.path} (${formatBytes(event.file.size)}, sha256 ${event.file.sha256.slice(0, 12)})\n`;
    case 'ready':
      return `marked ${event.version.version} ready\n`;
    default: {
      const unreachable: never = event;
      return String(unreachable);
    }
  }
}

function formatTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return (
    rows
      .map((row) =>
        row
          .map((cell, column) => cell.padEnd(widths[column]!))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

function formatListing(listing: readonly ModelListing[]): string {
  if (listing.length === 0) return 'no models in the registry\n';
  const rows: string[][] = [['MODEL', 'VERSION', 'STATUS', 'FILES', 'SIZE', 'PUBLISHED', 'ENVS']];
  for (const model of listing) {
    const envsOf = (version: string) =>
      model.envs
        .flatMap((env) => (env.current === version ? [env.env] : env.previous === version ? [`${env.env}(previous)`] : []))
        .join(',');
    for (const entry of model.versions) rows.push(versionRow(model.model, entry, envsOf(entry.version)));
  }
  return formatTable(rows);
}

function versionRow(model: string, entry: VersionEntry, envs: string): string[] {
  if (entry.status === 'ready') {
    return [model, entry.version, 'ready', String(entry.fileCount), formatBytes(entry.totalBytes), entry.publishedAt, envs];
  }
  const age = `${entry.claimedBy} heartbeat ${formatDurationMs(entry.heartbeatAgeMs)} ago${entry.stale ? ' (stale)' : ''}`;
  return [model, entry.version, 'uploading', '-', '-', age, envs];
}

function formatVersion(version: ReadyVersion): string {
  const lines = [
    `model      ${version.model}`,
    `version    ${version.version}`,
    `uri        ${version.uri}`,
    `image      ${version.image}`,
    `vllm args  ${version.vllmArgs.join(' ') || '(none)'}`,
    `created    ${version.createdAt}`,
    `published  ${version.publishedAt}`,
    `size       ${formatBytes(version.totalBytes)} in ${version.fileCount} files`,
    `manifest   sha256 ${version.manifestSha256}`,
    '',
  ];
  const rows = [['SIZE', 'SHA256', 'PATH'], ...version.files.map((file) => [formatBytes(file.size), file.sha256, file.path])];
  return lines.join('\n') + formatTable(rows);
}

function formatVerify(report: VerifyReport): string {
  const lines = report.problems.map((problem) => {
    const expected =
      problem.expected === undefined
        ? ''
        : ` expected ${problem.expected.size === undefined ? '' : `${problem.expected.size} bytes `}sha256 ${problem.expected.sha256.slice(0, 12)}`;
    const actual =
      problem.actual === undefined
        ? ''
        : ` got ${problem.actual.size} bytes${problem.actual.sha256 === undefined ? '' : ` sha256 ${problem.actual.sha256.slice(0, 12)}`}`;
    return `${problem.kind.padEnd(8)} ${problem.path}${expected}${actual}`;
  });
  const summary = report.ok
    ? `ok: ${report.checkedFiles} files of ${report.model} ${report.version} match the manifest`
    : `failed: ${report.problems.length} problems in ${report.checkedFiles} files of ${report.model} ${report.version}`;
  return [...lines, summary].join('\n') + '\n';
}
