import net from 'node:net';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';
import { HTTPParser } from 'http-parser-js';

/**
 * Why an exchange failed at the transport level; a subset of the client's failure reasons, so
 * the generation handler can use it as it is.
 */
export type TransportFailure =
  'connect_refused' | 'connect_timeout' | 'dns_error' | 'connection_reset' | 'stream_cut' | 'bad_response' | 'client_error';

/** A transport failure with its reason; `code` is the socket's error code when there was one. */
export class TransportError extends Error {
  constructor(
    readonly reason: TransportFailure,
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

/** Response headers with lowercased names; a repeated header becomes an array. */
export type ResponseHeaders = Record<string, string | string[] | undefined>;

/**
 * Receives one exchange's events. Exactly one of `onResponseEnd` and `onTransportError` ends it,
 * unless the exchange is aborted first (then nothing more is called). Handlers must not throw.
 */
export interface ExchangeHandler {
  /** The request was written to a connection (opened for it, or reused). */
  onRequestSent?(): void;
  /** The final status and headers (1xx informational responses are skipped). */
  onResponseHead(status: number, headers: ResponseHeaders): void;
  /**
   * Body bytes, valid only during the call: the read buffer is reused, so copy or decode what you
   * keep. `arrivalMs` is `performance.now()` when the network read arrived, before any parsing.
   */
  onResponseBody(chunk: Buffer, arrivalMs: number): void;
  onResponseEnd(arrivalMs: number): void;
  onTransportError(err: TransportError): void;
}

/** One request as the pool writes it. */
export interface Http1Request {
  readonly method: 'GET' | 'POST';
  /** Path and query, e.g. `/v1/chat/completions`. */
  readonly path: string;
  /** Flat name/value list (`['content-type', 'application/json', …]`); `host` and `content-length` are added. */
  readonly headers: readonly string[];
  readonly body?: string;
}

/** A request on its way; `abort()` ends it silently and drops its connection. */
export interface Exchange {
  abort(): void;
}

/** How to reach one origin. */
export interface Http1PoolOptions {
  /** `http://host:port` or `https://host:port`. */
  readonly origin: string;
  /** Open connections at most; more requests wait in FIFO order. null = one per request in flight. */
  readonly maxConnections: number | null;
  readonly connectTimeoutMs: number;
  /**
   * Close a connection idle this long when the server does not say how long it keeps one: below
   * uvicorn's 5 s (behind vLLM), so the client does not reuse a socket the server is closing. A
   * `Keep-Alive: timeout=N` response header replaces it with N − 1 s (at most 10 min), as undici
   * does. @default 4000
   */
  readonly idleTimeoutMs?: number;
}

/** One read buffer for every plain-TCP connection: reads are parsed synchronously, so it is never shared in time. */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);
const DEFAULT_IDLE_TIMEOUT_MS = 4000;
const MAX_IDLE_TIMEOUT_MS = 600_000;
/** Margin under the server's keep-alive hint, for the FIN already on its way. */
const KEEP_ALIVE_MARGIN_MS = 1000;
const FORBIDDEN_IN_HEADER = /[\r\n\0]/;

/**
 * A keep-alive HTTP/1.1 connection pool for one origin, built for a load generator's hot path.
 *
 * Why not undici (used before): undici 7 defers every request on a reused socket by one event-loop
 * turn (its idle-socket validation), and allocates per read; at 1,000 streams that added
 * milliseconds to the measured TTFT tail (bench/README.md has the figures). Here a request is
 * written synchronously when a connection is free, plain-TCP reads land in one reused buffer
 * (`net` `onread`), and responses are parsed by http-parser-js (the parser autocannon uses):
 * content-length, chunked and close-delimited bodies, keep-alive, informational responses.
 *
 * No redirects, no retries, no proxies, no pipelining: a benchmark must see what the server did.
 * So a request written to an idle connection that the server closed a moment earlier (its FIN
 * not read yet) fails as `connection_reset` rather than being sent again: the server may have
 * seen it. The idle timeout, below the server's, leaves this to server restarts and shutdowns.
 */
export class Http1Pool {
  private readonly host: string;
  private readonly port: number;
  private readonly secure: boolean;
  private readonly hostHeader: string;
  private readonly idleTimeoutMs: number;
  /** Idle connections, most recently used last (LIFO reuse keeps the warmest socket busy). */
  private readonly idle: Connection[] = [];
  private readonly queue: PendingExchange[] = [];
  private readonly connections = new Set<Connection>();
  private sweeper: NodeJS.Timeout | undefined;
  private closing = false;
  private closed: (() => void) | null = null;

