/**
 * What a plan adds its GPUs to: an environment's fixed monthly floor (the environment with no GPU
 * node) and what each GPU node brings besides its instance (its volume, the image its starts pull),
 * from the same estimate `npm run cost` prints.
 */
import { costInput, environmentPrices } from '../cost/environment';
import { estimateMonthlyCost } from '../cost/estimate';
import { parsePlatformConfig, type PlatformConfig } from '../../config/platform';

export interface PlanEnvironment {
  /** `prod (Pulumi.prod.yaml)`, or `the config defaults`. */
  readonly name: string;
  readonly floorMonthlyUsd: number;
  readonly perNodeExtrasMonthlyUsd: number;
  readonly hoursPerMonth: number;
}

/** The floor and per-node extras of an environment; of the config's defaults without one. */
export function planEnvironment(c: PlatformConfig | null, file?: string): PlanEnvironment {
  const config = c ?? parsePlatformConfig({}, 'defaults', 'the config defaults');
  const prices = environmentPrices(config);
  const e = estimateMonthlyCost(costInput(config), prices);
  const instance = prices.instanceHourlyUsd(e.gpuInstanceType, 'ON_DEMAND') * e.hoursPerMonth;
  return {
    name: c === null ? 'the config defaults' : `${c.environment} (${file ?? `Pulumi.${c.environment}.yaml`})`,
    floorMonthlyUsd: e.floorMonthlyUsd,
    perNodeExtrasMonthlyUsd: e.perGpuNodeMonthlyUsd.onDemand - instance,
    hoursPerMonth: e.hoursPerMonth,
  };
}
