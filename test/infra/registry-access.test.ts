/**
 * The registry's guards against the registry client that has to live with them: bench/registry
 * publishes (also a failed publish that rolls back), promotes, resolves and verifies against
 * s3rver and dynalite while every AWS call is recorded; each call is then judged as IAM would
 * judge it with the stack's policies (the publisher role's policy, the bucket policy, the table's
 * resource policy). The publisher may do all of it; nobody else may write; only break-glass may
 * remove a version.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BUCKET, IMAGE, MiB, beforeS3Command, bytes, localRegistry, makeModelDir, rejection } from '../bench/registry/support/fixtures';
import { startLocalAws, type LocalAws } from '../bench/registry/support/servers';
import { type IamRequest, type Statement, decide, statementsOf } from './support/iam';
import { ACCOUNT_ID, type CapturedResource, TODAY, byName, runStack } from './support/stack';

const CI_ROLE = `arn:aws:iam::${ACCOUNT_ID}:role/ci-publish`;
const ADMIN_ROLE = `arn:aws:iam::${ACCOUNT_ID}:role/platform-admin`;
const PUBLISHER = `arn:aws:iam::${ACCOUNT_ID}:role/llm-platform-dev-registry-publisher`;
const BREAK_GLASS = `arn:aws:iam::${ACCOUNT_ID}:role/llm-platform-dev-registry-break-glass`;
const STACK_BUCKET = `llm-platform-dev-models-${ACCOUNT_ID}-us-east-1`;
const BUCKET_ARN = `arn:aws:s3:::${STACK_BUCKET}`;
const TABLE_ARN = `arn:aws:dynamodb:us-east-1:${ACCOUNT_ID}:table/llm-platform-dev-model-versions`;
const KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT_ID}:key/registry-key-id`;
const VIA_S3 = { 'kms:ViaService': 's3.us-east-1.amazonaws.com' };
/** An administrator's identity policy: everything. Only resource policies can stop it. */
const ADMIN: Statement[] = [{ Effect: 'Allow', Action: '*', Resource: '*' }];

interface Recorded {
  readonly command: string;
  readonly input: Record<string, unknown>;
}

/** The part of an SDK client's middleware stack the recorder uses (S3 and DynamoDB stacks differ in types only). */
interface Recordable {
  readonly middlewareStack: {
    add(
      middleware: (
        next: (args: { input: unknown }) => Promise<unknown>,
        context: { commandName?: string },
      ) => (args: { input: unknown }) => Promise<unknown>,
      options: { step: 'initialize'; name: string },
    ): void;
  };
}

function record(client: S3Client | DynamoDBDocumentClient, onCall: (r: Recorded) => void): void {
  (client as unknown as Recordable).middlewareStack.add(
    (next, context) => async (args) => {
      onCall({ command: context.commandName ?? '?', input: args.input as Record<string, unknown> });
      return next(args);
    },
    { step: 'initialize', name: 'recordForIam' },
  );
}

const S3_ACTIONS: Record<string, string> = {
  PutObjectCommand: 's3:PutObject',
  CreateMultipartUploadCommand: 's3:PutObject',
  UploadPartCommand: 's3:PutObject',
  CompleteMultipartUploadCommand: 's3:PutObject',
  AbortMultipartUploadCommand: 's3:AbortMultipartUpload',
  GetObjectCommand: 's3:GetObject',
  HeadObjectCommand: 's3:GetObject',
  DeleteObjectsCommand: 's3:DeleteObject',
  ListObjectsV2Command: 's3:ListBucket',
};
const DDB_ACTIONS: Record<string, string> = {
  PutCommand: 'dynamodb:PutItem',
  PutItemCommand: 'dynamodb:PutItem',
  UpdateCommand: 'dynamodb:UpdateItem',
  UpdateItemCommand: 'dynamodb:UpdateItem',
  DeleteCommand: 'dynamodb:DeleteItem',
  DeleteItemCommand: 'dynamodb:DeleteItem',
  GetCommand: 'dynamodb:GetItem',
  GetItemCommand: 'dynamodb:GetItem',
  QueryCommand: 'dynamodb:Query',
  ScanCommand: 'dynamodb:Scan',
};

