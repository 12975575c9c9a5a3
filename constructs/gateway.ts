/**
 * The front door: one HTTPS endpoint for every variant, as Gateway API objects for Envoy Gateway
 * and Envoy AI Gateway.
 *
 * - `Gateway` (class `llm-platform`) with one listener on 443 behind an AWS network load balancer
 *   (AWS Load Balancer Controller, through the `EnvoyProxy` Service settings) that terminates TLS
 *   with an ACM certificate; nothing listens on 80, so plain HTTP never reaches a model.
 * - `AIGatewayRoute`s: the AI Gateway reads `model` from the request body and routes on it: every
 *   served model and adapter to its variant, and every alias (A/B route) split by weight, with the
 *   body's `model` rewritten to the chosen backend's served name (`modelNameOverride`).
 * - `SecurityPolicy`: API keys at the edge, from Secrets Manager through an ExternalSecret; the
 *   key is stripped and vLLM's own key injected upstream (`BackendSecurityPolicy`).
 * - `BackendTrafficPolicy`: global rate limits (per key and for all keys, requests/s; tokens/min
 *   per key from the usage in each response), 429 with `Retry-After`, the request timeout.
 * - `ClientTrafficPolicy`: idle and stream-idle timeouts for long generations, the request buffer
 *   the body routing needs, and the response header naming the backend that served.
 * - The rate limiter's store: one Valkey pod (counters only; losing them resets the windows).
 *
 * The CRD kinds are built as `ApiObject`s with the narrow shapes below: the generated types of
 * these CRDs would add ~4 MB of TypeScript for a few dozen fields. test/constructs/gateway.test.ts
 * validates every object against the CRD schemas copied in crds/.
 */
import { ApiObject } from 'cdk8s';
import { VALKEY_IMAGE } from '../facts/gateway';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { BACKEND_HEADER, CLIENT_ID_HEADER, RETRY_AFTER_HEADER, backendName, servedModel, type RoutingTarget } from './gateway-layout';
import { secretsManagerSecret } from './namespace-parts';

export { BACKEND_HEADER, CLIENT_ID_HEADER, RETRY_AFTER_HEADER } from './gateway-layout';

/** Label naming the environment tier (policy/k8s forbids wildcard hosts where it says prod). */
export const TIER_LABEL = 'llm-platform.io/tier';
/** Envoy Gateway's controller name: the GatewayClass hands its Gateways to it. */
export const ENVOY_GATEWAY_CONTROLLER = 'gateway.envoyproxy.io/gatewayclass-controller';
/** Namespace Envoy Gateway runs in, with the Envoy proxies and the rate limit service it deploys. */
export const ENVOY_GATEWAY_NAMESPACE = 'envoy-gateway-system';
/** The GatewayClass the platform's Gateway uses. */
export const GATEWAY_CLASS = 'llm-platform';
/** The one port clients use; the load balancer terminates TLS on it. */
export const HTTPS_PORT = 443;
/** Where the AI Gateway writes the backend it chose, per request (dynamic metadata). */
export const AI_GATEWAY_METADATA_NAMESPACE = 'io.envoy.ai_gateway';
/** Dynamic metadata key the AI Gateway fills with a response's prompt + completion tokens. */
export const TOTAL_TOKENS_KEY = 'llm_total_token';
/** TLS policy of the load balancer's listener: TLS 1.3 and 1.2 only. */
export const TLS_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';
/** Secret the ExternalSecret writes the client API keys to (one key per client id). */
export const CLIENT_KEYS_SECRET = 'gateway-api-keys';
/** Secret holding vLLM's own key for the gateway to send upstream (the AI Gateway reads key `apiKey`). */
export const UPSTREAM_KEY_SECRET = 'gateway-upstream-api-key';
/** Rules one AIGatewayRoute may hold (the Gateway API's 16, less the AI Gateway's catch-all). */
export const MAX_RULES_PER_ROUTE = 15;
/** Valkey, the rate limiter's counter store: BSD-licensed Redis fork, official image (facts/gateway.ts). */
export const RATE_LIMIT_STORE_IMAGE = VALKEY_IMAGE.image;
export const RATE_LIMIT_STORE_PORT = 6379;
/** The request buffer: the AI Gateway reads the whole body to find `model` (Envoy's default is 32 KiB). */
export const REQUEST_BUFFER_LIMIT = '8Mi';

