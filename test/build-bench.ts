/**
 * Vitest global setup: builds llm-bench (build/bench/) once per run, so tests that start the
 * executable or import 'llm-platform/bench' exercise what `npm ci` ships, never a stale build.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export default function buildBench(): void {
  execFileSync(process.execPath, [join(import.meta.dirname, '..', 'bench', 'build.mjs')], { stdio: 'inherit' });
}
