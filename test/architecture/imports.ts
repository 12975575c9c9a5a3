/**
 * The project's import graph, read with the TypeScript compiler's parser: every static import
 * and re-export, every `import('…')` with a literal specifier, and whether it is type-only.
 * Relative specifiers resolve to project files; bare ones name a package.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

export const ROOT = resolve(import.meta.dirname, '../..');

/** Top-level folders of project source (tests and generated files aside). */
export const SOURCE_FOLDERS = ['bench', 'config', 'constructs', 'facts', 'infra', 'policy', 'stacks'] as const;

export interface ImportEdge {
  /** The importing file, relative to the root (`bench/cli/main.ts`). */
  readonly from: string;
  /** A project file relative to the root, or undefined for a package. */
  readonly file?: string;
  /** The package a bare specifier names (`@pulumi/aws`, `cdk8s-plus-28`, `node:fs`). */
  readonly pkg?: string;
  readonly specifier: string;
  /** Erased when compiled: `import type`, `export type`, or only `type` specifiers. */
  readonly typeOnly: boolean;
  /** `import('…')`: loaded when the code runs there, not with the module. */
  readonly dynamic: boolean;
  readonly line: number;
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : walk(path);
    return /\.(ts|mts)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every source file, relative to the root. */
export function sourceFiles(): string[] {
  return SOURCE_FOLDERS.flatMap((f) => walk(join(ROOT, f))).map((p) => relative(ROOT, p));
}

function packageOf(specifier: string): string {
  if (specifier.startsWith('node:')) return specifier;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function resolveRelative(from: string, specifier: string): string {
  const base = resolve(ROOT, dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return relative(ROOT, candidate);
  }
  throw new Error(`${from} imports ${specifier}, which resolves to no file`);
}

function typeOnlyImport(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause;
  if (clause === undefined) return false;
  if (clause.isTypeOnly) return true;
  const bindings = clause.namedBindings;
  return (
    clause.name === undefined &&
    bindings !== undefined &&
    ts.isNamedImports(bindings) &&
    bindings.elements.length > 0 &&
    bindings.elements.every((e) => e.isTypeOnly)
  );
}

function typeOnlyExport(node: ts.ExportDeclaration): boolean {
  if (node.isTypeOnly) return true;
  const clause = node.exportClause;
  return clause !== undefined && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly);
}

/** The imports of one file. */
export function importsOf(file: string): ImportEdge[] {
  const source = ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest, true);
  const edges: ImportEdge[] = [];
  const add = (node: ts.Node, specifier: string, typeOnly: boolean, dynamic: boolean) => {
    const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
    const target = specifier.startsWith('.') ? { file: resolveRelative(file, specifier) } : { pkg: packageOf(specifier) };
    edges.push({ from: file, specifier, typeOnly, dynamic, line, ...target });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node, node.moduleSpecifier.text, typeOnlyImport(node), false);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node, node.moduleSpecifier.text, typeOnlyExport(node), false);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg !== undefined && ts.isStringLiteralLike(arg)) add(node, arg.text, false, true);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node, node.argument.literal.text, true, false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

/** The whole graph: every file's imports. */
export function importGraph(): Map<string, ImportEdge[]> {
  return new Map(sourceFiles().map((f) => [f, importsOf(f)]));
}

/**
 * The path by which `from` loads a package it must not load, through project files, or
 * undefined. Type-only imports are erased when compiled, so they load nothing and are not
 * followed; `import()` is, since the code loads it when it runs there.
 */
export function pathToPackage(
  graph: ReadonlyMap<string, readonly ImportEdge[]>,
  from: string,
  banned: (pkg: string) => boolean,
): string[] | undefined {
  const seen = new Set<string>([from]);
  const queue: string[][] = [[from]];
  while (queue.length > 0) {
    const path = queue.shift()!;
    for (const edge of graph.get(path.at(-1)!) ?? []) {
      if (edge.typeOnly) continue;
      if (edge.pkg !== undefined && banned(edge.pkg)) return [...path, edge.pkg];
      if (edge.file !== undefined && !seen.has(edge.file)) {
        seen.add(edge.file);
        queue.push([...path, edge.file]);
      }
    }
  }
  return undefined;
}

/** Import cycles among `files` over the imports `counts` keeps, each as a closed path. */
export function cycles(
  graph: ReadonlyMap<string, readonly ImportEdge[]>,
  files: readonly string[],
  counts: (e: ImportEdge) => boolean,
): string[][] {
  const inside = new Set(files);
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const edge of graph.get(file) ?? []) {
      if (edge.file === undefined || !inside.has(edge.file) || !counts(edge)) continue;
      if (state.get(edge.file) === 'open') found.push([...stack.slice(stack.indexOf(edge.file)), edge.file]);
      else if (state.get(edge.file) === undefined) visit(edge.file);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const f of files) if (state.get(f) === undefined) visit(f);
  return found;
}
