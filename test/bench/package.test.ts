/**
 * The package surface: `import { … } from 'llm-platform/bench'` resolves through package.json
 * `exports` to the compiled library (build/bench/index.js) and its types to bench/index.ts.
 */
import { describe, expect, it } from 'vitest';
import { BENCH_DEFAULTS, type CliIo, EXIT, main, runLoad, TOOL } from 'llm-platform/bench';

describe("import from 'llm-platform/bench'", () => {
  it('gives the library and the CLI, compiled', async () => {
    expect(import.meta.resolve('llm-platform/bench')).toMatch(/\/build\/bench\/index\.js$/);
    expect(BENCH_DEFAULTS.seed).toBe(1);
    expect(runLoad).toBeTypeOf('function');
    let out = '';
    const io: CliIo = { stdout: (t) => void (out += t), stderr: () => {} };
    expect(await main(['node', 'llm-bench', '--version'], io)).toBe(EXIT.ok);
    expect(out).toBe(`${TOOL.version}\n`);
  });
});
