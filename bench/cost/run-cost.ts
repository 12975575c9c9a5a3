/**
 * What a run cost, as its reports show it: $ per 1M tokens at the measured throughput for the
 * replicas that served (load, sweep), and the GPU time paid for replicas that were starting
 * (autoscale). Prices come from a {@link PriceBook} over facts/prices.ts, so a report, the
 * dashboards and `npm run cost` agree on what a GPU-hour costs.
 */
import { PRICES_READ_ON } from '../../facts/prices';
import { GPU_INSTANCE_TYPES } from '../../constructs/hardware';
import { BENCH_DEFAULTS } from '../defaults';
import { usageErrors } from '../errors';
import type { LoadSummary } from '../result';
import { type PriceBook, priceBook, type PricingOverrides } from './prices';
import type { ColdStartCostReport, RunCost, ServingCostReport } from './result';
import { coldStartCost, servingCost } from './tokens';

/** How to price a run; every field has a default. */
export interface CostSettings {
  /** @default BENCH_DEFAULTS.cost.region */
  readonly region?: string;
  /** @default BENCH_DEFAULTS.cost.instanceType */
  readonly instanceType?: string;
  /** Replicas that served the run, one GPU each. @default BENCH_DEFAULTS.cost.replicas, marked assumed */
  readonly replicas?: number;
  /** Where `replicas` came from. @default - `flag` when replicas is given, else `assumed` */
  readonly replicasFrom?: 'flag' | 'cluster';
  /** A SPOT discount or measured hourly prices instead of the facts' figures. */
  readonly overrides?: PricingOverrides;
  /** Notes to carry into the report (e.g. the replicas changed during the run). */
  readonly notes?: readonly string[];
}

/** Settings after defaults, with the price book. */
export interface ResolvedCost {
  readonly prices: PriceBook;
  readonly instanceType: string;
  readonly replicas: number;
  readonly replicasFrom: RunCost['replicasFrom'];
}

/**
 * Applies defaults and checks the settings; throws one UsageError (exit 2) naming every problem,
 * worded for the flags (`--region`, `--instance-type`, `--replicas`, `--spot-discount`, prices).
 */
export function resolveCostSettings(s: CostSettings = {}): ResolvedCost {
  const problems: string[] = [];
  const d = BENCH_DEFAULTS.cost;
  const region = s.region ?? d.region;
  const instanceType = s.instanceType ?? d.instanceType;
  if (GPU_INSTANCE_TYPES[instanceType] === undefined) {
    problems.push(
      `--instance-type must be a GPU instance type of constructs/hardware.ts, got ${instanceType}; use one of ${Object.keys(GPU_INSTANCE_TYPES).join(', ')}`,
    );
  }
  if (s.replicas !== undefined && !(Number.isInteger(s.replicas) && s.replicas >= 1)) {
    problems.push(`--replicas must be a whole number at least 1, got ${s.replicas}; pass the replicas that served, e.g. --replicas 2`);
  }
  let prices: PriceBook | undefined;
  try {
    prices = priceBook(region, s.overrides);
  } catch (err) {
    const message = (err as Error).message;
    problems.push(message.startsWith('region') ? `--${message}` : message.replace(/^spotDiscount/, '--spot-discount'));
  }
  if (prices !== undefined && GPU_INSTANCE_TYPES[instanceType] !== undefined) {
    try {
      prices.instanceHourlyUsd(instanceType, 'ON_DEMAND');
    } catch {
      problems.push(
        `--instance-type ${instanceType} has no price for ${region} in facts/prices.ts; pass --on-demand-price USD (per instance-hour) or another --region`,
      );
    }
  }
  if (problems.length > 0) throw usageErrors(problems);
  return {
    prices: prices!,
    instanceType,
    replicas: s.replicas ?? d.replicas,
    replicasFrom: s.replicas === undefined ? 'assumed' : (s.replicasFrom ?? 'flag'),
  };
}

