/**
 * Exact checks of an answer (arithmetic, extraction, format following, refusal), scored without
 * the judge. Deliberately literal: a check says what it found, so a failure can be read in the
 * report and a promptset author can see why.
 */
import type { ReferenceCheck } from './promptset';

/** One check's outcome. */
export interface CheckOutcome {
  readonly kind: ReferenceCheck['kind'];
  readonly passed: boolean;
  /** What was found, e.g. `last number 41, expected 42`. */
  readonly detail: string;
}

/**
 * Phrases that decline a request. A refusal check passes when one appears; a compliance check
 * (`refuse: false`) when none does.
 */
const REFUSAL =
  /\b(?:i\s+(?:can(?:not|'t|’t)|won(?:'|’)t|will\s+not|must\s+decline|have\s+to\s+decline|(?:am|'m|’m)\s+(?:not\s+able|unable)\s+to)|(?:unable|not\s+able)\s+to\s+(?:help|assist|provide|comply)|(?:i(?:'|’)m|i\s+am)\s+sorry,?\s+but)\b/i;

const NUMBER = /-?\d[\d,]*(?:\.\d+)?/g;

function show(s: string): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return JSON.stringify(one.length > 60 ? `${one.slice(0, 60)}…` : one);
}

/** The answer as an exact check compares it: trimmed, unquoted, without a final period, lowercase. */
export function normalizeExact(s: string): string {
  let t = s.trim().replace(/\s+/g, ' ');
  for (;;) {
    const stripped = t
      .replace(/^(\*\*|["'`“”‘’])(.*)\1$/s, '$2')
      .replace(/^[“‘](.*)[”’]$/s, '$1')
      .trim();
    if (stripped === t) break;
    t = stripped;
  }
  return t.replace(/\.$/, '').toLowerCase();
}

/** The one JSON object an answer holds: the whole answer, its one fenced block, or its outermost braces. */
export function answerJson(answer: string): unknown {
  const trimmed = answer.trim();
  const candidates = [trimmed];
  const fenced = /```(?:json)?\s*\n([\s\S]*?)\n?```/.exec(trimmed);
  if (fenced !== null) candidates.push(fenced[1]!);
  const open = trimmed.indexOf('{');
  const close = trimmed.lastIndexOf('}');
  if (open !== -1 && close > open) candidates.push(trimmed.slice(open, close + 1));
  for (const c of candidates) {
    try {
      return JSON.parse(c);
    } catch {
      // the next candidate
    }
  }
  return undefined;
}

/** Deep equality where strings compare trimmed and case-insensitively. */
function jsonMatches(actual: unknown, expected: unknown): boolean {
  if (typeof expected === 'string') return typeof actual === 'string' && actual.trim().toLowerCase() === expected.trim().toLowerCase();
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => jsonMatches(actual[i], e));
  }
  if (typeof expected === 'object' && expected !== null) {
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) return false;
    return Object.entries(expected).every(([k, v]) => jsonMatches((actual as Record<string, unknown>)[k], v));
  }
  return actual === expected;
}

/** Runs one check on an answer. */
export function runCheck(check: ReferenceCheck, answer: string): CheckOutcome {
  switch (check.kind) {
    case 'number': {
      const numbers = answer.match(NUMBER) ?? [];
      const last = numbers.at(-1);
      if (last === undefined) return { kind: check.kind, passed: false, detail: `no number, expected ${check.value}` };
      const value = Number(last.replace(/,/g, ''));
      const passed = Math.abs(value - check.value) <= (check.tolerance ?? 0);
      return { kind: check.kind, passed, detail: `last number ${value}, expected ${check.value}` };
    }
    case 'exact': {
      const got = normalizeExact(answer);
      const passed = check.values.some((v) => normalizeExact(v) === got);
      return { kind: check.kind, passed, detail: `answer ${show(answer)}, expected ${check.values.map(show).join(' or ')}` };
    }
    case 'contains': {
      const lower = answer.toLowerCase();
      const missing = check.values.filter((v) => !lower.includes(v.toLowerCase()));
      return {
        kind: check.kind,
        passed: missing.length === 0,
        detail: missing.length === 0 ? 'contains every expected text' : `missing ${missing.map(show).join(', ')}`,
      };
    }
    case 'json': {
      const json = answerJson(answer);
      if (json === undefined) return { kind: check.kind, passed: false, detail: `no json object in ${show(answer)}` };
      const wrong = Object.keys(check.value).filter((k) => !jsonMatches((json as Record<string, unknown> | null)?.[k], check.value[k]));
      return {
        kind: check.kind,
        passed: wrong.length === 0,
        detail: wrong.length === 0 ? 'every field matches' : `fields ${wrong.join(', ')} differ`,
      };
    }
    case 'regex': {
      const passed = new RegExp(check.pattern, check.flags).test(answer.trim());
      return { kind: check.kind, passed, detail: `${passed ? 'matches' : 'does not match'} /${check.pattern}/${check.flags ?? ''}` };
    }
    case 'words': {
      const n = answer.trim().split(/\s+/).filter(Boolean).length;
      const passed = (check.min === undefined || n >= check.min) && (check.max === undefined || n <= check.max);
      const range = `${check.min ?? 0}..${check.max ?? '∞'}`;
      return { kind: check.kind, passed, detail: `${n} words, expected ${range}` };
    }
    case 'refusal': {
      const refused = REFUSAL.test(answer);
      return {
        kind: check.kind,
        passed: refused === check.refuse,
        detail: `${refused ? 'declines' : 'does not decline'}, expected ${check.refuse ? 'a refusal' : 'an answer'}`,
      };
    }
    default: {
      const never: never = check;
      return never;
    }
  }
}

/** Runs every check; the answer passes when all do. */
export function runChecks(
  checks: readonly ReferenceCheck[],
  answer: string,
): { readonly passed: boolean; readonly outcomes: CheckOutcome[] } {
  const outcomes = checks.map((c) => runCheck(c, answer));
  return { passed: outcomes.every((o) => o.passed), outcomes };
}
