/**
 * `llm-bench registry …`: a thin command layer over `ModelRegistry` (bench/registry/registry.ts). It turns flags into
 * library calls and results into text or JSON; every rule lives in the library. Errors and exit
 * codes are llm-bench's: a UsageError exits 2, a RegistryError (a RunError) exits 1.
 *
 * Embedding: `program.addCommand(registryCommand({ io }))`. The registry's `publish --version`
 * flag needs the parent program to call `enablePositionalOptions()`, or a parent `--version`
 * flag (commander's `.version()`) swallows it.
 */
import { Command, InvalidArgumentError } from 'commander';
import { REGISTRY_DEFAULTS } from '../../registry/defaults';
import { formatDurationMs, parseDurationMs } from '../../registry/names';
import { nonNegativeInteger, number } from '../flags';
import { type CliIo, processIo, withConventions } from '../io';
import type { PublishFlags, RegistryCommandProps } from '../actions/registry';

function duration(flag: string) {
  return (value: string): number => {
    const ms = parseDurationMs(value);
    if (ms === undefined) throw new InvalidArgumentError(`${flag} must be a duration such as 90s, 15m or 1h, got ${JSON.stringify(value)}`);
    return ms;
  };
}

/** Loads the actions only when a subcommand runs: they bring the AWS SDK. */
const actions = () => import('../actions/registry');

/**
 * The `registry` command: publish, list, show, promote, resolve and verify model versions in
 * the S3 + DynamoDB registry.
 */
export function registryCommand(props: RegistryCommandProps = {}): Command {
  const io = props.io ?? processIo();
  const root = new Command('registry')
    .description('publish, promote and verify model versions in the S3 + DynamoDB model registry')
    .option('--bucket <name>', 'registry bucket (default: env LLM_REGISTRY_BUCKET)')
    .option('--table <name>', 'registry table (default: env LLM_REGISTRY_TABLE)')
    .option('--region <region>', 'AWS region (default: the SDK chain, e.g. AWS_REGION)')
    .option('--endpoint-url <url>', 'endpoint for both S3 and DynamoDB (localstack)')
    .option('--s3-endpoint-url <url>', 'endpoint for S3 only (s3rver); overrides --endpoint-url')
    .option('--dynamodb-endpoint-url <url>', 'endpoint for DynamoDB only (dynalite); overrides --endpoint-url')
    .option(
      '--request-timeout <s>',
      `seconds an S3 or DynamoDB request may wait for an answer; each is tried three times (default ${REGISTRY_DEFAULTS.requestTimeoutMs / 1000})`,
      number('--request-timeout'),
    )
    .option('--json', 'print results as JSON on stdout')
    .addHelpText(
      'after',
      '\nExit codes: 0 ok · 2 bad usage or input · 1 failure (not found, conflict, lost race, verification failed, AWS error)',
    );

  for (const sub of [publishCommand, listCommand, showCommand, promoteCommand, resolveCommand, verifyCommand])
    root.addCommand(sub(io, props));
  return withConventions(root, io);
}

function publishCommand(io: CliIo, props: RegistryCommandProps): Command {
  return new Command('publish')
    .description('upload a model directory as an immutable version (files, then MANIFEST.json, then the ready item)')
    .requiredOption('--model <name>', 'model name, e.g. mistral-7b-awq')
    .requiredOption('--version <semver>', 'semantic version, e.g. 1.2.0 or 1.3.0-rc.1')
    .requiredOption('--path <dir>', 'directory holding the model files')
    .requiredOption('--image <ref>', 'vLLM image the version is for: REPO:TAG or REPO@sha256:DIGEST')
    .option('--force-reclaim', 'take over an uploading claim whatever its age (only when its publisher is dead)')
    .option(
      '--stale-after <duration>',
      `take over an uploading claim whose heartbeat is older than this (default ${formatDurationMs(REGISTRY_DEFAULTS.staleAfterMs)})`,
      duration('--stale-after'),
    )
    .argument('[vllm-args...]', 'vLLM arguments recorded in the manifest, after --, e.g. -- --quantization awq --max-model-len 4096')
    .addHelpText(
      'after',
      '\nExample:\n  llm-bench registry publish --model mistral-7b-awq --version 1.0.0 --path ./weights \\\n    --image vllm/vllm-openai:v0.11.0 -- --quantization awq --dtype half',
    )
    .action(async function (this: Command, vllmArgs: string[]) {
      await (await actions()).publish(this, this.opts<PublishFlags>(), vllmArgs, io, props);
    });
}

function listCommand(io: CliIo, props: RegistryCommandProps): Command {
  return new Command('list')
    .description('list versions (with uploading claims and their age) and which version each environment runs')
    .option('--model <name>', 'one model (a query); without it, the whole table (a scan)')
    .action(async function (this: Command) {
      await (await actions()).list(this, this.opts<{ model?: string }>(), io, props);
    });
}

function showCommand(io: CliIo, props: RegistryCommandProps): Command {
  return new Command('show')
    .description('show a ready version: manifest fields and files')
    .requiredOption('--model <name>', 'model name')
    .requiredOption('--version <semver>', 'version')
    .action(async function (this: Command) {
      await (await actions()).show(this, this.opts<{ model: string; version: string }>(), io, props);
    });
}

function promoteCommand(io: CliIo, props: RegistryCommandProps): Command {
  return new Command('promote')
    .description('point an environment at a ready version; the version it ran becomes its previous (rollback target)')
    .requiredOption('--model <name>', 'model name')
    .requiredOption('--version <semver>', 'ready version to run')
    .requiredOption('--env <name>', 'environment, e.g. dev or prod')
    .option(
      '--expect-revision <n>',
      'fail unless the environment is still at this revision (0: never promoted)',
      nonNegativeInteger('--expect-revision'),
    )
    .action(async function (this: Command) {
      await (
        await actions()
      ).promote(this, this.opts<{ model: string; version: string; env: string; expectRevision?: number }>(), io, props);
    });
}

function resolveCommand(io: CliIo, props: RegistryCommandProps): Command {
  return new Command('resolve')
    .description('print the version an environment runs (or, with --previous, its rollback target) and its S3 URI')
    .requiredOption('--model <name>', 'model name')
    .requiredOption('--env <name>', 'environment')
    .option('--previous', 'the version the environment ran before its last promote')
    .action(async function (this: Command) {
      await (await actions()).resolve(this, this.opts<{ model: string; env: string; previous?: boolean }>(), io, props);
    });
}

function verifyCommand(io: CliIo, props: RegistryCommandProps): Command {
  return new Command('verify')
    .description('re-hash every object of a version against its manifest; exit 1 on any missing, changed or extra file')
    .requiredOption('--model <name>', 'model name')
    .requiredOption('--version <semver>', 'version')
    .action(async function (this: Command) {
      await (await actions()).verify(this, this.opts<{ model: string; version: string }>(), io, props);
    });
}
