/**
 * The model registry: an S3 bucket for model files and a DynamoDB table of versions
 * (`model_name` + `version`), both encrypted with their own rotating KMS key, plus a read-only
 * role for the model pods, a publisher role for CI and a break-glass role.
 *
 * Published versions are immutable to everyone but the break-glass role: every object version
 * under models/ is held by S3 Object Lock (governance) and no one else may delete a version,
 * shorten a retention or bypass governance; only the publisher writes objects and table items,
 * through the registry client, whose every table write is conditional (a `ready` version item is
 * never rewritten); batch and PartiQL writes, which skip those conditions, are denied outright.
 *
 * The registry outlives the cluster: its data resources are retained when deleted from the
 * stack, and `protect` (prod) makes `pulumi destroy` refuse to run at all.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { REGISTRY_ROOT as MODEL_PREFIX } from '../constructs/registry-layout';
import { PodIdentityRole, type PolicyStatement, type ServiceAccountRef, policyDocument } from './iam';

/** Days an unfinished multipart upload is kept before S3 drops its parts. */
export const INCOMPLETE_UPLOAD_DAYS = 7;

export interface ModelRegistryArgs {
  /** Prefix of physical names, e.g. `llm-platform-dev`. */
  readonly namePrefix: string;
  readonly accountId: pulumi.Input<string>;
  readonly region: string;
  readonly noncurrentVersionExpirationDays: number;
  /** Bucket name; the manifests name it when a model loads from the registry. @default - `<namePrefix>-models-<account>-<region>` */
  readonly bucketName?: string;
  /** Pulumi `protect` on the data resources. */
  readonly protect: boolean;
  readonly clusterName: pulumi.Input<string>;
  /** Service accounts of the model pods: they get the read-only role. */
  readonly readerServiceAccounts: readonly ServiceAccountRef[];
  /** Who may assume the publisher role; empty: no publisher role. */
  readonly publisherPrincipalArns: readonly string[];
  /** Who may assume the break-glass role; empty: no break-glass role. */
  readonly breakGlassPrincipalArns: readonly string[];
  /** Object Lock (governance) retention of every object version, in days. */
  readonly objectLockRetentionDays: number;
}

/** KMS use only on behalf of S3 and DynamoDB in this region. */
function viaRegistryServices(region: string) {
  return { StringEquals: { 'kms:ViaService': [`s3.${region}.amazonaws.com`, `dynamodb.${region}.amazonaws.com`] } };
}

