/**
 * `npm run bench:client`: measures llm-bench's own client, not a server. A benchmark, not a
 * test: it prints figures and the targets they are held to, and writes out/bench-client.json.
 *
 * Each phase runs its own simulator in a child process (its own core), so client and server do
 * not share an event loop. Two phases (`-- --phase stream|json` runs one; SIM_NODE_ARGS, e.g.
 * `--trace-gc`, goes to the simulator's node for looking into the server side):
 *
 * 1. Streaming at TTFT 0: an open loop of ~1,100 concurrent streams, each 100 tokens 50 ms apart,
 *    so the client reads ~22,000 chunks/s. Client-added latency = client TTFT − the simulator's
 *    own TTFT for the same `x-request-id` (request arrival → first token written), i.e. what the
 *    client and the loopback add. Measured on requests started in a steady-state window, after
 *    the ramp-up has opened the connections.
 * 2. Non-streaming at zero latency: requests/s of llm-bench and of autocannon against the same
 *    server, same body, same number of connections.
 *
 * Targets (the issue's): ≥ 1,000 concurrent streams at ≥ 20,000 chunks/s with client-added p99
 * < 5 ms on one core; non-streaming ≥ 0.8 × autocannon.
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { RequestRecord } from '../client/openai';
import { runLoad } from '../load/engine';
import { syntheticPrompts } from '../load/prompts';
import { LatencyHistogram } from '../load/stats';
import { monotonicMs, type SimTiming } from '../sim/simulator';

const HERE = dirname(fileURLToPath(import.meta.url));
const BIN = join(HERE, '..', 'bin', 'llm-bench.mjs');
const AUTOCANNON = join(HERE, '..', '..', 'node_modules', 'autocannon', 'autocannon.js');
const MODEL = 'sim-model';

/** Every knob of the benchmark, in one place. */
const PLAN = {
  stream: { rate: 220, outputTokens: 100, itlMs: 50, inputTokens: 16, durationSec: 36, warmupSec: 6 },
  // Alternating rounds: on a shared machine, load from elsewhere hits both clients alike.
  json: { connections: 50, durationSec: 4, rounds: 5, outputTokens: 16, inputTokens: 16 },
  targets: { streams: 1000, chunksPerSec: 20_000, clientAddedP99Ms: 5, vsAutocannon: 0.8 },
} as const;

interface SimProcess {
  readonly url: string;
  settings(patch: Record<string, unknown>): Promise<void>;
  timings(): Promise<Record<string, SimTiming>>;
  stop(): Promise<void>;
}

