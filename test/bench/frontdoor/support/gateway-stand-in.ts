/**
 * A LOCAL TEST STAND-IN FOR ENVOY GATEWAY + ENVOY AI GATEWAY: a small real HTTP(S) proxy on
 * 127.0.0.1 that does what the front door's manifests (constructs/gateway.ts) configure, so the
 * bench's front-door checks run against simulators without a cluster. It is not Envoy and proves
 * nothing about Envoy; it implements the same contract:
 *
 * - API keys (`Authorization: Bearer <key>` or `x-api-key`), 401 with an OpenAI-style error body;
 * - token buckets per key and for all keys (requests/s), 429 with `Retry-After`, on an injected clock;
 * - routing on the body's `model`: served models to their backend, aliases split by weight (seeded),
 *   `model` rewritten to the chosen backend's served name, the backend named in `x-llm-backend`
 *   the way the AI Gateway writes it (`<namespace>/<backend>/route/<route>/rule/<i>/ref/<j>`);
 * - `/v1/models` listing every model and alias;
 * - responses streamed through as they arrive, and the upstream request aborted when the client goes.
 *
 * Switches turn parts off so tests can show each check failing: `keys: null` (no auth), no limits,
 * `bufferResponses`, actual weights that differ from the configured ones.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BACKEND_HEADER } from '../../../../constructs/gateway-layout';
import { seededRandom } from '../../../../bench/load/random';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures');
/** The self-signed localhost certificate the bench TLS tests use; pass it as `ca` to trust the stand-in. */
export const STAND_IN_CA = readFileSync(join(FIXTURES, 'localhost.crt'));

export interface StandInBackend {
  /** Backend name, as the gateway names it (`mistral-7b-awq`, `mistral-7b-lora--support-tone`). */
  readonly name: string;
  /** The simulator's base URL. */
  readonly url: string;
  /** The model name the backend serves. */
  readonly model: string;
}

export interface StandInOptions {
  /** client id → key; null turns authentication off (to show the auth check failing). */
  readonly keys: Readonly<Record<string, string>> | null;
  /** Served models and adapters, each to its backend. */
  readonly direct: readonly StandInBackend[];
  /** Aliases: weighted backends. */
  readonly aliases?: readonly { readonly model: string; readonly backends: readonly (StandInBackend & { readonly weight: number })[] }[];
  /** Requests per second per key and for all keys; null: no limit. */
  readonly perKeyRps: number | null;
  readonly globalRps?: number | null;
  /** Milliseconds now, for the buckets; tests share it with the checks' sleep. */
  readonly now: () => number;
  /** Key sent upstream (vLLM's own), replacing the client's. @default - none */
  readonly upstreamKey?: string;
  /** Serve TLS with the localhost test certificate. @default true */
  readonly tls?: boolean;
  /** Hold each response until it is complete (a misconfigured proxy). @default false */
  readonly bufferResponses?: boolean;
  readonly seed?: number;
}

const NAMESPACE = 'llm-baseline';
const ROUTE = 'llm-gateway-models';

class Bucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly rate: number,
    now: number,
  ) {
    this.tokens = rate;
    this.at = now;
  }

  /** Takes a token, or returns the whole seconds until one is there. */
  take(now: number): number | undefined {
    this.tokens = Math.min(this.rate, this.tokens + ((now - this.at) / 1000) * this.rate);
    this.at = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return undefined;
    }
    return Math.max(1, Math.ceil((1 - this.tokens) / this.rate));
  }
}

function error(res: http.ServerResponse, status: number, message: string, type: string, extra: Record<string, string> = {}): void {
  const body = JSON.stringify({ error: { message, type, param: null, code: status } });
  res
    .writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), [BACKEND_HEADER]: '-', ...extra })
    .end(body);
}

/** The stand-in; see the module comment. */
export class GatewayStandIn {
  private server: http.Server | undefined;
  private readonly buckets = new Map<string, Bucket>();
  private readonly random: () => number;
  /** Upstream requests started, and those aborted because the client went away. */
  readonly counts = { upstream: 0, abortedUpstream: 0, rejected401: 0, rejected429: 0 };

  constructor(readonly o: StandInOptions) {
    this.random = seededRandom(o.seed ?? 7);
  }

  get url(): string {
    const a = this.server!.address() as AddressInfo;
    return `${this.o.tls === false ? 'http' : 'https'}://localhost:${a.port}`;
  }

