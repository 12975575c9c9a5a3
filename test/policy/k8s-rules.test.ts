/**
 * The Kubernetes rules over every synthesized manifest: each real environment, and config
 * variants the real ones do not use (registry loaders, an ephemeral cache, auth off), pass every
 * rule; exceptions apply only where declared; the helpers follow the API server's semantics.
 */
import { describe, expect, it } from 'vitest';
import { K8S_RULE_EXCEPTIONS, K8S_RULE_IDS, K8S_RULES, evaluateK8sRules } from '../../policy/k8s';
import { allowedDisruptions } from '../../policy/k8s/rules';
import { selectorMatches } from '../../policy/k8s/objects';
import { parsePlatformConfig } from '../../config/platform';
import { renderManifests } from '../../stacks/manifests';
import { realEnvironments } from '../support/manifests';
import { base, describeFailures, failures, get, pod } from './support';

const envs = realEnvironments();

describe.each(envs)('%s environment', (_env, c) => {
  const objs = renderManifests(c);
  const results = evaluateK8sRules(objs);

  it('passes every rule', () => {
    expect(describeFailures(results.filter((r) => !r.passed))).toEqual([]);
  });

  it('applies every rule to something, so none passes vacuously', () => {
    expect([...new Set(results.map((r) => r.rule))].sort()).toEqual([...K8S_RULE_IDS].sort());
  });

  it('judges every Deployment with every workload rule, and every object for secret values', () => {
    const deployments = objs.filter((o) => o.kind === 'Deployment').map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
    for (const rule of K8S_RULES.filter((r) => r.kinds.includes('Deployment'))) {
      expect(
        results
          .filter((r) => r.rule === rule.id && r.type === 'Deployment')
          .map((r) => r.resource)
          .sort(),
        rule.id,
      ).toEqual(deployments.sort());
    }
    expect(results.filter((r) => r.rule === 'no-secret-values')).toHaveLength(objs.length);
  });

  it('declares no exception that could cover the model namespace', () => {
    for (const e of K8S_RULE_EXCEPTIONS) expect(e.namespace).not.toBe(c.workloads.namespace);
    expect(results.filter((r) => r.exemptedBy)).toEqual([]);
  });
});

const VARIANTS: [string, Record<string, unknown>][] = [
  [
    'registry weights through the sync init container, on an ephemeral cache',
    {
      registry: { bucketName: 'llm-platform-models-test' },
      workloads: { modelCache: { kind: 'ephemeral' } },
      models: { fp16: { enabled: false }, awq: { source: { kind: 'registry', version: '1.2.0', loader: 'sync' }, maxReplicas: 2 } },
    },
  ],
  [
    'registry weights streamed by vLLM, blue/green on a shared cache, auth off',
    {
      registry: { bucketName: 'llm-platform-models-test' },
      gpuNodes: { maxSize: 8 },
      workloads: { modelCache: { kind: 'shared' }, enableAuth: false },
      models: {
        awq: {
          source: { kind: 'registry', version: '1.2.0', loader: 'stream' },
          rolloutStrategy: 'BlueGreen',
          blueGreen: { standbyReplicas: 0 },
        },
      },
    },
  ],
];

describe.each(VARIANTS)('config variant: %s', (_name, settings) => {
  it('passes every rule', () => {
    const objs = renderManifests(parsePlatformConfig(settings, 'variant', 'variant'));
    expect(describeFailures(failures(objs))).toEqual([]);
    if (JSON.stringify(settings).includes('sync')) {
      const init = objs.flatMap((o: any) => (o.kind === 'Deployment' ? (o.spec.template.spec.initContainers ?? []) : []));
      expect(init.map((i: any) => i.name)).toContain('registry-sync');
    }
  });
});

