import { type Endpoint, errorBodyMessage, type OpenAiClient, reasonForError } from '../client/openai';

/** Model ids listed by `/v1/models`, with each adapter's parent (null for base models). */
export interface ServedModel {
  readonly id: string;
  readonly parent: string | null;
}

/** Outcome of reading `/v1/models`: the list, or why it could not be read. */
export type ModelsResponse =
  | { readonly ok: true; readonly models: readonly ServedModel[] }
  | { readonly ok: false; readonly status?: number; readonly problem: string };

/** Auth statuses: a wrong or missing key, never a property of the server's performance. */
export function isAuthStatus(status: number | undefined): boolean {
  return status === 401 || status === 403;
}

/** GET /v1/models and parse it; problems are worded for a person reading a CI log. */
export async function listModels(client: OpenAiClient, timeoutSec: number): Promise<ModelsResponse> {
  const where = `${client.url}/v1/models`;
  let res;
  try {
    res = await client.get('/v1/models', { timeoutSec });
  } catch (err) {
    const reason = reasonForError(err, false);
    const detail = err instanceof Error ? err.message : String(err);
    return { ok: false, problem: `${client.url} is unreachable (${reason}: ${detail}); check --base-url and that the server is up` };
  }
  if (isAuthStatus(res.status)) {
    return {
      ok: false,
      status: res.status,
      problem: `${where} rejected the request with ${res.status} (${errorBodyMessage(res.body)}); pass the right --api-key or set LLM_BENCH_API_KEY`,
    };
  }
  if (res.status !== 200) {
    return {
      ok: false,
      status: res.status,
      problem: `${where} answered ${res.status} (${errorBodyMessage(res.body)}); check --base-url points at an OpenAI-compatible server`,
    };
  }
  try {
    const body = JSON.parse(res.body) as { data?: unknown };
    if (!Array.isArray(body.data)) throw new Error('no data array');
    const models = body.data.flatMap((m: unknown): ServedModel[] => {
      if (typeof m !== 'object' || m === null) return [];
      const { id, parent } = m as { id?: unknown; parent?: unknown };
      return typeof id === 'string' ? [{ id, parent: typeof parent === 'string' ? parent : null }] : [];
    });
    return { ok: true, models };
  } catch {
    return {
      ok: false,
      status: res.status,
      problem: `${where} did not return a model list, got ${JSON.stringify(res.body.slice(0, 80))}; check --base-url`,
    };
  }
}

/** What the warm-up request must look like: the run's model, route, streaming and length forcing. */
export interface PreflightRequest {
  readonly model: string;
  readonly endpoint: Endpoint;
  readonly stream: boolean;
  readonly exactTokens: boolean;
}

/**
 * Checks, before any load, that the server is reachable, accepts the key and serves the model,
 * then sends one short request shaped like the run's (as vLLM's benchmark does its initial test
 * run). Each of these problems would otherwise turn into a run of identical failures. The
 * warm-up also takes the client's one-time costs (HTTP parser, first compilation of the hot
 * path) out of the first measured requests; it is not counted.
 *
 * Returns the problem, or null when the run can go ahead. Only a 4xx on the warm-up stops the
 * run: a 5xx or a timeout may be the very fault the run is meant to measure.
 */
export async function preflight(client: OpenAiClient, req: PreflightRequest, timeoutSec: number): Promise<string | null> {
  const listed = await listModels(client, timeoutSec);
  if (!listed.ok) return listed.problem;
  if (!listed.models.some((m) => m.id === req.model)) {
    return `model ${req.model} is not served at ${client.url}, got ${listed.models.map((m) => m.id).join(', ') || 'none'}; pass one of them with --model`;
  }
  const warm = await client.generate({
    model: req.model,
    endpoint: req.endpoint,
    stream: req.stream,
    prompt: { text: 'Say OK.' },
    maxTokens: 1,
    exactTokens: req.exactTokens,
  }).done;
  if (isAuthStatus(warm.status)) {
    return `${client.url} rejected a ${req.endpoint} request with ${warm.status} (${warm.message ?? ''}); pass the right --api-key or set LLM_BENCH_API_KEY`;
  }
  if (warm.status === 429) {
    return (
      `${client.url} rate-limited the warm-up ${req.endpoint} request with 429 (${warm.message ?? ''}); the server or its front door limits this key: ` +
      'wait for the limit to reset, use a key with a higher limit, or point --base-url past the front door; the load would only count 429s'
    );
  }
  if (warm.status !== undefined && warm.status >= 400 && warm.status < 500) {
    return `${client.url} rejected a ${req.endpoint} request for ${req.model} with ${warm.status} (${warm.message ?? ''}); check --model, --endpoint and --output-tokens`;
  }
  return null;
}
