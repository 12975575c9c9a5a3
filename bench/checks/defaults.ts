/**
 * Defaults of the cluster-side checks (rollback, autoscale, post-deploy), in one object: the
 * CLI, the library and docs/postdeploy.md read them from here.
 */
export const POSTDEPLOY_DEFAULTS = {
  /** Namespace of the model workloads (`workloads.namespace` in config/platform.ts). */
  namespace: 'llm-baseline',
  /** How often the checks read the Kubernetes API (they poll; they do not watch). */
  pollMs: 1000,
  /** Width of one timeline sample in the reports. */
  sampleMs: 1000,
  /** Per Kubernetes API call. */
  kubeRequestTimeoutMs: 30_000,
  rollback: {
    /** Gate: trigger → every new pod ready and no old pod serving. */
    limitSec: 60,
    /** Gate: failed requests over the whole run. */
    maxFailedRequests: 0,
    /** Steady load before the trigger, to see the baseline. */
    beforeSec: 5,
    /** Steady load after the rollback completes, to catch late failures. */
    afterSec: 5,
    /** Give up waiting for completion after this long (a T4 cold start fits well inside). */
    timeoutSec: 1200,
    /** Closed-loop users of the steady load. */
    concurrency: 4,
  },
  autoscale: {
    /** Gate: load start → ready replicas reach the scale-up target. GPU nodes take minutes. */
    scaleUpLimitSec: 600,
    /** Gate: load stop → replicas back down (KEDA cooldown + HPA stabilization + drain). */
    scaleDownLimitSec: 900,
    /** Seconds each load step holds before the next one. */
    holdSec: 120,
  },
  postdeploy: {
    /** Seconds of load per variant. */
    loadDurationSec: 60,
    concurrency: 4,
  },
} as const;
