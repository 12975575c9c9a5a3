/**
 * The policy pack: `pulumi preview --policy-pack policy`. Each rule of aws-rules.ts becomes a
 * mandatory stack policy, so rules that span resources (a bucket and its encryption) work.
 *
 * Only the Pulumi CLI loads this file: constructing the PolicyPack starts its gRPC server.
 * Tests and scripts import aws-rules.ts instead.
 */
import { PolicyPack, type PolicyResource as PackResource, type StackValidationPolicy } from '@pulumi/policy';
import { AWS_RULES, type PolicyResource } from './aws-rules';

function toRuleInput(r: PackResource): PolicyResource {
  return {
    type: r.type,
    name: r.name,
    urn: r.urn,
    inputs: r.props,
    propertyDependencies: Object.fromEntries(Object.entries(r.propertyDependencies).map(([k, deps]) => [k, deps.map((d) => d.urn)])),
  };
}

const policies: StackValidationPolicy[] = AWS_RULES.map((rule) => ({
  name: rule.name,
  description: rule.description,
  enforcementLevel: 'mandatory',
  validateStack: (args, reportViolation) => {
    for (const res of rule.check(args.resources.map(toRuleInput))) {
      if (!res.passed) reportViolation(`${res.resource} ${res.reason}`, res.urn);
    }
  },
}));

new PolicyPack('llm-platform-aws', { policies });
