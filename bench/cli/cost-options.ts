/**
 * Pricing flags → {@link CostSettings}, with every problem collected. Reads a --pricing-config
 * file (config/platform.ts parses it as `npm run cost` does), so only actions import this module.
 */
import { environmentPrices, pricingRegion } from '../cost/environment';
import { type CostSettings, resolveCostSettings } from '../cost/run-cost';
import type { PricingOverrides } from '../cost/prices';
import { ConfigError, ConfigErrors, loadEnvironmentFile, type PlatformConfig } from '../../config/platform';
import { BENCH_DEFAULTS } from '../defaults';
import { collectUsage } from '../errors';
import type { CostFlags } from './cost-flags';

/** The environment a --pricing-config names, or null with its problems. */
export function pricingEnvironment(file: string, problems: string[]): PlatformConfig | null {
  try {
    return loadEnvironmentFile(file);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof ConfigErrors) {
      problems.push(`--pricing-config ${file} is not a valid environment file: ${err.message}`);
    } else {
      problems.push(`--pricing-config ${file} cannot be read: ${(err as Error).message}; pass a Pulumi.<env>.yaml`);
    }
    return null;
  }
}

/** The dearest GPU type of an environment's list: the bound its bill stays under. */
export function dearestGpuType(c: PlatformConfig): string {
  const prices = environmentPrices(c);
  return [...c.gpuNodes.instanceTypes].sort((a, b) => prices.gpuHourlyUsd(b, 'ON_DEMAND') - prices.gpuHourlyUsd(a, 'ON_DEMAND'))[0]!;
}

/**
 * The cost settings of the flags (flags win over the --pricing-config's values), checked:
 * problems are added to `problems` and the settings are null when any was found.
 */
export function costSettingsFrom(
  f: CostFlags & { readonly replicas?: number },
  problems: string[],
  extra: Pick<CostSettings, 'replicasFrom' | 'notes'> = {},
): { settings: CostSettings; environment: PlatformConfig | null } | null {
  const before = problems.length;
  const env = f.pricingConfig === undefined ? null : pricingEnvironment(f.pricingConfig, problems);
  let region = f.region;
  let instanceType = f.instanceType;
  let overrides: PricingOverrides = {};
  if (env !== null) {
    try {
      region ??= pricingRegion(env);
      instanceType ??= dearestGpuType(env);
      overrides = { spotDiscount: env.pricing.spotDiscount, instanceHourlyUsd: env.pricing.instanceHourlyUsd };
    } catch (err) {
      problems.push(`--pricing-config ${f.pricingConfig}: ${(err as Error).message}`);
    }
  }
  // The price flags apply to the instance type the run is priced at.
  const type = instanceType ?? BENCH_DEFAULTS.cost.instanceType;
  const flagPrice = {
    ...(f.onDemandPrice !== undefined && { onDemand: f.onDemandPrice }),
    ...(f.spotPrice !== undefined && { spot: f.spotPrice }),
  };
  const spotDiscount = f.spotDiscount ?? overrides.spotDiscount;
  const priced: PricingOverrides = {
    ...(spotDiscount !== undefined && { spotDiscount }),
    instanceHourlyUsd: {
      ...overrides.instanceHourlyUsd,
      ...(Object.keys(flagPrice).length > 0 && { [type]: { ...overrides.instanceHourlyUsd?.[type], ...flagPrice } }),
    },
  };
  const settings: CostSettings = {
    ...(region !== undefined && { region }),
    ...(instanceType !== undefined && { instanceType }),
    ...(f.replicas !== undefined && { replicas: f.replicas }),
    overrides: priced,
    ...extra,
  };
  if (problems.length > before) return null;
  collectUsage(problems, () => resolveCostSettings(settings));
  return problems.length > before ? null : { settings, environment: env };
}
