/**
 * No mutation of a valid environment file is accepted silently. Starting from the project's own
 * Pulumi.dev.yaml and Pulumi.prod.yaml, every key at every level gets a typo (namespace and name
 * separately for `namespace:name` keys), every mapping is dedented one level (its value becomes
 * empty and its settings land in its parent, as a wrong indent does), and every value is swapped
 * for one of another type. Each mutant must be rejected with a ConfigError that names what was
 * changed, both as a file (synth, policy, postdeploy --env-config) and, where it still has a config
 * map, as Pulumi hands that map to the program.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { ConfigError, parseConfigMap, parseEnvironmentText } from '../../config/platform';
import { PROJECT_ROOT } from '../../stacks/synthesize';

type Data = null | boolean | number | string | Data[] | { [key: string]: Data };
type Path = readonly (string | number)[];

interface Mutant {
  readonly name: string;
  readonly doc: Data;
  /** A word some problem must contain: the key or setting that was changed. */
  readonly mentions: string;
  /** For an emptied `llm-platform:` value: its path in the parsed config, where a nullable setting keeps the null. */
  readonly setting?: Path;
}

const isMapping = (v: Data): v is { [key: string]: Data } => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Every path to a mapping entry (key) and to every value, depth first. */
function walk(v: Data, path: Path = [], out: { keys: Path[]; values: Path[] } = { keys: [], values: [] }) {
  if (path.length > 0) out.values.push(path);
  if (isMapping(v)) {
    for (const k of Object.keys(v)) {
      out.keys.push([...path, k]);
      walk(v[k]!, [...path, k], out);
    }
  } else if (Array.isArray(v)) {
    v.forEach((x, i) => walk(x, [...path, i], out));
  }
  return out;
}

const clone = (v: Data): Data => structuredClone(v);
const at = (v: Data, path: Path): Data => path.reduce<Data>((cur, p) => (cur as Record<string | number, Data>)[p]!, v);

/** Deterministic typos: the two middle characters swapped, and the last character dropped. */
function typos(word: string): string[] {
  const i = Math.max(0, Math.floor(word.length / 2) - 1);
  const swapped = word.slice(0, i) + word[i + 1]! + word[i]! + word.slice(i + 2);
  return [...new Set([swapped, word.slice(0, -1)])].filter((t) => t !== word && t.length > 0);
}

/** Rename the key at `path`, keeping its place among its siblings. */
function renamed(doc: Data, path: Path, to: string): Data {
  const copy = clone(doc);
  const parent = at(copy, path.slice(0, -1)) as { [key: string]: Data };
  const entries = Object.entries(parent).map(([k, v]) => [k === path[path.length - 1] ? to : k, v] as const);
  for (const k of Object.keys(parent)) delete parent[k];
  for (const [k, v] of entries) parent[k] = v;
  return copy;
}

function keyTypos(doc: Data, keys: readonly Path[]): Mutant[] {
  return keys.flatMap((path) => {
    const key = String(path[path.length - 1]);
    const siblings = Object.keys(at(doc, path.slice(0, -1)) as object);
    const colon = key.indexOf(':');
    const spellings =
      colon < 0
        ? typos(key)
        : [
            ...typos(key.slice(0, colon)).map((t) => `${t}${key.slice(colon)}`),
            ...typos(key.slice(colon + 1)).map((t) => `${key.slice(0, colon + 1)}${t}`),
          ];
    return spellings
      .filter((s) => !siblings.includes(s))
      .map((s) => ({ name: `key ${path.join('.')} → ${s}`, doc: renamed(doc, path, s), mentions: s }));
  });
}

/** The mapping at `path` dedented: it becomes empty and its entries follow it in its parent. */
function dedents(doc: Data, keys: readonly Path[]): Mutant[] {
  return keys.flatMap((path) => {
    const value = at(doc, path);
    const key = String(path[path.length - 1]);
    const parent = path.length === 1 ? doc : at(doc, path.slice(0, -1));
    if (!isMapping(value) || Object.keys(value).length === 0 || !isMapping(parent)) return [];
    // A duplicate key is a YAML error, also rejected, but not the mistake this models.
    if (Object.keys(value).some((k) => k in parent)) return [];
    const copy = clone(doc);
    const target = (path.length === 1 ? copy : at(copy, path.slice(0, -1))) as { [key: string]: Data };
    const entries = Object.entries(target);
    for (const k of Object.keys(target)) delete target[k];
    for (const [k, v] of entries) {
      if (k !== key) target[k] = v;
      else {
        target[k] = null;
        Object.assign(target, value);
      }
    }
    const name = key.includes(':') ? key.slice(key.indexOf(':') + 1) : key;
    return [{ name: `dedent ${path.join('.')}`, doc: copy, mentions: name }];
  });
}

