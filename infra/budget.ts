/**
 * The environment's AWS Budget: monthly cost of the resources tagged with this environment,
 * with notifications to the alerts topic (and by email) at 80 % and 100 % of the limit.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

/** Percentages of the monthly limit at which actual spend is reported. */
export const BUDGET_ALERT_PERCENTS = [80, 100] as const;

export interface EnvironmentBudgetArgs {
  /** Prefix of physical names, e.g. `llm-platform-dev`. */
  readonly namePrefix: string;
  readonly monthlyLimitUsd: number;
  /**
   * The cost-allocation tag that marks this environment's resources. AWS Budgets sees it only
   * once it is activated as a cost allocation tag in the Billing console (once per account).
   */
  readonly costAllocationTag: { readonly key: string; readonly value: string };
  readonly topicArn: pulumi.Input<string>;
  readonly emailAddresses: readonly string[];
}

/** One monthly cost budget with two actual-spend notifications. */
export class EnvironmentBudget extends pulumi.ComponentResource {
  readonly budget: aws.budgets.Budget;

  constructor(name: string, args: EnvironmentBudgetArgs, opts?: pulumi.ComponentResourceOptions) {
    super('llm-platform:infra:EnvironmentBudget', name, {}, opts);
    this.budget = new aws.budgets.Budget(
      `${name}-monthly`,
      {
        name: `${args.namePrefix}-monthly`,
        budgetType: 'COST',
        limitAmount: args.monthlyLimitUsd.toFixed(2),
        limitUnit: 'USD',
        timeUnit: 'MONTHLY',
        costFilters: [{ name: 'TagKeyValue', values: [`user:${args.costAllocationTag.key}$${args.costAllocationTag.value}`] }],
        notifications: BUDGET_ALERT_PERCENTS.map((threshold) => ({
          comparisonOperator: 'GREATER_THAN',
          threshold,
          thresholdType: 'PERCENTAGE',
          notificationType: 'ACTUAL',
          subscriberSnsTopicArns: [args.topicArn],
          subscriberEmailAddresses: args.emailAddresses.length > 0 ? [...args.emailAddresses] : undefined,
        })),
      },
      { parent: this },
    );
    this.registerOutputs({ budgetName: this.budget.name });
  }
}
