/**
 * Price lookups over the facts in facts/prices.ts, with the overrides an environment or a flag
 * gives: a SPOT discount, and measured or negotiated hourly prices per instance type.
 *
 * Pure and dependency-free apart from the facts and the GPU table, so the environment estimate
 * (stacks/), the dashboards (through stacks/) and the bench reports price things the same way.
 */
import { GPU_INSTANCE_TYPES } from '../../constructs/hardware';
import {
  DEFAULT_SPOT_DISCOUNT,
  EC2_ON_DEMAND_USD_PER_HOUR,
  PRICED_REGIONS,
  REGIONAL_SERVICE_PRICES,
  type PricedRegion,
  type RegionalServicePrices,
} from '../../facts/prices';

/** How EC2 capacity is bought: the EKS managed node group's `capacityType`. */
export type CapacityType = 'SPOT' | 'ON_DEMAND';

/** USD per hour of one instance type, replacing the facts (either or both). */
export interface InstancePriceOverride {
  readonly onDemand?: number;
  readonly spot?: number;
}

/** What an environment (`llm-platform:pricing`) or a flag may change about the facts. */
export interface PricingOverrides {
  /**
   * SPOT price as a share off on-demand, 0 to below 1.
   * @default - DEFAULT_SPOT_DISCOUNT of facts/prices.ts
   */
  readonly spotDiscount?: number;
  /** Hourly prices by instance type; a `spot` price here wins over the discount. */
  readonly instanceHourlyUsd?: Readonly<Record<string, InstancePriceOverride>>;
}

/** The prices of one region after overrides. */
export interface PriceBook {
  readonly region: PricedRegion;
  readonly spotDiscount: number;
  readonly services: RegionalServicePrices;
  /** USD per hour of one instance; throws for a type with no price (see {@link missingInstancePrices}). */
  instanceHourlyUsd(instanceType: string, capacity: CapacityType): number;
  /** USD per hour of one GPU of the type: the instance price over its GPU count. */
  gpuHourlyUsd(instanceType: string, capacity: CapacityType): number;
}

/** Whether the facts have a price sheet for `region`. */
export function isPricedRegion(region: string): region is PricedRegion {
  return (PRICED_REGIONS as readonly string[]).includes(region);
}

/** The instance types among `types` that have no on-demand price in `region`, even after overrides. */
export function missingInstancePrices(region: PricedRegion, types: readonly string[], overrides: PricingOverrides = {}): string[] {
  const priced = (t: string) =>
    EC2_ON_DEMAND_USD_PER_HOUR[region][t] !== undefined || overrides.instanceHourlyUsd?.[t]?.onDemand !== undefined;
  return types.filter((t) => !priced(t));
}

function checkOverrides(o: PricingOverrides): void {
  const d = o.spotDiscount;
  if (d !== undefined && !(d >= 0 && d < 1)) throw new RangeError(`spotDiscount must be at least 0 and below 1, got ${d}`);
  for (const [type, p] of Object.entries(o.instanceHourlyUsd ?? {})) {
    for (const [kind, usd] of Object.entries(p)) {
      if (!(typeof usd === 'number' && Number.isFinite(usd) && usd > 0)) {
        throw new RangeError(`the ${kind} price of ${type} must be a positive number of USD per hour, got ${String(usd)}`);
      }
    }
  }
}

/**
 * The price book of a region.
 *
 * @throws RangeError for a region without a price sheet or an override out of range
 */
export function priceBook(region: string, overrides: PricingOverrides = {}): PriceBook {
  if (!isPricedRegion(region)) {
    const known = PRICED_REGIONS.join(', ');
    throw new RangeError(`region ${region} has no prices in facts/prices.ts; use one of ${known}, or add the region there`);
  }
  checkOverrides(overrides);
  const spotDiscount = overrides.spotDiscount ?? DEFAULT_SPOT_DISCOUNT;
  const instanceHourlyUsd = (instanceType: string, capacity: CapacityType): number => {
    const o = overrides.instanceHourlyUsd?.[instanceType];
    const onDemand = o?.onDemand ?? EC2_ON_DEMAND_USD_PER_HOUR[region][instanceType];
    if (onDemand === undefined) {
      throw new RangeError(`${instanceType} has no on-demand price for ${region} in facts/prices.ts; give it as an override`);
    }
    if (capacity === 'ON_DEMAND') return onDemand;
    return o?.spot ?? onDemand * (1 - spotDiscount);
  };
  return {
    region,
    spotDiscount,
    services: REGIONAL_SERVICE_PRICES[region],
    instanceHourlyUsd,
    gpuHourlyUsd(instanceType, capacity) {
      const gpus = GPU_INSTANCE_TYPES[instanceType]?.gpuCount;
      if (!gpus) throw new RangeError(`${instanceType} is not a GPU instance type of constructs/hardware.ts`);
      return instanceHourlyUsd(instanceType, capacity) / gpus;
    },
  };
}

/**
 * The most and the least expensive of several instance types at a capacity type. A mixed GPU
 * group takes whatever the SPOT market gives, so an estimate prices it at the most expensive
 * member (the bound a bill stays under) and shows the cheapest beside it.
 */
export function priceRange(prices: PriceBook, instanceTypes: readonly string[], capacity: CapacityType) {
  const priced = instanceTypes.map((type) => ({ type, usdPerHour: prices.instanceHourlyUsd(type, capacity) }));
  const sorted = [...priced].sort((a, b) => a.usdPerHour - b.usdPerHour);
  return { cheapest: sorted[0]!, mostExpensive: sorted[sorted.length - 1]! };
}
