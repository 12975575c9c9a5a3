/**
 * How config problems read: values shown as the user wrote them (invisible characters made
 * visible), paths as written, "did you mean" suggestions, and zod issues turned into
 * `<path> <problem>, got <value>; <fix>` lines.
 */
import type { z } from 'zod';

/** Characters that must not appear in any config string: controls, zero-width and bidi formatting, line separators. */
export const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
const INVISIBLE_ALL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

const CHARACTER_NAMES: Readonly<Record<string, string>> = {
  '\n': 'a newline',
  '\r': 'a carriage return',
  '\t': 'a tab',
  '\u0000': 'a NUL character',
  '\u200b': 'a zero-width space',
  '\u200c': 'a zero-width non-joiner',
  '\u200d': 'a zero-width joiner',
  '\u2060': 'a word joiner',
  '\ufeff': 'a byte order mark',
  '\u2028': 'a line separator',
  '\u2029': 'a paragraph separator',
  '\u202e': 'a right-to-left override',
};

const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** `a newline (U+000A)`, `a zero-width space (U+200B)`, `a control character (U+0007)`. */
export function describeCharacter(c: string): string {
  const name = CHARACTER_NAMES[c] ?? (/\p{Cc}/u.test(c) ? 'a control character' : 'an invisible formatting character');
  return `${name} (${codePoint(c)})`;
}

/** `s` with its invisible characters written as `\uXXXX`, for a message. */
export const escapeInvisible = (s: string) => s.replace(INVISIBLE_ALL, (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`);

/** A value for a message: JSON, invisible characters escaped, long values cut, `nothing` for a missing one. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && value.length > 57) return `${escapeInvisible(JSON.stringify(value.slice(0, 57)).slice(0, -1))}..."`;
  const s = escapeInvisible(JSON.stringify(value) ?? `<${typeof value}>`);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** `models.awq.extraArgs[0]`, `pricing.instanceHourlyUsd.g4dn.xlarge`; other keys quoted: `selectorLabels["a b"]`. */
export function pathOf(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => {
      if (typeof p === 'number') return `[${p}]`;
      const key = String(p);
      // Dotted names (instance types, label keys) read best as they are; anything odder is quoted.
      if (!/^[A-Za-z0-9_][\w./-]*$/.test(key)) return `[${show(key)}]`;
      return i === 0 ? key : `.${key}`;
    })
    .join('');
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length]!;
}

/** The candidate closest to `word`, if it is close enough to be a likely typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  return candidates
    .map((k) => ({ k, d: editDistance(word, k) }))
    .sort((a, b) => a.d - b.d)
    .find((c) => c.d <= Math.max(2, Math.floor(word.length / 3)))?.k;
}

/** A problem found before or outside the schema, with the path whose value it makes unusable. */
export interface Finding {
  readonly message: string;
  /** Path (dotted, as the schema's) whose value checks must not rely on. */
  readonly taint?: string;
}

/** A string holding an invisible character: a value, or the last key of `path`. */
export interface InvisibleCharacter {
  readonly message: string;
  readonly path: readonly PropertyKey[];
  readonly inKey: boolean;
}

/** `s` without its invisible characters. */
export const withoutInvisible = (s: string) => s.replace(INVISIBLE_ALL, '');

/**
 * Every string (value or key) in `value` that holds an invisible character. Nothing in this
 * schema is free text, so none of them is wanted.
 */
export function invisibleCharacters(value: unknown, path: readonly PropertyKey[] = []): InvisibleCharacter[] {
  const found: InvisibleCharacter[] = [];
  const visit = (v: unknown, p: PropertyKey[]) => {
    if (typeof v === 'string') {
      const m = INVISIBLE.exec(v);
      if (m) {
        found.push({
          path: p,
          inKey: false,
          message: `${pathOf(p)} contains ${describeCharacter(m[0])} at character ${m.index + 1}, got ${show(v)}; remove it`,
        });
      }
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => visit(x, [...p, i]));
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        const m = INVISIBLE.exec(k);
        if (m) {
          found.push({
            path: [...p, k],
            inKey: true,
            message:
              `${pathOf(p) || 'config'} has a key with ${describeCharacter(m[0])} at character ${m.index + 1}, ` +
              `got ${show(k)}; remove it`,
          });
        } else {
          visit(x, [...p, k]);
        }
      }
    }
  };
  visit(value, [...path]);
  return found;
}

const ZOD_DEFAULT_MESSAGE = /^(Too big|Too small|Invalid)\b/;

/** The reason a bound carries (its message), unless zod wrote the message itself. */
const reasonOf = (issue: { message: string }) => (ZOD_DEFAULT_MESSAGE.test(issue.message) ? '' : ` (${issue.message})`);

const TYPE_NAMES: Readonly<Record<string, string>> = {
  int: 'a whole number',
  object: 'a mapping',
  array: 'a list',
  record: 'a mapping',
};

