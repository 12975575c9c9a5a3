/**
 * The platform's secrets in AWS Secrets Manager — the Hugging Face token and the vLLM API key —
 * filled from `pulumi config set --secret`, and the role External Secrets Operator reads them
 * with. The values only ever travel as Pulumi secrets: encrypted in the stack state, never in
 * a file.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { PodIdentityRole, type ServiceAccountRef } from './iam';

/** One secret to store: its Secrets Manager name and its (secret) value. */
export interface SecretValue {
  /** Stable id for the Pulumi resource names, e.g. `hf-token`. */
  readonly id: string;
  readonly name: string;
  readonly value: pulumi.Output<string>;
}

export interface PlatformSecretsArgs {
  readonly secrets: readonly SecretValue[];
  readonly clusterName: pulumi.Input<string>;
  readonly accountId: pulumi.Input<string>;
  /** The External Secrets Operator controller's service account: it gets read access. */
  readonly reader: ServiceAccountRef;
}

/** Secrets Manager secrets plus the Pod Identity role that may read exactly them. */
export class PlatformSecrets extends pulumi.ComponentResource {
  readonly secretArns: pulumi.Output<string>[];
  readonly reader: PodIdentityRole;

  constructor(name: string, args: PlatformSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('llm-platform:infra:PlatformSecrets', name, {}, opts);
    const parent = { parent: this };
    const stored = args.secrets.map((s) => {
      const secret = new aws.secretsmanager.Secret(
        `${name}-${s.id}`,
        {
          name: s.name,
          description: `llm-platform: set with pulumi config set --secret; read by External Secrets Operator`,
          // The stack config is the source of truth; a recovery window would only block re-creating the name.
          recoveryWindowInDays: 0,
        },
        parent,
      );
      new aws.secretsmanager.SecretVersion(`${name}-${s.id}`, { secretId: secret.id, secretString: pulumi.secret(s.value) }, parent);
      return secret;
    });
    this.secretArns = stored.map((s) => s.arn);
    this.reader = new PodIdentityRole(
      `${name}-reader`,
      {
        clusterName: args.clusterName,
        accountId: args.accountId,
        serviceAccounts: [args.reader],
        statements: [
          {
            Sid: 'ReadPlatformSecrets',
            Effect: 'Allow',
            Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
            Resource: this.secretArns,
          },
        ],
      },
      parent,
    );
    this.registerOutputs({ secretArns: this.secretArns });
  }
}
