/**
 * Capacity planning from a sweep: the highest load one replica carried within its SLO → the
 * replicas, GPUs, nodes and monthly bill a target load needs, one spare replica for a SPOT
 * interruption, on top of the environment's fixed floor ({@link planCapacity} does the sums).
 */
import { PRICES_READ_ON } from '../../facts/prices';
import { planCapacity } from '../cost/planning';
import type { PriceBook } from '../cost/prices';
import { usageErrors } from '../errors';
import type { LoadResult, SweepResult } from '../result';
import { envelope } from '../result';
import { evaluateThresholds, parseThresholds } from '../thresholds';
import type { PlanResult } from './result';

/** What to plan for, and with what. */
export interface PlanOptions {
  readonly sweep: SweepResult;
  /** Where the sweep was read from, for the report. */
  readonly sweepFile: string;
  readonly basis: PlanResult['basis'];
  /** Requests/s or output tokens/s, as `basis` says. */
  readonly target: number;
  /** Judge the steps by these instead of the sweep's own thresholds. */
  readonly thresholds?: readonly string[];
  /** Replicas that served the sweep, when its steps were not priced with --replicas. */
  readonly sweepReplicas?: number;
  /** @default 1 */
  readonly spareReplicas?: number;
  readonly instanceType: string;
  readonly prices: PriceBook;
  /** The environment whose floor and per-node extras the bill adds. */
  readonly environment: { readonly name: string; readonly floorMonthlyUsd: number; readonly perNodeExtrasMonthlyUsd: number };
  readonly hoursPerMonth: number;
  readonly now?: Date;
}

const round = (x: number, digits = 2) => Number(x.toFixed(digits));

/** The step's measured rate on the plan's basis. */
const measuredOf = (step: LoadResult, basis: PlanResult['basis']) =>
  basis === 'requests' ? step.summary.requestThroughput : step.summary.outputTokenThroughput;

/**
 * The plan. Throws one UsageError naming every problem: a sweep without a step that met its
 * thresholds, a sweep judged by no threshold at all (nothing shows an SLO held), bad numbers.
 */
export function plan(o: PlanOptions): PlanResult {
  const problems: string[] = [];
  if (!(Number.isFinite(o.target) && o.target > 0))
    problems.push(`the target must be a positive number, got ${o.target}; pass e.g. --target-rps 40`);
  const spare = o.spareReplicas ?? 1;
  if (!(Number.isInteger(spare) && spare >= 0)) problems.push(`--spare must be a whole number at least 0, got ${spare}`);
  if (o.sweepReplicas !== undefined && !(Number.isInteger(o.sweepReplicas) && o.sweepReplicas >= 1)) {
    problems.push(`--sweep-replicas must be a whole number at least 1, got ${o.sweepReplicas}`);
  }
  const given = o.thresholds !== undefined && o.thresholds.length > 0 ? parseThresholds(o.thresholds) : null;
  const judged = o.sweep.steps.map((step, i) => {
    const results = given === null ? step.thresholds : evaluateThresholds(given, step.summary);
    return { step, value: o.sweep.values[i]!, results, passed: step.aborted === undefined && results.every((t) => t.passed) };
  });
  const expressions = given === null ? (o.sweep.steps[0]?.thresholds.map((t) => t.expression) ?? []) : given.map((t) => t.expression);
  if (expressions.length === 0) {
    problems.push(
      `${o.sweepFile} was swept without thresholds, so no step shows the SLO held; pass the SLO to plan, e.g. --threshold 'ttftMs.p95<500' --threshold 'errorRate<0.01'`,
    );
  }
  const passing = judged.filter((j) => j.passed && measuredOf(j.step, o.basis) > 0);
  if (expressions.length > 0 && passing.length === 0) {
    problems.push(`no step of ${o.sweepFile} met ${expressions.join(' and ')}; sweep lower loads, or more replicas`);
  }
  if (problems.length > 0) throw usageErrors(problems);

  // The step that carried the most within the SLO (usually the highest load that passed).
  const best = passing.reduce((a, b) => (measuredOf(b.step, o.basis) > measuredOf(a.step, o.basis) ? b : a));
  const notes: string[] = [];
  const priced = best.step.cost;
  let sweepReplicas: number;
  let replicasFrom: PlanResult['sweep']['replicasFrom'];
  if (o.sweepReplicas !== undefined) {
    sweepReplicas = o.sweepReplicas;
    replicasFrom = 'flag';
  } else if (priced !== undefined && priced.replicasFrom !== 'assumed') {
    sweepReplicas = priced.replicas;
    replicasFrom = 'sweep';
  } else {
    sweepReplicas = 1;
    replicasFrom = 'assumed';
    notes.push(
      'the sweep does not say how many replicas served it, so one is assumed; sweep with --replicas N, or pass --sweep-replicas N',
    );
  }
  const measured = measuredOf(best.step, o.basis);
  const perReplica = measured / sweepReplicas;
  if (judged.at(-1) === best && o.sweep.values.length === o.sweep.steps.length) {
    notes.push(
      `the highest step swept (${o.sweep.dimension} ${best.value}) still met the SLO: one replica may carry more, so sweep higher for a tighter plan`,
    );
  }
  const capacity = planCapacity(
    {
      target: o.target,
      perReplica,
      spareReplicas: spare,
      instanceType: o.instanceType,
      fixedMonthlyUsd: o.environment.floorMonthlyUsd,
      perNodeMonthlyUsd: o.environment.perNodeExtrasMonthlyUsd,
      hoursPerMonth: o.hoursPerMonth,
    },
    o.prices,
  );
  const bill = (b: typeof capacity.spot) => ({
    gpuMonthlyUsd: round(b.gpuMonthlyUsd),
    fixedMonthlyUsd: round(b.fixedMonthlyUsd),
    totalMonthlyUsd: round(b.totalMonthlyUsd),
  });
  return {
    ...envelope('plan', o.now ?? new Date(), o.now ?? new Date()),
    sweep: {
      file: o.sweepFile,
      dimension: o.sweep.dimension,
      value: best.value,
      thresholds: expressions,
      replicas: sweepReplicas,
      replicasFrom,
      measured: round(measured, 3),
    },
    basis: o.basis,
    target: o.target,
    perReplica: round(perReplica, 3),
    servingReplicas: capacity.servingReplicas,
    spareReplicas: capacity.spareReplicas,
    replicas: capacity.replicas,
    gpus: capacity.gpus,
    nodes: capacity.nodes,
    instanceType: o.instanceType,
    region: o.prices.region,
    pricesReadOn: PRICES_READ_ON,
    spotDiscount: o.prices.spotDiscount,
    hoursPerMonth: o.hoursPerMonth,
    environment: o.environment.name,
    spot: bill(capacity.spot),
    onDemand: bill(capacity.onDemand),
    notes,
  };
}