/** The IAM statements of the registry's read-only role. */
export function registryReadStatements(
  bucketArn: pulumi.Input<string>,
  tableArn: pulumi.Input<string>,
  keyArn: pulumi.Input<string>,
  region: string,
): PolicyStatement[] {
  return [
    {
      Sid: 'ReadModelFiles',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:GetObjectVersion'],
      Resource: [pulumi.interpolate`${bucketArn}/${MODEL_PREFIX}*`],
    },
    {
      Sid: 'ListModelFiles',
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: [bucketArn],
      Condition: { StringLike: { 's3:prefix': [MODEL_PREFIX, `${MODEL_PREFIX}*`] } },
    },
    { Sid: 'ReadVersions', Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:Query'], Resource: [tableArn] },
    { Sid: 'DecryptRegistry', Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [keyArn], Condition: viaRegistryServices(region) },
  ];
}

/**
 * The IAM statements of the registry's publisher role: what the registry client (bench/registry)
 * needs to publish, roll back a failed publish, list, promote and verify. A delete only writes a
 * delete marker: the object version itself stays, held by Object Lock.
 */
export function registryWriteStatements(
  bucketArn: pulumi.Input<string>,
  tableArn: pulumi.Input<string>,
  keyArn: pulumi.Input<string>,
  region: string,
): PolicyStatement[] {
  return [
    {
      Sid: 'WriteModelFiles',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
      Resource: [pulumi.interpolate`${bucketArn}/${MODEL_PREFIX}*`],
    },
    {
      Sid: 'ListModelFiles',
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: [bucketArn],
      Condition: { StringLike: { 's3:prefix': [MODEL_PREFIX, `${MODEL_PREFIX}*`] } },
    },
    {
      Sid: 'WriteVersions',
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      Resource: [tableArn],
    },
    {
      Sid: 'UseRegistryKey',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: [keyArn],
      Condition: viaRegistryServices(region),
    },
  ];
}

/** What only the break-glass role may do: remove or rewrite published versions. */
export const BREAK_GLASS_S3_ACTIONS = [
  's3:DeleteObjectVersion',
  's3:BypassGovernanceRetention',
  's3:PutObjectRetention',
  's3:PutObjectLegalHold',
] as const;
/** Table writes that carry no condition the client could use: denied to everyone but break-glass. */
export const UNCONDITIONAL_ITEM_WRITES = [
  'dynamodb:BatchWriteItem',
  'dynamodb:PartiQLInsert',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLDelete',
] as const;
/** Item writes: only the publisher (through the client's conditional writes) and break-glass. */
export const ITEM_WRITES = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'] as const;

/** The IAM statements of the break-glass role: delete or replace a published version. */
export function registryBreakGlassStatements(
  bucketArn: pulumi.Input<string>,
  tableArn: pulumi.Input<string>,
  keyArn: pulumi.Input<string>,
  region: string,
): PolicyStatement[] {
  return [
    {
      Sid: 'ChangePublishedFiles',
      Effect: 'Allow',
      Action: [
        's3:GetObject',
        's3:GetObjectVersion',
        's3:GetObjectRetention',
        's3:PutObject',
        's3:DeleteObject',
        ...BREAK_GLASS_S3_ACTIONS,
      ],
      Resource: [pulumi.interpolate`${bucketArn}/${MODEL_PREFIX}*`],
    },
    { Sid: 'ListModelFileVersions', Effect: 'Allow', Action: ['s3:ListBucket', 's3:ListBucketVersions'], Resource: [bucketArn] },
    {
      Sid: 'ChangeVersions',
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      Resource: [tableArn],
    },
    {
      Sid: 'UseRegistryKey',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: [keyArn],
      Condition: viaRegistryServices(region),
    },
  ];
}

/** `Condition` exempting `principals` from a Deny; none when nobody is exempt (the Deny then holds for all). */
function exceptFor(principals: readonly pulumi.Input<string>[]): Pick<PolicyStatement, 'Condition'> {
  return principals.length > 0 ? { Condition: { ArnNotEquals: { 'aws:PrincipalArn': [...principals] } } } : {};
}

/** Who is exempt from the registry's write guards. */
export interface RegistryWriters {
  /** Writes objects and items (the CI publisher). */
  readonly publishers: readonly pulumi.Input<string>[];
  /** Deletes or rewrites published versions. */
  readonly breakGlass: readonly pulumi.Input<string>[];
}

/**
 * Bucket policy statements that make published object versions immutable: TLS only (TLS 1.2+),
 * only the publisher and break-glass write or delete under models/, and only break-glass removes
 * a version, bypasses governance retention or changes a retention or legal hold.
 */
export function registryBucketStatements(bucketArn: pulumi.Input<string>, writers: RegistryWriters): unknown[] {
  const objects = pulumi.interpolate`${bucketArn}/*`;
  const models = pulumi.interpolate`${bucketArn}/${MODEL_PREFIX}*`;
  return [
    {
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: [bucketArn, objects],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
    {
      Sid: 'DenyOldTls',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: [bucketArn, objects],
      Condition: { NumericLessThan: { 's3:TlsVersion': '1.2' } },
    },
    {
      Sid: 'OnlyPublisherWritesModels',
      Effect: 'Deny',
      Principal: '*',
      Action: ['s3:PutObject', 's3:DeleteObject'],
      Resource: [models],
      ...exceptFor([...writers.publishers, ...writers.breakGlass]),
    },
    {
      Sid: 'OnlyBreakGlassRemovesVersions',
      Effect: 'Deny',
      Principal: '*',
      Action: [...BREAK_GLASS_S3_ACTIONS],
      Resource: [objects],
      ...exceptFor(writers.breakGlass),
    },
  ];
}

/** Table resource policy statements: only conditional writes, only by the publisher (and break-glass). */
export function registryTableStatements(tableArn: pulumi.Input<string>, writers: RegistryWriters): unknown[] {
  return [
    {
      Sid: 'DenyUnconditionalWrites',
      Effect: 'Deny',
      Principal: '*',
      Action: [...UNCONDITIONAL_ITEM_WRITES],
      Resource: [tableArn],
      ...exceptFor(writers.breakGlass),
    },
    {
      Sid: 'OnlyPublisherWritesVersions',
      Effect: 'Deny',
      Principal: '*',
      Action: [...ITEM_WRITES],
      Resource: [tableArn],
      ...exceptFor([...writers.publishers, ...writers.breakGlass]),
    },
  ];
}

/** A role that only the listed principals may assume (never the account root). */
function assumableBy(principals: readonly string[]): pulumi.Output<string> {
  return pulumi.jsonStringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: [...principals] }, Action: ['sts:AssumeRole'] }],
  });
}

