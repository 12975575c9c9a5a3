/**
 * The workloads: exactly the objects `cdk8s synth` writes for the environment, applied through
 * the cluster's provider once the operators that serve their CRDs are running. infra/ builds
 * none of them by hand, so `pulumi up` and the GitOps repo deploy the same thing.
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';

/** A synthesized Kubernetes object, as plain JSON (stacks/manifests.ts renders them). */
export interface KubernetesObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [k: string]: unknown };
  readonly [k: string]: unknown;
}

export interface WorkloadsArgs {
  /** The synthesized objects (`renderManifests(config)`). */
  readonly objects: readonly KubernetesObject[];
  readonly provider: k8s.Provider;
  /** Operators, CRDs, storage classes and the secret store the objects rely on. */
  readonly dependsOn: pulumi.Resource[];
}

/** In-cluster base URL of every model Service among `objects`, keyed by Service name. */
export function serviceEndpoints(objects: readonly KubernetesObject[], names: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    names.map((name) => {
      const svc = objects.find((o) => o.kind === 'Service' && o.metadata.name === name);
      const port = (svc?.spec as { ports?: { port?: number }[] } | undefined)?.ports?.[0]?.port;
      if (!svc || !svc.metadata.namespace || port === undefined) {
        throw new Error(
          `workloads have no Service ${name} with a namespace and a port; the model chart must render one per enabled variant`,
        );
      }
      return [name, `http://${name}.${svc.metadata.namespace}.svc.cluster.local:${port}`];
    }),
  );
}

/** One ConfigGroup holding every workload object. */
export class Workloads extends pulumi.ComponentResource {
  readonly configGroup: k8s.yaml.v2.ConfigGroup;

  constructor(name: string, args: WorkloadsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('llm-platform:infra:Workloads', name, {}, opts);
    this.configGroup = new k8s.yaml.v2.ConfigGroup(
      `${name}-manifests`,
      {
        objs: [...args.objects],
        // A GPU cold start (node, ~10 GB image, weights, CUDA graphs) can outlast the provider's
        // 10-minute await and fail a correct `up`; readiness is the bench smoke stage's check.
        skipAwait: true,
      },
      { parent: this, provider: args.provider, dependsOn: args.dependsOn },
    );
    this.registerOutputs({});
  }
}
