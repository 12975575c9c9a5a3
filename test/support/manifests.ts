/** Helpers to find synthesized objects by kind and name, never by position. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { environmentOf, loadEnvironmentFile, type PlatformConfig } from '../../config/platform';
import type { KubernetesObject } from '../../stacks/manifests';
import { PROJECT_ROOT } from '../../stacks/synthesize';

/** Every real environment of the project: [name, config] pairs for describe.each. */
export function realEnvironments(): [string, PlatformConfig][] {
  return readdirSync(PROJECT_ROOT)
    .filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f))
    .sort()
    .map((f) => [environmentOf(f), loadEnvironmentFile(join(PROJECT_ROOT, f))]);
}

/** The one object of `kind` named `name`; fails the test with what exists when absent. */
export function find<T = Record<string, any>>(objs: readonly KubernetesObject[], kind: string, name: string): T {
  const hits = objs.filter((o) => o.kind === kind && o.metadata.name === name);
  if (hits.length !== 1) {
    const have = objs.map((o) => `${o.kind}/${o.metadata.name}`).join(', ');
    throw new Error(`expected exactly one ${kind}/${name}, found ${hits.length}; objects: ${have}`);
  }
  return hits[0] as T;
}

export function ofKind(objs: readonly KubernetesObject[], kind: string): KubernetesObject[] {
  return objs.filter((o) => o.kind === kind);
}

/** Whether `labels` carries every key/value of `selector`. */
export function matches(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}