  constructor(private readonly opts: Http1PoolOptions) {
    const url = new URL(opts.origin);
    this.secure = url.protocol === 'https:';
    this.host = url.hostname.replace(/^\[|\]$/g, '');
    this.port = url.port !== '' ? Number(url.port) : this.secure ? 443 : 80;
    this.hostHeader = url.host;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  }

  /** Connections open (busy or idle, until their socket has closed), idle ones, and requests waiting for one. */
  stats(): { readonly open: number; readonly idle: number; readonly queued: number } {
    return { open: this.connections.size, idle: this.idle.length, queued: this.queue.length };
  }

  /** Sends a request; the handler hears how it went. Throws only on a header that would break the request line. */
  send(req: Http1Request, handler: ExchangeHandler): Exchange {
    const text = this.render(req);
    const pending = new PendingExchange(this, text, handler);
    if (this.closing) {
      pending.fail(new TransportError('client_error', 'the client is closed'));
      return pending;
    }
    const conn = this.idle.pop();
    if (conn !== undefined) {
      conn.reuse();
      conn.start(pending);
    } else if (this.opts.maxConnections === null || this.connections.size < this.opts.maxConnections) this.open(pending);
    else this.queue.push(pending);
    return pending;
  }

  /** Closes idle connections now and the others as their exchanges end; resolves when all are gone. */
  close(): Promise<void> {
    this.closing = true;
    for (const p of this.queue.splice(0)) p.fail(new TransportError('client_error', 'the client is closed'));
    for (const c of this.idle.splice(0)) c.destroy();
    return this.whenEmpty();
  }

  /** Ends every exchange now (as `client_error`) and drops every connection. */
  destroy(): Promise<void> {
    this.closing = true;
    for (const p of this.queue.splice(0)) p.fail(new TransportError('client_error', 'the client was destroyed'));
    for (const c of [...this.connections]) c.destroy(new TransportError('client_error', 'the client was destroyed'));
    return this.whenEmpty();
  }

  private whenEmpty(): Promise<void> {
    if (this.connections.size === 0) {
      this.stopSweeper();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const previous = this.closed;
      this.closed = () => {
        previous?.();
        resolve();
      };
    });
  }

  private render(req: Http1Request): string {
    if (!/^\/[^\s\0]*$/.test(req.path))
      throw new TransportError(
        'client_error',
        `request path must start with / and hold no spaces or line breaks, got ${JSON.stringify(req.path)}`,
      );
    let head = `${req.method} ${req.path} HTTP/1.1\r\nhost: ${this.hostHeader}\r\n`;
    const h = req.headers;
    for (let i = 0; i + 1 < h.length; i += 2) {
      const name = h[i]!;
      const value = h[i + 1]!;
      if (FORBIDDEN_IN_HEADER.test(name) || FORBIDDEN_IN_HEADER.test(value) || name.includes(':')) {
        throw new TransportError(
          'client_error',
          `header ${JSON.stringify(name)} has a character HTTP forbids, got ${JSON.stringify(value.slice(0, 40))}`,
        );
      }
      head += `${name}: ${value}\r\n`;
    }
    if (req.body !== undefined) head += `content-length: ${Buffer.byteLength(req.body)}\r\n\r\n${req.body}`;
    else head += '\r\n';
    return head;
  }

  private open(first: PendingExchange): void {
    const conn = new Connection(this, this.host, this.port, this.secure, this.opts.connectTimeoutMs);
    this.connections.add(conn);
    conn.start(first);
  }

  /** A connection finished an exchange and can take another. */
  released(conn: Connection): void {
    const next = this.queue.shift();
    if (next !== undefined) {
      conn.start(next);
      return;
    }
    if (this.closing) {
      conn.destroy();
      return;
    }
    conn.idleSince = performance.now();
    conn.park();
    this.idle.push(conn);
    this.startSweeper();
  }

  /** A connection is closing (destroyed, or ended by the server): never hand it out again. */
  retire(conn: Connection): void {
    const i = this.idle.indexOf(conn);
    if (i !== -1) this.idle.splice(i, 1);
  }

  /** A connection closed, for whatever reason. */
  gone(conn: Connection): void {
    this.connections.delete(conn);
    this.retire(conn);
    // A queued request takes the free slot (its own connect failure, if any, is its own).
    const next = this.queue.shift();
    if (next !== undefined) this.open(next);
    if (this.connections.size === 0) {
      this.stopSweeper();
      const done = this.closed;
      this.closed = null;
      done?.();
    }
  }

  /** Removes a queued exchange (aborted before it got a connection). */
  dequeue(p: PendingExchange): void {
    const i = this.queue.indexOf(p);
    if (i !== -1) this.queue.splice(i, 1);
  }

