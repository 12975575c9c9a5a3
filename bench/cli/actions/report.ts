/** What `llm-bench report` does once its flags parse. */
import { EXIT, UsageError } from '../../errors';
import { LOAD_RENDERERS, SMOKE_RENDERERS, SWEEP_RENDERERS } from '../../report/renderers';
import type { AnyResult } from '../../result';
import { readSavedResult } from '../../result-file';
import type { CliIo, ExitSink } from '../io';
import { checkUsage, type OutputFlags, outputProblems, withOutputs, writeReports } from '../output';

/** Reads and validates a saved result; every way it can be wrong is a usage error. */
const readResult = (file: string): Promise<AnyResult> =>
  readSavedResult(file, {
    role: 'report',
    passFix: 'pass a file written by llm-bench --json',
    versionFix: 'render it with the llm-bench version that wrote it',
  });

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
