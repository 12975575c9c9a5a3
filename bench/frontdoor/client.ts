/**
 * A small HTTP(S) client for the front-door checks: whole responses with their headers (the
 * backend and Retry-After headers matter here, not per-token timing), how many reads a body
 * arrived in (a buffering proxy delivers a stream in one), and a probe of the plain-HTTP port.
 */
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';

export interface DoorRequest {
  readonly method: 'GET' | 'POST';
  /** Path under the base URL, e.g. `/v1/models`. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly timeoutMs: number;
}

export interface DoorResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** Socket reads the body arrived in. */
  readonly reads: number;
  /** Request sent → first body byte, and → last body byte (ms). */
  readonly firstByteMs: number;
  readonly lastByteMs: number;
}

export interface DoorClientOptions {
  /** `https://host[:port][/prefix]`. */
  readonly baseUrl: string;
  /** Extra CA certificates (PEM) to trust, e.g. a private CA or a test certificate. @default - the system's */
  readonly ca?: string | Buffer;
  /** Connections at most. @default 64 */
  readonly maxSockets?: number;
}

/** One header value as a string (the first when repeated). */
export function header(headers: http.IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

export class DoorClient {
  readonly url: URL;
  private readonly agent: http.Agent;
  private readonly secure: boolean;

  constructor(readonly opts: DoorClientOptions) {
    this.url = new URL(opts.baseUrl);
    this.secure = this.url.protocol === 'https:';
    const common = { keepAlive: true, maxSockets: opts.maxSockets ?? 64 };
    this.agent = this.secure ? new https.Agent({ ...common, ...(opts.ca !== undefined && { ca: opts.ca }) }) : new http.Agent(common);
  }

  /** Sends one request; rejects only when no full response arrives (connection error, timeout). */
  send(req: DoorRequest): Promise<DoorResponse> {
    const base = this.url.pathname.replace(/\/+$/, '');
    const headers: Record<string, string> = { ...req.headers };
    if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
    const options: http.RequestOptions = {
      method: req.method,
      host: this.url.hostname.replace(/^\[|\]$/g, ''),
      port: this.url.port || (this.secure ? 443 : 80),
      path: `${base}${req.path}`,
      headers,
      agent: this.agent,
      ...(this.secure && { servername: this.url.hostname }),
    };
    return new Promise((resolve, reject) => {
      const t0 = performance.now();
      let first = -1;
      let reads = 0;
      const parts: Buffer[] = [];
      const r = (this.secure ? https : http).request(options, (res) => {
        res.on('data', (chunk: Buffer) => {
          if (first < 0) first = performance.now() - t0;
          reads++;
          parts.push(chunk);
        });
        res.on('end', () => {
          clearTimeout(timer);
          const last = performance.now() - t0;
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(parts).toString('utf8'),
            reads,
            firstByteMs: first < 0 ? last : first,
            lastByteMs: last,
          });
        });
        res.on('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
      });
      const late = () => new Error(`no full response from ${this.url.origin}${options.path} within ${req.timeoutMs / 1000} s`);
      const timer = setTimeout(() => r.destroy(late()), req.timeoutMs);
      r.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      r.end(req.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** What the plain-HTTP port did: nothing listening, a redirect to HTTPS, or a real answer. */
export type PlainHttpOutcome =
  | { readonly kind: 'refused'; readonly detail: string }
  | { readonly kind: 'redirect'; readonly detail: string }
  | { readonly kind: 'served'; readonly detail: string };

/** GETs `url` over plain HTTP: refused, reset or silent is a pass for the caller, and so is a redirect to https. */
export function probePlainHttp(url: string, timeoutMs: number): Promise<PlainHttpOutcome> {
  return new Promise((resolve) => {
    const r = http.get(url, { agent: false }, (res) => {
      res.resume();
      clearTimeout(timer);
      const location = header(res.headers, 'location') ?? '';
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && location.startsWith('https://')) {
        resolve({ kind: 'redirect', detail: `${status} to ${location}` });
      } else resolve({ kind: 'served', detail: `answered ${status}` });
    });
    const timer = setTimeout(() => {
      r.destroy();
      resolve({ kind: 'refused', detail: `no answer within ${timeoutMs / 1000} s` });
    }, timeoutMs);
    r.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ kind: 'refused', detail: err.code ?? err.message });
    });
  });
}
