/** What `llm-bench report` does once its flags parse. */
import { readFile } from 'node:fs/promises';
import { EXIT, UsageError } from '../../errors';
import { LOAD_RENDERERS, SMOKE_RENDERERS, SWEEP_RENDERERS } from '../../report/renderers';
import { type AnyResult, anyResultSchema, SCHEMA_VERSION } from '../../result';
import type { CliIo, ExitSink } from '../io';
import { checkUsage, type OutputFlags, outputProblems, withOutputs, writeReports } from '../output';

/** Reads and validates a saved result; every way it can be wrong is a usage error. */
async function readResult(file: string): Promise<AnyResult> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    const why = err instanceof SyntaxError ? 'is not json' : 'cannot be read';
    throw new UsageError(
      `report file ${file} ${why}, got ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; pass a file written by llm-bench --json`,
    );
  }
  const version = (raw as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (version !== SCHEMA_VERSION) {
    throw new UsageError(
      `report file ${file} has schemaVersion ${JSON.stringify(version)}, expected ${SCHEMA_VERSION}; render it with the llm-bench version that wrote it`,
    );
  }
  const parsed = anyResultSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.join('.') || 'root';
    throw new UsageError(
      `report file ${file} is not an llm-bench result, got ${where}: ${issue.message.toLowerCase()}; pass a file written by llm-bench --json`,
    );
  }
  return parsed.data;
}

export async function reportAction(file: string, f: OutputFlags, io: CliIo, exit: ExitSink): Promise<void> {
  const problems = outputProblems(f);
  if (f.markdown === undefined && f.html === undefined && f.junit === undefined) {
    problems.push('report needs at least one output, got none; pass --markdown, --html or --junit with a file (or -)');
  }
  const r = await readResult(file).catch((err: unknown) => {
    if (!(err instanceof UsageError)) throw err;
    problems.push(...err.problems);
    return undefined;
  });
  if (r?.kind === 'smoke' && f.html !== undefined)
    problems.push(`report renders smoke results as --markdown or --junit, got --html for ${file}; use one of those`);
  const outputs = { ...f, json: undefined };
  await checkUsage(outputs, problems);
  exit.code = withOutputs(EXIT.ok, await render(r!, outputs, io));
}

function render(r: AnyResult, outputs: OutputFlags, io: CliIo): Promise<boolean> {
  switch (r.kind) {
    case 'load':
      return writeReports(r, outputs, LOAD_RENDERERS, io);
    case 'sweep':
      return writeReports(r, outputs, SWEEP_RENDERERS, io);
    case 'smoke':
      return writeReports(r, outputs, SMOKE_RENDERERS, io);
    default: {
      const never: never = r;
      return never;
    }
  }
}
