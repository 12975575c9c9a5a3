/**
 * The namespace the models run in and what every model in it shares: Pod Security Admission
 * labels, a default-deny NetworkPolicy, the ExternalSecrets that bring the Hugging Face token
 * and API key from AWS Secrets Manager, and (for a shared cache) the ReadWriteMany claim.
 */
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { defaultDenyPolicy, restrictedNamespace, secretsManagerSecret } from './namespace-parts';
import { API_KEY_SECRET } from './workload-layout';
import type { SecretKeyRef } from './vllm-model';

/** Secret the ExternalSecret writes the Hugging Face token to. */
export const HF_TOKEN_SECRET: SecretKeyRef = { name: 'hf-token', key: 'token' };
/** Name of the ReadWriteMany model cache claim. */
export const SHARED_CACHE_CLAIM = 'model-cache';

export interface ModelNamespaceProps {
  readonly name: string;
  /** ClusterSecretStore that reads AWS Secrets Manager. */
  readonly secretStoreName: string;
  /** Secrets Manager name of the Hugging Face token. */
  readonly hfTokenName: string;
  /** Secrets Manager name of the API key; absent when auth is off. */
  readonly apiKeyName?: string;
  readonly refreshInterval: string;
  /** The RWX claim to create for a shared cache. @default - none */
  readonly sharedCache?: { readonly storageClassName: string; readonly sizeGiB: number };
}

export class ModelNamespace extends Construct {
  readonly namespace: k8s.KubeNamespace;

  constructor(scope: Construct, id: string, props: ModelNamespaceProps) {
    super(scope, id);
    const labels = { 'app.kubernetes.io/part-of': 'llm-platform' };

    this.namespace = restrictedNamespace(this, props.name, labels);
    const metadata = (name: string) => ({ name, namespace: props.name, labels });
    defaultDenyPolicy(this, metadata('default-deny'));

    const secret = (id: string, target: SecretKeyRef, remoteKey: string) =>
      secretsManagerSecret(this, id, metadata(target.name), props, { data: [{ secretKey: target.key, remoteRef: { key: remoteKey } }] });
    secret('HfToken', HF_TOKEN_SECRET, props.hfTokenName);
    if (props.apiKeyName) secret('ApiKey', API_KEY_SECRET, props.apiKeyName);

    if (props.sharedCache) {
      new k8s.KubePersistentVolumeClaim(this, 'SharedCache', {
        metadata: metadata(SHARED_CACHE_CLAIM),
        spec: {
          accessModes: ['ReadWriteMany'],
          storageClassName: props.sharedCache.storageClassName,
          resources: { requests: { storage: k8s.Quantity.fromString(`${props.sharedCache.sizeGiB}Gi`) } },
        },
      });
    }
  }
}
