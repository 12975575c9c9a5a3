/**
 * Invariants every environment's manifests must hold, for every enabled variant: objects are
 * found by kind and name, and every value is traced back to the environment's config.
 */
import { describe, expect, it } from 'vitest';
import { VLLM_METRICS } from '../../constructs/metrics';
import { HF_TOKEN_SECRET } from '../../constructs/model-namespace';
import { API_KEY_SECRET } from '../../constructs/workload-layout';
import { CACHE_MOUNT, SHUTDOWN_MARGIN_SEC, VLLM_PORT, VLLM_UID } from '../../constructs/vllm-model';
import { GPU_NODE_LABEL, GPU_NODE_TAINT } from '../../constructs/hardware';
import { ENVOY_GATEWAY_NAMESPACE } from '../../constructs/gateway';
import type { ModelConfig, PlatformConfig } from '../../config/platform';
import { renderManifests } from '../../stacks/manifests';
import { adapterProps } from '../../stacks/platform-chart';
import { find, matches, ofKind, realEnvironments } from '../support/manifests';
import { validateObject } from '../support/schemas';

const envs = realEnvironments();
const cases: [string, PlatformConfig, ModelConfig][] = envs.flatMap(([env, c]) =>
  c.enabledModels.map((m) => [`${env}/${m.name}`, c, m] as [string, PlatformConfig, ModelConfig]),
);

/** `--flag value` from an args list; undefined when absent. */
function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
}

const qty = (v: unknown) => String(v);

/** Name of the Deployment that serves a variant's traffic (the active track under blue/green). */
function activeName(m: ModelConfig): string {
  return m.rolloutStrategy === 'BlueGreen' ? `${m.name}-${m.blueGreen.activeTrack}` : m.name;
}

describe.each(envs)('%s environment', (_env, c) => {
  const all = renderManifests(c);
  // The bench namespace's objects are the bench charts' (test/constructs/bench-load.test.ts).
  const bench = c.workloads.benchNamespace;
  const objs = all.filter((o) => o.metadata.namespace !== bench && !(o.kind === 'Namespace' && o.metadata.name === bench));
  const ns = c.workloads.namespace;

  it('validates every object against its schema', () => {
    for (const o of all) validateObject(o);
    expect(objs.length).toBeGreaterThan(6);
  });

  it('puts everything in the model namespace, which enforces the restricted pod security profile', () => {
    const namespace = find(objs, 'Namespace', ns);
    expect(namespace.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/audit': 'restricted',
    });
    // The GatewayClass of the front door is cluster-scoped, like the Namespace.
    for (const o of objs.filter((o) => o.kind !== 'Namespace' && o.kind !== 'GatewayClass'))
      expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe(ns);
  });

  it('denies all traffic by default', () => {
    const deny = find(objs, 'NetworkPolicy', 'default-deny');
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  });

  it('brings secrets in through ExternalSecrets and never writes a Secret or a secret value', () => {
    expect(ofKind(objs, 'Secret')).toEqual([]);
    const hf = find(objs, 'ExternalSecret', HF_TOKEN_SECRET.name);
    expect(hf.spec.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: c.secrets.storeName });
    expect(hf.spec.data).toEqual([{ secretKey: HF_TOKEN_SECRET.key, remoteRef: { key: c.secrets.hfTokenName } }]);
    if (c.workloads.enableAuth) {
      expect(find(objs, 'ExternalSecret', API_KEY_SECRET.name).spec.data[0].remoteRef.key).toBe(c.secrets.apiKeyName);
    }
    const text = JSON.stringify(objs);
    expect(text).not.toMatch(/hf_[A-Za-z0-9]{20,}/);
    expect(text).not.toMatch(/"(HF_TOKEN|HUGGING_FACE_HUB_TOKEN|VLLM_API_KEY)","value"/);
  });

  it('creates the shared claim only for a shared cache', () => {
    const claims = ofKind(objs, 'PersistentVolumeClaim').filter((o) => o.metadata.name === 'model-cache');
    expect(claims).toHaveLength(c.workloads.modelCache.kind === 'shared' ? 1 : 0);
    if (claims.length) expect((claims[0] as any).spec.accessModes).toEqual(['ReadWriteMany']);
  });

  it('emits exactly the enabled variants', () => {
    const instances = ofKind(objs, 'Deployment')
      .filter((d) => (d.metadata as any).labels['app.kubernetes.io/component'] !== 'gateway')
      .map((d) => (d.metadata as any).labels['app.kubernetes.io/instance']);
    expect([...new Set(instances)]).toEqual(c.enabledModels.map((m) => m.name));
  });
});