/** `<path> <problem>, got <value>; <fix>` from a check's message `<problem>[; <fix>]`. */
function withValue(path: string, message: string, input: unknown): string {
  const [problem, ...fix] = message.split('; ');
  return `${path} ${problem}, got ${show(input)}${fix.length > 0 ? `; ${fix.join('; ')}` : ''}`;
}

/** What a value of the given zod type is called in a message. */
const typeName = (expected: string) => TYPE_NAMES[expected] ?? `a ${expected}`;

/** The problems an issue stands for, as message lines; `knownKeysAt` names the settings at a path. */
export function formatIssue(issue: z.core.$ZodIssue, knownKeysAt: (path: readonly PropertyKey[]) => string[]): string[] {
  const path = pathOf(issue.path);
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => {
        const where = pathOf([...issue.path, key]);
        const known = knownKeysAt(issue.path);
        const best = closest(key, known);
        // A key that belongs one level down was most likely dedented out of its section.
        const parent = known.find((k) => knownKeysAt([...issue.path, k]).includes(key));
        const hint = best
          ? `did you mean ${pathOf([...issue.path, best])}?`
          : parent
            ? `did you mean to indent it under ${pathOf([...issue.path, parent])}?`
            : `known settings: ${known.join(', ')}`;
        return `${where} is not a known setting; ${hint}`;
      });
    case 'invalid_type': {
      if (input === undefined) return [`${path} must be set (${typeName(issue.expected)}), got nothing`];
      const hint =
        (issue.expected === 'object' || issue.expected === 'record') && (input === null || typeof input === 'string')
          ? '; check the indentation: its settings go on the lines below it, indented further'
          : '';
      return [`${path} must be ${typeName(issue.expected)}, got ${show(input)}${hint}`];
    }
    case 'invalid_value':
      return [`${path} must be one of ${issue.values.map((v) => show(v)).join(', ')}, got ${show(input)}`];
    case 'too_small':
      return [
        issue.origin === 'array' || issue.origin === 'string'
          ? `${path} must have at least ${String(issue.minimum)} ${issue.origin === 'array' ? 'entries' : 'characters'}, got ${show(input)}`
          : `${path} must be ${issue.inclusive ? 'at least' : 'more than'} ${String(issue.minimum)}${reasonOf(issue)}, got ${show(input)}`,
      ];
    case 'too_big':
      return [
        issue.origin === 'array' || issue.origin === 'string'
          ? `${path} must have at most ${String(issue.maximum)} ${issue.origin === 'array' ? 'entries' : 'characters'}, got ${show(input)}`
          : `${path} must be ${issue.inclusive ? 'at most' : 'less than'} ${String(issue.maximum)}${reasonOf(issue)}, got ${show(input)}`,
      ];
    case 'invalid_union': {
      const u = issue as z.core.$ZodIssueInvalidUnion & { discriminator?: string; options?: unknown[] };
      if (u.discriminator) {
        const value = input !== null && typeof input === 'object' ? (input as Record<string, unknown>)[u.discriminator] : input;
        // A misspelled discriminator key leaves the value missing: name the key that was meant.
        const near =
          value === undefined && input !== null && typeof input === 'object'
            ? Object.keys(input).find((k) => closest(k, [u.discriminator!]) !== undefined)
            : undefined;
        const hint = near ? `; did you mean ${u.discriminator} instead of ${near}?` : '';
        return [`${path} must be one of ${(u.options ?? []).map((v) => show(v)).join(', ')}, got ${show(value)}${hint}`];
      }
      const values = u.errors.flatMap((branch) => branch.flatMap((i) => (i.code === 'invalid_value' ? i.values : [])));
      if (values.length > 0 && values.length === u.errors.length) {
        return [`${path} must be one of ${values.map((v) => show(v)).join(', ')}, got ${show(input)}`];
      }
      return [`${path} is not an accepted value, got ${show(input)}`];
    }
    case 'invalid_key': {
      const inner = issue.issues.map((i) => i.message).find((m) => !ZOD_DEFAULT_MESSAGE.test(m)) ?? 'is not a valid key';
      return [withValue(path, inner, input)];
    }
    case 'invalid_format':
      return [
        /^(must|is)\b/.test(issue.message)
          ? withValue(path, issue.message, input)
          : `${path} must be ${issue.format === 'url' ? 'an http or https URL' : `a valid ${issue.format}`}, got ${show(input)}`,
      ];
    default:
      return [withValue(path, issue.message, input)];
  }
}

/**
 * zod reports a huge whole number twice: once against the safe-integer range and once against
 * the field's own bound. Keep the field's.
 */
export function withoutRedundantIssues(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  const key = (i: z.core.$ZodIssue) => i.path.map(String).join('\u0000');
  const safeRange = (i: z.core.$ZodIssue) =>
    (i.code === 'too_big' || i.code === 'too_small') &&
    i.origin === 'int' &&
    Math.abs(Number('maximum' in i ? i.maximum : i.minimum)) >= Number.MAX_SAFE_INTEGER;
  return issues.filter((i) => !safeRange(i) || !issues.some((o) => o !== i && key(o) === key(i)));
}
