/**
 * The pure cost functions the bench reports and plans use, against figures worked out by hand
 * from facts/prices.ts (us-east-1: g4dn.xlarge $0.526/h on demand, SPOT 60% off = $0.2104/h).
 */
import { describe, expect, it } from 'vitest';
import { coldStartCost, planCapacity, priceBook, priceRange, servingCost, usdPerMillionTokens } from '../../bench/cost';
import { DEFAULT_SPOT_DISCOUNT, EC2_ON_DEMAND_USD_PER_HOUR, HOURS_PER_MONTH, PRICED_REGIONS } from '../../facts/prices';

const useast = priceBook('us-east-1');

describe('price book', () => {
  it('reads on-demand prices from the facts and takes SPOT as the default discount off them', () => {
    expect(DEFAULT_SPOT_DISCOUNT).toBe(0.6);
    expect(useast.instanceHourlyUsd('g4dn.xlarge', 'ON_DEMAND')).toBe(0.526);
    expect(useast.instanceHourlyUsd('g4dn.xlarge', 'SPOT')).toBeCloseTo(0.2104, 12);
    expect(useast.instanceHourlyUsd('t3.large', 'ON_DEMAND')).toBe(0.0832);
    expect(priceBook('eu-central-1').instanceHourlyUsd('g4dn.xlarge', 'ON_DEMAND')).toBe(0.658);
  });

  it('prices a GPU as its share of the instance: a g4dn.12xlarge holds four', () => {
    expect(useast.gpuHourlyUsd('g4dn.12xlarge', 'ON_DEMAND')).toBeCloseTo(3.912 / 4, 12);
    expect(useast.gpuHourlyUsd('g4dn.xlarge', 'ON_DEMAND')).toBe(0.526);
  });

  it('applies a discount override, and a SPOT price override over the discount', () => {
    const p = priceBook('eu-central-1', { spotDiscount: 0.7, instanceHourlyUsd: { 'g4dn.2xlarge': { spot: 0.3 } } });
    expect(p.instanceHourlyUsd('g4dn.xlarge', 'SPOT')).toBeCloseTo(0.658 * 0.3, 12);
    expect(p.instanceHourlyUsd('g4dn.2xlarge', 'SPOT')).toBe(0.3);
    expect(p.instanceHourlyUsd('g4dn.2xlarge', 'ON_DEMAND')).toBe(0.94);
    const od = priceBook('us-west-2', { instanceHourlyUsd: { 'g5.xlarge': { onDemand: 1.1 } } });
    expect(od.instanceHourlyUsd('g5.xlarge', 'SPOT')).toBeCloseTo(1.1 * 0.4, 12);
  });

  it('has every g4dn size and the t3 system types in every priced region', () => {
    for (const region of PRICED_REGIONS) {
      for (const t of ['g4dn.xlarge', 'g4dn.2xlarge', 't3.medium', 't3.large', 't3.xlarge']) {
        expect(EC2_ON_DEMAND_USD_PER_HOUR[region][t], `${region} ${t}`).toBeGreaterThan(0);
      }
    }
  });

  it('orders a mixed list by price', () => {
    expect(priceRange(useast, ['g4dn.2xlarge', 'g4dn.xlarge'], 'SPOT')).toEqual({
      cheapest: { type: 'g4dn.xlarge', usdPerHour: expect.closeTo(0.2104, 12) },
      mostExpensive: { type: 'g4dn.2xlarge', usdPerHour: expect.closeTo(0.3008, 12) },
    });
  });

  it('fails for a region without prices, a type without a price, and overrides out of range', () => {
    expect(() => priceBook('ap-south-1')).toThrow(
      'region ap-south-1 has no prices in facts/prices.ts; use one of us-east-1, us-west-2, eu-west-1, eu-central-1, or add the region there',
    );
    expect(() => priceBook('eu-west-1').instanceHourlyUsd('g5.xlarge', 'SPOT')).toThrow(
      'g5.xlarge has no on-demand price for eu-west-1 in facts/prices.ts; give it as an override',
    );
    expect(() => priceBook('us-east-1', { spotDiscount: 1 })).toThrow('spotDiscount must be at least 0 and below 1, got 1');
    expect(() => priceBook('us-east-1', { instanceHourlyUsd: { 'g4dn.xlarge': { spot: -1 } } })).toThrow(
      'the spot price of g4dn.xlarge must be a positive number of USD per hour, got -1',
    );
    expect(() => useast.gpuHourlyUsd('t3.large', 'SPOT')).toThrow('t3.large is not a GPU instance type of constructs/hardware.ts');
  });
});

