/**
 * The `aws:` stack config keys the AWS provider reads, and the kind of value each takes. Plain
 * data; imports nothing.
 *
 * Source: @pulumi/aws 7.48.0 (the version package.json pins), `config/vars.d.ts` — one export per
 * provider config key — read 2026-12-06. test/stacks/facts.test.ts checks this list against the
 * installed package, so an upgrade that adds or renames a key fails a test instead of turning a
 * valid key into an error (or a typo into a silent no-op).
 */

/** How a key's value is written in a stack file. */
export type AwsConfigKind = 'string' | 'boolean' | 'number' | 'list' | 'mapping';

export const PULUMI_AWS_VERSION = '7.48.0';

export const AWS_CONFIG_KEYS: Readonly<Record<string, AwsConfigKind>> = {
  accessKey: 'string',
  allowedAccountIds: 'list',
  assumeRoleWithWebIdentity: 'mapping',
  assumeRoles: 'list',
  customCaBundle: 'string',
  defaultTags: 'mapping',
  ec2MetadataServiceEndpoint: 'string',
  ec2MetadataServiceEndpointMode: 'string',
  endpoints: 'list',
  forbiddenAccountIds: 'list',
  httpProxy: 'string',
  httpsProxy: 'string',
  ignoreTags: 'mapping',
  insecure: 'boolean',
  maxRetries: 'number',
  noProxy: 'string',
  profile: 'string',
  region: 'string',
  retryMode: 'string',
  s3UsEast1RegionalEndpoint: 'string',
  s3UsePathStyle: 'boolean',
  secretKey: 'string',
  sharedConfigFiles: 'list',
  sharedCredentialsFiles: 'list',
  skipCredentialsValidation: 'boolean',
  skipMetadataApiCheck: 'boolean',
  skipRegionValidation: 'boolean',
  skipRequestingAccountId: 'boolean',
  stsRegion: 'string',
  tagPolicyCompliance: 'string',
  token: 'string',
  tokenBucketRateLimiterCapacity: 'number',
  useDualstackEndpoint: 'boolean',
  useFipsEndpoint: 'boolean',
  userAgents: 'list',
};

/**
 * An AWS region name as the provider validates it (`us-east-1`, `eu-central-2`,
 * `us-gov-west-1`, `cn-north-1`, `ap-southeast-7`).
 */
export const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
