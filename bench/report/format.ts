import type { LoadResult, LoadSettings } from '../result';
import { runFailure } from '../load/outcome';
import { describeProfile } from '../load/schedule';

/** A number for people: 3 significant-ish digits, `–` for "not measured". */
export function fmt(v: number | null | undefined, digits?: number): string {
  if (v === null || v === undefined) return '–';
  if (digits !== undefined) return v.toFixed(digits);
  const a = Math.abs(v);
  return v.toFixed(a === 0 ? 0 : a < 10 ? 2 : a < 1000 ? 1 : 0);
}

/** A gate's measured value: counts as integers, the rest as `fmt` does. */
export function fmtValue(v: number | null): string {
  if (v === null) return 'not measured';
  return Number.isInteger(v) ? String(v) : fmt(v);
}

/** Error rate as a percentage. */
export function fmtRate(v: number | null): string {
  return v === null ? '–' : `${(v * 100).toFixed(v > 0 && v < 0.001 ? 3 : 2)} %`;
}

/** The run's shape in one line: where, what, how much load (`withProfile: false` for sweeps, whose load varies). */
export function describeRun(s: LoadSettings, withProfile = true): string {
  const limit = [s.requests !== null ? `${s.requests} requests` : null, s.durationSec !== null ? `${s.durationSec} s` : null]
    .filter((x) => x !== null)
    .join(', ');
  const out = s.outputTokens !== null ? `, ${s.outputTokens} output tokens` : '';
  const load = withProfile ? ` · ${describeProfile(s.profile)} · ${limit || 'until stopped'}` : ` · ${limit || 'until stopped'} per step`;
  const shared = s.interleaved === undefined ? '' : ` (${describeInterleaving(s.interleaved)})`;
  return `${s.baseUrl} · model ${s.model} · ${s.endpoint}${s.stream ? ' (streaming)' : ''}${load}${shared} · prompts ${s.prompts}${out} · seed ${s.seed}`;
}

/** How a target took part in an interleaved load, for a report line. */
export function describeInterleaving(i: NonNullable<LoadSettings['interleaved']>): string {
  return `for the whole load, interleaved over ${i.targets} targets: this is target ${i.target + 1}, which got request i when i mod ${i.targets} = ${i.target}`;
}

/** PASSED / FAILED / ABORTED with the count of crossed thresholds. */
export function verdict(r: LoadResult): string {
  if (r.aborted !== undefined) return 'ABORTED';
  if (runFailure(r) !== undefined) return 'FAILED (every request failed)';
  const crossed = r.thresholds.filter((t) => !t.passed).length;
  if (crossed > 0) return `FAILED (${crossed} of ${r.thresholds.length} thresholds crossed)`;
  return r.thresholds.length > 0 ? `PASSED (${r.thresholds.length} thresholds)` : 'DONE (no thresholds)';
}

/** Row labels of the latency table. */
export const LATENCY_ROWS = [
  ['ttftMs', 'TTFT'],
  ['tpotMs', 'TPOT'],
  ['itlMs', 'ITL'],
  ['e2eMs', 'E2E'],
] as const;

/** Escapes text for HTML and XML. */
export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}
