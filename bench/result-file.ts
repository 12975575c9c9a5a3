/** Reading a saved llm-bench result file (what `report` renders, what `compare` sets side by side). */
import { readFile } from 'node:fs/promises';
import { UsageError } from './errors';
import { type AnyResult, anyResultSchema, SCHEMA_VERSION } from './result';

/** How the errors of {@link readSavedResult} name the file and the fix. */
export interface SavedResultWording {
  /** What the file is to the command, e.g. `report`, `baseline`. */
  readonly role: string;
  /** The fix for a file that is unreadable or not a result, e.g. `pass a file written by llm-bench --json`. */
  readonly passFix: string;
  /** The fix for a file of another schema version. */
  readonly versionFix: string;
}

/** Reads and validates a saved result; every way it can be wrong is a usage error naming the file and its role. */
export async function readSavedResult(file: string, w: SavedResultWording): Promise<AnyResult> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    const why = err instanceof SyntaxError ? 'is not json' : 'cannot be read';
    throw new UsageError(
      `${w.role} file ${file} ${why}, got ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; ${w.passFix}`,
    );
  }
  const version = (raw as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (version !== SCHEMA_VERSION) {
    throw new UsageError(
      `${w.role} file ${file} has schemaVersion ${JSON.stringify(version)}, expected ${SCHEMA_VERSION}; ${w.versionFix}`,
    );
  }
  const parsed = anyResultSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.join('.') || 'root';
    throw new UsageError(`${w.role} file ${file} is not an llm-bench result, got ${where}: ${issue.message.toLowerCase()}; ${w.passFix}`);
  }
  return parsed.data;
}