describe('exceptions', () => {
  const daemonSet = (namespace: string, name: string) => {
    const objs = base();
    const spec = structuredClone(pod(objs, 'mistral-7b-judge').spec);
    spec.volumes.push({ name: 'device-plugins', hostPath: { path: '/var/lib/kubelet/device-plugins' } });
    const labels = { 'app.kubernetes.io/name': name };
    return {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name, namespace, labels },
      spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec } },
    };
  };

  it('turns a declared failure into a pass that says why, for the add-on in its own namespace', () => {
    const results = evaluateK8sRules([daemonSet('kube-system', 'nvidia-device-plugin')]).filter((r) => r.rule === 'no-host-path');
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ passed: true, resource: 'kube-system/nvidia-device-plugin', type: 'DaemonSet' });
    expect(results[0]!.reason).toMatch(/^exempt: registers the node GPUs .* \(would fail: volume device-plugins mounts host path/);
    expect(results[0]!.exemptedBy?.rule).toBe('no-host-path');
  });

  it('does not follow the add-on into another namespace, or cover rules it was not declared for', () => {
    const moved = evaluateK8sRules([daemonSet('llm-baseline', 'nvidia-device-plugin')]).filter((r) => r.rule === 'no-host-path');
    expect(moved.map((r) => r.passed)).toEqual([false]);
    const other = daemonSet('kube-system', 'nvidia-device-plugin');
    other.spec.template.spec.hostNetwork = true;
    expect(
      evaluateK8sRules([other])
        .filter((r) => r.rule === 'no-host-namespaces')
        .map((r) => r.passed),
    ).toEqual([false]);
  });

  it('can be replaced, so an empty list makes every add-on meet every rule', () => {
    const strict = evaluateK8sRules([daemonSet('kube-system', 'nvidia-device-plugin')], { exceptions: [] }).filter(
      (r) => r.rule === 'no-host-path',
    );
    expect(strict.map((r) => r.passed)).toEqual([false]);
  });

  it('names a known rule and gives a reason for every exception', () => {
    for (const e of K8S_RULE_EXCEPTIONS) {
      expect(K8S_RULE_IDS).toContain(e.rule);
      expect(e.reason.length, JSON.stringify(e)).toBeGreaterThan(20);
      expect(e.namespace).toMatch(/^[a-z0-9-]+$/);
    }
  });
});

describe('helpers', () => {
  it('rounds PodDisruptionBudget percentages up, as the disruption controller does', () => {
    expect(allowedDisruptions({ maxUnavailable: 1 }, 1)).toBe(1);
    expect(allowedDisruptions({ maxUnavailable: '10%' }, 1)).toBe(1);
    expect(allowedDisruptions({ maxUnavailable: '0%' }, 4)).toBe(0);
    expect(allowedDisruptions({ minAvailable: 1 }, 1)).toBe(0);
    expect(allowedDisruptions({ minAvailable: 1 }, 3)).toBe(2);
    expect(allowedDisruptions({ minAvailable: '50%' }, 3)).toBe(1);
    expect(allowedDisruptions({ minAvailable: '100%' }, 5)).toBe(0);
    expect(allowedDisruptions({}, 2)).toBeUndefined();
  });

  it('matches label selectors with matchLabels and every matchExpressions operator', () => {
    const labels = { app: 'vllm', track: 'blue' };
    expect(selectorMatches({ matchLabels: { app: 'vllm' } }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'track', operator: 'In', values: ['blue', 'green'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'track', operator: 'NotIn', values: ['blue'] }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'canary', operator: 'DoesNotExist' }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'canary', operator: 'Exists' }] }, labels)).toBe(false);
    expect(selectorMatches({ matchLabels: { app: 'vllm' }, matchExpressions: [{ key: 'x', operator: 'Bogus' }] }, labels)).toBe(false);
  });

  it('counts KEDA minReplicaCount as the floor a budget must allow a drain at', () => {
    const objs = base();
    get(objs, 'ScaledObject', 'mistral-7b-judge').spec.minReplicaCount = 1;
    get(objs, 'PodDisruptionBudget', 'mistral-7b-judge').spec = {
      ...get(objs, 'PodDisruptionBudget', 'mistral-7b-judge').spec,
      maxUnavailable: undefined,
      minAvailable: 1,
    };
    delete get(objs, 'PodDisruptionBudget', 'mistral-7b-judge').spec.maxUnavailable;
    expect(describeFailures(failures(objs))).toEqual([
      'pdb-allows-drain Deployment llm-baseline/mistral-7b-judge: PodDisruptionBudget mistral-7b-judge allows 0 evictions at 1 pods (the minimum): a node drain blocks',
    ]);
  });
});
