/**
 * `postdeploy --baseline` and `--eval` through `main`, against simulators on loopback: a release
 * whose TTFT rose 30 % fails its gate against the previous release's result while a rerun passes;
 * a short eval finds the degraded variant losing beyond noise.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../bench/cli/main';
import { promptQuestion } from '../../../bench/eval/promptset';
import { CORE_PROMPTSET } from '../../../bench/eval/promptsets/core';
import { postdeployResultSchema } from '../../../bench/postdeploy/result';
import { type Simulator, startSimulator } from '../../../bench/sim/simulator';
import { tempDir } from '../../support/temp';
import { useVirtualTime, vt } from '../../support/virtual-time';
import { argv, memoryIo } from '../helpers';

const sims: Simulator[] = [];
let dir: string;
const file = (n: string) => join(dir, n);
beforeAll(() => {
  dir = tempDir('postdeploy-decide-');
});
afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
});

async function outputs(name: string, variants: string[]): Promise<string> {
  const endpoints = Object.fromEntries(variants.map((v) => [v, `http://${v}.llm.svc.cluster.local:8000`]));
  await writeFile(file(name), JSON.stringify({ clusterName: 'c', kubeconfig: '[secret]', modelEndpoints: endpoints }));
  return file(name);
}

const LOAD = ['--duration', '2', '--concurrency', '32', '--output-tokens', '4'];

describe('postdeploy --baseline', () => {
  // Virtual time: the simulators' TTFTs are what they schedule, however busy the machine is.
  useVirtualTime();
  it('passes a rerun of the release and fails one whose TTFT rose 30 %, against the previous result', async () => {
    const targets = await outputs('one.json', ['m']);
    const before = await startSimulator({ port: 0, models: ['m'], ttftMs: 200, itlMs: 10, jitter: 0.2, seed: 3 });
    const slower = await startSimulator({ port: 0, models: ['m'], ttftMs: 260, itlMs: 10, jitter: 0.2, seed: 4 });
    const run = async (sim: Simulator, out: string, ...extra: string[]) => {
      const io = memoryIo();
      const code = await vt.run(
        main(argv('postdeploy', '--targets', targets, '--url', `m=${sim.url}`, ...LOAD, '--json', file(out), ...extra), io),
      );
      return { code, io, result: postdeployResultSchema.parse(JSON.parse(await readFile(file(out), 'utf8'))) };
    };
    const prev = await run(before, 'prev.json');
    expect(prev.code, prev.io.err()).toBe(0);
    const gate = ['--baseline', file('prev.json'), '--max-regression', 'ttftMs.p95=10%'];
    const same = await run(before, 'same.json', ...gate);
    expect(same.code, same.io.out()).toBe(0);
    expect(same.result.decisions!.releases[0]!.compare!.passed).toBe(true);
    const worse = await run(slower, 'worse.json', ...gate, '--junit', file('worse.xml'));
    expect(worse.code, worse.io.out()).toBe(99);
    expect(worse.result.exitCode).toBe(99);
    const gates = worse.result.decisions!.releases[0]!.compare!.comparisons[0]!.gates;
    expect(gates.map((g) => [g.expression, g.passed])).toEqual([['ttftMs.p95=10%', false]]);
    expect(worse.io.out()).toContain('## Against the previous release');
    expect(await readFile(file('worse.xml'), 'utf8')).toContain('<testsuite name="release m"');
    await vt.run(Promise.all([before.close(), slower.close()]));
  });

  it('exits 2 before any stage on a baseline that is not a result, and on eval flags without --eval', async () => {
    const targets = await outputs('two.json', ['a', 'b']);
    await writeFile(file('smoke.json'), JSON.stringify({ kind: 'smoke' }));
    const withSmokeBaseline = (...extra: string[]) =>
      argv(
        'postdeploy',
        '--targets',
        targets,
        '--url',
        'a=http://127.0.0.1:9',
        '--url',
        'b=http://127.0.0.1:9',
        '--baseline',
        file('smoke.json'),
        ...extra,
      );
    const io = memoryIo();
    const code = await main(withSmokeBaseline('--eval-judge', 'a'), io);
    expect(code).toBe(2);
    expect(io.err()).toContain('got them without --eval');
    const io2 = memoryIo();
    expect(await main(withSmokeBaseline(), io2)).toBe(2);
    expect(io2.err()).toContain('is not a postdeploy or load result');
  });
});

describe('postdeploy --eval', () => {
  it('runs a short eval of each pair with the judge and exits 99 when the candidate loses beyond noise', async () => {
    const answers = new Map(CORE_PROMPTSET.map((p) => [promptQuestion(p), p.example!]));
    const s = await startSimulator({
      port: 0,
      models: ['fp16', 'awq', 'judge'],
      ttftMs: 2,
      itlMs: 0.5,
      outputTokens: 4,
      script: { answers, degrade: { awq: 0.6 }, judge: { models: ['judge'] } },
    });
    sims.push(s);
    const targets = await outputs('three.json', ['fp16', 'awq', 'judge']);
    const io = memoryIo();
    const code = await main(
      argv(
        'postdeploy',
        '--targets',
        targets,
        '--url',
        `fp16=${s.url}`,
        '--url',
        `awq=${s.url}`,
        '--url',
        `judge=${s.url}`,
        '--duration',
        '0.3',
        '--concurrency',
        '2',
        '--eval',
        '--eval-pair',
        'awq=fp16',
        '--eval-judge',
        'judge',
        '--json',
        file('eval.json'),
      ),
      io,
    );
    expect(code, io.err()).toBe(99);
    const r = postdeployResultSchema.parse(JSON.parse(await readFile(file('eval.json'), 'utf8')));
    const e = r.decisions!.evals[0]!;
    expect([e.candidate, e.baseline, e.result.promptset.prompts]).toEqual(['awq', 'fp16', 20]);
    const awq = e.result.models.find((m) => m.model === 'awq')!;
    expect(awq.pairwise!.interval!.high).toBeLessThan(0.5);
    expect(e.result.thresholds).toEqual([expect.objectContaining({ expression: 'winRate.high>=0.5', model: 'awq', passed: false })]);
    expect(io.out()).toContain('## Eval awq against fp16');
  });
});
