/**
 * The platform's Kubernetes objects for one environment, as plain JSON: what `cdk8s synth`
 * writes to dist/<env>/ and what infra/ applies with `pulumi up`. Both paths call this, so they
 * deploy the same thing.
 */
import type { PlatformConfig } from './config';

/** A synthesized Kubernetes object. */
export interface KubernetesObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [k: string]: unknown };
  readonly [k: string]: unknown;
}

/** Synthesize every object of the environment (placeholder until the chart lands). */
export function renderManifests(_config: PlatformConfig): KubernetesObject[] {
  return [];
}
