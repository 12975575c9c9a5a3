/** What `llm-bench pareto` does once its flags parse. */
import { readFile } from 'node:fs/promises';
import { missingInstancePrices, isPricedRegion, type CapacityType } from '../../cost';
import { readRunResult } from '../../compare/files';
import { evalResultSchema, type EvalResult } from '../../eval/result';
import { failOnProblems } from '../../errors';
import { type LatencyMetric, type ParetoInput, paretoView, type QualityMetric } from '../../pareto/pareto';
import { PARETO_RENDERERS, renderParetoMarkdown } from '../../pareto/report';
import type { LoadResult } from '../../result';
import type { CliIo } from '../io';
import { type OutputFlags, outputProblems, toStdout, writeReports } from '../output';

export interface ParetoFlags extends OutputFlags {
  readonly eval: string;
  readonly variant: string[];
  readonly instanceType: string[];
  readonly replicas: string[];
  readonly region: string;
  readonly capacity: CapacityType;
  readonly quality: QualityMetric;
  readonly latency: LatencyMetric;
}

function pairs(flag: string, values: readonly string[], problems: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const v of values) {
    const at = v.indexOf('=');
    if (at <= 0 || at === v.length - 1)
      problems.push(`${flag} takes <name>=<value>, got ${JSON.stringify(v)}; pass e.g. ${flag} awq=awq.json`);
    else out.set(v.slice(0, at), v.slice(at + 1));
  }
  return out;
}

async function readEval(file: string, problems: string[]): Promise<EvalResult | undefined> {
  try {
    const parsed = evalResultSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    if (parsed.success) return parsed.data;
    problems.push(
      `--eval ${file} is not an eval result, got ${parsed.error.issues[0]!.path.join('.') || 'root'}: ${parsed.error.issues[0]!.message.toLowerCase()}; pass a file written by llm-bench eval --json`,
    );
  } catch (err) {
    problems.push(
      `--eval ${file} cannot be read as json, got ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; pass a file written by llm-bench eval --json`,
    );
  }
  return undefined;
}

export async function paretoAction(f: ParetoFlags, io: CliIo): Promise<void> {
  const problems = outputProblems(f);
  if (f.junit !== undefined) problems.push('pareto has no JUnit report (it has no gates), got --junit; use --json, --markdown or --html');
  const variants = pairs('--variant', f.variant, problems);
  const replicas = pairs('--replicas', f.replicas, problems);
  const bare = f.instanceType.filter((t) => !t.includes('='));
  const perVariant = pairs(
    '--instance-type',
    f.instanceType.filter((t) => t.includes('=')),
    problems,
  );
  const typeOf = (name: string) => perVariant.get(name) ?? bare[0];
  for (const name of variants.keys())
    if (typeOf(name) === undefined)
      problems.push(`--instance-type has none for ${name}, got no default; pass --instance-type g5.xlarge or ${name}=g5.xlarge`);
  for (const name of [...perVariant.keys(), ...replicas.keys()])
    if (!variants.has(name))
      problems.push(`${name} is not a --variant, got it in --instance-type or --replicas; use one of ${[...variants.keys()].join(', ')}`);
  for (const [name, n] of replicas)
    if (!/^[1-9]\d*$/.test(n)) problems.push(`--replicas ${name} must be a whole number at least 1, got ${n}; pass e.g. ${name}=2`);
  if (!isPricedRegion(f.region))
    problems.push(`--region ${f.region} has no prices in facts/prices.ts, got ${f.region}; use a priced region`);
  else {
    const types = [...new Set([...variants.keys()].map(typeOf).filter((t): t is string => t !== undefined))];
    for (const t of missingInstancePrices(f.region, types))
      problems.push(`--instance-type ${t} has no price for ${f.region} in facts/prices.ts, got ${t}; use a priced GPU type`);
  }
  const evalResult = await readEval(f.eval, problems);
  const loads = new Map<string, LoadResult>();
  for (const [name, file] of variants) {
    try {
      const r = await readRunResult(file, `--variant ${name}`);
      if (r.kind === 'load') loads.set(name, r);
      else problems.push(`--variant ${name} ${file} is a sweep, got kind sweep; pass the load result of the setting you would run`);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  failOnProblems(problems);
  const inputs: ParetoInput[] = [...variants.keys()].map((name) => ({
    name,
    load: loads.get(name)!,
    instanceType: typeOf(name)!,
    replicas: Number(replicas.get(name) ?? 1),
  }));
  const result = paretoView({
    variants: inputs,
    eval: evalResult!,
    region: f.region,
    capacity: f.capacity,
    quality: f.quality,
    latency: f.latency,
  });
  await writeReports(result, f, PARETO_RENDERERS, io);
  if (!toStdout(f)) io.stdout(renderParetoMarkdown(result));
}
