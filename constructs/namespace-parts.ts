/**
 * What the platform's namespaces are made of (the models', llm-bench's, the front door's keys):
 * the restricted Pod Security profile, a default-deny NetworkPolicy, and Secrets copied from AWS
 * Secrets Manager by External Secrets.
 */
import type { ApiObjectMetadata } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import {
  ExternalSecret,
  type ExternalSecretSpec,
  ExternalSecretSpecSecretStoreRefKind,
  ExternalSecretSpecTargetCreationPolicy,
  ExternalSecretSpecTargetDeletionPolicy,
} from './imports/external-secrets.io';

/** The namespace `name` (construct id `Resource`), enforcing the restricted Pod Security profile. */
export function restrictedNamespace(scope: Construct, name: string, labels: Readonly<Record<string, string>>): k8s.KubeNamespace {
  return new k8s.KubeNamespace(scope, 'Resource', {
    metadata: {
      name,
      labels: {
        ...labels,
        // The platform's pods meet the restricted profile; enforce it so nothing weaker joins them.
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': 'latest',
        'pod-security.kubernetes.io/audit': 'restricted',
        'pod-security.kubernetes.io/warn': 'restricted',
      },
    },
  });
}

/** A NetworkPolicy (construct id `DefaultDeny`): everything another policy does not allow is denied, in and out. */
export function defaultDenyPolicy(scope: Construct, metadata: ApiObjectMetadata): k8s.KubeNetworkPolicy {
  return new k8s.KubeNetworkPolicy(scope, 'DefaultDeny', {
    metadata,
    spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
  });
}

/** Where External Secrets reads AWS Secrets Manager, and how often. */
export interface SecretStoreProps {
  /** ClusterSecretStore that reads AWS Secrets Manager. */
  readonly secretStoreName: string;
  readonly refreshInterval: string;
}

/**
 * An ExternalSecret that writes the Secret `metadata.name` from Secrets Manager: `source` says
 * which keys (`data`) or which whole secret (`dataFrom`).
 */
export function secretsManagerSecret(
  scope: Construct,
  id: string,
  metadata: ApiObjectMetadata & { readonly name: string },
  store: SecretStoreProps,
  source: Pick<ExternalSecretSpec, 'data' | 'dataFrom'>,
): ExternalSecret {
  return new ExternalSecret(scope, id, {
    metadata,
    spec: {
      refreshInterval: store.refreshInterval,
      secretStoreRef: { kind: ExternalSecretSpecSecretStoreRefKind.CLUSTER_SECRET_STORE, name: store.secretStoreName },
      target: {
        name: metadata.name,
        creationPolicy: ExternalSecretSpecTargetCreationPolicy.OWNER,
        // Keep the last good value if the remote secret disappears: pods keep starting, the door stays usable.
        deletionPolicy: ExternalSecretSpecTargetDeletionPolicy.RETAIN,
      },
      ...source,
    },
  });
}
