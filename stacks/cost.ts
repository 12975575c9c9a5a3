/**
 * `npm run cost -- [--env NAME]... [--json] [overrides]`: the monthly estimate of each
 * environment from its `Pulumi.<env>.yaml` and facts/prices.ts, line by line, SPOT and on demand.
 *
 * `--write-readme` regenerates the cost blocks of README.md and infra/README.md from every
 * environment; `--check-readme` exits 1 when they are stale. Exit 2 on a bad flag or config.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PRICED_REGIONS } from '../facts/prices';
import type { InstancePriceOverride } from '../bench/cost/prices';
import { ConfigError, environmentOf, loadEnvironmentFile, type PlatformConfig } from '../config/platform';
import { estimateMonthlyCost, type CostEstimate } from '../bench/cost/estimate';
import { DEFAULT_USAGE, costInput, environmentPrices, type CostUsage } from '../bench/cost/environment';
import { detailMarkdown, infraReadmeBlock, readmeBlock, replaceBlock } from './cost/report';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** The files with a generated cost block, and what goes in each. */
const README_FILES = [
  { file: 'README.md', block: readmeBlock },
  { file: 'infra/README.md', block: infraReadmeBlock },
] as const;

const USAGE = `usage: npm run cost -- [--env NAME]... [--json] [options]

  --env NAME            an environment (Pulumi.NAME.yaml); repeat for several (default: every one)
  --json                the estimates as JSON instead of Markdown
  --region REGION       price in this region (${PRICED_REGIONS.join(', ')})
  --spot-discount D     SPOT price as a share off on demand, 0 to below 1 (e.g. 0.6)
  --price TYPE=USD      on-demand USD per hour of an instance type; repeatable
  --spot-price TYPE=USD SPOT USD per hour of an instance type (wins over --spot-discount); repeatable
  --cold-starts N       starts of each GPU node a month (default ${DEFAULT_USAGE.coldStartsPerGpuNodePerMonth})
  --log-gb N            control-plane log GB a month (default ${DEFAULT_USAGE.controlPlaneLogGbPerMonth})
  --nlcu N              NLCUs the front door's load balancer is billed each hour (default ${DEFAULT_USAGE.frontDoorNlcuPerHour})
  --write-readme        regenerate the cost blocks of README.md and infra/README.md
  --check-readme        exit 1 when those blocks differ from the estimates`;

interface Flags {
  readonly envs: string[];
  readonly json: boolean;
  readonly writeReadme: boolean;
  readonly checkReadme: boolean;
  readonly region?: string;
  readonly spotDiscount?: number;
  readonly prices: Record<string, InstancePriceOverride>;
  readonly usage: CostUsage;
}

/** Environment names from the `Pulumi.<env>.yaml` files in the project root, sorted. */
function knownEnvironments(): string[] {
  return readdirSync(ROOT)
    .filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f))
    .map(environmentOf)
    .sort();
}

function numberFlag(
  name: string,
  raw: string | undefined,
  ok: (n: number) => boolean,
  rule: string,
  problems: string[],
): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || !ok(n)) {
    problems.push(`--${name} must be ${rule}, got ${JSON.stringify(raw)}`);
    return undefined;
  }
  return n;
}

function priceFlags(
  name: string,
  raw: string[],
  kind: keyof InstancePriceOverride,
  into: Record<string, InstancePriceOverride>,
  problems: string[],
): void {
  for (const r of raw) {
    const m = /^([a-z0-9-]+\.[a-z0-9-]+)=(.+)$/.exec(r);
    const usd = m ? Number(m[2]) : NaN;
    if (!m || !Number.isFinite(usd) || usd <= 0) {
      problems.push(`--${name} must be TYPE=USD with a positive USD per hour, like g4dn.xlarge=0.21, got ${JSON.stringify(r)}`);
      continue;
    }
    into[m[1]!] = { ...into[m[1]!], [kind]: usd };
  }
}

