/** The plan as Markdown: what to run for the target, and what it costs a month. */
import type { Renderers } from '../report/renderers';
import type { PlanResult } from './result';

const unit = (basis: PlanResult['basis']) => (basis === 'requests' ? 'requests/s' : 'output tokens/s');

export function renderPlanMarkdown(r: PlanResult): string {
  const u = unit(r.basis);
  const s = r.sweep;
  const usd = (v: number) => `$${Math.round(v).toLocaleString('en-US')}`;
  return [
    `## llm-bench plan: ${r.replicas} replicas on ${r.nodes} × ${r.instanceType} (${r.gpus} GPUs) for ${r.target} ${u}`,
    '',
    `Per replica: ${r.perReplica} ${u}, from ${s.file}: ${s.dimension} ${s.value} carried ${s.measured} ${u} on ${s.replicas} replica${s.replicas === 1 ? '' : 's'} ` +
      `(${s.replicasFrom}) within ${s.thresholds.map((t) => `\`${t}\``).join(', ')}.`,
    '',
    `Replicas: ceil(${r.target} / ${r.perReplica}) = ${r.servingReplicas} serving + ${r.spareReplicas} spare for a SPOT interruption = ${r.replicas}, one GPU each.`,
    '',
    '| per month | SPOT | on demand |',
    '| --- | ---: | ---: |',
    `| GPU nodes: ${r.nodes} × ${r.instanceType} with volume and image pulls | ${usd(r.spot.gpuMonthlyUsd)} | ${usd(r.onDemand.gpuMonthlyUsd)} |`,
    `| fixed floor of ${r.environment} (control plane, system nodes, NAT, storage, logs) | ${usd(r.spot.fixedMonthlyUsd)} | ${usd(r.onDemand.fixedMonthlyUsd)} |`,
    `| **total** | **${usd(r.spot.totalMonthlyUsd)}** | **${usd(r.onDemand.totalMonthlyUsd)}** |`,
    '',
    `Prices of ${r.pricesReadOn} (facts/prices.ts) in ${r.region}, ${r.hoursPerMonth} h a month, SPOT ${Math.round(r.spotDiscount * 100)} % off on demand unless a SPOT price was given.`,
    '',
    ...r.notes.map((n) => `> ${n}`),
    ...(r.notes.length > 0 ? [''] : []),
  ].join('\n');
}

export const PLAN_RENDERERS: Renderers<PlanResult> = { markdown: renderPlanMarkdown };
