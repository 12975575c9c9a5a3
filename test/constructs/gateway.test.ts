/**
 * The front door's objects for every environment that enables it: valid against the Gateway API,
 * Envoy Gateway and Envoy AI Gateway CRD schemas (crds/), TLS only, API keys, rate limits with
 * Retry-After, routing on the body's model, the weighted A/B route, streaming-safe timeouts.
 */
import { App, Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import {
  CLIENT_KEYS_SECRET,
  ENVOY_GATEWAY_NAMESPACE,
  HTTPS_PORT,
  LlmGateway,
  MAX_RULES_PER_ROUTE,
  TLS_POLICY,
  UPSTREAM_KEY_SECRET,
} from '../../constructs/gateway';
import { BACKEND_HEADER, CLIENT_ID_HEADER, backendName, servedModel } from '../../constructs/gateway-layout';
import { parsePlatformConfig, type PlatformConfig } from '../../config/platform';
import { directTargets, gatewayProps } from '../../stacks/gateway-chart';
import { renderManifests, type KubernetesObject } from '../../stacks/manifests';
import { find, ofKind, realEnvironments } from '../support/manifests';
import { validateObject } from '../support/schemas';
import { tempDir } from '../support/temp';

const envs = realEnvironments().filter(([, c]) => c.gateway.enabled);
const gatewayObjects = (objs: readonly KubernetesObject[]) =>
  objs.filter(
    (o) =>
      o.kind === 'GatewayClass' || (o.metadata.labels as Record<string, string> | undefined)?.['app.kubernetes.io/component'] === 'gateway',
  );

describe('real environments', () => {
  it('enable the front door in dev and prod', () => {
    expect(envs.map(([e]) => e)).toEqual(['dev', 'prod']);
  });
});

describe.each(envs)('%s front door', (_env, c) => {
  const objs = renderManifests(c);
  const mine = gatewayObjects(objs);
  const g = c.gateway;
  const ns = c.workloads.namespace;

  it('validates every gateway object against its CRD schema', () => {
    const kinds = new Set(mine.map((o) => o.kind));
    for (const k of [
      'GatewayClass',
      'Gateway',
      'EnvoyProxy',
      'Backend',
      'AIServiceBackend',
      'AIGatewayRoute',
      'SecurityPolicy',
      'BackendTrafficPolicy',
      'ClientTrafficPolicy',
    ]) {
      expect(kinds, k).toContain(k);
    }
    for (const o of mine) validateObject(o);
  });

  it('rejects an object the CRD schema does not allow, so the validation is not vacuous', () => {
    const btp = structuredClone<any>(find(objs, 'BackendTrafficPolicy', 'llm-gateway-limits'));
    btp.spec.rateLimit.global.rules[0].limit.unit = 'Fortnight';
    expect(() => validateObject(btp)).toThrow(/BackendTrafficPolicy llm-gateway-limits fails its schema/);
    const route = structuredClone<any>(find(objs, 'AIGatewayRoute', 'llm-gateway-models'));
    route.spec.rules[0].backendRef = route.spec.rules[0].backendRefs;
    expect(() => validateObject(route)).toThrow(/must NOT have additional properties \(backendRef\)/);
  });

  it('listens on 443 only, behind an internet-facing NLB that terminates TLS with the ACM certificate', () => {
    const gw = find(objs, 'Gateway', 'llm-gateway');
    expect(gw.spec.listeners).toEqual([
      { name: 'https', protocol: 'HTTP', port: HTTPS_PORT, hostname: g.hostname, allowedRoutes: { namespaces: { from: 'Same' } } },
    ]);
    const svc = find(objs, 'EnvoyProxy', 'llm-gateway').spec.provider.kubernetes.envoyService;
    expect(svc).toMatchObject({ type: 'LoadBalancer', loadBalancerClass: 'service.k8s.aws/nlb', loadBalancerSourceRanges: g.sourceCidrs });
    expect(svc.annotations).toMatchObject({
      'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internet-facing',
      'service.beta.kubernetes.io/aws-load-balancer-ssl-cert': g.certificateArn,
      'service.beta.kubernetes.io/aws-load-balancer-ssl-ports': '443',
      'service.beta.kubernetes.io/aws-load-balancer-ssl-negotiation-policy': TLS_POLICY,
    });
    expect(find(objs, 'GatewayClass', 'llm-platform').spec.controllerName).toBe('gateway.envoyproxy.io/gatewayclass-controller');
  });

  it('runs the configured Envoy replicas spread over zones and nodes, with a disruption budget', () => {
    const k = find(objs, 'EnvoyProxy', 'llm-gateway').spec.provider.kubernetes;
    expect(k.envoyDeployment.replicas).toBe(g.replicas);
    expect(k.envoyDeployment.pod.topologySpreadConstraints.map((t: any) => t.topologyKey)).toEqual([
      'topology.kubernetes.io/zone',
      'kubernetes.io/hostname',
    ]);
    expect(k.envoyPDB).toEqual({ maxUnavailable: 1 });
  });

  it('checks API keys from Secrets Manager at the edge and forwards only the client id', () => {
    const sp = find(objs, 'SecurityPolicy', 'llm-gateway-api-keys');
    expect(sp.spec.targetRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'llm-gateway' }]);
    expect(sp.spec.apiKeyAuth).toEqual({
      credentialRefs: [{ group: '', kind: 'Secret', name: CLIENT_KEYS_SECRET }],
      extractFrom: [{ headers: ['authorization', 'x-api-key'] }],
      forwardClientIDHeader: CLIENT_ID_HEADER,
      sanitize: true,
    });
    const keys = find(objs, 'ExternalSecret', CLIENT_KEYS_SECRET);
    expect(keys.spec.dataFrom).toEqual([{ extract: { key: g.apiKeysName } }]);
    expect(keys.spec.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: c.secrets.storeName });
  });

  it("sends vLLM's own key upstream, so vLLM keeps --api-key as a second lock", () => {
    const bsp = find(objs, 'BackendSecurityPolicy', 'llm-gateway-upstream-key');
    expect(bsp.spec.type).toBe('APIKey');
    expect(bsp.spec.apiKey).toEqual({ secretRef: { name: UPSTREAM_KEY_SECRET } });
    expect(bsp.spec.targetRefs.map((r: any) => r.name).sort()).toEqual(
      ofKind(objs, 'AIServiceBackend')
        .map((b) => b.metadata.name)
        .sort(),
    );
    expect(find(objs, 'ExternalSecret', UPSTREAM_KEY_SECRET).spec.data).toEqual([
      { secretKey: 'apiKey', remoteRef: { key: c.secrets.apiKeyName } },
    ]);
  });

  it('limits requests per key and for all keys, tokens per key, and answers 429 with Retry-After', () => {
    const btp = find(objs, 'BackendTrafficPolicy', 'llm-gateway-limits');
    const rules = btp.spec.rateLimit.global.rules;
    const perKey = [{ headers: [{ name: CLIENT_ID_HEADER, type: 'Distinct' }] }];
    expect(rules[0]).toEqual({
      clientSelectors: perKey,
      limit: { requests: g.rateLimit.requestsPerSecondPerKey, unit: 'Second' },
      shared: true,
    });
    expect(rules[1]).toEqual({ limit: { requests: g.rateLimit.requestsPerSecond, unit: 'Second' }, shared: true });
    expect(rules[2]).toMatchObject({
      clientSelectors: perKey,
      limit: { requests: g.rateLimit.tokensPerMinutePerKey, unit: 'Minute' },
      cost: {
        request: { from: 'Number', number: 0 },
        response: { from: 'Metadata', metadata: { namespace: 'io.envoy.ai_gateway', key: 'llm_total_token' } },
      },
    });
    const tooMany = btp.spec.responseOverride.find((r: any) => r.match.statusCodes[0].value === 429);
    expect(tooMany.source).toBe('Local');
    expect(tooMany.response.header.set).toEqual([{ name: 'retry-after', value: '1' }]);
    expect(JSON.parse(tooMany.response.body.inline).error.code).toBe(429);
  });

  it('routes every served model and adapter by the body model to its own backend', () => {
    const rules = ofKind(objs, 'AIGatewayRoute').flatMap((r) => (r as any).spec.rules);
    for (const t of directTargets(c)) {
      const rule = rules.find((r: any) => r.matches[0].headers[0].value === servedModel(t));
      expect(rule, servedModel(t)).toBeDefined();
      expect(rule.backendRefs).toEqual([{ name: backendName(t) }]);
    }
    for (const b of ofKind(objs, 'AIServiceBackend')) {
      expect((b as any).spec.backendRef.kind).toBe('Backend');
      const backend = find(objs, 'Backend', (b as any).spec.backendRef.name);
      expect(backend.spec.endpoints[0].fqdn).toEqual({ hostname: `${backend.metadata.name}.${ns}.svc.cluster.local`, port: 8000 });
    }
  });

  it('splits each alias by the configured weights, rewriting model to the chosen served name', () => {
    const rules = ofKind(objs, 'AIGatewayRoute').flatMap((r) => (r as any).spec.rules);
    expect(g.routes.length).toBeGreaterThan(0);
    for (const r of g.routes) {
      const rule = rules.find((x: any) => x.matches[0].headers[0].value === r.model);
      expect(rule.backendRefs.map((b: any) => b.weight)).toEqual(r.backends.map((b) => b.weight));
      for (const ref of rule.backendRefs) expect(ref.modelNameOverride, ref.name).toMatch(/^(mistral-7b-[a-z0-9]+|[A-Za-z0-9._-]+)$/);
    }
  });

  it('is safe for long streams: ≥ 600 s request, idle and stream-idle timeouts, and NLB idle timeout', () => {
    const t = `${g.timeoutSec}s`;
    expect(g.timeoutSec).toBeGreaterThanOrEqual(600);
    for (const r of ofKind(objs, 'AIGatewayRoute')) for (const rule of (r as any).spec.rules) expect(rule.timeouts).toEqual({ request: t });
    expect(find(objs, 'ClientTrafficPolicy', 'llm-gateway-clients').spec.timeout).toEqual({
      http: { idleTimeout: t, streamIdleTimeout: t },
    });
    expect(find(objs, 'BackendTrafficPolicy', 'llm-gateway-limits').spec.timeout).toEqual({ http: { requestTimeout: t } });
    const ann = find(objs, 'EnvoyProxy', 'llm-gateway').spec.provider.kubernetes.envoyService.annotations;
    expect(ann['service.beta.kubernetes.io/aws-load-balancer-listener-attributes.TLS-443']).toBe(
      `tcp.idle_timeout.seconds=${g.timeoutSec}`,
    );
  });

  it('names the serving backend in a response header', () => {
    const ctp = find(objs, 'ClientTrafficPolicy', 'llm-gateway-clients');
    expect(ctp.spec.headers.lateResponseHeaders.set).toEqual([
      { name: BACKEND_HEADER, value: '%DYNAMIC_METADATA(io.envoy.ai_gateway:backend_name)%' },
    ]);
  });

  it('lets the Envoy proxies reach the models and only the rate limiter reach its store', () => {
    for (const m of c.enabledModels) {
      const from = find(objs, 'NetworkPolicy', m.name).spec.ingress[0].from.map(
        (f: any) => f.namespaceSelector.matchLabels['kubernetes.io/metadata.name'],
      );
      expect(from).toContain(ENVOY_GATEWAY_NAMESPACE);
    }
    const store = find(objs, 'NetworkPolicy', 'llm-gateway-ratelimit');
    expect(store.spec.ingress).toEqual([
      {
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ENVOY_GATEWAY_NAMESPACE } } }],
        ports: [{ port: 6379, protocol: 'TCP' }],
      },
    ]);
    expect(store.spec.egress).toEqual([]);
  });
});