/** The IAM requests one recorded call makes, on the stack's bucket, table and key. */
function requestsOf(r: Recorded, principalArn: string): IamRequest[] {
  const s3 = S3_ACTIONS[r.command];
  if (s3) {
    const keys =
      r.command === 'DeleteObjectsCommand'
        ? (r.input.Delete as { Objects: { Key: string }[] }).Objects.map((o) => o.Key)
        : [typeof r.input.Key === 'string' ? r.input.Key : ''];
    if (s3 === 's3:ListBucket') {
      return [
        {
          principalArn,
          action: s3,
          resource: BUCKET_ARN,
          context: { 's3:prefix': typeof r.input.Prefix === 'string' ? r.input.Prefix : '' },
        },
      ];
    }
    const objects = keys.map((k) => ({ principalArn, action: s3, resource: `${BUCKET_ARN}/${k}` }));
    // SSE-KMS with a bucket key: writes ask KMS for a data key, reads for a decrypt, through S3.
    const kms = s3 === 's3:PutObject' ? 'kms:GenerateDataKey' : s3 === 's3:GetObject' ? 'kms:Decrypt' : undefined;
    return kms ? [...objects, { principalArn, action: kms, resource: KEY_ARN, context: VIA_S3 }] : objects;
  }
  const ddb = DDB_ACTIONS[r.command];
  if (ddb) return [{ principalArn, action: ddb, resource: TABLE_ARN }];
  throw new Error(`recorded ${r.command}, which the test does not map to IAM actions; add it`);
}

let aws: LocalAws;
let resources: CapturedResource[];
let publisher: Statement[];
let breakGlass: Statement[];
let resourcePolicies: Statement[];
const calls: Recorded[] = [];

beforeAll(async () => {
  vi.useFakeTimers({ toFake: ['Date'], now: TODAY });
  const run = await runStack('dev', {
    settings: { registry: { publisherPrincipalArns: [CI_ROLE], breakGlassPrincipalArns: [ADMIN_ROLE] } },
  });
  vi.useRealTimers();
  resources = run.resources;
  publisher = statementsOf(byName(resources, 'aws:iam/rolePolicy:RolePolicy', 'registry-publisher').inputs.policy);
  breakGlass = statementsOf(byName(resources, 'aws:iam/rolePolicy:RolePolicy', 'registry-break-glass').inputs.policy);
  resourcePolicies = [
    ...statementsOf(byName(resources, 'aws:s3/bucketPolicy:BucketPolicy', 'registry-policy').inputs.policy),
    ...statementsOf(byName(resources, 'aws:dynamodb/resourcePolicy:ResourcePolicy', 'registry-table-policy').inputs.policy),
  ];

  aws = await startLocalAws();
  await aws.createRegistryStore(BUCKET, 'llm-registry-test');
  // A short heartbeat interval, and the upload held until one beat went out, so the claim refresh is exercised too.
  const { registry, s3, ddb } = localRegistry(aws, { heartbeatIntervalMs: 5 });
  let beat: () => void = () => undefined;
  const heartbeatSent = new Promise<void>((resolve) => (beat = resolve));
  record(s3, (r) => calls.push(r));
  record(ddb, (r) => {
    calls.push(r);
    if (DDB_ACTIONS[r.command] === 'dynamodb:UpdateItem') beat();
  });
  const dir = await makeModelDir(aws, { 'config.json': '{}', 'model.safetensors': bytes(11 * MiB, 5) });

  // A publish that fails mid-upload and rolls back (deletes its objects and its claim)...
  let failing = true;
  beforeS3Command(s3, async (command, input) => {
    if (failing && command === 'UploadPartCommand' && input.PartNumber === 2)
      throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
    if (!failing && command === 'CompleteMultipartUploadCommand') await heartbeatSent;
  });
  await rejection(registry.publish({ model: 'mistral-7b-awq', version: '1.0.0', path: dir, image: IMAGE }));
  failing = false;
  // ...then the publishes, promotes, a rollback promote, reads and a verify CI runs.
  await registry.publish({ model: 'mistral-7b-awq', version: '1.0.0', path: dir, image: IMAGE });
  await registry.publish({ model: 'mistral-7b-awq', version: '1.1.0', path: dir, image: IMAGE });
  await registry.promote({ model: 'mistral-7b-awq', version: '1.0.0', env: 'prod' });
  await registry.promote({ model: 'mistral-7b-awq', version: '1.1.0', env: 'prod' });
  await registry.promote({ model: 'mistral-7b-awq', version: '1.0.0', env: 'prod' });
  await registry.resolve({ model: 'mistral-7b-awq', env: 'prod', previous: true });
  await registry.list('mistral-7b-awq');
  await registry.list();
  expect((await registry.verify('mistral-7b-awq', '1.1.0')).ok).toBe(true);
});

