/**
 * Where a command writes and what it reads from its surroundings. Tests pass buffers; the bin
 * passes the process.
 */
import type { Command } from 'commander';

/** A command's streams and environment. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** @default - no environment variables */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Draw the progress line (only on a terminal).
   * @default false
   */
  readonly stderrIsTTY?: boolean;
  /**
   * Handle SIGINT/SIGTERM: stop gracefully, write the reports, roll a publish back.
   * @default false, true for the process's own io
   */
  readonly handleSignals?: boolean;
}

/**
 * The real process's streams and environment. A reader that closes stdout early (`| head`, a
 * `read` in a script that got its line) ends the output, not the command: the EPIPE that Node
 * would throw as an uncaught error with a stack trace is noted once on stderr instead.
 */
export function processIo(): CliIo {
  let stdoutClosed = false;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    if (!stdoutClosed) process.stderr.write('note: stdout was closed by its reader; the rest of the output there is dropped\n');
    stdoutClosed = true;
  });
  return {
    stdout: (t) => {
      if (!stdoutClosed) process.stdout.write(t);
    },
    stderr: (t) => process.stderr.write(t),
    stderrIsTTY: process.stderr.isTTY === true,
    env: process.env,
    handleSignals: true,
  };
}

/** An environment variable, or undefined when unset or empty. */
export function envValue(io: CliIo, name: string): string | undefined {
  const value = io.env?.[name];
  return value === undefined || value === '' ? undefined : value;
}

/** Lets an action report its exit code through commander, which only knows about promises. */
export interface ExitSink {
  code: number;
}

/**
 * The conventions of every llm-bench command and its subcommands: output through `io`, errors
 * thrown (as CommanderError) instead of exiting, the usage hint after an error.
 */
export function withConventions(cmd: Command, io: CliIo): Command {
  cmd.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr }).showHelpAfterError('(run with --help for usage)');
  for (const sub of cmd.commands) withConventions(sub, io);
  return cmd;
}
