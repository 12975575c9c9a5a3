/**
 * Sizes of what the add-ons claim, shared by the Pulumi components (infra/addons.ts, through
 * infra/sizes.ts) and the cost estimate (bench/cost/environment.ts), so the bill and the cluster
 * agree. A leaf: no Pulumi or cdk8s imports.
 */

/** The Prometheus volume kube-prometheus-stack claims (15 days of retention fit well inside it). */
export const PROMETHEUS_STORAGE_GIB = 50;
