/**
 * Schema validation of synthesized objects with the @kubernetes-models packages (Kubernetes
 * OpenAPI and the CRDs' published schemas), so the check needs no copy of upstream files.
 */
import { ExternalSecret as ExternalSecretV1beta1 } from '@kubernetes-models/external-secrets/external-secrets.io/v1beta1/ExternalSecret';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import type { KubernetesObject } from '../../stacks/manifests';
import { crdValidator } from './crd-schemas';

type Validator = (obj: KubernetesObject) => void;
const model =
  (Ctor: new (data: any) => { validate(): void }): Validator =>
  (obj) =>
    new Ctor(obj).validate();

const VALIDATORS: Record<string, Validator> = {
  'v1/Namespace': model(Namespace),
  'v1/Service': model(Service),
  'v1/ServiceAccount': model(ServiceAccount),
  'v1/PersistentVolumeClaim': model(PersistentVolumeClaim),
  'v1/ConfigMap': model(ConfigMap),
  'apps/v1/Deployment': model(Deployment),
  'batch/v1/Job': model(Job),
  'rbac.authorization.k8s.io/v1/Role': model(Role),
  'rbac.authorization.k8s.io/v1/RoleBinding': model(RoleBinding),
  'policy/v1/PodDisruptionBudget': model(PodDisruptionBudget),
  'networking.k8s.io/v1/NetworkPolicy': model(NetworkPolicy),
  'keda.sh/v1alpha1/ScaledObject': model(ScaledObject),
  'monitoring.coreos.com/v1/ServiceMonitor': model(ServiceMonitor),
  'monitoring.coreos.com/v1/PodMonitor': model(PodMonitor),
  'monitoring.coreos.com/v1/PrometheusRule': model(PrometheusRule),
  // external-secrets.io/v1 is v1beta1 promoted with the same schema; the models package that
  // ships v1 needs Node 22, so the v1 objects are checked against the v1beta1 schema.
  'external-secrets.io/v1/ExternalSecret': (obj) =>
    new ExternalSecretV1beta1({ ...obj, apiVersion: 'external-secrets.io/v1beta1' } as any).validate(),
};

/** Throws with the object's identity and the schema errors when `obj` is invalid or unknown. */
export function validateObject(obj: KubernetesObject): void {
  const key = `${obj.apiVersion}/${obj.kind}`;
  // The front door's kinds are checked against the CRDs copied in crds/ (see crd-schemas.ts).
  const validate = VALIDATORS[key] ?? crdValidator(key);
  if (!validate) throw new Error(`no schema registered for ${key} (${obj.metadata.name})`);
  try {
    validate(obj);
  } catch (e) {
    throw new Error(`${key} ${obj.metadata.name} fails its schema: ${(e as Error).message}`);
  }
}
