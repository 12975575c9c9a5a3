/**
 * The `gateway` section of the config schema (the front door: one HTTPS endpoint with API keys,
 * rate limits, routing by model and weighted A/B routes) and its cross-field checks.
 *
 * Kept beside config/platform.ts, which adds it to the schema as one section and calls
 * {@link checkGateway} from its cross-field checks, so the rules of the front door live together.
 */
import { z } from 'zod';
import { ADAPTER_SEPARATOR, adapterSlug, backendName, type RoutingTarget } from '../constructs/gateway-layout';

const HOSTNAME = /^(\*\.)?([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const ACM_ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/;
const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
/** A model name clients send: what vLLM accepts as a served or adapter name. */
const MODEL_NAME = /^[A-Za-z0-9._-]+$/;

const cidr = z.string().refine((s) => {
  const m = IPV4_CIDR.exec(s);
  return !!m && m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) <= 32;
}, 'must be an IPv4 CIDR like 203.0.113.0/24');

const gatewayBackend = z.strictObject({
  /** A variant id (`awq`, `fp16`, `lora`, `judge`), or `lora/<adapter>` for one of its LoRA adapters. */
  variant: z.string().min(1),
  /** Share of the alias's requests, relative to the route's other backends. */
  weight: z.number().int().min(0).max(1000),
});

const gatewayRoute = z.strictObject({
  /** The alias clients put in `model`; the gateway rewrites it to the chosen backend's served name. */
  model: z.string().regex(MODEL_NAME, 'must be letters, digits, dot, dash or underscore'),
  backends: z.array(gatewayBackend).min(1).max(16),
});

/** The front door: where clients call the models from outside the cluster. */
export const gatewaySchema = z.strictObject({
  /**
   * Deploy the front door. Off unless an environment turns it on: it needs a DNS name and an ACM
   * certificate only the team can provide.
   */
  enabled: z.boolean().default(false),
  /** DNS name clients call (`https://<hostname>/v1/…`); point it at the load balancer. */
  hostname: z.string().regex(HOSTNAME, 'must be a lowercase DNS name like llm.example.com').optional(),
  /** ACM certificate for the hostname; the network load balancer terminates TLS with it. */
  certificateArn: z
    .string()
    .regex(ACM_ARN, 'must be an ACM certificate ARN like arn:aws:acm:us-east-1:<account>:certificate/<id>')
    .optional(),
  /** Client address ranges the load balancer admits. */
  sourceCidrs: z.array(cidr).min(1).default(['0.0.0.0/0']),
  /** Envoy proxy replicas (spread over zones and nodes). */
  replicas: z.number().int().min(1).max(10).default(2),
  /**
   * Secrets Manager secret with the client API keys, a JSON object `{"<client id>": "<key>", …}`.
   * Keys are added and rotated there; External Secrets brings them to the gateway.
   */
  apiKeysName: z.string().min(1).default('llm-platform/gateway-api-keys'),
  rateLimit: z
    .strictObject({
      /** Requests per second one API key may start (the old platform's 10). */
      requestsPerSecondPerKey: z.number().int().positive().default(10),
      /** Requests per second all keys together may start. */
      requestsPerSecond: z.number().int().positive().default(100),
      /** Prompt + completion tokens per minute one key may use; null turns the token budget off. */
      tokensPerMinutePerKey: z.number().int().positive().nullable().default(100_000),
    })
    .prefault({}),
  /** Longest a request may take, streamed or not (a long generation on a busy T4 takes minutes). */
  timeoutSec: z.number().int().min(600).max(3600).default(900),
  /** Alias models split by weight between variants or adapters (A/B). */
  routes: z.array(gatewayRoute).default([]),
});

export type GatewayConfig = z.output<typeof gatewaySchema>;

/** What the checks need to know about the models. */
export interface GatewayCheckInput {
  readonly tier: string;
  readonly gateway: GatewayConfig;
  /** Every variant by config id, with its served name, whether it is on, and its adapters. */
  readonly models: Readonly<
    Record<string, { readonly enabled: boolean; readonly name: string; readonly adapters?: readonly { readonly name: string }[] }>
  >;
}

/** A route backend after resolution: where it goes and its weight. */
export interface ResolvedBackend extends RoutingTarget {
  readonly weight: number;
}

/**
 * The target a route backend names (`awq`, `lora/support-tone`), or the problem with it.
 * `models` is keyed by config id (the catalog's `awq`, `lora`, …).
 */
export function resolveBackend(spec: string, models: GatewayCheckInput['models']): RoutingTarget | string {
  const at = spec.indexOf(ADAPTER_SEPARATOR);
  const id = at === -1 ? spec : spec.slice(0, at);
  const adapter = at === -1 ? undefined : spec.slice(at + 1);
  const m = models[id];
  if (!m) return `names no variant; use one of ${Object.keys(models).join(', ')}, or lora/<adapter>`;
  if (!m.enabled) return `names variant ${id}, which this environment does not enable; enable models.${id} or route elsewhere`;
  if (adapter === undefined) return { variant: m.name };
  const names = (m.adapters ?? []).map((a) => a.name);
  if (!names.includes(adapter)) {
    return `names adapter ${adapter}, which models.${id}.adapters does not list (${names.join(', ') || 'none'}); add it there or fix the name`;
  }
  return { variant: m.name, adapter };
}

/** Cross-field checks of the gateway section: errors stop synth, warnings are printed. */
export function checkGateway(c: GatewayCheckInput): { errors: string[]; warnings: string[] } {
  const errors: string[] = [];
  const warnings: string[] = [];
  const g = c.gateway;
  if (!g.enabled) return { errors, warnings };
  const prod = c.tier === 'prod';

  if (g.hostname === undefined) {
    errors.push(
      'gateway.hostname is required while gateway.enabled is true, got nothing; set the DNS name clients call, e.g. llm.example.com',
    );
  } else {
    if (g.hostname.startsWith('*.')) {
      const msg = `gateway.hostname is a wildcard, got ${JSON.stringify(g.hostname)}; name the one host clients call, e.g. ${g.hostname.slice(2)}`;
      (prod ? errors : warnings).push(msg);
    }
  }
  if (g.certificateArn === undefined) {
    errors.push(
      `gateway.certificateArn is required while gateway.enabled is true, got nothing; request an ACM certificate for ${g.hostname ?? 'the hostname'} and set its ARN`,
    );
  }

  // Every name a client may send: served names, adapters, aliases; each must reach one place.
  const served = new Map<string, string>();
  for (const [id, m] of Object.entries(c.models)) {
    if (!m.enabled) continue;
    served.set(m.name, `models.${id}`);
    for (const a of m.adapters ?? []) served.set(a.name, `models.${id}.adapters`);
  }
  const slugs = new Map<string, string>();
  for (const [id, m] of Object.entries(c.models)) {
    if (!m.enabled) continue;
    for (const a of m.adapters ?? []) {
      const name = backendName({ variant: m.name, adapter: a.name });
      const other = slugs.get(name);
      if (other !== undefined) {
        errors.push(
          `models.${id}.adapters ${other} and ${a.name} both become gateway backend ${name} (${adapterSlug(a.name)}); rename one so they differ in more than case and punctuation`,
        );
      }
      slugs.set(name, a.name);
    }
  }
  const aliases = new Set<string>();
  g.routes.forEach((r, i) => {
    const p = `gateway.routes[${i}]`;
    if (aliases.has(r.model)) errors.push(`${p}.model ${r.model} is routed twice; merge the two routes`);
    aliases.add(r.model);
    const owner = served.get(r.model);
    if (owner !== undefined) {
      errors.push(`${p}.model ${r.model} is already a model ${owner} serves, so clients could not reach it directly; pick another alias`);
    }
    const seen = new Set<string>();
    r.backends.forEach((b, j) => {
      const target = resolveBackend(b.variant, c.models);
      if (typeof target === 'string') {
        errors.push(`${p}.backends[${j}].variant ${b.variant} ${target}`);
        return;
      }
      if (seen.has(b.variant)) errors.push(`${p}.backends[${j}].variant ${b.variant} is listed twice in the route; merge their weights`);
      seen.add(b.variant);
    });
    if (r.backends.every((b) => b.weight === 0)) {
      errors.push(`${p}.backends all have weight 0, so ${r.model} could reach no backend; give at least one a positive weight`);
    }
  });
  return { errors, warnings };
}

/** The backends of every route with their targets resolved; call only on a config that passed {@link checkGateway}. */
export function resolvedRoutes(c: GatewayCheckInput): { readonly model: string; readonly backends: readonly ResolvedBackend[] }[] {
  return c.gateway.routes.map((r) => ({
    model: r.model,
    backends: r.backends.map((b) => {
      const t = resolveBackend(b.variant, c.models);
      if (typeof t === 'string') throw new Error(`gateway route ${r.model} backend ${b.variant} ${t}`);
      return { ...t, weight: b.weight };
    }),
  }));
}
