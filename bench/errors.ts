/**
 * Errors that carry their exit code, so the CLI maps failures without string matching.
 *
 * Exit codes, the same for every command: 0 all passed, 99 a threshold was crossed (as k6), 2 bad
 * usage or config, 1 the run itself failed (unreachable, auth, crash).
 */

/** Process exit codes shared by every llm-bench command. */
export const EXIT = {
  ok: 0,
  runFailed: 1,
  usage: 2,
  thresholdCrossed: 99,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Bad flags, a bad threshold expression or a bad input file: exit 2. */
export class UsageError extends Error {
  readonly exitCode = EXIT.usage;
  /** Each problem on its own, so callers can merge their own checks with the library's. */
  readonly problems: readonly string[];
  constructor(message: string, problems: readonly string[] = [message]) {
    super(message);
    this.name = 'UsageError';
    this.problems = problems;
  }
}

/** The run could not do its job (unreachable URL, rejected key, missing model): exit 1. */
export class RunError extends Error {
  readonly exitCode = EXIT.runFailed;
  constructor(message: string) {
    super(message);
    this.name = 'RunError';
  }
}

/** Joins several validation problems into one UsageError, so users fix them in one go. */
export function usageErrors(problems: readonly string[]): UsageError {
  return new UsageError(problems.length === 1 ? problems[0]! : `${problems.length} problems:\n- ${problems.join('\n- ')}`, problems);
}

/** Runs `fn`; a UsageError it throws becomes problems (reported with the others) and undefined. */
export function collectUsage<T>(problems: string[], fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    problems.push(...err.problems);
    return undefined;
  }
}

/** Throws every collected problem as one UsageError. */
export function failOnProblems(problems: readonly string[]): void {
  if (problems.length > 0) throw usageErrors(problems);
}
