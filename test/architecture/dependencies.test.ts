/**
 * Dependencies point one way. `stacks/` is the composition root and may import anything; every
 * other folder takes what it shares from leaf modules (`config/`, `facts/`, the cdk8s-free data
 * in `constructs/`) and never from a composition root, a checker, or another command. Each
 * violation is reported as `<importing file>:<line> imports <imported file or package>: <rule>`.
 */
import { describe, expect, it } from 'vitest';
import { type ImportEdge, cycles, importGraph, pathToPackage, sourceFiles } from './imports';

const graph = importGraph();
const files = sourceFiles();

const under = (folder: string) => (file: string | undefined) => file !== undefined && file.startsWith(`${folder}/`);
const isPulumi = (pkg: string) => pkg.startsWith('@pulumi/');
const isCdk8s = (pkg: string) => pkg === 'cdk8s' || pkg.startsWith('cdk8s-plus-') || pkg === 'constructs';
/** The command a CLI module belongs to: `rollback` for cli/commands/rollback.ts and cli/actions/rollback.ts. */
const commandOf = (file: string | undefined) => /^bench\/cli\/(?:commands|actions)\/([^/]+)\.ts$/.exec(file ?? '')?.[1];

interface Rule {
  readonly name: string;
  /** Why the arrow is wrong, as the failure message says it. */
  readonly why: string;
  readonly applies: (from: string) => boolean;
  readonly forbids: (edge: ImportEdge) => boolean;
}

const RULES: readonly Rule[] = [
  {
    name: 'stacks-is-the-root',
    why: 'stacks/ is the composition root: nothing outside it imports it; move what is shared to a leaf module (config/, facts/)',
    applies: (f) => !under('stacks')(f),
    forbids: (e) => under('stacks')(e.file),
  },
  {
    name: 'constructs-without-pulumi',
    why: 'constructs/ are cdk8s constructs and never import @pulumi/*',
    applies: under('constructs'),
    forbids: (e) => e.pkg !== undefined && isPulumi(e.pkg),
  },
  {
    name: 'bench-without-platform-code',
    why: 'bench/ never imports infra/ or policy/; it reads the platform through leaf modules (config/service-contract.ts, constructs/*-layout.ts, constructs/metrics.ts)',
    applies: under('bench'),
    forbids: (e) => under('infra')(e.file) || under('policy')(e.file),
  },
  {
    name: 'infra-without-policy',
    why: 'infra/ never imports policy/: a checker must not supply the values it checks',
    applies: under('infra'),
    forbids: (e) => under('policy')(e.file),
  },
  {
    name: 'policy-keeps-its-own-expectations',
    why: 'policy/ never imports the code it checks or runs (infra/, constructs/, config/, bench/); its rules state their own expectations',
    applies: under('policy'),
    forbids: (e) => ['infra', 'constructs', 'config', 'bench'].some((f) => under(f)(e.file)),
  },
  {
    name: 'config-is-a-leaf',
    why: 'config/ is a leaf: it imports only config/, facts/ and the data in constructs/, never stacks/, infra/, policy/ or bench/',
    applies: under('config'),
    forbids: (e) => ['infra', 'policy', 'bench'].some((f) => under(f)(e.file)),
  },
  {
    name: 'facts-import-nothing',
    why: 'facts/ holds outside facts and imports nothing from the project',
    applies: under('facts'),
    forbids: (e) => e.file !== undefined && !under('facts')(e.file),
  },
  {
    name: 'commands-stay-apart',
    why: 'a command (bench/cli/commands/X.ts, bench/cli/actions/X.ts) never imports another command; shared code goes to bench/cli/ or the library',
    applies: (f) => commandOf(f) !== undefined,
    forbids: (e) => commandOf(e.file) !== undefined && commandOf(e.file) !== commandOf(e.from),
  },
  {
    name: 'checks-stay-apart',
    why: 'the rollback and autoscale checks never import each other or postdeploy/ (which composes them); what they share lives in bench/checks/',
    applies: (f) => under('bench/rollout')(f) || under('bench/autoscale')(f),
    forbids: (e) =>
      under('bench/postdeploy')(e.file) ||
      (under('bench/rollout')(e.from) ? under('bench/autoscale')(e.file) : under('bench/rollout')(e.file)),
  },
];

/** Packages a folder must not load, through any chain of project imports that load at run time. */
const REACH: readonly {
  readonly name: string;
  readonly folder: string;
  readonly banned: (pkg: string) => boolean;
  readonly why: string;
}[] = [
  {
    name: 'bench-without-pulumi',
    folder: 'bench',
    banned: isPulumi,
    why: 'bench/ never loads @pulumi/*, not even through a project module',
  },
  {
    name: 'bench-without-cdk8s',
    folder: 'bench',
    banned: isCdk8s,
    why: 'bench/ never loads cdk8s, cdk8s-plus or constructs (the npm package): take shared names from a cdk8s-free module such as constructs/workload-layout.ts',
  },
  {
    name: 'infra-without-cdk8s',
    folder: 'infra',
    banned: isCdk8s,
    why: 'infra/ never loads cdk8s: take shared values from a cdk8s-free module such as constructs/workload-layout.ts',
  },
  {
    name: 'config-without-pulumi-or-cdk8s',
    folder: 'config',
    banned: (p) => isPulumi(p) || isCdk8s(p),
    why: 'config/ is a leaf that bench/ reads: it never loads @pulumi/* or cdk8s',
  },
];

function violations(): string[] {
  const found: string[] = [];
  for (const [from, edges] of graph) {
    for (const rule of RULES) {
      if (!rule.applies(from)) continue;
      for (const e of edges.filter(rule.forbids)) found.push(`${from}:${e.line} imports ${e.file ?? e.pkg}: ${rule.name}: ${rule.why}`);
    }
  }
  for (const rule of REACH) {
    const inFolder = under(rule.folder);
    for (const from of files.filter(inFolder)) {
      const path = pathToPackage(graph, from, rule.banned);
      if (path === undefined) continue;
      // Blame the last file of the folder on the way: the one whose import leaves it.
      const k = path.findLastIndex((p) => inFolder(p));
      const via = path.slice(k + 1, -1);
      found.push(`${path[k]} imports ${path.at(-1)}${via.length > 0 ? ` (through ${via.join(' → ')})` : ''}: ${rule.name}: ${rule.why}`);
    }
  }
  return [...new Set(found)];
}

describe('dependency direction', () => {
  it('has no arrow in the wrong direction', () => {
    expect(violations()).toEqual([]);
  });

  it('has no import cycle inside bench/', () => {
    // Every import counts, type-only and lazy ones too: a cycle of types is still two modules
    // that cannot be understood (or moved) one without the other.
    const bench = files.filter((f) => f.startsWith('bench/'));
    const found = cycles(graph, bench, () => true).map(
      (c) => `${c.join(' → ')}: no-cycles-in-bench: split the shared part into a module both import`,
    );
    expect(found).toEqual([]);
  });

  it('reads every source folder', () => {
    // A rule over an empty or unparsed folder would pass for the wrong reason.
    for (const folder of ['bench', 'config', 'constructs', 'infra', 'policy', 'stacks']) {
      expect(files.filter((f) => f.startsWith(`${folder}/`)).length, folder).toBeGreaterThan(0);
    }
    expect(graph.get('bench/cli/main.ts')?.some((e) => e.file === 'bench/cli/commands/load.ts')).toBe(true);
  });
});
