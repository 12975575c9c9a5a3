/** The eval result as Markdown, HTML and JUnit: per model score, reference pass, win rate; the judge's calibration. */
import { escapeXml, fmt } from '../report/format';
import { renderJunit, type JunitSuite } from '../report/junit';
import { notesList, page, table } from '../report/page';
import type { Renderers } from '../report/renderers';
import type { EvalModelSummary, EvalResult } from './result';

const iv = (i: { low: number; high: number } | null, digits: number) =>
  i === null ? 'n/a' : `[${i.low.toFixed(digits)}, ${i.high.toFixed(digits)}]`;
const pct = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(1)} %`);

/** PASSED / FAILED over the thresholds. */
export function evalVerdict(r: EvalResult): string {
  const crossed = r.thresholds.filter((t) => !t.passed).length;
  if (crossed > 0) return `FAILED (${crossed} of ${r.thresholds.length} thresholds crossed)`;
  return r.thresholds.length > 0 ? `PASSED (${r.thresholds.length} thresholds)` : 'DONE (no thresholds)';
}

const HEAD = [
  'Model',
  'Score (mean)',
  '95 % interval',
  'Reference pass',
  '95 % interval',
  'W / T / L vs baseline',
  'Win rate',
  '95 % interval',
  'Judge failures',
  'Output tokens',
  'Answer time (s)',
];

function modelRow(m: EvalModelSummary): string[] {
  const p = m.pairwise;
  return [
    m.baseline ? `${m.model} (baseline)` : m.model,
    fmt(m.score.mean, 2),
    iv(m.score.interval, 2),
    m.reference.total === 0 ? '–' : `${pct(m.reference.rate)} (${m.reference.passed}/${m.reference.total})`,
    iv(m.reference.interval, 3),
    p === undefined ? '–' : `${p.wins} / ${p.ties} / ${p.losses}${p.failed > 0 ? ` (${p.failed} failed)` : ''}`,
    p === undefined ? '–' : pct(p.winRate),
    p === undefined ? '–' : iv(p.interval, 3),
    String(m.judgeFailures),
    String(m.outputTokens),
    fmt(m.answerSec, 1),
  ];
}

function judgeLines(r: EvalResult): string[] {
  const j = r.judge;
  if (j === null) return ['No judge: scores and win rates were not measured.'];
  const flag = j.flagged ? ` — **FLAGGED**: below ${j.minAgreement}, do not trust its scores` : '';
  return [
    `- Agreement with the exact checks (score ≥ ${j.passScore} ⇔ checks pass): ${pct(j.agreement)} (${j.agreed}/${j.total}), 95 % ${iv(j.interval, 3)}${flag}`,
    `- Orders won by the answer shown first: ${pct(j.firstPositionShare)} (0.5 is unbiased); pairs whose two orders disagreed: ${j.inconsistentPairs}`,
    `- Structured output requested: ${j.structuredOutput ? 'yes' : 'no'}`,
  ];
}

export function renderEvalMarkdown(r: EvalResult): string {
  const out = [
    `## llm-bench eval: ${evalVerdict(r)}`,
    '',
    `Promptset ${r.promptset.source}: ${r.promptset.prompts} prompts (${r.promptset.reference} with exact checks) · ` +
      `baseline ${r.settings.baseline} · judge ${r.settings.judge?.model ?? 'none'} · temperature 0, seed ${r.settings.seed}, max_tokens ${r.settings.maxTokens} · ${fmt(r.durationSec, 1)} s`,
    '',
    `| ${HEAD.join(' | ')} |`,
    `|${HEAD.map((_, i) => (i === 0 ? ':---' : '---:')).join('|')}|`,
    ...r.models.map((m) => `| ${modelRow(m).join(' | ')} |`),
    '',
    '### Judge',
    '',
    ...judgeLines(r),
    '',
  ];
  if (r.thresholds.length > 0) {
    out.push('### Thresholds', '', '|  | Threshold | Model | Measured |', '|:---|:---|:---|---:|');
    for (const t of r.thresholds)
      out.push(
        `| ${t.passed ? '✅ pass' : '❌ FAIL'} | \`${t.expression}\` | ${t.model} | ${t.value === null ? 'not measured' : fmt(t.value, 3)} |`,
      );
    out.push('');
  }
  for (const n of r.notes) out.push(`> ${n}`, '');
  out.push('### How the figures are made', '', ...Object.values(r.methods).map((v) => `- ${v}`), '');
  return out.join('\n');
}

export function renderEvalHtml(r: EvalResult): string {
  const body = [
    `<h1>llm-bench eval: ${escapeXml(evalVerdict(r))}</h1>`,
    `<p class="run">Promptset ${escapeXml(r.promptset.source)}: ${r.promptset.prompts} prompts · baseline ${escapeXml(r.settings.baseline)} · judge ${escapeXml(r.settings.judge?.model ?? 'none')}</p>`,
    table(
      HEAD,
      r.models.map((m) => modelRow(m).map(escapeXml)),
      HEAD.map((_, i) => i > 0),
    ),
    '<h2>Judge</h2>',
    `<ul class="notes">${judgeLines(r)
      .map((l) => `<li>${escapeXml(l.replace(/^- /, '').replace(/\*\*/g, ''))}</li>`)
      .join('')}</ul>`,
    notesList(r.notes),
  ];
  if (r.thresholds.length > 0) {
    body.push(
      '<h2>Thresholds</h2>',
      table(
        ['', 'threshold', 'model', 'measured'],
        r.thresholds.map((t) => [
          t.passed ? '<span class="pass">✔ pass</span>' : '<span class="fail">✘ FAIL</span>',
          `<code>${escapeXml(t.expression)}</code>`,
          escapeXml(t.model),
          t.value === null ? 'not measured' : fmt(t.value, 3),
        ]),
      ),
    );
  }
  const failedAnswers = r.answers.filter((a) => a.reference !== null && !a.reference.passed);
  if (failedAnswers.length > 0) {
    body.push(
      '<h2>Reference checks that failed</h2>',
      table(
        ['model', 'prompt', 'why'],
        failedAnswers.map((a) => [escapeXml(a.model), escapeXml(a.promptId), escapeXml(a.reference!.details.join('; '))]),
      ),
    );
  }
  body.push(
    '<h2>How the figures are made</h2>',
    `<ul class="notes">${Object.values(r.methods)
      .map((v) => `<li>${escapeXml(v)}</li>`)
      .join('')}</ul>`,
  );
  return page('llm-bench eval', body);
}

/** One JUnit case per threshold and model. */
export function evalSuite(r: EvalResult): JunitSuite {
  return {
    name: 'llm-bench eval',
    timestamp: r.startedAt,
    timeSec: r.durationSec,
    cases: r.thresholds.map((t) => ({
      name: `${t.expression} (${t.model})`,
      classname: 'llm-bench.eval',
      timeSec: 0,
      ...(!t.passed && {
        failure:
          t.value === null
            ? `${t.metric} was not measured for ${t.model}`
            : `${t.metric} = ${fmt(t.value, 3)} for ${t.model}, required ${t.op} ${t.limit}`,
      }),
    })),
  };
}

export const EVAL_RENDERERS: Renderers<EvalResult> = {
  markdown: renderEvalMarkdown,
  html: renderEvalHtml,
  junit: (r) => renderJunit([evalSuite(r)]),
};
