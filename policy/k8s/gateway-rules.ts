/**
 * Rules for the front door's Gateway API objects (Envoy Gateway): every listener is TLS (in Envoy,
 * or at the AWS load balancer in front of it), no wildcard host in prod, a rate limit and an
 * authentication policy attached to every Gateway.
 */
import { type K8sObject, type ObjectIndex, list, obj, str } from './objects';
import type { K8sRule, Verdict } from './rules';

/** Label carrying the environment tier on the front door's objects; a Gateway without it is judged as prod. */
export const TIER_LABEL = 'llm-platform.io/tier';

const LB_ANNOTATION = 'service.beta.kubernetes.io/aws-load-balancer';
const verdict = (problems: readonly string[], ok: string): Verdict => ({ problems, ok });

/** Policies of `kind` in the Gateway's namespace whose targetRefs name it. */
function attached(idx: ObjectIndex, kind: string, gateway: K8sObject): K8sObject[] {
  return idx
    .inNamespace(gateway.metadata.namespace, kind)
    .filter((p) => list(obj(p.spec).targetRefs).some((r) => str(obj(r).kind) === 'Gateway' && str(obj(r).name) === gateway.metadata.name));
}

/** The load balancer settings of the Envoy Service a Gateway gets, from its EnvoyProxy. */
function loadBalancerTls(idx: ObjectIndex, gateway: K8sObject): { certificate?: string; ports?: string[] } | undefined {
  const ref = obj(obj(obj(gateway.spec).infrastructure).parametersRef);
  if (str(ref.kind) !== 'EnvoyProxy') return undefined;
  const proxy = idx.find('EnvoyProxy', gateway.metadata.namespace, str(ref.name) ?? '');
  if (!proxy) return undefined;
  const annotations = obj(obj(obj(obj(obj(proxy.spec).provider).kubernetes).envoyService).annotations);
  const certificate = str(annotations[`${LB_ANNOTATION}-ssl-cert`]);
  const ports = str(annotations[`${LB_ANNOTATION}-ssl-ports`])
    ?.split(',')
    .map((p) => p.trim());
  return { ...(certificate ? { certificate } : {}), ...(ports ? { ports } : {}) };
}

function isProd(o: K8sObject): boolean {
  const tier = o.metadata.labels?.[TIER_LABEL];
  return tier === undefined || tier === 'prod';
}

export const GATEWAY_RULE_IDS = ['gateway-tls-only', 'gateway-no-wildcard-host', 'gateway-rate-limit', 'gateway-auth'] as const;

