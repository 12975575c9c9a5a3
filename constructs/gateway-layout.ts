/**
 * The front door's names and contract, shared by the gateway construct, the config checks and the
 * bench's front-door checks: which response header names the backend that served a request, how
 * a routing target (a variant, or an adapter on one) is named, and how to read the header back.
 * Plain data and functions with no cdk8s import, so the bench can load it.
 */

/**
 * Response header naming the backend that served a request: the gateway copies the AI Gateway's
 * `backend_name` (`<namespace>/<backend>/route/<route>/rule/<i>/ref/<j>`) into it, so a client
 * measuring an A/B split counts responses per backend without reading bodies.
 */
export const BACKEND_HEADER = 'x-llm-backend';

/** Response header the gateway adds to 429 answers: seconds until the client may retry. */
export const RETRY_AFTER_HEADER = 'retry-after';

/** Request header the API key check forwards to the rate limiter: the key's client id, never the key. */
export const CLIENT_ID_HEADER = 'x-llm-client-id';

/** Separator between a variant and an adapter in config (`lora/support-tone`). */
export const ADAPTER_SEPARATOR = '/';

/** Where a request ends up: a variant's base model, or one LoRA adapter it serves. */
export interface RoutingTarget {
  /** Kubernetes name of the variant (its Service), e.g. `mistral-7b-lora`. */
  readonly variant: string;
  /** Adapter name as vLLM serves it (`--lora-modules name=…`). @default - the base model */
  readonly adapter?: string;
}

/** The model name vLLM serves for a target: the adapter's name, else the variant's served name. */
export function servedModel(t: RoutingTarget): string {
  return t.adapter ?? t.variant;
}

/** An adapter name as it may appear in a Kubernetes object name (lowercase, `-` for anything else). */
export function adapterSlug(adapter: string): string {
  return adapter
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
}

/** The gateway backend (AIServiceBackend) of a target: `mistral-7b-awq`, `mistral-7b-lora--support-tone`. */
export function backendName(t: RoutingTarget): string {
  return t.adapter === undefined ? t.variant : `${t.variant}--${adapterSlug(t.adapter)}`;
}

/**
 * The backend a {@link BACKEND_HEADER} value names, among `candidates`: the candidate that is one
 * of the value's `/`-separated segments (the gateway writes `namespace/backend/route/…`; a plain
 * `backend` works too). Undefined when none or several match.
 */
export function backendFromHeader(value: string | undefined, candidates: readonly string[]): string | undefined {
  if (value === undefined || value === '') return undefined;
  const segments = new Set(value.split('/'));
  const hits = candidates.filter((c) => segments.has(c));
  return hits.length === 1 ? hits[0] : undefined;
}
