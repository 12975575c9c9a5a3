/**
 * What tokens cost: $ per 1M tokens at a measured token rate for the GPUs that served it, and
 * what a cold start costs in GPU time paid before a replica serves.
 *
 * Every vLLM replica holds one GPU; a replica's price is its GPU's share of the instance
 * ({@link PriceBook.gpuHourlyUsd}). Prices come from a {@link PriceBook}, so a report, the
 * dashboards and `npm run cost` agree on what an hour costs.
 */
import type { CapacityType, PriceBook } from './prices';

const SECONDS_PER_HOUR = 3600;
const MILLION = 1_000_000;

function checkNonNegative(name: string, value: number): void {
  if (!(Number.isFinite(value) && value >= 0)) throw new RangeError(`${name} must be a finite number at least 0, got ${value}`);
}

/**
 * USD per 1M tokens when capacity costing `usdPerHour` produces `tokensPerSec`.
 *
 * @returns null when no tokens were produced: the price of a token is undefined, not infinite
 */
export function usdPerMillionTokens(usdPerHour: number, tokensPerSec: number): number | null {
  checkNonNegative('usdPerHour', usdPerHour);
  checkNonNegative('tokensPerSec', tokensPerSec);
  if (tokensPerSec === 0) return null;
  return (usdPerHour / (tokensPerSec * SECONDS_PER_HOUR)) * MILLION;
}

/** A measured serving rate and the replicas that produced it. */
export interface ServingRate {
  /** Generated (output) tokens per second across all replicas. */
  readonly outputTokensPerSec: number;
  /** Prompt (input) tokens per second across all replicas; total = prompt + output. */
  readonly promptTokensPerSec: number;
  /** Replicas that served the load, one GPU each. */
  readonly replicas: number;
  /** Instance type the replicas ran on. */
  readonly instanceType: string;
}

/** What a serving rate cost at one capacity type. */
export interface ServingCost {
  readonly capacityType: CapacityType;
  /** USD per hour of one replica's GPU. */
  readonly gpuUsdPerHour: number;
  /** USD per hour of all the replicas. */
  readonly usdPerHour: number;
  /** null when no output tokens were produced. */
  readonly usdPer1MOutputTokens: number | null;
  /** null when no tokens were produced at all. */
  readonly usdPer1MTotalTokens: number | null;
}

/** $ per 1M output and total tokens of a serving rate, SPOT and on-demand. */
export function servingCost(rate: ServingRate, prices: PriceBook): { spot: ServingCost; onDemand: ServingCost } {
  if (!(Number.isInteger(rate.replicas) && rate.replicas >= 1)) {
    throw new RangeError(`replicas must be a whole number at least 1, got ${rate.replicas}`);
  }
  checkNonNegative('outputTokensPerSec', rate.outputTokensPerSec);
  checkNonNegative('promptTokensPerSec', rate.promptTokensPerSec);
  const at = (capacityType: CapacityType): ServingCost => {
    const gpuUsdPerHour = prices.gpuHourlyUsd(rate.instanceType, capacityType);
    const usdPerHour = gpuUsdPerHour * rate.replicas;
    return {
      capacityType,
      gpuUsdPerHour,
      usdPerHour,
      usdPer1MOutputTokens: usdPerMillionTokens(usdPerHour, rate.outputTokensPerSec),
      usdPer1MTotalTokens: usdPerMillionTokens(usdPerHour, rate.outputTokensPerSec + rate.promptTokensPerSec),
    };
  };
  return { spot: at('SPOT'), onDemand: at('ON_DEMAND') };
}

/**
 * What cold starts cost: the GPU minutes paid between a node starting for a replica and the
 * replica serving (node boot, image pull, weights, CUDA graphs), summed over the replicas.
 */
export function coldStartCost(gpuMinutes: number, instanceType: string, prices: PriceBook): { spot: number; onDemand: number } {
  checkNonNegative('gpuMinutes', gpuMinutes);
  const hours = gpuMinutes / 60;
  return { spot: hours * prices.gpuHourlyUsd(instanceType, 'SPOT'), onDemand: hours * prices.gpuHourlyUsd(instanceType, 'ON_DEMAND') };
}
