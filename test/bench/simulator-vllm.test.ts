/**
 * The simulator gives vLLM 0.18's answers, checked against the recorded surface
 * (facts/vllm/v0.18.0.ts), not against the metrics catalog the simulator is built from.
 */
import http from 'node:http';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { BENCH_DEFAULTS } from '../../bench/defaults';
import { type SimulatorOptions, type Simulator, startSimulator } from '../../bench/sim/simulator';
import { CURRENT_VLLM as VLLM, bucketBounds, createdFamilyName, familyOfSeries, sampleNames } from '../../facts/vllm';
import { parseExposition, samplesOf, seriesKey } from '../support/exposition';
import { useVirtualTime } from '../support/virtual-time';

// Token schedules run on a clock that moves only when no byte is in flight.
const vt = useVirtualTime();

const sims: Simulator[] = [];
afterEach(async () => {
  for (const s of sims.splice(0)) await s.close();
});

async function sim(opts: SimulatorOptions = {}): Promise<Simulator> {
  const s = await startSimulator({ port: 0, ttftMs: 5, itlMs: 1, ...opts });
  sims.push(s);
  return s;
}

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** ms after the request was sent that each chunk of the body arrived. */
  readonly arrivals: { readonly atMs: number; readonly text: string }[];
}

/** One request on its own connection, with the raw headers and body. */
function send(url: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request(
      `${url}${path}`,
      { method, agent: false, headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        const arrivals: { atMs: number; text: string }[] = [];
        res.setEncoding('utf8');
        res.on('data', (text: string) => arrivals.push({ atMs: performance.now() - t0, text }));
        res.on('end', () =>
          resolve({ status: res.statusCode!, headers: res.headers, body: arrivals.map((a) => a.text).join(''), arrivals }),
        );
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const post = (url: string, path: string, body: unknown, headers?: Record<string, string>) => send(url, 'POST', path, body, headers);

/** The SSE events of a stream body, parsed (without [DONE]). */
function events(body: string): Record<string, any>[] {
  return body
    .split('\n\n')
    .filter((e) => e.startsWith('data: ') && e !== 'data: [DONE]')
    .map((e) => JSON.parse(e.slice(6)) as Record<string, any>);
}

/** A facts message template with its placeholders filled in. */
function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (_m, k: string) => String(values[k]));
}

const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');
const E = VLLM.server.errors;

describe('simulator vs the recorded vLLM surface', () => {
  it("exports every catalog series as vLLM does: family, type, labels, buckets for each model's max_model_len, layout", async () => {
    const s = await sim({
      models: [
        { name: 'long', maxModelLen: 4096 },
        { name: 'short', maxModelLen: 1024 },
      ],
    });
    await vt.run(
      post(s.url, '/v1/completions', {
        model: 'short',
        prompt: 'a b c',
        max_tokens: 3,
        stream: true,
        stream_options: { include_usage: true },
      }),
    );
    const res = await vt.run(send(s.url, 'GET', '/metrics'));
    expect(res.headers['content-type']).toBe(VLLM.metrics.exposition.contentType);
    const families = parseExposition(res.body);
    const byName = new Map(families.map((f) => [f.name, f]));
    for (const f of families) {
      if (f.name.endsWith('_created')) continue;
      const fact =
        VLLM.metrics.families.find((x) => x.name === f.name) ?? (f.name === VLLM.metrics.http.name ? VLLM.metrics.http : undefined);
      expect(fact, `${f.name} is not a vLLM 0.18 family`).toBeDefined();
      expect(f.type, f.name).toBe(fact!.type);
      for (const sample of f.samples) {
        expect(sampleNames(fact!), sample.name).toContain(sample.name);
        expect(
          Object.keys(sample.labels)
            .filter((l) => l !== 'le')
            .sort(),
          sample.name,
        ).toEqual([...fact!.labels].sort());
        // prometheus_client writes labels sorted by name.
        expect(sample.labelOrder, sample.name).toEqual([...sample.labelOrder].sort());
        for (const [label, values] of Object.entries(fact!.labelValues ?? {})) expect(values).toContain(sample.labels[label]);
      }
      const created = createdFamilyName(fact!);
      if (created !== null && fact !== VLLM.metrics.http) expect(byName.get(created)?.type, created).toBe('gauge');
      if (fact!.buckets) {
        for (const [model, len] of [
          ['long', 4096],
          ['short', 1024],
        ] as const) {
          const les = f.samples.filter((x) => x.name.endsWith('_bucket') && x.labels.model_name === model).map((x) => x.labels.le);
          expect(les, `${f.name} ${model}`).toEqual([
            ...bucketBounds(fact!.buckets, len).map((b) => (Number.isInteger(b) ? `${b}.0` : String(b))),
            '+Inf',
          ]);
        }
      }
    }
    // Every finished_reason exists from the start, at 0 until used.
    const success = samplesOf(families, 'vllm:request_success_total').filter((x) => x.labels.model_name === 'short');
    expect(success.map((x) => [x.labels.finished_reason, x.value])).toEqual(
      VLLM.metrics.families
        .find((f) => f.name === 'vllm:request_success_total')!
        .labelValues!.finished_reason!.map((r) => [r, r === 'length' ? 1 : 0]),
    );
    expect(familyOfSeries(VLLM, 'vllm:request_prompt_tokens_bucket')?.buckets?.kind).toBe('1-2-5');
  });

  it("answers a prompt past max_model_len with vLLM's 400 and counts it as 5xx", async () => {
    const s = await sim({ models: [{ name: 'fp16', maxModelLen: 1024 }] });
    const res = await vt.run(post(s.url, '/v1/completions', { model: 'fp16', prompt: words(1500), max_tokens: 16 }));
    expect(res.status).toBe(E.promptTooLong.status);
    expect(JSON.parse(res.body)).toEqual({
      error: {
        message: fill(E.promptTooLong.message, { maxModelLen: 1024, maxTokens: 16, inputTokens: 1009, totalTokens: 1025 }),
        type: E.promptTooLong.type,
        param: E.promptTooLong.param,
        code: 400,
      },
    });
    // Without max_tokens the whole context is the prompt's.
    const noMax = await vt.run(post(s.url, '/v1/completions', { model: 'fp16', prompt: words(1025) }));
    expect(JSON.parse(noMax.body).error.message).toBe(
      fill(E.promptTooLong.message, { maxModelLen: 1024, maxTokens: 0, inputTokens: 1025, totalTokens: 1025 }),
    );
    expect((await vt.run(post(s.url, '/v1/completions', { model: 'fp16', prompt: words(1024) }))).status).toBe(200);
    const metrics = parseExposition((await vt.run(send(s.url, 'GET', '/metrics'))).body);
    expect(samplesOf(metrics, VLLM.metrics.http.name).map((x) => [x.labels.status, x.value])).toEqual([
      [E.promptTooLong.countedAs!.status, 2],
      ['2xx', 1],
    ]);
  });

  it("answers max_tokens past max_model_len with vLLM's 400", async () => {
    const s = await sim({ models: [{ name: 'awq', maxModelLen: 4096 }] });
    const res = await vt.run(
      post(s.url, '/v1/chat/completions', { model: 'awq', messages: [{ role: 'user', content: 'hi' }], max_tokens: 100000 }),
    );
    expect(res.status).toBe(E.maxTokensTooLarge.status);
    expect(JSON.parse(res.body)).toEqual({
      error: {
        message: fill(E.maxTokensTooLarge.message, { maxTokens: 100000, maxModelLen: 4096 }),
        type: E.maxTokensTooLarge.type,
        param: 'max_tokens',
        code: 400,
      },
    });
    // max_tokens that fits alone but not with the prompt: the prompt is what is too long.
    const both = await vt.run(
      post(s.url, '/v1/chat/completions', { model: 'awq', messages: [{ role: 'user', content: words(100) }], max_tokens: 4000 }),
    );
    expect(JSON.parse(both.body).error).toMatchObject({ param: E.promptTooLong.param, type: E.promptTooLong.type });
  });

  it("answers stream_options without stream: true with vLLM's 400", async () => {
    const s = await sim();
    for (const stream of [false, undefined]) {
      const res = await vt.run(
        post(s.url, '/v1/chat/completions', { model: 'sim-model', messages: [], stream, stream_options: { include_usage: true } }),
      );
      expect(res.status).toBe(E.streamOptionsWithoutStream.status);
      const error = JSON.parse(res.body).error;
      expect(error).toMatchObject({ type: E.streamOptionsWithoutStream.type, param: E.streamOptionsWithoutStream.param, code: 400 });
      expect(error.message).toContain(E.streamOptionsWithoutStream.message);
    }
  });

  it('serves a request without model with the first served model, and 404s an unknown one with param model', async () => {
    const s = await sim({ models: ['first', 'second'] });
    const res = await vt.run(post(s.url, '/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 }));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).model).toBe('first');
    const unknown = await vt.run(post(s.url, '/v1/completions', { model: 'nope', prompt: 'x' }));
    expect(unknown.status).toBe(E.unknownModel.status);
    expect(JSON.parse(unknown.body).error).toEqual({
      message: fill(E.unknownModel.message, { model: 'nope' }),
      type: E.unknownModel.type,
      param: E.unknownModel.param,
      code: 404,
    });
  });

  it('lists each model with its own max_model_len, adapters with none', async () => {
    const s = await sim({
      models: [
        { name: 'a', maxModelLen: 4096 },
        { name: 'b', maxModelLen: 1024 },
      ],
      adapters: [{ name: 'tone', parent: 'b' }],
    });
    const data = JSON.parse((await vt.run(send(s.url, 'GET', '/v1/models'))).body).data as {
      id: string;
      parent: string | null;
      max_model_len: number | null;
      permission: unknown[];
    }[];
    expect(data.map((m) => [m.id, m.parent, m.max_model_len, m.permission.length])).toEqual([
      ['a', null, 4096, 1],
      ['b', null, 1024, 1],
      ['tone', 'b', null, 1],
    ]);
  });

  it("sends the role chunk with the first token and finish_reason on the last token's chunk, no extra chunk", async () => {
    const ttftMs = 80;
    const s = await sim({ ttftMs, itlMs: 2, outputTokens: 4 });
    const res = await vt.run(
      post(s.url, '/v1/chat/completions', {
        model: 'sim-model',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
        stream_options: { include_usage: true },
      }),
    );
    const chunks = events(res.body);
    const choices = chunks.filter((c) => c.choices.length > 0).map((c) => c.choices[0]);
    expect(choices[0]).toEqual({ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null });
    // Four engine outputs: three words, then the EOS (no text) carrying finish_reason and stop_reason.
    expect(choices.slice(1).map((c) => [c.delta.content, c.finish_reason])).toEqual([
      [' The', null],
      [' quick', null],
      [' brown', null],
      ['', 'stop'],
    ]);
    expect(choices.at(-1)).toHaveProperty('stop_reason', null);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: 4 } });
    expect(res.body.endsWith('data: [DONE]\n\n')).toBe(true);
    // The role chunk left the server no earlier than the first token was due.
    const roleAt = res.arrivals.find((a) => a.text.includes('"role":"assistant"'))!.atMs;
    expect(roleAt).toBeGreaterThanOrEqual(ttftMs);
    // A length finish ends on a real token.
    const capped = events(
      (await vt.run(post(s.url, '/v1/completions', { model: 'sim-model', prompt: 'x', max_tokens: 2, stream: true }))).body,
    );
    expect(capped.map((c) => [c.choices[0].text, c.choices[0].finish_reason])).toEqual([
      [' The', null],
      [' quick', 'length'],
    ]);
  });

  it('closes an idle connection after the keep-alive timeout without announcing it, as uvicorn does', async () => {
    expect(BENCH_DEFAULTS.sim.keepAliveTimeoutMs).toBe(VLLM.server.keepAlive.idleTimeoutSec * 1000);
    const s = await sim({ keepAliveTimeoutMs: 100 });
    const socket = net.connect(s.port, '127.0.0.1');
    let received = '';
    let answeredAt = 0;
    const ended = new Promise<number>((resolve) => socket.on('end', () => resolve(performance.now())));
    socket.on('data', (b: Buffer) => {
      received += b.toString();
      if (received.includes('\r\n\r\n') && answeredAt === 0) answeredAt = performance.now();
    });
    socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    const endAt = await vt.run(ended);
    socket.destroy();
    expect(received).toMatch(/^HTTP\/1\.1 200/);
    expect(received.toLowerCase()).not.toContain('keep-alive: timeout');
    expect(endAt - answeredAt).toBeGreaterThanOrEqual(100 - 5);
  });

  it('matches the bearer scheme case-insensitively and lets OPTIONS through without the key', async () => {
    const s = await sim({ apiKey: 'k' });
    const auth = VLLM.server.auth;
    expect((await vt.run(send(s.url, 'GET', '/v1/models', undefined, { authorization: 'bearer k' }))).status).toBe(200);
    expect((await vt.run(send(s.url, 'GET', '/v1/models', undefined, { authorization: 'BEARER k' }))).status).toBe(200);
    const wrong = await vt.run(send(s.url, 'GET', '/v1/models', undefined, { authorization: 'Basic k' }));
    expect([wrong.status, JSON.parse(wrong.body)]).toEqual([auth.unauthorized.status, auth.unauthorized.body]);
    for (const method of auth.skipsMethods) {
      const preflight = await vt.run(
        send(s.url, method, '/v1/chat/completions', undefined, { origin: 'http://x', 'access-control-request-method': 'POST' }),
      );
      expect(preflight.status).toBe(200);
      expect(preflight.headers['access-control-allow-origin']).toBe('*');
      expect((await vt.run(send(s.url, method, '/v1/models'))).status).not.toBe(401);
    }
    // 401s and CORS preflights happen outside vLLM's instrumentator: only the plain OPTIONS (405) is counted.
    const counted = samplesOf(parseExposition((await vt.run(send(s.url, 'GET', '/metrics'))).body), VLLM.metrics.http.name);
    expect(counted.map((x) => [seriesKey(x), x.value])).toEqual([
      ['handler=/v1/models,method=GET,status=2xx', 2],
      ['handler=/v1/models,method=OPTIONS,status=4xx', 1],
    ]);
  });

  it('records no stats for a client that leaves, and counts an engine abort as abort', async () => {
    const s = await sim({ models: ['m'], ttftMs: 0, itlMs: 20, outputTokens: 50 });
    // A client that disconnects after the first token.
    await vt.run(
      new Promise<void>((resolve) => {
        const req = http.request(
          `${s.url}/v1/chat/completions`,
          { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } },
          (res) => {
            res.once('data', () => {
              req.destroy();
              resolve();
            });
          },
        );
        req.end(JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true }));
      }),
    );
    await vt.until(() => s.stats().running === 0);
    expect(s.stats().running).toBe(0);
    // An engine abort (SIGTERM with --shutdown-timeout 0) of a request in flight.
    const flight = post(s.url, '/v1/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true });
    await vt.until(() => s.stats().running === 1);
    expect(s.stats().running).toBe(1);
    s.abortAll();
    const aborted = events((await vt.run(flight)).body).filter((c) => c.choices.length > 0);
    expect(aborted.at(-1)!.choices[0].finish_reason).toBe('abort');
    const metrics = parseExposition((await vt.run(send(s.url, 'GET', '/metrics'))).body);
    const success = Object.fromEntries(samplesOf(metrics, 'vllm:request_success_total').map((x) => [x.labels.finished_reason, x.value]));
    expect(success).toEqual({ stop: 0, length: 0, abort: 1, error: 0, repetition: 0 });
    expect(samplesOf(metrics, 'vllm:e2e_request_latency_seconds_count').map((x) => x.value)).toEqual([1]);
    // Both streams were answered 200: the disconnect is visible only as a 2xx the engine never finished.
    expect(samplesOf(metrics, 'http_requests_total').map((x) => [seriesKey(x), x.value])).toEqual([
      ['handler=/v1/chat/completions,method=POST,status=2xx', 2],
    ]);
  });
});
