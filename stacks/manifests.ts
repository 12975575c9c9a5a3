/**
 * The platform's Kubernetes objects for one environment, as plain JSON: what `cdk8s synth`
 * writes to dist/<env>/ and what infra/ applies with `pulumi up`. Both paths build the same
 * cdk8s app, so they deploy the same thing.
 */
import type { PlatformConfig } from '../config/platform';
import type { KubernetesObject } from '../infra/workloads';
import { platformApp } from './platform-chart';

export type { KubernetesObject };

/** Every object of the environment, charts in dependency order (namespace first). */
export function renderManifests(config: PlatformConfig): KubernetesObject[] {
  // outdir is never written: toJson() only resolves the objects in memory.
  const app = platformApp(config, 'dist');
  return app.charts.flatMap((chart) => chart.toJson() as KubernetesObject[]);
}
