/**
 * The model registry: an S3 bucket for model files and a DynamoDB table of versions
 * (`model_name` + `version`), both encrypted with their own rotating KMS key, plus a read-only
 * role for the model pods and a read-write role for the CI publisher.
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
  /** Who may assume the publisher role; empty: principals of this account allowed by their own policy. */
  readonly publisherPrincipalArns: readonly string[];
}

/** The IAM statements of the registry's read-only role. */
export function registryReadStatements(bucketArn: pulumi.Input<string>, tableArn: pulumi.Input<string>, keyArn: pulumi.Input<string>): PolicyStatement[] {
  return [
    { Sid: 'ReadModelFiles', Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: [pulumi.interpolate`${bucketArn}/${MODEL_PREFIX}*`] },
    {
      Sid: 'ListModelFiles',
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: [bucketArn],
      Condition: { StringLike: { 's3:prefix': [MODEL_PREFIX, `${MODEL_PREFIX}*`] } },
    },
    { Sid: 'ReadVersions', Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:Query'], Resource: [tableArn] },
    { Sid: 'DecryptRegistry', Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [keyArn] },
  ];
}

/**
 * The IAM statements of the registry's read-write (publisher) role: what the registry client
 * (bench/registry) needs to publish, roll back a failed publish, list, promote and verify.
 * Deletes are safe to grant: the bucket is versioned, so a delete only writes a marker.
 */
export function registryWriteStatements(bucketArn: pulumi.Input<string>, tableArn: pulumi.Input<string>, keyArn: pulumi.Input<string>): PolicyStatement[] {
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
    { Sid: 'UseRegistryKey', Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: [keyArn] },
  ];
}

/** S3 bucket + DynamoDB table + KMS key, and the roles that read and publish models. */
export class ModelRegistry extends pulumi.ComponentResource {
  readonly key: aws.kms.Key;
  readonly bucket: aws.s3.Bucket;
  readonly table: aws.dynamodb.Table;
  readonly reader: PodIdentityRole;
  readonly publisher: aws.iam.Role;

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
    new aws.s3.BucketPolicy(
      `${name}-policy`,
      {
        bucket: bucketId,
        policy: pulumi.jsonStringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'DenyInsecureTransport',
              Effect: 'Deny',
              Principal: '*',
              Action: 's3:*',
              Resource: [this.bucket.arn, pulumi.interpolate`${this.bucket.arn}/*`],
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
            {
              Sid: 'DenyOldTls',
              Effect: 'Deny',
              Principal: '*',
              Action: 's3:*',
              Resource: [this.bucket.arn, pulumi.interpolate`${this.bucket.arn}/*`],
              Condition: { NumericLessThan: { 's3:TlsVersion': '1.2' } },
            },
          ],
        }),
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

    const read = registryReadStatements(this.bucket.arn, this.table.arn, this.key.arn);
    this.reader = new PodIdentityRole(
      `${name}-reader`,
      { clusterName: args.clusterName, accountId: args.accountId, serviceAccounts: args.readerServiceAccounts, statements: read },
      { parent: this },
    );

    const trusted = args.publisherPrincipalArns.length > 0 ? [...args.publisherPrincipalArns] : [pulumi.interpolate`arn:aws:iam::${args.accountId}:root`];
    this.publisher = new aws.iam.Role(
      `${name}-publisher`,
      {
        description: `${args.namePrefix} CI publisher: uploads model versions to the registry`,
        assumeRolePolicy: pulumi.jsonStringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { AWS: trusted }, Action: ['sts:AssumeRole'] }],
        }),
        maxSessionDuration: 3600,
      },
      { parent: this },
    );
    new aws.iam.RolePolicy(
      `${name}-publisher`,
      { role: this.publisher.name, policy: policyDocument(registryWriteStatements(this.bucket.arn, this.table.arn, this.key.arn)) },
      { parent: this },
    );

    this.registerOutputs({ bucket: this.bucket.bucket, table: this.table.name });
  }
}
