/**
 * What the Kubernetes API server and container registries accept: the limits config validation
 * checks before a value reaches a manifest. Plain data with its source; imports nothing.
 *
 * Read 2026-12-06 in kubernetes/kubernetes: k8s.io/apimachinery/pkg/util/validation/validation.go
 * (qualified names, label values, DNS-1123), pkg/apis/autoscaling/validation/validation.go
 * (MaxStabilizationWindowSeconds = 3600), the int32 field types of k8s.io/api; and in
 * distribution/reference regexp.go (names, `localhost`, tags, digests) with the OCI image spec's
 * registered digest algorithms (descriptor.md).
 */

/**
 * Largest value of an `int32` API field: replicas, probe `periodSeconds` and `failureThreshold`,
 * `containerPort`, `progressDeadlineSeconds`, KEDA's replica counts.
 * Source: the field types in k8s.io/api/core/v1/types.go and k8s.io/api/apps/v1/types.go.
 */
export const INT32_MAX = 2_147_483_647;

/**
 * Longest HPA `behavior.scaleUp/scaleDown.stabilizationWindowSeconds` (KEDA passes its
 * `advanced.horizontalPodAutoscalerConfig.behavior` straight to the HPA).
 * Source: k8s.io/api/autoscaling/v2/types.go ("must be greater than or equal to zero and less
 * than or equal to 3600 (one hour)"), enforced as MaxStabilizationWindowSeconds in
 * pkg/apis/autoscaling/validation/validation.go.
 */
export const HPA_MAX_STABILIZATION_WINDOW_SEC = 3600;

/** A DNS-1123 label (namespace and most object names): lowercase alphanumerics and '-', at most 63. */
export const DNS1123_LABEL = { pattern: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, maxLength: 63 } as const;

/** A DNS-1123 subdomain (label key prefixes, StorageClass names): dot-separated labels, at most 253. */
export const DNS1123_SUBDOMAIN = {
  pattern: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
  maxLength: 253,
} as const;

/**
 * A label key: an optional DNS-1123 subdomain prefix and '/', then a name of at most 63
 * alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric (IsQualifiedName).
 */
export const LABEL_KEY_NAME = { pattern: /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/, maxLength: 63 } as const;

/** A label value: empty, or at most 63 alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric (IsValidLabelValue). */
export const LABEL_VALUE = { pattern: /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/, maxLength: 63 } as const;

/**
 * Kubernetes resource quantities as this project writes them: a plain decimal number and a
 * binary suffix (`60Gi`, `0.5Gi`). The full grammar (k8s.io/apimachinery/pkg/api/resource/quantity.go)
 * also takes exponents, which `String(n)` produces for very large or small numbers (`1e+21Gi`
 * is not a quantity), so a value must print as plain decimal.
 */
export const PLAIN_DECIMAL = /^(0|[1-9][0-9]*)(\.[0-9]+)?$/;

/**
 * Image references, as the container runtime parses them (distribution/reference regexp.go,
 * the grammar the OCI distribution spec's names and tags follow).
 */
export const OCI = {
  /** One path component of a repository: lowercase alphanumerics joined by '.', '_', '__' or dashes. */
  pathComponent: '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*',
  /** One dot-separated part of a registry host name. */
  domainComponent: '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])',
  /** A tag: a word character then up to 127 word characters, '.' or '-'. */
  tag: /^[\w][\w.-]{0,127}$/,
  /** Longest repository name including the registry host (NameTotalLengthMax). */
  nameMaxLength: 255,
  /**
   * Digests the OCI image spec registers (descriptor.md, "Registered algorithms"): the encoded
   * part is lowercase hex of the algorithm's length.
   */
  digest: /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/,
} as const;

/**
 * A repository name with an optional registry host and port: `vllm/vllm-openai`,
 * `public.ecr.aws/aws-cli/aws-cli`, `localhost:5000/vllm`. As in Docker's normalization, the first
 * component is a host only when it has a dot, a port or is `localhost`; otherwise it is a
 * lowercase path component of a Docker Hub name.
 */
const OCI_HOST = `(?:${OCI.domainComponent}(?:\\.${OCI.domainComponent})+|localhost|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
export const OCI_REPOSITORY = new RegExp(
  `^(?:${OCI_HOST}/|${OCI.domainComponent}:[0-9]+/)?${OCI.pathComponent}(?:/${OCI.pathComponent})*$`,
);

/**
 * Most bytes a ConfigMap's `data` and `binaryData` values may hold together (1 MiB): the API
 * server refuses a bigger one ("must have at most 1048576 bytes"). llm-bench ships a promptset to
 * its worker pods in one ConfigMap, so this bounds the promptset a distributed run in the cluster takes.
 * Source: pkg/apis/core/validation/validation.go ValidateConfigMap (total of the values against
 * core.MaxSecretSize = 1 * 1024 * 1024, pkg/apis/core/types.go) and
 * kubernetes.io/docs/concepts/configuration/configmap ("The data stored in a ConfigMap cannot
 * exceed 1 MiB"), read 2026-12-07.
 */
export const CONFIGMAP_MAX_DATA_BYTES = 1_048_576;
