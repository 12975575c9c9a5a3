/**
 * One distributed llm-bench load run as a cdk8s construct: the Indexed Job of
 * {@link loadWorkerJob}, for a GitOps repository (an Argo CD PostSync hook, a Flux Kustomization)
 * or a cdk8s app of your own. `llm-bench load --workers N --kubeconfig …` creates the same object
 * through the API; `llm-bench load … --manifest FILE` writes it for a run you then apply yourself
 * and collect with `llm-bench collect`.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { loadWorkerJob, type LoadWorkerJobProps } from './bench-layout';

export type { LoadWorkerJobProps } from './bench-layout';

export class LoadWorkerJob extends Construct {
  readonly job: ApiObject;

  constructor(scope: Construct, id: string, props: LoadWorkerJobProps) {
    super(scope, id);
    const { apiVersion, kind, metadata, ...rest } = loadWorkerJob(props);
    this.job = new ApiObject(this, 'Resource', { apiVersion, kind, metadata: { ...metadata }, ...rest });
  }
}
