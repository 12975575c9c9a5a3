/**
 * IAM building blocks: policy documents with explicit actions, and roles that Kubernetes
 * service accounts assume through EKS Pod Identity.
 *
 * Every policy this project writes lists its actions by name and scopes them to ARNs; the only
 * `"Resource": "*"` allowed is for read-only calls AWS does not scope (see policy/aws-rules.ts).
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

/** One statement of an IAM policy document. */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: readonly string[];
  readonly Resource: pulumi.Input<string> | readonly pulumi.Input<string>[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, pulumi.Input<string> | readonly pulumi.Input<string>[]>>>>;
}

/** A policy document (JSON string) from statements whose ARNs may still be outputs. */
export function policyDocument(statements: pulumi.Input<readonly PolicyStatement[]>): pulumi.Output<string> {
  return pulumi.jsonStringify({ Version: '2012-10-17', Statement: statements });
}

/** Service principal EKS Pod Identity assumes roles as. */
export const POD_IDENTITY_PRINCIPAL = 'pods.eks.amazonaws.com';

/**
 * Trust policy of a Pod Identity role: only the EKS Pod Identity service of this account may
 * assume it (the associations then bind it to one cluster, namespace and service account).
 */
export function podIdentityTrustPolicy(accountId: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi.jsonStringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: POD_IDENTITY_PRINCIPAL },
        Action: ['sts:AssumeRole', 'sts:TagSession'],
        Condition: { StringEquals: { 'aws:SourceAccount': accountId } },
      },
    ],
  });
}

/** A Kubernetes service account, by namespace and name. */
export interface ServiceAccountRef {
  readonly namespace: string;
  readonly name: string;
}

export interface PodIdentityRoleArgs {
  /** Cluster whose service accounts get the role. */
  readonly clusterName: pulumi.Input<string>;
  readonly accountId: pulumi.Input<string>;
  /** Service accounts bound to the role; one association each. */
  readonly serviceAccounts: readonly ServiceAccountRef[];
  /** Inline policy. @default - none */
  readonly statements?: pulumi.Input<readonly PolicyStatement[]>;
  /** AWS managed policies to attach (the EKS add-ons publish theirs). @default - none */
  readonly managedPolicyArns?: readonly pulumi.Input<string>[];
}

/** An IAM role that pods of the given service accounts receive through EKS Pod Identity. */
export class PodIdentityRole extends pulumi.ComponentResource {
  readonly role: aws.iam.Role;
  readonly roleArn: pulumi.Output<string>;

  constructor(name: string, args: PodIdentityRoleArgs, opts?: pulumi.ComponentResourceOptions) {
    super('llm-platform:infra:PodIdentityRole', name, {}, opts);
    const parent = { parent: this };
    this.role = new aws.iam.Role(name, { assumeRolePolicy: podIdentityTrustPolicy(args.accountId) }, parent);
    this.roleArn = this.role.arn;
    const attachments: pulumi.Resource[] = [];
    if (args.statements) {
      attachments.push(new aws.iam.RolePolicy(`${name}-policy`, { role: this.role.name, policy: policyDocument(args.statements) }, parent));
    }
    (args.managedPolicyArns ?? []).forEach((policyArn, i) =>
      attachments.push(new aws.iam.RolePolicyAttachment(`${name}-managed-${i}`, { role: this.role.name, policyArn }, parent)),
    );
    for (const sa of args.serviceAccounts) {
      // The association waits for the policies so a pod never starts with a role that cannot act yet.
      new aws.eks.PodIdentityAssociation(
        `${name}-${sa.namespace}-${sa.name}`,
        { clusterName: args.clusterName, namespace: sa.namespace, serviceAccount: sa.name, roleArn: this.role.arn },
        { parent: this, dependsOn: attachments },
      );
    }
    this.registerOutputs({ roleArn: this.roleArn });
  }
}
