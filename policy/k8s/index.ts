/**
 * Kubernetes policy as code: {@link evaluateK8sRules} judges synthesized objects against the
 * workload rules in rules.ts, honouring the exceptions in exceptions.ts, and returns one result
 * per rule and object it applies to, ready for a table (`npm run policy`) or a test.
 */
import { exceptionFor, K8S_RULE_EXCEPTIONS, type K8sRuleException } from './exceptions';
import { ObjectIndex, resourceId, type K8sObject } from './objects';
import { K8S_RULES, type K8sRule, type K8sRuleId } from './rules';

export { K8S_RULE_EXCEPTIONS, type K8sRuleException } from './exceptions';
export { type K8sObject } from './objects';
export { K8S_RULE_IDS, K8S_RULES, type K8sRule, type K8sRuleId } from './rules';

/** The verdict of one rule on one object (the same shape as the AWS rules' results). */
export interface K8sRuleResult {
  readonly rule: K8sRuleId;
  /** `namespace/name`, or `name` for cluster-scoped objects. */
  readonly resource: string;
  /** The object's kind. */
  readonly type: string;
  readonly passed: boolean;
  /** Why it failed, or what holds when it passed. */
  readonly reason: string;
  /** The exception that turned a failure into a pass. */
  readonly exemptedBy?: K8sRuleException;
}

export interface EvaluateOptions {
  /** @default - every rule */
  readonly rules?: readonly K8sRule[];
  /** @default - K8S_RULE_EXCEPTIONS */
  readonly exceptions?: readonly K8sRuleException[];
}

/** Judge every object with every rule that applies to its kind. */
export function evaluateK8sRules(objects: readonly K8sObject[], opts: EvaluateOptions = {}): K8sRuleResult[] {
  const rules = opts.rules ?? K8S_RULES;
  const exceptions = opts.exceptions ?? K8S_RULE_EXCEPTIONS;
  const idx = new ObjectIndex(objects);
  const results: K8sRuleResult[] = [];
  for (const rule of rules) {
    for (const o of objects) {
      if (!rule.kinds.includes('*') && !rule.kinds.includes(o.kind)) continue;
      const v = rule.check(o, idx);
      const base = { rule: rule.id, resource: resourceId(o), type: o.kind };
      if (v.problems.length === 0) {
        results.push({ ...base, passed: true, reason: v.ok });
        continue;
      }
      const exempt = exceptionFor(exceptions, rule.id, o);
      results.push(
        exempt
          ? { ...base, passed: true, reason: `exempt: ${exempt.reason} (would fail: ${v.problems.join('; ')})`, exemptedBy: exempt }
          : { ...base, passed: false, reason: v.problems.join('; ') },
      );
    }
  }
  return results;
}
