/**
 * Reusable field types for the config schema: numbers, names and references bounded by what
 * Kubernetes, AWS, container registries and vLLM accept (facts/), so a value that passes here is
 * one the API server, EBS and vLLM take.
 *
 * A bound's message is its reason; the issue formatter (config/platform.ts) prints it after the
 * limit: `must be at most 3600 (the longest HPA stabilization window), got 100000`.
 */
import { z } from 'zod';
import { GP3_SIZE_GIB } from '../facts/ebs';
import {
  DNS1123_SUBDOMAIN,
  HPA_MAX_STABILIZATION_WINDOW_SEC,
  INT32_MAX,
  LABEL_KEY_NAME,
  LABEL_VALUE,
  OCI,
  OCI_REPOSITORY,
  PLAIN_DECIMAL,
} from '../facts/kubernetes';

const INT32_REASON = 'the largest value of the int32 Kubernetes field it fills';

/** A whole number at least `min` that fits the int32 Kubernetes field it ends up in. */
export function int32(min = 0, max = INT32_MAX, reason = INT32_REASON) {
  return z.number().int().min(min).max(max, reason);
}

/** Seconds of an HPA/KEDA stabilization window: 0 to 3600. */
export const stabilizationWindowSec = z
  .number()
  .int()
  .min(0)
  .max(HPA_MAX_STABILIZATION_WINDOW_SEC, 'the longest stabilization window the HorizontalPodAutoscaler accepts');

/**
 * A size in GiB written into a Kubernetes quantity (`<n>Gi`): positive, at most `max`, and a plain
 * decimal (a number JavaScript prints with an exponent is not a quantity).
 */
export function quantityGiB(max: number, reason: string) {
  return z
    .number()
    .positive()
    .max(max, reason)
    .refine((n) => PLAIN_DECIMAL.test(String(n)), 'must be a plain decimal number of GiB');
}

/** Whole GiB of a gp3 volume: from `min` to 16384 (EBS's gp3 maximum). */
export function gp3SizeGiB(min: number = GP3_SIZE_GIB.min) {
  return z.number().int().min(min).max(GP3_SIZE_GIB.max, 'the largest gp3 volume EBS creates');
}

/** Whether `key` is a Kubernetes label key: `[prefix/]name` (IsQualifiedName). */
export function isLabelKey(key: string): boolean {
  const slash = key.indexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (prefix !== undefined && !(prefix.length <= DNS1123_SUBDOMAIN.maxLength && DNS1123_SUBDOMAIN.pattern.test(prefix))) return false;
  return name.length <= LABEL_KEY_NAME.maxLength && LABEL_KEY_NAME.pattern.test(name);
}

/** A Kubernetes label key. */
export const labelKey = z
  .string()
  .refine(
    isLabelKey,
    'must be a label key: an optional DNS subdomain and /, then up to 63 letters, digits, -, _ or ., starting and ending with a letter or digit',
  );

/** A Kubernetes label value. */
export const labelValue = z
  .string()
  .refine(
    (v) => v.length <= LABEL_VALUE.maxLength && LABEL_VALUE.pattern.test(v),
    'must be a label value: up to 63 letters, digits, -, _ or ., starting and ending with a letter or digit',
  );

/** Label keys the platform sets on its own objects; a user label with one of these prefixes would overwrite them. */
export const RESERVED_LABEL_PREFIXES = ['app.kubernetes.io/', 'llm-platform.io/'] as const;

/** Labels added to the platform's objects: valid keys and values, none the platform sets itself. */
export const userLabels = z.record(
  labelKey.refine(
    (k) => !RESERVED_LABEL_PREFIXES.some((p) => k.startsWith(p)),
    `is a label the platform sets itself (${RESERVED_LABEL_PREFIXES.join(', ')}); pick another key`,
  ),
  labelValue,
);

/** An image repository with an optional registry host: `vllm/vllm-openai`, `public.ecr.aws/aws-cli/aws-cli`. */
export const imageRepository = z
  .string()
  .max(OCI.nameMaxLength)
  .regex(OCI_REPOSITORY, 'must be an image repository like vllm/vllm-openai or public.ecr.aws/org/name: lowercase, no tag or digest');

/** An image tag: `v0.18.0`. */
export const imageTag = z.string().regex(OCI.tag, 'must be an image tag: up to 128 letters, digits, _, . or -, not starting with . or -');

/** A content digest: `sha256:` and 64 hex digits, or `sha512:` and 128. */
export const imageDigest = z
  .string()
  .regex(OCI.digest, 'must be a digest: sha256: followed by 64 lowercase hex digits (or sha512: and 128)');

/** The parts of a full image reference `repository[:tag][@digest]`, or undefined when it does not parse. */
export function parseImageReference(ref: string): { repository: string; tag?: string; digest?: string } | undefined {
  const at = ref.indexOf('@');
  const digest = at < 0 ? undefined : ref.slice(at + 1);
  const named = at < 0 ? ref : ref.slice(0, at);
  const colon = named.lastIndexOf(':');
  const hasTag = colon > named.lastIndexOf('/');
  const repository = hasTag ? named.slice(0, colon) : named;
  const tag = hasTag ? named.slice(colon + 1) : undefined;
  if (repository.length > OCI.nameMaxLength || !OCI_REPOSITORY.test(repository)) return undefined;
  if (tag !== undefined && !OCI.tag.test(tag)) return undefined;
  if (digest !== undefined && !OCI.digest.test(digest)) return undefined;
  return { repository, tag, digest };
}

/** A full image reference pinned by a tag other than `latest`, or by digest. */
export const pinnedImageReference = z
  .string()
  .refine(
    (ref) => parseImageReference(ref) !== undefined,
    'must be an image reference like public.ecr.aws/org/name:1.2.3 or name@sha256:<64 hex>',
  )
  .refine((ref) => {
    const r = parseImageReference(ref);
    return !r || r.digest !== undefined || (r.tag !== undefined && r.tag !== 'latest');
  }, 'must be pinned by a tag other than latest or by digest');

/**
 * A value passed to vLLM as a flag's argument (a model id, a revision, an adapter path): not
 * empty, no whitespace, and not starting with `-`, which vLLM's parser would read as a flag.
 */
export const vllmArgumentValue = z
  .string()
  .min(1)
  .regex(/^[^-\s][^\s]*$/, 'must not contain whitespace or start with -, which vLLM would read as a flag');

/**
 * The web address of a folder that file names are appended to (`<url>/<name>.md`): http or https,
 * no query or fragment, which would end up in the middle of every link.
 */
export const webFolderUrl = z
  .url({ protocol: /^https?$/ })
  .refine((u) => !/[?#]/.test(u), 'must be a folder address without ? or #: file names are appended to it');
