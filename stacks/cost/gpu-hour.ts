/** The GPU-hour price the cost rules and dashboard of an environment are written with. */
import { environmentPrices } from '../../bench/cost/environment';
import type { PlatformConfig } from '../../config/platform';
import type { GpuHourPrice } from '../../constructs/observability/cost';

/**
 * What one GPU-hour costs in an environment, for the cost rules and dashboard: an instance's
 * price over its GPUs, at the most expensive GPU type of the list (the bound the bill stays under).
 *
 * @throws ConfigError when the region or an instance type has no price
 */
export function gpuHourPrice(c: PlatformConfig): GpuHourPrice {
  const prices = environmentPrices(c);
  const most = (capacity: 'SPOT' | 'ON_DEMAND') => Math.max(...c.gpuNodes.instanceTypes.map((t) => prices.gpuHourlyUsd(t, capacity)));
  return { spotUsdPerHour: most('SPOT'), onDemandUsdPerHour: most('ON_DEMAND'), capacityType: c.gpuNodes.capacityType };
}