const rounded = (c: {
  gpuUsdPerHour: number;
  usdPerHour: number;
  usdPer1MOutputTokens: number | null;
  usdPer1MTotalTokens: number | null;
}): ServingCostReport => ({
  gpuUsdPerHour: round(c.gpuUsdPerHour, 6),
  usdPerHour: round(c.usdPerHour, 6),
  usdPer1MOutputTokens: c.usdPer1MOutputTokens === null ? null : round(c.usdPer1MOutputTokens, 6),
  usdPer1MTotalTokens: c.usdPer1MTotalTokens === null ? null : round(c.usdPer1MTotalTokens, 6),
});

function round(x: number, digits: number): number {
  return Number(x.toFixed(digits));
}

/**
 * $ per 1M output and total tokens of a load run: the replicas' GPUs for an hour over the tokens
 * the run produced in an hour at its measured rate (successful requests' usage over the run time).
 */
export function runCost(summary: LoadSummary, s: CostSettings = {}): RunCost {
  const r = resolveCostSettings(s);
  const seconds = summary.durationSec;
  const promptTokensPerSec = seconds > 0 ? summary.inputTokens.total / seconds : 0;
  const outputTokensPerSec = summary.outputTokenThroughput;
  const cost = servingCost({ outputTokensPerSec, promptTokensPerSec, replicas: r.replicas, instanceType: r.instanceType }, r.prices);
  const notes = [...(s.notes ?? [])];
  if (r.replicasFrom === 'assumed') {
    notes.push(
      `priced as ${r.replicas} replica: pass --replicas N (or --kubeconfig to read the Service's ready pods) for the replicas that served`,
    );
  }
  return {
    region: r.prices.region,
    instanceType: r.instanceType,
    pricesReadOn: PRICES_READ_ON,
    spotDiscount: r.prices.spotDiscount,
    replicas: r.replicas,
    replicasFrom: r.replicasFrom,
    outputTokensPerSec: round(outputTokensPerSec, 3),
    totalTokensPerSec: round(outputTokensPerSec + promptTokensPerSec, 3),
    spot: rounded(cost.spot),
    onDemand: rounded(cost.onDemand),
    notes,
  };
}

/** One moment of a scaling check: replicas asked for and replicas ready. */
export interface ReplicaSample {
  /** Seconds from the check's start. */
  readonly t: number;
  readonly desired: number;
  readonly ready: number;
}

/**
 * GPU minutes paid before new replicas served: over the samples up to `untilSec` (the load's
 * stop), the replicas asked for but not ready, times the time until the next sample. A replica
 * that is asked for holds a GPU node from the moment the autoscaler launches it (within seconds
 * of the pod going Pending) until it is ready, so this is the bound the bill stays under: EC2
 * starts billing when the instance launches, a little after the pod asks for it.
 */
export function coldStartGpuMinutes(samples: readonly ReplicaSample[], untilSec: number | null = null): number {
  let seconds = 0;
  for (let i = 1; i < samples.length; i++) {
    const prev = samples[i - 1]!;
    const cur = samples[i]!;
    if (untilSec !== null && prev.t >= untilSec) break;
    const end = untilSec === null ? cur.t : Math.min(cur.t, untilSec);
    seconds += Math.max(0, prev.desired - prev.ready) * Math.max(0, end - prev.t);
  }
  return seconds / 60;
}

/** The cold-start cost of a scaling check from its timeline, SPOT and on demand. */
export function coldStartReport(
  samples: readonly ReplicaSample[],
  untilSec: number | null,
  s: Omit<CostSettings, 'replicas' | 'replicasFrom'> = {},
): ColdStartCostReport {
  const r = resolveCostSettings(s);
  const gpuMinutes = coldStartGpuMinutes(samples, untilSec);
  const cost = coldStartCost(gpuMinutes, r.instanceType, r.prices);
  const first = samples[0]?.ready ?? 0;
  const peak = samples.reduce((m, x) => Math.max(m, x.ready), first);
  return {
    region: r.prices.region,
    instanceType: r.instanceType,
    pricesReadOn: PRICES_READ_ON,
    spotDiscount: r.prices.spotDiscount,
    gpuMinutes: round(gpuMinutes, 4),
    replicasStarted: peak - first,
    spotUsd: round(cost.spot, 6),
    onDemandUsd: round(cost.onDemand, 6),
  };
}
