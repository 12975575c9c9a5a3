#!/usr/bin/env node
// `npm run build`: compiles llm-bench to build/bench/ with esbuild, so the bin starts without a
// TypeScript loader. Two entries share their chunks: cli.js (the llm-bench program) and
// index.js (the library behind `import … from 'llm-platform/bench'`). Every `import()` a
// command's action makes stays a separate chunk, so `--version` loads commander and the
// command definitions only. Packages stay external (resolved from node_modules at run time);
// source maps point at the TypeScript.
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'build', 'bench');

await rm(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { cli: 'bench/cli/main.ts', index: 'bench/index.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.18',
  packages: 'external',
  sourcemap: 'linked',
  sourcesContent: false,
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
});
