/**
 * The platform's Kubernetes workload rules, as plain functions over synthesized objects: the
 * restricted Pod Security profile and more (pinned images, requests and limits, probes,
 * disruption budgets that never block a drain, a NetworkPolicy per workload, no secret values,
 * selectors and references that resolve to objects that exist).
 *
 * Each rule judges the objects of the kinds it lists and returns problems; an empty list is a
 * pass. Cross-object rules see every object through the {@link ObjectIndex}.
 */
import {
  LONG_RUNNING_KINDS,
  type ObjectIndex,
  WORKLOAD_KINDS,
  containerLabel,
  containers,
  effectiveSecurity,
  isEmptySelector,
  isJson,
  list,
  obj,
  podTemplate,
  selectorMatches,
  str,
  toSelector,
  type Json,
  type K8sObject,
  type LabelSelector,
} from './objects';
import { GATEWAY_RULE_IDS, GATEWAY_RULES } from './gateway-rules';

/** A rule's verdict on one object: problems (none is a pass) and what holds when it passes. */
export interface Verdict {
  readonly problems: readonly string[];
  readonly ok: string;
}

export interface K8sRule {
  /** Kebab-case id, as results and exceptions name it. */
  readonly id: K8sRuleId;
  readonly description: string;
  /** Kinds of object the rule judges. */
  readonly kinds: readonly string[];
  check(o: K8sObject, idx: ObjectIndex): Verdict;
}

export const K8S_RULE_IDS = [
  'run-as-non-root',
  'no-privilege-escalation',
  'drop-all-capabilities',
  'seccomp-profile',
  'no-host-namespaces',
  'no-host-path',
  'pinned-images',
  'requests-and-limits',
  'probes',
  'pdb-allows-drain',
  'network-policy-per-workload',
  'namespace-default-deny',
  'no-secret-values',
  'selectors-resolve',
  'references-resolve',
  // The front door's objects (gateway-rules.ts).
  ...GATEWAY_RULE_IDS,
] as const;

export type K8sRuleId = (typeof K8S_RULE_IDS)[number];

const verdict = (problems: readonly string[], ok: string): Verdict => ({ problems, ok });

/** Run `judge` on every container of a workload's pod template. */
function perContainer(
  o: K8sObject,
  judge: (c: ReturnType<typeof containers>[number], podSpec: Json) => string | undefined,
  ok: string,
  filter: (c: ReturnType<typeof containers>[number]) => boolean = () => true,
): Verdict {
  const t = podTemplate(o);
  if (!t) return verdict([], ok);
  const problems = containers(t.spec)
    .filter(filter)
    .flatMap((c) => {
      const p = judge(c, t.spec);
      return p ? [`${containerLabel(c)} ${p}`] : [];
    });
  return verdict(problems, ok);
}

/** Pod template labels of a workload. */
const templateLabels = (o: K8sObject) => podTemplate(o)?.labels ?? {};

/** The minimum replica count of a workload: its autoscaler's floor, else spec.replicas. */
export function minReplicas(o: K8sObject, idx: ObjectIndex): number {
  const ns = o.metadata.namespace;
  const targets = (ref: Json) => (str(ref.kind) ?? 'Deployment') === o.kind && ref.name === o.metadata.name;
  const so = idx.inNamespace(ns, 'ScaledObject').find((s) => targets(obj(obj(s.spec).scaleTargetRef)));
  // KEDA's minReplicaCount defaults to 0, the HPA's minReplicas to 1.
  if (so) return Number(obj(so.spec).minReplicaCount ?? 0);
  const hpa = idx.inNamespace(ns, 'HorizontalPodAutoscaler').find((h) => targets(obj(obj(h.spec).scaleTargetRef)));
  if (hpa) return Number(obj(hpa.spec).minReplicas ?? 1);
  const replicas = obj(o.spec).replicas;
  return typeof replicas === 'number' ? replicas : 1;
}

