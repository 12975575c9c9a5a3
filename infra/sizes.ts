/**
 * Sizes of what the add-ons claim, shared with the cost estimate (stacks/cost/) so the bill and
 * the cluster agree. No Pulumi imports: the estimate loads this without the Pulumi SDK.
 */

/** The Prometheus volume kube-prometheus-stack claims (15 days of retention fit well inside it). */
export const PROMETHEUS_STORAGE_GIB = 50;
