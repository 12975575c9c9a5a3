/**
 * `llm-bench plan`: from a sweep to replicas, GPUs and $/month. The figures are worked out by
 * hand from facts/prices.ts (us-east-1: g4dn.xlarge $0.526/h on demand, SPOT 60 % off =
 * $0.2104/h; EBS gp3 $0.08/GB-month; NAT data $0.045/GB) and the dev environment's estimate.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../bench/cli/main';
import { planResultSchema } from '../../../bench/plan/result';
import { sweepResultSchema, type SweepResult } from '../../../bench/result';
import { type Simulator, startSimulator } from '../../../bench/sim/simulator';
import { PROJECT_ROOT } from '../../../stacks/synthesize';
import { tempDir } from '../../support/temp';
import { inVirtualTime, useVirtualTime, vt } from '../../support/virtual-time';
import { argv, memoryIo } from '../helpers';

let sim: Simulator;
let dir: string;
/** A real sweep of the simulator, with the SLO ttftMs.p95<200, run once. */
let swept: SweepResult;
beforeAll(async () => {
  sim = await startSimulator({ port: 0, ttftMs: 5, itlMs: 1, models: ['m'], maxRunning: 4 });
  dir = tempDir('llm-bench-plan-');
  const io = memoryIo();
  const code = await inVirtualTime(() =>
    main(
      argv(
        'sweep',
        '--base-url',
        sim.url,
        '--model',
        'm',
        '--concurrency',
        '1,2,4',
        '--requests',
        '16',
        '--output-tokens',
        '8',
        '--threshold',
        'errorRate<0.01',
        '--replicas',
        '1',
        '--json',
        join(dir, 'sweep.json'),
      ),
      io,
    ),
  );
  expect(code, io.err()).toBe(0);
  swept = sweepResultSchema.parse(JSON.parse(await readFile(join(dir, 'sweep.json'), 'utf8')));
});
afterAll(async () => {
  await sim.close();
});

/** The real sweep with its steps' request rates set to figures a hand can divide. */
async function sweepFile(name: string, rps: readonly number[], passed: readonly boolean[], replicas: number | null): Promise<string> {
  const steps = swept.steps.map((step, i) => ({
    ...step,
    summary: { ...step.summary, requestThroughput: rps[i]!, outputTokenThroughput: rps[i]! * 8 },
    thresholds: step.thresholds.map((t) => ({ ...t, passed: passed[i]! })),
    ...(replicas === null ? { cost: undefined } : { cost: { ...step.cost!, replicas, replicasFrom: 'flag' as const } }),
  }));
  const file = join(dir, name);
  await writeFile(file, JSON.stringify({ ...swept, steps }));
  return file;
}