  async start(): Promise<this> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => void this.route(req, res);
    this.server =
      this.o.tls === false
        ? http.createServer(handler)
        : https.createServer({ cert: STAND_IN_CA, key: readFileSync(join(FIXTURES, 'localhost.key')) }, handler);
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }

  private clientOf(req: http.IncomingMessage): string | undefined {
    const bearer = /^bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const key = bearer ?? (req.headers['x-api-key'] as string | undefined);
    return Object.entries(this.o.keys ?? {}).find(([, k]) => k === key)?.[0];
  }

  private limited(client: string): number | undefined {
    const now = this.o.now();
    const take = (id: string, rate: number | null | undefined) => {
      if (rate === null || rate === undefined) return undefined;
      let b = this.buckets.get(id);
      if (!b) this.buckets.set(id, (b = new Bucket(rate, now)));
      return b.take(now);
    };
    return take(`key:${client}`, this.o.perKeyRps) ?? take('global', this.o.globalRps);
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    const client = this.o.keys === null ? 'anonymous' : this.clientOf(req);
    if (client === undefined) {
      this.counts.rejected401++;
      req.resume();
      error(res, 401, 'missing or unknown API key; send Authorization: Bearer <key>', 'authentication_error');
      return;
    }
    const wait = this.limited(client);
    if (wait !== undefined) {
      this.counts.rejected429++;
      req.resume();
      error(res, 429, 'rate limit exceeded', 'rate_limit_exceeded', { 'retry-after': String(wait) });
      return;
    }
    if (req.method === 'GET' && path === '/v1/models') {
      const ids = [...this.o.direct.map((d) => d.model), ...(this.o.aliases ?? []).map((a) => a.model)];
      const body = JSON.stringify({ object: 'list', data: ids.map((id) => ({ id, object: 'model', owned_by: 'llm-platform' })) });
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      return;
    }
    const raw = await new Promise<string>((resolve) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c)).on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      error(res, 400, 'request body is not JSON', 'BadRequestError');
      return;
    }
    const pick = this.pick(typeof body.model === 'string' ? body.model : '');
    if (!pick) {
      error(res, 404, `no route for model ${String(body.model)}`, 'NotFoundError');
      return;
    }
    this.forward(req, res, pick, { ...body, model: pick.backend.model });
  }

  /** The backend for a model: its own, or one of an alias's by weight; with the header value. */
  private pick(model: string): { backend: StandInBackend; header: string } | undefined {
    const rule = this.o.direct.findIndex((d) => d.model === model);
    if (rule >= 0)
      return { backend: this.o.direct[rule]!, header: `${NAMESPACE}/${this.o.direct[rule]!.name}/route/${ROUTE}/rule/${rule}/ref/0` };
    const ai = (this.o.aliases ?? []).findIndex((a) => a.model === model);
    if (ai < 0) return undefined;
    const alias = this.o.aliases![ai]!;
    const total = alias.backends.reduce((n, b) => n + b.weight, 0);
    let r = this.random() * total;
    const j = Math.max(
      0,
      alias.backends.findIndex((b) => (r -= b.weight) < 0),
    );
    const b = alias.backends[j]!;
    return { backend: b, header: `${NAMESPACE}/${b.name}/route/${ROUTE}/rule/${this.o.direct.length + ai}/ref/${j}` };
  }

  private forward(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    pick: { backend: StandInBackend; header: string },
    body: Record<string, unknown>,
  ): void {
    const payload = JSON.stringify(body);
    const url = new URL(req.url ?? '/', pick.backend.url);
    this.counts.upstream++;
    const up = http.request(
      url,
      {
        method: req.method,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          accept: req.headers.accept ?? '*/*',
          ...(this.o.upstreamKey !== undefined && { authorization: `Bearer ${this.o.upstreamKey}` }),
        },
      },
      (upRes) => {
        const headers = { ...upRes.headers, [BACKEND_HEADER]: pick.header };
        if (this.o.bufferResponses) {
          const parts: Buffer[] = [];
          upRes
            .on('data', (c: Buffer) => parts.push(c))
            .on('end', () => {
              delete headers['transfer-encoding'];
              const all = Buffer.concat(parts);
              res.writeHead(upRes.statusCode ?? 502, { ...headers, 'content-length': all.length }).end(all);
            });
          return;
        }
        res.writeHead(upRes.statusCode ?? 502, headers);
        res.flushHeaders();
        // Each upstream read goes out at once: no buffering of server-sent events.
        upRes.on('data', (c: Buffer) => res.write(c));
        upRes.on('end', () => res.end());
      },
    );
    up.on('error', () => {
      if (!res.headersSent) error(res, 502, 'upstream failed', 'bad_gateway');
      else res.destroy();
    });
    // A client that goes away takes its upstream request with it (vLLM then aborts the generation).
    res.on('close', () => {
      if (!res.writableFinished) {
        this.counts.abortedUpstream++;
        up.destroy();
      }
    });
    up.end(payload);
  }
}
