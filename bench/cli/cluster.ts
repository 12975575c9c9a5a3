/**
 * Clients the cluster-side commands build from their flags: the Kubernetes API and the model
 * registry on AWS. Only actions import this module: it loads @kubernetes/client-node and the
 * AWS SDK.
 */
import { UsageError } from '../errors';
import { KubeClient } from '../kube/client';
import { secondsProblem } from '../limits';
import { createAwsClients, silenceAwsNodeVersionNotice } from '../registry/aws';
import { ModelRegistry } from '../registry/registry';
import type { RegistryFactory } from './flags';
import type { KubeFlags } from './flags';
import type { CliIo } from './io';

/** The Kubernetes client for the flags; throws UsageError for a missing or bad kubeconfig or a bad --kube-timeout. */
export function kubeFrom(f: Omit<KubeFlags, 'namespace'>, io: CliIo): KubeClient {
  const timeout = secondsProblem('--kube-timeout', f.kubeTimeout);
  if (timeout !== undefined) throw new UsageError(timeout);
  return KubeClient.connect({
    ...(f.kubeconfig !== undefined && { kubeconfig: f.kubeconfig }),
    ...(f.context !== undefined && { context: f.context }),
    ...(f.kubeTimeout !== undefined && { requestTimeoutMs: Math.ceil(f.kubeTimeout * 1000) }),
    env: io.env ?? {},
  });
}

/** The AWS-backed registry client (default credential chain). */
export const awsRegistry: RegistryFactory = (where) => {
  silenceAwsNodeVersionNotice();
  const { s3, ddb, close } = createAwsClients(where);
  return { registry: new ModelRegistry({ bucket: where.bucket, table: where.table, s3, ddb }), close };
};
