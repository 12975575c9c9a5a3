/** What a finished load run says about itself: did it do its job, and did it pass? */
import type { LoadResult } from '../result';

/**
 * Why a finished run failed as a run (exit 1), whatever its thresholds say: it stopped itself
 * (`aborted`), or every request it finished failed. Undefined when it did its job.
 */
export function runFailure(r: LoadResult): string | undefined {
  if (r.aborted !== undefined) return r.aborted.reason;
  const { succeeded, failed } = r.summary.requests;
  if (succeeded > 0 || failed === 0) return undefined;
  const reasons = Object.entries(r.summary.errors).sort((a, b) => b[1] - a[1]);
  const [top] = reasons;
  const detail =
    top === undefined ? '' : ` (${reasons.map(([k, n]) => `${k} ×${n}`).join(', ')}; first: ${r.summary.errorMessages[top[0]] ?? top[0]})`;
  return `every request failed: ${failed} of ${failed} against ${r.settings.baseUrl}${detail}; check the server's logs and the model`;
}

/** True when every threshold passed and the run neither stopped itself nor failed every request. */
export function resultPassed(r: LoadResult): boolean {
  return runFailure(r) === undefined && r.thresholds.every((t) => t.passed);
}
