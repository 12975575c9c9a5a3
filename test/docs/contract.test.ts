/**
 * The docs' contract: every shell block of the docs is run by one of test/docs/*.test.ts (listed
 * in GROUPS of blocks.ts) or carries a marker that says why not.
 */
import { describe, expect, it } from 'vitest';
import { all, blockKey, GROUPS } from './blocks';

describe('docs command blocks', () => {
  it('are all either run here or marked as needing a cluster (or run elsewhere, with the reason)', () => {
    const runnable = all.filter((b) => b.marker === undefined).map(blockKey);
    // The lists are the contract: a new block either runs (add it to a group) or carries a marker.
    expect([...runnable].sort()).toEqual(Object.values(GROUPS).flat().sort());
    expect(new Set(runnable).size, 'two runnable blocks share a key: make their first commands differ').toBe(runnable.length);

    for (const b of all.filter((x) => x.marker?.startsWith('<!-- not-run') === true))
      expect(b.marker, `${b.file}:${b.line}`).toMatch(/^<!-- not-run: \S.+ -->$/);
  });

  it('run each group in a test file of its own', async () => {
    const { readdirSync } = await import('node:fs');
    const files = readdirSync(import.meta.dirname).filter((f) => f.startsWith('run-') && f.endsWith('.test.ts'));
    expect(files.sort()).toEqual(
      Object.keys(GROUPS)
        .map((g) => `run-${g}.test.ts`)
        .sort(),
    );
  });
});
