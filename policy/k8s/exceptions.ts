/**
 * Declared exceptions to the Kubernetes rules: which rule, for which objects, and why. Only
 * add-ons that need the node (device plugins, GPU telemetry) get them, and only in their own
 * namespaces: nothing in a model namespace is ever exempt (the tests check it).
 */
import type { K8sRuleId } from './rules';

export interface K8sRuleException {
  readonly rule: K8sRuleId;
  /** The add-on's namespace. */
  readonly namespace: string;
  /** @default - any kind */
  readonly kind?: string;
  /** @default - any object of the namespace (and kind) */
  readonly name?: string;
  /** Why the add-on cannot meet the rule; shown in the result. */
  readonly reason: string;
}

/** NVIDIA device plugin (infra/addons.ts installs it into kube-system). */
const DEVICE_PLUGIN = { namespace: 'kube-system', kind: 'DaemonSet', name: 'nvidia-device-plugin' } as const;
/** dcgm-exporter, the GPU telemetry the dashboards and GPU alerts read. */
const DCGM_EXPORTER = { namespace: 'gpu-monitoring', kind: 'DaemonSet', name: 'dcgm-exporter' } as const;

export const K8S_RULE_EXCEPTIONS: readonly K8sRuleException[] = [
  {
    rule: 'no-host-path',
    ...DEVICE_PLUGIN,
    reason: 'registers the node GPUs with the kubelet through its socket in /var/lib/kubelet/device-plugins',
  },
  {
    rule: 'run-as-non-root',
    ...DEVICE_PLUGIN,
    reason: 'the kubelet device-plugin directory is root-owned; the plugin runs as root to create its socket there',
  },
  {
    rule: 'no-host-path',
    ...DCGM_EXPORTER,
    reason: 'maps GPUs to pods through the kubelet pod-resources socket in /var/lib/kubelet/pod-resources',
  },
  {
    rule: 'run-as-non-root',
    ...DCGM_EXPORTER,
    reason: 'DCGM reads the GPU driver as root',
  },
  {
    rule: 'drop-all-capabilities',
    ...DCGM_EXPORTER,
    reason: 'profiling counters (memory bandwidth, tensor activity) need SYS_ADMIN',
  },
];

/** The first exception covering `rule` for an object, if any. */
export function exceptionFor(
  exceptions: readonly K8sRuleException[],
  rule: K8sRuleId,
  o: { readonly kind: string; readonly metadata: { readonly name: string; readonly namespace?: string } },
): K8sRuleException | undefined {
  return exceptions.find(
    (e) =>
      e.rule === rule &&
      e.namespace === o.metadata.namespace &&
      (e.kind === undefined || e.kind === o.kind) &&
      (e.name === undefined || e.name === o.metadata.name),
  );
}