/** Starts `llm-bench sim` in a child process and waits for its URL. */
function startSimProcess(args: readonly string[]): Promise<SimProcess> {
  // SIM_NODE_ARGS (e.g. "--trace-gc") goes to the simulator's node, for looking into its side.
  const nodeArgs = process.env.SIM_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, BIN, 'sim', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code} before listening: ${out}`)));
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      const url = /listening on (http:\/\/[^\s]+)/.exec(out)?.[1];
      if (url === undefined) return;
      child.removeAllListeners('exit');
      child.stdout.removeAllListeners('data');
      child.stdout.pipe(process.stderr); // whatever it prints later (SIM_NODE_ARGS traces)
      resolve({
        url,
        async settings(patch) {
          const res = await fetch(`${url}/sim/settings`, { method: 'PUT', body: JSON.stringify(patch) });
          if (res.status !== 200) throw new Error(`simulator settings ${JSON.stringify(patch)} refused: ${await res.text()}`);
        },
        async timings() {
          return (await (await fetch(`${url}/sim/timings`)).json()) as Record<string, SimTiming>;
        },
        stop: () =>
          new Promise<void>((done) => {
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
  });
}

async function streamingPhase(sim: SimProcess) {
  const p = PLAN.stream;
  await sim.settings({ ttftMs: 0, itlMs: p.itlMs });
  // Only what the figures need: keeping every record (with its gaps) for the whole run would grow
  // the old generation and bring full GCs that a real run does not have.
  const kept: { id: string; startMs: number; ttftMs: number; dispatchMs: number | undefined }[] = [];
  const origin = performance.now();
  /** Chunk arrivals per millisecond since `origin`. */
  const arrivals = new Uint32Array((p.durationSec + 120) * 1000);
  const arrived = (t: number) => {
    const i = Math.floor(t - origin);
    if (i >= 0 && i < arrivals.length) arrivals[i]!++;
  };
  let t0 = Infinity;
  const keep = (r: RequestRecord) => {
    t0 = Math.min(t0, r.startMs);
    if (r.outcome !== 'success' || r.ttftMs === undefined) return;
    kept.push({ id: r.id, startMs: r.startMs, ttftMs: r.ttftMs, dispatchMs: r.dispatchMs });
    let t = r.startMs + r.ttftMs;
    arrived(t);
    for (const gap of r.itlMs) arrived((t += gap));
  };
  const inFlight: { t: number; n: number }[] = [];
  const loop = monitorEventLoopDelay({ resolution: 1 });
  let cpu: { start: NodeJS.CpuUsage; startMs: number; usage?: NodeJS.CpuUsage; ms?: number } | undefined;
  const windowTimers = [
    setTimeout(() => {
      loop.enable();
      cpu = { start: process.cpuUsage(), startMs: performance.now() };
    }, p.warmupSec * 1000),
    setTimeout(() => {
      loop.disable();
      if (cpu !== undefined) Object.assign(cpu, { usage: process.cpuUsage(cpu.start), ms: performance.now() - cpu.startMs });
    }, p.durationSec * 1000),
  ];
  const result = await runLoad(
    {
      baseUrl: sim.url,
      model: MODEL,
      profile: { kind: 'rate', rate: p.rate, burstiness: 1 },
      durationSec: p.durationSec,
      outputTokens: p.outputTokens,
      inputTokens: p.inputTokens,
    },
    { onRequest: keep, onBucket: (b) => inFlight.push({ t: b.t, n: b.inFlight }) },
  );
  windowTimers.forEach(clearTimeout);
  const from = t0 + p.warmupSec * 1000;
  const to = t0 + p.durationSec * 1000;
  let chunks = 0;
  for (let i = Math.floor(from - origin); i < Math.floor(to - origin); i++) chunks += arrivals[i] ?? 0;
  const { added, dispatch, requestDelivery, responseDelivery } = clientOverhead(kept, await sim.timings(), from, to);
  const steady = inFlight.filter((b) => b.t >= p.warmupSec && b.t < p.durationSec).map((b) => b.n);
  return {
    offered: `${p.rate} req/s × ${p.outputTokens} tokens every ${p.itlMs} ms (TTFT 0)`,
    concurrentStreams: { mean: Math.round(steady.reduce((a, b) => a + b, 0) / Math.max(steady.length, 1)), min: Math.min(...steady) },
    chunksPerSec: Math.round(chunks / ((to - from) / 1000)),
    clientAddedMs: added.stats(),
    /** Client send → the request is written to a connection (opening one if none is free). */
    dispatchMs: dispatch.stats(),
    /** Client send → simulator sees the request (includes dispatch and the simulator's event-loop delay). */
    requestDeliveryMs: requestDelivery.stats(),
    /** Simulator writes the first token → the client's read of it. */
    responseDeliveryMs: responseDelivery.stats(),
    clientCpuOfOneCore: cpu?.usage !== undefined ? (cpu.usage.user + cpu.usage.system) / 1000 / cpu.ms! : null,
    eventLoopDelayP99Ms: loop.count > 0 ? loop.percentile(99) / 1e6 : null,
    requests: result.summary.requests,
    errors: result.summary.errors,
  };
}

/** Where the client's time goes, per request started in [from, to): against the simulator's own timings. */
function clientOverhead(
  kept: readonly { id: string; startMs: number; ttftMs: number; dispatchMs: number | undefined }[],
  server: Readonly<Record<string, SimTiming>>,
  from: number,
  to: number,
) {
  // performance.now() → the host's monotonic clock, which the simulator's timings use too.
  const offset = monotonicMs() - performance.now();
  const added = new LatencyHistogram();
  const dispatch = new LatencyHistogram();
  const requestDelivery = new LatencyHistogram();
  const responseDelivery = new LatencyHistogram();
  for (const r of kept) {
    const s = server[r.id];
    if (r.startMs < from || r.startMs >= to || s === undefined) continue;
    added.record(r.ttftMs - s.ttftMs);
    if (r.dispatchMs !== undefined) dispatch.record(r.dispatchMs);
    requestDelivery.record(s.arrivedAtMs - (r.startMs + offset));
    responseDelivery.record(r.startMs + r.ttftMs + offset - s.firstTokenAtMs);
  }
  return { added, dispatch, requestDelivery, responseDelivery };
}

function autocannon(url: string, body: string): Promise<{ requestsPerSec: number; non2xx: number; errors: number }> {
  const p = PLAN.json;
  const args = [
    AUTOCANNON,
    '-c',
    String(p.connections),
    '-d',
    String(p.durationSec),
    '-m',
    'POST',
    '-H',
    'content-type=application/json',
    '-b',
    body,
    '-j',
    '-n',
    `${url}/v1/chat/completions`,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited with ${code}`));
      const r = JSON.parse(out) as { requests: { average: number }; non2xx: number; errors: number };
      resolve({ requestsPerSec: r.requests.average, non2xx: r.non2xx, errors: r.errors });
    });
  });
}

