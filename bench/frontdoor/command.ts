/**
 * `llm-bench frontdoor --targets FILE`: the front-door checks alone, and the flags `postdeploy`
 * shares with it (`--front-door-key`, `--front-door-ca`, `--split-requests`).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { Command, InvalidArgumentError } from 'commander';
import { parse as parseYaml } from 'yaml';
import type { CliIo, ExitSink } from '../cli';
import { usageErrors } from '../errors';
import { renderJunit } from '../report/junit';
import { FRONT_DOOR_DEFAULTS, type FrontDoorOptions, runFrontDoor } from './frontdoor';
import { frontDoorMarkdown, frontDoorSuite } from './report';
import { parseFrontDoor, type FrontDoorTarget } from './target';

export interface FrontDoorFlags {
  readonly frontDoorKey?: string;
  readonly frontDoorCa?: string;
  readonly splitRequests?: number;
}

function positiveInt(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${flag} must be a positive whole number, got ${JSON.stringify(v)}`);
    return n;
  };
}

/** The flags the front-door checks take. */
export function addFrontDoorFlags(cmd: Command): Command {
  return cmd
    .option('--front-door-key <key>', 'a client API key of the front door (default: env LLM_BENCH_FRONT_DOOR_KEY)')
    .option('--front-door-ca <file>', 'PEM CA to trust for the front door besides the system ones')
    .option('--split-requests <n>', `requests per A/B alias (default ${FRONT_DOOR_DEFAULTS.splitRequests})`, positiveInt('--split-requests'));
}

/** The check options (without the target) from the flags; a bad CA file is a problem. */
export async function frontDoorOptionsFrom(f: FrontDoorFlags, io: CliIo, problems: string[]): Promise<Omit<FrontDoorOptions, 'target'>> {
  const apiKey = f.frontDoorKey ?? io.env.LLM_BENCH_FRONT_DOOR_KEY;
  let ca: Buffer | undefined;
  if (f.frontDoorCa !== undefined) {
    try {
      ca = await readFile(f.frontDoorCa);
    } catch (err) {
      problems.push(`--front-door-ca ${f.frontDoorCa} cannot be read, got ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; pass a PEM file`);
    }
  }
  return {
    ...(apiKey !== undefined && apiKey !== '' && { apiKey }),
    ...(ca !== undefined && { ca }),
    ...(f.splitRequests !== undefined && { splitRequests: f.splitRequests }),
    onProgress: (line) => io.stderr(`${line}\n`),
  };
}

/** The `frontDoor` of stack outputs or a targets file. */
export async function loadFrontDoor(file: string): Promise<FrontDoorTarget> {
  let raw: unknown;
  try {
    raw = parseYaml(await readFile(file, 'utf8'));
  } catch (err) {
    throw usageErrors([`--targets ${file} cannot be read as YAML or JSON, got ${(err as NodeJS.ErrnoException).code ?? (err as Error).message.split('\n')[0]}`]);
  }
  const value = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>).frontDoor : undefined;
  if (value === undefined) {
    throw usageErrors([`--targets ${file} has no frontDoor; pass pulumi stack output --json of a stack with gateway.enabled, or a targets file with frontDoor:`]);
  }
  const { target, problems } = parseFrontDoor(value, file);
  if (!target) throw usageErrors(problems);
  return target;
}

interface Flags extends FrontDoorFlags {
  readonly targets: string;
  readonly json?: string;
  readonly junit?: string;
}

/** The `frontdoor` command. */
export function frontDoorCommand(io: CliIo, exit: ExitSink): Command {
  const cmd = new Command('frontdoor')
    .description('check the public front door: HTTPS, keys, models, streaming, the A/B split (chi-square) and the rate limit (429 with Retry-After)')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .requiredOption('--targets <file>', 'pulumi stack output --json, or a targets file with frontDoor:')
    .option('--json <file>', 'write the JSON result')
    .option('--junit <file>', 'write JUnit XML');
  addFrontDoorFlags(cmd);
  return cmd.action(async (f: Flags) => {
    const problems: string[] = [];
    const options = await frontDoorOptionsFrom(f, io, problems);
    if (problems.length > 0) throw usageErrors(problems);
    const target = await loadFrontDoor(f.targets);
    const result = await runFrontDoor({ ...options, target });
    if (f.json !== undefined) await writeFile(f.json, `${JSON.stringify(result, null, 2)}\n`);
    if (f.junit !== undefined) await writeFile(f.junit, renderJunit([frontDoorSuite(result)]));
    io.stdout(frontDoorMarkdown(result).join('\n'));
    exit.code = result.exitCode;
  });
}
