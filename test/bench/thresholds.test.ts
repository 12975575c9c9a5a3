import { describe, expect, it } from 'vitest';
import { UsageError } from '../../bench/errors';
import type { LoadSummary } from '../../bench/result';
import { evaluateThresholds, parseThresholds } from '../../bench/thresholds';

const stats = (p95: number | null) => ({ count: p95 === null ? 0 : 10, mean: p95, min: p95, p50: p95, p90: p95, p95, p99: p95, max: p95 });

function summary(over: Partial<LoadSummary> = {}): LoadSummary {
  return {
    durationSec: 10,
    requests: { total: 100, succeeded: 99, failed: 1, cancelled: 0 },
    ttftMs: stats(420),
    tpotMs: stats(30),
    itlMs: stats(29),
    e2eMs: stats(2000),
    requestThroughput: 9.9,
    outputTokenThroughput: 250,
    inputTokens: { total: 0, mean: null },
    outputTokens: { total: 2500, mean: 25 },
    errorRate: 0.01,
    errors: { http_500: 1 },
    errorMessages: {},
    usageMissing: 0,
    maxInFlight: 8,
    ...over,
  };
}

describe('thresholds', () => {
  it('parses the documented forms and evaluates each against the summary', () => {
    const t = parseThresholds(['ttftMs.p95<500', 'tpotMs.p50 < 25', 'errorRate<=0.01', 'outputTokenThroughput>200', 'e2eMs.max>=2000.5']);
    expect(evaluateThresholds(t, summary()).map((r) => [r.expression, r.value, r.passed])).toEqual([
      ['ttftMs.p95<500', 420, true],
      ['tpotMs.p50 < 25', 30, false],
      ['errorRate<=0.01', 0.01, true],
      ['outputTokenThroughput>200', 250, true],
      ['e2eMs.max>=2000.5', 2000, false],
    ]);
  });

  it('fails a threshold whose metric was not measured', () => {
    const [r] = evaluateThresholds(parseThresholds(['ttftMs.p95<500']), summary({ ttftMs: stats(null) }));
    expect(r).toMatchObject({ value: null, passed: false });
    const [e] = evaluateThresholds(parseThresholds(['errorRate<0.5']), summary({ errorRate: null }));
    expect(e!.passed).toBe(false);
  });

  it('fails when a statistic is unknown, with the full message', () => {
    expect(() => parseThresholds(['ttftMs.p96<500'])).toThrow(
      new UsageError('threshold "ttftMs.p96<500" has an unknown statistic, got p96; use one of mean, min, p50, p90, p95, p99, max'),
    );
  });

  it('fails when a metric is unknown, with the full message', () => {
    expect(() => parseThresholds(['latency<5'])).toThrow(
      'threshold "latency<5" has an unknown metric, got latency; use ttftMs.<stat>, tpotMs.<stat>, itlMs.<stat>, e2eMs.<stat>, errorRate, requestThroughput, outputTokenThroughput',
    );
  });

  it('fails when a latency has no statistic or a scalar has one', () => {
    expect(() => parseThresholds(['ttftMs<500'])).toThrow(
      'threshold "ttftMs<500" needs a statistic for ttftMs, got none; write e.g. ttftMs.p95<500 (one of mean, min, p50, p90, p95, p99, max)',
    );
    expect(() => parseThresholds(['errorRate.p95<1'])).toThrow(
      'threshold "errorRate.p95<1" gives a statistic to a scalar, got errorRate.p95; write errorRate<1',
    );
  });

  it('fails when the expression is not metric-op-number, and reports every bad one together', () => {
    let caught: unknown;
    try {
      parseThresholds(['ttftMs.p95 = 5', 'ttftMs.p95<abc', 'errorRate<0.1']);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as UsageError).problems).toEqual([
      'threshold "ttftMs.p95 = 5" is not <metric><op><number>, got no match; write e.g. ttftMs.p95<500 or errorRate<0.01 (ops: < <= > >=)',
      'threshold "ttftMs.p95<abc" is not <metric><op><number>, got no match; write e.g. ttftMs.p95<500 or errorRate<0.01 (ops: < <= > >=)',
    ]);
    expect((caught as UsageError).exitCode).toBe(2);
  });
});