  // One timer for the whole pool instead of one per idle socket.
  private startSweeper(): void {
    if (this.sweeper !== undefined) return;
    this.sweeper = setInterval(() => this.sweep(), Math.max(Math.min(this.idleTimeoutMs / 4, KEEP_ALIVE_MARGIN_MS / 2), 10));
    this.sweeper.unref();
  }

  private stopSweeper(): void {
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  private sweep(): void {
    const now = performance.now();
    for (const c of [...this.idle]) if (now - c.idleSince >= (c.keepAliveMs ?? this.idleTimeoutMs)) c.destroy();
    if (this.idle.length === 0) this.stopSweeper();
  }
}

/** An exchange between `send` and its end. */
class PendingExchange implements Exchange {
  conn: Connection | null = null;
  ended = false;

  constructor(
    private readonly pool: Http1Pool,
    /** The request as written; dropped once written, as a stream outlives it by seconds. */
    public text: string,
    readonly handler: ExchangeHandler,
  ) {}

  abort(): void {
    if (this.ended) return;
    this.ended = true;
    // Detached first: the rest of a read in progress must not reach the handler.
    if (this.conn !== null) this.conn.abandon();
    else this.pool.dequeue(this);
  }

  fail(err: TransportError): void {
    if (this.ended) return;
    this.ended = true;
    this.handler.onTransportError(err);
  }

  end(arrivalMs: number): void {
    if (this.ended) return;
    this.ended = true;
    this.handler.onResponseEnd(arrivalMs);
  }
}

/** Maps a socket error to a failure reason; `responded` says whether a response had started. */
export function failureForSocketError(code: string | undefined, responded: boolean): TransportFailure {
  if (code === 'ECONNREFUSED') return 'connect_refused';
  if (code === 'ETIMEDOUT') return 'connect_timeout';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns_error';
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED' || code === undefined)
    return responded ? 'stream_cut' : 'connection_reset';
  return 'client_error';
}

/** One socket, its parser, and the exchange it serves (at most one: no pipelining). */
class Connection {
  idleSince = 0;
  /** From the server's `Keep-Alive: timeout=N`, minus the margin; undefined without a hint. */
  keepAliveMs: number | undefined;
  private readonly socket: net.Socket;
  private readonly parser = new HTTPParser(HTTPParser.RESPONSE);
  private exchange: PendingExchange | null = null;
  private connected = false;
  private connectTimer: NodeJS.Timeout | undefined;
  private arrivalMs = 0;
  /** The response in progress is informational (1xx): its end is not the exchange's. */
  private informational = false;
  private responded = false;
  private keepAlive = false;
  private socketError: NodeJS.ErrnoException | null = null;
  private done = false;

  constructor(
    private readonly pool: Http1Pool,
    host: string,
    port: number,
    secure: boolean,
    connectTimeoutMs: number,
  ) {
    const parser = this.parser;
    parser[HTTPParser.kOnHeadersComplete] = (info) => this.onHead(info.statusCode, info.headers, info.shouldKeepAlive, info.upgrade);
    // http-parser-js hands over a view of the read (offset 0), no copy.
    parser[HTTPParser.kOnBody] = (chunk) => this.exchange?.handler.onResponseBody(chunk, this.arrivalMs);
    parser[HTTPParser.kOnMessageComplete] = () => this.onMessageEnd();
    if (secure) {
      this.socket = tls.connect({ host, port, servername: net.isIP(host) === 0 ? host : undefined, ALPNProtocols: ['http/1.1'] });
      this.socket.on('data', (buf: Buffer) => void this.onRead(buf, buf.length));
    } else {
      // Reads land in READ_BUFFER itself; returning true keeps the socket flowing.
      this.socket = net.connect({ host, port, onread: { buffer: READ_BUFFER, callback: (n) => this.onRead(READ_BUFFER, n) } });
    }
    this.socket.setNoDelay(true);
    this.connectTimer = setTimeout(
      () =>
        this.destroy(
          new TransportError('connect_timeout', `connect to ${host}:${port} timed out after ${connectTimeoutMs / 1000} s`, 'ETIMEDOUT'),
        ),
      connectTimeoutMs,
    );
    this.socket.once(secure ? 'secureConnect' : 'connect', () => this.onConnect());
    this.socket.on('error', (err) => (this.socketError ??= err));
    this.socket.on('end', () => this.onEnd());
    this.socket.once('close', () => this.onClose());
  }

  start(exchange: PendingExchange): void {
    exchange.conn = this;
    this.exchange = exchange;
    this.responded = false;
    this.informational = false;
    if (this.connected) this.write();
  }

