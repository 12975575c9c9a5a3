/** How reports show what a run cost: $ per 1M tokens of a load run, cold-start GPU time of a scaling check. */
import type { ColdStartCostReport, RunCost } from '../cost/result';

/** USD for people: 4 decimals below $1, cents above; `–` when not measured. */
export function fmtUsd(v: number | null | undefined): string {
  if (v === null || v === undefined) return '–';
  return `$${v.toLocaleString('en-US', { minimumFractionDigits: v < 1 ? 4 : 2, maximumFractionDigits: v < 1 ? 4 : 2 })}`;
}

/** The prices a cost was computed with, in one line. */
export function describePricing(c: Pick<RunCost, 'region' | 'instanceType' | 'pricesReadOn' | 'spotDiscount'>): string {
  return `${c.instanceType} in ${c.region}, prices of ${c.pricesReadOn} (facts/prices.ts), SPOT ${Math.round(c.spotDiscount * 100)} % off on demand unless a SPOT price was given`;
}

/** The replicas a run cost was priced for. */
export function describeReplicas(c: RunCost): string {
  const from = { flag: '--replicas', cluster: "the Service's ready pods", assumed: 'assumed' }[c.replicasFrom];
  return `${c.replicas} replica${c.replicas === 1 ? '' : 's'} (${from})`;
}

/** Rows of the cost table: capacity type, $/h of the replicas, $ per 1M output and total tokens. */
export function costRows(c: RunCost): string[][] {
  return [
    ['SPOT', fmtUsd(c.spot.usdPerHour), fmtUsd(c.spot.usdPer1MOutputTokens), fmtUsd(c.spot.usdPer1MTotalTokens)],
    ['on demand', fmtUsd(c.onDemand.usdPerHour), fmtUsd(c.onDemand.usdPer1MOutputTokens), fmtUsd(c.onDemand.usdPer1MTotalTokens)],
  ];
}

export const COST_HEAD = ['Capacity', '$ / hour', '$ per 1M output tokens', '$ per 1M total tokens'] as const;

/** The cold-start cost in one sentence. */
export function describeColdStart(c: ColdStartCostReport): string {
  return (
    `${c.gpuMinutes.toFixed(1)} GPU minutes paid before ${c.replicasStarted} new replica${c.replicasStarted === 1 ? '' : 's'} served: ` +
    `${fmtUsd(c.spotUsd)} SPOT, ${fmtUsd(c.onDemandUsd)} on demand (${describePricing(c)})`
  );
}