export const GATEWAY_RULES: readonly K8sRule[] = [
  {
    id: 'gateway-tls-only',
    description:
      'Every Gateway listener is TLS: HTTPS or TLS with a certificate in Envoy, or HTTP behind a load balancer that terminates TLS on its port with an ACM certificate.',
    kinds: ['Gateway'],
    check: (o, idx) => {
      const lb = loadBalancerTls(idx, o);
      const problems: string[] = [];
      const ok: string[] = [];
      for (const l of list(obj(o.spec).listeners).map(obj)) {
        const name = str(l.name) ?? '?';
        const port = String(l.port);
        const protocol = str(l.protocol) ?? '?';
        if (protocol === 'HTTPS' || protocol === 'TLS') {
          const tls = obj(l.tls);
          if (str(tls.mode) === 'Passthrough' || list(tls.certificateRefs).length > 0) ok.push(`${name}: ${protocol} in Envoy on ${port}`);
          else problems.push(`listener ${name} is ${protocol} on ${port} without a certificate`);
        } else if (protocol === 'HTTP') {
          if (lb?.certificate && (lb.ports === undefined || lb.ports.includes(port)))
            ok.push(`${name}: TLS at the load balancer on ${port}`);
          else {
            problems.push(
              `listener ${name} is plain HTTP on ${port} and no load balancer terminates TLS there; set aws-load-balancer-ssl-cert and -ssl-ports on its EnvoyProxy Service, or make it HTTPS`,
            );
          }
        } else problems.push(`listener ${name} speaks ${protocol} on ${port}, not TLS`);
      }
      if (list(obj(o.spec).listeners).length === 0) problems.push('has no listener');
      return verdict(problems, ok.join('; '));
    },
  },
  {
    id: 'gateway-no-wildcard-host',
    description: 'In prod, every Gateway listener and every route names one host: no wildcard, and no listener that answers for any host.',
    kinds: ['Gateway', 'HTTPRoute', 'AIGatewayRoute'],
    check: (o) => {
      if (!isProd(o)) return verdict([], `tier ${o.metadata.labels?.[TIER_LABEL]}: wildcards allowed outside prod`);
      const problems: string[] = [];
      if (o.kind === 'Gateway') {
        for (const l of list(obj(o.spec).listeners).map(obj)) {
          const host = str(l.hostname);
          if (host === undefined) problems.push(`listener ${str(l.name)} has no hostname, so it answers for any host`);
          else if (host.startsWith('*')) problems.push(`listener ${str(l.name)} has wildcard hostname ${host}`);
        }
      } else {
        for (const h of list(obj(o.spec).hostnames).map(String)) if (h.startsWith('*')) problems.push(`routes wildcard hostname ${h}`);
      }
      return verdict(problems, 'one named host');
    },
  },
  {
    id: 'gateway-rate-limit',
    description: 'Every Gateway has a BackendTrafficPolicy with at least one rate limit rule attached.',
    kinds: ['Gateway'],
    check: (o, idx) => {
      const limits = attached(idx, 'BackendTrafficPolicy', o).flatMap((p) => {
        const rl = obj(obj(p.spec).rateLimit);
        return [...list(obj(rl.global).rules), ...list(obj(rl.local).rules)].map((r) => ({
          policy: p.metadata.name,
          limit: obj(obj(r).limit),
        }));
      });
      if (limits.length === 0)
        return verdict(['has no BackendTrafficPolicy with a rate limit rule attached: one client can take every GPU'], '');
      return verdict(
        [],
        limits.map((l) => `${String(l.limit.requests)}/${str(l.limit.unit)}`).join(', ') +
          ` (${[...new Set(limits.map((l) => l.policy))].join(', ')})`,
      );
    },
  },
  {
    id: 'gateway-auth',
    description:
      'Every Gateway has a SecurityPolicy that authenticates clients attached, and the key Secret it reads exists (or an ExternalSecret makes it).',
    kinds: ['Gateway'],
    check: (o, idx) => {
      const ns = o.metadata.namespace;
      const methods = ['apiKeyAuth', 'jwt', 'basicAuth', 'extAuth', 'oidc'];
      const policies = attached(idx, 'SecurityPolicy', o).filter((p) => methods.some((m) => obj(p.spec)[m] !== undefined));
      if (policies.length === 0)
        return verdict(['has no SecurityPolicy that authenticates clients attached: anyone on the internet can call the models'], '');
      const secrets = new Set([
        ...idx.inNamespace(ns, 'Secret').map((s) => s.metadata.name),
        ...idx.inNamespace(ns, 'ExternalSecret').map((e) => str(obj(obj(e.spec).target).name) ?? e.metadata.name),
      ]);
      const problems = policies.flatMap((p) =>
        list(obj(obj(p.spec).apiKeyAuth).credentialRefs)
          .map((r) => str(obj(r).name) ?? '')
          .filter((name) => !secrets.has(name))
          .map((name) => `SecurityPolicy ${p.metadata.name} reads API keys from Secret ${name}, which does not exist`),
      );
      const how = policies.map((p) => `${p.metadata.name} (${methods.filter((m) => obj(p.spec)[m] !== undefined).join(', ')})`).join(', ');
      return verdict(problems, how);
    },
  },
];
