/** The post-deploy decisions (release comparison, short evals) in the post-deploy reports. */
import { compareSuites, compareVerdict, renderCompareHtml, renderCompareMarkdown } from '../compare/report';
import { evalSuite, evalVerdict, renderEvalHtml, renderEvalMarkdown } from '../eval/report';
import type { JunitSuite } from '../report/junit';
import type { Decisions } from './decide-result';

const demote = (md: string) => md.replace(/^## /gm, '#### ').replace(/^### /gm, '##### ');
/** An embedded report's body: what is between <body> and </body>. */
const bodyOf = (html: string) =>
  html
    .slice(html.indexOf('<body>') + 6, html.lastIndexOf('</body>'))
    .replace(/<h1>/g, '<h3>')
    .replace(/<\/h1>/g, '</h3>');

export function decisionsMarkdown(d: Decisions | undefined): string[] {
  if (d === undefined) return [];
  const out: string[] = [];
  if (d.releases.length > 0) {
    out.push(`## Against the previous release (${d.baselineFile ?? 'baseline'})`, '');
    for (const r of d.releases) {
      if (r.compare === null) out.push(`- ${r.variant}: not compared (${r.skipped ?? ''})`);
      else out.push(`### ${r.variant}: ${compareVerdict(r.compare)}`, '', demote(renderCompareMarkdown(r.compare)));
    }
    out.push('');
  }
  for (const e of d.evals)
    out.push(`## Eval ${e.candidate} against ${e.baseline}: ${evalVerdict(e.result)}`, '', demote(renderEvalMarkdown(e.result)));
  return out;
}

export function decisionsHtml(d: Decisions | undefined): string[] {
  if (d === undefined) return [];
  const out: string[] = [];
  for (const r of d.releases)
    if (r.compare !== null) out.push(`<h2>${r.variant} against the previous release</h2>`, bodyOf(renderCompareHtml(r.compare)));
  for (const e of d.evals) out.push(`<h2>Eval ${e.candidate} against ${e.baseline}</h2>`, bodyOf(renderEvalHtml(e.result)));
  return out;
}

export function decisionsSuites(d: Decisions | undefined): JunitSuite[] {
  if (d === undefined) return [];
  return [
    ...d.releases.flatMap((r) => (r.compare === null ? [] : compareSuites(r.compare).map((s) => ({ ...s, name: `release ${r.variant}` })))),
    ...d.evals.map((e) => ({ ...evalSuite(e.result), name: `eval ${e.candidate} vs ${e.baseline}` })),
  ];
}
