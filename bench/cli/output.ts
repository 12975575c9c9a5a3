/** Where results go: files or stdout, the reports of a result, and the exit code it earns. */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { EXIT } from '../errors';
import type { ThresholdResult } from '../result';
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

const OUTPUTS = ['json', 'markdown', 'html', 'junit'] as const;

/** `--json`, `--markdown`, `--html`, `--junit` with the wording of one kind of run. */
export function addOutputFlags(cmd: Command, what: { readonly html?: string; readonly junit?: string } = {}): Command {
  return cmd
    .option('--json <file>', 'write the JSON result (- for stdout, and nothing else there)')
    .option('--markdown <file>', 'write a Markdown summary (- for stdout)')
    .option('--html <file>', what.html ?? 'write a self-contained HTML report with the timeline (- for stdout)')
    .option('--junit <file>', what.junit ?? 'write JUnit XML, one test case per gate (- for stdout)');
}

/** The problem with the output flags, if more than one goes to stdout. */
export function outputProblems(o: OutputFlags): string[] {
  const dashes = OUTPUTS.filter((k) => o[k] === '-');
  return dashes.length > 1 ? [`only one output can go to stdout, got ${dashes.map((k) => `--${k} -`).join(' and ')}; write the others to files`] : [];
}

/** True when one of the outputs is stdout, so nothing else may be printed there. */
export const toStdout = (o: OutputFlags): boolean => OUTPUTS.some((k) => o[k] === '-');

/** Writes `text` to a file (creating its folder) or to stdout for `-`. */
export async function writeOutput(path: string, text: string, io: CliIo): Promise<void> {
  if (path === '-') {
    io.stdout(text);
    return;
  }
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
  io.stderr(`wrote ${path}\n`);
}

/**
 * Writes every report the flags ask for. The JSON goes first: the contract file must exist even
 * if a renderer fails.
 */
export async function writeReports<R>(result: R, f: OutputFlags, render: Renderers<R>, io: CliIo): Promise<void> {
  if (f.json !== undefined) await writeOutput(f.json, `${JSON.stringify(result, null, 2)}\n`, io);
  for (const kind of ['markdown', 'html', 'junit'] as const) {
    const path = f[kind];
    const renderer = render[kind];
    if (path !== undefined && renderer !== undefined) await writeOutput(path, renderer(result), io);
  }
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

/** A check's event as a stderr line: `[  12.34 s] message`. */
export function eventLine(e: { readonly t: number; readonly message: string }): string {
  return `[${e.t.toFixed(2).padStart(7)} s] ${e.message}\n`;
}
