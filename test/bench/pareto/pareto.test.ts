/**
 * pareto over a real eval and real loads against the simulator: the degraded, faster, cheaper
 * variant and the reference both sit on the frontier; the reference on a pricier instance is
 * beaten by the reference itself. Prices come from facts/prices.ts through bench/cost.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../bench/cli/main';
import { priceBook, usdPerMillionTokens } from '../../../bench/cost';
import { promptQuestion } from '../../../bench/eval/promptset';
import { CORE_PROMPTSET } from '../../../bench/eval/promptsets/core';
import { runEval } from '../../../bench/eval/run';
import { runLoad } from '../../../bench/load/engine';
import { paretoResultSchema } from '../../../bench/pareto/result';
import { type Simulator, startSimulator } from '../../../bench/sim/simulator';
import { tempDir } from '../../support/temp';
import { argv, memoryIo } from '../helpers';

let quality: Simulator;
let fast: Simulator;
let dir: string;
const file = (n: string) => join(dir, n);

beforeAll(async () => {
  dir = tempDir('llm-bench-pareto-');
  const answers = new Map(CORE_PROMPTSET.map((p) => [promptQuestion(p), p.example!]));
  quality = await startSimulator({
    port: 0,
    ttftMs: 2,
    itlMs: 0.1,
    models: ['fp16', 'awq', 'judge'],
    script: { answers, degrade: { awq: 0.4 }, judge: { models: ['judge'] } },
  });
  fast = await startSimulator({ port: 0, ttftMs: 10, itlMs: 2, models: ['awq'] });
  const slow = await startSimulator({ port: 0, ttftMs: 40, itlMs: 2, models: ['fp16'] });
  try {
    const r = await runEval({
      models: [
        { baseUrl: quality.url, model: 'fp16' },
        { baseUrl: quality.url, model: 'awq' },
      ],
      judge: { baseUrl: quality.url, model: 'judge' },
      promptset: { source: 'core', prompts: CORE_PROMPTSET },
      limit: 20,
    });
    await writeFile(file('eval.json'), JSON.stringify(r));
    const load = (s: Simulator, model: string) =>
      runLoad({ baseUrl: s.url, model, profile: { kind: 'concurrency', concurrency: 4 }, requests: 40, outputTokens: 8 });
    await writeFile(file('fp16.json'), JSON.stringify(await load(slow, 'fp16')));
    await writeFile(file('awq.json'), JSON.stringify(await load(fast, 'awq')));
  } finally {
    await slow.close();
  }
});
afterAll(async () => {
  await Promise.all([quality.close(), fast.close()]);
});

describe('llm-bench pareto', () => {
  it('names the variants no other beats on quality, latency and cost', async () => {
    const io = memoryIo();
    const code = await main(
      argv(
        'pareto',
        '--eval',
        file('eval.json'),
        '--variant',
        `fp16=${file('fp16.json')}`,
        '--variant',
        `awq=${file('awq.json')}`,
        '--instance-type',
        'g5.xlarge',
        '--instance-type',
        'awq=g4dn.xlarge',
        '--json',
        file('p.json'),
        '--html',
        file('p.html'),
      ),
      io,
    );
    expect(code, io.err()).toBe(0);
    const r = paretoResultSchema.parse(JSON.parse(await readFile(file('p.json'), 'utf8')));
    const [fp16, awq] = r.variants;
    expect(awq!.quality!).toBeLessThan(fp16!.quality!);
    expect(awq!.latencyMs!).toBeLessThan(fp16!.latencyMs!);
    // One price source: the same figure bench/cost gives for the measured rate.
    expect(fp16!.usdPer1MOutputTokens).toBeCloseTo(
      usdPerMillionTokens(priceBook('us-east-1').instanceHourlyUsd('g5.xlarge', 'ON_DEMAND'), fp16!.outputTokensPerSec)!,
      9,
    );
    expect(r.frontier).toEqual(['fp16', 'awq']);
    expect(await readFile(file('p.html'), 'utf8')).toContain('Quality vs cost');
    expect(io.out()).toContain('frontier fp16, awq');
  });

  it('puts the same variant on a pricier instance behind itself', async () => {
    const io = memoryIo();
    const eval2 = JSON.parse(await readFile(file('eval.json'), 'utf8')) as { models: { model: string }[] };
    eval2.models.push({ ...eval2.models[0]!, model: 'fp16-big' });
    await writeFile(file('eval2.json'), JSON.stringify(eval2));
    const code = await main(
      argv(
        'pareto',
        '--eval',
        file('eval2.json'),
        '--variant',
        `fp16=${file('fp16.json')}`,
        '--variant',
        `fp16-big=${file('fp16.json')}`,
        '--instance-type',
        'g5.xlarge',
        '--instance-type',
        'fp16-big=g5.2xlarge',
        '--json',
        file('p2.json'),
      ),
      io,
    );
    expect(code, io.err()).toBe(0);
    const r = paretoResultSchema.parse(JSON.parse(await readFile(file('p2.json'), 'utf8')));
    expect(r.frontier).toEqual(['fp16']);
    expect(r.variants[1]!.dominatedBy).toEqual(['fp16']);
  });

  it('exits 2 on unpriced instances and unknown variants, naming each', async () => {
    const io = memoryIo();
    const code = await main(
      argv(
        'pareto',
        '--eval',
        file('eval.json'),
        '--variant',
        `fp16=${file('fp16.json')}`,
        '--instance-type',
        'p9.huge',
        '--instance-type',
        'x=g5.xlarge',
      ),
      io,
    );
    expect(code).toBe(2);
    expect(io.err()).toContain('p9.huge has no price');
    expect(io.err()).toContain('x is not a --variant');
  });
});