  /** Closes the socket; an exchange still on it fails with `err` (or ends silently if aborted). */
  destroy(err?: TransportError): void {
    // Out of the idle list now: 'close' comes a loop phase later, and a send in between would
    // write into a dead socket.
    this.pool.retire(this);
    if (err !== undefined && this.exchange !== null) {
      const ex = this.exchange;
      this.exchange = null;
      ex.fail(err);
    }
    this.socket.destroy();
  }

  /** Drops the exchange without a word to it and closes the socket (an aborted exchange). */
  abandon(): void {
    this.exchange = null;
    this.destroy();
  }

  /** Idle: an idle socket alone does not keep the process alive. */
  park(): void {
    this.socket.unref();
  }

  reuse(): void {
    this.socket.ref();
  }

  private onConnect(): void {
    clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    this.connected = true;
    if (this.exchange !== null) this.write();
  }

  private write(): void {
    const ex = this.exchange!;
    this.socket.write(ex.text);
    ex.text = '';
    ex.handler.onRequestSent?.();
  }

  private onRead(buf: Buffer, n: number): boolean {
    // Arrival first: everything below is parsing cost, which must not count as latency.
    this.arrivalMs = performance.now();
    if (this.exchange === null) {
      // Bytes nobody asked for (a server talking on an idle socket): the connection is unusable.
      this.destroy();
      return false;
    }
    let result: number | Error;
    try {
      result = this.parser.execute(buf, 0, n);
    } catch (err) {
      // Thrown from a handler callback: a bug on our side, not the server's.
      this.destroy(new TransportError('client_error', err instanceof Error ? err.message : String(err)));
      return false;
    }
    if (result instanceof Error) this.destroy(new TransportError('bad_response', `malformed http response: ${result.message}`));
    return true;
  }

  private onHead(status: number, rawHeaders: readonly string[], shouldKeepAlive: boolean, upgrade: boolean): number {
    const ex = this.exchange;
    if (ex === null) return 0;
    if (status >= 100 && status < 200 && status !== 101) {
      this.informational = true;
      return 0;
    }
    if (upgrade) {
      this.destroy(new TransportError('bad_response', `the server switched protocols (${status})`));
      return 0;
    }
    this.responded = true;
    this.keepAlive = shouldKeepAlive;
    const headers: ResponseHeaders = {};
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      const name = rawHeaders[i]!.toLowerCase();
      const value = rawHeaders[i + 1]!;
      const prev = headers[name];
      headers[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
    }
    // Each response says it again (or not): the latest one counts.
    const hint = /timeout=(\d+)/i.exec(String(headers['keep-alive'] ?? ''));
    this.keepAliveMs =
      hint === null ? undefined : Math.min(Math.max(Number(hint[1]) * 1000 - KEEP_ALIVE_MARGIN_MS, 0), MAX_IDLE_TIMEOUT_MS);
    ex.handler.onResponseHead(status, headers);
    return 0;
  }

  private onMessageEnd(): void {
    if (this.informational) {
      this.informational = false;
      return;
    }
    const ex = this.exchange;
    if (ex === null) return;
    this.exchange = null;
    ex.conn = null;
    ex.end(this.arrivalMs);
    // Bytes after the response in the same read are an answer nobody asked for: reusing the
    // connection would hand them to the next request. (`offset`/`end` are http-parser-js's
    // position in the read being parsed; pinned at 0.5.10.)
    const position = this.parser as unknown as { offset: number; end: number };
    const trailing = position.end - position.offset > 0;
    if (this.keepAlive && !trailing && !this.socket.readableEnded && !this.socket.destroyed) this.pool.released(this);
    else this.destroy();
  }

  private onEnd(): void {
    // A close-delimited body ends here; anything else in progress was cut.
    if (this.exchange !== null && this.responded) {
      this.arrivalMs = performance.now();
      const err = this.parser.finish();
      if (err instanceof Error) this.destroy(new TransportError('stream_cut', 'other side closed'));
    }
    this.destroy();
  }

  private onClose(): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.connectTimer);
    const ex = this.exchange;
    this.exchange = null;
    if (ex !== null) {
      const err = this.socketError;
      const code = err?.code;
      // Once connected, whatever the code (ECONNRESET, EPIPE, ETIMEDOUT…) the connection broke.
      const reason = !this.connected ? failureForSocketError(code, false) : this.responded ? 'stream_cut' : 'connection_reset';
      const message = err?.message ?? (this.responded ? 'other side closed' : 'the connection closed before a response');
      ex.fail(new TransportError(reason, message, code));
    }
    this.pool.gone(this);
  }
}
