/**
 * Where results go: files or stdout, checked before a run and written after it, the reports of a
 * result, and the exit code it earns.
 *
 * Outputs are probed before any request is sent (the folder can be made, the file written), and
 * a file that still cannot be written after the run goes to a fallback file whose path is
 * printed: a finished run is never lost to a full disk or a typo in a path.
 */
import { constants } from 'node:fs';
import { mkdir, open, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isatty } from 'node:tty';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { EXIT, failOnProblems } from '../errors';
import { runFailure } from '../load/outcome';
import type { LoadResult, ThresholdResult } from '../result';
import { fmtValue } from '../report/format';
import type { Renderers } from '../report/renderers';
import type { CliIo } from './io';

/** The report flags; `-` means stdout. */
export interface OutputFlags {
  readonly json?: string;
  readonly markdown?: string;
  readonly html?: string;
  readonly junit?: string;
}

export type OutputKind = keyof OutputFlags;

const OUTPUTS = ['json', 'markdown', 'html', 'junit'] as const;
const EXTENSIONS: Readonly<Record<OutputKind, string>> = { json: 'json', markdown: 'md', html: 'html', junit: 'xml' };

/** `--json`, `--markdown`, `--html`, `--junit` with the wording of one kind of run. */
export function addOutputFlags(cmd: Command, what: { readonly html?: string; readonly junit?: string } = {}): Command {
  return cmd
    .option('--json <file>', 'write the JSON result (- for stdout, and nothing else there)')
    .option('--markdown <file>', 'write a Markdown summary (- for stdout)')
    .option('--html <file>', what.html ?? 'write a self-contained HTML report with the timeline (- for stdout)')
    .option('--junit <file>', what.junit ?? 'write JUnit XML, one test case per gate (- for stdout)');
}

/** The problem with the output flags, if more than one goes to stdout or two to one file. */
export function outputProblems(o: OutputFlags): string[] {
  const problems: string[] = [];
  const dashes = OUTPUTS.filter((k) => o[k] === '-');
  if (dashes.length > 1)
    problems.push(`only one output can go to stdout, got ${dashes.map((k) => `--${k} -`).join(' and ')}; write the others to files`);
  const byPath = new Map<string, OutputKind[]>();
  for (const k of OUTPUTS) {
    const path = o[k];
    if (path === undefined || path === '-') continue;
    byPath.set(resolve(path), [...(byPath.get(resolve(path)) ?? []), k]);
  }
  for (const [path, kinds] of byPath) {
    if (kinds.length > 1)
      problems.push(`${kinds.map((k) => `--${k}`).join(' and ')} name the same file, got ${path} for each; give each output its own file`);
  }
  return problems;
}

/** True when one of the outputs is stdout, so nothing else may be printed there. */
export const toStdout = (o: OutputFlags): boolean => OUTPUTS.some((k) => o[k] === '-');

/** What a probe made (folders), so a command that then fails on bad input can leave nothing behind. */
export interface OutputProbe {
  /** Removes the folders the probe created, deepest first, if they are still empty. */
  undo(): Promise<void>;
}

const code = (err: unknown): string => (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));

/**
 * Makes `dir` and its missing parents, one level at a time; returns the folders it created.
 *
 * Not `mkdir(dir, { recursive: true })`: Node's walk takes ENOENT to mean "the parent is
 * missing", makes the parent (EEXIST counts as success) and tries again, forever, when a
 * file system answers ENOENT for a folder it will not create under a parent that exists:
 * procfs does, so `--json /proc/nope/r.json` hung at 100 % CPU.
 */
