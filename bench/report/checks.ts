/** Report pieces the cluster-side checks (rollback, autoscale) share: the verdict and the Markdown event log. */
import type { ThresholdResult } from '../result';

/** PASSED / FAILED / ABORTED, with how many gates crossed. */
export function checkVerdict(r: { readonly aborted?: { readonly reason: string }; readonly gates: readonly ThresholdResult[] }): string {
  if (r.aborted !== undefined) return 'ABORTED';
  const crossed = r.gates.filter((g) => !g.passed).length;
  return crossed === 0 ? `PASSED (${r.gates.length} gates)` : `FAILED (${crossed} of ${r.gates.length} gates crossed)`;
}

/** The check's events as a Markdown table, then its notes as a list. */
export function markdownEventLog(r: {
  readonly events: readonly { readonly t: number; readonly message: string }[];
  readonly notes: readonly string[];
}): string[] {
  return [
    '| t (s) | event |',
    '| --- | --- |',
    ...r.events.map((e) => `| ${e.t.toFixed(2)} | ${e.message.replace(/\|/g, '\\|')} |`),
    '',
    ...(r.notes.length > 0 ? [...r.notes.map((n) => `- ${n}`), ''] : []),
  ];
}
