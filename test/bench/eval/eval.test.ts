/**
 * eval against the scripted simulator on loopback: the judge scores by a rule the test knows
 * (bench/sim/script.ts), so every figure below is computed, not guessed. All draws are hashes of
 * request ids and contents: the same on every run, whatever the arrival order.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../bench/cli/main';
import type { ChatTarget } from '../../../bench/eval/chat';
import { promptQuestion } from '../../../bench/eval/promptset';
import { CORE_PROMPTSET } from '../../../bench/eval/promptsets/core';
import { evalResultSchema } from '../../../bench/eval/result';
import { pairOutcome, runEval } from '../../../bench/eval/run';
import { isDegraded, shareOf, type SimScript } from '../../../bench/sim/script';
import { type Simulator, startSimulator } from '../../../bench/sim/simulator';
import { tempDir } from '../../support/temp';
import { argv, memoryIo } from '../helpers';

const answers = new Map(CORE_PROMPTSET.map((p) => [promptQuestion(p), p.example!]));
const sims: Simulator[] = [];
let dir: string;

async function sim(judge: Omit<NonNullable<SimScript['judge']>, 'models'>, degrade: Record<string, number> = {}): Promise<Simulator> {
  const s = await startSimulator({
    port: 0,
    ttftMs: 2,
    itlMs: 0.1,
    models: ['fp16', 'awq', 'judge'],
    script: { answers, degrade, judge: { models: ['judge'], ...judge } },
  });
  sims.push(s);
  return s;
}
const target = (s: Simulator, model: string): ChatTarget => ({ baseUrl: s.url, model });
const promptset = { source: 'core', prompts: CORE_PROMPTSET };

beforeAll(() => {
  dir = tempDir('llm-bench-eval-');
});
afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
});

describe('llm-bench eval', () => {
  it('finds the degraded model the loser, with a win-rate interval that excludes 0.5, and exits 99 on its thresholds', async () => {
    const s = await sim({ malformed: 0.05 }, { awq: 0.4 });
    const io = memoryIo();
    const out = (f: string) => join(dir, f);
    const code = await main(
      argv(
        'eval',
        '--base-url',
        s.url,
        '--model',
        'fp16',
        '--model',
        'awq',
        '--judge',
        'judge',
        '--threshold',
        'winRate>=0.45',
        '--threshold',
        'score.mean>=6.5',
        '--threshold',
        'referencePass>=0.9',
        '--json',
        out('e.json'),
        '--html',
        out('e.html'),
        '--junit',
        out('e.xml'),
      ),
      io,
    );
    expect(code, io.err()).toBe(99);
    const r = evalResultSchema.parse(JSON.parse(await readFile(out('e.json'), 'utf8')));
    expect(r.promptset.prompts).toBe(66);
    const degraded = CORE_PROMPTSET.filter((p) => isDegraded('awq', promptQuestion(p), 0.4)).length;
    const [fp16, awq] = r.models;
    expect(fp16!.reference).toMatchObject({ passed: 66, total: 66 });
    expect(awq!.reference.passed).toBe(66 - degraded);
    const p = awq!.pairwise!;
    // A degraded answer loses in both orders; an intact one is the same answer, a tie.
    expect(p.wins).toBe(0);
    expect(p.losses + p.failed).toBe(degraded);
    expect(p.interval!.high).toBeLessThan(0.5);
    expect(awq!.score.mean!).toBeLessThan(fp16!.score.mean!);
    expect(r.thresholds.filter((t) => !t.passed).map((t) => `${t.expression} ${t.model}`)).toEqual([
      'winRate>=0.45 awq',
      'score.mean>=6.5 awq',
      'referencePass>=0.9 awq',
    ]);
    expect(r.judge!.flagged).toBe(false);
    expect(s.stats().judge.structured).toBe(s.stats().judge.calls);
    expect(await readFile(out('e.xml'), 'utf8')).toContain('failures="3"');
    expect(await readFile(out('e.html'), 'utf8')).toContain('Reference checks that failed');
    expect(io.out()).toContain('| awq |');
  });

  it('counts malformed verdicts that fail twice as judge failures, never scored', async () => {
    const share = 0.3;
    const s = await sim({ malformed: share });
    const limit = 30;
    const r = await runEval({ models: [target(s, 'fp16')], judge: target(s, 'judge'), promptset, limit });
    const bad = (id: string) => shareOf(`malformed\n${id}`) < share;
    const expected = CORE_PROMPTSET.slice(0, limit).filter(
      (p) => bad(`eval-score-fp16-${p.id}-try0`) && bad(`eval-score-fp16-${p.id}-try1`),
    );
    expect(expected.length).toBeGreaterThan(0);
    const failed = r.answers.filter((a) => a.judgeProblem !== undefined);
    expect(failed.map((a) => a.promptId)).toEqual(expected.map((p) => p.id));
    expect(failed.every((a) => a.score === null && a.judgeProblem!.includes('cut at the token limit'))).toBe(true);
    expect(r.models[0]!.judgeFailures).toBe(expected.length);
    expect(r.models[0]!.score.judged).toBe(limit - expected.length);
    // Every scored answer has the rule's score: nothing guessed.
    expect(r.answers.filter((a) => a.score !== null).every((a) => a.score === 8)).toBe(true);
  });

  it('exposes a judge biased towards the first position: the swap turns its verdicts into ties', async () => {
    const s = await sim({ firstPositionBias: 0.5 });
    const r = await runEval({ models: [target(s, 'fp16'), target(s, 'awq')], judge: target(s, 'judge'), promptset, limit: 30 });
    const p = r.models[1]!.pairwise!;
    // The answers are the same, so an unbiased verdict is a tie; every decided order is the bias.
    expect(r.judge!.firstPositionShare).toBe(1);
    expect(r.judge!.inconsistentPairs).toBeGreaterThan(0);
    expect([p.wins, p.losses]).toEqual([0, 0]);
    expect(p.interval!.low).toBeLessThan(0.5);
    expect(p.interval!.high).toBeGreaterThan(0.5);
    expect(r.notes.join('\n')).toContain('position bias');
  });

  it('flags a judge that disagrees with the exact checks', async () => {
    const s = await sim({ lenient: true }, { awq: 0.5 });
    const r = await runEval({ models: [target(s, 'awq')], judge: target(s, 'judge'), promptset, limit: 30 });
    expect(r.judge!.flagged).toBe(true);
    expect(r.judge!.agreement!).toBeLessThan(0.8);
    expect(r.notes.join('\n')).toContain('do not trust its scores');
  });

  it('reads a team promptset and runs the exact checks without a judge', async () => {
    const s = await sim({});
    const file = join(dir, 'team.jsonl');
    const mine = CORE_PROMPTSET.filter((p) => p.category === 'reasoning').slice(0, 4);
    await writeFile(file, mine.map((p) => JSON.stringify(p)).join('\n'));
    const io = memoryIo();
    const code = await main(
      argv(
        'eval',
        '--base-url',
        s.url,
        '--model',
        'fp16',
        '--promptset',
        file,
        '--threshold',
        'referencePass>=0.9',
        '--json',
        join(dir, 't.json'),
      ),
      io,
    );
    expect(code, io.err()).toBe(0);
    const r = evalResultSchema.parse(JSON.parse(await readFile(join(dir, 't.json'), 'utf8')));
    expect(r.models[0]!.reference).toMatchObject({ passed: 4, total: 4 });
    expect(r.judge).toBeNull();
  });

  it('exits 2 before sending anything, naming every problem', async () => {
    const s = await sim({});
    const before = s.stats().requests;
    const bad = join(dir, 'bad.jsonl');
    await writeFile(bad, '{"id": "x", "category": "c"}\nnot json\n');
    const io = memoryIo();
    const code = await main(
      argv(
        'eval',
        '--base-url',
        s.url,
        '--model',
        'fp16',
        '--baseline',
        'nope',
        '--promptset',
        bad,
        '--threshold',
        'winRate>=0.5',
        '--threshold',
        'quality>1',
      ),
      io,
    );
    expect(code).toBe(2);
    for (const part of [
      '--baseline names no --model',
      'bad.jsonl:1',
      'bad.jsonl:2 is not json',
      'unknown metric, got quality',
      'needs a judge',
    ])
      expect(io.err()).toContain(part);
    expect(s.stats().requests).toBe(before);
  });
});

describe('pair outcomes', () => {
  it('count a win or a loss only when both orders agree', () => {
    expect(pairOutcome('candidate', 'candidate')).toBe('win');
    expect(pairOutcome('baseline', 'baseline')).toBe('loss');
    expect(pairOutcome('candidate', 'baseline')).toBe('tie');
    expect(pairOutcome('tie', 'candidate')).toBe('tie');
    expect(pairOutcome('failed', 'candidate')).toBe('failed');
  });
});