/** AWS Load Balancer Controller settings for the Envoy Service: an internet-facing NLB with TLS on 443. */
export function loadBalancerAnnotations(p: { readonly certificateArn: string; readonly idleTimeoutSec: number }): Record<string, string> {
  const aws = 'service.beta.kubernetes.io/aws-load-balancer';
  return {
    [`${aws}-type`]: 'external',
    [`${aws}-scheme`]: 'internet-facing',
    // Targets are the Envoy pods themselves: no node port hop, health of each pod seen directly.
    [`${aws}-nlb-target-type`]: 'ip',
    [`${aws}-ssl-cert`]: p.certificateArn,
    [`${aws}-ssl-ports`]: String(HTTPS_PORT),
    [`${aws}-ssl-negotiation-policy`]: TLS_POLICY,
    [`${aws}-backend-protocol`]: 'tcp',
    // The NLB's default of 350 s would cut a stream that waits longer for its first token.
    [`${aws}-listener-attributes.TLS-${HTTPS_PORT}`]: `tcp.idle_timeout.seconds=${p.idleTimeoutSec}`,
    [`${aws}-attributes`]: 'load_balancing.cross_zone.enabled=true',
  };
}

/** Where a variant's Service answers. */
export interface VariantService {
  /** Kubernetes name of the variant (its Service). */
  readonly name: string;
  readonly port: number;
}

/** An alias split by weight between targets. */
export interface WeightedRoute {
  readonly model: string;
  readonly backends: readonly (RoutingTarget & { readonly weight: number })[];
}

export interface LlmGatewayProps {
  /** Namespace of the models; the gateway's objects live beside them. */
  readonly namespace: string;
  /** The Gateway's name; also the prefix of its policies. @default 'llm-gateway' */
  readonly name?: string;
  /** DNS name clients call. */
  readonly hostname: string;
  /** ACM certificate the load balancer terminates TLS with. */
  readonly certificateArn: string;
  /** Client ranges the load balancer admits. */
  readonly sourceCidrs: readonly string[];
  /** Envoy proxy replicas. */
  readonly replicas: number;
  /** Every enabled variant's Service. */
  readonly services: readonly VariantService[];
  /** Every model a client may name directly: base models and adapters. */
  readonly targets: readonly RoutingTarget[];
  /** Aliases split by weight. @default - none */
  readonly routes?: readonly WeightedRoute[];
  /** ClusterSecretStore reading AWS Secrets Manager. */
  readonly secretStoreName: string;
  readonly refreshInterval: string;
  /** Secrets Manager secret with the client keys (`{"<client id>": "<key>"}`). */
  readonly clientKeysName: string;
  /** Secrets Manager secret with vLLM's key, sent upstream; absent when vLLM runs without one. @default - none */
  readonly upstreamKeyName?: string;
  readonly requestsPerSecondPerKey: number;
  readonly requestsPerSecond: number;
  /** Tokens per minute per key; null: no token budget. */
  readonly tokensPerMinutePerKey: number | null;
  /** Longest request, and the idle timeouts of client connections and streams. */
  readonly timeoutSec: number;
  /** Environment tier, as a label policy reads (prod forbids wildcard hosts). @default - unlabelled, judged as prod */
  readonly tier?: string;
  /** Image of the rate limiter's store, e.g. rewritten onto an image cache. @default RATE_LIMIT_STORE_IMAGE */
  readonly storeImage?: string;
}

type Json = Record<string, unknown>;

const ref = (group: string, kind: string, name: string) => ({ group, kind, name });

/** One Gateway with its routes and policies; see the module comment. */
export class LlmGateway extends Construct {
  readonly gateway: ApiObject;
  readonly routes: readonly ApiObject[];
  /** In-cluster address of the rate limiter's store, for Envoy Gateway's settings. */
  readonly rateLimitStoreUrl: string;

