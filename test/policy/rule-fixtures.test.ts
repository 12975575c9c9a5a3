/**
 * One broken manifest per rule (and per way to break it): a valid environment's objects with a
 * single change, after which exactly that rule fails, on the object that was changed, with a
 * reason that says what is wrong.
 */
import { describe, expect, it } from 'vitest';
import { K8S_RULE_IDS, type K8sRuleId } from '../../policy/k8s';
import { base, describeFailures, failures, get, pod, remove, type Objects } from './support';

const NS = 'llm-baseline';
const MODEL = 'mistral-7b-judge';
const AT = `${NS}/${MODEL}`;
const GATEWAY = 'llm-gateway';
const GW = `${NS}/${GATEWAY}`;

interface Fixture {
  readonly rule: K8sRuleId;
  readonly breaks: string;
  readonly mutate: (objs: Objects) => Objects;
  /** The resource that fails. @default - the judge Deployment */
  readonly resource?: string;
  /** A fragment of the reason. */
  readonly reason: RegExp;
}

const withPod = (f: (p: ReturnType<typeof pod>) => void) => (objs: Objects) => {
  f(pod(objs, MODEL));
  return objs;
};

const FIXTURES: Fixture[] = [
  {
    rule: 'run-as-non-root',
    breaks: 'the container runs as UID 0',
    mutate: withPod(({ container }) => (container.securityContext.runAsUser = 0)),
    reason: /container vllm runs as UID 0/,
  },
  {
    rule: 'run-as-non-root',
    breaks: 'neither the pod nor the container sets runAsNonRoot',
    mutate: withPod(({ spec, container }) => {
      delete spec.securityContext.runAsNonRoot;
      delete container.securityContext.runAsNonRoot;
    }),
    reason: /does not set runAsNonRoot: true/,
  },
  {
    rule: 'no-privilege-escalation',
    breaks: 'the container may escalate',
    mutate: withPod(({ container }) => (container.securityContext.allowPrivilegeEscalation = true)),
    reason: /allowPrivilegeEscalation: false/,
  },
  {
    rule: 'no-privilege-escalation',
    breaks: 'the container is privileged',
    mutate: withPod(({ container }) => (container.securityContext.privileged = true)),
    reason: /is privileged/,
  },
  {
    rule: 'drop-all-capabilities',
    breaks: 'the container drops only NET_RAW',
    mutate: withPod(({ container }) => (container.securityContext.capabilities = { drop: ['NET_RAW'] })),
    reason: /does not drop ALL/,
  },
  {
    rule: 'drop-all-capabilities',
    breaks: 'the container adds SYS_ADMIN',
    mutate: withPod(({ container }) => (container.securityContext.capabilities.add = ['SYS_ADMIN'])),
    reason: /adds capabilities SYS_ADMIN/,
  },
  {
    rule: 'seccomp-profile',
    breaks: 'the pod sets no seccomp profile',
    mutate: withPod(({ spec }) => delete spec.securityContext.seccompProfile),
    reason: /seccompProfile unset/,
  },
  {
    rule: 'seccomp-profile',
    breaks: 'the container is Unconfined',
    mutate: withPod(({ container }) => (container.securityContext.seccompProfile = { type: 'Unconfined' })),
    reason: /seccompProfile Unconfined/,
  },
  {
    rule: 'no-host-namespaces',
    breaks: 'the pod uses the host network',
    mutate: withPod(({ spec }) => (spec.hostNetwork = true)),
    reason: /hostNetwork: true/,
  },
  {
    rule: 'no-host-namespaces',
    breaks: 'the container binds a host port',
    mutate: withPod(({ container }) => (container.ports[0].hostPort = 8000)),
    reason: /binds host port 8000/,
  },
  {
    rule: 'no-host-path',
    breaks: 'the pod mounts /var/run',
    mutate: withPod(({ spec }) => spec.volumes.push({ name: 'docker', hostPath: { path: '/var/run' } })),
    reason: /volume docker mounts host path \/var\/run/,
  },
  {
    rule: 'pinned-images',
    breaks: 'the image is latest',
    mutate: withPod(({ container }) => (container.image = 'vllm/vllm-openai:latest')),
    reason: /latest is not a version/,
  },
  {
    rule: 'pinned-images',
    breaks: 'the image has no tag',
    mutate: withPod(({ container }) => (container.image = 'vllm/vllm-openai')),
    reason: /without a tag or digest/,
  },
  {
    rule: 'requests-and-limits',
    breaks: 'the container has no memory limit',
    mutate: withPod(({ container }) => delete container.resources.limits.memory),
    reason: /has no limits\.memory/,
  },
  {
    rule: 'requests-and-limits',
    breaks: 'the container requests no CPU',
    mutate: withPod(({ container }) => delete container.resources.requests.cpu),
    reason: /has no requests\.cpu/,
  },
  {
    rule: 'requests-and-limits',
    breaks: 'the GPU request differs from the limit',
    mutate: withPod(({ container }) => (container.resources.limits['nvidia.com/gpu'] = 2)),
    reason: /requests nvidia\.com\/gpu unlike its limit/,
  },
  {
    rule: 'probes',
    breaks: 'the container has no liveness probe',
    mutate: withPod(({ container }) => delete container.livenessProbe),
    reason: /has no livenessProbe/,
  },
  {
    rule: 'probes',
    breaks: 'liveness probes /metrics',
    mutate: withPod(({ container }) => (container.livenessProbe.httpGet.path = '/metrics')),
    reason: /liveness on \/metrics/,
  },
  {
    rule: 'pdb-allows-drain',
    breaks: 'the budget allows no eviction',
    mutate: (objs) => ((get(objs, 'PodDisruptionBudget', MODEL).spec.maxUnavailable = 0), objs),
    reason: /allows 0 evictions at 2 pods/,
  },
  {
    rule: 'pdb-allows-drain',
    breaks: 'the budget keeps 100% available',
    mutate: (objs) => {
      const spec = get(objs, 'PodDisruptionBudget', MODEL).spec;
      delete spec.maxUnavailable;
      spec.minAvailable = '100%';
      return objs;
    },
    reason: /allows 0 evictions/,
  },
  {
    rule: 'pdb-allows-drain',
    breaks: 'two budgets cover the pods',
    mutate: (objs) => {
      const copy = structuredClone(get(objs, 'PodDisruptionBudget', MODEL));
      copy.metadata.name = `${MODEL}-extra`;
      return [...objs, copy];
    },
    reason: /covered by 2 PodDisruptionBudgets .*evictions fail/,
  },
  {
    rule: 'pdb-allows-drain',
    breaks: 'there is no budget',
    mutate: (objs) => remove(objs, 'PodDisruptionBudget', MODEL),
    reason: /has no PodDisruptionBudget/,
  },
  {
    rule: 'pdb-allows-drain',
    breaks: 'the budget protects unhealthy pods',
    mutate: (objs) => ((get(objs, 'PodDisruptionBudget', MODEL).spec.unhealthyPodEvictionPolicy = 'IfHealthyBudget'), objs),
    reason: /unhealthyPodEvictionPolicy is not AlwaysAllow/,
  },
  {
    rule: 'network-policy-per-workload',
    breaks: 'the workload has no NetworkPolicy',
    mutate: (objs) => remove(objs, 'NetworkPolicy', MODEL),
    reason: /has no NetworkPolicy selecting its pods/,
  },
  {
    rule: 'network-policy-per-workload',
    breaks: 'its NetworkPolicy leaves egress open',
    mutate: (objs) => ((get(objs, 'NetworkPolicy', MODEL).spec.policyTypes = ['Ingress']), objs),
    reason: /does not cover Egress/,
  },
  {
    rule: 'namespace-default-deny',
    breaks: 'the namespace has no default deny',
    mutate: (objs) => remove(objs, 'NetworkPolicy', 'default-deny'),
    resource: NS,
    reason: /no default-deny NetworkPolicy/,
  },
  {
    rule: 'namespace-default-deny',
    breaks: 'the default policy admits everything',
    mutate: (objs) => ((get(objs, 'NetworkPolicy', 'default-deny').spec.ingress = [{}]), objs),
    resource: NS,
    reason: /no default-deny NetworkPolicy/,
  },
  {
    rule: 'no-secret-values',
    breaks: 'the HF token is an env literal',
    mutate: withPod(({ container }) => {
      const env = container.env.find((e: any) => e.name === 'HF_TOKEN');
      delete env.valueFrom;
      env.value = `hf_${'a1B2c3D4e5'.repeat(4)}`;
    }),
    reason: /sets HF_TOKEN as a literal.*looks like a Hugging Face token/,
  },
  {
    rule: 'no-secret-values',
    breaks: 'the API key is a flag',
    mutate: withPod(({ container }) => container.args.push('--api-key', 'not-so-secret')),
    reason: /passes --api-key a literal value/,
  },
  {
    rule: 'no-secret-values',
    breaks: 'a Secret with data is in the manifests',
    mutate: (objs) => [
      ...objs,
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'leak', namespace: NS }, data: { token: 'c2VjcmV0' } },
    ],
    resource: `${NS}/leak`,
    reason: /is a Secret with data/,
  },
  {
    rule: 'no-secret-values',
    breaks: 'an AWS key is pasted into a dashboard',
    mutate: (objs) => {
      const cm = get(objs, 'ConfigMap', `${MODEL}-dashboard`);
      const key = Object.keys(cm.data)[0]!;
      cm.data[key] = cm.data[key].replace('"refresh": "30s"', '"refresh": "30s", "note": "AKIAIOSFODNN7EXAMPLE"');
      return objs;
    },
    resource: `${NS}/${MODEL}-dashboard`,
    reason: /looks like an AWS access key id/,
  },
  {
    rule: 'selectors-resolve',
    breaks: 'the Service selects no pods',
    mutate: (objs) => ((get(objs, 'Service', MODEL).spec.selector['app.kubernetes.io/instance'] = 'mistral-7b-typo'), objs),
    reason: /selects no pods/,
  },
  {
    rule: 'selectors-resolve',
    breaks: 'the Service targets a port the pods do not name',
    mutate: (objs) => ((get(objs, 'Service', MODEL).spec.ports[0].targetPort = 'grpc'), objs),
    reason: /targets grpc, which Deployment\/mistral-7b-judge does not name/,
  },
  {
    rule: 'selectors-resolve',
    breaks: 'the ServiceMonitor scrapes a port the Service does not have',
    mutate: (objs) => ((get(objs, 'ServiceMonitor', MODEL).spec.endpoints[0].port = 'metrics'), objs),
    reason: /endpoint port metrics is not a port name of Service mistral-7b-judge/,
  },
  {
    rule: 'selectors-resolve',
    breaks: 'the ScaledObject scales a Deployment that does not exist',
    mutate: (objs) => ((get(objs, 'ScaledObject', MODEL).spec.scaleTargetRef.name = 'mistral-7b-gone'), objs),
    reason: /scales Deployment\/mistral-7b-gone, which does not exist/,
  },
  {
    rule: 'selectors-resolve',
    breaks: 'the Deployment selector misses its own template',
    mutate: (objs) => ((get(objs, 'Deployment', MODEL).spec.selector.matchLabels.extra = 'x'), objs),
    reason: /does not match its own pod template/,
  },
  {
    rule: 'references-resolve',
    breaks: 'the pod runs as a ServiceAccount that does not exist',
    mutate: withPod(({ spec }) => (spec.serviceAccountName = 'missing')),
    reason: /ServiceAccount missing, which does not exist/,
  },
  {
    rule: 'references-resolve',
    breaks: 'the HF token Secret is misspelt',
    mutate: withPod(({ container }) => (container.env.find((e: any) => e.name === 'HF_TOKEN').valueFrom.secretKeyRef.name = 'hf-tokn')),
    reason: /env HF_TOKEN reads Secret hf-tokn, which does not exist/,
  },
  {
    rule: 'references-resolve',
    breaks: 'the shared cache claim is gone',
    mutate: (objs) => remove(objs, 'PersistentVolumeClaim', 'model-cache'),
    reason: /mounts claim model-cache, which does not exist/,
  },
  {
    rule: 'gateway-tls-only',
    breaks: 'the Gateway also listens for plain HTTP on 80',
    mutate: (objs) => (
      get(objs, 'Gateway', GATEWAY).spec.listeners.push({ name: 'http', protocol: 'HTTP', port: 80, hostname: 'llm.example.com' }),
      objs
    ),
    resource: GW,
    reason: /listener http is plain HTTP on 80 and no load balancer terminates TLS there/,
  },
  {
    rule: 'gateway-tls-only',
    breaks: 'the load balancer has no certificate',
    mutate: (objs) => {
      delete get(objs, 'EnvoyProxy', GATEWAY).spec.provider.kubernetes.envoyService.annotations[
        'service.beta.kubernetes.io/aws-load-balancer-ssl-cert'
      ];
      return objs;
    },
    resource: GW,
    reason: /listener https is plain HTTP on 443/,
  },
  {
    rule: 'gateway-tls-only',
    breaks: 'an HTTPS listener has no certificate',
    mutate: (objs) => (
      get(objs, 'Gateway', GATEWAY).spec.listeners.push({
        name: 'alt',
        protocol: 'HTTPS',
        port: 8443,
        hostname: 'llm.example.com',
        tls: { mode: 'Terminate' },
      }),
      objs
    ),
    resource: GW,
    reason: /listener alt is HTTPS on 8443 without a certificate/,
  },
  {
    rule: 'gateway-no-wildcard-host',
    breaks: 'the prod listener takes any subdomain',
    mutate: (objs) => ((get(objs, 'Gateway', GATEWAY).spec.listeners[0].hostname = '*.example.com'), objs),
    resource: GW,
    reason: /listener https has wildcard hostname \*\.example\.com/,
  },
  {
    rule: 'gateway-no-wildcard-host',
    breaks: 'the prod listener names no host',
    mutate: (objs) => (delete get(objs, 'Gateway', GATEWAY).spec.listeners[0].hostname, objs),
    resource: GW,
    reason: /listener https has no hostname, so it answers for any host/,
  },
  {
    rule: 'gateway-no-wildcard-host',
    breaks: 'a route takes any subdomain',
    mutate: (objs) => ((get(objs, 'AIGatewayRoute', `${GATEWAY}-models`).spec.hostnames = ['*.example.com']), objs),
    resource: `${NS}/${GATEWAY}-models`,
    reason: /routes wildcard hostname/,
  },
  {
    rule: 'gateway-rate-limit',
    breaks: 'no rate limit is attached to the Gateway',
    mutate: (objs) => remove(objs, 'BackendTrafficPolicy', `${GATEWAY}-limits`),
    resource: GW,
    reason: /has no BackendTrafficPolicy with a rate limit rule attached/,
  },
  {
    rule: 'gateway-rate-limit',
    breaks: 'the traffic policy targets another Gateway',
    mutate: (objs) => ((get(objs, 'BackendTrafficPolicy', `${GATEWAY}-limits`).spec.targetRefs[0].name = 'other'), objs),
    resource: GW,
    reason: /has no BackendTrafficPolicy with a rate limit rule attached/,
  },
  {
    rule: 'gateway-auth',
    breaks: 'no authentication is attached to the Gateway',
    mutate: (objs) => remove(objs, 'SecurityPolicy', `${GATEWAY}-api-keys`),
    resource: GW,
    reason: /has no SecurityPolicy that authenticates clients attached/,
  },
  {
    rule: 'gateway-auth',
    breaks: 'the API key Secret is never made',
    mutate: (objs) => remove(objs, 'ExternalSecret', 'gateway-api-keys'),
    resource: GW,
    reason: /reads API keys from Secret gateway-api-keys, which does not exist/,
  },
];

describe('every rule has a fixture that breaks it', () => {
  it('covers each rule at least once', () => {
    expect([...new Set(FIXTURES.map((f) => f.rule))].sort()).toEqual([...K8S_RULE_IDS].sort());
  });

  it('starts from manifests that pass every rule', () => {
    expect(describeFailures(failures(base()))).toEqual([]);
  });
});

describe.each(FIXTURES.map((f) => [`${f.rule}: fails when ${f.breaks}`, f] as const))('%s', (_name, f) => {
  it('fails that rule alone, on the changed object, saying why', () => {
    const failed = failures(f.mutate(base()));
    expect([...new Set(failed.map((r) => r.rule))], describeFailures(failed).join('\n')).toEqual([f.rule]);
    const resource = f.resource ?? AT;
    const mine = failed.filter((r) => r.resource === resource);
    expect(mine, describeFailures(failed).join('\n')).toHaveLength(1);
    expect(mine[0]!.reason).toMatch(f.reason);
  });
});