/** Pods a PDB may evict when `expected` pods match it, as the disruption controller rounds. */
export function allowedDisruptions(pdbSpec: Json, expected: number): number | undefined {
  const scaled = (v: unknown): number | undefined => {
    if (typeof v === 'number') return v;
    const m = typeof v === 'string' ? /^(\d+)%$/.exec(v) : null;
    // Percentages round up for both fields (intstr.GetScaledValueFromIntOrPercent with roundUp).
    return m ? Math.ceil((Number(m[1]) * expected) / 100) : undefined;
  };
  if (pdbSpec.maxUnavailable !== undefined) return scaled(pdbSpec.maxUnavailable);
  if (pdbSpec.minAvailable !== undefined) {
    const min = scaled(pdbSpec.minAvailable);
    return min === undefined ? undefined : Math.max(0, expected - min);
  }
  return undefined;
}

const TOKEN_PATTERNS: readonly { readonly what: string; readonly re: RegExp }[] = [
  { what: 'a Hugging Face token', re: /\bhf_[A-Za-z0-9]{30,}\b/ },
  { what: 'an AWS access key id', re: /\b(AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { what: 'an OpenAI-style API key', re: /\bsk-[A-Za-z0-9_-]{20,}\b/ },
  { what: 'a GitHub token', re: /\bgh[pousr]_[A-Za-z0-9]{36,}\b/ },
  { what: 'a private key', re: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
];
/** Environment variable names that hold credentials. */
const SECRET_ENV_NAME = /(^|_)(TOKEN|PASSWORD|PASSWD|SECRET|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIALS?)(_|$)/i;
/** Command-line flags whose value is a credential. */
const SECRET_FLAGS = ['--api-key', '--hf-token', '--token', '--password'];

/** Every string in `v` with its JSON path. */
function strings(v: unknown, path: string, out: [string, string][] = []): [string, string][] {
  if (typeof v === 'string') out.push([path, v]);
  else if (Array.isArray(v)) v.forEach((x, i) => strings(x, `${path}[${i}]`, out));
  else if (isJson(v)) for (const [k, x] of Object.entries(v)) strings(x, path ? `${path}.${k}` : k, out);
  return out;
}

/** Literal credentials in container args and commands: `--api-key=x` or `--api-key x`. */
function secretFlags(args: readonly string[]): string[] {
  const literal = (v: string | undefined) => v !== undefined && v !== '' && !/^\$\([A-Za-z_][A-Za-z0-9_]*\)$/.test(v);
  return args.flatMap((a, i) => {
    const [flag, inline] = a.split(/=(.*)/s);
    if (!SECRET_FLAGS.includes(flag!)) return [];
    return literal(inline ?? args[i + 1]) ? [flag!] : [];
  });
}

/** Secrets a namespace will have: Secret objects and ExternalSecret targets. */
function secretNames(idx: ObjectIndex, ns: string | undefined): Set<string> {
  const external = idx.inNamespace(ns, 'ExternalSecret').map((e) => str(obj(obj(e.spec).target).name) ?? e.metadata.name);
  return new Set([...idx.inNamespace(ns, 'Secret').map((s) => s.metadata.name), ...external]);
}

const RULES: readonly K8sRule[] = [
  {
    id: 'run-as-non-root',
    description: 'Every container runs as a non-root user (runAsNonRoot, and never UID 0).',
    kinds: WORKLOAD_KINDS,
    check: (o) =>
      perContainer(
        o,
        (c, pod) => {
          if (effectiveSecurity(pod, c, 'runAsNonRoot') !== true) return 'does not set runAsNonRoot: true (itself or on the pod)';
          if (effectiveSecurity(pod, c, 'runAsUser') === 0) return 'runs as UID 0';
          return undefined;
        },
        'every container runs as non-root',
      ),
  },
  {
    id: 'no-privilege-escalation',
    description: 'No container is privileged or may gain privileges (allowPrivilegeEscalation: false).',
    kinds: WORKLOAD_KINDS,
    check: (o) =>
      perContainer(
        o,
        (c) => {
          const sc = obj(c.spec.securityContext);
          if (sc.privileged === true) return 'is privileged';
          if (sc.allowPrivilegeEscalation !== false) return 'does not set allowPrivilegeEscalation: false';
          return undefined;
        },
        'no container is privileged or can escalate',
      ),
  },
  {
    id: 'drop-all-capabilities',
    description: 'Every container drops ALL capabilities and adds none but NET_BIND_SERVICE.',
    kinds: WORKLOAD_KINDS,
    check: (o) =>
      perContainer(
        o,
        (c) => {
          const caps = obj(obj(c.spec.securityContext).capabilities);
          if (!list(caps.drop).includes('ALL')) return 'does not drop ALL capabilities';
          const added = list(caps.add).filter((a) => a !== 'NET_BIND_SERVICE');
          return added.length ? `adds capabilities ${added.join(', ')}` : undefined;
        },
        'every container drops ALL capabilities',
      ),
  },
  {
    id: 'seccomp-profile',
    description: 'Every container runs under the RuntimeDefault (or a Localhost) seccomp profile.',
    kinds: WORKLOAD_KINDS,
    check: (o) =>
      perContainer(
        o,
        (c, pod) => {
          const type = str(obj(effectiveSecurity(pod, c, 'seccompProfile')).type);
          return type === 'RuntimeDefault' || type === 'Localhost'
            ? undefined
            : `has seccompProfile ${type ?? 'unset'}, not RuntimeDefault`;
        },
        'seccomp RuntimeDefault',
      ),
  },
  {
    id: 'no-host-namespaces',
    description: 'No pod shares the node network, PID or IPC namespace, or binds a host port.',
    kinds: WORKLOAD_KINDS,
    check: (o) => {
      const t = podTemplate(o)!;
      const problems = (['hostNetwork', 'hostPID', 'hostIPC'] as const).filter((f) => t.spec[f] === true).map((f) => `sets ${f}: true`);
      for (const c of containers(t.spec)) {
        const ports = list(c.spec.ports).filter((p) => obj(p).hostPort !== undefined);
        if (ports.length) problems.push(`${containerLabel(c)} binds host port ${ports.map((p) => String(obj(p).hostPort)).join(', ')}`);
      }
      return verdict(problems, 'no host network, PID, IPC or ports');
    },
  },
  {
    id: 'no-host-path',
    description: 'No pod mounts a directory of the node (hostPath).',
    kinds: WORKLOAD_KINDS,
    check: (o) => {
      const vols = list(podTemplate(o)!.spec.volumes).filter((v) => obj(v).hostPath !== undefined);
      return verdict(
        vols.map((v) => `volume ${str(obj(v).name)} mounts host path ${str(obj(obj(v).hostPath).path)}`),
        'no hostPath volumes',
      );
    },
  },
  {
    id: 'pinned-images',
    description: 'Every image is pinned by a release tag or a digest, never latest or untagged.',
    kinds: WORKLOAD_KINDS,
    check: (o) =>
      perContainer(
        o,
        (c) => {
          const image = str(c.spec.image) ?? '';
          if (/@sha256:[a-f0-9]{64}$/.test(image)) return undefined;
          const last = image.split('/').pop() ?? '';
          if (!last.includes(':')) return `runs ${image || 'no image'} without a tag or digest`;
          return last.endsWith(':latest') ? `runs ${image}: latest is not a version` : undefined;
        },
        'every image pinned',
      ),
  },
  {
    id: 'requests-and-limits',
    description: 'Every container requests CPU and memory and limits memory; extended resources (GPUs) request what they limit.',
    kinds: WORKLOAD_KINDS,
    check: (o) =>
      perContainer(
        o,
        (c) => {
          const res = obj(c.spec.resources);
          const requests = obj(res.requests);
          const limits = obj(res.limits);
          const missing = [
            ...['cpu', 'memory'].filter((r) => requests[r] === undefined).map((r) => `requests.${r}`),
            ...(limits.memory === undefined ? ['limits.memory'] : []),
          ];
          if (missing.length) return `has no ${missing.join(', ')}`;
          const extended = [...new Set([...Object.keys(requests), ...Object.keys(limits)])].filter((k) => k.includes('/'));
          const uneven = extended.filter((k) => String(requests[k]) !== String(limits[k]));
          return uneven.length ? `requests ${uneven.join(', ')} unlike its limit (they must be equal)` : undefined;
        },
        'requests CPU and memory, limits memory',
      ),
  },
  {
    id: 'probes',
    description: 'Every long-running container has readiness and liveness probes, and liveness never probes /metrics.',
    kinds: LONG_RUNNING_KINDS,
    check: (o) =>
      perContainer(
        o,
        (c) => {
          const missing = ['readinessProbe', 'livenessProbe'].filter((p) => c.spec[p] === undefined);
          if (missing.length) return `has no ${missing.join(' or ')}`;
          // /metrics answers while the engine is wedged, and scraping it is not health.
          const path = str(obj(obj(c.spec.livenessProbe).httpGet).path);
          return path === '/metrics' ? 'probes liveness on /metrics' : undefined;
        },
        'readiness and liveness probes',
        (c) => !c.init,
      ),
  },
  {
    id: 'pdb-allows-drain',
    description:
      'Every replicated workload has exactly one PodDisruptionBudget, which lets at least one pod go at the minimum replica count and evicts unhealthy pods.',
    kinds: ['Deployment', 'StatefulSet'],
    check: (o, idx) => {
      const ns = o.metadata.namespace;
      const labels = templateLabels(o);
      const pdbs = idx.inNamespace(ns, 'PodDisruptionBudget').filter((p) => selectorMatches(toSelector(obj(p.spec).selector), labels));
      if (pdbs.length === 0) return verdict(['has no PodDisruptionBudget: a drain evicts all its pods at once'], '');
      // The eviction API refuses pods covered by more than one budget, which stalls every drain.
      if (pdbs.length > 1)
        return verdict(
          [`is covered by ${pdbs.length} PodDisruptionBudgets (${pdbs.map((p) => p.metadata.name).join(', ')}): evictions fail`],
          '',
        );
      const pdb = pdbs[0]!;
      const spec = obj(pdb.spec);
      const expected = idx.workloadsSelectedBy(ns, toSelector(spec.selector)).reduce((n, w) => n + minReplicas(w, idx), 0);
      const problems: string[] = [];
      const allowed = allowedDisruptions(spec, expected);
      if (expected > 0 && allowed === undefined)
        problems.push(`PodDisruptionBudget ${pdb.metadata.name} sets neither minAvailable nor maxUnavailable as a number or percentage`);
      else if (expected > 0 && allowed! < 1) {
        problems.push(
          `PodDisruptionBudget ${pdb.metadata.name} allows ${allowed} evictions at ${expected} pods (the minimum): a node drain blocks`,
        );
      }
      if (spec.unhealthyPodEvictionPolicy !== 'AlwaysAllow') {
        problems.push(
          `PodDisruptionBudget ${pdb.metadata.name} keeps unhealthy pods (unhealthyPodEvictionPolicy is not AlwaysAllow): a pod that never gets ready blocks drains`,
        );
      }
      return verdict(problems, `PodDisruptionBudget ${pdb.metadata.name} allows ${allowed ?? 0} of ${expected} pods to go`);
    },
  },
  {
    id: 'network-policy-per-workload',
    description: 'Every workload is selected by a NetworkPolicy of its own (a non-empty podSelector) covering ingress and egress.',
    kinds: WORKLOAD_KINDS,
    check: (o, idx) => {
      const labels = templateLabels(o);
      const own = idx.inNamespace(o.metadata.namespace, 'NetworkPolicy').filter((np) => {
        const s = toSelector(obj(np.spec).podSelector);
        return !isEmptySelector(s) && selectorMatches(s, labels);
      });
      if (own.length === 0) return verdict(['has no NetworkPolicy selecting its pods'], '');
      const types = new Set(own.flatMap((np) => list(obj(np.spec).policyTypes)));
      const missing = ['Ingress', 'Egress'].filter((t) => !types.has(t));
      return verdict(
        missing.length ? [`NetworkPolicy ${own.map((n) => n.metadata.name).join(', ')} does not cover ${missing.join(' or ')}`] : [],
        `NetworkPolicy ${own.map((n) => n.metadata.name).join(', ')}`,
      );
    },
  },
  {
    id: 'namespace-default-deny',
    description: 'Every namespace the manifests create denies all ingress and egress by default.',
    kinds: ['Namespace'],
    check: (o, idx) => {
      const deny = idx.inNamespace(o.metadata.name, 'NetworkPolicy').find((np) => {
        const s = obj(np.spec);
        const types = list(s.policyTypes);
        return (
          isEmptySelector(toSelector(s.podSelector)) &&
          types.includes('Ingress') &&
          types.includes('Egress') &&
          list(s.ingress).length === 0 &&
          list(s.egress).length === 0
        );
      });
      return deny
        ? verdict([], `NetworkPolicy ${deny.metadata.name} denies all by default`)
        : verdict(['has no default-deny NetworkPolicy (empty podSelector, Ingress and Egress, no rules)'], '');
    },
  },
  {
    id: 'no-secret-values',
    description:
      'No manifest carries a secret value: no Secret data, no credential in an env literal or a flag, nothing that looks like a token.',
    kinds: ['*'],
    check: (o) => {
      const problems: string[] = [];
      if (o.kind === 'Secret' && (Object.keys(obj(o.data)).length > 0 || Object.keys(obj(o.stringData)).length > 0)) {
        problems.push('is a Secret with data: secret values belong in Secrets Manager, brought in by an ExternalSecret');
      }
      const t = podTemplate(o);
      for (const c of t ? containers(t.spec) : []) {
        for (const e of list(c.spec.env).map(obj)) {
          const name = str(e.name) ?? '';
          if (SECRET_ENV_NAME.test(name) && typeof e.value === 'string' && e.value !== '') {
            problems.push(`${containerLabel(c)} sets ${name} as a literal; read it from a Secret (valueFrom.secretKeyRef)`);
          }
        }
        const flags = secretFlags([...list(c.spec.command), ...list(c.spec.args)].map(String));
        for (const f of flags) problems.push(`${containerLabel(c)} passes ${f} a literal value; use an env var from a Secret`);
      }
      for (const [path, value] of strings(o, '')) {
        for (const p of TOKEN_PATTERNS) if (p.re.test(value)) problems.push(`${path} holds what looks like ${p.what}`);
      }
      return verdict(problems, 'no secret values');
    },
  },
  {
    id: 'selectors-resolve',
    description:
      'Every selector finds what it is for: Services and PDBs and NetworkPolicies select pods, ServiceMonitors select Services with the named port, scale targets exist, controllers select their own template.',
    kinds: [
      'Service',
      'PodDisruptionBudget',
      'NetworkPolicy',
      'ServiceMonitor',
      'ScaledObject',
      'HorizontalPodAutoscaler',
      ...LONG_RUNNING_KINDS,
    ],
    check: (o, idx) => {
      const ns = o.metadata.namespace;
      const spec = obj(o.spec);
      const names = (objs: readonly K8sObject[]) => objs.map((x) => `${x.kind}/${x.metadata.name}`).join(', ');
      switch (o.kind) {
        case 'Service': {
          if (spec.type === 'ExternalName') return verdict([], 'ExternalName Service');
          const selector: LabelSelector = { matchLabels: obj(spec.selector) as Record<string, string> };
          if (isEmptySelector(selector)) return verdict(['has no selector, so no pod backs it'], '');
          const backing = idx.workloadsSelectedBy(ns, selector);
          if (backing.length === 0) return verdict([`selects no pods: nothing matches ${JSON.stringify(selector.matchLabels)}`], '');
          const problems: string[] = [];
          for (const port of list(spec.ports).map(obj)) {
            const target = port.targetPort ?? port.port;
            if (typeof target !== 'string') continue;
            for (const w of backing) {
              const named = containers(podTemplate(w)!.spec).some((c) => !c.init && list(c.spec.ports).some((p) => obj(p).name === target));
              if (!named)
                problems.push(
                  `port ${str(port.name) ?? String(port.port)} targets ${target}, which ${w.kind}/${w.metadata.name} does not name`,
                );
            }
          }
          return verdict(problems, `selects ${names(backing)}`);
        }
        case 'PodDisruptionBudget':
        case 'NetworkPolicy': {
          const selector = toSelector(o.kind === 'NetworkPolicy' ? spec.podSelector : spec.selector);
          if (o.kind === 'NetworkPolicy' && isEmptySelector(selector)) return verdict([], 'selects every pod of the namespace');
          const hits = idx.workloadsSelectedBy(ns, selector);
          return verdict(hits.length ? [] : ['selects no pods'], `selects ${names(hits)}`);
        }
        case 'ServiceMonitor': {
          const nsSel = obj(spec.namespaceSelector);
          const namespaces = nsSel.any === true ? undefined : list(nsSel.matchNames).length ? list(nsSel.matchNames).map(String) : [ns];
          const services = idx.objects.filter(
            (s) =>
              s.kind === 'Service' &&
              (namespaces === undefined || namespaces.includes(s.metadata.namespace ?? '')) &&
              selectorMatches(toSelector(spec.selector), s.metadata.labels ?? {}),
          );
          if (services.length === 0) return verdict(['selects no Service'], '');
          const problems = list(spec.endpoints)
            .map(obj)
            .flatMap((e) => {
              const port = str(e.port);
              if (!port) return [];
              return services
                .filter((s) => !list(obj(s.spec).ports).some((p) => obj(p).name === port))
                .map((s) => `endpoint port ${port} is not a port name of Service ${s.metadata.name}`);
            });
          return verdict(problems, `scrapes ${names(services)}`);
        }
        case 'ScaledObject':
        case 'HorizontalPodAutoscaler': {
          const ref = obj(spec.scaleTargetRef);
          const kind = str(ref.kind) ?? 'Deployment';
          const target = idx.find(kind, ns, str(ref.name) ?? '');
          return verdict(target ? [] : [`scales ${kind}/${str(ref.name)}, which does not exist`], `scales ${kind}/${str(ref.name)}`);
        }
        default: {
          const selector = toSelector(spec.selector);
          const ok = !isEmptySelector(selector) && selectorMatches(selector, templateLabels(o));
          return verdict(ok ? [] : ['spec.selector does not match its own pod template'], 'selects its own pod template');
        }
      }
    },
  },
  {
    id: 'references-resolve',
    description:
      'Every ServiceAccount, claim, Secret and ConfigMap a pod refers to is in the manifests (Secrets also as ExternalSecret targets).',
    kinds: WORKLOAD_KINDS,
    check: (o, idx) => {
      const ns = o.metadata.namespace;
      const spec = podTemplate(o)!.spec;
      const problems: string[] = [];
      const sa = str(spec.serviceAccountName) ?? str(spec.serviceAccount);
      if (sa && sa !== 'default' && !idx.find('ServiceAccount', ns, sa))
        problems.push(`runs as ServiceAccount ${sa}, which does not exist`);
      const secrets = secretNames(idx, ns);
      const configMaps = new Set(idx.inNamespace(ns, 'ConfigMap').map((c) => c.metadata.name));
      const need = (what: 'Secret' | 'ConfigMap', name: string | undefined, optional: unknown, where: string) => {
        if (!name || optional === true) return;
        if (!(what === 'Secret' ? secrets : configMaps).has(name)) problems.push(`${where} reads ${what} ${name}, which does not exist`);
      };
      for (const v of list(spec.volumes).map(obj)) {
        const claim = str(obj(v.persistentVolumeClaim).claimName);
        if (claim && !idx.find('PersistentVolumeClaim', ns, claim))
          problems.push(`volume ${str(v.name)} mounts claim ${claim}, which does not exist`);
        if (v.secret) need('Secret', str(obj(v.secret).secretName), obj(v.secret).optional, `volume ${str(v.name)}`);
        if (v.configMap) need('ConfigMap', str(obj(v.configMap).name), obj(v.configMap).optional, `volume ${str(v.name)}`);
      }
      for (const s of list(spec.imagePullSecrets).map(obj)) need('Secret', str(s.name), false, 'imagePullSecrets');
      for (const c of containers(spec)) {
        for (const e of list(c.spec.env).map(obj)) {
          const from = obj(e.valueFrom);
          if (from.secretKeyRef)
            need('Secret', str(obj(from.secretKeyRef).name), obj(from.secretKeyRef).optional, `${containerLabel(c)} env ${str(e.name)}`);
          if (from.configMapKeyRef)
            need(
              'ConfigMap',
              str(obj(from.configMapKeyRef).name),
              obj(from.configMapKeyRef).optional,
              `${containerLabel(c)} env ${str(e.name)}`,
            );
        }
        for (const e of list(c.spec.envFrom).map(obj)) {
          if (e.secretRef) need('Secret', str(obj(e.secretRef).name), obj(e.secretRef).optional, `${containerLabel(c)} envFrom`);
          if (e.configMapRef)
            need('ConfigMap', str(obj(e.configMapRef).name), obj(e.configMapRef).optional, `${containerLabel(c)} envFrom`);
        }
      }
      return verdict(problems, 'every reference resolves');
    },
  },
];

/** Every rule, in the order results are reported. */
export const K8S_RULES: readonly K8sRule[] = [...RULES, ...GATEWAY_RULES];