/** S3 bucket + DynamoDB table + KMS key, and the roles that read and publish models. */
export class ModelRegistry extends pulumi.ComponentResource {
  readonly key: aws.kms.Key;
  readonly bucket: aws.s3.Bucket;
  readonly table: aws.dynamodb.Table;
  readonly reader: PodIdentityRole;
  /** @default - none when registry.publisherPrincipalArns is empty */
  readonly publisher?: aws.iam.Role;
  /** @default - none when registry.breakGlassPrincipalArns is empty */
  readonly breakGlass?: aws.iam.Role;

  constructor(name: string, args: ModelRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
    super('llm-platform:infra:ModelRegistry', name, {}, opts);
    // Data outlives the stack: retained on delete, and `protect` stops `pulumi destroy` early.
    const data: pulumi.CustomResourceOptions = { parent: this, protect: args.protect, retainOnDelete: true };

    this.key = new aws.kms.Key(
      `${name}-key`,
      { description: `${args.namePrefix} model registry`, enableKeyRotation: true, deletionWindowInDays: 30 },
      data,
    );
    new aws.kms.Alias(`${name}-key`, { name: `alias/${args.namePrefix}-registry`, targetKeyId: this.key.keyId }, { parent: this });

    this.bucket = new aws.s3.Bucket(
      `${name}-bucket`,
      {
        // Account and region make the default global name unique and stable, so a retained bucket can be re-imported.
        bucket: args.bucketName ?? pulumi.interpolate`${args.namePrefix}-models-${args.accountId}-${args.region}`,
        forceDestroy: false,
      },
      data,
    );
    const bucketId = this.bucket.id;
    new aws.s3.BucketOwnershipControls(`${name}-ownership`, { bucket: bucketId, rule: { objectOwnership: 'BucketOwnerEnforced' } }, data);
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access`,
      { bucket: bucketId, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      data,
    );
    const versioning = new aws.s3.BucketVersioning(
      `${name}-versioning`,
      { bucket: bucketId, versioningConfiguration: { status: 'Enabled' } },
      data,
    );
    // Enables Object Lock on new and existing (versioned) buckets alike, so the bucket itself is
    // not replaced. Default retention applies to object versions written from then on; it
    // cannot be turned off again.
    new aws.s3.BucketObjectLockConfiguration(
      `${name}-object-lock`,
      {
        bucket: bucketId,
        objectLockEnabled: 'Enabled',
        rule: { defaultRetention: { mode: 'GOVERNANCE', days: args.objectLockRetentionDays } },
      },
      { ...data, dependsOn: [versioning] },
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      {
        bucket: bucketId,
        rules: [
          {
            applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: this.key.arn },
            // One data key per bucket instead of per object: far fewer KMS calls on multi-GB uploads.
            bucketKeyEnabled: true,
          },
        ],
      },
      data,
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      {
        bucket: bucketId,
        rules: [
          {
            id: 'expire-noncurrent-versions',
            status: 'Enabled',
            filter: {},
            noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionExpirationDays },
            expiration: { expiredObjectDeleteMarker: true },
          },
          {
            id: 'abort-incomplete-uploads',
            status: 'Enabled',
            filter: {},
            abortIncompleteMultipartUpload: { daysAfterInitiation: INCOMPLETE_UPLOAD_DAYS },
          },
        ],
      },
      // Lifecycle rules on noncurrent versions need versioning on first.
      { ...data, dependsOn: [versioning] },
    );
    // Role ARNs are known before the roles exist, so the policies need not wait for them.
    const roleArn = (id: string) => pulumi.interpolate`arn:aws:iam::${args.accountId}:role/${args.namePrefix}-registry-${id}`;
    const writers: RegistryWriters = {
      publishers: args.publisherPrincipalArns.length > 0 ? [roleArn('publisher')] : [],
      breakGlass: args.breakGlassPrincipalArns.length > 0 ? [roleArn('break-glass')] : [],
    };
    new aws.s3.BucketPolicy(
      `${name}-policy`,
      {
        bucket: bucketId,
        policy: pulumi.jsonStringify({ Version: '2012-10-17', Statement: registryBucketStatements(this.bucket.arn, writers) }),
      },
      // The public access block must exist before any bucket policy is evaluated against it.
      { ...data, dependsOn: [publicAccess] },
    );

    this.table = new aws.dynamodb.Table(
      `${name}-table`,
      {
        name: `${args.namePrefix}-model-versions`,
        billingMode: 'PAY_PER_REQUEST',
        hashKey: 'model_name',
        rangeKey: 'version',
        attributes: [
          { name: 'model_name', type: 'S' },
          { name: 'version', type: 'S' },
        ],
        pointInTimeRecovery: { enabled: true },
        serverSideEncryption: { enabled: true, kmsKeyArn: this.key.arn },
        deletionProtectionEnabled: true,
      },
      data,
    );
    new aws.dynamodb.ResourcePolicy(
      `${name}-table-policy`,
      {
        resourceArn: this.table.arn,
        policy: pulumi.jsonStringify({ Version: '2012-10-17', Statement: registryTableStatements(this.table.arn, writers) }),
      },
      data,
    );

    const read = registryReadStatements(this.bucket.arn, this.table.arn, this.key.arn, args.region);
    this.reader = new PodIdentityRole(
      `${name}-reader`,
      { clusterName: args.clusterName, accountId: args.accountId, serviceAccounts: args.readerServiceAccounts, statements: read },
      { parent: this },
    );

    const role = (id: 'publisher' | 'break-glass', principals: readonly string[], description: string, statements: PolicyStatement[]) => {
      if (principals.length === 0) return undefined;
      const r = new aws.iam.Role(
        `${name}-${id}`,
        { name: `${args.namePrefix}-registry-${id}`, description, assumeRolePolicy: assumableBy(principals), maxSessionDuration: 3600 },
        { parent: this },
      );
      new aws.iam.RolePolicy(`${name}-${id}`, { role: r.name, policy: policyDocument(statements) }, { parent: this });
      return r;
    };
    this.publisher = role(
      'publisher',
      args.publisherPrincipalArns,
      `${args.namePrefix} CI publisher: publishes and promotes model versions`,
      registryWriteStatements(this.bucket.arn, this.table.arn, this.key.arn, args.region),
    );
    this.breakGlass = role(
      'break-glass',
      args.breakGlassPrincipalArns,
      `${args.namePrefix} break-glass: deletes or replaces published model versions`,
      registryBreakGlassStatements(this.bucket.arn, this.table.arn, this.key.arn, args.region),
    );

    this.registerOutputs({ bucket: this.bucket.bucket, table: this.table.name });
  }
}
