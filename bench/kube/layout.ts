/**
 * What the model construct names, as the bench needs it at run time: the workload names come
 * from constructs/workload-layout.ts (no cdk8s import, so the bench can load it); the rest are
 * names Kubernetes and KEDA give their own objects.
 */

export {
  CACHE_MOUNT,
  REGISTRY_SYNC_CONTAINER,
  TRACKS,
  TRACK_LABEL,
  VLLM_CONTAINER,
  registryCachePath,
  selectorLabels,
  type Track,
} from '../../constructs/workload-layout';
import type { Track } from '../../constructs/workload-layout';

/** Label the Deployment controller adds to the pods and ReplicaSet of one pod template. */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
/** Annotation holding a Deployment's (and each of its ReplicaSets') revision number. */
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
/** The other blue/green track. */
export function otherTrack(track: Track): Track {
  return track === 'blue' ? 'green' : 'blue';
}

/** KEDA names the HPA it manages after the ScaledObject. */
export function kedaHpaName(scaledObject: string): string {
  return `keda-hpa-${scaledObject}`;
}
