/**
 * `llm-bench registry …`: a thin command layer over {@link ModelRegistry}. It turns flags into
 * library calls and results into text or JSON; every rule lives in the library.
 *
 * Embedding: `program.addCommand(registryCommand({ io }))`. The registry's `publish --version`
 * flag needs the parent program to call `enablePositionalOptions()`, or a parent `--version`
 * flag (commander's `.version()`) swallows it.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { REGISTRY_DEFAULTS } from './defaults';
import { RegistryError, RegistryUsageError, exitCodeOf, usageErrors } from './errors';
import type { ReadyVersion, VersionEntry } from './model';
import { formatDurationMs, parseDurationMs } from './names';
import { ModelRegistry, type ModelListing, type PublishEvent, type VerifyReport } from './registry';

/** Where the command writes and which environment it reads; tests pass buffers. */
export interface RegistryCommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Roll a publish back on SIGINT/SIGTERM (a cancelled CI job) instead of dying with its claim
   * held; a second signal is left to the default handler.
   * @default false, true for the process's own io
   */
  readonly handleSignals?: boolean;
}

/** The global flags of `registry`, after environment fallbacks. */
export interface RegistryGlobals {
  readonly bucket: string;
  readonly table: string;
  readonly region?: string;
  /** Endpoint for S3, e.g. s3rver or localstack. */
  readonly s3EndpointUrl?: string;
  /** Endpoint for DynamoDB, e.g. dynalite or localstack. */
  readonly dynamodbEndpointUrl?: string;
  readonly json: boolean;
}

export interface RegistryCommandProps {
  /** @default - the process's stdout, stderr and environment */
  readonly io?: RegistryCommandIo;
  /**
   * Builds the registry for one invocation.
   * @default - AWS SDK clients from --region and the endpoint flags, with the default credential chain
   */
  readonly createRegistry?: (globals: RegistryGlobals) => { readonly registry: ModelRegistry; readonly close?: () => void };
}

interface GlobalFlags {
  bucket?: string;
  table?: string;
  region?: string;
  endpointUrl?: string;
  s3EndpointUrl?: string;
  dynamodbEndpointUrl?: string;
  json?: boolean;
}

const ENV_BUCKET = 'LLM_REGISTRY_BUCKET';
const ENV_TABLE = 'LLM_REGISTRY_TABLE';

function processIo(): RegistryCommandIo {
  return { stdout: (text) => process.stdout.write(text), stderr: (text) => process.stderr.write(text), env: process.env, handleSignals: true };
}

function duration(flag: string) {
  return (value: string): number => {
    const ms = parseDurationMs(value);
    if (ms === undefined) throw new InvalidArgumentError(`${flag} must be a duration such as 90s, 15m or 1h, got ${JSON.stringify(value)}`);
    return ms;
  };
}

