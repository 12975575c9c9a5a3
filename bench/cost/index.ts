/**
 * What things cost, for reports and plans: price lookups over facts/prices.ts, $ per 1M tokens,
 * cold starts, and capacity planning. Pure functions over plain numbers and a {@link PriceBook}.
 */
export {
  type CapacityType,
  type InstancePriceOverride,
  isPricedRegion,
  missingInstancePrices,
  type PriceBook,
  priceBook,
  priceRange,
  type PricingOverrides,
} from './prices';
export { coldStartCost, type ServingCost, type ServingRate, servingCost, usdPerMillionTokens } from './tokens';
export { type CapacityPlan, type CapacityPlanInput, planCapacity, type PlanBill } from './planning';