async function jsonPhase(sim: SimProcess) {
  const p = PLAN.json;
  await sim.settings({ ttftMs: 0, itlMs: 0 });
  const ours = (durationSec: number) =>
    runLoad({
      baseUrl: sim.url,
      model: MODEL,
      stream: false,
      profile: { kind: 'concurrency', concurrency: p.connections },
      durationSec,
      outputTokens: p.outputTokens,
      inputTokens: p.inputTokens,
    });
  await ours(2); // warm both processes before either is measured
  const prompt = syntheticPrompts(p.inputTokens, 1).sample(0).prompt as { text: string };
  // The body llm-bench sends for the same settings.
  const body = JSON.stringify({
    model: MODEL,
    stream: false,
    messages: [{ role: 'user', content: prompt.text }],
    max_tokens: p.outputTokens,
    min_tokens: p.outputTokens,
    ignore_eos: true,
  });
  const rounds: { autocannonRps: number; llmBenchRps: number; failures: number }[] = [];
  for (let i = 0; i < p.rounds; i++) {
    const cannon = await autocannon(sim.url, body);
    const mine = await ours(p.durationSec);
    rounds.push({
      autocannonRps: cannon.requestsPerSec,
      llmBenchRps: mine.summary.requestThroughput,
      failures: cannon.non2xx + cannon.errors + mine.summary.requests.failed,
    });
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const ratios = rounds.map((r) => r.llmBenchRps / r.autocannonRps);
  return {
    connections: p.connections,
    rounds: rounds.map((r) => ({
      autocannonRps: Math.round(r.autocannonRps),
      llmBenchRps: Math.round(r.llmBenchRps),
      failures: r.failures,
    })),
    autocannonRps: Math.round(median(rounds.map((r) => r.autocannonRps))),
    llmBenchRps: Math.round(median(rounds.map((r) => r.llmBenchRps))),
    failures: rounds.reduce((n, r) => n + r.failures, 0),
    ratio: median(ratios),
  };
}

const n = (v: number) => v.toLocaleString('en-US');
const ms = (v: number | null) => (v === null ? '–' : `${v.toFixed(2)} ms`);
const mark = (ok: boolean) => (ok ? 'met' : 'MISSED');

/** Runs one phase against its own simulator process, stopped whatever happens. */
async function withSim<T>(args: readonly string[], phase: (sim: SimProcess) => Promise<T>): Promise<T> {
  const sim = await startSimProcess(args);
  try {
    return await phase(sim);
  } finally {
    await sim.stop();
  }
}

function printStreaming(s: Awaited<ReturnType<typeof streamingPhase>>): void {
  console.log(`\nstreaming: ${s.offered}; steady state ${PLAN.stream.warmupSec}–${PLAN.stream.durationSec} s`);
  console.log(`  concurrent streams   mean ${n(s.concurrentStreams.mean)}, min ${n(s.concurrentStreams.min)}`);
  console.log(`  chunks/s             ${n(s.chunksPerSec)}`);
  console.log(
    `  client-added TTFT    p50 ${ms(s.clientAddedMs.p50)} · p90 ${ms(s.clientAddedMs.p90)} · p99 ${ms(s.clientAddedMs.p99)} · max ${ms(s.clientAddedMs.max)} (${n(s.clientAddedMs.count)} requests)`,
  );
  const part = (l: { p50: number | null; p99: number | null }) => `p50 ${ms(l.p50)} · p99 ${ms(l.p99)}`;
  console.log(`    of which          request delivery ${part(s.requestDeliveryMs)} (client dispatch ${part(s.dispatchMs)})`);
  console.log(`                      first-token delivery ${part(s.responseDeliveryMs)}`);
  console.log(
    `  client CPU           ${s.clientCpuOfOneCore === null ? '–' : `${(s.clientCpuOfOneCore * 100).toFixed(0)} % of one core`} · event-loop delay p99 ${ms(s.eventLoopDelayP99Ms)}`,
  );
  console.log(`  requests             ${n(s.requests.succeeded)} succeeded, ${n(s.requests.failed)} failed ${JSON.stringify(s.errors)}`);
}

function printJson(j: Awaited<ReturnType<typeof jsonPhase>>): void {
  console.log(
    `\nnon-streaming: TTFT 0, ITL 0, ${PLAN.json.outputTokens} tokens, ${j.connections} connections, ${PLAN.json.rounds} alternating rounds of ${PLAN.json.durationSec} s`,
  );
  j.rounds.forEach((r, i) =>
    console.log(`  round ${i + 1}              autocannon ${n(r.autocannonRps)} req/s · llm-bench ${n(r.llmBenchRps)} req/s`),
  );
  console.log(
    `  median               autocannon ${n(j.autocannonRps)} req/s · llm-bench ${n(j.llmBenchRps)} req/s · ratio ${j.ratio.toFixed(2)} (${j.failures} failures)`,
  );
}

const { values: flags } = parseArgs({ options: { phase: { type: 'string', default: 'all' } } });
if (!['all', 'stream', 'json'].includes(flags.phase)) {
  console.error(`--phase must be all, stream or json, got ${JSON.stringify(flags.phase)}; pass e.g. --phase stream`);
  process.exit(2);
}
console.log(`llm-bench client benchmark · Node ${process.version} · ${cpus().length} CPUs · simulator in a separate process`);
const t = PLAN.targets;
const verdicts: Record<string, boolean> = {};
const report: Record<string, unknown> = { node: process.version, cpus: cpus().length, plan: PLAN };
if (flags.phase !== 'json') {
  // Timings are recorded only here: a simulator that recorded llm-bench's requests (they carry an
  // x-request-id) but not autocannon's would do more work for one of the two in the other phase.
  const s = await withSim(['--record-timings'], streamingPhase);
  printStreaming(s);
  report.streaming = s;
  verdicts[`≥ ${n(t.streams)} streams`] = s.concurrentStreams.mean >= t.streams;
  verdicts[`≥ ${n(t.chunksPerSec)} chunks/s`] = s.chunksPerSec >= t.chunksPerSec;
  verdicts[`client-added p99 < ${t.clientAddedP99Ms} ms`] = s.clientAddedMs.p99 !== null && s.clientAddedMs.p99 < t.clientAddedP99Ms;
}
if (flags.phase !== 'stream') {
  const j = await withSim([], jsonPhase);
  printJson(j);
  report.nonStreaming = j;
  verdicts[`≥ ${t.vsAutocannon} × autocannon`] = j.ratio >= t.vsAutocannon;
}
console.log(
  `\ntargets: ${Object.entries(verdicts)
    .map(([k, ok]) => `${k} ${mark(ok)}`)
    .join(' · ')}`,
);
const file = join('out', 'bench-client.json');
await mkdir(dirname(file), { recursive: true });
await writeFile(file, `${JSON.stringify({ ...report, verdicts }, null, 2)}\n`);
console.log(`wrote ${file}`);
