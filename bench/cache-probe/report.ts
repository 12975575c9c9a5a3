/** The cache probe as Markdown. */
import { fmt } from '../report/format';
import type { Renderers } from '../report/renderers';
import type { CacheProbeResult, ProbePhase } from './result';

const VERDICTS: Record<CacheProbeResult['verdict'], string> = {
  on: 'prefix caching is ON',
  off: 'prefix caching is OFF',
  'no-hits': 'prefix caching looked up, found nothing',
  unknown: 'prefix caching unknown (no counters)',
};

function row(name: string, p: ProbePhase): string {
  const rate =
    p.queriedTokens !== null && p.hitTokens !== null && p.queriedTokens > 0
      ? `${((p.hitTokens / p.queriedTokens) * 100).toFixed(1)} %`
      : '–';
  return `| ${name} | ${p.requests - p.failed} / ${p.requests} | ${fmt(p.ttftMs.p50)} | ${fmt(p.ttftMs.mean)} | ${p.queriedTokens ?? '–'} | ${p.hitTokens ?? '–'} | ${rate} |`;
}

export function renderCacheProbeMarkdown(r: CacheProbeResult): string {
  const gate = r.expected === null ? '' : r.passed ? ` (expected ${r.expected}: PASSED)` : ` (expected ${r.expected}: FAILED)`;
  const share = r.ttftSavedShare === null ? '' : ` (${(r.ttftSavedShare * 100).toFixed(1)} % of the unique prompts' TTFT)`;
  return [
    `## llm-bench cache-probe: ${VERDICTS[r.verdict]}${gate}`,
    '',
    `${r.baseUrl} · model ${r.model} · ${r.endpoint} · a ${r.prefixTokens}-word shared prefix + ${r.suffixTokens} words of each request's own, one output token, one request at a time` +
      ` · counters from ${r.metricsUrl ?? 'nowhere'}`,
    '',
    '| phase | succeeded | TTFT p50 (ms) | TTFT mean (ms) | prefix-cache queried tokens | hit tokens | hit rate |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    row('unique prompts', r.unique),
    row('warm-up (puts the prefix in the cache)', r.warm),
    row('shared prefix', r.shared),
    '',
    `TTFT saved by the cache: ${r.ttftSavedMs === null ? '–' : `${fmt(r.ttftSavedMs)} ms`}${share} at the median.`,
    '',
    ...r.notes.map((n) => `> ${n}`),
    ...(r.notes.length > 0 ? [''] : []),
  ].join('\n');
}

export const CACHE_PROBE_RENDERERS: Renderers<CacheProbeResult> = { markdown: renderCacheProbeMarkdown };
