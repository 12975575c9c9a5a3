/**
 * What the model construct (constructs/vllm-model.ts) names, as the bench needs it at run time.
 *
 * The construct module imports cdk8s, which the bench never loads (DESIGN.md: no Pulumi or
 * cdk8s at run time), so the few names the rollback and autoscale checks rely on are repeated
 * here; test/bench/kube/layout.test.ts compares every one of them with the construct's own.
 */

/** Pod and Service label naming a blue/green track; the variant's Service selects the active one by it. */
export const TRACK_LABEL = 'llm-platform.io/track';
/** The two tracks of a blue/green variant: Deployments and Services `<variant>-blue` / `<variant>-green`. */
export const TRACKS = ['blue', 'green'] as const;
export type Track = (typeof TRACKS)[number];
/** The vLLM container of every model pod. */
export const VLLM_CONTAINER = 'vllm';
/** The init container that copies a registry version into the cache (`loader: sync`). */
export const REGISTRY_SYNC_CONTAINER = 'registry-sync';
/** Where the model cache volume is mounted. */
export const CACHE_MOUNT = '/model-cache';
/** Label the Deployment controller adds to the pods and ReplicaSet of one pod template. */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
/** Annotation holding a Deployment's (and each of its ReplicaSets') revision number. */
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
/** The Deployment's pod selector labels for one variant (all tracks). */
export function selectorLabels(name: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'vllm', 'app.kubernetes.io/instance': name };
}

/** The other blue/green track. */
export function otherTrack(track: Track): Track {
  return track === 'blue' ? 'green' : 'blue';
}

/** Where the sync loader puts a registry version: `/model-cache/registry/<name>/v<version>`. */
export function registryCachePath(uri: string): string {
  const m = /^s3:\/\/[^/]+\/models\/(.+?)\/?$/.exec(uri);
  if (!m) throw new Error(`registry uri must look like s3://bucket/models/<name>/v<version>/, got ${uri}`);
  return `${CACHE_MOUNT}/registry/${m[1]}`;
}

/** KEDA names the HPA it manages after the ScaledObject. */
export function kedaHpaName(scaledObject: string): string {
  return `keda-hpa-${scaledObject}`;
}
