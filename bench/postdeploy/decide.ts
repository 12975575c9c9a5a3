/**
 * Post-deploy decisions against what ran before: `--baseline PREVIOUS.json` compares each
 * variant's load with the same variant's load in the last release's post-deploy result (the
 * compare gates: past the limit and beyond noise), and `--eval` runs a short eval of each
 * candidate variant against its baseline variant with the judge.
 */
import { compareResults } from '../compare/compare';
import { parseRegressionGates, type RegressionGate } from '../compare/gates';
import { EXIT, UsageError } from '../errors';
import type { Promptset } from '../eval/promptset';
import { type EvalTarget, runEval } from '../eval/run';
import type { EvalThresholdSpec } from '../eval/thresholds';
import type { LoadResult } from '../result';
import type { Decisions, ReleaseComparison } from './decide-result';
import type { Target } from './targets';

/** Gates `--baseline` applies when no `--max-regression` is given. */
export const DEFAULT_RELEASE_GATES = ['ttftMs.p95=10%', 'tpotMs.p95=10%', 'outputTokenThroughput=-5%', 'errorRate=+0.005'] as const;

/** Prompts of the short post-deploy eval. */
export const POSTDEPLOY_EVAL_PROMPTS = 20;

/** The load of each variant in a previous result: a post-deploy result, or one load result for one variant. */
export function previousLoads(raw: unknown, file: string, variants: readonly string[]): Map<string, LoadResult> {
  const loads = new Map<string, LoadResult>();
  const r = raw as { kind?: unknown; variants?: { name: string; load: LoadResult | null }[] } | null;
  if (r?.kind === 'postdeploy' && Array.isArray(r.variants)) {
    for (const v of r.variants) if (v.load !== null) loads.set(v.name, v.load);
    return loads;
  }
  if (r?.kind === 'load') {
    if (variants.length !== 1) {
      throw new UsageError(
        `--baseline ${file} is one load result, got ${variants.length} variants to check; pass a previous postdeploy --json result, or check one --variant`,
      );
    }
    loads.set(variants[0]!, raw as LoadResult);
    return loads;
  }
  throw new UsageError(
    `--baseline ${file} is not a postdeploy or load result, got kind ${JSON.stringify(r?.kind)}; pass the previous release's postdeploy --json file`,
  );
}

/** Compares each variant's load with its previous one. */
export function compareReleases(
  current: readonly { name: string; load: LoadResult | null }[],
  previous: Map<string, LoadResult>,
  file: string,
  gates: readonly RegressionGate[],
): ReleaseComparison[] {
  return current.map((v) => {
    const before = previous.get(v.name);
    if (v.load === null) return { variant: v.name, compare: null, skipped: 'no load ran in this release' };
    if (before === undefined) return { variant: v.name, compare: null, skipped: `${file} has no load of ${v.name}` };
    return {
      variant: v.name,
      compare: compareResults({ baseline: before, candidate: v.load, baselineFile: file, candidateFile: null }, { gates }),
    };
  });
}

/** The first run of a `--baseline X --store-result X` loop: nothing stored at X yet, so nothing to compare. */
export function firstReleases(current: readonly { name: string }[], file: string): ReleaseComparison[] {
  return current.map((v) => ({
    variant: v.name,
    compare: null,
    skipped: `no previous result at ${file} yet: the first run of the --store-result loop`,
  }));
}

/** A side of an eval pair: `variant` (its first model) or `variant/model` (e.g. an adapter). */
export function evalTarget(spec: string, targets: readonly Target[], apiKey: string | undefined): EvalTarget {
  const slash = spec.indexOf('/');
  const name = slash === -1 ? spec : spec.slice(0, slash);
  const t = targets.find((x) => x.name === name);
  if (t === undefined) throw new UsageError(`--eval names no variant, got ${name}; use one of ${targets.map((x) => x.name).join(', ')}`);
  const model = slash === -1 ? t.models[0] : spec.slice(slash + 1);
  if (model === undefined)
    throw new UsageError(`--eval variant ${name} serves no model, got none in the targets; name one as ${name}/<model>`);
  return { baseUrl: t.url, model, label: spec, ...(apiKey !== undefined && { apiKey }) };
}

export interface PostdeployEvalOptions {
  readonly pairs: readonly { readonly candidate: EvalTarget; readonly baseline: EvalTarget }[];
  readonly judge: EvalTarget;
  readonly promptset: Promptset;
  readonly limit: number;
  readonly thresholds: readonly EvalThresholdSpec[];
  readonly onStage?: (m: string) => void;
}

/** The short evals, one per pair. */
export async function runPostdeployEvals(o: PostdeployEvalOptions): Promise<Decisions['evals']> {
  const out: Decisions['evals'] = [];
  for (const pair of o.pairs) {
    o.onStage?.(
      `eval ${pair.candidate.label ?? pair.candidate.model} against ${pair.baseline.label ?? pair.baseline.model}: ${o.limit} prompts`,
    );
    const result = await runEval({
      models: [pair.baseline, pair.candidate],
      judge: o.judge,
      promptset: o.promptset,
      limit: o.limit,
      thresholds: o.thresholds,
      ...(o.onStage !== undefined && { onStage: o.onStage }),
    });
    out.push({ candidate: pair.candidate.label ?? pair.candidate.model, baseline: pair.baseline.label ?? pair.baseline.model, result });
  }
  return out;
}

/** 99 when a release gate failed or an eval threshold was crossed, else 0. */
export function decisionsExit(releases: readonly ReleaseComparison[], evals: Decisions['evals']): number {
  const gateFailed = releases.some((r) => r.compare !== null && !r.compare.passed);
  const evalCrossed = evals.some((e) => e.result.thresholds.some((t) => !t.passed));
  return gateFailed || evalCrossed ? EXIT.thresholdCrossed : EXIT.ok;
}

export { parseRegressionGates };
