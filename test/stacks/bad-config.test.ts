/**
 * Bad config never passes silently. The corpus under test/stacks/bad-config/ holds one small stack
 * file per rule, each starting with the messages it must be rejected with (`# expect:` lines, in
 * order); every file goes through the real loader, and some through the synth CLI, which must exit
 * 2, print exactly those messages and no stack trace, and write nothing. The README's own examples
 * run here too.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadEnvironmentFile, parseEnvironmentText } from '../../config/platform';
import { PROJECT_ROOT, synthesize } from '../../stacks/synthesize';
import { CHILD_DEADLINE_MS } from '../support/deadlines';
import { tempDir } from '../support/temp';

const CORPUS = join(dirname(fileURLToPath(import.meta.url)), 'bad-config');
const files = readdirSync(CORPUS)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

const tmp = () => tempDir('llm-platform-bad-config-');

/** The `# expect:` lines of a corpus file. */
const expectedProblems = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.startsWith('# expect: '))
    .map((l) => l.slice('# expect: '.length));

/** What ConfigError prints for `problems` in `source`. */
const report = (source: string, problems: readonly string[]) =>
  [`${source} has ${problems.length} config error${problems.length === 1 ? '' : 's'}:`, ...problems.map((p) => `  - ${p}`)].join('\n');

/** The error loading `file` throws; fails when the file is accepted. */
function rejection(load: () => unknown): ConfigError {
  try {
    load();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('the config was accepted');
}

function runSynth(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'stacks/synth.ts'), ...args], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    timeout: CHILD_DEADLINE_MS,
  });
}

const STACK_TRACE = /^\s+at /m;

describe('the bad-config corpus', () => {
  it('has a file per rule, each with the messages it expects', () => {
    expect(files.length).toBeGreaterThanOrEqual(50);
    for (const f of files) expect(expectedProblems(readFileSync(join(CORPUS, f), 'utf8')), f).not.toEqual([]);
  });

  it.each(files)('rejects %s with exactly its expected messages', (file) => {
    const want = expectedProblems(readFileSync(join(CORPUS, file), 'utf8'));
    const error = rejection(() => loadEnvironmentFile(join(CORPUS, file)));
    expect(error.source).toBe(file);
    expect(error.message).toBe(report(file, want));
    expect(error.message).not.toMatch(STACK_TRACE);
  });

  it('through the synth CLI: exit 2, every bad file reported in one run, no stack trace, nothing written', () => {
    const root = tmp();
    const picked = ['namespace-typo', 'top-level-typo', 'extra-args-spellings', 'empty-file'].map((rule) => `Pulumi.${rule}.yaml`);
    for (const f of picked) cpSync(join(CORPUS, f), join(root, f));
    cpSync(join(PROJECT_ROOT, 'Pulumi.dev.yaml'), join(root, 'Pulumi.dev.yaml'));
    const out = tmp();
    const r = runSynth(['--out', out, '--root', root]);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    // Environments are read in name order; each file's messages are its own `# expect:` lines.
    const want = [...picked].sort().map((f) => report(f, expectedProblems(readFileSync(join(CORPUS, f), 'utf8'))));
    expect(r.stderr.trimEnd()).toBe(want.join('\n'));
    expect(r.stderr).not.toMatch(STACK_TRACE);
    expect(readdirSync(out)).toEqual([]);
  });

  it('through the synth CLI: a missing --root is a usage error', () => {
    const r = runSynth(['--root', join(tmp(), 'nope')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^synth: --root .*nope is not a directory; pass the folder that holds the Pulumi.<env>.yaml files\n$/);
  });
});

describe('the README examples ("Configure an environment")', () => {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Configure an environment'), readme.indexOf('### The variants'));
  const blocks = [...section.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], text: m[2]! }));

  it('has the example file, the bad file and its output', () => {
    expect(blocks.map((b) => b.lang)).toEqual(['yaml', 'yaml', '']);
  });

  it('the example environment is valid', () => {
    const c = parseEnvironmentText(blocks[0]!.text, 'Pulumi.prod.yaml');
    expect(c.tier).toBe('prod');
    expect(c.enabledModels.map((m) => m.id)).toEqual(['awq', 'lora', 'judge']);
  });

  it('the bad file prints exactly the output shown, with both errors, and synth writes nothing', () => {
    const root = tmp();
    writeFileSync(join(root, 'Pulumi.prod.yaml'), blocks[1]!.text);
    const out = tmp();
    const error = rejection(() => synthesize({ outDir: out, root }));
    expect(error.message).toBe(blocks[2]!.text.trimEnd());
    expect(error.problems).toHaveLength(2);
    expect(readdirSync(out)).toEqual([]);
  });
});
