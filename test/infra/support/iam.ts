/**
 * A small IAM evaluator for the policies this stack writes: same-account requests are allowed
 * when an identity policy allows them and no resource policy (bucket, table) denies them.
 * It knows the condition operators the stack uses; any other operator fails the test.
 */

export interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: unknown;
  readonly Action: string | readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** One request: who asks for what on which resource, with the context keys the conditions read. */
export interface IamRequest {
  readonly principalArn: string;
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, string>>;
}

const list = (v: unknown): string[] =>
  v === undefined
    ? []
    : Array.isArray(v)
      ? v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)))
      : [typeof v === 'string' ? v : JSON.stringify(v)];

/** IAM wildcard match: `*` any run of characters, `?` one character, case-sensitive. */
export function globMatch(pattern: string, value: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(value);
}

function actionMatch(pattern: string, action: string): boolean {
  return globMatch(pattern.toLowerCase(), action.toLowerCase());
}

function conditionHolds(condition: Statement['Condition'], req: IamRequest): boolean {
  const ctx: Record<string, string> = {
    'aws:PrincipalArn': req.principalArn,
    'aws:SecureTransport': 'true',
    's3:TlsVersion': '1.3',
    ...req.context,
  };
  for (const [operator, keys] of Object.entries(condition ?? {})) {
    for (const [key, expected] of Object.entries(keys)) {
      const wanted = list(expected);
      const actual = ctx[key];
      switch (operator) {
        case 'StringEquals':
        case 'ArnEquals':
          if (actual === undefined || !wanted.includes(actual)) return false;
          break;
        case 'StringLike':
        case 'ArnLike':
          if (actual === undefined || !wanted.some((w) => globMatch(w, actual))) return false;
          break;
        case 'ArnNotEquals':
        case 'StringNotEquals':
          if (actual !== undefined && wanted.includes(actual)) return false;
          break;
        case 'Bool':
          if (actual === undefined || !wanted.includes(actual)) return false;
          break;
        case 'NumericLessThan':
          if (actual === undefined || !(Number(actual) < Number(wanted[0]))) return false;
          break;
        default:
          throw new Error(`condition operator ${operator} is not known to the test evaluator`);
      }
    }
  }
  return true;
}

/** Whether `statement` applies to `req` (action, resource, conditions). */
export function applies(statement: Statement, req: IamRequest): boolean {
  return (
    list(statement.Action).some((a) => actionMatch(a, req.action)) &&
    list(statement.Resource).some((r) => globMatch(r, req.resource)) &&
    conditionHolds(statement.Condition, req)
  );
}

/** The verdict on a same-account request. */
export function decide(
  req: IamRequest,
  identity: readonly Statement[],
  resource: readonly Statement[],
): 'allowed' | 'denied' | 'not allowed' {
  if ([...identity, ...resource].some((s) => s.Effect === 'Deny' && applies(s, req))) return 'denied';
  return identity.some((s) => s.Effect === 'Allow' && applies(s, req)) ? 'allowed' : 'not allowed';
}

/** The statements of a policy document given as JSON text. */
export function statementsOf(policy: unknown): Statement[] {
  return (JSON.parse(String(policy)) as { Statement: Statement[] }).Statement;
}
