/**
 * The flags that price a run (`load`, `sweep`, `autoscale`, `plan`): where the prices come from
 * and how many replicas served. Light: commander only; cost-options.ts turns them into settings.
 */
import type { Command } from 'commander';
import { BENCH_DEFAULTS } from '../defaults';
import { number } from './flags';

/** Pricing flags; every one optional. */
export interface CostFlags {
  /** A `Pulumi.<env>.yaml` whose region, pricing section and GPU instance types price the run. */
  readonly pricingConfig?: string;
  readonly region?: string;
  readonly instanceType?: string;
  readonly spotDiscount?: number;
  /** On-demand USD per instance-hour of the instance type, instead of facts/prices.ts. */
  readonly onDemandPrice?: number;
  /** SPOT USD per instance-hour of the instance type (wins over --spot-discount). */
  readonly spotPrice?: number;
}

/** Adds the pricing flags (not --replicas: load and sweep add it, autoscale reads its pods). */
export function addPricingFlags(cmd: Command): Command {
  const d = BENCH_DEFAULTS.cost;
  return cmd
    .option(
      '--pricing-config <file>',
      "price as this environment does: a Pulumi.<env>.yaml's region, pricing section and GPU instance types",
    )
    .option('--region <region>', `AWS region whose prices apply (default ${d.region}, or the --pricing-config's)`)
    .option('--instance-type <type>', `GPU instance type of the replicas (default ${d.instanceType}, or the --pricing-config's dearest)`)
    .option(
      '--spot-discount <d>',
      'SPOT price as a share off on demand, 0 to below 1 (default facts/prices.ts: 0.6)',
      number('--spot-discount'),
    )
    .option(
      '--on-demand-price <usd>',
      'on-demand USD per instance-hour of --instance-type, instead of facts/prices.ts',
      number('--on-demand-price'),
    )
    .option('--spot-price <usd>', 'SPOT USD per instance-hour of --instance-type (wins over --spot-discount)', number('--spot-price'));
}

/** Adds --replicas and the pricing flags: what `load` and `sweep` price their runs with. */
export function addCostFlags(cmd: Command): Command {
  return addPricingFlags(
    cmd.option(
      '--replicas <n>',
      `replicas (one GPU each) that served the run, for $ per 1M tokens (default ${BENCH_DEFAULTS.cost.replicas}, noted as assumed)`,
      number('--replicas'),
    ),
  );
}
