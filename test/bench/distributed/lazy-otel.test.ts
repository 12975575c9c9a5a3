/**
 * The OpenTelemetry SDK loads only when spans are asked for: in the compiled llm-bench (which
 * vitest's global setup builds), no module that `load` or `worker` imports statically imports
 * `@opentelemetry/*`; only the span exporter's own chunk does, and it is reached by `import()`.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../../../build/bench');
const STATIC = /^import\s+(?:[^'"]*?\s+from\s+)?"([^"]+)";?$/gm;

/** Every module reachable from `entry` through static imports (relative chunks and packages). */
async function staticClosure(entry: string): Promise<Set<string>> {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (!file.startsWith('/')) continue; // a package
    const text = await readFile(file, 'utf8');
    for (const m of text.matchAll(STATIC)) {
      const spec = m[1]!;
      queue.push(spec.startsWith('.') ? join(file, '..', spec) : spec);
    }
  }
  return seen;
}

describe('the OpenTelemetry SDK is lazy', () => {
  it('is imported by the span exporter chunk only, never statically by load, worker or the CLI', async () => {
    const chunks = (await readdir(join(root, 'chunks'))).filter((f) => f.endsWith('.js'));
    const otelImporters = [];
    for (const c of chunks) if (/from "@opentelemetry\//.test(await readFile(join(root, 'chunks', c), 'utf8'))) otelImporters.push(c);
    expect(otelImporters).toHaveLength(1);
    expect(otelImporters[0]).toMatch(/^export-/);
    const entries = [join(root, 'cli.js'), ...chunks.filter((c) => /^(load|worker)-/.test(c)).map((c) => join(root, 'chunks', c))];
    expect(entries.length).toBeGreaterThanOrEqual(3);
    for (const entry of entries) {
      const reached = [...(await staticClosure(entry))];
      expect(
        reached.filter((m) => m.includes('@opentelemetry/') || m.includes('/export-')),
        entry,
      ).toEqual([]);
    }
  });
});
