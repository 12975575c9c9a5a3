/**
 * Every AWS policy rule, called directly: one stack that passes and one that fails, with the
 * reason it gives. (The rules over the real mocked stacks are in stack.test.ts; the pack's
 * loading by Pulumi's own runner in entry.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { clusterAutoscalerStatements } from '../../infra/addons';
import { loadBalancerControllerStatements } from '../../infra/gateway';
import { AWS_RULES, type PolicyResource, UNSCOPED_READ_ACTIONS, evaluateAwsRules } from '../../policy/aws-rules';

const res = (type: string, name: string, inputs: Record<string, unknown>, extra: Partial<PolicyResource> = {}): PolicyResource => ({
  type,
  name,
  inputs,
  ...extra,
});

const BUCKET_NAME = 'models-bucket';
const bucket = (inputs: Record<string, unknown> = {}) =>
  res('aws:s3/bucket:Bucket', 'bucket', { bucket: BUCKET_NAME, forceDestroy: false, ...inputs });
const part = (type: string, name: string, inputs: Record<string, unknown>) => res(type, name, { bucket: BUCKET_NAME, ...inputs });
const SSE_TYPE = 'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration';
const sse = (rule: Record<string, unknown>) => part(SSE_TYPE, 'sse', { rules: [rule] });
const KMS_RULE = {
  applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: 'arn:aws:kms:us-east-1:1:key/k' },
  bucketKeyEnabled: true,
};
const tlsPolicy = (effect: string) =>
  part('aws:s3/bucketPolicy:BucketPolicy', 'policy', {
    policy: JSON.stringify({
      Statement: [
        {
          Effect: effect,
          Principal: '*',
          Action: 's3:*',
          Resource: [`arn:aws:s3:::${BUCKET_NAME}`, `arn:aws:s3:::${BUCKET_NAME}/*`],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ],
    }),
  });
const doc = (...statements: Record<string, unknown>[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const eks = (inputs: Record<string, unknown>) =>
  res('eks:index:Cluster', 'cluster', {
    endpointPrivateAccess: true,
    endpointPublicAccess: true,
    publicAccessCidrs: ['203.0.113.0/24'],
    encryptionConfigKeyArn: 'arn:aws:kms:us-east-1:1:key/k',
    enabledClusterLogTypes: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'],
    authenticationMode: 'API',
    ...inputs,
  });
const launchTemplate = (inputs: Record<string, unknown>) =>
  res('aws:ec2/launchTemplate:LaunchTemplate', 'lt', {
    metadataOptions: { httpTokens: 'required' },
    blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { volumeSize: 100, encrypted: 'true' } }],
    ...inputs,
  });
const table = (inputs: Record<string, unknown>) =>
  res('aws:dynamodb/table:Table', 'table', {
    pointInTimeRecovery: { enabled: true },
    serverSideEncryption: { enabled: true, kmsKeyArn: 'arn:aws:kms:us-east-1:1:key/k' },
    deletionProtectionEnabled: true,
    ...inputs,
  });

const LOCK_TYPE = 'aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration';
const lock = (mode: string) => part(LOCK_TYPE, 'lock', { objectLockEnabled: 'Enabled', rule: { defaultRetention: { mode, days: 365 } } });
const versionGuard = (actions: string[]) =>
  part('aws:s3/bucketPolicy:BucketPolicy', 'policy', {
    policy: JSON.stringify({ Statement: [{ Effect: 'Deny', Principal: '*', Action: actions, Resource: `arn:aws:s3:::${BUCKET_NAME}/*` }] }),
  });
const TABLE_ARN = 'arn:aws:dynamodb:us-east-1:1:table/versions';
const tablePolicy = (actions: string[]) =>
  res('aws:dynamodb/resourcePolicy:ResourcePolicy', 'table-policy', {
    resourceArn: TABLE_ARN,
    policy: doc({ Effect: 'Deny', Principal: '*', Action: actions, Resource: TABLE_ARN }),
  });
const nodeGroup = (inputs: Record<string, unknown>) =>
  res('aws:eks/nodeGroup:NodeGroup', 'gpu', {
    version: '1.35',
    releaseVersion: '1.35.3-20260911',
    nodeRepairConfig: { enabled: true },
    ...inputs,
  });
const kubePrometheus = (config: Record<string, unknown>) =>
  res('kubernetes:helm.sh/v3:Release', 'prom', { chart: 'kube-prometheus-stack', values: { alertmanager: { config } } });
const routing = (receivers: unknown[]) => ({
  route: {
    receiver: 'warning',
    routes: [
      { matchers: ['alertname = "Watchdog"'], receiver: 'heartbeat' },
      { matchers: ['severity = "critical"'], receiver: 'critical' },
    ],
  },
  receivers,
});
const sns = (name: string) => ({ name, sns_configs: [{ topic_arn: 'arn:aws:sns:us-east-1:1:t' }] });

interface Case {
  readonly rule: string;
  readonly passing: PolicyResource[];
  readonly failing: PolicyResource[];
  /** The failing resource and the reason it is given. */
  readonly failure: [string, string];
}

