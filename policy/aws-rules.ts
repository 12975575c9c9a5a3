/**
 * The platform's AWS security rules as plain functions over resources (type, name, inputs), so
 * the same rules run three ways: in the policy pack (`pulumi preview --policy-pack policy`),
 * over resources captured under Pulumi mocks (tests, `npm run policy`), and directly in tests.
 *
 * Rules see whole stacks, not single resources: an S3 bucket's encryption, versioning, public
 * access block and policy are separate resources that point at the bucket.
 *
 * This file imports nothing, so the policy pack and the tests load it the same way.
 */

/** A resource as a rule sees it. */
export interface PolicyResource {
  /** Pulumi type token, e.g. `aws:s3/bucket:Bucket`. */
  readonly type: string;
  /** Logical (Pulumi) name. */
  readonly name: string;
  readonly urn?: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  /** URNs each input property depends on (the policy pack knows them; mocks do not). */
  readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
}

/** The verdict of one rule on one resource. */
export interface RuleResult {
  readonly rule: string;
  /** Logical name of the resource judged. */
  readonly resource: string;
  readonly type: string;
  readonly urn?: string;
  readonly passed: boolean;
  /** Why it failed, or what was found when it passed. */
  readonly reason: string;
}

export interface AwsRule {
  /** Kebab-case id, also the policy name in the pack. */
  readonly name: string;
  readonly description: string;
  /** Judge every resource the rule applies to; resources it does not apply to are left out. */
  check(resources: readonly PolicyResource[]): RuleResult[];
}

