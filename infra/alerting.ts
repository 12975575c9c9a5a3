/**
 * Where alerts go. Alertmanager (kube-prometheus-stack) routes by severity to an SNS topic that
 * people subscribe to, and optionally to Slack and PagerDuty with credentials that stay in Secrets
 * Manager. Its always-firing Watchdog alert publishes to a heartbeat topic every minute; a
 * CloudWatch alarm on that topic's publish count tells the alerts topic when the heartbeat stops
 * (a dead man's switch that does not depend on the cluster it watches).
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { PodIdentityRole, type PolicyStatement, type ServiceAccountRef, policyDocument } from './iam';

/** The Kubernetes Secret the webhook credentials land in, mounted into Alertmanager. */
export const ALERTMANAGER_WEBHOOK_SECRET = 'alertmanager-webhooks';
/** Keys of that Secret. */
export const WEBHOOK_KEYS = { slack: 'slack-webhook-url', pagerDuty: 'pagerduty-routing-key' } as const;
/** Where the operator mounts `alertmanagerSpec.secrets` entries. */
export const ALERTMANAGER_SECRETS_DIR = '/etc/alertmanager/secrets';

/** How long the heartbeat may be missing before the alarm fires: periods × seconds. */
export const HEARTBEAT = { periodSec: 300, evaluationPeriods: 3 } as const;

/** The receivers Alertmanager can use, by what is configured. */
export interface AlertmanagerConfigArgs {
  readonly region: string;
  readonly alertsTopicArn: string;
  readonly heartbeatTopicArn: string;
  /** A Slack webhook URL is mounted. */
  readonly slack: boolean;
  /** A PagerDuty routing key is mounted. */
  readonly pagerDuty: boolean;
}

/** The Alertmanager configuration (alertmanager.yaml) as kube-prometheus-stack's `alertmanager.config`. */
export function alertmanagerConfig(a: AlertmanagerConfigArgs): Record<string, unknown> {
  const file = (key: string) => `${ALERTMANAGER_SECRETS_DIR}/${ALERTMANAGER_WEBHOOK_SECRET}/${key}`;
  const sns = (topicArn: string, subject: string) => ({
    topic_arn: topicArn,
    // The SDK finds the Pod Identity credentials of Alertmanager's service account.
    sigv4: { region: a.region },
    subject,
    send_resolved: true,
  });
  const slack = a.slack
    ? [{ api_url_file: file(WEBHOOK_KEYS.slack), send_resolved: true, title: '[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }}' }]
    : undefined;
  return {
    route: {
      receiver: 'warning',
      group_by: ['alertname', 'namespace', 'model_name'],
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: '4h',
      routes: [
        // The heartbeat: always firing, re-sent every minute so the CloudWatch alarm sees it.
        { matchers: ['alertname = "Watchdog"'], receiver: 'heartbeat', group_wait: '0s', group_interval: '1m', repeat_interval: '1m' },
        // kube-prometheus-stack's helper that only exists to inhibit info alerts.
        { matchers: ['alertname = "InfoInhibitor"'], receiver: 'null' },
        { matchers: ['severity = "critical"'], receiver: 'critical', repeat_interval: '1h' },
        { matchers: ['severity = "warning"'], receiver: 'warning' },
        { matchers: ['severity = "info"'], receiver: 'null' },
      ],
    },
    receivers: [
      { name: 'null' },
      { name: 'heartbeat', sns_configs: [{ ...sns(a.heartbeatTopicArn, 'Watchdog heartbeat'), send_resolved: false }] },
      {
        name: 'critical',
        sns_configs: [sns(a.alertsTopicArn, '[CRITICAL] {{ .CommonLabels.alertname }}')],
        ...(a.pagerDuty ? { pagerduty_configs: [{ routing_key_file: file(WEBHOOK_KEYS.pagerDuty), send_resolved: true }] } : {}),
        ...(slack ? { slack_configs: slack } : {}),
      },
      {
        name: 'warning',
        sns_configs: [sns(a.alertsTopicArn, '[WARNING] {{ .CommonLabels.alertname }}')],
        ...(slack ? { slack_configs: slack } : {}),
      },
    ],
    inhibit_rules: [
      // A critical alert silences the warning and info alerts about the same thing.
      { source_matchers: ['severity = "critical"'], target_matchers: ['severity =~ "warning|info"'], equal: ['namespace', 'alertname'] },
      // A model that is down silences its latency, queue and cache alerts.
      {
        source_matchers: ['severity = "critical"', 'model_name != ""'],
        target_matchers: ['severity = "warning"'],
        equal: ['namespace', 'model_name'],
      },
      { source_matchers: ['severity = "warning"'], target_matchers: ['severity = "info"'], equal: ['namespace', 'alertname'] },
      { source_matchers: ['alertname = "InfoInhibitor"'], target_matchers: ['severity = "info"'], equal: ['namespace'] },
    ],
  };
}

