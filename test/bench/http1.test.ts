import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type ExchangeHandler, failureForSocketError, Http1Pool, type ResponseHeaders, TransportError } from '../../bench/client/http1';
import { delay, useVirtualTime, vt } from '../support/virtual-time';
import { rawServer } from './helpers';

// Servers' pauses, idle timeouts and sweeps run on one clock that moves only when no byte is in flight.
useVirtualTime();
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

/** A TCP server that answers every request on a connection with `reply(requestText, connectionIndex)`. */
async function tcpServer(reply: (socket: net.Socket, request: string, connection: number) => unknown) {
  let connections = 0;
  const open = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    const index = connections++;
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    let buffered = Buffer.alloc(0);
    socket.on('data', (b: Buffer) => {
      buffered = Buffer.concat([buffered, b]);
      // One request per head (these tests send bodies only with content-length, read whole).
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end === -1) return;
        const length = Number(/content-length: (\d+)/i.exec(buffered.subarray(0, end).toString('latin1'))?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        const request = buffered.subarray(0, end + 4 + length).toString('utf8');
        buffered = buffered.subarray(end + 4 + length);
        void reply(socket, request, index);
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const handle = {
    origin: `http://127.0.0.1:${port}`,
    connections: () => connections,
    openNow: () => open.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
  closers.push(handle.close);
  return handle;
}

/** What one exchange produced. */
interface Outcome {
  status?: number;
  headers?: ResponseHeaders;
  /** Decoded at the end: a read may end inside a character. */
  body: string;
  end?: 'ok' | TransportError;
  sent: boolean;
}

function send(pool: Http1Pool, path = '/', body?: string): { outcome: Outcome; done: Promise<Outcome>; abort: () => void } {
  const outcome: Outcome = { body: '', sent: false };
  const bytes: Buffer[] = [];
  let settle!: (o: Outcome) => void;
  const done = new Promise<Outcome>((r) => (settle = r));
  const handler: ExchangeHandler = {
    onRequestSent: () => void (outcome.sent = true),
    onResponseHead: (status, headers) => Object.assign(outcome, { status, headers }),
    // A copy: the chunk is a view of the pool's read buffer, reused by the next read.
    onResponseBody: (chunk) => {
      bytes.push(Buffer.from(chunk));
      outcome.body = Buffer.concat(bytes).toString('utf8');
    },
    onResponseEnd: () => settle(Object.assign(outcome, { end: 'ok' as const })),
    onTransportError: (err) => settle(Object.assign(outcome, { end: err })),
  };
  const exchange = pool.send(
    { method: body === undefined ? 'GET' : 'POST', path, headers: ['x-test', '1'], ...(body !== undefined && { body }) },
    handler,
  );
  return { outcome, done, abort: () => exchange.abort() };
}

function pool(origin: string, opts: Partial<ConstructorParameters<typeof Http1Pool>[0]> = {}): Http1Pool {
  const p = new Http1Pool({ origin, maxConnections: null, connectTimeoutMs: 2000, ...opts });
  closers.push(() => p.destroy());
  return p;
}

const ok = (body: string, extra = '') =>
  `HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;

describe('Http1Pool responses', () => {
  it('reads a content-length body that arrives a byte at a time', async () => {
    const server = await tcpServer(async (socket) => {
      for (const byte of Buffer.from(ok('héllo wörld'))) {
        socket.write(Buffer.from([byte]));
        await delay(1);
      }
    });
    const r = await vt.run(send(pool(server.origin)).done);
    expect(r).toMatchObject({ status: 200, body: 'héllo wörld', end: 'ok', sent: true });
    expect(r.headers).toMatchObject({ 'content-type': 'text/plain' });
  });

  it('reads a chunked body with extensions and trailers, and keeps the connection', async () => {
    const server = await tcpServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5;note=x\r\nhello\r\n6\r\n world\r\n0\r\nx-trailer: t\r\n\r\n');
    });
    const p = pool(server.origin);
    expect(await send(p).done).toMatchObject({ status: 200, body: 'hello world', end: 'ok' });
    expect(await send(p).done).toMatchObject({ body: 'hello world', end: 'ok' });
    expect(server.connections()).toBe(1);
  });

  it('reads a close-delimited body to the end of the connection', async () => {
    const server = await tcpServer((socket) => {
      socket.end('HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nall of it');
    });
    expect(await send(pool(server.origin)).done).toMatchObject({ status: 200, body: 'all of it', end: 'ok' });
  });

  it('skips informational responses before the final one', async () => {
    const server = await tcpServer((socket) => {
      socket.write(`HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\n${ok('final')}`);
    });
    expect(await send(pool(server.origin), '/', '{}').done).toMatchObject({ status: 200, body: 'final', end: 'ok' });
  });

  it('repeats a header as an array and lowercases names', async () => {
    const server = await tcpServer((socket) => socket.write(ok('x', 'Set-Cookie: a=1\r\nSET-COOKIE: b=2\r\n')));
    expect((await send(pool(server.origin)).done).headers).toMatchObject({ 'set-cookie': ['a=1', 'b=2'] });
  });

  it('fails with bad_response on bytes that are not http, and with stream_cut on a body cut short', async () => {
    const garbage = await tcpServer((socket) => socket.write('SSH-2.0-OpenSSH_9.6\r\n\r\n'));
    const r = await send(pool(garbage.origin)).done;
    expect(r.end).toBeInstanceOf(TransportError);
    expect(r.end).toMatchObject({ reason: 'bad_response' });
    expect((r.end as TransportError).message).toMatch(/^malformed http response: /);
    const cut = await tcpServer((socket) => socket.end('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly this'));
    expect((await send(pool(cut.origin)).done).end).toMatchObject({ reason: 'stream_cut', message: 'other side closed' });
  });

  it('fails with connection_reset when the connection closes before a response', async () => {
    const server = await tcpServer((socket) => void socket.destroy());
    expect((await send(pool(server.origin)).done).end).toMatchObject({ reason: 'connection_reset' });
  });

  it('fails with connect_refused when nothing listens, naming no response', async () => {
    const server = await tcpServer(() => {});
    const origin = server.origin;
    await server.close();
    const r = await send(pool(origin)).done;
    expect(r).toMatchObject({ sent: false, end: { reason: 'connect_refused', code: 'ECONNREFUSED' } });
  });
});

describe('Http1Pool connections', () => {
  it('writes the request it was given, with host and content-length', async () => {
    let seen = '';
    const server = await tcpServer((socket, request) => {
      seen = request;
      socket.write(ok(''));
    });
    await send(pool(server.origin), '/v1/x?y=1', '{"a":"é"}').done;
    const port = new URL(server.origin).port;
    expect(seen).toBe(`POST /v1/x?y=1 HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nx-test: 1\r\ncontent-length: 10\r\n\r\n{"a":"é"}`);
  });

  it('refuses a header value with a line break, writing nothing', async () => {
    const server = await tcpServer((socket) => socket.write(ok('')));
    const p = pool(server.origin);
    const handler = { onResponseHead() {}, onResponseBody() {}, onResponseEnd() {}, onTransportError() {} };
    expect(() => p.send({ method: 'GET', path: '/', headers: ['x-id', 'a\r\nx-evil: 1'] }, handler)).toThrow(
      new TransportError('client_error', 'header "x-id" has a character HTTP forbids, got "a\\r\\nx-evil: 1"'),
    );
    expect(p.stats().open).toBe(0);
  });

  it('opens a new connection after `connection: close`', async () => {
    const server = await tcpServer((socket) => socket.end(ok('bye', 'connection: close\r\n')));
    const p = pool(server.origin);
    expect(await send(p).done).toMatchObject({ body: 'bye', end: 'ok' });
    expect(await send(p).done).toMatchObject({ body: 'bye', end: 'ok' });
    expect(server.connections()).toBe(2);
  });

  it('queues beyond maxConnections and serves the queue in order', async () => {
    const order: string[] = [];
    const server = await tcpServer(async (socket, request) => {
      const path = request.split(' ')[1]!;
      order.push(path);
      await delay(20);
      socket.write(ok(path));
    });
    const p = pool(server.origin, { maxConnections: 2 });
    const results = await vt.run(Promise.all(['/1', '/2', '/3', '/4', '/5'].map((path) => send(p, path).done)));
    expect(results.map((r) => r.body)).toEqual(['/1', '/2', '/3', '/4', '/5']);
    expect(server.connections()).toBe(2);
    expect(order.slice(2)).toEqual(['/3', '/4', '/5']);
  });

  it('drops the connection of an aborted exchange and reports nothing for it', async () => {
    const server = await tcpServer((socket, request) => {
      if (request.startsWith('GET /slow')) socket.write('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nhal');
      else socket.write(ok('fast'));
    });
    const p = pool(server.origin);
    const slow = send(p, '/slow');
    await vt.sleep(30);
    expect(slow.outcome.body).toBe('hal');
    slow.abort();
    expect(await vt.run(send(p, '/fast').done)).toMatchObject({ body: 'fast', end: 'ok' });
    await vt.sleep(20);
    expect(slow.outcome.end).toBeUndefined();
    expect(server.connections()).toBe(2);
  });

  it('aborts a queued exchange before it ever gets a connection', async () => {
    const server = await tcpServer(async (socket) => {
      await delay(30);
      socket.write(ok('x'));
    });
    const p = pool(server.origin, { maxConnections: 1 });
    const first = send(p, '/a');
    const queued = send(p, '/b');
    queued.abort();
    expect(await vt.run(first.done)).toMatchObject({ end: 'ok' });
    await vt.sleep(50);
    expect(queued.outcome).toMatchObject({ sent: false, body: '' });
    expect(queued.outcome.end).toBeUndefined();
  });

  it('closes idle connections after the idle timeout, or a second before the keep-alive hint', async () => {
    const server = await tcpServer((socket, request) => {
      const hint = /\/hint(\d+)/.exec(request)?.[1];
      socket.write(ok('x', hint !== undefined ? `Keep-Alive: timeout=${hint}\r\n` : ''));
    });
    const p = pool(server.origin, { idleTimeoutMs: 150 });
    await send(p).done;
    expect(p.stats().open).toBe(1);
    await vt.sleep(400);
    expect(p.stats().open).toBe(0);
    expect(server.openNow()).toBe(0);
    // timeout=1 leaves no time after the margin: closed at the next sweep, long before 60 s.
    const short = pool(server.origin, { idleTimeoutMs: 60_000 });
    await send(short, '/hint1').done;
    await vt.sleep(700);
    expect(short.stats().open).toBe(0);
    // timeout=2 keeps it past the 150 ms default, and closes it after ~1 s.
    const long = pool(server.origin, { idleTimeoutMs: 150 });
    await send(long, '/hint2').done;
    await vt.sleep(500);
    expect(long.stats().open).toBe(1);
    await vt.sleep(1000);
    expect(long.stats().open).toBe(0);
  });

  it('closes a connection that talks while idle', async () => {
    const server = await tcpServer(async (socket) => {
      socket.write(ok('x'));
      await delay(20);
      socket.write('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n');
    });
    const p = pool(server.origin);
    await send(p).done;
    await vt.sleep(60);
    expect(p.stats().open).toBe(0);
  });

  it('close() waits for exchanges in flight; destroy() ends them as client_error', async () => {
    const server = await tcpServer(async (socket) => {
      await delay(40);
      socket.write(ok('late'));
    });
    const p = pool(server.origin);
    const inFlight = send(p);
    await vt.sleep(5);
    await vt.run(p.close());
    expect(inFlight.outcome).toMatchObject({ body: 'late', end: 'ok' });
    expect((await send(p).done).end).toMatchObject({ reason: 'client_error', message: 'the client is closed' });
    const q = pool(server.origin);
    const cut = send(q);
    await vt.sleep(5);
    await vt.run(q.destroy());
    expect((await cut.done).end).toMatchObject({ reason: 'client_error', message: 'the client was destroyed' });
  });

  it('speaks to a node:http server over keep-alive', async () => {
    const server = await rawServer((req, res) => res.end(`${req.method} ${req.url} ${String(req.headers['x-test'])}`));
    closers.push(server.close);
    const p = pool(server.url);
    for (let i = 0; i < 3; i++) expect(await send(p, `/n${i}`).done).toMatchObject({ status: 200, body: `GET /n${i} 1`, end: 'ok' });
    expect(p.stats().open).toBe(1);
  });
});

describe('Http1Pool edge cases (each broke an earlier version)', () => {
  it('never hands out a connection the server ended, even before its socket has closed', async () => {
    const server = await tcpServer(async (socket) => {
      socket.write(ok('x'));
      await delay(20);
      socket.end();
    });
    const p = pool(server.origin);
    await send(p).done;
    // The server's FIN has been read (out of the idle list) but 'close' has not fired yet: a
    // request now must get a new connection, not the dead one.
    await vt.until(() => p.stats().idle === 0 && p.stats().open === 1);
    expect(await send(p).done).toMatchObject({ body: 'x', end: 'ok' });
    expect(server.connections()).toBe(2);
  });

  it('never hands out a connection its own idle sweep closed', async () => {
    const server = await tcpServer((socket) => socket.write(ok('x')));
    const p = pool(server.origin, { idleTimeoutMs: 40 });
    await send(p).done;
    await vt.until(() => p.stats().idle === 0 && p.stats().open === 1);
    expect(await send(p).done).toMatchObject({ body: 'x', end: 'ok' });
    expect(server.connections()).toBe(2);
  });

  it('drops a connection that sent more than the response, so the next request gets its own answer', async () => {
    const stale = 'HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nSTALE';
    const server = await tcpServer((socket, request) => socket.write(request.includes('/first') ? ok('one') + stale : ok('fresh')));
    // Queued behind the first on the one connection allowed, and then again from the idle list.
    const p = pool(server.origin, { maxConnections: 1 });
    const [first, second] = await Promise.all([send(p, '/first').done, send(p, '/second').done]);
    expect(first).toMatchObject({ body: 'one', end: 'ok' });
    expect(second).toMatchObject({ status: 200, body: 'fresh', end: 'ok' });
    const partial = await tcpServer((socket, request) => socket.write(request.includes('/first') ? `${ok('one')}HTTP/1.1 2` : ok('fresh')));
    const q = pool(partial.origin);
    await send(q, '/first').done;
    expect(await send(q, '/second').done).toMatchObject({ status: 200, body: 'fresh', end: 'ok' });
    expect(partial.connections()).toBe(2);
  });

  it('calls nothing more once an exchange is aborted, even for the rest of the same read', async () => {
    const server = await tcpServer((socket) => socket.write(ok('body after abort')));
    const p = pool(server.origin);
    const calls: string[] = [];
    const exchange: { abort(): void } = p.send(
      { method: 'GET', path: '/', headers: [] },
      {
        onResponseHead: () => {
          calls.push('head');
          exchange.abort();
        },
        onResponseBody: () => void calls.push('body'),
        onResponseEnd: () => void calls.push('end'),
        onTransportError: (e) => void calls.push(`error ${e.reason}`),
      },
    );
    await vt.sleep(50);
    expect(calls).toEqual(['head']);
  });
});

describe('socket errors', () => {
  it('map to failure reasons by code and by whether a response had started', () => {
    expect(failureForSocketError('ECONNREFUSED', false)).toBe('connect_refused');
    expect(failureForSocketError('ETIMEDOUT', false)).toBe('connect_timeout');
    expect(failureForSocketError('ENOTFOUND', false)).toBe('dns_error');
    expect(failureForSocketError('EAI_AGAIN', false)).toBe('dns_error');
    expect(failureForSocketError('ECONNRESET', false)).toBe('connection_reset');
    expect(failureForSocketError('ECONNRESET', true)).toBe('stream_cut');
    expect(failureForSocketError('EPIPE', true)).toBe('stream_cut');
    expect(failureForSocketError(undefined, false)).toBe('connection_reset');
    expect(failureForSocketError('EHOSTUNREACH', false)).toBe('client_error');
  });
});

describe('Http1Pool over TLS', () => {
  // A self-signed certificate for 127.0.0.1, made for these tests only (valid until 2126).
  const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
  const credentials = { cert: readFileSync(join(fixtures, 'localhost.crt')), key: readFileSync(join(fixtures, 'localhost.key')) };

  async function httpsServer() {
    const server = https.createServer(credentials, (req, res) => res.end(`tls ${req.url}`));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('verifies the certificate: an untrusted one fails before anything is sent', async () => {
    const r = await send(pool(await httpsServer())).done;
    expect(r).toMatchObject({ sent: false, end: { reason: 'client_error', message: 'self-signed certificate' } });
  });

  it('speaks https with a trusted certificate', async () => {
    const origin = await httpsServer();
    const child = spawn(process.execPath, ['--import', 'tsx', join(fixtures, 'https-get.ts'), `${origin}/hello`], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: join(fixtures, 'localhost.crt') },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    await new Promise((resolve) => child.once('exit', resolve));
    expect(out.trim()).toBe('200 tls /hello');
  });
});