export async function makeFolders(dir: string): Promise<string[]> {
  const missing: string[] = [];
  let at = resolve(dir);
  for (;;) {
    try {
      const st = await stat(at);
      if (!st.isDirectory()) throw Object.assign(new Error(`${at} is not a folder`), { code: 'ENOTDIR' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      missing.unshift(at);
      const up = dirname(at);
      if (up === at) throw err;
      at = up;
    }
  }
  const created: string[] = [];
  for (const folder of missing) {
    try {
      await mkdir(folder);
      created.push(folder);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return created;
}

/**
 * Proves that `path` can be written without changing what it holds: an existing file gets one
 * byte appended and truncated away again; a device other than a terminal gets one byte (/dev/full
 * refuses it with ENOSPC, where opening it succeeds); a new file is created, written and removed.
 * Pipes and sockets are left alone (opening a pipe without a reader would block).
 */
async function probeFile(path: string): Promise<void> {
  const st = await stat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (st?.isDirectory() === true) throw Object.assign(new Error('is a folder'), { code: 'EISDIR' });
  if (st?.isFIFO() === true || st?.isSocket() === true) return;
  if (st === undefined) {
    const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL);
    try {
      await handle.write(Buffer.alloc(1));
    } finally {
      await handle.close();
      await unlink(path);
    }
    return;
  }
  if (st.isFile()) {
    const handle = await open(path, 'r+');
    try {
      await handle.write(Buffer.alloc(1), 0, 1, st.size);
      await handle.truncate(st.size);
    } finally {
      await handle.close();
    }
    return;
  }
  const handle = await open(path, constants.O_WRONLY);
  try {
    // A terminal would show the byte; any other device (/dev/null, /dev/full) takes or refuses it.
    if (!isatty(handle.fd)) await handle.write(Buffer.alloc(1));
  } finally {
    await handle.close();
  }
}

/**
 * Checks every output file before the run: its folder can be made, it is not a folder, and it
 * can be written. Problems join `problems`; the returned probe undoes the folders it made.
 */
export async function checkOutputs(o: OutputFlags, problems: string[]): Promise<OutputProbe> {
  const created: string[] = [];
  for (const kind of OUTPUTS) {
    const path = o[kind];
    if (path === undefined || path === '-') continue;
    const fix = `pass a writable file${kind === 'html' ? '' : ' or - for stdout'}`;
    if (path === '') {
      problems.push(`--${kind} needs a file, got an empty path; ${fix}`);
      continue;
    }
    try {
      created.push(...(await makeFolders(dirname(path))));
    } catch (err) {
      problems.push(`--${kind} ${path} has no folder that can be made, got ${code(err)} for ${dirname(resolve(path))}; ${fix}`);
      continue;
    }
    try {
      await probeFile(path);
    } catch (err) {
      const why = code(err) === 'EISDIR' ? 'is a folder' : 'cannot be written';
      problems.push(`--${kind} ${path} ${why}, got ${code(err)}; ${fix}`);
    }
  }
  return {
    undo: async () => {
      for (const folder of created.reverse()) await rmdir(folder).catch(() => undefined);
    },
  };
}

/**
 * The end of every command's input checks: the outputs are probed (after the flags, so their
 * problems are reported together), and every problem throws one UsageError, after undoing what
 * the probe made. Nothing has touched the network when it returns.
 */
export async function checkUsage(o: OutputFlags, problems: string[]): Promise<void> {
  const probe = await checkOutputs(o, problems);
  if (problems.length > 0) {
    await probe.undo();
    failOnProblems(problems);
  }
}

/** Where an output goes when its own path cannot be written: the temp folder, named so it is found. */
export function fallbackPath(kind: OutputKind, now = new Date()): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  return join(tmpdir(), `llm-bench-${kind}-${stamp}-${process.pid}.${EXTENSIONS[kind]}`);
}

/**
 * Writes `text` to a file (creating its folder) or to stdout for `-`. Returns false when the
 * file could not be written: the text then went to a fallback file, or as a last resort to
 * stderr, with the reason printed.
 */
export async function writeOutput(path: string, text: string, io: CliIo, kind: OutputKind = 'json'): Promise<boolean> {
  if (path === '-') {
    io.stdout(text);
    return true;
  }
  try {
    await makeFolders(dirname(path));
    await writeFile(path, text);
    io.stderr(`wrote ${path}\n`);
    return true;
  } catch (err) {
    const fallback = fallbackPath(kind);
    try {
      await writeFile(fallback, text, { flag: 'wx' });
      io.stderr(`error: cannot write ${path}, got ${code(err)}; the ${kind} output went to ${fallback} instead\n`);
    } catch (again) {
      io.stderr(
        `error: cannot write ${path}, got ${code(err)}, nor ${fallback}, got ${code(again)}; the ${kind} output follows on stderr\n${text}\n`,
      );
    }
    return false;
  }
}

/**
 * Writes every report the flags ask for. The JSON goes first: the contract file must exist even
 * if a renderer fails.
 */
export async function writeReports<R>(result: R, f: OutputFlags, render: Renderers<R>, io: CliIo): Promise<boolean> {
  let ok = true;
  if (f.json !== undefined) ok = (await writeOutput(f.json, `${JSON.stringify(result, null, 2)}\n`, io, 'json')) && ok;
  for (const kind of ['markdown', 'html', 'junit'] as const) {
    const path = f[kind];
    const renderer = render[kind];
    if (path !== undefined && renderer !== undefined) ok = (await writeOutput(path, renderer(result), io, kind)) && ok;
  }
  return ok;
}

/** A run's exit code once its outputs are written: an output that missed its path fails the run (1). */
export function withOutputs(exitCode: number, outputsWritten: boolean): number {
  return outputsWritten ? exitCode : EXIT.runFailed;
}

/** What a finished run says about itself, for its exit code. */
export interface Verdict {
  /** Why the run stopped itself (unreachable, interrupted), if it did. */
  readonly aborted?: { readonly reason: string };
  /** Its thresholds or gates. */
  readonly checks: readonly ThresholdResult[];
  /** `thresholds` for a load, `gates` for a cluster-side check. */
  readonly checkName: 'thresholds' | 'gates';
  /** Added to the crossed line, e.g. why a rollback did not complete. */
  readonly detail?: string;
  /** @default - counts as integers, the rest rounded as the reports show them */
  readonly showValue?: (value: number) => string;
}

/** The exit code of a finished run, with its reason on stderr: 1 aborted, 99 crossed, 0 passed. */
export function exitCodeOf(v: Verdict, io: CliIo): number {
  if (v.aborted !== undefined) {
    io.stderr(`error: ${v.aborted.reason}\n`);
    return EXIT.runFailed;
  }
  const crossed = v.checks.filter((c) => !c.passed);
  if (crossed.length > 0) {
    const show = v.showValue ?? fmtValue;
    const list = crossed.map((c) => `${c.expression} (measured ${c.value === null ? 'nothing' : show(c.value)})`).join(', ');
    io.stderr(`${v.checkName} crossed: ${list}${v.detail === undefined ? '' : ` (${v.detail})`}\n`);
    return EXIT.thresholdCrossed;
  }
  return EXIT.ok;
}

/** The exit code of a load result (`load`, `collect`): 1 when it stopped itself or every request failed, 99 on a crossed threshold. */
export function loadExitCode(result: LoadResult, io: CliIo): number {
  const failure = runFailure(result);
  return exitCodeOf(
    {
      ...(failure !== undefined && { aborted: { reason: failure } }),
      checks: result.thresholds,
      checkName: 'thresholds',
      showValue: String,
    },
    io,
  );
}

/** A check's event as a stderr line: `[  12.34 s] message`. */
export function eventLine(e: { readonly t: number; readonly message: string }): string {
  return `[${e.t.toFixed(2).padStart(7)} s] ${e.message}\n`;
}