export interface AlertingArgs {
  /** Prefix of physical names, e.g. `llm-platform-dev`. */
  readonly namePrefix: string;
  readonly region: string;
  readonly accountId: pulumi.Input<string>;
  readonly clusterName: pulumi.Input<string>;
  /** Subscribed by email to the alerts topic. */
  readonly emailAddresses: readonly string[];
  /** Alertmanager's service account: it publishes to the topics. */
  readonly alertmanagerServiceAccount: ServiceAccountRef;
  /** Secrets Manager name of a Slack webhook URL. @default - no Slack */
  readonly slackWebhookSecretName?: string;
  /** Secrets Manager name of a PagerDuty routing key. @default - no PagerDuty */
  readonly pagerDutyRoutingKeySecretName?: string;
  /** External Secrets Operator's role: it assumes the webhook reader role. Required with a webhook. */
  readonly secretsController?: aws.iam.Role;
}

/** The alert topics, the heartbeat alarm, Alertmanager's publish role and the webhook reader. */
export class Alerting extends pulumi.ComponentResource {
  readonly key: aws.kms.Key;
  readonly alertsTopic: aws.sns.Topic;
  readonly heartbeatTopic: aws.sns.Topic;
  readonly heartbeatAlarm: aws.cloudwatch.MetricAlarm;
  readonly alertmanagerRole: PodIdentityRole;
  /** Reads the webhook secrets; the secret store in the monitoring namespace assumes it. @default - none without webhooks */
  readonly webhookReader?: aws.iam.Role;
  /** kube-prometheus-stack's `alertmanager.config`. */
  readonly config: pulumi.Output<Record<string, unknown>>;

