import type { LoadResult, SmokeResult, SweepResult } from '../result';
import { COST_HEAD, costRows, describePricing, describeReplicas, fmtUsd } from './cost';
import { describeServer, SERVER_HEAD, serverRows } from './server';
import { describeRun, fmt, fmtRate, LATENCY_ROWS, verdict } from './format';

function table(head: readonly string[], align: readonly ('l' | 'r')[], rows: readonly (readonly string[])[]): string[] {
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [
    `| ${head.join(' | ')} |`,
    `|${align.map((a) => (a === 'r' ? '---:' : ':---')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ];
}

/** The load result as Markdown for a CI log or a PR comment, definitions included. */
export function renderMarkdown(r: LoadResult): string {
  const s = r.summary;
  const out: string[] = [`## llm-bench load: ${verdict(r)}`, '', describeRun(r.settings), ''];
  if (r.aborted !== undefined) out.push(`**Aborted:** ${r.aborted.reason}`, '');
  for (const w of r.warnings ?? []) out.push(`**Warning:** ${w}`, '');
  out.push(
    ...table(
      ['Requests', 'Succeeded', 'Failed', 'Cancelled', 'Error rate', 'Duration', 'Req/s', 'Output tok/s', 'Mean in / out tokens'],
      ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
      [
        [
          String(s.requests.total),
          String(s.requests.succeeded),
          String(s.requests.failed),
          String(s.requests.cancelled),
          fmtRate(s.errorRate),
          `${fmt(s.durationSec)} s`,
          fmt(s.requestThroughput),
          fmt(s.outputTokenThroughput),
          `${fmt(s.inputTokens.mean, 0)} / ${fmt(s.outputTokens.mean, 1)}`,
        ],
      ],
    ),
    '',
    ...table(
      ['Latency (ms)', 'mean', 'p50', 'p90', 'p95', 'p99', 'max', 'samples'],
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
      LATENCY_ROWS.map(([key, label]) => {
        const l = s[key];
        return [label, fmt(l.mean), fmt(l.p50), fmt(l.p90), fmt(l.p95), fmt(l.p99), fmt(l.max), String(l.count)];
      }),
    ),
    '',
  );
  if (r.serverMetrics !== undefined) {
    const sm = r.serverMetrics;
    out.push(
      '### Server side',
      '',
      describeServer(sm),
      '',
      ...table([...SERVER_HEAD], ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'], serverRows(sm)),
      '',
      ...sm.notes.map((n) => `> ${n}`),
      ...(sm.notes.length > 0 ? [''] : []),
    );
  }
  if (r.cost !== undefined) {
    out.push(
      '### Cost',
      '',
      `${describeReplicas(r.cost)} at ${fmt(r.cost.outputTokensPerSec)} output tokens/s (${fmt(r.cost.totalTokensPerSec)} total); ${describePricing(r.cost)}.`,
      '',
      ...table([...COST_HEAD], ['l', 'r', 'r', 'r'], costRows(r.cost)),
      '',
      ...r.cost.notes.map((n) => `> ${n}`),
      ...(r.cost.notes.length > 0 ? [''] : []),
    );
  }
  if (r.thresholds.length > 0) {
    out.push(
      '### Thresholds',
      '',
      ...table(
        ['', 'Threshold', 'Measured'],
        ['l', 'l', 'r'],
        r.thresholds.map((t) => [
          t.passed ? '✅ pass' : '❌ FAIL',
          `\`${t.expression}\``,
          t.value === null ? 'not measured' : fmt(t.value),
        ]),
      ),
      '',
    );
  }
  const reasons = Object.entries(s.errors).sort((a, b) => b[1] - a[1]);
  if (reasons.length > 0) {
    out.push(
      '### Errors',
      '',
      ...table(
        ['Reason', 'Count', 'First message'],
        ['l', 'r', 'l'],
        reasons.map(([k, n]) => [`\`${k}\``, String(n), s.errorMessages[k] ?? '']),
      ),
      '',
    );
  }
  if (r.slowest !== undefined && r.slowest.length > 0) {
    out.push(
      '### Slowest requests',
      '',
      ...table(
        ['Request', 'Outcome', 'E2E (ms)', 'TTFT (ms)', 'Trace id'],
        ['l', 'l', 'r', 'r', 'l'],
        r.slowest.map((q) => [
          `\`${q.requestId}\``,
          q.outcome,
          fmt(q.e2eMs),
          fmt(q.ttftMs),
          q.traceId === undefined ? '' : `\`${q.traceId}\``,
        ]),
      ),
      '',
    );
  }
  if (s.usageMissing > 0)
    out.push(`> ${s.usageMissing} successful requests had no usage report; their output tokens were counted as content chunks.`, '');
  out.push('### Definitions', '', ...Object.entries(r.definitions).map(([k, v]) => `- **${k}**: ${v}`), '');
  return out.join('\n');
}

/** A sweep as one table, one row per step, and the highest load that met the thresholds. */
export function renderSweepMarkdown(r: SweepResult): string {
  const priced = r.steps.some((step) => step.cost !== undefined);
  const costHead = priced ? ['$/1M out SPOT', '$/1M out on demand'] : [];
  const out = [
    `## llm-bench sweep over ${r.dimension}: ${r.best === null ? 'no step met the thresholds' : `best ${r.dimension} ${r.best}`}`,
    '',
    r.steps[0] !== undefined ? describeRun(r.steps[0].settings, false) : '',
    '',
    ...table(
      [r.dimension, 'Req/s', 'Output tok/s', 'TTFT p50', 'TTFT p95', 'TPOT p95', 'E2E p95', 'Error rate', ...costHead, 'Thresholds'],
      ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', ...costHead.map(() => 'r' as const), 'l'],
      r.steps.map((step, i) => {
        const s = step.summary;
        return [
          String(r.values[i]),
          fmt(s.requestThroughput),
          fmt(s.outputTokenThroughput),
          fmt(s.ttftMs.p50),
          fmt(s.ttftMs.p95),
          fmt(s.tpotMs.p95),
          fmt(s.e2eMs.p95),
          fmtRate(s.errorRate),
          ...(priced ? [fmtUsd(step.cost?.spot.usdPer1MOutputTokens), fmtUsd(step.cost?.onDemand.usdPer1MOutputTokens)] : []),
          verdict(step),
        ];
      }),
    ),
    '',
  ];
  const first = r.steps.find((step) => step.cost !== undefined)?.cost;
  if (first !== undefined)
    out.push(`$ per 1M output tokens at each step's throughput, ${describeReplicas(first)}; ${describePricing(first)}.`, '');
  if (r.steps.length < r.values.length)
    out.push(`Stopped after the first failing step; not run: ${r.values.slice(r.steps.length).join(', ')}.`, '');
  return out.join('\n');
}

/** Smoke checks as a Markdown table. */
export function renderSmokeMarkdown(r: SmokeResult): string {
  const failed = r.checks.filter((c) => c.status === 'fail').length;
  return [
    `## llm-bench smoke: ${failed === 0 ? 'PASSED' : `FAILED (${failed} of ${r.checks.length} checks)`}`,
    '',
    r.baseUrl,
    '',
    ...table(
      ['', 'Check', 'Result'],
      ['l', 'l', 'l'],
      r.checks.map((c) => [c.status === 'pass' ? '✅ pass' : c.status === 'skip' ? '➖ skip' : '❌ FAIL', c.name, c.reason]),
    ),
    '',
  ].join('\n');
}