describe('$ per 1M tokens', () => {
  it('divides the hourly price by the tokens an hour produces', () => {
    // $0.526/h at 100 tok/s: 360,000 tokens an hour, so $0.526 / 0.36 per 1M = $1.46111…
    expect(usdPerMillionTokens(0.526, 100)).toBeCloseTo(1.461111111, 8);
    expect(usdPerMillionTokens(0, 100)).toBe(0);
  });

  it('has no price per token when no token was produced, and rejects negative or non-finite inputs', () => {
    expect(usdPerMillionTokens(1, 0)).toBeNull();
    expect(() => usdPerMillionTokens(-1, 10)).toThrow('usdPerHour must be a finite number at least 0, got -1');
    expect(() => usdPerMillionTokens(1, Number.NaN)).toThrow('tokensPerSec must be a finite number at least 0, got NaN');
  });

  it('prices output and total tokens of the replicas that served, SPOT and on demand', () => {
    // 2 replicas on g4dn.xlarge: SPOT 2 × 0.2104 = $0.4208/h, on demand 2 × 0.526 = $1.052/h.
    // 500 output tok/s = 1.8M an hour; with 1,500 prompt tok/s, 2,000 tok/s = 7.2M an hour.
    const c = servingCost({ outputTokensPerSec: 500, promptTokensPerSec: 1500, replicas: 2, instanceType: 'g4dn.xlarge' }, useast);
    expect(c.spot.capacityType).toBe('SPOT');
    expect(c.spot.gpuUsdPerHour).toBeCloseTo(0.2104, 12);
    expect(c.spot.usdPerHour).toBeCloseTo(0.4208, 12);
    expect(c.spot.usdPer1MOutputTokens).toBeCloseTo(0.4208 / 1.8, 12); // $0.23378
    expect(c.spot.usdPer1MTotalTokens).toBeCloseTo(0.4208 / 7.2, 12); // $0.05844
    expect(c.onDemand.usdPerHour).toBeCloseTo(1.052, 12);
    expect(c.onDemand.usdPer1MOutputTokens).toBeCloseTo(1.052 / 1.8, 12); // $0.58444
    expect(c.onDemand.usdPer1MTotalTokens).toBeCloseTo(1.052 / 7.2, 12); // $0.14611
  });

  it('gives a replica on a four-GPU instance a quarter of its price', () => {
    const c = servingCost({ outputTokensPerSec: 360, promptTokensPerSec: 0, replicas: 4, instanceType: 'g4dn.12xlarge' }, useast);
    // Four replicas fill one g4dn.12xlarge: $3.912/h for 1.296M tokens an hour.
    expect(c.onDemand.usdPerHour).toBeCloseTo(3.912, 12);
    expect(c.onDemand.usdPer1MOutputTokens).toBeCloseTo(3.912 / 1.296, 12);
  });

  it('fails when the replicas are not a whole number at least 1', () => {
    expect(() => servingCost({ outputTokensPerSec: 1, promptTokensPerSec: 1, replicas: 0, instanceType: 'g4dn.xlarge' }, useast)).toThrow(
      'replicas must be a whole number at least 1, got 0',
    );
  });
});

describe('cold-start cost', () => {
  it('charges the GPU minutes paid before the replica served', () => {
    // 12 GPU-minutes = 0.2 h: SPOT 0.2 × $0.2104, on demand 0.2 × $0.526.
    expect(coldStartCost(12, 'g4dn.xlarge', useast)).toEqual({ spot: expect.closeTo(0.04208, 12), onDemand: expect.closeTo(0.1052, 12) });
    expect(coldStartCost(0, 'g4dn.xlarge', useast)).toEqual({ spot: 0, onDemand: 0 });
    expect(() => coldStartCost(-1, 'g4dn.xlarge', useast)).toThrow('gpuMinutes must be a finite number at least 0, got -1');
  });
});

describe('capacity plan', () => {
  it('needs ceil(target / per replica) replicas plus one for a SPOT interruption, and prices them with the floor', () => {
    // 40 req/s at 6 per replica: ceil(6.67) = 7, + 1 spare = 8 replicas on 8 g4dn.xlarge.
    const input = { target: 40, perReplica: 6, instanceType: 'g4dn.xlarge', fixedMonthlyUsd: 500, perNodeMonthlyUsd: 8 };
    const plan = planCapacity(input, useast);
    expect(plan).toMatchObject({ servingReplicas: 7, spareReplicas: 1, replicas: 8, gpus: 8, nodes: 8 });
    // SPOT: 8 × $0.2104 × 730 h = $1,228.736, + 8 × $8 volumes = $1,292.736; + $500 floor = $1,792.736.
    expect(plan.spot.gpuMonthlyUsd).toBeCloseTo(1292.736, 9);
    expect(plan.spot.totalMonthlyUsd).toBeCloseTo(1792.736, 9);
    // On demand: 8 × $0.526 × 730 = $3,071.84, + $64 = $3,135.84; + $500 = $3,635.84.
    expect(plan.onDemand.gpuMonthlyUsd).toBeCloseTo(3135.84, 9);
    expect(plan.onDemand.totalMonthlyUsd).toBeCloseTo(3635.84, 9);
    expect(HOURS_PER_MONTH).toBe(730);
  });

  it('does not buy a GPU for floating-point noise at an exact multiple, and packs four replicas on a g4dn.12xlarge', () => {
    expect(planCapacity({ target: 0.3, perReplica: 0.1, instanceType: 'g4dn.xlarge', fixedMonthlyUsd: 0 }, useast).servingReplicas).toBe(3);
    const big = planCapacity({ target: 36, perReplica: 6, spareReplicas: 2, instanceType: 'g4dn.12xlarge', fixedMonthlyUsd: 0 }, useast);
    expect(big).toMatchObject({ servingReplicas: 6, replicas: 8, gpus: 8, nodes: 2 });
    // 2 × $3.912 × 730 on demand.
    expect(big.onDemand.totalMonthlyUsd).toBeCloseTo(5711.52, 9);
  });

  it('fails with every problem of its input at once', () => {
    const bad = { target: 0, perReplica: -1, spareReplicas: 0.5, instanceType: 't3.large', fixedMonthlyUsd: -2 };
    expect(() => planCapacity(bad, useast)).toThrow(
      'target must be a positive number, got 0; perReplica must be a positive number, got -1; spareReplicas must be a whole number at least 0, got 0.5; ' +
        'fixedMonthlyUsd must be at least 0, got -2; instanceType t3.large is not a GPU instance type of constructs/hardware.ts',
    );
  });
});
