/** Reading the saved load or sweep results `compare` sets side by side. */
import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors';
import { anyResultSchema, type LoadResult, SCHEMA_VERSION, type SweepResult } from '../result';

/**
 * Reads and validates a saved load or sweep result; every way it can be wrong is a usage error
 * naming the file and its role (`baseline`, `candidate`).
 */
export async function readRunResult(file: string, role: string): Promise<LoadResult | SweepResult> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    const why = err instanceof SyntaxError ? 'is not json' : 'cannot be read';
    throw new UsageError(
      `${role} file ${file} ${why}, got ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; pass a file written by llm-bench load or sweep --json`,
    );
  }
  const version = (raw as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (version !== SCHEMA_VERSION) {
    throw new UsageError(
      `${role} file ${file} has schemaVersion ${JSON.stringify(version)}, expected ${SCHEMA_VERSION}; rerun it with this llm-bench`,
    );
  }
  const parsed = anyResultSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.join('.') || 'root';
    throw new UsageError(
      `${role} file ${file} is not an llm-bench result, got ${where}: ${issue.message.toLowerCase()}; pass a file written by llm-bench load or sweep --json`,
    );
  }
  const r = parsed.data;
  if (r.kind === 'smoke')
    throw new UsageError(`${role} file ${file} is a smoke result, got kind smoke; compare reads load or sweep results`);
  return r;
}
