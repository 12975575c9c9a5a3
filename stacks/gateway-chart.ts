/**
 * The front door's chart: maps the validated `gateway` settings onto {@link LlmGateway}, and the
 * description of the front door the stack outputs for the post-deploy checks.
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { ENVOY_GATEWAY_NAMESPACE, LlmGateway, RATE_LIMIT_STORE_IMAGE, type LlmGatewayProps } from '../constructs/gateway';
import { BACKEND_HEADER, backendName, servedModel, type RoutingTarget } from '../constructs/gateway-layout';
import { cachedImage } from '../constructs/image-cache';
import { VLLM_PORT } from '../constructs/vllm-model';
import type { PlatformConfig } from '../config/platform';
import { resolvedRoutes } from '../config/gateway';

/** Name of the chart (and file) holding the gateway objects. */
export const GATEWAY_CHART = 'gateway';

/** Every model a client may name directly: each enabled variant's base model and its adapters. */
export function directTargets(c: PlatformConfig): RoutingTarget[] {
  return c.enabledModels.flatMap((m) => [{ variant: m.name }, ...(m.adapters ?? []).map((a) => ({ variant: m.name, adapter: a.name }))]);
}

/** The gateway's props, every value from the config; undefined when the front door is off. */
export function gatewayProps(c: PlatformConfig): LlmGatewayProps | undefined {
  const g = c.gateway;
  if (!g.enabled) return undefined;
  // Config validation guarantees both whenever the gateway is enabled.
  return {
    namespace: c.workloads.namespace,
    hostname: g.hostname!,
    certificateArn: g.certificateArn!,
    sourceCidrs: g.sourceCidrs,
    replicas: g.replicas,
    services: c.enabledModels.map((m) => ({ name: m.name, port: VLLM_PORT })),
    targets: directTargets(c),
    routes: resolvedRoutes(c),
    secretStoreName: c.secrets.storeName,
    refreshInterval: c.secrets.refreshInterval,
    clientKeysName: g.apiKeysName,
    upstreamKeyName: c.workloads.enableAuth ? c.secrets.apiKeyName : undefined,
    requestsPerSecondPerKey: g.rateLimit.requestsPerSecondPerKey,
    requestsPerSecond: g.rateLimit.requestsPerSecond,
    tokensPerMinutePerKey: g.rateLimit.tokensPerMinutePerKey,
    timeoutSec: g.timeoutSec,
    tier: c.tier,
    // Through the ECR pull-through cache when it is on, like the models' images (config guarantees its registry).
    storeImage: c.imageCache.enabled ? cachedImage(RATE_LIMIT_STORE_IMAGE, c.imageCache.registry!) : RATE_LIMIT_STORE_IMAGE,
  };
}

/** Namespaces whose pods reach the models besides the configured clients: the Envoy proxies when the front door is on. */
export function gatewayClientNamespaces(c: PlatformConfig): string[] {
  return c.gateway.enabled ? [ENVOY_GATEWAY_NAMESPACE] : [];
}

/** Adds the gateway chart when the front door is on. */
export function addGatewayChart(app: Construct, c: PlatformConfig): LlmGateway | undefined {
  const props = gatewayProps(c);
  if (props === undefined) return undefined;
  const chart = new Chart(app, GATEWAY_CHART, { disableResourceNameHashes: true });
  return new LlmGateway(chart, 'Gateway', props);
}

/**
 * What the post-deploy stage needs to check the front door (stack output `frontDoor`): its URL,
 * the models `/v1/models` lists, the rate limits, the header naming the backend, and each A/B
 * route's backends and weights.
 */
export interface FrontDoorDescription {
  readonly url: string;
  readonly backendHeader: string;
  readonly models: readonly string[];
  readonly rateLimit: {
    readonly requestsPerSecondPerKey: number;
    readonly requestsPerSecond: number;
    readonly tokensPerMinutePerKey: number | null;
  };
  readonly routes: readonly {
    readonly model: string;
    readonly backends: readonly { readonly name: string; readonly model: string; readonly weight: number }[];
  }[];
}

export function frontDoorDescription(c: PlatformConfig): FrontDoorDescription | undefined {
  const props = gatewayProps(c);
  if (props === undefined) return undefined;
  const routes = props.routes ?? [];
  return {
    url: `https://${props.hostname}`,
    backendHeader: BACKEND_HEADER,
    models: [...props.targets.map(servedModel), ...routes.map((r) => r.model)],
    rateLimit: {
      requestsPerSecondPerKey: props.requestsPerSecondPerKey,
      requestsPerSecond: props.requestsPerSecond,
      tokensPerMinutePerKey: props.tokensPerMinutePerKey,
    },
    routes: routes.map((r) => ({
      model: r.model,
      backends: r.backends.map((b) => ({ name: backendName(b), model: servedModel(b), weight: b.weight })),
    })),
  };
}
