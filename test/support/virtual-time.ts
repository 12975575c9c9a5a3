/**
 * Virtual time for tests of code that talks over loopback sockets in this process (the vLLM
 * simulator, the HTTP client, the load engine, the Kubernetes double).
 *
 * vitest's fake timers drive `setTimeout`/`setInterval`, `Date`, `process.hrtime` and
 * `performance.now()` (the global one and the `node:perf_hooks` one the bench imports), and the
 * clock moves to the next timer only when the process is idle: every byte written on an
 * in-process socket has been read by its peer, every close has been seen by the other end, and
 * no connect, write, DNS or file request and no `setImmediate` is pending. What a test measures
 * is then exactly what the code scheduled (a simulator's 80 ms TTFT is 80 ms), however slowly
 * the machine runs: no assertion races a timer.
 *
 * Use: `const vt = useVirtualTime();` at the top of a file (or a describe), then
 * `await vt.run(promise)` instead of `await promise` for anything that waits on a timer, and
 * `await vt.sleep(ms)` instead of a real sleep.
 */
import dc from 'node:diagnostics_channel';
import net from 'node:net';
import tls from 'node:tls';
import { performance as hostPerformance } from 'node:perf_hooks';
import { afterAll, afterEach, beforeAll, beforeEach, vi } from 'vitest';

// Captured before any test fakes them: the harness itself runs on the host's clock and loop.
const realSetTimeout = globalThis.setTimeout;
const realSetImmediate = globalThis.setImmediate;
const realNow = hostPerformance.now.bind(hostPerformance);

/** Loop turns in a row with nothing in flight before the clock may move. */
const QUIET_TURNS = 2;
/** Loop turns of progress without a pause after which work costs virtual time (see `settle`). */
const BUSY_TURNS = 50;
/** Real time without any progress after which a wait for IO gives up and lets the clock move. */
const STUCK_MS = 5_000;
/** Real time `run` waits for work that has no fake timer left to fire (a real timer inside Node). */
const NO_TIMER_MS = 10_000;

interface Tracked {
  readonly socket: net.Socket;
  /** Opened by this process with net.connect (its peer, if in-process, is a server socket). */
  readonly client: boolean;
  key?: string;
  peerKey?: string;
  /** Its 'close' event has been emitted. */
  closed?: boolean;
}

/** TLS internals the harness reads (stable across Node 18–24). */
type TlsInternals = net.Socket & { _secureEstablished?: boolean; _parent?: net.Socket | null; _tlsOptions?: { isServer?: boolean } };

const isTls = (s: net.Socket): boolean => s instanceof tls.TLSSocket;

const sockets = new Set<Tracked>();
const seen = new WeakSet<net.Socket>();
const track = (socket: net.Socket, client: boolean) => {
  if (seen.has(socket)) return;
  seen.add(socket);
  const t: Tracked = { socket, client };
  socket.once('close', () => void (t.closed = true));
  sockets.add(t);
};
// Every TCP socket this process opens or accepts, from the first import of this module on.
dc.subscribe('net.client.socket', (m) => track((m as { socket: net.Socket }).socket, true));
dc.subscribe('net.server.socket', (m) => track((m as { socket: net.Socket }).socket, false));
// TLS: tls.connect does not go through net.connect, so clients are caught where every socket
// connects; a server's TLSSocket is caught as it wraps the accepted TCP socket, and stands in
// for it (both sides then count the same plaintext bytes).
const socketPrototype = net.Socket.prototype as unknown as { connect: (this: net.Socket, ...a: unknown[]) => net.Socket };
const connect = socketPrototype.connect;
socketPrototype.connect = function (this: net.Socket, ...args: unknown[]) {
  track(this, true);
  return connect.apply(this, args);
};
const tlsInit = (tls.TLSSocket.prototype as unknown as { _init: (...a: unknown[]) => unknown })._init;
(tls.TLSSocket.prototype as unknown as { _init: (...a: unknown[]) => unknown })._init = function (this: TlsInternals, ...args: unknown[]) {
  const result = tlsInit.apply(this, args);
  if (this._tlsOptions?.isServer === true) track(this, false);
  return result;
};

