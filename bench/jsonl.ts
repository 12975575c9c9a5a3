/** JSON Lines input (promptsets): each non-empty line parsed and checked, every bad line reported with its number. */
import type { z } from 'zod';

/**
 * Calls `onLine` with each valid line's data and its `source:line`; pushes a problem for a line
 * that is not json or does not match `schema` (naming the first issue and `expected`).
 */
export function forEachJsonlLine<T>(
  text: string,
  source: string,
  schema: z.ZodType<T>,
  expected: string,
  problems: string[],
  onLine: (data: T, where: string, line: number) => void,
): void {
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line.length === 0) return;
    const where = `${source}:${index + 1}`;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      problems.push(`${where} is not json, got ${JSON.stringify(line.slice(0, 60))}; write one json object per line`);
      return;
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const path = issue.path.length > 0 ? ` ${issue.path.join('.')}` : '';
      problems.push(`${where}${path} ${issue.message.toLowerCase()}; expected ${expected}`);
      return;
    }
    onLine(parsed.data, where, index + 1);
  });
}
