/**
 * The model registry client: publishes model files to S3 under an immutable semantic version,
 * records each version and each environment's promoted version in DynamoDB, and verifies
 * stored objects against their manifest.
 *
 * Consistency protocol (bench/registry/README.md has the long form):
 * 1. publish claims the version with a conditional put of a `status: uploading` item;
 * 2. it empties the version's prefix (leftovers of a crashed attempt), uploads the files,
 *    hashing while reading, then writes MANIFEST.json last and checks the listing;
 * 3. it flips the item to `ready` only if it is still `uploading` under its own claim id;
 * 4. on failure it deletes its objects and its claim, but only while it still owns the claim;
 * 5. a claim refreshes `heartbeat_at`; one silent for `staleAfterMs`, or any with
 *    `forceReclaim`, can be taken over, and the old owner stops at its next heartbeat.
 * Readers (show, resolve, verify, promote) accept only `ready` versions.
 */
import { randomUUID, createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { AWS_LIMITS, REGISTRY_DEFAULTS } from './defaults';
import { usageErrors } from '../errors';
import { MAX_TIMER_MS } from '../limits';
import { RegistryError, isConditionFailure, toRegistryError } from './errors';
import { scanModelDir, type SourceFile } from './files';
import {
  ENV_KEY_PREFIX,
  MANIFEST_FILE,
  envItemSchema,
  parseItem,
  serializeManifest,
  toEnvPointer,
  toPendingVersion,
  toReadyVersion,
  versionItemSchema,
  type EnvItem,
  type EnvPointer,
  type Manifest,
  type ManifestFile,
  type PendingVersion,
  type ReadyItem,
  type ReadyVersion,
  type UploadingItem,
  type VersionEntry,
  type VersionItem,
} from './model';
import {
  checkEnvName,
  checkImageRef,
  checkModelName,
  checkVersion,
  compareVersions,
  formatDurationMs,
  registryModelUri,
  versionPrefix,
} from './names';
import { deletePrefix, hashObject, listPrefix, putSmallObject, readSmallObject, uploadFile } from './objects';
import { mapPool } from './pool';

/** Where the registry lives and the clients that reach it. */
export interface ModelRegistryProps {
  /** The registry bucket (versioned, SSE-KMS in the platform's infra). */
  readonly bucket: string;
  /** The registry table: hash key `model_name` (S), range key `version` (S). */
  readonly table: string;
  readonly s3: S3Client;
  readonly ddb: DynamoDBDocumentClient;
  /**
   * Multipart part size in bytes, at least 5 MiB.
   * @default REGISTRY_DEFAULTS.partSizeBytes (16 MiB, raised per file to stay within 10,000 parts)
   */
  readonly partSizeBytes?: number;
  /** @default REGISTRY_DEFAULTS.partConcurrency */
  readonly partConcurrency?: number;
  /** @default REGISTRY_DEFAULTS.fileConcurrency */
  readonly fileConcurrency?: number;
  /** @default REGISTRY_DEFAULTS.verifyConcurrency */
  readonly verifyConcurrency?: number;
  /** @default REGISTRY_DEFAULTS.heartbeatIntervalMs */
  readonly heartbeatIntervalMs?: number;
  /**
   * Age of a claim's heartbeat beyond which `list` marks it stale and publish takes it over.
   * @default REGISTRY_DEFAULTS.staleAfterMs
   */
  readonly staleAfterMs?: number;
  /**
   * How long each request of a failed or cancelled publish's cleanup may take (reading the claim,
   * deleting the objects and the claim).
   * @default REGISTRY_DEFAULTS.rollbackRequestTimeoutMs
   */
  readonly cleanupTimeoutMs?: number;
  /** @default - the system clock */
  readonly now?: () => Date;
}

/** What to publish. */
export interface PublishRequest {
  readonly model: string;
  readonly version: string;
  /** Directory holding the model files; every regular file under it is published. */
  readonly path: string;
  /** vLLM image the version is published for: a tag (not `latest`) or a sha256 digest. */
  readonly image: string;
  /** @default - none */
  readonly vllmArgs?: readonly string[];
  /**
   * Take over an `uploading` claim whatever its heartbeat age. Only for a publisher known to
   * be dead: a live one is stopped at its next heartbeat and its work discarded.
   * @default false
   */
  readonly forceReclaim?: boolean;
  /**
   * Take over an `uploading` claim whose heartbeat is older than this; at least twice the
   * heartbeat interval, so a live publisher is never taken over for a late beat.
   * @default - the registry's staleAfterMs
   */
  readonly staleAfterMs?: number;
  /** Called as publish progresses, e.g. to print per-file lines. */
  readonly onProgress?: (event: PublishEvent) => void;
  /** Cancels the publish; it then rolls back like any failure. */
  readonly signal?: AbortSignal;
}

/** Progress of a publish. */
export type PublishEvent =
  | { readonly type: 'claimed'; readonly claimId: string; readonly reclaimed?: PendingVersion }
  | { readonly type: 'cleaned'; readonly objects: number }
  | { readonly type: 'uploaded'; readonly file: ManifestFile; readonly done: number; readonly total: number }
  | { readonly type: 'ready'; readonly version: ReadyVersion };

/** A published version and, when publish took over a dead publisher's claim, that claim. */
export interface PublishResult {
  readonly version: ReadyVersion;
  readonly reclaimed?: PendingVersion;
}

/** Everything the table holds about one model. */
export interface ModelListing {
  readonly model: string;
  /** Ready and in-flight versions, in semver order. */
  readonly versions: readonly VersionEntry[];
  /** Environments, by name. */
  readonly envs: readonly EnvPointer[];
}

/** What to promote. */
export interface PromoteRequest {
  readonly model: string;
  readonly version: string;
  readonly env: string;
  /**
   * The environment revision the caller decided on (0 = never promoted). When set, the promote
   * fails if the environment moved since, even before this call read it.
   * @default - the revision this call reads
   */
  readonly expectedRevision?: number;
}

/** The outcome of a promote. */
export interface Promotion {
  readonly pointer: EnvPointer;
  /** False when the environment already ran that version: nothing was written. */
  readonly changed: boolean;
}

/** What an environment runs, or ran before its last promote. */
export interface Resolution {
  readonly model: string;
  readonly env: string;
  readonly version: string;
  readonly uri: string;
  /** True when this is the environment's previous version (the rollback target). */
  readonly previous: boolean;
  readonly revision: number;
}

/** One difference between S3 and a version's manifest. */
export interface VerifyProblem {
  readonly path: string;
  /** missing: in the manifest, not in S3; mismatch: different bytes; extra: in S3 only. */
  readonly kind: 'missing' | 'mismatch' | 'extra';
  /** What the table records; MANIFEST.json has only its hash there, no size. */
  readonly expected?: { readonly size?: number; readonly sha256: string };
  readonly actual?: { readonly size: number; readonly sha256?: string };
}

/** The result of re-hashing a version's objects. */
export interface VerifyReport {
  readonly model: string;
  readonly version: string;
  readonly uri: string;
  /** Files of the manifest checked, plus MANIFEST.json itself. */
  readonly checkedFiles: number;
  readonly ok: boolean;
  /** Sorted by path. */
  readonly problems: readonly VerifyProblem[];
}

/** Settings resolved once from the props. */
interface Settings {
  readonly partSizeBytes: number;
  readonly partConcurrency: number;
  readonly fileConcurrency: number;
  readonly verifyConcurrency: number;
  readonly heartbeatIntervalMs: number;
  readonly staleAfterMs: number;
  readonly cleanupTimeoutMs: number;
}

/** How often publish retries the claim when the item changes under it (deleted, taken over). */
const CLAIM_ATTEMPTS = 3;
/** DynamoDB attribute overhead per file entry and per item, for the item size estimate. */
const ITEM_BYTES_PER_FILE = 120;
const ITEM_BYTES_BASE = 2_000;

function checkStaleAfter(staleAfterMs: number, heartbeatIntervalMs: number): string | undefined {
  if (staleAfterMs >= 2 * heartbeatIntervalMs) return undefined;
  return (
    `stale-after must be at least twice the heartbeat interval (${formatDurationMs(heartbeatIntervalMs)}), got ${formatDurationMs(staleAfterMs)}; ` +
    'a shorter rule would take over live publishes'
  );
}

/**
 * Client for the S3 + DynamoDB model registry.
 *
 * Versions are immutable: a version is published once, and only `ready` versions are ever
 * shown, resolved, verified or promoted. Environments point at a version with an optimistic
 * lock, keeping the one before for rollback.
 */
export class ModelRegistry {
  readonly bucket: string;
  readonly table: string;
  private readonly s3: S3Client;
  private readonly ddb: DynamoDBDocumentClient;
  private readonly settings: Settings;
  private readonly now: () => Date;

  constructor(props: ModelRegistryProps) {
    const settings: Settings = {
      partSizeBytes: props.partSizeBytes ?? REGISTRY_DEFAULTS.partSizeBytes,
      partConcurrency: props.partConcurrency ?? REGISTRY_DEFAULTS.partConcurrency,
      fileConcurrency: props.fileConcurrency ?? REGISTRY_DEFAULTS.fileConcurrency,
      verifyConcurrency: props.verifyConcurrency ?? REGISTRY_DEFAULTS.verifyConcurrency,
      heartbeatIntervalMs: props.heartbeatIntervalMs ?? REGISTRY_DEFAULTS.heartbeatIntervalMs,
      staleAfterMs: props.staleAfterMs ?? REGISTRY_DEFAULTS.staleAfterMs,
      cleanupTimeoutMs: props.cleanupTimeoutMs ?? REGISTRY_DEFAULTS.rollbackRequestTimeoutMs,
    };
    const problems: string[] = [];
    if (props.bucket === '') problems.push('bucket must be set, got an empty name; pass --bucket or set LLM_REGISTRY_BUCKET');
    if (props.table === '') problems.push('table must be set, got an empty name; pass --table or set LLM_REGISTRY_TABLE');
    if (
      !Number.isInteger(settings.partSizeBytes) ||
      settings.partSizeBytes < AWS_LIMITS.minPartSizeBytes ||
      settings.partSizeBytes > AWS_LIMITS.maxPartSizeBytes
    ) {
      problems.push(
        `partSizeBytes must be an integer from ${AWS_LIMITS.minPartSizeBytes} (5 MiB) to ${AWS_LIMITS.maxPartSizeBytes} (5 GiB), got ${settings.partSizeBytes}; S3 rejects other part sizes`,
      );
    }
    for (const key of ['partConcurrency', 'fileConcurrency', 'verifyConcurrency'] as const) {
      if (!Number.isInteger(settings[key]) || settings[key] < 1)
        problems.push(`${key} must be a positive integer, got ${settings[key]}; use 1 or more`);
    }
    if (!(settings.heartbeatIntervalMs > 0))
      problems.push(`heartbeatIntervalMs must be positive, got ${settings.heartbeatIntervalMs}; use e.g. 30000`);
    if (problems.length > 0) throw usageErrors(problems);
    const staleProblem = checkStaleAfter(settings.staleAfterMs, settings.heartbeatIntervalMs);
    if (!(settings.cleanupTimeoutMs > 0 && settings.cleanupTimeoutMs <= MAX_TIMER_MS)) {
      problems.push(`cleanupTimeoutMs must be from 1 to ${MAX_TIMER_MS}, got ${settings.cleanupTimeoutMs}; use e.g. 5000`);
    }
    if (staleProblem !== undefined) problems.push(staleProblem);
    if (problems.length > 0) throw usageErrors(problems);
    this.bucket = props.bucket;
    this.table = props.table;
    this.s3 = props.s3;
    this.ddb = props.ddb;
    this.settings = settings;
    this.now = props.now ?? (() => new Date());
  }

  /** The S3 URI of a version of a model in this registry's bucket. */
  uri(model: string, version: string): string {
    return registryModelUri(this.bucket, model, version);
  }

  /**
   * Publishes a model directory as an immutable version and returns it once `ready`.
   *
   * Fails with `conflict` if the version exists (ready, or claimed by a live publisher), with
   * `source_changed` if a file changes during the upload, with `claim_lost` if another
   * publisher took the claim over. On any failure nothing `ready` points at partial files,
   * and the objects and the claim are removed while this publisher still owns the claim.
   */
  async publish(request: PublishRequest): Promise<PublishResult> {
    const { model, version } = request;
    const vllmArgs = request.vllmArgs ?? [];
    const staleAfterMs = request.staleAfterMs ?? this.settings.staleAfterMs;
    const problems = [
      checkModelName(model),
      checkVersion(version),
      checkImageRef(request.image),
      this.checkStaleAfter(staleAfterMs),
    ].filter((p) => p !== undefined);
    if (problems.length > 0) throw usageErrors(problems);
    const prefix = versionPrefix(model, version);
    const files = await scanModelDir(request.path, prefix);
    this.checkItemSize(
      files.map((file) => file.path),
      vllmArgs,
    );

    let claimed: { claim: UploadingItem; reclaimed?: PendingVersion };
    try {
      // The caller's signal ends a hung claim too: nothing is held yet, so nothing to roll back.
      claimed = await this.claim(model, version, request.forceReclaim ?? false, staleAfterMs, request.signal);
    } catch (error) {
      throw toRegistryError(
        request.signal?.aborted === true && request.signal.reason instanceof RegistryError ? request.signal.reason : error,
        `claim of model ${model} version ${version}`,
      );
    }
    const { claim, reclaimed } = claimed;
    request.onProgress?.({ type: 'claimed', claimId: claim.claim_id, ...(reclaimed === undefined ? {} : { reclaimed }) });

    const abort = new AbortController();
    const onCallerAbort = () => abort.abort(request.signal?.reason);
    request.signal?.addEventListener('abort', onCallerAbort, { once: true });
    if (request.signal?.aborted) abort.abort(request.signal.reason);
    const heartbeat = this.startHeartbeat(claim, abort);
    try {
      const { manifest, body } = await this.upload(request, prefix, files, abort);
      await heartbeat.stop();
      abort.signal.throwIfAborted();
      const ready = this.readyItem(claim, manifest, body);
      await this.markReady(ready, abort.signal);
      const result = toReadyVersion(ready);
      request.onProgress?.({ type: 'ready', version: result });
      return { version: result, ...(reclaimed === undefined ? {} : { reclaimed }) };
    } catch (error) {
      await heartbeat.stop();
      // A lost claim aborts the uploads; report that rather than the abort it caused.
      const cause = abort.signal.reason instanceof RegistryError ? abort.signal.reason : error;
      const failure = toRegistryError(cause, `publish of model ${model} version ${version}`);
      const rollback = await this.rollback(claim, prefix);
      failure.message += rollback;
      throw failure;
    } finally {
      request.signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  /**
   * Deletes what an earlier attempt left under `prefix`, uploads every file, then MANIFEST.json
   * (last: a prefix with a manifest had all its files written first), and checks what S3 holds.
   */
  private async upload(
    request: PublishRequest,
    prefix: string,
    files: readonly SourceFile[],
    abort: AbortController,
  ): Promise<{ readonly manifest: Manifest; readonly body: string }> {
    const cleaned = await deletePrefix(this.s3, this.bucket, prefix, abort.signal);
    if (cleaned > 0) request.onProgress?.({ type: 'cleaned', objects: cleaned });
    let done = 0;
    const uploaded = await mapPool(files, this.settings.fileConcurrency, abort, async (file, signal) => {
      const entry = await uploadFile(file, {
        s3: this.s3,
        bucket: this.bucket,
        key: prefix + file.path,
        partSizeBytes: this.settings.partSizeBytes,
        partConcurrency: this.settings.partConcurrency,
        signal,
      });
      request.onProgress?.({ type: 'uploaded', file: entry, done: ++done, total: files.length });
      return entry;
    });
    const manifest: Manifest = {
      manifestVersion: 1,
      model: request.model,
      version: request.version,
      createdAt: this.now().toISOString(),
      image: request.image,
      vllmArgs: [...(request.vllmArgs ?? [])],
      totalBytes: uploaded.reduce((sum, file) => sum + file.size, 0),
      files: uploaded,
    };
    const body = serializeManifest(manifest);
    await putSmallObject(this.s3, this.bucket, prefix + MANIFEST_FILE, body, abort.signal);
    await this.checkStored(prefix, manifest, abort.signal);
    return { manifest, body };
  }

  /** The table item that turns a claim into a ready version. */
  private readyItem(claim: UploadingItem, manifest: Manifest, body: string): ReadyItem {
    return {
      ...claim,
      status: 'ready',
      heartbeat_at: this.now().toISOString(),
      created_at: manifest.createdAt,
      published_at: this.now().toISOString(),
      image: manifest.image,
      vllm_args: [...manifest.vllmArgs],
      files: [...manifest.files],
      total_bytes: manifest.totalBytes,
      file_count: manifest.files.length,
      manifest_sha256: createHash('sha256').update(body).digest('hex'),
      s3_uri: this.uri(manifest.model, manifest.version),
    };
  }

  /** Lists every model (a table scan) or one model (a query), with in-flight claims and environments. */
  async list(model?: string): Promise<ModelListing[]> {
    if (model !== undefined) {
      const problem = checkModelName(model);
      if (problem !== undefined) throw usageErrors([problem]);
    }
    try {
      const items: Record<string, unknown>[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const page =
          model === undefined
            ? await this.ddb.send(new ScanCommand({ TableName: this.table, ConsistentRead: true, ExclusiveStartKey: startKey }))
            : await this.ddb.send(
                new QueryCommand({
                  TableName: this.table,
                  ConsistentRead: true,
                  KeyConditionExpression: 'model_name = :model',
                  ExpressionAttributeValues: { ':model': model },
                  ExclusiveStartKey: startKey,
                }),
              );
        items.push(...(page.Items ?? []));
        startKey = page.LastEvaluatedKey;
      } while (startKey !== undefined);

      const now = this.now();
      const byModel = new Map<string, { versions: VersionEntry[]; envs: EnvPointer[] }>();
      for (const item of items) {
        const name = String(item['model_name']);
        const entry = byModel.get(name) ?? { versions: [], envs: [] };
        byModel.set(name, entry);
        if (String(item['version']).startsWith(ENV_KEY_PREFIX)) {
          entry.envs.push(toEnvPointer(parseItem(envItemSchema, item)));
        } else {
          const parsed = parseItem(versionItemSchema, item);
          entry.versions.push(
            parsed.status === 'ready' ? toReadyVersion(parsed) : toPendingVersion(parsed, now, this.settings.staleAfterMs),
          );
        }
      }
      return [...byModel.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([name, entry]) => ({
          model: name,
          versions: entry.versions.sort((a, b) => compareVersions(a.version, b.version)),
          envs: entry.envs.sort((a, b) => (a.env < b.env ? -1 : a.env > b.env ? 1 : 0)),
        }));
    } catch (error) {
      throw toRegistryError(error, model === undefined ? 'list of the registry table' : `list of model ${model}`);
    }
  }

  /** Returns a ready version; fails with `not_found` when it is missing or still uploading. */
  async show(model: string, version: string): Promise<ReadyVersion> {
    const problems = [checkModelName(model), checkVersion(version)].filter((p) => p !== undefined);
    if (problems.length > 0) throw usageErrors(problems);
    try {
      return toReadyVersion(await this.getReady(model, version));
    } catch (error) {
      throw toRegistryError(error, `show of model ${model} version ${version}`);
    }
  }

  /**
   * Points an environment at a ready version, keeping the version it ran as `previous`.
   *
   * The write is conditional on the revision read (or `expectedRevision`), so of two promotes
   * racing from the same revision exactly one wins; the other fails with `stale_revision`.
   * Promoting the version an environment already runs changes nothing, so `previous` keeps
   * pointing at the real rollback target.
   */
  async promote(request: PromoteRequest): Promise<Promotion> {
    const { model, version, env, expectedRevision } = request;
    const problems = [checkModelName(model), checkVersion(version), checkEnvName(env)].filter((p) => p !== undefined);
    if (expectedRevision !== undefined && !(Number.isInteger(expectedRevision) && expectedRevision >= 0)) {
      problems.push(
        `expected revision must be a non-negative integer, got ${expectedRevision}; use the revision resolve prints, or 0 for a first promote`,
      );
    }
    if (problems.length > 0) throw usageErrors(problems);
    try {
      await this.getReady(model, version);
      const before = await this.getEnv(model, env);
      const observed = before?.revision ?? 0;
      if (expectedRevision !== undefined && expectedRevision !== observed) {
        throw new RegistryError(
          'stale_revision',
          `environment ${env} of model ${model} is at revision ${observed} (version ${before?.current ?? 'none'}), got expected revision ${expectedRevision}; ` +
            'someone promoted since you looked: resolve again and decide',
        );
      }
      if (before?.current === version) return { pointer: toEnvPointer(before), changed: false };

      const item: EnvItem = {
        model_name: model,
        version: ENV_KEY_PREFIX + env,
        kind: 'env',
        env,
        current: version,
        ...(before === undefined ? {} : { previous: before.current }),
        revision: observed + 1,
        promoted_at: this.now().toISOString(),
      };
      try {
        await this.ddb.send(
          new PutCommand({
            TableName: this.table,
            Item: item,
            ...(before === undefined
              ? { ConditionExpression: 'attribute_not_exists(#version)', ExpressionAttributeNames: { '#version': 'version' } }
              : {
                  ConditionExpression: '#revision = :observed',
                  ExpressionAttributeNames: { '#revision': 'revision' },
                  ExpressionAttributeValues: { ':observed': observed },
                }),
          }),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        const after = await this.getEnv(model, env);
        // An SDK retry of a put that did land fails its own condition: recognise our write.
        if (
          after !== undefined &&
          after.revision === item.revision &&
          after.current === version &&
          after.promoted_at === item.promoted_at
        ) {
          return { pointer: toEnvPointer(after), changed: true };
        }
        throw new RegistryError(
          'stale_revision',
          `promote of model ${model} version ${version} to ${env} lost a race, got revision ${after?.revision ?? 'none'} (version ${after?.current ?? 'none'}) where ${observed} was read; ` +
            'another promote landed first: resolve again and promote if still wanted',
        );
      }
      return { pointer: toEnvPointer(item), changed: true };
    } catch (error) {
      throw toRegistryError(error, `promote of model ${model} version ${version} to ${env}`);
    }
  }

  /**
   * The version an environment runs, or with `previous` the one it ran before (the rollback
   * target), with its S3 URI.
   */
  async resolve(request: { readonly model: string; readonly env: string; readonly previous?: boolean }): Promise<Resolution> {
    const { model, env } = request;
    const problems = [checkModelName(model), checkEnvName(env)].filter((p) => p !== undefined);
    if (problems.length > 0) throw usageErrors(problems);
    try {
      const pointer = await this.getEnv(model, env);
      if (pointer === undefined) {
        throw new RegistryError(
          'not_found',
          `environment ${env} of model ${model} has no promoted version, got no ${ENV_KEY_PREFIX}${env} item; promote a version first`,
        );
      }
      const version = request.previous ? pointer.previous : pointer.current;
      if (version === undefined) {
        throw new RegistryError(
          'not_found',
          `environment ${env} of model ${model} has no previous version, got only ${pointer.current} promoted (revision ${pointer.revision}); there is nothing to roll back to`,
        );
      }
      await this.getReady(model, version);
      return { model, env, version, uri: this.uri(model, version), previous: request.previous ?? false, revision: pointer.revision };
    } catch (error) {
      throw toRegistryError(error, `resolve of model ${model} in ${env}`);
    }
  }

  /**
   * Re-hashes a ready version's objects against its manifest, reporting every missing,
   * changed and extra object. MANIFEST.json itself is checked against the hash in the table,
   * which is the reference: S3 write access alone cannot make a changed file pass.
   */
  async verify(model: string, version: string): Promise<VerifyReport> {
    const problems = [checkModelName(model), checkVersion(version)].filter((p) => p !== undefined);
    if (problems.length > 0) throw usageErrors(problems);
    try {
      const item = await this.getReady(model, version);
      const prefix = versionPrefix(model, version);
      const stored = new Map(
        (await listPrefix(this.s3, this.bucket, prefix)).map((object) => [object.key.slice(prefix.length), object.size]),
      );
      const found: VerifyProblem[] = [];

      const manifestBody = await readSmallObject(this.s3, this.bucket, prefix + MANIFEST_FILE);
      const manifestExpected = { sha256: item.manifest_sha256 };
      if (manifestBody === undefined) {
        found.push({ path: MANIFEST_FILE, kind: 'missing', expected: manifestExpected });
      } else {
        const sha256 = createHash('sha256').update(manifestBody).digest('hex');
        if (sha256 !== item.manifest_sha256) {
          found.push({
            path: MANIFEST_FILE,
            kind: 'mismatch',
            expected: manifestExpected,
            actual: { size: Buffer.byteLength(manifestBody), sha256 },
          });
        }
      }

      const expectedPaths = new Set(item.files.map((file) => file.path));
      const checks = await mapPool(
        item.files,
        this.settings.verifyConcurrency,
        new AbortController(),
        async (file): Promise<VerifyProblem | undefined> => {
          const expected = { size: file.size, sha256: file.sha256 };
          if (!stored.has(file.path)) return { path: file.path, kind: 'missing', expected };
          const actual = await hashObject(this.s3, this.bucket, prefix + file.path);
          if (actual === undefined) return { path: file.path, kind: 'missing', expected };
          if (actual.sha256 !== file.sha256 || actual.size !== file.size) return { path: file.path, kind: 'mismatch', expected, actual };
          return undefined;
        },
      );
      found.push(...checks.filter((check) => check !== undefined));
      for (const [path, size] of stored) {
        if (path !== MANIFEST_FILE && !expectedPaths.has(path)) found.push({ path, kind: 'extra', actual: { size } });
      }
      found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      return { model, version, uri: item.s3_uri, checkedFiles: item.files.length + 1, ok: found.length === 0, problems: found };
    } catch (error) {
      throw toRegistryError(error, `verify of model ${model} version ${version}`);
    }
  }

  // ---- claims -------------------------------------------------------------------------------

  /** Claims a version for publishing, taking over a stale or (forced) any `uploading` claim. */
  private async claim(
    model: string,
    version: string,
    forceReclaim: boolean,
    staleAfterMs: number,
    signal: AbortSignal | undefined,
  ): Promise<{ claim: UploadingItem; reclaimed?: PendingVersion }> {
    const options = signal === undefined ? {} : { abortSignal: signal };
    const at = this.now().toISOString();
    const claim: UploadingItem = {
      model_name: model,
      version,
      kind: 'version',
      status: 'uploading',
      claim_id: randomUUID(),
      claimed_at: at,
      claimed_by: `${hostname()}:${process.pid}`,
      heartbeat_at: at,
    };
    for (let attempt = 1; attempt <= CLAIM_ATTEMPTS; attempt++) {
      try {
        await this.ddb.send(
          new PutCommand({
            TableName: this.table,
            Item: claim,
            ConditionExpression: 'attribute_not_exists(#version)',
            ExpressionAttributeNames: { '#version': 'version' },
          }),
          options,
        );
        return { claim };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      const existing = await this.getVersion(model, version, signal);
      if (existing === undefined) continue; // its claim was rolled back meanwhile: try again
      // An SDK retry of a put that did land fails its own condition: the claim is ours.
      if (existing.claim_id === claim.claim_id && existing.status === 'uploading') return { claim };
      if (existing.status === 'ready') {
        throw new RegistryError(
          'conflict',
          `model ${model} version ${version} is already published, got status ready since ${existing.published_at}; versions are immutable: publish a new version`,
        );
      }
      const pending = toPendingVersion(existing, this.now(), staleAfterMs);
      if (!forceReclaim && !pending.stale) {
        throw new RegistryError(
          'conflict',
          `model ${model} version ${version} is being published by ${pending.claimedBy}, got claim ${pending.claimId} with a heartbeat ${formatDurationMs(pending.heartbeatAgeMs)} ago; ` +
            `wait for it, or if that publisher is dead rerun with --force-reclaim (or after its heartbeat is ${formatDurationMs(staleAfterMs)} old)`,
        );
      }
      try {
        await this.ddb.send(
          new PutCommand({
            TableName: this.table,
            Item: claim,
            ConditionExpression: '#status = :uploading AND claim_id = :old',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':uploading': 'uploading', ':old': existing.claim_id },
          }),
          options,
        );
        return { claim, reclaimed: pending };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        // Someone else took it over or finished it meanwhile: look again.
      }
    }
    throw new RegistryError(
      'conflict',
      `model ${model} version ${version} kept changing while claiming it, got ${CLAIM_ATTEMPTS} failed attempts; another publisher is racing for it: check list and retry`,
    );
  }

  /**
   * Refreshes the claim's heartbeat until stopped. When the refresh finds the claim gone or
   * taken over, it aborts the publish with `claim_lost`; other failures are retried on the
   * next beat, since the stale rule tolerates several missed beats.
   */
  private startHeartbeat(claim: UploadingItem, abort: AbortController): { stop(): Promise<void> } {
    let stopped = false;
    let beat: Promise<void> = Promise.resolve();
    const timer = setInterval(() => {
      beat = beat.then(async () => {
        if (stopped) return;
        try {
          await this.ddb.send(
            new UpdateCommand({
              TableName: this.table,
              Key: { model_name: claim.model_name, version: claim.version },
              UpdateExpression: 'SET heartbeat_at = :now',
              ConditionExpression: '#status = :uploading AND claim_id = :claim',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':now': this.now().toISOString(), ':uploading': 'uploading', ':claim': claim.claim_id },
            }),
          );
        } catch (error) {
          if (!stopped && isConditionFailure(error)) {
            abort.abort(
              new RegistryError(
                'claim_lost',
                `publish of model ${claim.model_name} version ${claim.version} lost its claim ${claim.claim_id}, got it taken over or removed; ` +
                  'another publisher reclaimed it (--force-reclaim or stale-after): check list before retrying',
              ),
            );
          }
        }
      });
    }, this.settings.heartbeatIntervalMs);
    return {
      stop: async () => {
        stopped = true;
        clearInterval(timer);
        await beat;
      },
    };
  }

  /** Flips the claim to `ready`, only if it is still this publisher's `uploading` claim. */
  private async markReady(ready: ReadyItem, signal: AbortSignal): Promise<void> {
    try {
      await this.ddb.send(
        new PutCommand({
          TableName: this.table,
          Item: ready,
          ConditionExpression: '#status = :uploading AND claim_id = :claim',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':uploading': 'uploading', ':claim': ready.claim_id },
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      // The put may have landed even though its answer was lost: look before rolling back.
      const now = await this.getVersion(ready.model_name, ready.version, AbortSignal.timeout(this.settings.cleanupTimeoutMs)).catch(
        () => undefined,
      );
      if (now?.status === 'ready' && now.claim_id === ready.claim_id) return;
      if (isConditionFailure(error)) {
        throw new RegistryError(
          'claim_lost',
          `publish of model ${ready.model_name} version ${ready.version} lost its claim ${ready.claim_id} before marking it ready, got ${now === undefined ? 'no item' : `status ${now.status} under claim ${now.claim_id}`}; ` +
            'another publisher reclaimed it: check list before retrying',
        );
      }
      throw error;
    }
  }

  /**
   * Undoes a failed publish while this publisher still owns the claim: objects first, then the
   * claim, so a crash in between leaves a visible claim rather than orphaned objects. Returns
   * a sentence for the error message; never throws, so the original failure is reported.
   */
  private async rollback(claim: UploadingItem, prefix: string): Promise<string> {
    // Each cleanup request gets its own short deadline: a cancelled job is killed soon after its
    // SIGTERM, and a hung endpoint must not keep the claim alive.
    const deadline = () => AbortSignal.timeout(this.settings.cleanupTimeoutMs);
    try {
      const current = await this.getVersion(claim.model_name, claim.version, deadline());
      if (current?.claim_id !== claim.claim_id || current.status !== 'uploading') {
        return ' (left the objects alone: the claim now belongs to another publisher)';
      }
      let deleted: number | string;
      try {
        deleted = await deletePrefix(this.s3, this.bucket, prefix, deadline());
      } catch (error) {
        // A bucket that does not exist holds no objects of this publish: release the claim anyway,
        // or a typo in --bucket blocks the version until the claim goes stale.
        if (!(error instanceof Error && error.name === 'NoSuchBucket')) throw error;
        deleted = 'no objects (no such bucket)';
      }
      await this.ddb.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { model_name: claim.model_name, version: claim.version },
          ConditionExpression: '#status = :uploading AND claim_id = :claim',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':uploading': 'uploading', ':claim': claim.claim_id },
        }),
        { abortSignal: deadline() },
      );
      return typeof deleted === 'number'
        ? ` (rolled back: deleted ${deleted} objects and the claim)`
        : ` (rolled back: ${deleted}, deleted the claim)`;
    } catch (error) {
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return (
        ` (rollback failed too, got ${reason}; the claim stays listed as uploading and the next publish takes it over ` +
        `once its heartbeat is ${formatDurationMs(this.settings.staleAfterMs)} old, or at once with --force-reclaim)`
      );
    }
  }

  /** Checks, before marking ready, that the prefix holds exactly the manifest's objects. */
  private async checkStored(prefix: string, manifest: Manifest, signal: AbortSignal): Promise<void> {
    const stored = new Map(
      (await listPrefix(this.s3, this.bucket, prefix, signal)).map((object) => [object.key.slice(prefix.length), object.size]),
    );
    const differences: string[] = [];
    for (const file of manifest.files) {
      const size = stored.get(file.path);
      if (size === undefined) differences.push(`${file.path} missing`);
      else if (size !== file.size) differences.push(`${file.path} has ${size} bytes, not ${file.size}`);
      stored.delete(file.path);
    }
    if (!stored.delete(MANIFEST_FILE)) differences.push(`${MANIFEST_FILE} missing`);
    for (const path of stored.keys()) differences.push(`${path} not in the manifest`);
    if (differences.length > 0) {
      throw new RegistryError(
        'verification_failed',
        `stored objects under ${prefix} differ from what was uploaded, got ${differences.slice(0, 5).join(', ')}${differences.length > 5 ? ` and ${differences.length - 5} more` : ''}; ` +
          'another writer touched the prefix: retry the publish',
      );
    }
  }

  private checkStaleAfter(staleAfterMs: number): string | undefined {
    return checkStaleAfter(staleAfterMs, this.settings.heartbeatIntervalMs);
  }

  /** Refuses, before claiming, a file list too long for the ready item. */
  private checkItemSize(paths: readonly string[], vllmArgs: readonly string[]): void {
    const bytes =
      ITEM_BYTES_BASE +
      paths.reduce((sum, path) => sum + Buffer.byteLength(path) + ITEM_BYTES_PER_FILE, 0) +
      vllmArgs.reduce((sum, arg) => sum + Buffer.byteLength(arg) + 4, 0);
    if (bytes > AWS_LIMITS.maxItemBytes) {
      throw usageErrors([
        `model directory needs about ${bytes} bytes of file list in the registry item, got ${paths.length} files over the ${AWS_LIMITS.maxItemBytes}-byte budget; ` +
          'bundle small files (e.g. in a tar) or publish fewer files',
      ]);
    }
  }

  // ---- reads --------------------------------------------------------------------------------

  private async getVersion(model: string, version: string, signal?: AbortSignal): Promise<VersionItem | undefined> {
    const { Item } = await this.ddb.send(
      new GetCommand({ TableName: this.table, Key: { model_name: model, version }, ConsistentRead: true }),
      signal === undefined ? {} : { abortSignal: signal },
    );
    return Item === undefined ? undefined : parseItem(versionItemSchema, Item);
  }

  private async getReady(model: string, version: string): Promise<ReadyItem> {
    const item = await this.getVersion(model, version);
    if (item === undefined) {
      throw new RegistryError(
        'not_found',
        `model ${model} version ${version} is not published, got no item in ${this.table}; run list --model ${model} to see its versions`,
      );
    }
    if (item.status !== 'ready') {
      const pending = toPendingVersion(item, this.now(), this.settings.staleAfterMs);
      throw new RegistryError(
        'not_found',
        `model ${model} version ${version} is not ready, got status uploading by ${pending.claimedBy} (heartbeat ${formatDurationMs(pending.heartbeatAgeMs)} ago${pending.stale ? ', stale' : ''}); ` +
          'wait for the publish to finish, or take it over with publish --force-reclaim',
      );
    }
    return item;
  }

  private async getEnv(model: string, env: string): Promise<EnvItem | undefined> {
    const { Item } = await this.ddb.send(
      new GetCommand({ TableName: this.table, Key: { model_name: model, version: ENV_KEY_PREFIX + env }, ConsistentRead: true }),
    );
    return Item === undefined ? undefined : parseItem(envItemSchema, Item);
  }
}