const OPTIONS = {
  env: { type: 'string', short: 'e', multiple: true },
  json: { type: 'boolean' },
  region: { type: 'string' },
  'spot-discount': { type: 'string' },
  price: { type: 'string', multiple: true },
  'spot-price': { type: 'string', multiple: true },
  'cold-starts': { type: 'string' },
  'log-gb': { type: 'string' },
  nlcu: { type: 'string' },
  'write-readme': { type: 'boolean' },
  'check-readme': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Unknown options, options without their value and stray arguments: every one, not the first. */
function shapeProblems(argv: string[]): string[] {
  const { tokens } = parseArgs({ args: argv, options: OPTIONS, strict: false, allowPositionals: true, tokens: true });
  return tokens.flatMap((t) => {
    if (t.kind === 'positional') return [`${t.value} is not an option; options start with --`];
    if (t.kind !== 'option') return [];
    const spec = (OPTIONS as Record<string, { type: string }>)[t.name];
    if (!spec) return [`--${t.name} is not an option`];
    if (spec.type === 'string' && t.value === undefined) return [`--${t.name} needs a value`];
    return [];
  });
}

/** The flags, or every problem with them. */
function parseFlags(argv: string[]): { flags?: Flags; help?: boolean; problems: string[] } {
  const shape = shapeProblems(argv);
  if (shape.length > 0) return { problems: shape };
  const { values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false });
  if (values.help) return { help: true, problems: [] };
  const problems: string[] = [];
  const known = knownEnvironments();
  const envs = values.env ?? [];
  for (const env of envs.filter((e) => !known.includes(e))) {
    problems.push(`--env ${env} has no Pulumi.${env}.yaml; known environments: ${known.join(', ') || 'none'}`);
  }
  if (values.region !== undefined && !(PRICED_REGIONS as readonly string[]).includes(values.region)) {
    problems.push(`--region must be one of ${PRICED_REGIONS.join(', ')}, got ${JSON.stringify(values.region)}`);
  }
  const discountRule = 'a number at least 0 and below 1';
  const spotDiscount = numberFlag('spot-discount', values['spot-discount'], (n) => n >= 0 && n < 1, discountRule, problems);
  const coldStarts = numberFlag('cold-starts', values['cold-starts'], (n) => n >= 0, 'a number at least 0', problems);
  const logGb = numberFlag('log-gb', values['log-gb'], (n) => n >= 0, 'a number at least 0', problems);
  const nlcu = numberFlag('nlcu', values.nlcu, (n) => n >= 0, 'a number at least 0', problems);
  const prices: Record<string, InstancePriceOverride> = {};
  priceFlags('price', values.price ?? [], 'onDemand', prices, problems);
  priceFlags('spot-price', values['spot-price'] ?? [], 'spot', prices, problems);
  const readme = values['write-readme'] || values['check-readme'];
  const overridden = [values.region, spotDiscount, coldStarts, logGb, nlcu].some((v) => v !== undefined) || Object.keys(prices).length > 0;
  if (readme && (envs.length > 0 || overridden)) {
    problems.push('--write-readme and --check-readme cover every environment as configured; drop --env and the price and usage options');
  }
  if (values['write-readme'] && values['check-readme']) problems.push('--write-readme and --check-readme exclude each other; pick one');
  return {
    problems,
    flags: {
      envs: envs.length > 0 ? envs : known,
      json: values.json === true,
      writeReadme: values['write-readme'] === true,
      checkReadme: values['check-readme'] === true,
      ...(values.region !== undefined && { region: values.region }),
      ...(spotDiscount !== undefined && { spotDiscount }),
      prices,
      usage: {
        ...DEFAULT_USAGE,
        ...(coldStarts !== undefined && { coldStartsPerGpuNodePerMonth: coldStarts }),
        ...(logGb !== undefined && { controlPlaneLogGbPerMonth: logGb }),
        ...(nlcu !== undefined && { frontDoorNlcuPerHour: nlcu }),
      },
    },
  };
}

/** The config with the flags' price overrides on top of its `pricing` section. */
function withOverrides(c: PlatformConfig, f: Pick<Flags, 'region' | 'spotDiscount' | 'prices'>): PlatformConfig {
  const instanceHourlyUsd = { ...c.pricing.instanceHourlyUsd };
  for (const [type, p] of Object.entries(f.prices)) instanceHourlyUsd[type] = { ...instanceHourlyUsd[type], ...p };
  return {
    ...c,
    pricing: {
      ...c.pricing,
      ...(f.region !== undefined && { region: f.region as PlatformConfig['pricing']['region'] }),
      ...(f.spotDiscount !== undefined && { spotDiscount: f.spotDiscount }),
      instanceHourlyUsd,
    },
  };
}

/**
 * The estimate of each environment, every config validated before any is priced.
 *
 * @throws ConfigError listing the problems of the first bad environment file
 */
export function estimates(
  envs: readonly string[],
  f: Pick<Flags, 'region' | 'spotDiscount' | 'prices' | 'usage'>,
  root = ROOT,
): CostEstimate[] {
  const configs = envs.map((env) => withOverrides(loadEnvironmentFile(join(root, `Pulumi.${env}.yaml`)), f));
  return configs.map((c) => estimateMonthlyCost(costInput(c, f.usage), environmentPrices(c)));
}

/** The README files with their cost blocks brought up to date; only the ones that changed. */
export function staleReadmes(all: readonly CostEstimate[], root = ROOT): { file: string; text: string }[] {
  return README_FILES.flatMap(({ file, block }) => {
    const path = join(root, file);
    const text = readFileSync(path, 'utf8');
    const next = replaceBlock(text, block(all), file);
    return next === text ? [] : [{ file, text: next }];
  });
}

function main(argv: string[]): number {
  const { flags, help, problems } = parseFlags(argv);
  if (help) {
    console.log(USAGE);
    return 0;
  }
  if (problems.length > 0 || !flags) {
    const list = problems.map((p) => `  - ${p}`).join('\n');
    console.error(`cost: ${problems.length} usage error${problems.length === 1 ? '' : 's'}:\n${list}\nrun with --help for usage`);
    return 2;
  }
  let all: CostEstimate[];
  try {
    all = estimates(flags.envs, flags);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      return 2;
    }
    throw e;
  }
  if (flags.writeReadme || flags.checkReadme) {
    const stale = staleReadmes(all);
    if (flags.checkReadme) {
      for (const s of stale) console.error(`${s.file}: the cost block differs from the estimates; run npm run cost -- --write-readme`);
      return stale.length > 0 ? 1 : 0;
    }
    for (const s of stale) writeFileSync(join(ROOT, s.file), s.text);
    console.log(stale.length > 0 ? `updated ${stale.map((s) => s.file).join(', ')}` : 'README.md and infra/README.md are up to date');
    return 0;
  }
  console.log(flags.json ? JSON.stringify({ environments: all }, null, 2) : all.map(detailMarkdown).join('\n\n'));
  return 0;
}

// Runs only as the entry point, so tests import estimates() and staleReadmes() without side effects.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
