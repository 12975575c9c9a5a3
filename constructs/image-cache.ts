/**
 * Image references through an ECR pull-through cache: which upstream registries ECR can cache,
 * the repository prefix each one gets in this account's registry, and the rewrite of an image
 * reference onto the cache. Plain data and functions shared by config validation (stacks/), the
 * manifests (stacks/platform-chart.ts) and the cache rules (infra/image-cache.ts).
 */

/** One upstream registry an ECR pull-through cache rule can serve. */
export interface PullThroughUpstream {
  /** ECR repository prefix: `<registry>/<prefix>/<upstream repository>`. */
  readonly prefix: string;
  /** The upstream URL the rule names. */
  readonly upstreamUrl: string;
  /** Whether ECR needs a Secrets Manager credential (`ecr-pullthroughcache/…`) for this upstream. */
  readonly credentials: boolean;
}

/**
 * The upstreams this platform caches, by registry host as it appears in an image reference.
 * ECR also caches GitHub, GitLab and Azure registries with credentials; nvcr.io is not
 * supported (NVIDIA's device plugin and DCGM exporter images stay on nvcr.io).
 */
export const PULL_THROUGH_UPSTREAMS: Readonly<Record<string, PullThroughUpstream>> = {
  'docker.io': { prefix: 'docker-hub', upstreamUrl: 'registry-1.docker.io', credentials: true },
  'public.ecr.aws': { prefix: 'ecr-public', upstreamUrl: 'public.ecr.aws', credentials: false },
  'registry.k8s.io': { prefix: 'k8s', upstreamUrl: 'registry.k8s.io', credentials: false },
  'quay.io': { prefix: 'quay', upstreamUrl: 'quay.io', credentials: false },
};

/** The registry host of an image reference; Docker Hub when the first component is not a host. */
export function imageRegistryOf(ref: string): string {
  const first = ref.split('/')[0]!;
  const isHost = ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  return isHost ? first : 'docker.io';
}

/** The repository path below the registry host, with Docker Hub's implicit `library/`. */
function repositoryPath(ref: string): string {
  const registry = imageRegistryOf(ref);
  const rest = ref.startsWith(`${registry}/`) ? ref.slice(registry.length + 1) : ref;
  return registry === 'docker.io' && !rest.includes('/') ? `library/${rest}` : rest;
}

/**
 * `ref` pulled through the cache in `ecrRegistry` (`<account>.dkr.ecr.<region>.amazonaws.com`):
 * `vllm/vllm-openai:v0.18.0` becomes `<ecrRegistry>/docker-hub/vllm/vllm-openai:v0.18.0`.
 *
 * @throws when the image's registry has no pull-through upstream (config validation says so first)
 */
export function cachedImage(ref: string, ecrRegistry: string): string {
  const upstream = PULL_THROUGH_UPSTREAMS[imageRegistryOf(ref)];
  if (!upstream) throw new Error(`image ${ref} comes from ${imageRegistryOf(ref)}, which has no pull-through cache rule`);
  return `${ecrRegistry}/${upstream.prefix}/${repositoryPath(ref)}`;
}