const cases: Case[] = [
  {
    rule: 's3-bucket-kms-encryption',
    passing: [bucket(), sse(KMS_RULE)],
    failing: [bucket(), sse({ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } })],
    failure: [
      'bucket',
      'encrypts with AES256, not aws:kms; uses the AWS managed key instead of a customer KMS key; has the S3 Bucket Key off',
    ],
  },
  {
    rule: 's3-bucket-versioning',
    passing: [bucket(), part('aws:s3/bucketVersioning:BucketVersioning', 'v', { versioningConfiguration: { status: 'Enabled' } })],
    failing: [bucket(), part('aws:s3/bucketVersioning:BucketVersioning', 'v', { versioningConfiguration: { status: 'Suspended' } })],
    failure: ['bucket', 'has versioning off'],
  },
  {
    rule: 's3-bucket-public-access-blocked',
    passing: [
      bucket(),
      part('aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock', 'pab', {
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      }),
    ],
    failing: [
      bucket(),
      part('aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock', 'pab', { blockPublicAcls: true, ignorePublicAcls: true }),
    ],
    failure: ['bucket', 'public access block leaves blockPublicPolicy, restrictPublicBuckets off'],
  },
  {
    rule: 's3-bucket-tls-only',
    passing: [bucket(), tlsPolicy('Deny')],
    failing: [bucket(), tlsPolicy('Allow')],
    failure: ['bucket', 'has no bucket policy statement denying s3:* on the bucket and its objects when aws:SecureTransport is false'],
  },
  {
    rule: 's3-bucket-lifecycle',
    passing: [
      bucket(),
      part('aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration', 'lc', {
        rules: [
          { id: 'a', status: 'Enabled', noncurrentVersionExpiration: { noncurrentDays: 30 } },
          { id: 'b', status: 'Enabled', abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } },
        ],
      }),
    ],
    failing: [
      bucket(),
      part('aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration', 'lc', {
        rules: [{ id: 'a', status: 'Disabled', noncurrentVersionExpiration: { noncurrentDays: 30 } }],
      }),
    ],
    failure: ['bucket', 'never expires noncurrent versions; never aborts incomplete multipart uploads'],
  },
  {
    rule: 's3-bucket-no-force-destroy',
    passing: [bucket()],
    failing: [bucket({ forceDestroy: true })],
    failure: ['bucket', 'has forceDestroy on: destroy would delete every object'],
  },
  {
    rule: 'dynamodb-table-protected',
    passing: [table({})],
    failing: [
      table({ pointInTimeRecovery: { enabled: false }, serverSideEncryption: { enabled: true }, deletionProtectionEnabled: false }),
    ],
    failure: ['table', 'has point-in-time recovery off; is not encrypted with a customer KMS key; has deletion protection off'],
  },
  {
    rule: 'kms-key-rotation',
    passing: [
      res('aws:kms/key:Key', 'key', { enableKeyRotation: true }),
      res('aws:kms/key:Key', 'signing', { customerMasterKeySpec: 'RSA_2048' }),
    ],
    failing: [res('aws:kms/key:Key', 'key', {})],
    failure: ['key', 'has automatic key rotation off'],
  },
  {
    rule: 'iam-no-wildcards',
    passing: [
      res('aws:iam/rolePolicy:RolePolicy', 'read', {
        policy: doc(
          { Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::b/models/*'] },
          { Effect: 'Allow', Action: ['ec2:DescribeInstanceTypes'], Resource: '*' },
          { Effect: 'Deny', Action: '*', Resource: '*' },
        ),
      }),
    ],
    failing: [
      res('aws:iam/rolePolicy:RolePolicy', 'admin', {
        policy: doc(
          { Sid: 'All', Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::b' },
          { Sid: 'Everywhere', Effect: 'Allow', Action: ['s3:GetObject', 'ec2:DescribeImages'], Resource: '*' },
          { Sid: 'Escape', Effect: 'Allow', NotAction: 'iam:*', Resource: 'arn:aws:s3:::b' },
        ),
      }),
    ],
    failure: [
      'admin',
      'statement All allows wildcard actions s3:*; statement Everywhere allows s3:GetObject on every resource ("*"); statement Escape allows NotAction',
    ],
  },
  {
    rule: 'eks-endpoint-restricted',
    passing: [eks({}), res('aws:eks/cluster:Cluster', 'raw', { vpcConfig: { endpointPrivateAccess: true, endpointPublicAccess: false } })],
    failing: [eks({ publicAccessCidrs: undefined })],
    failure: ['cluster', 'has a public endpoint with no CIDR list, which EKS opens to 0.0.0.0/0'],
  },
  {
    rule: 'eks-secrets-encryption',
    passing: [
      eks({}),
      res('aws:eks/cluster:Cluster', 'raw', {
        encryptionConfig: { resources: ['secrets'], provider: { keyArn: 'arn:aws:kms:us-east-1:1:key/k' } },
      }),
    ],
    failing: [eks({ encryptionConfigKeyArn: undefined })],
    failure: ['cluster', 'does not encrypt Kubernetes secrets with a KMS key'],
  },
  {
    rule: 'eks-control-plane-logging',
    passing: [eks({})],
    failing: [eks({ enabledClusterLogTypes: ['api', 'audit'] })],
    failure: ['cluster', 'does not log authenticator, controllerManager, scheduler'],
  },
  {
    rule: 'eks-access-entries',
    passing: [eks({}), res('aws:eks/cluster:Cluster', 'raw', { accessConfig: { authenticationMode: 'API' } })],
    failing: [eks({ authenticationMode: 'API_AND_CONFIG_MAP' })],
    failure: ['cluster', 'uses authentication mode API_AND_CONFIG_MAP, not API'],
  },
  {
    rule: 'eks-nodegroup-no-ssh',
    passing: [res('eks:index:ManagedNodeGroup', 'gpu', { instanceTypes: ['g4dn.xlarge'] })],
    failing: [res('aws:eks/nodeGroup:NodeGroup', 'gpu', { remoteAccess: { ec2SshKey: 'me' } })],
    failure: ['gpu', 'allows SSH (remoteAccess, keyName or nodePublicKey set)'],
  },
  {
    rule: 'ec2-launch-template-imdsv2',
    passing: [launchTemplate({})],
    failing: [launchTemplate({ metadataOptions: { httpTokens: 'optional' } })],
    failure: ['lt', 'has httpTokens optional, not required'],
  },
  {
    rule: 'ec2-launch-template-encrypted-volumes',
    passing: [launchTemplate({})],
    failing: [launchTemplate({ blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { volumeSize: 100 } }] })],
    failure: ['lt', 'leaves /dev/xvda unencrypted'],
  },
  {
    rule: 's3-object-versions-protected',
    passing: [bucket(), lock('GOVERNANCE'), versionGuard(['s3:DeleteObjectVersion', 's3:BypassGovernanceRetention'])],
    failing: [bucket(), versionGuard(['s3:DeleteObjectVersion'])],
    failure: [
      'bucket',
      'has no Object Lock default retention (GOVERNANCE or COMPLIANCE); has no bucket policy denying s3:BypassGovernanceRetention',
    ],
  },
  {
    rule: 'dynamodb-no-unconditional-writes',
    passing: [
      table({ name: 'versions' }),
      tablePolicy(['dynamodb:BatchWriteItem', 'dynamodb:PartiQLInsert', 'dynamodb:PartiQLUpdate', 'dynamodb:PartiQLDelete']),
    ],
    failing: [table({ name: 'versions' }), tablePolicy(['dynamodb:BatchWriteItem'])],
    failure: ['table', 'has no resource policy denying dynamodb:PartiQLInsert, dynamodb:PartiQLUpdate, dynamodb:PartiQLDelete'],
  },
  {
    rule: 'iam-kms-via-service',
    passing: [
      res('aws:iam/rolePolicy:RolePolicy', 'reader', {
        policy: doc({
          Effect: 'Allow',
          Action: ['kms:Decrypt'],
          Resource: ['arn:aws:kms:us-east-1:1:key/k'],
          Condition: { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } },
        }),
      }),
    ],
    failing: [
      res('aws:iam/rolePolicy:RolePolicy', 'reader', {
        policy: doc({ Sid: 'Key', Effect: 'Allow', Action: ['kms:GenerateDataKey'], Resource: ['arn:aws:kms:us-east-1:1:key/k'] }),
      }),
    ],
    failure: ['reader', 'statement Key allows KMS use without a kms:ViaService condition'],
  },
  {
    rule: 'iam-role-trusts-named-principals',
    passing: [
      res('aws:iam/role:Role', 'publisher', {
        assumeRolePolicy: doc({ Effect: 'Allow', Principal: { AWS: ['arn:aws:iam::123456789012:role/ci'] }, Action: 'sts:AssumeRole' }),
      }),
      res('aws:iam/role:Role', 'node', {
        assumeRolePolicy: doc({ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }),
      }),
    ],
    failing: [
      res('aws:iam/role:Role', 'publisher', {
        assumeRolePolicy: doc({ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'sts:AssumeRole' }),
      }),
    ],
    failure: ['publisher', 'trusts the whole account arn:aws:iam::123456789012:root'],
  },
  {
    rule: 'eks-upgrade-policy-explicit',
    passing: [
      eks({ upgradePolicy: { supportType: 'STANDARD' } }),
      res('aws:eks/cluster:Cluster', 'raw', { upgradePolicy: { supportType: 'EXTENDED' } }),
    ],
    failing: [eks({})],
    failure: ['cluster', 'has upgrade policy unset (EXTENDED by default)'],
  },
  {
    rule: 'eks-addon-version-pinned',
    passing: [
      res('aws:eks/addon:Addon', 'coredns', { addonName: 'coredns', addonVersion: 'v1.14.3-eksbuild.3' }),
      eks({
        vpcCniOptions: { addonVersion: 'v1.22.4-eksbuild.3' },
        kubeProxyAddonOptions: { version: 'v1.35.3-eksbuild.13' },
        corednsAddonOptions: { enabled: false },
      }),
    ],
    failing: [res('aws:eks/addon:Addon', 'coredns', { addonName: 'coredns' })],
    failure: ['coredns', 'add-on coredns has no addonVersion'],
  },
  {
    rule: 'eks-nodegroup-follows-cluster',
    passing: [nodeGroup({})],
    failing: [nodeGroup({ version: undefined, releaseVersion: undefined })],
    failure: ['gpu', 'has no Kubernetes version (keeps its creation-day minor); has no AMI releaseVersion'],
  },
  {
    rule: 'eks-nodegroup-auto-repair',
    passing: [nodeGroup({})],
    failing: [nodeGroup({ nodeRepairConfig: undefined })],
    failure: ['gpu', 'has node auto repair off'],
  },
  {
    rule: 'ec2-launch-template-tagged',
    passing: [
      launchTemplate({ tagSpecifications: ['instance', 'volume'].map((resourceType) => ({ resourceType, tags: { environment: 'dev' } })) }),
    ],
    failing: [launchTemplate({ tagSpecifications: [{ resourceType: 'instance', tags: { environment: 'dev' } }] })],
    failure: ['lt', 'does not tag volume'],
  },
  {
    rule: 'cloudwatch-log-retention',
    passing: [res('aws:cloudwatch/logGroup:LogGroup', 'logs', { retentionInDays: 90 })],
    failing: [res('aws:cloudwatch/logGroup:LogGroup', 'logs', {})],
    failure: ['logs', 'keeps its logs forever (no retentionInDays)'],
  },
  {
    rule: 'budget-alerts',
    passing: [
      res('aws:budgets/budget:Budget', 'budget', {
        notifications: [80, 100].map((threshold) => ({
          threshold,
          thresholdType: 'PERCENTAGE',
          subscriberSnsTopicArns: ['arn:aws:sns:us-east-1:1:t'],
        })),
      }),
    ],
    failing: [
      res('aws:budgets/budget:Budget', 'budget', {
        notifications: [{ threshold: 100, thresholdType: 'PERCENTAGE', subscriberEmailAddresses: ['ops@example.com'] }],
      }),
    ],
    failure: ['budget', 'has no notification with a subscriber at 80 %'],
  },
  {
    rule: 'alertmanager-routes-alerts',
    passing: [
      kubePrometheus(routing([sns('warning'), sns('critical'), sns('heartbeat')])),
      res('kubernetes:helm.sh/v3:Release', 'keda', { chart: 'keda' }),
    ],
    failing: [kubePrometheus(routing([{ name: 'warning' }, sns('critical')]))],
    failure: ['prom', 'routes alerts by default to warning, which sends nowhere; does not route the Watchdog heartbeat to a receiver'],
  },
  {
    rule: 'external-secrets-store-namespaced',
    passing: [
      res('kubernetes:external-secrets.io/v1:ClusterSecretStore', 'store', { spec: { conditions: [{ namespaces: ['llm-baseline'] }] } }),
    ],
    failing: [res('kubernetes:external-secrets.io/v1:ClusterSecretStore', 'store', { spec: { provider: { aws: {} } } })],
    failure: ['store', 'serves every namespace (no spec.conditions naming namespaces)'],
  },
  {
    rule: 'ec2-no-world-ingress',
    passing: [
      res('aws:ec2/securityGroup:SecurityGroup', 'efs', {
        ingress: [{ fromPort: 2049, toPort: 2049, protocol: 'tcp', cidrBlocks: ['10.0.0.0/16'] }],
      }),
      res('aws:ec2/securityGroupRule:SecurityGroupRule', 'egress', { type: 'egress', cidrBlocks: ['0.0.0.0/0'] }),
    ],
    failing: [res('aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule', 'ssh', { cidrIpv4: '0.0.0.0/0', fromPort: 22 })],
    failure: ['ssh', 'allows inbound traffic from 0.0.0.0/0'],
  },
];

describe('AWS policy rules', () => {
  it('has a passing and a failing case for every rule', () => {
    expect(cases.map((c) => c.rule).sort()).toEqual(AWS_RULES.map((r) => r.name).sort());
  });

  describe.each(cases)('$rule', (c) => {
    const rule = AWS_RULES.find((r) => r.name === c.rule)!;

    it('passes a compliant stack', () => {
      const results = rule.check(c.passing);
      expect(results.length).toBeGreaterThan(0);
      expect(results.filter((r) => !r.passed)).toEqual([]);
    });

    it('fails a non-compliant stack, naming the resource and the reason', () => {
      const failed = rule.check(c.failing).filter((r) => !r.passed);
      expect(failed.map((r) => [r.resource, r.reason])).toEqual([c.failure]);
    });
  });

  it('fails a bucket that has no encryption, versioning, public access block, policy or lifecycle at all', () => {
    const failed = evaluateAwsRules([bucket()]).filter((r) => !r.passed);
    expect(failed.map((r) => `${r.rule}: ${r.reason}`)).toEqual([
      's3-bucket-kms-encryption: has no server-side encryption configuration',
      's3-bucket-versioning: has versioning off',
      's3-bucket-public-access-blocked: has no public access block',
      's3-bucket-tls-only: has no bucket policy statement denying s3:* on the bucket and its objects when aws:SecureTransport is false',
      's3-bucket-lifecycle: never expires noncurrent versions; never aborts incomplete multipart uploads',
      's3-object-versions-protected: has no Object Lock default retention (GOVERNANCE or COMPLIANCE); has no bucket policy denying s3:DeleteObjectVersion, s3:BypassGovernanceRetention',
    ]);
  });

  it('links bucket settings by dependency when the bucket name is not known yet (preview)', () => {
    const urn = 'urn:pulumi:dev::p::aws:s3/bucket:Bucket::bucket';
    const unnamed = res('aws:s3/bucket:Bucket', 'bucket', {}, { urn });
    const encryption = res(SSE_TYPE, 'sse', { rules: [KMS_RULE] }, { propertyDependencies: { bucket: [urn] } });
    const elsewhere = res(SSE_TYPE, 'other', { rules: [KMS_RULE] }, { propertyDependencies: { bucket: ['urn:other'] } });
    const rule = AWS_RULES.find((r) => r.name === 's3-bucket-kms-encryption')!;
    expect(rule.check([unnamed, encryption]).map((r) => r.passed)).toEqual([true]);
    expect(rule.check([unnamed, elsewhere]).map((r) => r.passed)).toEqual([false]);
  });

  it('reports rule, resource, type, verdict and reason for each judged resource', () => {
    expect(evaluateAwsRules([res('aws:kms/key:Key', 'key', { enableKeyRotation: true }, { urn: 'urn:k' })])).toEqual([
      { rule: 'kms-key-rotation', resource: 'key', type: 'aws:kms/key:Key', urn: 'urn:k', passed: true, reason: 'rotation on' },
    ]);
  });

  it('allows "Resource": "*" for exactly the Describe calls the Cluster Autoscaler and the load balancer controller make', () => {
    const [describe] = clusterAutoscalerStatements('us-east-1', '123456789012', 'c');
    expect(describe!.Resource).toEqual(['*']);
    const lbc = loadBalancerControllerStatements({
      region: 'us-east-1',
      accountId: '123456789012',
      clusterName: 'c',
      vpcId: 'vpc-1',
      certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/x',
    });
    const unscoped = lbc.filter((s) => s.Resource === '*' || (Array.isArray(s.Resource) && s.Resource.includes('*')));
    expect(unscoped.map((s) => s.Sid)).toEqual(['DescribeNetworking']);
    expect([...describe!.Action, ...unscoped[0]!.Action].sort()).toEqual([...UNSCOPED_READ_ACTIONS].sort());
    for (const a of UNSCOPED_READ_ACTIONS) expect(a).toMatch(/^[a-z0-9-]+:(Describe|Get)[A-Za-z]+$/);
  });
});