type Obj = Readonly<Record<string, unknown>>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A setting's value for a message: text as is, anything else as JSON, or `fallback` when unset. */
function shown(v: unknown, fallback: string): string {
  if (v === undefined || v === null) return fallback;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function obj(v: unknown): Obj {
  return isObj(v) ? v : {};
}

function arr(v: unknown): readonly unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

function strings(v: unknown): string[] {
  return arr(v).filter((x): x is string => typeof x === 'string');
}

/** Terraform-bridged booleans in launch templates are strings. */
function truthy(v: unknown): boolean {
  return v === true || v === 'true';
}

function result(rule: string, r: PolicyResource, failures: readonly string[], ok: string): RuleResult {
  return {
    rule,
    resource: r.name,
    type: r.type,
    urn: r.urn,
    passed: failures.length === 0,
    reason: failures.length === 0 ? ok : failures.join('; '),
  };
}

function rule(
  name: string,
  description: string,
  types: readonly string[],
  judge: (r: PolicyResource, all: readonly PolicyResource[]) => { failures: string[]; ok: string },
): AwsRule {
  return {
    name,
    description,
    check: (resources) =>
      resources
        .filter((r) => types.includes(r.type))
        .map((r) => {
          const { failures, ok } = judge(r, resources);
          return result(name, r, failures, ok);
        }),
  };
}

// --- S3 -------------------------------------------------------------------------------------

const BUCKET_TYPES = ['aws:s3/bucket:Bucket', 'aws:s3/bucketV2:BucketV2'];

/** Sub-resources of `bucket` of the given types: they name it by id/name or depend on it. */
function bucketParts(bucket: PolicyResource, all: readonly PolicyResource[], types: readonly string[]): PolicyResource[] {
  const names = [bucket.inputs.bucket, bucket.name].filter((n): n is string => typeof n === 'string');
  return all.filter(
    (r) =>
      types.includes(r.type) &&
      ((typeof r.inputs.bucket === 'string' && names.includes(r.inputs.bucket)) ||
        (bucket.urn !== undefined && (r.propertyDependencies?.bucket ?? []).includes(bucket.urn))),
  );
}

interface SseRule {
  readonly sseAlgorithm?: unknown;
  readonly kmsMasterKeyId?: unknown;
  readonly bucketKeyEnabled?: unknown;
}

function sseRules(bucket: PolicyResource, all: readonly PolicyResource[]): SseRule[] {
  const inline = arr(
    obj(bucket.inputs.serverSideEncryptionConfiguration).rule ?? obj(bucket.inputs.serverSideEncryptionConfiguration).rules,
  );
  const separate = bucketParts(bucket, all, [
    'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
    'aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2',
  ]).flatMap((c) => arr(c.inputs.rules));
  return [...inline, ...separate].map((r) => {
    const byDefault = obj(obj(r).applyServerSideEncryptionByDefault);
    return { sseAlgorithm: byDefault.sseAlgorithm, kmsMasterKeyId: byDefault.kmsMasterKeyId, bucketKeyEnabled: obj(r).bucketKeyEnabled };
  });
}

const s3Encryption = rule(
  's3-bucket-kms-encryption',
  'S3 buckets encrypt with a customer KMS key (SSE-KMS) and an S3 Bucket Key',
  BUCKET_TYPES,
  (b, all) => {
    const rules = sseRules(b, all);
    if (rules.length === 0) return { failures: ['has no server-side encryption configuration'], ok: '' };
    const failures: string[] = [];
    for (const r of rules) {
      if (r.sseAlgorithm !== 'aws:kms' && r.sseAlgorithm !== 'aws:kms:dsse')
        failures.push(`encrypts with ${String(r.sseAlgorithm)}, not aws:kms`);
      if (typeof r.kmsMasterKeyId !== 'string' || r.kmsMasterKeyId === '')
        failures.push('uses the AWS managed key instead of a customer KMS key');
      if (r.bucketKeyEnabled !== true) failures.push('has the S3 Bucket Key off');
    }
    return { failures, ok: 'SSE-KMS with a customer key and a bucket key' };
  },
);

const s3Versioning = rule('s3-bucket-versioning', 'S3 buckets keep object versions', BUCKET_TYPES, (b, all) => {
  const inline = obj(b.inputs.versioning).enabled === true;
  const separate = bucketParts(b, all, ['aws:s3/bucketVersioning:BucketVersioning', 'aws:s3/bucketVersioningV2:BucketVersioningV2']).some(
    (v) => obj(v.inputs.versioningConfiguration).status === 'Enabled',
  );
  return { failures: inline || separate ? [] : ['has versioning off'], ok: 'versioning enabled' };
});

const PUBLIC_ACCESS_FLAGS = ['blockPublicAcls', 'blockPublicPolicy', 'ignorePublicAcls', 'restrictPublicBuckets'] as const;

const s3PublicAccess = rule('s3-bucket-public-access-blocked', 'S3 buckets block every form of public access', BUCKET_TYPES, (b, all) => {
  const blocks = bucketParts(b, all, ['aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock']);
  if (blocks.length === 0) return { failures: ['has no public access block'], ok: '' };
  const off = PUBLIC_ACCESS_FLAGS.filter((f) => !blocks.some((p) => p.inputs[f] === true));
  return {
    failures: off.length ? [`public access block leaves ${off.join(', ')} off`] : [],
    ok: 'all four public access settings blocked',
  };
});

/** Parse a policy document given as JSON text or as an object. */
export function policyStatements(policy: unknown): Obj[] {
  let doc: unknown = policy;
  if (typeof policy === 'string') {
    try {
      doc = JSON.parse(policy);
    } catch {
      return [];
    }
  }
  return arr(obj(doc).Statement).filter(isObj);
}

function deniesInsecureTransport(s: Obj): boolean {
  const bool = obj(obj(s.Condition).Bool);
  const principal = s.Principal;
  const everyone = principal === '*' || strings(obj(principal).AWS).includes('*');
  const actions = strings(s.Action);
  const resources = strings(s.Resource);
  return (
    s.Effect === 'Deny' &&
    everyone &&
    (actions.includes('s3:*') || actions.includes('*')) &&
    String(bool['aws:SecureTransport']) === 'false' &&
    resources.some((r) => !r.endsWith('/*')) &&
    resources.some((r) => r.endsWith('/*'))
  );
}

const s3TlsOnly = rule('s3-bucket-tls-only', 'S3 bucket policies deny every request not made over TLS', BUCKET_TYPES, (b, all) => {
  const docs = [b.inputs.policy, ...bucketParts(b, all, ['aws:s3/bucketPolicy:BucketPolicy']).map((p) => p.inputs.policy)];
  const found = docs.flatMap(policyStatements).some(deniesInsecureTransport);
  return {
    failures: found ? [] : ['has no bucket policy statement denying s3:* on the bucket and its objects when aws:SecureTransport is false'],
    ok: 'denies requests without TLS',
  };
});

const s3Lifecycle = rule(
  's3-bucket-lifecycle',
  'S3 buckets expire noncurrent versions and abort incomplete multipart uploads',
  BUCKET_TYPES,
  (b, all) => {
    const rules = [
      ...arr(b.inputs.lifecycleRules),
      ...bucketParts(b, all, [
        'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration',
        'aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2',
      ]).flatMap((l) => arr(l.inputs.rules)),
    ]
      .map(obj)
      .filter((r) => r.status === 'Enabled' || r.enabled === true);
    const failures: string[] = [];
    if (!rules.some((r) => r.noncurrentVersionExpiration !== undefined)) failures.push('never expires noncurrent versions');
    if (!rules.some((r) => r.abortIncompleteMultipartUpload !== undefined || r.abortIncompleteMultipartUploadDays !== undefined)) {
      failures.push('never aborts incomplete multipart uploads');
    }
    return { failures, ok: 'expires noncurrent versions and aborts incomplete uploads' };
  },
);

/** Deny statements of a bucket's policies (inline and separate). */
function bucketDenies(b: PolicyResource, all: readonly PolicyResource[]): Obj[] {
  const docs = [b.inputs.policy, ...bucketParts(b, all, ['aws:s3/bucketPolicy:BucketPolicy']).map((p) => p.inputs.policy)];
  return docs.flatMap(policyStatements).filter((st) => st.Effect === 'Deny');
}

const OBJECT_LOCK_TYPES = [
  'aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration',
  'aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2',
];

/** Actions that remove or rewrite an object version despite Object Lock governance. */
const VERSION_REMOVING_ACTIONS = ['s3:DeleteObjectVersion', 's3:BypassGovernanceRetention'];

const s3VersionsProtected = rule(
  's3-object-versions-protected',
  'S3 buckets hold every object version with Object Lock default retention, ' +
    'and their policy denies removing versions or bypassing governance (but to an exempt role)',
  BUCKET_TYPES,
  (b, all) => {
    const failures: string[] = [];
    const locks = [obj(b.inputs.objectLockConfiguration), ...bucketParts(b, all, OBJECT_LOCK_TYPES).map((l) => l.inputs)];
    const retention = locks.map((l) => obj(obj(l.rule).defaultRetention)).find((r) => r.mode === 'GOVERNANCE' || r.mode === 'COMPLIANCE');
    if (!retention) failures.push('has no Object Lock default retention (GOVERNANCE or COMPLIANCE)');
    const denied = new Set(bucketDenies(b, all).flatMap((st) => strings(st.Action)));
    const open = VERSION_REMOVING_ACTIONS.filter((a) => !denied.has(a) && !denied.has('s3:*'));
    if (open.length) failures.push(`has no bucket policy denying ${open.join(', ')}`);
    return { failures, ok: `Object Lock ${String(retention?.mode)} retention and version removal denied` };
  },
);

const s3NoForceDestroy = rule('s3-bucket-no-force-destroy', 'S3 buckets are never emptied by `pulumi destroy`', BUCKET_TYPES, (b) => ({
  failures: b.inputs.forceDestroy === true ? ['has forceDestroy on: destroy would delete every object'] : [],
  ok: 'forceDestroy off',
}));

// --- DynamoDB, KMS --------------------------------------------------------------------------

const dynamoProtected = rule(
  'dynamodb-table-protected',
  'DynamoDB tables have point-in-time recovery, customer KMS encryption and deletion protection',
  ['aws:dynamodb/table:Table'],
  (t) => {
    const failures: string[] = [];
    if (obj(t.inputs.pointInTimeRecovery).enabled !== true) failures.push('has point-in-time recovery off');
    const sse = obj(t.inputs.serverSideEncryption);
    if (sse.enabled !== true || typeof sse.kmsKeyArn !== 'string' || sse.kmsKeyArn === '')
      failures.push('is not encrypted with a customer KMS key');
    if (t.inputs.deletionProtectionEnabled !== true) failures.push('has deletion protection off');
    return { failures, ok: 'PITR, customer KMS key and deletion protection' };
  },
);

const dynamoConditionalWrites = rule(
  'dynamodb-no-unconditional-writes',
  'DynamoDB tables deny batch and PartiQL writes (which cannot carry the condition that keeps published items append-only) ' +
    'in a resource policy',
  ['aws:dynamodb/table:Table'],
  (t, all) => {
    const policies = all.filter(
      (r) =>
        r.type === 'aws:dynamodb/resourcePolicy:ResourcePolicy' &&
        ((typeof r.inputs.resourceArn === 'string' && r.inputs.resourceArn.endsWith(`table/${String(t.inputs.name)}`)) ||
          (t.urn !== undefined && (r.propertyDependencies?.resourceArn ?? []).includes(t.urn))),
    );
    const denies = policies.flatMap((p) => policyStatements(p.inputs.policy)).filter((st) => st.Effect === 'Deny');
    const denied = new Set(denies.flatMap((st) => strings(st.Action)));
    const needed = ['dynamodb:BatchWriteItem', 'dynamodb:PartiQLInsert', 'dynamodb:PartiQLUpdate', 'dynamodb:PartiQLDelete'];
    const open = needed.filter((a) => !denied.has(a) && !denied.has('dynamodb:*'));
    return { failures: open.length ? [`has no resource policy denying ${open.join(', ')}`] : [], ok: 'unconditional writes denied' };
  },
);

const kmsRotation = rule('kms-key-rotation', 'KMS keys rotate their key material', ['aws:kms/key:Key'], (k) => {
  const symmetric = k.inputs.customerMasterKeySpec === undefined || k.inputs.customerMasterKeySpec === 'SYMMETRIC_DEFAULT';
  const spec = k.inputs.keySpec === undefined || k.inputs.keySpec === 'SYMMETRIC_DEFAULT';
  return {
    failures: symmetric && spec && k.inputs.enableKeyRotation !== true ? ['has automatic key rotation off'] : [],
    ok: 'rotation on',
  };
});

// --- IAM ------------------------------------------------------------------------------------

/**
 * Read-only calls AWS does not let a policy scope to a resource: the only actions allowed with
 * `"Resource": "*"`. https://docs.aws.amazon.com/service-authorization/latest/reference/
 */
export const UNSCOPED_READ_ACTIONS: readonly string[] = [
  'autoscaling:DescribeAutoScalingGroups',
  'autoscaling:DescribeAutoScalingInstances',
  'autoscaling:DescribeLaunchConfigurations',
  'autoscaling:DescribeScalingActivities',
  'autoscaling:DescribeTags',
  'ec2:DescribeImages',
  'ec2:DescribeInstanceTypes',
  'ec2:DescribeLaunchTemplateVersions',
  'ec2:GetInstanceTypesFromInstanceRequirements',
  // The AWS Load Balancer Controller's reads (infra/gateway.ts): networking and load balancer state.
  'ec2:DescribeAccountAttributes',
  'ec2:DescribeAddresses',
  'ec2:DescribeAvailabilityZones',
  'ec2:DescribeInternetGateways',
  'ec2:DescribeVpcs',
  'ec2:DescribeSubnets',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeInstances',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeTags',
  'ec2:DescribeRouteTables',
  'ec2:GetSecurityGroupsForVpc',
  'elasticloadbalancing:DescribeLoadBalancers',
  'elasticloadbalancing:DescribeLoadBalancerAttributes',
  'elasticloadbalancing:DescribeListeners',
  'elasticloadbalancing:DescribeListenerAttributes',
  'elasticloadbalancing:DescribeListenerCertificates',
  'elasticloadbalancing:DescribeSSLPolicies',
  'elasticloadbalancing:DescribeTargetGroups',
  'elasticloadbalancing:DescribeTargetGroupAttributes',
  'elasticloadbalancing:DescribeTargetHealth',
  'elasticloadbalancing:DescribeTags',
  'elasticloadbalancing:DescribeCapacityReservation',
];

/** Problems of one IAM policy document: wildcard actions, unscoped resources, Not* escapes. */
export function iamDocumentProblems(policy: unknown): string[] {
  if (typeof policy === 'string') {
    try {
      JSON.parse(policy);
    } catch {
      return ['has a policy that is not valid JSON'];
    }
  }
  const problems: string[] = [];
  for (const s of policyStatements(policy)) {
    if (s.Effect !== 'Allow') continue;
    const sid = typeof s.Sid === 'string' ? `statement ${s.Sid}` : 'a statement';
    if (s.NotAction !== undefined) problems.push(`${sid} allows NotAction`);
    if (s.NotResource !== undefined) problems.push(`${sid} allows NotResource`);
    const actions = strings(s.Action);
    const wild = actions.filter((a) => a.includes('*'));
    if (wild.length) problems.push(`${sid} allows wildcard actions ${wild.join(', ')}`);
    if (strings(s.Resource).includes('*')) {
      const scoped = actions.filter((a) => !UNSCOPED_READ_ACTIONS.includes(a));
      if (scoped.length) problems.push(`${sid} allows ${scoped.join(', ')} on every resource ("*")`);
    }
  }
  return problems;
}

/** Problems of a policy that uses a KMS key without saying which service may use it for the caller. */
function kmsViaServiceProblems(policy: unknown): string[] {
  return policyStatements(policy)
    .filter((st) => st.Effect === 'Allow' && strings(st.Action).some((a) => a === 'kms:Decrypt' || a.startsWith('kms:GenerateDataKey')))
    .filter((st) => !Object.values(obj(st.Condition)).some((c) => obj(c)['kms:ViaService'] !== undefined))
    .map((st) => `${typeof st.Sid === 'string' ? `statement ${st.Sid}` : 'a statement'} allows KMS use without a kms:ViaService condition`);
}

const kmsViaService = rule(
  'iam-kms-via-service',
  'IAM policies allow kms:Decrypt and kms:GenerateDataKey only through the AWS services that need them (kms:ViaService)',
  ['aws:iam/policy:Policy', 'aws:iam/rolePolicy:RolePolicy', 'aws:iam/userPolicy:UserPolicy', 'aws:iam/groupPolicy:GroupPolicy'],
  (r) => ({ failures: kmsViaServiceProblems(r.inputs.policy), ok: 'KMS use scoped to a service' }),
);

/** An AWS principal that stands for a whole account: `arn:…:root` or a bare account id. */
function isAccountPrincipal(p: string): boolean {
  return /^\d{12}$/.test(p) || /^arn:aws[a-z-]*:iam::\d{12}:root$/.test(p);
}

const iamTrustNamedPrincipals = rule(
  'iam-role-trusts-named-principals',
  'IAM roles trust named roles, users or services, never a whole account (its root)',
  ['aws:iam/role:Role'],
  (r) => {
    const whole = policyStatements(r.inputs.assumeRolePolicy)
      .filter((st) => st.Effect === 'Allow')
      .flatMap((st) => strings(obj(st.Principal).AWS))
      .filter(isAccountPrincipal);
    return { failures: whole.length ? [`trusts the whole account ${whole.join(', ')}`] : [], ok: 'named principals only' };
  },
);

const iamLeastPrivilege = rule(
  'iam-no-wildcards',
  'IAM policies name their actions and resources: no `*` actions, no `"Resource": "*"` except for unscoped read-only calls',
  [
    'aws:iam/policy:Policy',
    'aws:iam/rolePolicy:RolePolicy',
    'aws:iam/role:Role',
    'aws:iam/userPolicy:UserPolicy',
    'aws:iam/groupPolicy:GroupPolicy',
  ],
  (r) => {
    const docs = r.type === 'aws:iam/role:Role' ? arr(r.inputs.inlinePolicies).map((p) => obj(p).policy) : [r.inputs.policy];
    return { failures: docs.flatMap(iamDocumentProblems), ok: 'explicit actions on named resources' };
  },
);

// --- EKS ------------------------------------------------------------------------------------

const EKS_CLUSTER_TYPES = ['eks:index:Cluster', 'aws:eks/cluster:Cluster'];

/** The settings rules check, from either the pulumi-eks component or the raw AWS cluster. */
function eksSettings(c: PolicyResource): {
  privateEndpoint: boolean;
  publicEndpoint: boolean;
  publicCidrs: string[];
  secretsKey: unknown;
  logTypes: string[];
  authenticationMode: unknown;
} {
  if (c.type === 'eks:index:Cluster') {
    return {
      privateEndpoint: c.inputs.endpointPrivateAccess === true,
      // pulumi-eks and EKS default the public endpoint to on.
      publicEndpoint: c.inputs.endpointPublicAccess !== false,
      publicCidrs: strings(c.inputs.publicAccessCidrs),
      secretsKey: c.inputs.encryptionConfigKeyArn,
      logTypes: strings(c.inputs.enabledClusterLogTypes),
      authenticationMode: c.inputs.authenticationMode,
    };
  }
  const vpc = obj(c.inputs.vpcConfig);
  const enc = arr(c.inputs.encryptionConfig)
    .map(obj)
    .find((e) => strings(e.resources).includes('secrets'));
  return {
    privateEndpoint: vpc.endpointPrivateAccess === true,
    publicEndpoint: vpc.endpointPublicAccess !== false,
    publicCidrs: strings(vpc.publicAccessCidrs),
    secretsKey: enc ? obj(enc.provider).keyArn : undefined,
    logTypes: strings(c.inputs.enabledClusterLogTypes),
    authenticationMode: obj(c.inputs.accessConfig).authenticationMode,
  };
}

const WORLD = ['0.0.0.0/0', '::/0'];

const eksEndpoint = rule(
  'eks-endpoint-restricted',
  'EKS API endpoints are private, and public only to listed CIDRs (never the whole internet)',
  EKS_CLUSTER_TYPES,
  (c) => {
    const s = eksSettings(c);
    const failures: string[] = [];
    if (!s.privateEndpoint) failures.push('has the private endpoint off');
    if (s.publicEndpoint) {
      if (s.publicCidrs.length === 0) failures.push('has a public endpoint with no CIDR list, which EKS opens to 0.0.0.0/0');
      const open = s.publicCidrs.filter((x) => WORLD.includes(x));
      if (open.length) failures.push(`opens the public endpoint to ${open.join(', ')}`);
    }
    return {
      failures,
      ok: s.publicEndpoint ? `private endpoint, public only to ${s.publicCidrs.join(', ')}` : 'private endpoint only',
    };
  },
);

const eksSecrets = rule('eks-secrets-encryption', 'EKS envelope-encrypts Kubernetes secrets with a KMS key', EKS_CLUSTER_TYPES, (c) => {
  const key = eksSettings(c).secretsKey;
  return {
    failures: typeof key === 'string' && key !== '' ? [] : ['does not encrypt Kubernetes secrets with a KMS key'],
    ok: 'secrets encrypted with KMS',
  };
});

/** Every EKS control-plane log type: what the rule expects, written here and not taken from infra/. */
export const CONTROL_PLANE_LOGS = ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'] as const;

const eksLogging = rule('eks-control-plane-logging', 'EKS sends every control-plane log type to CloudWatch', EKS_CLUSTER_TYPES, (c) => {
  const missing = CONTROL_PLANE_LOGS.filter((t) => !eksSettings(c).logTypes.includes(t));
  return { failures: missing.length ? [`does not log ${missing.join(', ')}`] : [], ok: 'all control-plane logs on' };
});

const eksAccessEntries = rule(
  'eks-access-entries',
  'EKS authenticates with access entries only (no aws-auth ConfigMap)',
  EKS_CLUSTER_TYPES,
  (c) => {
    const mode = eksSettings(c).authenticationMode;
    return {
      failures: mode === 'API' ? [] : [`uses authentication mode ${shown(mode, 'CONFIG_MAP (default)')}, not API`],
      ok: 'access entries (API)',
    };
  },
);

const eksUpgradePolicy = rule(
  'eks-upgrade-policy-explicit',
  'EKS clusters set their upgrade policy (an API-created cluster otherwise enters extended support, at 6× the price)',
  EKS_CLUSTER_TYPES,
  (c) => {
    const support = obj(c.inputs.upgradePolicy).supportType;
    return {
      failures:
        support === 'STANDARD' || support === 'EXTENDED' ? [] : [`has upgrade policy ${shown(support, 'unset (EXTENDED by default)')}`],
      ok: `upgrade policy ${String(support)}`,
    };
  },
);

const eksAddonsPinned = rule(
  'eks-addon-version-pinned',
  'EKS add-ons run a pinned version (unpinned ones stay at their creation-day default or float on every update)',
  ['aws:eks/addon:Addon', 'eks:index:Cluster'],
  (r) => {
    if (r.type === 'aws:eks/addon:Addon') {
      const v = r.inputs.addonVersion;
      const addon = String(r.inputs.addonName);
      return { failures: typeof v === 'string' && v !== '' ? [] : [`add-on ${addon} has no addonVersion`], ok: `${addon} ${String(v)}` };
    }
    const failures: string[] = [];
    if (r.inputs.useDefaultVpcCni !== true && !obj(r.inputs.vpcCniOptions).addonVersion) failures.push('vpcCniOptions has no addonVersion');
    const kubeProxy = obj(r.inputs.kubeProxyAddonOptions);
    if (kubeProxy.enabled !== false && !kubeProxy.version) failures.push('kubeProxyAddonOptions has no version');
    const coredns = obj(r.inputs.corednsAddonOptions);
    if (coredns.enabled !== false && !coredns.version) failures.push('corednsAddonOptions has no version');
    return { failures, ok: 'VPC CNI, kube-proxy and CoreDNS pinned or installed elsewhere' };
  },
);

const MANAGED_NODE_GROUPS = ['aws:eks/nodeGroup:NodeGroup'];

const eksNodeGroupVersioned = rule(
  'eks-nodegroup-follows-cluster',
  'EKS managed node groups name their Kubernetes version and AMI release, so a control-plane upgrade rolls them',
  MANAGED_NODE_GROUPS,
  (g) => {
    const failures: string[] = [];
    if (!g.inputs.version) failures.push('has no Kubernetes version (keeps its creation-day minor)');
    if (!g.inputs.releaseVersion) failures.push('has no AMI releaseVersion');
    return { failures, ok: `Kubernetes ${String(g.inputs.version)}, AMI ${String(g.inputs.releaseVersion)}` };
  },
);

const eksNodeRepair = rule('eks-nodegroup-auto-repair', 'EKS managed node groups repair unhealthy nodes', MANAGED_NODE_GROUPS, (g) => ({
  failures: obj(g.inputs.nodeRepairConfig).enabled === true ? [] : ['has node auto repair off'],
  ok: 'node repair on',
}));

const eksNoSsh = rule(
  'eks-nodegroup-no-ssh',
  'EKS node groups allow no SSH access',
  ['eks:index:ManagedNodeGroup', 'aws:eks/nodeGroup:NodeGroup', 'eks:index:NodeGroup', 'eks:index:NodeGroupV2'],
  (g) => {
    const ssh = g.inputs.remoteAccess !== undefined || g.inputs.keyName !== undefined || g.inputs.nodePublicKey !== undefined;
    return { failures: ssh ? ['allows SSH (remoteAccess, keyName or nodePublicKey set)'] : [], ok: 'no SSH' };
  },
);

// --- EC2 ------------------------------------------------------------------------------------

const LAUNCH_TEMPLATES = ['aws:ec2/launchTemplate:LaunchTemplate'];

const imdsV2 = rule('ec2-launch-template-imdsv2', 'Launch templates require IMDSv2 (session tokens)', LAUNCH_TEMPLATES, (lt) => {
  const tokens = obj(lt.inputs.metadataOptions).httpTokens;
  return {
    failures: tokens === 'required' ? [] : [`has httpTokens ${shown(tokens, 'optional (default)')}, not required`],
    ok: 'IMDSv2 required',
  };
});

const launchTemplateTags = rule(
  'ec2-launch-template-tagged',
  'Launch templates tag the instances and volumes they launch (provider default tags do not reach them)',
  LAUNCH_TEMPLATES,
  (lt) => {
    const specs = arr(lt.inputs.tagSpecifications).map(obj);
    const tags = (t: string) => specs.some((sp) => sp.resourceType === t && Object.keys(obj(sp.tags)).length > 0);
    const missing = ['instance', 'volume'].filter((t) => !tags(t));
    return { failures: missing.length ? [`does not tag ${missing.join(', ')}`] : [], ok: 'instances and volumes tagged' };
  },
);

const encryptedVolumes = rule(
  'ec2-launch-template-encrypted-volumes',
  'Launch templates encrypt every EBS volume they define',
  LAUNCH_TEMPLATES,
  (lt) => {
    const mappings = arr(lt.inputs.blockDeviceMappings)
      .map(obj)
      .filter((m) => m.ebs !== undefined);
    if (mappings.length === 0) return { failures: ['defines no EBS volume, so the AMI default (possibly unencrypted) applies'], ok: '' };
    const plain = mappings.filter((m) => !truthy(obj(m.ebs).encrypted)).map((m) => String(m.deviceName));
    return { failures: plain.length ? [`leaves ${plain.join(', ')} unencrypted`] : [], ok: 'every volume encrypted' };
  },
);

const noWorldIngress = rule(
  'ec2-no-world-ingress',
  'Security groups accept no inbound traffic from the whole internet',
  [
    'aws:ec2/securityGroup:SecurityGroup',
    'aws:ec2/securityGroupRule:SecurityGroupRule',
    'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule',
  ],
  (sg) => {
    const cidrs =
      sg.type === 'aws:ec2/securityGroup:SecurityGroup'
        ? arr(sg.inputs.ingress).flatMap((i) => [...strings(obj(i).cidrBlocks), ...strings(obj(i).ipv6CidrBlocks)])
        : sg.type === 'aws:ec2/securityGroupRule:SecurityGroupRule'
          ? sg.inputs.type === 'ingress'
            ? [...strings(sg.inputs.cidrBlocks), ...strings(sg.inputs.ipv6CidrBlocks)]
            : []
          : [...strings(sg.inputs.cidrIpv4), ...strings(sg.inputs.cidrIpv6)];
    const open = cidrs.filter((c) => WORLD.includes(c));
    return { failures: open.length ? [`allows inbound traffic from ${open.join(', ')}`] : [], ok: 'no inbound traffic from the internet' };
  },
);

// --- Logs, budgets, alerting, secrets ------------------------------------------------------

const LOG_GROUPS = ['aws:cloudwatch/logGroup:LogGroup'];

const logRetention = rule('cloudwatch-log-retention', 'CloudWatch log groups expire their logs', LOG_GROUPS, (g) => {
  const days = g.inputs.retentionInDays;
  const kept = typeof days === 'number' && days > 0;
  return { failures: kept ? [] : ['keeps its logs forever (no retentionInDays)'], ok: `${String(days)} days` };
});

const BUDGETS = ['aws:budgets/budget:Budget'];

const budgetAlerts = rule('budget-alerts', 'AWS Budgets notify someone at 80 % and 100 % of the limit', BUDGETS, (b) => {
  const notes = arr(b.inputs.notifications).map(obj);
  const at = (pct: number) =>
    notes.some(
      (n) =>
        n.threshold === pct &&
        n.thresholdType === 'PERCENTAGE' &&
        (strings(n.subscriberSnsTopicArns).length > 0 || strings(n.subscriberEmailAddresses).length > 0),
    );
  const missing = [80, 100].filter((p) => !at(p));
  const failures = missing.length ? [`has no notification with a subscriber at ${missing.join(' % and ')} %`] : [];
  return { failures, ok: 'notifies at 80 % and 100 %' };
});

const HELM_RELEASES = ['kubernetes:helm.sh/v3:Release'];

/** Problems of kube-prometheus-stack's Alertmanager config: where alerts and the heartbeat go. */
function alertmanagerProblems(values: unknown): string[] {
  const config = obj(obj(obj(values).alertmanager).config);
  const receivers = arr(config.receivers).map(obj);
  const delivers = (x: Obj) => Object.keys(x).some((k) => k.endsWith('_configs') && arr(x[k]).length > 0);
  const sends = (name: unknown) => receivers.some((x) => x.name === name && delivers(x));
  const route = obj(config.route);
  const routes = arr(route.routes).map(obj);
  const routeFor = (pattern: RegExp) => routes.find((x) => strings(x.matchers).some((m) => pattern.test(m)));
  const problems: string[] = [];
  if (!sends(route.receiver)) problems.push(`routes alerts by default to ${shown(route.receiver, 'nothing')}, which sends nowhere`);
  const critical = routeFor(/severity\s*=~?\s*"?critical/);
  if (!critical || !sends(critical.receiver)) problems.push('sends critical alerts nowhere');
  const watchdog = routeFor(/alertname\s*=\s*"?Watchdog/);
  if (!watchdog || !sends(watchdog.receiver)) problems.push('does not route the Watchdog heartbeat to a receiver');
  return problems;
}

const alertmanagerReceivers: AwsRule = {
  name: 'alertmanager-routes-alerts',
  description:
    "kube-prometheus-stack's Alertmanager sends alerts (critical ones included) to a receiver that delivers them, " +
    'and routes the Watchdog heartbeat',
  check: (resources) =>
    resources
      .filter((r) => HELM_RELEASES.includes(r.type) && r.inputs.chart === 'kube-prometheus-stack')
      .map((r) =>
        result('alertmanager-routes-alerts', r, alertmanagerProblems(r.inputs.values), 'default, critical and heartbeat routes deliver'),
      ),
};

const SECRET_STORES = ['kubernetes:external-secrets.io/v1:ClusterSecretStore', 'kubernetes:external-secrets.io/v1beta1:ClusterSecretStore'];

const secretStoreScoped = rule(
  'external-secrets-store-namespaced',
  'ClusterSecretStores serve only the namespaces they name (conditions), so no other namespace can copy their secrets',
  SECRET_STORES,
  (s) => {
    const conditions = arr(obj(s.inputs.spec).conditions).map(obj);
    const scoped =
      conditions.length > 0 &&
      conditions.every(
        (c) => strings(c.namespaces).length > 0 || c.namespaceSelector !== undefined || strings(c.namespaceRegexes).length > 0,
      );
    const names = conditions.flatMap((c) => strings(c.namespaces));
    return {
      failures: scoped ? [] : ['serves every namespace (no spec.conditions naming namespaces)'],
      ok: `serves ${names.join(', ') || 'selected namespaces'}`,
    };
  },
);

/** Every AWS rule of the pack. */
export const AWS_RULES: readonly AwsRule[] = [
  s3Encryption,
  s3Versioning,
  s3PublicAccess,
  s3TlsOnly,
  s3Lifecycle,
  s3NoForceDestroy,
  s3VersionsProtected,
  dynamoProtected,
  dynamoConditionalWrites,
  kmsRotation,
  iamLeastPrivilege,
  kmsViaService,
  iamTrustNamedPrincipals,
  eksEndpoint,
  eksSecrets,
  eksLogging,
  eksAccessEntries,
  eksUpgradePolicy,
  eksAddonsPinned,
  eksNodeGroupVersioned,
  eksNodeRepair,
  eksNoSsh,
  imdsV2,
  launchTemplateTags,
  encryptedVolumes,
  noWorldIngress,
  logRetention,
  budgetAlerts,
  alertmanagerReceivers,
  secretStoreScoped,
];

/** Run every rule (or the given ones) over a stack's resources. */
export function evaluateAwsRules(resources: readonly PolicyResource[], rules: readonly AwsRule[] = AWS_RULES): RuleResult[] {
  return rules.flatMap((r) => r.check(resources));
}
