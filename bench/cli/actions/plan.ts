/** What `llm-bench plan` does once its flags parse. */
import { readFile } from 'node:fs/promises';
import { type ResolvedCost, resolveCostSettings } from '../../cost/run-cost';
import { failOnProblems } from '../../errors';
import { planEnvironment } from '../../plan/environment';
import { plan } from '../../plan/plan';
import { renderPlanMarkdown, PLAN_RENDERERS } from '../../plan/report';
import { type SweepResult, sweepResultSchema } from '../../result';
import type { CostFlags } from '../cost-flags';
import { costSettingsFrom } from '../cost-options';
import type { CliIo } from '../io';
import { type OutputFlags, outputProblems, toStdout, writeReports } from '../output';

export interface PlanFlags extends CostFlags, Pick<OutputFlags, 'json' | 'markdown'> {
  readonly sweep: string;
  readonly targetRps?: number;
  readonly targetOutputTps?: number;
  readonly threshold: string[];
  readonly sweepReplicas?: number;
  readonly spare?: number;
}

/** The sweep file, or null with the problem. */
async function readSweep(file: string, problems: string[]): Promise<SweepResult | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    problems.push(
      `--sweep ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); pass the file llm-bench sweep --json wrote`,
    );
    return null;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    problems.push(`--sweep ${file} is not JSON; pass the file llm-bench sweep --json wrote`);
    return null;
  }
  const parsed = sweepResultSchema.safeParse(data);
  if (!parsed.success) {
    const kind = typeof data === 'object' && data !== null && 'kind' in data ? String(data.kind) : 'unknown';
    problems.push(`--sweep ${file} is not a sweep result, got kind ${kind}; pass the file llm-bench sweep --json wrote`);
    return null;
  }
  return parsed.data;
}

export async function planAction(f: PlanFlags, io: CliIo): Promise<void> {
  const problems = outputProblems(f);
  if ((f.targetRps === undefined) === (f.targetOutputTps === undefined)) {
    const got = f.targetRps === undefined ? 'neither' : 'both';
    problems.push(`plan needs exactly one of --target-rps or --target-output-tps, got ${got}; pass e.g. --target-rps 40`);
  }
  const sweep = await readSweep(f.sweep, problems);
  const pricing = costSettingsFrom(f, problems);
  failOnProblems(problems);
  const resolved: ResolvedCost = resolveCostSettings(pricing!.settings);
  const environment = planEnvironment(pricing!.environment, f.pricingConfig);
  const result = plan({
    sweep: sweep!,
    sweepFile: f.sweep,
    basis: f.targetRps !== undefined ? 'requests' : 'outputTokens',
    target: f.targetRps ?? f.targetOutputTps!,
    thresholds: f.threshold,
    ...(f.sweepReplicas !== undefined && { sweepReplicas: f.sweepReplicas }),
    ...(f.spare !== undefined && { spareReplicas: f.spare }),
    instanceType: resolved.instanceType,
    prices: resolved.prices,
    environment,
    hoursPerMonth: environment.hoursPerMonth,
  });
  await writeReports(result, f, PLAN_RENDERERS, io);
  if (!toStdout(f)) io.stdout(renderPlanMarkdown(result));
}
