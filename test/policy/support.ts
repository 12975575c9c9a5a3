/** Fixtures for the policy suites: a valid environment's objects, and ways to break them. */
import { loadEnvironmentFile } from '../../config/platform';
import { renderManifests, type KubernetesObject } from '../../stacks/manifests';
import { PROJECT_ROOT } from '../../stacks/synthesize';
import { evaluateK8sRules, type K8sRuleResult } from '../../policy/k8s';
import { join } from 'node:path';

/** Prod: blue/green, autoscaled variants, a shared cache: the richest real environment. */
export const BASE: readonly KubernetesObject[] = renderManifests(loadEnvironmentFile(join(PROJECT_ROOT, 'Pulumi.prod.yaml')));

export type Objects = any[];

/** A deep copy of the base objects to break. */
export function base(): Objects {
  return structuredClone(BASE) as Objects;
}

export function get(objs: Objects, kind: string, name: string): any {
  const hit = objs.find((o) => o.kind === kind && o.metadata.name === name);
  if (!hit) throw new Error(`no ${kind}/${name} in the fixture`);
  return hit;
}

export function remove(objs: Objects, kind: string, name: string): Objects {
  get(objs, kind, name);
  return objs.filter((o) => !(o.kind === kind && o.metadata.name === name));
}

/** The pod spec and main container of a Deployment. */
export function pod(objs: Objects, deployment: string): { spec: any; container: any } {
  const spec = get(objs, 'Deployment', deployment).spec.template.spec;
  return { spec, container: spec.containers[0] };
}

export function failures(objs: readonly unknown[], opts?: Parameters<typeof evaluateK8sRules>[1]): K8sRuleResult[] {
  return evaluateK8sRules(objs as KubernetesObject[], opts).filter((r) => !r.passed);
}

/** `rule resource: reason` lines, for readable assertion output. */
export function describeFailures(rs: readonly K8sRuleResult[]): string[] {
  return rs.map((r) => `${r.rule} ${r.type} ${r.resource}: ${r.reason}`);
}