// Resources that are work in flight (as opposed to long-lived handles such as sockets and servers).
const IN_FLIGHT = /^(Immediate|.*Req(Wrap)?|.*ConnectWrap|WriteWrap|ShutdownWrap|FSReqCallback|FSReqPromise)$/;

/** Why the process is not idle yet, or null when it is. */
function inFlight(): string | null {
  const pending = process.getActiveResourcesInfo().find((r) => IN_FLIGHT.test(r));
  if (pending !== undefined) return `a pending ${pending}`;
  const byKey = new Map<string, Tracked>();
  const wrapped = new Set<net.Socket>();
  for (const t of sockets) {
    const s = t.socket as TlsInternals;
    if (isTls(s) && !t.client && s._parent) wrapped.add(s._parent);
  }
  for (const t of sockets) {
    const s = t.socket as TlsInternals;
    if (wrapped.has(s)) {
      sockets.delete(t); // its TLSSocket counts the bytes
      continue;
    }
    if (s.connecting) return 'a socket is connecting';
    // Destroyed, but its 'close' (which ends what is waiting on it) has not been emitted yet.
    if (s.destroyed && !t.closed) return 'a socket is closing';
    if (isTls(s) && !s.destroyed && s._secureEstablished !== true) return 'a TLS handshake is under way';
    if (t.key === undefined && !s.destroyed && s.remotePort !== undefined && s.localPort !== undefined) {
      t.key = `${s.localAddress}:${s.localPort}>${s.remoteAddress}:${s.remotePort}`;
      t.peerKey = `${s.remoteAddress}:${s.remotePort}>${s.localAddress}:${s.localPort}`;
    }
    if (t.key !== undefined) byKey.set(t.key, t);
    else if (s.destroyed) sockets.delete(t); // never connected
  }
  for (const t of sockets) {
    if (t.key === undefined) continue;
    const s = t.socket;
    const peer = byKey.get(t.peerKey!);
    if (peer === undefined) {
      if (s.destroyed) sockets.delete(t);
      else if (t.client && s.bytesWritten > 0) return `${t.key} is not accepted yet`;
      continue;
    }
    const p = peer.socket;
    // A closed side must have been seen closed by the other (TCP delivers its data before the FIN).
    if (s.destroyed || s.writableFinished) {
      if (!(p.destroyed || p.readableEnded)) return `the close of ${t.key} is in transit`;
    } else if (!p.destroyed && (s.writableLength > 0 || s.bytesWritten !== p.bytesRead)) {
      return `${s.bytesWritten - p.bytesRead} bytes of ${t.key} are in transit`;
    }
    if (s.destroyed && p.destroyed) {
      sockets.delete(t);
      sockets.delete(peer);
    }
  }
  return null;
}

/** A number that changes whenever any tracked socket moves a byte or opens or closes. */
function progress(): number {
  let n = sockets.size;
  for (const { socket } of sockets) n += socket.bytesRead + socket.bytesWritten + (socket.destroyed ? 1 : 0);
  return n;
}

const turn = () => new Promise<void>((resolve) => realSetImmediate(resolve));
const pause = (ms: number) => new Promise<void>((resolve) => realSetTimeout(resolve, ms));

/**
 * Resolves once the process has been idle for {@link QUIET_TURNS} loop turns; or, with `ready`,
 * as soon as `ready()` holds (checked at once and after every loop turn), returning true.
 *
 * Work that never pauses (a closed-loop client against a server that refuses at once) would
 * otherwise hold the clock forever: after {@link BUSY_TURNS} turns of progress without a pause,
 * every further such turn moves the clock 1 ms, as time passes while a real machine is busy.
 */