  constructor(scope: Construct, id: string, props: LlmGatewayProps) {
    super(scope, id);
    checkProps(props);
    const p = props;
    const name = p.name ?? 'llm-gateway';
    const labels = {
      'app.kubernetes.io/part-of': 'llm-platform',
      'app.kubernetes.io/component': 'gateway',
      ...(p.tier !== undefined && { [TIER_LABEL]: p.tier }),
    };
    const meta = (n: string) => ({ name: n, namespace: p.namespace, labels });
    const gatewayRef = [ref('gateway.networking.k8s.io', 'Gateway', name)];
    const obj = (oid: string, apiVersion: string, kind: string, objName: string, spec: Json) =>
      new ApiObject(this, oid, { apiVersion, kind, metadata: meta(objName), spec });

    new ApiObject(this, 'Class', {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GatewayClass',
      metadata: { name: GATEWAY_CLASS, labels },
      spec: { controllerName: ENVOY_GATEWAY_CONTROLLER, description: 'llm-platform front door (Envoy Gateway with Envoy AI Gateway)' },
    });

    obj('Proxy', 'gateway.envoyproxy.io/v1alpha1', 'EnvoyProxy', name, envoyProxySpec(p));

    this.gateway = obj('Resource', 'gateway.networking.k8s.io/v1', 'Gateway', name, {
      gatewayClassName: GATEWAY_CLASS,
      // The load balancer terminates TLS (ACM) and hands Envoy the decrypted stream on the same
      // port; see infra/README.md for why TLS ends at the NLB rather than in Envoy.
      listeners: [
        { name: 'https', protocol: 'HTTP', port: HTTPS_PORT, hostname: p.hostname, allowedRoutes: { namespaces: { from: 'Same' } } },
      ],
      infrastructure: { parametersRef: { group: 'gateway.envoyproxy.io', kind: 'EnvoyProxy', name } },
    });

    const backends = new Map<string, RoutingTarget>();
    for (const t of [...p.targets, ...(p.routes ?? []).flatMap((r) => r.backends)]) {
      backends.set(backendName(t), { variant: t.variant, adapter: t.adapter });
    }
    for (const s of p.services) {
      // Envoy Gateway Backend: the variant's Service by its cluster DNS name (the AI Gateway takes no Service refs yet).
      obj(`Backend-${s.name}`, 'gateway.envoyproxy.io/v1alpha1', 'Backend', s.name, {
        endpoints: [{ fqdn: { hostname: `${s.name}.${p.namespace}.svc.cluster.local`, port: s.port } }],
      });
    }
    // One AIServiceBackend per target, so the backend header tells adapters of one variant apart.
    for (const [bn, t] of [...backends].sort(([a], [b]) => a.localeCompare(b))) {
      obj(`AiBackend-${bn}`, 'aigateway.envoyproxy.io/v1beta1', 'AIServiceBackend', bn, {
        schema: { name: 'OpenAI', version: 'v1' },
        backendRef: { group: 'gateway.envoyproxy.io', kind: 'Backend', name: t.variant },
      });
    }

    this.routes = routeObjects(this, p, name, meta, gatewayRef);

    if (p.upstreamKeyName !== undefined) {
      secretsManagerSecret(this, 'UpstreamKey', meta(UPSTREAM_KEY_SECRET), p, {
        data: [{ secretKey: 'apiKey', remoteRef: { key: p.upstreamKeyName } }],
      });
      obj('UpstreamAuth', 'aigateway.envoyproxy.io/v1beta1', 'BackendSecurityPolicy', `${name}-upstream-key`, {
        // vLLM keeps its own --api-key (defence in depth): only the gateway and in-cluster clients holding it get through.
        targetRefs: [...backends.keys()].sort().map((bn) => ref('aigateway.envoyproxy.io', 'AIServiceBackend', bn)),
        type: 'APIKey',
        apiKey: { secretRef: { name: UPSTREAM_KEY_SECRET } },
      });
    }

    secretsManagerSecret(this, 'ClientKeys', meta(CLIENT_KEYS_SECRET), p, { dataFrom: [{ extract: { key: p.clientKeysName } }] });
    obj('Auth', 'gateway.envoyproxy.io/v1alpha1', 'SecurityPolicy', `${name}-api-keys`, {
      targetRefs: gatewayRef,
      apiKeyAuth: {
        credentialRefs: [{ group: '', kind: 'Secret', name: CLIENT_KEYS_SECRET }],
        // OpenAI SDKs send `Authorization: Bearer <key>`; curl users often `x-api-key`.
        extractFrom: [{ headers: ['authorization', 'x-api-key'] }],
        // The client id (the key's name in the secret), never the key, goes on: the rate limiter counts by it.
        forwardClientIDHeader: CLIENT_ID_HEADER,
        sanitize: true,
      },
    });

    obj('Traffic', 'gateway.envoyproxy.io/v1alpha1', 'BackendTrafficPolicy', `${name}-limits`, backendTrafficSpec(p, gatewayRef));
    obj('Clients', 'gateway.envoyproxy.io/v1alpha1', 'ClientTrafficPolicy', `${name}-clients`, clientTrafficSpec(p, gatewayRef));

    this.rateLimitStoreUrl = rateLimitStore(this, p.namespace, `${name}-ratelimit`, labels, p.storeImage);
  }
}

