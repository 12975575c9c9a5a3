/**
 * The pieces compare and eval stand on: the interval formulas against published values, the
 * bootstrap's determinism, the shipped promptset's own examples against its checks, and the
 * simulator's degraded answer against them.
 */
import { describe, expect, it } from 'vitest';
import { pairwiseMessages, parseJudgeRequest, pointwiseMessages } from '../../../bench/eval/judge-prompt';
import { parseEvalPromptset, promptQuestion } from '../../../bench/eval/promptset';
import { CORE_PROMPTSET } from '../../../bench/eval/promptsets/core';
import { runChecks } from '../../../bench/eval/reference';
import { UsageError } from '../../../bench/errors';
import { DEGRADED_ANSWER } from '../../../bench/sim/script';
import { percentileDifferenceInterval, percentileUnavailable, WeightedSample } from '../../../bench/stats/bootstrap';
import { meanInterval, newcombe, tQuantile975, welch, wilson } from '../../../bench/stats/intervals';

describe('intervals', () => {
  it('match published values', () => {
    // Wilson: Newcombe (1998) table I, 0/10 and 15/148 (to 4 decimals).
    expect(wilson(0, 10)!.high).toBeCloseTo(0.2775, 4);
    const w = wilson(15, 148)!;
    expect([w.low, w.high].map((v) => Number(v.toFixed(4)))).toEqual([0.0624, 0.1605]);
    // Newcombe (1998) method 10, example (a): 56/70 − 48/80 → [0.0524, 0.3339].
    const n = newcombe(56, 70, 48, 80)!;
    expect([n.low, n.high].map((v) => Number(v.toFixed(4)))).toEqual([0.0524, 0.3339]);
    expect(tQuantile975(1)).toBeCloseTo(12.7062, 3);
    expect(tQuantile975(10)).toBeCloseTo(2.2281, 3);
    expect(meanInterval({ n: 1, mean: 1, variance: 0 })).toBeNull();
    expect(welch({ n: 30, mean: 10, variance: 4 }, { n: 30, mean: 12, variance: 4 })!.low).toBeGreaterThan(0);
  });
});

describe('the histogram bootstrap', () => {
  const buckets = (shift: number) => Array.from({ length: 400 }, (_, i) => [100 + shift + i * 0.25, 1] as const);

  it('gives the same interval for the same seed, and a wider one when samples come in clusters', () => {
    const [a, b] = [WeightedSample.fromBuckets(buckets(0)), WeightedSample.fromBuckets(buckets(10))];
    const one = percentileDifferenceInterval(a, b, 95, 7);
    expect(percentileDifferenceInterval(a, b, 95, 7)).toEqual(one);
    expect(one.low).toBeGreaterThan(0);
    const clustered = percentileDifferenceInterval(a.withDraws(40), b.withDraws(40), 50, 7);
    const flat = percentileDifferenceInterval(a, b, 50, 7);
    expect(clustered.high - clustered.low).toBeGreaterThan(flat.high - flat.low);
  });

  it('refuses a tail percentile with too few samples beyond it', () => {
    expect(percentileUnavailable(99, 400)).toContain('p99 needs at least 500 samples');
    expect(percentileUnavailable(95, 100)).toBeNull();
  });
});

describe('the core promptset', () => {
  it('has at least 60 prompts over the six categories, unique ids, checks and examples', () => {
    expect(CORE_PROMPTSET.length).toBeGreaterThanOrEqual(60);
    expect(new Set(CORE_PROMPTSET.map((p) => p.category))).toEqual(
      new Set(['instruction', 'reasoning', 'summarization', 'extraction', 'refusal', 'code']),
    );
    expect(new Set(CORE_PROMPTSET.map((p) => p.id)).size).toBe(CORE_PROMPTSET.length);
  });

  it('passes its own checks with every example answer, and fails them with the degraded answer', () => {
    const failing = CORE_PROMPTSET.filter((p) => !runChecks(p.checks ?? [], p.example!).passed).map((p) => p.id);
    expect(failing).toEqual([]);
    const degradedPasses = CORE_PROMPTSET.filter((p) => p.checks !== undefined && runChecks(p.checks, DEGRADED_ANSWER).passed).map(
      (p) => p.id,
    );
    expect(degradedPasses).toEqual([]);
  });

  it('survives a JSONL round trip, and a bad file reports every bad line', () => {
    const text = CORE_PROMPTSET.map((p) => JSON.stringify(p)).join('\n');
    expect(parseEvalPromptset(text, 'core.jsonl').prompts.map(promptQuestion)).toEqual(CORE_PROMPTSET.map(promptQuestion));
    try {
      parseEvalPromptset('{"id":"a","category":"c","prompt":"p"}\n{"id":"a","category":"c","prompt":"q"}\nnope\n', 'x.jsonl');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      expect((err as UsageError).problems.join('\n')).toMatch(/x\.jsonl:3 is not json[\s\S]*x\.jsonl:2 repeats id a/);
    }
  });
});

describe('judge prompts', () => {
  it('carry the question and answers so the simulator reads back exactly what eval sent', () => {
    const q = 'What is 2 + 2?\nAnswer with a number.';
    expect(parseJudgeRequest(pointwiseMessages(q, '4', 'rubric'))).toEqual({ kind: 'pointwise', question: q, answer: '4' });
    expect(parseJudgeRequest(pairwiseMessages(q, '4', 'four', 'rubric'))).toEqual({ kind: 'pairwise', question: q, a: '4', b: 'four' });
  });
});
