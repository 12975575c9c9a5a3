/**
 * Where a model version lives in the S3 registry. The publisher (bench/registry), the loaders
 * in the model pods (constructs/) and the IAM policies (infra/) all use this one layout.
 */

/** Key prefix every registry object lives under. */
export const REGISTRY_ROOT = 'models/';

/** `models/<name>/v<version>/`: the key prefix of one published version. */
export function registryPrefix(name: string, version: string): string {
  return `${REGISTRY_ROOT}${name}/v${version}/`;
}

/** `s3://<bucket>/models/<name>/v<version>/`. */
export function registryModelUri(bucket: string, name: string, version: string): string {
  return `s3://${bucket}/${registryPrefix(name, version)}`;
}
