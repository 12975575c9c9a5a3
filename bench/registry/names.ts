/**
 * Validation and ordering of the registry's names: model names, semantic versions, environment
 * names, container image references, and the S3 layout they map to.
 *
 * Every check returns the problem as a message (or undefined), so callers can collect all of
 * them and report them together.
 */

import { UsageError } from '../errors';
import { registryModelUri as layoutUri, registryPrefix } from '../../constructs/registry-layout';

/** Longest model name accepted; keeps keys and table items small and readable. */
const MODEL_NAME_MAX = 100;
const MODEL_NAME = /^[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?$/;

/** Semantic Versioning 2.0.0, from semver.org, with the build-metadata group dropped (see checkVersion). */
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?$/;
const VERSION_MAX = 64;

const ENV_NAME = /^[a-z](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

// Docker reference grammar (distribution/reference), narrowed to what a deploy should pin.
const IMAGE_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const IMAGE_HOST = '[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?(?::[0-9]+)?';
const IMAGE_REF = new RegExp(
  `^((?:${IMAGE_HOST}/)?${IMAGE_COMPONENT}(?:/${IMAGE_COMPONENT})*)(?::([\\w][\\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$`,
);

/** Checks a model name; returns the problem, or undefined when it is valid. */
export function checkModelName(name: string): string | undefined {
  if (name.length > MODEL_NAME_MAX || !MODEL_NAME.test(name) || name.includes('..')) {
    return (
      `model name must be 1-${MODEL_NAME_MAX} lowercase letters, digits, '.', '_' or '-', starting and ending ` +
      `with a letter or digit, got ${JSON.stringify(name)}; e.g. mistral-7b-awq`
    );
  }
  return undefined;
}

/**
 * Checks a semantic version (semver.org 2.0.0); returns the problem, or undefined when valid.
 *
 * Build metadata (`+build`) is refused: semver ignores it for precedence, so `1.0.0+a` and
 * `1.0.0+b` would be two immutable versions that compare equal, and `+` in an S3 key is read
 * as a space by some URL decoders.
 */
export function checkVersion(version: string): string | undefined {
  if (version.startsWith('v') && SEMVER.test(version.slice(1))) {
    return `version must be a semantic version without a leading v, got ${JSON.stringify(version)}; use ${version.slice(1)}`;
  }
  if (version.includes('+')) {
    return `version must not carry build metadata, got ${JSON.stringify(version)}; use a prerelease such as ${version.split('+')[0]}-${version.split('+')[1] ?? 'build'} or a new patch version`;
  }
  if (version.length > VERSION_MAX || !SEMVER.test(version)) {
    return `version must be a semantic version MAJOR.MINOR.PATCH[-PRERELEASE], got ${JSON.stringify(version)}; e.g. 1.2.0 or 1.3.0-rc.1`;
  }
  return undefined;
}

/** Checks an environment name; returns the problem, or undefined when it is valid. */
export function checkEnvName(env: string): string | undefined {
  if (!ENV_NAME.test(env)) {
    return `environment must be 1-32 lowercase letters, digits or '-', starting with a letter, got ${JSON.stringify(env)}; e.g. prod`;
  }
  return undefined;
}

/**
 * Checks a container image reference the model was published for; returns the problem, or
 * undefined when valid. It must pin a tag other than `latest`, or a sha256 digest.
 */
export function checkImageRef(image: string): string | undefined {
  const match = IMAGE_REF.exec(image);
  if (!match) {
    return `image must be a container reference REPOSITORY:TAG or REPOSITORY@sha256:DIGEST, got ${JSON.stringify(image)}; e.g. vllm/vllm-openai:v0.11.0`;
  }
  const [, , tag, digest] = match;
  if (tag === undefined && digest === undefined) {
    return `image must pin a tag or a digest, got ${JSON.stringify(image)}; append :TAG or @sha256:DIGEST`;
  }
  if (tag === 'latest' && digest === undefined) {
    return `image tag latest is not a pin, got ${JSON.stringify(image)}; use a version tag or @sha256:DIGEST`;
  }
  return undefined;
}

/**
 * Orders two valid semantic versions by semver precedence: negative, zero or positive.
 *
 * Numeric parts are compared as digit strings (no leading zeros are allowed), so versions
 * beyond Number.MAX_SAFE_INTEGER still order correctly.
 */
export function compareVersions(a: string, b: string): number {
  const [coreA, preA] = splitPrerelease(a);
  const [coreB, preB] = splitPrerelease(b);
  const partsA = coreA.split('.');
  const partsB = coreB.split('.');
  for (let i = 0; i < 3; i++) {
    const order = compareNumeric(partsA[i] ?? '0', partsB[i] ?? '0');
    if (order !== 0) return order;
  }
  // A version without a prerelease ranks above any prerelease of the same core.
  if (preA === undefined || preB === undefined) {
    return preA === preB ? 0 : preA === undefined ? 1 : -1;
  }
  const idsA = preA.split('.');
  const idsB = preB.split('.');
  for (let i = 0; i < Math.min(idsA.length, idsB.length); i++) {
    const order = comparePrereleaseId(idsA[i]!, idsB[i]!);
    if (order !== 0) return order;
  }
  return idsA.length - idsB.length;
}

function splitPrerelease(version: string): [string, string | undefined] {
  const dash = version.indexOf('-');
  return dash < 0 ? [version, undefined] : [version.slice(0, dash), version.slice(dash + 1)];
}

function compareNumeric(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}

function comparePrereleaseId(a: string, b: string): number {
  const numericA = /^\d+$/.test(a);
  const numericB = /^\d+$/.test(b);
  if (numericA && numericB) return compareNumeric(a, b);
  // Numeric identifiers rank below alphanumeric ones.
  if (numericA !== numericB) return numericA ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Key prefix of a published version: `models/NAME/vVERSION/` (the layout the model pods load). */
export const versionPrefix = registryPrefix;

/**
 * The S3 URI a workload loads a published model from: `s3://BUCKET/models/NAME/vVERSION/`.
 *
 * vLLM streams it directly with `--load-format runai_streamer`, or an init step can
 * `aws s3 sync` it into the model cache. Validates the name and version, since a typo here
 * only shows up as an empty download at pod start.
 */
export function registryModelUri(bucket: string, name: string, version: string): string {
  const problem = checkModelName(name) ?? checkVersion(version);
  if (problem !== undefined) throw new UsageError(problem);
  return layoutUri(bucket, name, version);
}

/** Parses a duration such as `90s`, `15m`, `2h` or `500ms` into milliseconds; undefined if malformed. */
export function parseDurationMs(text: string): number | undefined {
  const match = /^(\d+)(ms|s|m|h)$/.exec(text);
  if (!match) return undefined;
  const unitMs = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
  return Number(match[1]) * unitMs;
}

/** Formats milliseconds for messages: `45s`, `12m`, `3h`. */
export function formatDurationMs(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  if (ms < 120_000) return `${Math.round(ms / 1_000)}s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)}m`;
  return `${Math.round(ms / 3_600_000)}h`;
}