function nonNegativeInteger(flag: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${flag} must be a non-negative integer, got ${JSON.stringify(value)}`);
    return Number(value);
  };
}

/** Builds the AWS SDK clients the default `createRegistry` uses. */
export function createAwsClients(globals: RegistryGlobals): { s3: S3Client; ddb: DynamoDBDocumentClient; close: () => void } {
  const region = globals.region === undefined ? {} : { region: globals.region };
  const s3 = new S3Client({
    ...region,
    // s3rver and localstack serve buckets by path, not by host name.
    ...(globals.s3EndpointUrl === undefined ? {} : { endpoint: globals.s3EndpointUrl, forcePathStyle: true }),
  });
  const raw = new DynamoDBClient({ ...region, ...(globals.dynamodbEndpointUrl === undefined ? {} : { endpoint: globals.dynamodbEndpointUrl }) });
  const ddb = DynamoDBDocumentClient.from(raw);
  return {
    s3,
    ddb,
    close: () => {
      s3.destroy();
      raw.destroy();
    },
  };
}

/**
 * The `registry` command: publish, list, show, promote, resolve and verify model versions in
 * the S3 + DynamoDB registry. Actions throw {@link RegistryUsageError} (exit 2) or
 * {@link RegistryError} (exit 1); commander errors are thrown as CommanderError.
 */
export function registryCommand(props: RegistryCommandProps = {}): Command {
  const io = props.io ?? processIo();
  const env = io.env ?? process.env;
  const createRegistry =
    props.createRegistry ??
    ((globals: RegistryGlobals) => {
      const { s3, ddb, close } = createAwsClients(globals);
      return { registry: new ModelRegistry({ bucket: globals.bucket, table: globals.table, s3, ddb }), close };
    });

  const root = new Command('registry')
    .description('publish, promote and verify model versions in the S3 + DynamoDB model registry')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run with --help for usage)')
    .option('--bucket <name>', `registry bucket (default: env ${ENV_BUCKET})`)
    .option('--table <name>', `registry table (default: env ${ENV_TABLE})`)
    .option('--region <region>', 'AWS region (default: the SDK chain, e.g. AWS_REGION)')
    .option('--endpoint-url <url>', 'endpoint for both S3 and DynamoDB (localstack)')
    .option('--s3-endpoint-url <url>', 'endpoint for S3 only (s3rver); overrides --endpoint-url')
    .option('--dynamodb-endpoint-url <url>', 'endpoint for DynamoDB only (dynalite); overrides --endpoint-url')
    .option('--json', 'print results as JSON on stdout')
    .addHelpText('after', '\nExit codes: 0 ok · 2 bad usage or input · 1 failure (not found, conflict, lost race, verification failed, AWS error)');

  /** Resolves the global flags, runs `body` with a registry, and always releases the clients. */
  const withRegistry = async (command: Command, body: (registry: ModelRegistry, globals: RegistryGlobals) => Promise<void>) => {
    const flags = command.optsWithGlobals<GlobalFlags>();
    const bucket = flags.bucket ?? env[ENV_BUCKET];
    const table = flags.table ?? env[ENV_TABLE];
    const problems: string[] = [];
    if (bucket === undefined || bucket === '') problems.push(`--bucket is required, got neither the flag nor ${ENV_BUCKET}; pass the registry bucket name`);
    if (table === undefined || table === '') problems.push(`--table is required, got neither the flag nor ${ENV_TABLE}; pass the registry table name`);
    if (problems.length > 0) throw usageErrors(problems);
    const s3EndpointUrl = flags.s3EndpointUrl ?? flags.endpointUrl;
    const dynamodbEndpointUrl = flags.dynamodbEndpointUrl ?? flags.endpointUrl;
    const globals: RegistryGlobals = {
      bucket: bucket!,
      table: table!,
      ...(flags.region === undefined ? {} : { region: flags.region }),
      ...(s3EndpointUrl === undefined ? {} : { s3EndpointUrl }),
      ...(dynamodbEndpointUrl === undefined ? {} : { dynamodbEndpointUrl }),
      json: flags.json === true,
    };
    const { registry, close } = createRegistry(globals);
    try {
      await body(registry, globals);
    } finally {
      close?.();
    }
  };
  const print = (globals: RegistryGlobals, value: unknown, text: () => string) => {
    io.stdout(globals.json ? `${JSON.stringify(value, null, 2)}\n` : text());
  };

  root
    .command('publish')
    .description('upload a model directory as an immutable version (files, then MANIFEST.json, then the ready item)')
    .requiredOption('--model <name>', 'model name, e.g. mistral-7b-awq')
    .requiredOption('--version <semver>', 'semantic version, e.g. 1.2.0 or 1.3.0-rc.1')
    .requiredOption('--path <dir>', 'directory holding the model files')
    .requiredOption('--image <ref>', 'vLLM image the version is for: REPO:TAG or REPO@sha256:DIGEST')
    .option('--force-reclaim', 'take over an uploading claim whatever its age (only when its publisher is dead)')
    .option('--stale-after <duration>', `take over an uploading claim whose heartbeat is older than this (default ${formatDurationMs(REGISTRY_DEFAULTS.staleAfterMs)})`, duration('--stale-after'))
    .argument('[vllm-args...]', 'vLLM arguments recorded in the manifest, after --, e.g. -- --quantization awq --max-model-len 4096')
    .addHelpText('after', '\nExample:\n  llm-bench registry publish --model mistral-7b-awq --version 1.0.0 --path ./weights \\\n    --image vllm/vllm-openai:v0.11.0 -- --quantization awq --dtype half')
    .action(async function (this: Command, vllmArgs: string[]) {
      const f = this.opts<{ model: string; version: string; path: string; image: string; forceReclaim?: boolean; staleAfter?: number }>();
      await withRegistry(this, async (registry, globals) => {
        const cancel = new AbortController();
        const onSignal = (signal: NodeJS.Signals) => {
          io.stderr(`received ${signal}: stopping the publish and rolling it back\n`);
          cancel.abort(new RegistryError('cancelled', `publish of model ${f.model} version ${f.version} was cancelled, got ${signal}; rerun it to publish`));
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        };
        if (io.handleSignals === true) {
          process.once('SIGINT', onSignal);
          process.once('SIGTERM', onSignal);
        }
        const result = await registry.publish({
          model: f.model,
          version: f.version,
          path: f.path,
          image: f.image,
          vllmArgs,
          forceReclaim: f.forceReclaim === true,
          ...(f.staleAfter === undefined ? {} : { staleAfterMs: f.staleAfter }),
          onProgress: (event) => io.stderr(describeProgress(event)),
          signal: cancel.signal,
        }).finally(() => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        });
        print(globals, result, () => `published ${result.version.model} ${result.version.version} ${result.version.uri} (${result.version.fileCount} files, ${formatBytes(result.version.totalBytes)})\n`);
      });
    });

  root
    .command('list')
    .description('list versions (with uploading claims and their age) and which version each environment runs')
    .option('--model <name>', 'one model (a query); without it, the whole table (a scan)')
    .action(async function (this: Command) {
      const f = this.opts<{ model?: string }>();
      await withRegistry(this, async (registry, globals) => {
        const listing = await registry.list(f.model);
        print(globals, listing, () => formatListing(listing));
      });
    });

  root
    .command('show')
    .description('show a ready version: manifest fields and files')
    .requiredOption('--model <name>', 'model name')
    .requiredOption('--version <semver>', 'version')
    .action(async function (this: Command) {
      const f = this.opts<{ model: string; version: string }>();
      await withRegistry(this, async (registry, globals) => {
        const version = await registry.show(f.model, f.version);
        print(globals, version, () => formatVersion(version));
      });
    });

  root
    .command('promote')
    .description('point an environment at a ready version; the version it ran becomes its previous (rollback target)')
    .requiredOption('--model <name>', 'model name')
    .requiredOption('--version <semver>', 'ready version to run')
    .requiredOption('--env <name>', 'environment, e.g. dev or prod')
    .option('--expect-revision <n>', 'fail unless the environment is still at this revision (0: never promoted)', nonNegativeInteger('--expect-revision'))
    .action(async function (this: Command) {
      const f = this.opts<{ model: string; version: string; env: string; expectRevision?: number }>();
      await withRegistry(this, async (registry, globals) => {
        const promotion = await registry.promote({
          model: f.model,
          version: f.version,
          env: f.env,
          ...(f.expectRevision === undefined ? {} : { expectedRevision: f.expectRevision }),
        });
        const p = promotion.pointer;
        print(globals, promotion, () =>
          promotion.changed
            ? `promoted ${p.model} ${p.current} to ${p.env} (revision ${p.revision}, previous ${p.previous ?? 'none'})\n`
            : `${p.env} already runs ${p.model} ${p.current} (revision ${p.revision}); nothing changed\n`,
        );
      });
    });

  root
    .command('resolve')
    .description("print the version an environment runs (or, with --previous, its rollback target) and its S3 URI")
    .requiredOption('--model <name>', 'model name')
    .requiredOption('--env <name>', 'environment')
    .option('--previous', 'the version the environment ran before its last promote')
    .action(async function (this: Command) {
      const f = this.opts<{ model: string; env: string; previous?: boolean }>();
      await withRegistry(this, async (registry, globals) => {
        const resolution = await registry.resolve({ model: f.model, env: f.env, previous: f.previous === true });
        print(globals, resolution, () => `${resolution.version} ${resolution.uri}\n`);
      });
    });

  root
    .command('verify')
    .description('re-hash every object of a version against its manifest; exit 1 on any missing, changed or extra file')
    .requiredOption('--model <name>', 'model name')
    .requiredOption('--version <semver>', 'version')
    .action(async function (this: Command) {
      const f = this.opts<{ model: string; version: string }>();
      await withRegistry(this, async (registry, globals) => {
        const report = await registry.verify(f.model, f.version);
        print(globals, report, () => formatVerify(report));
        if (!report.ok) {
          const counts = (['missing', 'mismatch', 'extra'] as const)
            .map((kind) => [kind, report.problems.filter((p) => p.kind === kind).length] as const)
            .filter(([, n]) => n > 0)
            .map(([kind, n]) => `${n} ${kind}`);
          throw new RegistryError(
            'verification_failed',
            `model ${report.model} version ${report.version} failed verification, got ${counts.join(', ')}; ` +
              'restore the objects from the bucket\'s noncurrent versions or publish a new version',
          );
        }
      });
    });

  return root;
}

/**
 * Runs the registry command with `args` (without node and script) and returns the exit code,
 * printing errors as llm-bench does: `error: <message>` on stderr.
 */
export async function runRegistryCli(args: readonly string[], props: RegistryCommandProps = {}): Promise<number> {
  const io = props.io ?? processIo();
  try {
    await registryCommand({ ...props, io }).parseAsync([...args], { from: 'user' });
    return 0;
  } catch (error) {
    // Commander already printed its message; help exits 0, everything else it raises is usage.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof RegistryError || error instanceof RegistryUsageError) {
      io.stderr(`error: ${error.message}\n`);
      return error.exitCode;
    }
    io.stderr(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return exitCodeOf(error);
  }
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
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n') + '\n';
}

function formatListing(listing: readonly ModelListing[]): string {
  if (listing.length === 0) return 'no models in the registry\n';
  const rows: string[][] = [['MODEL', 'VERSION', 'STATUS', 'FILES', 'SIZE', 'PUBLISHED', 'ENVS']];
  for (const model of listing) {
    const envsOf = (version: string) =>
      model.envs.flatMap((env) => (env.current === version ? [env.env] : env.previous === version ? [`${env.env}(previous)`] : [])).join(',');
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
    const expected = problem.expected === undefined ? '' : ` expected ${problem.expected.size === undefined ? '' : `${problem.expected.size} bytes `}sha256 ${problem.expected.sha256.slice(0, 12)}`;
    const actual = problem.actual === undefined ? '' : ` got ${problem.actual.size} bytes${problem.actual.sha256 === undefined ? '' : ` sha256 ${problem.actual.sha256.slice(0, 12)}`}`;
    return `${problem.kind.padEnd(8)} ${problem.path}${expected}${actual}`;
  });
  const summary = report.ok
    ? `ok: ${report.checkedFiles} files of ${report.model} ${report.version} match the manifest`
    : `failed: ${report.problems.length} problems in ${report.checkedFiles} files of ${report.model} ${report.version}`;
  return [...lines, summary].join('\n') + '\n';
}
