/**
 * One distributed llm-bench load run as a cdk8s construct: the Indexed Job of
 * {@link loadWorkerJob}, for a GitOps repository (an Argo CD PostSync hook, a Flux Kustomization)
 * or a cdk8s app of your own. `llm-bench load --workers N --kubeconfig …` creates the same object
 * through the API and merges its pods' reports itself; for a Job applied this way, `llm-bench
 * collect --job NAME` merges them once it has finished.
 */
import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { loadWorkerJob, type LoadWorkerJobProps as JobProps, RUN_LABEL, workerLabels } from './bench-layout';
import { benchEgress, type BenchNamespaceProps } from './bench-namespace';

export interface LoadWorkerJobProps extends JobProps {
  /** Where the workers may connect (the bench namespace's egress), for the Job's own NetworkPolicy. */
  readonly egress: Pick<BenchNamespaceProps, 'modelNamespace' | 'modelPort' | 'collector'>;
}

export class LoadWorkerJob extends Construct {
  readonly job: ApiObject;

  constructor(scope: Construct, id: string, props: LoadWorkerJobProps) {
    super(scope, id);
    const { egress, ...jobProps } = props;
    const { apiVersion, kind, metadata, ...rest } = loadWorkerJob(jobProps);
    this.job = new ApiObject(this, 'Resource', { apiVersion, kind, metadata: { ...metadata }, ...rest });
    // The namespace-wide policy covers the pods too; this one is the Job's own, named after it.
    new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata: { name: props.name, namespace: props.namespace, labels: workerLabels() },
      spec: {
        podSelector: { matchLabels: { ...workerLabels(), [RUN_LABEL]: props.runId } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [],
        egress: benchEgress(egress),
      },
    });
  }
}
