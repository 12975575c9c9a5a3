#!/usr/bin/env node
// `npm run build`: compiles llm-bench to build/bench/ with esbuild, so the bin starts without a
// TypeScript loader. Two entries share their chunks: cli.js (the llm-bench program) and
// index.js (the library behind `import … from 'llm-platform/bench'`). Every `import()` a
// command's action makes stays a separate chunk, so `--version` loads commander and the
// command definitions only. Packages stay external (resolved from node_modules at run time);
// source maps point at the TypeScript.
//
// Only files whose bytes changed are written, and only files no longer produced are removed: a
// build of unchanged sources touches nothing, so it is safe while llm-bench processes run from
// build/bench/ (they load chunks lazily) — e.g. a doc's `npm run build` during the test suite.
import { Buffer } from 'node:buffer';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'build', 'bench');

const result = await build({
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
  write: false,
});

/** Every file under `dir`, relative to it; none when it does not exist. */
async function filesUnder(dir) {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath ?? e.path, e.name)));
}

const before = new Set(await filesUnder(outdir));
for (const file of result.outputFiles) {
  const name = relative(outdir, file.path);
  before.delete(name);
  const old = await readFile(file.path).catch(() => null);
  if (old !== null && Buffer.compare(old, file.contents) === 0) continue;
  await mkdir(dirname(file.path), { recursive: true });
  await writeFile(file.path, file.contents);
}
for (const stale of before) await rm(join(outdir, stale), { force: true });
