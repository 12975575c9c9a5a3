/**
 * The namespace llm-bench's load workers run in, with everything a worker Job relies on: the
 * restricted Pod Security profile, default deny, a NetworkPolicy that lets workers reach only DNS,
 * the models (and the trace collector), a ServiceAccount without an API token, the coordinator's
 * Role (create worker Jobs, read their pods' logs, nothing else) and the API key from Secrets
 * Manager. The Jobs themselves are per run (constructs/load-job.ts, or llm-bench creating them).
 */
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { COORDINATOR_ROLE, COORDINATOR_RULES, COORDINATOR_SERVICE_ACCOUNT, WORKER_SERVICE_ACCOUNT } from './bench-layout';
import { defaultDenyPolicy, restrictedNamespace, secretsManagerSecret } from './namespace-parts';
import type { SecretKeyRef } from './vllm-model';

export interface BenchNamespaceProps {
  /** The bench namespace (`workloads.benchNamespace`). */
  readonly name: string;
  /** Namespace of the models the workers load. */
  readonly modelNamespace: string;
  /** The models' port. */
  readonly modelPort: number;
  /** ClusterSecretStore that reads AWS Secrets Manager. */
  readonly secretStoreName: string;
  /** Secrets Manager name of the API key, copied into this namespace as `apiKeySecret`. @default - no key (auth off) */
  readonly apiKeyName?: string;
  /** The Secret the API key lands in. */
  readonly apiKeySecret: SecretKeyRef;
  readonly refreshInterval: string;
  /** The trace collector the workers export spans to (OTLP/HTTP). @default - none: no egress to it */
  readonly collector?: { readonly namespace: string; readonly port: number };
}

const port = (n: number, protocol = 'TCP') => ({ port: k8s.IntOrString.fromNumber(n), protocol });
const inNamespace = (ns: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } });

/** Where llm-bench pods may connect: DNS, the models' port and, with tracing on, the collector. */
export function benchEgress(p: Pick<BenchNamespaceProps, 'modelNamespace' | 'modelPort' | 'collector'>): k8s.NetworkPolicyEgressRule[] {
  return [
    {
      to: [{ ...inNamespace('kube-system'), podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
      ports: [port(53, 'UDP'), port(53)],
    },
    { to: [inNamespace(p.modelNamespace)], ports: [port(p.modelPort)] },
    ...(p.collector ? [{ to: [inNamespace(p.collector.namespace)], ports: [port(p.collector.port)] }] : []),
  ];
}

export class BenchNamespace extends Construct {
  readonly namespace: k8s.KubeNamespace;

  constructor(scope: Construct, id: string, props: BenchNamespaceProps) {
    super(scope, id);
    const labels = { 'app.kubernetes.io/part-of': 'llm-platform' };
    const metadata = (name: string) => ({ name, namespace: props.name, labels });

    this.namespace = restrictedNamespace(this, props.name, labels);
    defaultDenyPolicy(this, metadata('default-deny'));

    // Every pod here is llm-bench (load workers, a coordinator): none serves anything. One policy for
    // the namespace, so it holds for the worker Jobs each run creates through the API too.
    new k8s.KubeNetworkPolicy(this, 'BenchEgress', {
      metadata: metadata('llm-bench-egress'),
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [], egress: benchEgress(props) },
    });

    new k8s.KubeServiceAccount(this, 'WorkerServiceAccount', {
      metadata: metadata(WORKER_SERVICE_ACCOUNT),
      automountServiceAccountToken: false,
    });
    new k8s.KubeServiceAccount(this, 'CoordinatorServiceAccount', { metadata: metadata(COORDINATOR_SERVICE_ACCOUNT) });
    new k8s.KubeRole(this, 'CoordinatorRole', {
      metadata: metadata(COORDINATOR_ROLE),
      rules: COORDINATOR_RULES.map((r) => ({ apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs] })),
    });
    new k8s.KubeRoleBinding(this, 'CoordinatorRoleBinding', {
      metadata: metadata(COORDINATOR_ROLE),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: COORDINATOR_ROLE },
      subjects: [{ kind: 'ServiceAccount', name: COORDINATOR_SERVICE_ACCOUNT, namespace: props.name }],
    });

    if (props.apiKeyName) {
      const { name, key } = props.apiKeySecret;
      secretsManagerSecret(this, 'ApiKey', metadata(name), props, { data: [{ secretKey: key, remoteRef: { key: props.apiKeyName } }] });
    }
  }
}
