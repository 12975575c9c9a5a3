/** Every report a result kind has, in one object per kind: what the CLI writes for --markdown, --html, --junit. */
import type { LoadResult, SmokeResult, SweepResult } from '../result';
import { renderHtml, renderSweepHtml } from './html';
import { loadSuite, renderJunit, smokeSuite, sweepSuites } from './junit';
import { renderMarkdown, renderSmokeMarkdown, renderSweepMarkdown } from './markdown';

/** How one kind of result renders; a missing renderer means the kind has no such report. */
export interface Renderers<R> {
  readonly markdown?: (result: R) => string;
  readonly html?: (result: R) => string;
  readonly junit?: (result: R) => string;
}

export const LOAD_RENDERERS: Renderers<LoadResult> = {
  markdown: renderMarkdown,
  html: renderHtml,
  junit: (r) => renderJunit([loadSuite(r)]),
};

export const SWEEP_RENDERERS: Renderers<SweepResult> = {
  markdown: renderSweepMarkdown,
  html: renderSweepHtml,
  junit: (r) => renderJunit(sweepSuites(r)),
};

/** Smoke results have no HTML report. */
export const SMOKE_RENDERERS: Renderers<SmokeResult> = {
  markdown: renderSmokeMarkdown,
  junit: (r) => renderJunit([smokeSuite(r)]),
};