describe('variants of the config', () => {
  const ARN = 'arn:aws:acm:us-east-1:210987654321:certificate/abc';
  const config = (extra: Record<string, unknown>): PlatformConfig =>
    parsePlatformConfig(
      { gateway: { enabled: true, hostname: 'llm.corp.net', certificateArn: ARN }, ...extra },
      'test',
      'Pulumi.test.yaml',
    );

  it('writes no gateway objects when the front door is off', () => {
    const c = parsePlatformConfig({}, 'test', 'Pulumi.test.yaml');
    expect(gatewayObjects(renderManifests(c))).toEqual([]);
    expect(find(renderManifests(c), 'NetworkPolicy', 'mistral-7b-awq').spec.ingress[0].from).not.toContainEqual({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ENVOY_GATEWAY_NAMESPACE } },
    });
  });

  it('drops the upstream key when vLLM runs without one, and the token budget when it is off', () => {
    const objs = renderManifests(
      config({
        workloads: { enableAuth: false },
        gateway: { enabled: true, hostname: 'llm.corp.net', certificateArn: ARN, rateLimit: { tokensPerMinutePerKey: null } },
      }),
    );
    expect(ofKind(objs, 'BackendSecurityPolicy')).toEqual([]);
    expect(ofKind(objs, 'ExternalSecret').map((e) => e.metadata.name)).not.toContain(UPSTREAM_KEY_SECRET);
    expect(find(objs, 'BackendTrafficPolicy', 'llm-gateway-limits').spec.rateLimit.global.rules).toHaveLength(2);
    expect(find(objs, 'AIGatewayRoute', 'llm-gateway-models').spec.llmRequestCosts).toBeUndefined();
  });

  it(`splits more than ${MAX_RULES_PER_ROUTE} models over several AIGatewayRoutes, all valid`, () => {
    const adapters = Array.from({ length: 14 }, (_, i) => ({ name: `adapter-${i}`, source: { kind: 'huggingface', repo: `org/a${i}` } }));
    const objs = renderManifests(config({ models: { lora: { adapters, maxLoras: 4 } } }));
    const routes = ofKind(objs, 'AIGatewayRoute');
    expect(routes.map((r) => r.metadata.name)).toEqual(['llm-gateway-models', 'llm-gateway-models-2']);
    expect(routes.map((r) => (r as any).spec.rules.length)).toEqual([MAX_RULES_PER_ROUTE, 4 + 14 - MAX_RULES_PER_ROUTE]);
    for (const r of routes) validateObject(r);
  });

  it('refuses props a config check would have caught, naming them', () => {
    const props = gatewayProps(config({}))!;
    // cdk8s's Testing.app() would leave its outdir in /tmp.
    const chart = new Chart(new App({ outdir: tempDir('cdk8s-') }), 'x');
    expect(
      () => new LlmGateway(chart, 'g', { ...props, timeoutSec: 60, routes: [{ model: 'a', backends: [{ variant: 'nope', weight: 0 }] }] }),
    ).toThrow(
      'LlmGateway: timeoutSec must be at least 600 for long generations, got 60; route a names variant nope, which has no Service; route a has no backend with a positive weight',
    );
  });
});