  constructor(name: string, args: AlertingArgs, opts?: pulumi.ComponentResourceOptions) {
    super('llm-platform:infra:Alerting', name, {}, opts);
    const parent = { parent: this };
    const services = ['cloudwatch.amazonaws.com', 'budgets.amazonaws.com'];

    // CloudWatch alarms and Budgets cannot publish to a topic encrypted with the AWS managed SNS key.
    this.key = new aws.kms.Key(
      `${name}-key`,
      {
        description: `${args.namePrefix} alert topics`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: pulumi.jsonStringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'AccountAdministers',
              Effect: 'Allow',
              Principal: { AWS: pulumi.interpolate`arn:aws:iam::${args.accountId}:root` },
              Action: 'kms:*',
              Resource: '*',
            },
            {
              Sid: 'AlarmsAndBudgetsPublish',
              Effect: 'Allow',
              Principal: { Service: services },
              Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
              Resource: '*',
              Condition: { StringEquals: { 'aws:SourceAccount': args.accountId } },
            },
          ],
        }),
      },
      parent,
    );
    const topic = (id: string, displayName: string) =>
      new aws.sns.Topic(`${name}-${id}`, { name: `${args.namePrefix}-${id}`, displayName, kmsMasterKeyId: this.key.id }, parent);
    this.alertsTopic = topic('alerts', `${args.namePrefix} alerts`);
    this.heartbeatTopic = topic('heartbeat', `${args.namePrefix} Alertmanager heartbeat`);

    new aws.sns.TopicPolicy(
      `${name}-alerts`,
      {
        arn: this.alertsTopic.arn,
        policy: pulumi.jsonStringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'AlarmsAndBudgetsPublish',
              Effect: 'Allow',
              Principal: { Service: services },
              Action: 'sns:Publish',
              Resource: this.alertsTopic.arn,
              Condition: { StringEquals: { 'aws:SourceAccount': args.accountId } },
            },
          ],
        }),
      },
      parent,
    );
    args.emailAddresses.forEach(
      (endpoint, i) =>
        new aws.sns.TopicSubscription(`${name}-email-${i}`, { topic: this.alertsTopic.arn, protocol: 'email', endpoint }, parent),
    );

    this.heartbeatAlarm = new aws.cloudwatch.MetricAlarm(
      `${name}-heartbeat`,
      {
        name: `${args.namePrefix}-alertmanager-heartbeat`,
        alarmDescription:
          `Alertmanager's Watchdog has not published for ${(HEARTBEAT.periodSec * HEARTBEAT.evaluationPeriods) / 60} minutes: ` +
          `alerts from ${args.namePrefix} reach nobody`,
        namespace: 'AWS/SNS',
        metricName: 'NumberOfMessagesPublished',
        dimensions: { TopicName: this.heartbeatTopic.name },
        statistic: 'Sum',
        period: HEARTBEAT.periodSec,
        evaluationPeriods: HEARTBEAT.evaluationPeriods,
        threshold: 1,
        comparisonOperator: 'LessThanThreshold',
        // No data is the failure this alarm exists for.
        treatMissingData: 'breaching',
        alarmActions: [this.alertsTopic.arn],
        okActions: [this.alertsTopic.arn],
      },
      parent,
    );

    this.alertmanagerRole = new PodIdentityRole(
      `${name}-alertmanager`,
      {
        clusterName: args.clusterName,
        accountId: args.accountId,
        serviceAccounts: [args.alertmanagerServiceAccount],
        statements: [
          { Sid: 'PublishAlerts', Effect: 'Allow', Action: ['sns:Publish'], Resource: [this.alertsTopic.arn, this.heartbeatTopic.arn] },
          {
            Sid: 'EncryptForTopics',
            Effect: 'Allow',
            Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
            Resource: [this.key.arn],
            Condition: { StringEquals: { 'kms:ViaService': `sns.${args.region}.amazonaws.com` } },
          },
        ],
      },
      parent,
    );

    const webhookSecrets = [args.slackWebhookSecretName, args.pagerDutyRoutingKeySecretName].filter((s): s is string => !!s);
    if (webhookSecrets.length > 0) {
      if (!args.secretsController) {
        throw new Error('Alerting with a Slack or PagerDuty secret needs secretsController, the role External Secrets reads with');
      }
      const controller = args.secretsController;
      this.webhookReader = new aws.iam.Role(
        `${name}-webhook-reader`,
        {
          description: `${args.namePrefix}: the monitoring namespace's secret store reads the alert webhooks with this role`,
          assumeRolePolicy: pulumi.jsonStringify({
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Principal: { AWS: controller.arn }, Action: ['sts:AssumeRole'] }],
          }),
          maxSessionDuration: 3600,
        },
        parent,
      );
      // Secrets Manager appends six random characters to a secret's name in its ARN.
      const secretArns = webhookSecrets.map(
        (s) => pulumi.interpolate`arn:aws:secretsmanager:${args.region}:${args.accountId}:secret:${s}-??????`,
      );
      const read: PolicyStatement[] = [
        {
          Sid: 'ReadAlertWebhooks',
          Effect: 'Allow',
          Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          Resource: secretArns,
        },
      ];
      new aws.iam.RolePolicy(`${name}-webhook-reader`, { role: this.webhookReader.name, policy: policyDocument(read) }, parent);
      new aws.iam.RolePolicy(
        `${name}-assume-webhook-reader`,
        {
          role: controller.name,
          policy: policyDocument([
            { Sid: 'AssumeAlertWebhookReader', Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: [this.webhookReader.arn] },
          ]),
        },
        parent,
      );
    }

    this.config = pulumi.all([this.alertsTopic.arn, this.heartbeatTopic.arn]).apply(([alertsTopicArn, heartbeatTopicArn]) =>
      alertmanagerConfig({
        region: args.region,
        alertsTopicArn,
        heartbeatTopicArn,
        slack: !!args.slackWebhookSecretName,
        pagerDuty: !!args.pagerDutyRoutingKeySecretName,
      }),
    );
    this.registerOutputs({ alertsTopicArn: this.alertsTopic.arn, heartbeatTopicArn: this.heartbeatTopic.arn });
  }
}