async function settle(ready?: () => boolean): Promise<boolean> {
  let quiet = 0;
  let busy = 0;
  let stalled = 0;
  let last = progress();
  let lastProgressAt = realNow();
  for (;;) {
    if (ready?.() === true) return true;
    // Spin while bytes move; once nothing moved for a few turns, short sleeps leave the CPU to
    // the kernel's loopback delivery (ksoftirqd) on a busy machine.
    await (stalled < 20 ? turn() : pause(1));
    const why = inFlight();
    if (why === null) {
      if (++quiet >= QUIET_TURNS) return ready?.() === true;
      continue;
    }
    quiet = 0;
    const now = realNow();
    const p = progress();
    if (p !== last) {
      last = p;
      lastProgressAt = now;
      stalled = 0;
      // Past the budget, each further turn of progress costs a virtual millisecond.
      if (++busy > BUSY_TURNS) vi.advanceTimersByTime(1);
    } else if (++stalled >= 20 && now - lastProgressAt > STUCK_MS) {
      console.warn(`virtual time: ${why} for ${STUCK_MS} ms without progress; moving the clock anyway`);
      return ready?.() === true;
    }
  }
}

/** The virtual clock of a test file; see the module comment. */
export interface VirtualTime {
  /** Moves the clock timer by timer, letting IO settle before each, until `work` settles; returns its outcome. */
  run<T>(work: Promise<T>): Promise<T>;
  /** Moves the clock `ms` forward, timer by timer, letting IO settle before each. */
  sleep(ms: number): Promise<void>;
  /** Moves the clock until `ready()` holds, checked at once and after every loop turn (so a state that lasts one turn is seen). */
  until(ready: () => boolean, what?: string): Promise<void>;
  /** Lets IO in flight settle without moving the clock. */
  settle(): Promise<void>;
  /** Virtual milliseconds since the clock was installed. */
  now(): number;
}

let installed = false;

function assertInstalled(): void {
  if (!installed) throw new Error('virtual time is not installed here; call useVirtualTime() in this file or describe block');
}

async function until(ready: () => boolean, what = 'the condition'): Promise<void> {
  assertInstalled();
  let idleSince: number | null = null;
  for (;;) {
    if (await settle(ready)) return;
    if (vi.getTimerCount() > 0) {
      idleSince = null;
      vi.advanceTimersToNextTimer();
      continue;
    }
    // No fake timer left: only a real one inside Node (or nothing at all) can still help.
    idleSince ??= realNow();
    if (realNow() - idleSince > NO_TIMER_MS) throw new Error(`virtual time: ${what} never held, and no timer is left to fire`);
    await pause(1);
  }
}

async function run<T>(work: Promise<T>): Promise<T> {
  let done = false;
  work.then(
    () => void (done = true),
    () => void (done = true),
  );
  await until(() => done, 'the awaited work');
  return work;
}

/** The driver of the virtual clock; it works inside tests that {@link useVirtualTime} covers. */
export const vt: VirtualTime = {
  run,
  until,
  settle: async () => void (await settle()),
  sleep: (ms) => run(delay(ms)),
  now: () => globalThis.performance.now(),
};

/** A pause on the (fake) timers, for servers written in a test: virtual time moves past it. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function install(): void {
  vi.useFakeTimers({
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance', 'hrtime'],
    shouldClearNativeTimers: true,
  });
  // The bench imports `performance` from node:perf_hooks: the host object, which fake timers
  // leave alone. Its own `now` reads the fake one (deleted again in uninstall).
  const fake = globalThis.performance;
  hostPerformance.now = () => fake.now();
  installed = true;
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  delete (hostPerformance as { now?: unknown }).now;
  vi.useRealTimers();
}

/**
 * Installs virtual time around every test of the calling file or describe block (`each`), or
 * around all of them at once (`all`: for servers a `beforeAll` starts whose timers must be fake
 * too); returns {@link vt}.
 */
export function useVirtualTime(scope: 'each' | 'all' = 'each'): VirtualTime {
  if (scope === 'all') {
    beforeAll(install);
    afterAll(uninstall);
  } else {
    beforeEach(install);
    afterEach(uninstall);
  }
  return vt;
}

/** Runs `work` on virtual time and returns its outcome: for a `beforeAll` that measures something. */
export async function inVirtualTime<T>(work: () => Promise<T>): Promise<T> {
  install();
  try {
    return await run(work());
  } finally {
    uninstall();
  }
}