describe('llm-bench plan', () => {
  useVirtualTime();

  it('sizes the fleet from the highest step within the SLO, one spare, on top of the environment floor', async () => {
    const file = await sweepFile('hand.json', [3.2, 6.1, 9.5], [true, true, false], 1);
    const io = memoryIo();
    const code = await vt.run(
      main(
        argv(
          'plan',
          '--sweep',
          file,
          '--target-rps',
          '40',
          '--instance-type',
          'g4dn.xlarge',
          '--pricing-config',
          join(PROJECT_ROOT, 'Pulumi.dev.yaml'),
          '--json',
          '-',
        ),
        io,
      ),
    );
    expect(code, io.err()).toBe(0);
    const r = planResultSchema.parse(JSON.parse(io.out()));
    // 40 / 6.1 = 6.56 → 7 serving + 1 spare = 8 replicas, 8 GPUs, 8 single-GPU nodes.
    expect(r).toMatchObject({
      perReplica: 6.1,
      servingReplicas: 7,
      spareReplicas: 1,
      replicas: 8,
      gpus: 8,
      nodes: 8,
      instanceType: 'g4dn.xlarge',
    });
    expect(r.sweep).toMatchObject({ value: 2, replicas: 1, replicasFrom: 'sweep', thresholds: ['errorRate<0.01'] });
    // A node: 730 h of the instance + a 100 GB volume ($8) + 4 starts × 10 GB through NAT ($1.80).
    // SPOT 8 × (0.2104 × 730 + 9.80) = 8 × 163.392 = 1307.136; on demand 8 × (0.526 × 730 + 9.80) = 3150.24.
    expect(r.spot.gpuMonthlyUsd).toBe(1307.14);
    expect(r.onDemand.gpuMonthlyUsd).toBe(3150.24);
    // dev's floor: the README's "GPU groups at minSize 0 and no model pod" row, $299.29.
    expect(r.spot.fixedMonthlyUsd).toBe(299.29);
    expect(r.spot.totalMonthlyUsd).toBe(1606.43);
    expect(r.onDemand.totalMonthlyUsd).toBe(3449.53);
  });

  it('divides by the replicas that served the sweep and plans on output tokens too', async () => {
    // 2 replicas carried 12 req/s (96 output tok/s): 6 req/s, 48 tok/s each; 1000 tok/s → ceil(20.83) = 21 + 2 spare.
    const file = await sweepFile('two.json', [4, 8, 12], [true, true, true], 2);
    const io = memoryIo();
    expect(await vt.run(main(argv('plan', '--sweep', file, '--target-output-tps', '1000', '--spare', '2', '--json', '-'), io))).toBe(0);
    const r = planResultSchema.parse(JSON.parse(io.out()));
    expect(r).toMatchObject({
      basis: 'outputTokens',
      perReplica: 48,
      servingReplicas: 21,
      replicas: 23,
      environment: 'the config defaults',
    });
    expect(r.notes.join(' ')).toContain('still met the SLO');
  });

  it('prints replicas, GPUs and $/month from a sweep of the simulator', async () => {
    const io = memoryIo();
    expect(
      await vt.run(
        main(
          argv(
            'plan',
            '--sweep',
            join(dir, 'sweep.json'),
            '--target-rps',
            '40',
            '--pricing-config',
            join(PROJECT_ROOT, 'Pulumi.prod.yaml'),
          ),
          io,
        ),
      ),
    ).toBe(0);
    const best = swept.steps.reduce((a, b) => (b.summary.requestThroughput > a.summary.requestThroughput ? b : a));
    const serving = Math.ceil(40 / Number(best.summary.requestThroughput.toFixed(3)));
    expect(io.out()).toContain(
      `## llm-bench plan: ${serving + 1} replicas on ${serving + 1} × g4dn.2xlarge (${serving + 1} GPUs) for 40 requests/s`,
    );
    expect(io.out()).toMatch(/\| \*\*total\*\* \| \*\*\$[\d,]+\*\* \| \*\*\$[\d,]+\*\* \|/);
  });

  it('exits 2 naming every problem: no target, a sweep without thresholds, a file that is not a sweep', async () => {
    const bare = join(dir, 'bare.json');
    await writeFile(bare, JSON.stringify({ ...swept, steps: swept.steps.map((s) => ({ ...s, thresholds: [] })) }));
    let io = memoryIo();
    expect(await vt.run(main(argv('plan', '--sweep', bare), io))).toBe(2);
    expect(io.err()).toContain('plan needs exactly one of --target-rps or --target-output-tps, got neither');
    io = memoryIo();
    expect(await vt.run(main(argv('plan', '--sweep', bare, '--target-rps', '4'), io))).toBe(2);
    expect(io.err()).toContain('was swept without thresholds, so no step shows the SLO held');
    // Judged by an SLO given to plan instead, the same file plans.
    io = memoryIo();
    expect(await vt.run(main(argv('plan', '--sweep', bare, '--target-rps', '4', '--threshold', 'errorRate<0.01', '--json', '-'), io))).toBe(
      0,
    );
    const other = join(dir, 'load.json');
    await writeFile(other, JSON.stringify(swept.steps[0]));
    io = memoryIo();
    expect(await vt.run(main(argv('plan', '--sweep', other, '--target-rps', '4'), io))).toBe(2);
    expect(io.err()).toContain(`--sweep ${other} is not a sweep result, got kind load`);
    io = memoryIo();
    expect(await vt.run(main(argv('plan', '--sweep', bare, '--target-rps', '4', '--threshold', 'ttftMs.p95<0.001'), io))).toBe(2);
    expect(io.err()).toContain('no step of');
  });
});
