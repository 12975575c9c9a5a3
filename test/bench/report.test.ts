import { beforeAll, describe, expect, it } from 'vitest';
import { METRIC_DEFINITIONS } from '../../bench/definitions';
import { runLoad } from '../../bench/load/engine';
import { renderHtml } from '../../bench/report/html';
import { loadSuite, renderJunit, smokeSuite } from '../../bench/report/junit';
import { renderMarkdown } from '../../bench/report/markdown';
import { niceTicks } from '../../bench/report/svg';
import type { LoadResult, SmokeResult } from '../../bench/result';
import { startSimulator } from '../../bench/sim/simulator';
import { inVirtualTime } from '../support/virtual-time';

let result: LoadResult;
beforeAll(async () => {
  const sim = await startSimulator({ port: 0, ttftMs: 10, itlMs: 2, faults: { error: 0.2 }, seed: 5 });
  try {
    // On virtual time: the TTFT threshold holds however busy the machine is.
    result = await inVirtualTime(() =>
      runLoad({
        baseUrl: sim.url,
        model: 'sim-model',
        profile: { kind: 'concurrency', concurrency: 4 },
        requests: 40,
        outputTokens: 4,
        thresholds: ['ttftMs.p95<1000', 'errorRate<0.01'],
      }),
    );
  } finally {
    await sim.close();
  }
});

describe('reports', () => {
  it('Markdown states the verdict, the latency table, thresholds, errors and every definition', () => {
    const md = renderMarkdown(result);
    expect(md).toContain('## llm-bench load: FAILED (1 of 2 thresholds crossed)');
    expect(md).toMatch(/^\| TTFT \| [\d.]+ \| [\d.]+ \|/m);
    expect(md).toContain('| ✅ pass | `ttftMs.p95<1000` |');
    expect(md).toContain('| ❌ FAIL | `errorRate<0.01` |');
    expect(md).toMatch(/^\| `http_500` \| \d+ \| simulated engine failure \|$/m);
    for (const text of Object.values(METRIC_DEFINITIONS)) expect(md).toContain(text);
  });

  it('HTML is self-contained: inline SVG charts, no scripts or remote resources', () => {
    const html = renderHtml(result);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html.match(/<svg /g)?.length).toBe(8); // 4 CDFs, TTFT histogram, throughput, requests, TTFT over time
    for (const title of ['TTFT CDF', 'E2E CDF', 'TTFT histogram', 'Throughput', 'TTFT over time'])
      expect(html).toContain(`aria-label="${title}"`);
    expect(html).not.toMatch(/<script|<link|src=|url\(|@import/i);
    expect(html).not.toMatch(/href=/i);
    for (const text of Object.values(METRIC_DEFINITIONS))
      expect(html).toContain(text.replace(/&/g, '&amp;').replace(/'/g, '&apos;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
  });

  it('JUnit has one case per threshold and smoke check, escaped, with failures and skips counted', () => {
    const smoke: SmokeResult = {
      schemaVersion: 1,
      kind: 'smoke',
      tool: { name: 'llm-bench', version: '0' },
      baseUrl: 'http://x',
      startedAt: '2026-01-01T00:00:00.000Z',
      passed: false,
      checks: [
        { name: 'health', status: 'pass', reason: 'ok', durationMs: 2 },
        { name: 'models', status: 'fail', reason: 'adapter <a> & "b" missing', durationMs: 3 },
        { name: 'auth', status: 'skip', reason: 'no key', durationMs: 0 },
      ],
    };
    const xml = renderJunit([smokeSuite(smoke), loadSuite(result)]);
    expect(xml).toContain('<testsuites name="llm-bench" tests="5" failures="2" skipped="1">');
    expect(xml).toContain('<testcase classname="llm-bench.smoke" name="models" time="0.003">');
    expect(xml).toContain('<failure message="adapter &lt;a&gt; &amp; &quot;b&quot; missing" type="failure">');
    expect(xml).toContain('<skipped message="no key"/>');
    expect(xml).toContain('<testcase classname="llm-bench.thresholds" name="ttftMs.p95&lt;1000" time="0.000"/>');
    expect(xml).toMatch(/<failure message="errorRate = 0\.\d+, required &lt; 0\.01"/);
    expect(xml).not.toMatch(/<[^>]*[<&](?!lt;|gt;|amp;|quot;|apos;)[^>]*>/); // nothing unescaped inside a tag
  });

  it('JUnit reports an aborted run as a failing case', () => {
    const aborted: LoadResult = { ...result, thresholds: [], aborted: { reason: 'http://x is unreachable' } };
    expect(renderJunit([loadSuite(aborted)])).toContain('<testcase classname="llm-bench.load" name="run"');
  });

  it('chart ticks are round numbers covering the range', () => {
    expect(niceTicks(0, 97)).toEqual([0, 20, 40, 60, 80]);
    expect(niceTicks(81.3, 96.2)).toEqual([85, 90, 95]);
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });
});