/** A value of another type: text for numbers, booleans, lists and mappings; a number for text. */
function otherType(v: Data): Data {
  if (typeof v === 'number' || typeof v === 'boolean' || Array.isArray(v) || isMapping(v)) return 'not-the-right-type';
  return 12345;
}

/** Every value replaced: by one of another type, and by nothing (a key left without its value). */
function valueSwaps(doc: Data, values: readonly Path[]): Mutant[] {
  return values
    .filter((path) => path.length > 1)
    .flatMap((path) =>
      (['type', 'empty'] as const).map((kind) => {
        const copy = clone(doc);
        const parent = at(copy, path.slice(0, -1)) as Record<string | number, Data>;
        parent[path[path.length - 1]!] = kind === 'type' ? otherType(at(doc, path)) : null;
        // The setting named in the message: the nearest key, without its namespace.
        const key = String([...path].reverse().find((p) => typeof p === 'string'));
        const section = String(path[1]);
        const setting = kind === 'empty' && section.startsWith('llm-platform:') ? [section.slice(13), ...path.slice(2)] : undefined;
        return {
          name: `${kind} ${path.join('.')}`,
          doc: copy,
          mentions: key.includes(':') ? key.slice(key.indexOf(':') + 1) : key,
          setting,
        };
      }),
    );
}

function mutants(env: string): Mutant[] {
  const doc = parseYaml(readFileSync(join(PROJECT_ROOT, `Pulumi.${env}.yaml`), 'utf8')) as Data;
  const { keys, values } = walk(doc);
  return [...keyTypos(doc, keys), ...dedents(doc, keys), ...valueSwaps(doc, values)];
}

/** The problems `load` rejects the mutant with; fails when it is accepted or fails otherwise. */
/**
 * The problems `load` rejects the mutant with; fails when it fails otherwise, or is accepted —
 * unless an emptied value is a nullable setting that the parsed config keeps as null (a value
 * the user wrote, like `tokensPerMinutePerKey: null` turning the token budget off).
 */
function problems(m: Mutant, load: () => unknown): readonly string[] | 'kept null' {
  let config: unknown;
  try {
    config = load();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw new Error(`${m.name}: not a config error: ${(e as Error).stack}`);
    return e.problems;
  }
  if (m.setting && at(config as Data, m.setting) === null) return 'kept null';
  throw new Error(`${m.name}: the mutant was accepted`);
}

/** The config map as Pulumi hands it to the program: strings, objects as JSON. */
function pulumiConfig(doc: Data): Record<string, string> | undefined {
  const config = isMapping(doc) ? doc.config : undefined;
  if (!config || !isMapping(config)) return undefined;
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}

const decode = (v: unknown) => {
  try {
    return JSON.parse(String(v)) as unknown;
  } catch {
    return v;
  }
};

describe.each(['dev', 'prod'])('mutants of Pulumi.%s.yaml', (env) => {
  const all = mutants(env);

  it('are many, of every kind', () => {
    const kinds = new Set(all.map((m) => m.name.split(' ')[0]));
    expect([...kinds].sort()).toEqual(['dedent', 'empty', 'key', 'type']);
    expect(all.length).toBeGreaterThanOrEqual(env === 'prod' ? 352 : 243);
  });

  it('the unmutated file is valid, so every rejection below is the mutation', () => {
    const doc = parseYaml(readFileSync(join(PROJECT_ROOT, `Pulumi.${env}.yaml`), 'utf8')) as Data;
    expect(() => parseEnvironmentText(stringify(doc), `Pulumi.${env}.yaml`)).not.toThrow();
  });

  it('are each rejected as a file, naming what changed', () => {
    const silent: string[] = [];
    for (const m of all) {
      const found = problems(m, () => parseEnvironmentText(stringify(m.doc), `Pulumi.${env}.yaml`));
      if (found === 'kept null') continue;
      expect(found.length, m.name).toBeGreaterThan(0);
      if (!found.some((p) => p.includes(m.mentions))) silent.push(`${m.name}: ${found.join(' | ')}`);
    }
    expect(silent).toEqual([]);
  });

  it('are each rejected as Pulumi hands them over, when they still have a config map', () => {
    let checked = 0;
    for (const m of all) {
      const config = pulumiConfig(m.doc);
      if (!config) continue;
      checked++;
      const found = problems(m, () => parseConfigMap(config, env, `Pulumi.${env}.yaml`, decode));
      if (found !== 'kept null') expect(found.length, m.name).toBeGreaterThan(0);
    }
    expect(checked).toBeGreaterThan(all.length / 2);
  });
});