function checkProps(p: LlmGatewayProps): void {
  const problems: string[] = [];
  if (p.timeoutSec < 600) problems.push(`timeoutSec must be at least 600 for long generations, got ${p.timeoutSec}`);
  const known = new Set(p.services.map((s) => s.name));
  for (const t of p.targets) {
    if (!known.has(t.variant)) problems.push(`model ${servedModel(t)} names variant ${t.variant}, which has no Service`);
  }
  for (const r of p.routes ?? []) {
    for (const b of r.backends) {
      if (!known.has(b.variant)) problems.push(`route ${r.model} names variant ${b.variant}, which has no Service`);
    }
    if (r.backends.every((b) => b.weight <= 0)) problems.push(`route ${r.model} has no backend with a positive weight`);
  }
  if (problems.length) throw new Error(`LlmGateway: ${problems.join('; ')}`);
}

function envoyProxySpec(p: LlmGatewayProps): Json {
  const envoyLabels = { 'app.kubernetes.io/name': 'envoy', 'app.kubernetes.io/component': 'proxy' };
  return {
    provider: {
      type: 'Kubernetes',
      kubernetes: {
        envoyDeployment: {
          replicas: p.replicas,
          pod: {
            // Spread over zones (best effort) and nodes, so one zone or node loss keeps the door open.
            topologySpreadConstraints: [
              ...['topology.kubernetes.io/zone', 'kubernetes.io/hostname'].map((topologyKey) => ({
                maxSkew: 1,
                topologyKey,
                whenUnsatisfiable: 'ScheduleAnyway',
                labelSelector: { matchLabels: envoyLabels },
              })),
            ],
          },
          container: {
            resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '1Gi' } },
          },
        },
        envoyPDB: { maxUnavailable: 1 },
        envoyService: {
          type: 'LoadBalancer',
          loadBalancerClass: 'service.k8s.aws/nlb',
          annotations: loadBalancerAnnotations({ certificateArn: p.certificateArn, idleTimeoutSec: p.timeoutSec }),
          loadBalancerSourceRanges: [...p.sourceCidrs],
        },
      },
    },
    // In-flight generations finish before a proxy pod goes away (rollouts, node drains).
    shutdown: { drainTimeout: `${Math.min(p.timeoutSec, 600)}s`, minDrainDuration: '10s' },
  };
}

