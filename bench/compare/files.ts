/** Reading the saved load or sweep results `compare` sets side by side. */
import { UsageError } from '../errors';
import type { LoadResult, SweepResult } from '../result';
import { readSavedResult } from '../result-file';

/**
 * Reads and validates a saved load or sweep result; every way it can be wrong is a usage error
 * naming the file and its role (`baseline`, `candidate`).
 */
export async function readRunResult(file: string, role: string): Promise<LoadResult | SweepResult> {
  const r = await readSavedResult(file, {
    role,
    passFix: 'pass a file written by llm-bench load or sweep --json',
    versionFix: 'rerun it with this llm-bench',
  });
  if (r.kind === 'smoke')
    throw new UsageError(`${role} file ${file} is a smoke result, got kind smoke; compare reads load or sweep results`);
  return r;
}
