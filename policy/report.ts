/**
 * The policy table `npm run policy` prints: one row per rule and resource, Kubernetes and AWS
 * results alike (both rule sets return `{ rule, resource, type, passed, reason }`).
 */

/** A rule's verdict on one resource, from either rule set. */
export interface PolicyRow {
  /** Which rule set: `k8s` or `aws`. */
  readonly source: string;
  readonly environment: string;
  readonly rule: string;
  readonly resource: string;
  readonly type: string;
  readonly passed: boolean;
  readonly reason: string;
}

const HEADERS = ['env', 'source', 'rule', 'resource', 'type', 'result', 'reason'] as const;

/** A plain-text table, columns padded to their widest cell; the reason column is last and unpadded. */
export function formatTable(rows: readonly PolicyRow[]): string {
  const cells = rows.map((r) => [r.environment, r.source, r.rule, r.resource, r.type, r.passed ? 'pass' : 'FAIL', r.reason]);
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]) =>
    c
      .map((x, i) => (i === c.length - 1 ? x : x.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(HEADERS), line(widths.map((w) => '-'.repeat(Math.min(w, 60)))), ...cells.map(line)].join('\n');
}

/** `N checks, F failed` with the failures per source and rule. */
export function summarize(rows: readonly PolicyRow[]): string {
  const failed = rows.filter((r) => !r.passed);
  const byRule = new Map<string, number>();
  for (const r of failed) byRule.set(`${r.source}:${r.rule}`, (byRule.get(`${r.source}:${r.rule}`) ?? 0) + 1);
  const detail = [...byRule].map(([rule, n]) => `${rule} ${n}`).join(', ');
  return `${rows.length} checks, ${failed.length} failed${detail ? ` (${detail})` : ''}`;
}
