#!/usr/bin/env node
// The llm-bench executable: runs the compiled CLI (build/bench/cli.js, written by `npm run build`,
// which `npm ci` runs through `prepare`) and exits with its code. Stack traces map back to the
// TypeScript through the build's source maps. Without a build (an install with
// --ignore-scripts), it runs the TypeScript sources through tsx instead: the same program,
// seconds slower to start.
import { existsSync } from 'node:fs';

const built = new URL('../../build/bench/cli.js', import.meta.url);
let main;
if (existsSync(built)) {
  process.setSourceMapsEnabled(true);
  ({ main } = await import(built.href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../cli/main.ts'));
}
process.exitCode = await main(process.argv);
// A call abandoned at its deadline (the Kubernetes client's requests cannot be aborted) may keep a
// socket open to an endpoint that never answers: once the command is done, it must not hold the exit.
globalThis.setTimeout(() => process.exit(), 1000).unref();
