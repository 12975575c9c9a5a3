/**
 * The names a model workload is built from and that tools operating on it at run time rely on
 * (bench/kube: rollback, autoscale; infra/storage.ts: the EFS access point's owner). Plain data
 * and functions with no cdk8s import, so the bench and infra can load it;
 * constructs/vllm-model.ts builds its objects from these.
 */

/**
 * The UID the pod runs vLLM as. The vllm/vllm-openai image sets no USER and has no `vllm` user
 * (facts/vllm: image.user, image.hasVllmUser), so this is an arbitrary non-root UID without a
 * passwd entry; it works because every path vLLM writes (HOME, the caches, /tmp, /dev/shm) is a
 * volume the pod mounts, and fsGroup makes the cache volume writable for it.
 */
export const VLLM_UID = 2000;

/** Where the model cache volume is mounted. */
export const CACHE_MOUNT = '/model-cache';
/** The Secret and key the vLLM API key is in, in the models' namespace and in llm-bench's (from Secrets Manager). */
export const API_KEY_SECRET = { name: 'vllm-api-key', key: 'api-key' } as const;
/** The vLLM container of every model pod. */
export const VLLM_CONTAINER = 'vllm';
/** The init container that copies a registry version into the cache (`loader: sync`). */
export const REGISTRY_SYNC_CONTAINER = 'registry-sync';

/** The two Deployments of a blue/green variant: `<variant>-blue` and `<variant>-green`. */
export const TRACKS = ['blue', 'green'] as const;
export type Track = (typeof TRACKS)[number];
/** Pod label naming a blue/green track; the Service selects the active one by it. */
export const TRACK_LABEL = 'llm-platform.io/track';

/** Labels that select one variant's pods (every track). */
export function selectorLabels(name: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'vllm', 'app.kubernetes.io/instance': name };
}

/** Where the sync loader puts a registry version: `/model-cache/registry/<name>/v<version>`. */
export function registryCachePath(uri: string): string {
  const m = /^s3:\/\/[^/]+\/models\/(.+?)\/?$/.exec(uri);
  if (!m) throw new Error(`registry uri must look like s3://bucket/models/<name>/v<version>/, got ${uri}`);
  return `${CACHE_MOUNT}/registry/${m[1]}`;
}