/** The AIGatewayRoutes: one rule per model a client may send, at most {@link MAX_RULES_PER_ROUTE} per object. */
function routeObjects(scope: Construct, p: LlmGatewayProps, name: string, meta: (n: string) => Json, gatewayRef: Json[]): ApiObject[] {
  const timeouts = { request: `${p.timeoutSec}s` };
  const rule = (model: string, backendRefs: Json[]) => ({
    matches: [{ headers: [{ type: 'Exact', name: 'x-ai-eg-model', value: model }] }],
    backendRefs,
    timeouts,
    modelsOwnedBy: 'llm-platform',
  });
  const rules = [
    ...p.targets.map((t) => rule(servedModel(t), [{ name: backendName(t) }])),
    // An alias reaches vLLM under the chosen backend's served name: vLLM serves no alias.
    ...(p.routes ?? []).map((r) =>
      rule(
        r.model,
        r.backends.map((b) => ({ name: backendName(b), modelNameOverride: servedModel(b), weight: b.weight })),
      ),
    ),
  ];
  const chunks: Json[][] = [];
  for (let i = 0; i < rules.length; i += MAX_RULES_PER_ROUTE) chunks.push(rules.slice(i, i + MAX_RULES_PER_ROUTE));
  return chunks.map((chunk, i) => {
    const routeName = i === 0 ? `${name}-models` : `${name}-models-${i + 1}`;
    return new ApiObject(scope, i === 0 ? 'Route' : `Route${i + 1}`, {
      apiVersion: 'aigateway.envoyproxy.io/v1beta1',
      kind: 'AIGatewayRoute',
      metadata: meta(routeName),
      spec: {
        parentRefs: gatewayRef,
        hostnames: [p.hostname],
        rules: chunk,
        // Prompt + completion tokens of each response, charged to the key's token budget.
        ...(p.tokensPerMinutePerKey !== null && { llmRequestCosts: [{ metadataKey: TOTAL_TOKENS_KEY, type: 'TotalToken' }] }),
      },
    });
  });
}

function backendTrafficSpec(p: LlmGatewayProps, targetRefs: Json[]): Json {
  const perKey = [{ headers: [{ name: CLIENT_ID_HEADER, type: 'Distinct' }] }];
  const rules: Json[] = [
    // shared: one bucket per key across every route of the Gateway, not one per route.
    { clientSelectors: perKey, limit: { requests: p.requestsPerSecondPerKey, unit: 'Second' }, shared: true },
    // No selector: every request counts against the one global bucket.
    { limit: { requests: p.requestsPerSecond, unit: 'Second' }, shared: true },
  ];
  if (p.tokensPerMinutePerKey !== null) {
    rules.push({
      clientSelectors: perKey,
      limit: { requests: p.tokensPerMinutePerKey, unit: 'Minute' },
      // Admission checks the budget without charging; each response charges its tokens.
      cost: {
        request: { from: 'Number', number: 0 },
        response: { from: 'Metadata', metadata: { namespace: AI_GATEWAY_METADATA_NAMESPACE, key: TOTAL_TOKENS_KEY } },
      },
      shared: true,
    });
  }
  const error = (status: number, message: string, type: string) => JSON.stringify({ error: { message, type, param: null, code: status } });
  return {
    targetRefs,
    rateLimit: { global: { rules } },
    timeout: { http: { requestTimeout: `${p.timeoutSec}s` } },
    responseOverride: [
      {
        match: { statusCodes: [{ type: 'Value', value: 429 }] },
        source: 'Local',
        response: {
          contentType: 'application/json',
          body: {
            type: 'Inline',
            inline: error(429, 'rate limit exceeded; retry after the time in the retry-after header', 'rate_limit_exceeded'),
          },
          // Request limits are per second. A spent token budget says its real wait in x-ratelimit-reset.
          header: { set: [{ name: RETRY_AFTER_HEADER, value: '1' }] },
        },
      },
      {
        match: { statusCodes: [{ type: 'Value', value: 401 }] },
        source: 'Local',
        response: {
          contentType: 'application/json',
          body: {
            type: 'Inline',
            inline: error(401, 'missing or unknown API key; send Authorization: Bearer <key>', 'authentication_error'),
          },
        },
      },
    ],
  };
}

function clientTrafficSpec(p: LlmGatewayProps, targetRefs: Json[]): Json {
  const t = `${p.timeoutSec}s`;
  return {
    targetRefs,
    // A stream can sit silent in vLLM's queue before its first token; Envoy's defaults (5 min
    // stream idle, 1 h connection idle) would cut or hold the wrong things.
    timeout: { http: { idleTimeout: t, streamIdleTimeout: t } },
    connection: { bufferLimit: REQUEST_BUFFER_LIMIT },
    headers: {
      // The backend the AI Gateway chose, for A/B measurement (`-` when no backend was chosen).
      lateResponseHeaders: { set: [{ name: BACKEND_HEADER, value: `%DYNAMIC_METADATA(${AI_GATEWAY_METADATA_NAMESPACE}:backend_name)%` }] },
    },
  };
}

