/**
 * Prometheus's own binaries for the tests that evaluate rules and queries with them: `promtool`
 * and `prometheus`, from the Debian package `prometheus`: on PATH, or unpacked into
 * out/tools/prometheus by `.ci/install-prometheus` (which .ci/run runs; no root needed).
 *
 * When a binary is missing the suites that need it do not pass quietly: each registers one skipped
 * test whose title says what is missing and how to install it, and prints the same line. With
 * `LLM_PLATFORM_REQUIRE_PROMETHEUS=1` (what .ci/run sets once it has installed the package) a
 * missing binary fails instead.
 */
import { execFile, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { it } from 'vitest';
import { PROJECT_ROOT } from '../../stacks/synthesize';

/** Where .ci/install-prometheus unpacks the package's binaries. */
export const UNPACKED_BIN = join(PROJECT_ROOT, 'out/tools/prometheus/usr/bin');

export type PrometheusTool = 'promtool' | 'prometheus';

/** The first executable `name` on PATH or in {@link UNPACKED_BIN}, or undefined. */
export function onPath(name: string): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), UNPACKED_BIN]) {
    if (!dir) continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** Why a suite cannot run without `tool`, and how to get it. */
export function missingMessage(tool: PrometheusTool): string {
  return (
    `${tool} not found on PATH or in out/tools; run .ci/install-prometheus (no root needed; .ci/run does) ` +
    "or install the Debian package prometheus, to evaluate the rules with Prometheus's own tools"
  );
}

/**
 * The path of `tool`, or undefined after registering the test that reports its absence: a skipped
 * test titled with the reason, or a failing one when LLM_PLATFORM_REQUIRE_PROMETHEUS=1. Call it at
 * the top of a describe block and register the real tests only when it returns a path.
 */
export function prometheusTool(tool: PrometheusTool): string | undefined {
  const path = onPath(tool);
  if (path) return path;
  const message = missingMessage(tool);
  if (process.env.LLM_PLATFORM_REQUIRE_PROMETHEUS === '1') {
    it(`${tool} is installed (LLM_PLATFORM_REQUIRE_PROMETHEUS=1)`, () => {
      throw new Error(message);
    });
  } else {
    console.warn(`SKIPPED: ${message}`);
    it.skip(`SKIPPED: ${message}`, () => undefined);
  }
  return undefined;
}

/** What a promtool run printed, with its exit status. */
export interface ToolRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** {@link runPromtool} without blocking: several promtool processes can run side by side. */
export function runPromtoolAsync(promtool: string, args: readonly string[], cwd: string): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    execFile(promtool, args, { cwd, encoding: 'utf8', timeout: 240_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      // A non-zero exit is a result (the test reads it); a binary that could not run or timed out is not.
      if (err !== null && typeof err.code !== 'number') return reject(new Error(`promtool did not run or timed out: ${err.message}`));
      resolve({ status: err === null ? 0 : (err.code as number), stdout, stderr });
    });
  });
}

/** Runs promtool with `args` in `cwd`; bounded in time so a hung binary fails the test, not the run. */
export function runPromtool(promtool: string, args: readonly string[], cwd: string): ToolRun {
  const r = spawnSync(promtool, args, { cwd, encoding: 'utf8', timeout: 240_000, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