afterAll(async () => {
  await aws?.stop();
});

describe('the registry client under the stack policies', () => {
  it('exercised every kind of call publish, rollback, promote, list and verify make', () => {
    const kinds = new Set(calls.map((c) => c.command));
    for (const k of [
      'CreateMultipartUploadCommand',
      'UploadPartCommand',
      'CompleteMultipartUploadCommand',
      'PutObjectCommand',
      'DeleteObjectsCommand',
      'ListObjectsV2Command',
      'GetObjectCommand',
    ]) {
      expect(kinds.has(k), k).toBe(true);
    }
    const ddb = new Set(calls.map((c) => DDB_ACTIONS[c.command]).filter(Boolean));
    expect([...ddb].sort(), [...kinds].join(' ')).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:Scan',
      'dynamodb:UpdateItem',
    ]);
  });

  it('lets the publisher role make every one of those calls', () => {
    const refused = calls
      .flatMap((c) => requestsOf(c, PUBLISHER))
      .map((req) => ({ req, verdict: decide(req, publisher, resourcePolicies) }))
      .filter((x) => x.verdict !== 'allowed')
      .map((x) => `${x.req.action} ${x.req.resource}: ${x.verdict}`);
    expect([...new Set(refused)]).toEqual([]);
  });

  it('keeps published items append-only: every table write the client sends carries a condition', () => {
    const writes = calls.filter((c) =>
      ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'].includes(DDB_ACTIONS[c.command] ?? ''),
    );
    expect(writes.length).toBeGreaterThan(5);
    for (const w of writes) expect(typeof w.input.ConditionExpression, w.command).toBe('string');
  });

  it('refuses every write to anyone but the publisher and break-glass, even an administrator', () => {
    const writes = calls
      .flatMap((c) => requestsOf(c, ADMIN_ROLE))
      .filter((r) => /^(s3:(PutObject|DeleteObject)|dynamodb:(PutItem|UpdateItem|DeleteItem))$/.test(r.action));
    expect(writes.length).toBeGreaterThan(0);
    for (const req of writes) expect(decide(req, ADMIN, resourcePolicies), `${req.action} ${req.resource}`).toBe('denied');
  });

  it('lets only break-glass remove an object version or bypass governance retention', () => {
    const key = `${BUCKET_ARN}/models/mistral-7b-awq/v1.0.0/model.safetensors`;
    for (const action of ['s3:DeleteObjectVersion', 's3:BypassGovernanceRetention', 's3:PutObjectRetention']) {
      expect(decide({ principalArn: PUBLISHER, action, resource: key }, publisher, resourcePolicies), `publisher ${action}`).not.toBe(
        'allowed',
      );
      expect(decide({ principalArn: ADMIN_ROLE, action, resource: key }, ADMIN, resourcePolicies), `admin ${action}`).toBe('denied');
      expect(decide({ principalArn: BREAK_GLASS, action, resource: key }, breakGlass, resourcePolicies), `break-glass ${action}`).toBe(
        'allowed',
      );
    }
  });

  it('denies batch and PartiQL writes, which cannot carry the client conditions, to the publisher', () => {
    for (const action of ['dynamodb:BatchWriteItem', 'dynamodb:PartiQLUpdate', 'dynamodb:PartiQLDelete']) {
      expect(decide({ principalArn: PUBLISHER, action, resource: TABLE_ARN }, ADMIN, resourcePolicies), action).toBe('denied');
    }
  });

  it('uses the registry key only through S3 and DynamoDB', () => {
    expect(decide({ principalArn: PUBLISHER, action: 'kms:Decrypt', resource: KEY_ARN }, publisher, resourcePolicies)).toBe('not allowed');
    expect(
      decide({ principalArn: PUBLISHER, action: 'kms:Decrypt', resource: KEY_ARN, context: VIA_S3 }, publisher, resourcePolicies),
    ).toBe('allowed');
  });

  it('trusts only the configured principals with the publisher and break-glass roles', () => {
    const trust = (name: string) => statementsOf(byName(resources, 'aws:iam/role:Role', name).inputs.assumeRolePolicy);
    expect(trust('registry-publisher').map((s) => s.Principal)).toEqual([{ AWS: [CI_ROLE] }]);
    expect(trust('registry-break-glass').map((s) => s.Principal)).toEqual([{ AWS: [ADMIN_ROLE] }]);
  });
});