/** The Valkey pod the rate limiter keeps counters in; returns its in-cluster address. */
function rateLimitStore(
  scope: Construct,
  namespace: string,
  name: string,
  baseLabels: Record<string, string>,
  image: string = RATE_LIMIT_STORE_IMAGE,
): string {
  const selector = { 'app.kubernetes.io/name': 'valkey', 'app.kubernetes.io/instance': name };
  const labels = { ...baseLabels, ...selector };
  const metadata = { name, namespace, labels };
  const port = k8s.IntOrString.fromNumber(RATE_LIMIT_STORE_PORT);
  const uid = 999; // the image's valkey user
  new k8s.KubeServiceAccount(scope, 'StoreAccount', { metadata, automountServiceAccountToken: false });
  new k8s.KubeDeployment(scope, 'Store', {
    metadata,
    spec: {
      replicas: 1,
      selector: { matchLabels: selector },
      strategy: { type: 'Recreate' },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: name,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: uid,
            runAsGroup: uid,
            fsGroup: uid,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'valkey',
              image,
              imagePullPolicy: 'IfNotPresent',
              // Counters only: no persistence; protected mode off because the NetworkPolicy admits only the rate limiter.
              args: [
                ...['valkey-server', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'],
                ...['--maxmemory', '200mb', '--maxmemory-policy', 'volatile-ttl'],
              ],
              ports: [{ name: 'valkey', containerPort: RATE_LIMIT_STORE_PORT, protocol: 'TCP' }],
              resources: {
                requests: { cpu: k8s.Quantity.fromString('50m'), memory: k8s.Quantity.fromString('128Mi') },
                limits: { memory: k8s.Quantity.fromString('256Mi') },
              },
              readinessProbe: { tcpSocket: { port }, periodSeconds: 5 },
              livenessProbe: { tcpSocket: { port }, periodSeconds: 15, failureThreshold: 4 },
              securityContext: {
                allowPrivilegeEscalation: false,
                privileged: false,
                runAsNonRoot: true,
                capabilities: { drop: ['ALL'] },
                readOnlyRootFilesystem: true,
              },
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
            },
          ],
          volumes: [{ name: 'data', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } }],
        },
      },
    },
  });
  new k8s.KubeService(scope, 'StoreService', {
    metadata,
    spec: {
      type: 'ClusterIP',
      selector,
      ports: [{ name: 'valkey', port: RATE_LIMIT_STORE_PORT, targetPort: k8s.IntOrString.fromString('valkey'), protocol: 'TCP' }],
    },
  });
  new k8s.KubePodDisruptionBudget(scope, 'StoreDisruption', {
    metadata,
    spec: { selector: { matchLabels: selector }, maxUnavailable: k8s.IntOrString.fromNumber(1), unhealthyPodEvictionPolicy: 'AlwaysAllow' },
  });
  new k8s.KubeNetworkPolicy(scope, 'StoreNetworkPolicy', {
    metadata,
    spec: {
      podSelector: { matchLabels: selector },
      policyTypes: ['Ingress', 'Egress'],
      // Only Envoy Gateway's rate limit service (in the controller's namespace) keeps counters here.
      ingress: [
        {
          from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ENVOY_GATEWAY_NAMESPACE } } }],
          ports: [{ port, protocol: 'TCP' }],
        },
      ],
      egress: [],
    },
  });
  return `${name}.${namespace}.svc.cluster.local:${RATE_LIMIT_STORE_PORT}`;
}

/** Address of the rate limiter's store for a Gateway named `gateway` in `namespace` (Envoy Gateway's settings). */
export function rateLimitStoreUrl(namespace: string, gateway = 'llm-gateway'): string {
  return `${gateway}-ratelimit.${namespace}.svc.cluster.local:${RATE_LIMIT_STORE_PORT}`;
}