describe.each(cases)('%s', (_name, c, m) => {
  const objs = renderManifests(c);
  const d = find(objs, 'Deployment', activeName(m));
  const pod = d.spec.template.spec;
  const [container] = pod.containers;
  const args: string[] = container.args;
  const podLabels = d.spec.template.metadata.labels;

  it('runs the catalog model with the configured vLLM flags', () => {
    expect(pod.containers).toHaveLength(1);
    // `vllm serve <model>`: the image's ENTRYPOINT is `vllm serve`, the model is the first argument.
    expect(args[0]).toBe(m.modelId);
    expect(args).not.toContain('--model');
    expect(flag(args, '--served-model-name')).toBe(m.name);
    expect(flag(args, '--dtype')).toBe('half');
    expect(flag(args, '--port')).toBe(String(VLLM_PORT));
    expect(flag(args, '--max-model-len')).toBe(String(m.maxModelLen));
    expect(flag(args, '--max-num-seqs')).toBe(String(m.maxNumSeqs));
    expect(flag(args, '--gpu-memory-utilization')).toBe(String(m.gpuMemoryUtilization));
    expect(flag(args, '--quantization')).toBe(m.quantization ?? undefined);
    expect(flag(args, '--shutdown-timeout')).toBe(String(m.shutdownTimeoutSec));
    expect(args.includes('--api-key')).toBe(false);
    if (m.id === 'lora') {
      expect(args).toContain('--enable-lora');
      expect(flag(args, '--max-loras')).toBe(String(m.maxLoras));
      expect(flag(args, '--max-lora-rank')).toBe(String(m.maxLoraRank));
      for (const a of (m.adapters ?? []).map((x) => adapterProps(c, x))) expect(args).toContain(`${a.name}=${a.path}`);
    } else {
      expect(args).not.toContain('--enable-lora');
    }
  });

  it('pins the image and never pulls it again when present', () => {
    expect(container.image).toMatch(/^vllm\/vllm-openai(:v\d+\.\d+\.\d+|@sha256:[a-f0-9]{64})$/);
    expect(container.image).not.toMatch(/:latest$/);
    expect(container.imagePullPolicy).toBe('IfNotPresent');
  });

  it('asks for one GPU and requests that fit the GPU node beside the system pods', () => {
    const { requests, limits } = container.resources;
    expect(qty(limits['nvidia.com/gpu'])).toBe('1');
    expect(qty(requests['nvidia.com/gpu'])).toBe('1');
    expect(requests.cpu).toBe(m.cpuRequest);
    expect(limits.cpu).toBe(m.cpuLimit);
    expect(requests.memory).toBe(`${m.memoryRequestGiB}Gi`);
    expect(limits.memory).toBe(`${m.memoryLimitGiB}Gi`);
    expect(m.cpuRequest).toBeLessThan(c.gpu.vcpu);
    expect(m.memoryRequestGiB).toBeLessThan(c.gpu.memoryGiB);
  });

  it('probes /health, giving a cold start at least ten minutes and liveness a minute of slack', () => {
    const { startupProbe: s, readinessProbe: r, livenessProbe: l } = container;
    for (const p of [s, r, l]) expect(p.httpGet.path).toBe('/health');
    expect(s.periodSeconds * s.failureThreshold).toBeGreaterThanOrEqual(Math.max(600, m.startupTimeoutSec));
    expect(l.periodSeconds * l.failureThreshold).toBeGreaterThanOrEqual(60);
    expect(s.tcpSocket).toBeUndefined();
    expect(d.spec.progressDeadlineSeconds).toBeGreaterThan(s.periodSeconds * s.failureThreshold);
  });

  it('drains before it is killed, within a SPOT interruption', () => {
    expect(container.lifecycle.preStop.exec.command).toEqual(['sleep', String(m.preStopSleepSec)]);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(m.preStopSleepSec + m.shutdownTimeoutSec + SHUTDOWN_MARGIN_SEC);
    if (c.gpuNodes.capacityType === 'SPOT') expect(m.preStopSleepSec + m.shutdownTimeoutSec).toBeLessThanOrEqual(90);
  });

  it('runs as the image user with nothing it does not need', () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: VLLM_UID, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod.hostNetwork ?? false).toBe(false);
    expect(pod.hostPID ?? false).toBe(false);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.enableServiceLinks).toBe(false);
    expect(pod.volumes.some((v: any) => v.hostPath)).toBe(false);
  });

  it('mounts a writable volume at every path vLLM writes', () => {
    const env = Object.fromEntries(container.env.filter((e: any) => 'value' in e).map((e: any) => [e.name, e.value]));
    const mounts: string[] = container.volumeMounts.map((v: any) => v.mountPath);
    for (const path of [env.HOME, env.HF_HOME, env.VLLM_CACHE_ROOT, '/tmp', '/dev/shm']) {
      expect(
        mounts.some((mp) => path === mp || path.startsWith(`${mp}/`)),
        path,
      ).toBe(true);
    }
    expect(env.HF_HOME.startsWith(CACHE_MOUNT)).toBe(true);
    const shm = pod.volumes.find((v: any) => v.name === container.volumeMounts.find((vm: any) => vm.mountPath === '/dev/shm').name);
    expect(shm.emptyDir).toEqual({ medium: 'Memory', sizeLimit: `${m.shmSizeGiB}Gi` });
  });

  it('reads the HF token and API key from Secrets, never literals', () => {
    const byName = Object.fromEntries(container.env.map((e: any) => [e.name, e]));
    expect(byName.HF_TOKEN).toEqual({ name: 'HF_TOKEN', valueFrom: { secretKeyRef: HF_TOKEN_SECRET } });
    if (c.workloads.enableAuth) {
      expect(byName.VLLM_API_KEY).toEqual({ name: 'VLLM_API_KEY', valueFrom: { secretKeyRef: API_KEY_SECRET } });
    } else {
      expect(byName.VLLM_API_KEY).toBeUndefined();
    }
  });

  it('caches weights where the config says, with a rollout that cannot deadlock on it', () => {
    const cache = pod.volumes.find((v: any) => v.name === 'model-cache');
    const kind = c.workloads.modelCache.kind;
    if (kind === 'pvc') {
      expect(cache.persistentVolumeClaim.claimName).toBe(`${activeName(m)}-cache`);
      const pvc = find(objs, 'PersistentVolumeClaim', `${activeName(m)}-cache`);
      expect(pvc.spec.accessModes).toEqual(['ReadWriteOnce']);
      expect(d.spec.strategy).toEqual({ type: 'Recreate' });
      expect(m.maxReplicas).toBe(1);
    } else if (kind === 'shared') {
      expect(cache.persistentVolumeClaim.claimName).toBe('model-cache');
    } else {
      expect(cache.ephemeral.volumeClaimTemplate.spec.accessModes).toEqual(['ReadWriteOnce']);
    }
    if (d.spec.strategy.type === 'RollingUpdate') {
      expect(kind).not.toBe('pvc');
      expect(d.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    }
  });

  it('lands only on GPU nodes and spreads replicas over zones and hosts', () => {
    expect(pod.tolerations).toContainEqual({ key: GPU_NODE_TAINT.key, operator: 'Exists', effect: GPU_NODE_TAINT.effect });
    const term = pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0];
    expect(term.matchExpressions).toContainEqual({ key: GPU_NODE_LABEL.key, operator: 'In', values: [GPU_NODE_LABEL.value] });
    const keys = (pod.topologySpreadConstraints ?? []).map((t: any) => t.topologyKey);
    if (m.maxReplicas > 1) {
      expect(keys).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
      for (const t of pod.topologySpreadConstraints) expect(matches(t.labelSelector.matchLabels, podLabels)).toBe(true);
    } else {
      expect(keys).toEqual([]);
    }
  });

  it('is reachable through a Service on 8000 that is not named vllm', () => {
    const svc = find(objs, 'Service', m.name);
    expect(svc.metadata.name).not.toBe('vllm');
    expect(svc.spec.ports).toEqual([{ name: 'http', port: VLLM_PORT, targetPort: 'http', protocol: 'TCP' }]);
    expect(matches(svc.spec.selector, podLabels)).toBe(true);
    expect(matches(d.spec.selector.matchLabels, podLabels)).toBe(true);
  });

  it('is scraped on /metrics by the Prometheus operator, each pod through exactly one Service', () => {
    const sm = find(objs, 'ServiceMonitor', m.name);
    const scraped = ofKind(objs, 'Service').filter((s) => matches(sm.spec.selector.matchLabels, (s.metadata as any).labels)) as any[];
    const deployments = ofKind(objs, 'Deployment').filter(
      (x) => (x.metadata as any).labels['app.kubernetes.io/instance'] === m.name,
    ) as any[];
    for (const dep of deployments) {
      const labels = dep.spec.template.metadata.labels;
      expect(
        scraped.filter((s) => matches(s.spec.selector, labels)),
        dep.metadata.name,
      ).toHaveLength(1);
    }
    expect(sm.spec.endpoints).toEqual([expect.objectContaining({ port: 'http', path: '/metrics' })]);
    expect(matches(c.workloads.monitoring.selectorLabels, sm.metadata.labels)).toBe(true);
  });

  it('scales on queue depth and KV-cache use between the configured bounds', () => {
    const scaled = ofKind(objs, 'ScaledObject').filter((o) => o.metadata.name === m.name) as any[];
    if (m.maxReplicas === m.minReplicas) {
      expect(scaled).toEqual([]);
      expect(d.spec.replicas).toBe(m.minReplicas);
      return;
    }
    const [so] = scaled;
    expect(d.spec.replicas).toBeUndefined();
    expect(so.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: activeName(m) });
    expect(so.spec.minReplicaCount).toBe(m.minReplicas);
    expect(so.spec.minReplicaCount).toBeGreaterThanOrEqual(1);
    expect(so.spec.maxReplicaCount).toBe(m.maxReplicas);
    expect(so.spec.fallback.replicas).toBeGreaterThanOrEqual(m.minReplicas);
    const behavior = so.spec.advanced.horizontalPodAutoscalerConfig.behavior;
    expect(behavior.scaleUp.stabilizationWindowSeconds).toBe(0);
    expect(behavior.scaleDown.stabilizationWindowSeconds).toBe(300);
    const selector = `{namespace="${c.workloads.namespace}",model_name="${m.name}"}`;
    expect(so.spec.triggers.map((t: any) => [t.type, t.metricType, t.metadata.query, t.metadata.threshold])).toEqual([
      ['prometheus', 'AverageValue', `sum(${VLLM_METRICS.requestsWaiting.name}${selector})`, String(m.queueDepthPerReplica)],
      ['prometheus', 'AverageValue', `sum(${VLLM_METRICS.kvCacheUsage.name}${selector})`, String(m.kvCacheUsageTarget)],
    ]);
    for (const t of so.spec.triggers) expect(t.metadata.serverAddress).toBe(c.workloads.monitoring.prometheusUrl);
  });

  it('has a disruption budget that never blocks a node drain', () => {
    const pdb = find(objs, 'PodDisruptionBudget', m.name);
    expect(matches(pdb.spec.selector.matchLabels, podLabels)).toBe(true);
    expect(pdb.spec.minAvailable).toBeUndefined();
    expect(pdb.spec.maxUnavailable).toBeGreaterThanOrEqual(1);
    expect(pdb.spec.unhealthyPodEvictionPolicy).toBe('AlwaysAllow');
  });

  it('accepts traffic on 8000 only from client namespaces, the bench, Prometheus and the front door', () => {
    const np = find(objs, 'NetworkPolicy', m.name);
    expect(matches(np.spec.podSelector.matchLabels, podLabels)).toBe(true);
    expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(np.spec.ingress).toHaveLength(1);
    const from = np.spec.ingress[0].from.map((f: any) => f.namespaceSelector.matchLabels['kubernetes.io/metadata.name']);
    expect(from).toEqual(
      [
        ...new Set([
          ...c.workloads.clientNamespaces,
          c.workloads.benchNamespace,
          c.workloads.monitoring.namespace,
          ...(c.gateway.enabled ? [ENVOY_GATEWAY_NAMESPACE] : []),
        ]),
      ].sort(),
    );
    expect(np.spec.ingress[0].ports).toEqual([{ port: VLLM_PORT, protocol: 'TCP' }]);
    const egressPorts = np.spec.egress.flatMap((e: any) => e.ports.map((p: any) => `${p.port}/${p.protocol}`));
    expect(egressPorts.sort()).toEqual(['443/TCP', '53/TCP', '53/UDP']);
  });

  it('keeps a warm standby track under blue/green and routes the Service to the active one', () => {
    const deployments = ofKind(objs, 'Deployment').filter(
      (x) => (x.metadata as any).labels['app.kubernetes.io/instance'] === m.name,
    ) as any[];
    const svc = find(objs, 'Service', m.name);
    if (m.rolloutStrategy !== 'BlueGreen') {
      expect(deployments.map((x) => x.metadata.name)).toEqual([m.name]);
      return;
    }
    const { activeTrack, standbyReplicas } = m.blueGreen;
    const standby = activeTrack === 'blue' ? 'green' : 'blue';
    expect(deployments.map((x) => x.metadata.name).sort()).toEqual([`${m.name}-blue`, `${m.name}-green`]);
    expect(svc.spec.selector['llm-platform.io/track']).toBe(activeTrack);
    expect(matches(svc.spec.selector, find(objs, 'Deployment', `${m.name}-${standby}`).spec.template.metadata.labels)).toBe(false);
    expect(find(objs, 'Deployment', `${m.name}-${standby}`).spec.replicas).toBe(standbyReplicas);
    for (const t of ['blue', 'green']) {
      const trackSvc = find(objs, 'Service', `${m.name}-${t}`);
      expect(matches(trackSvc.spec.selector, find(objs, 'Deployment', `${m.name}-${t}`).spec.template.metadata.labels)).toBe(true);
    }
  });

  it('runs under its own ServiceAccount with no API token', () => {
    const sa = find(objs, 'ServiceAccount', m.name);
    expect(sa.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe(m.name);
  });
});
