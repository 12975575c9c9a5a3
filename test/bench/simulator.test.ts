import { afterEach, describe, expect, it } from 'vitest';
import { allSeriesNames, VLLM_HTTP_METRICS, VLLM_METRICS as M } from '../../constructs/metrics';
import { OpenAiClient } from '../../bench/client/openai';
import { UsageError } from '../../bench/errors';
import { type Simulator, startSimulator } from '../../bench/sim/simulator';
import { useVirtualTime } from '../support/virtual-time';

// Latencies are the simulator's schedule on a clock that moves only when no byte is in flight.
const vt = useVirtualTime();
const sims: Simulator[] = [];
const clients: OpenAiClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.destroy();
  for (const s of sims.splice(0)) await s.close();
});

async function sim(opts: Parameters<typeof startSimulator>[0] = {}): Promise<Simulator> {
  const s = await startSimulator({ port: 0, ttftMs: 10, itlMs: 2, ...opts });
  sims.push(s);
  return s;
}

function client(url: string, apiKey?: string): OpenAiClient {
  const c = new OpenAiClient({ baseUrl: url, ...(apiKey !== undefined && { apiKey }) });
  clients.push(c);
  return c;
}

describe('simulator', () => {
  it('lists models and adapters with their parent, as vLLM does', async () => {
    const s = await sim({ models: ['base-a', 'base-b'], adapters: [{ name: 'sql', parent: 'base-a' }] });
    const res = await client(s.url).get('/v1/models');
    const data = (JSON.parse(res.body) as { data: { id: string; parent: string | null; root: string }[] }).data;
    expect(data.map((m) => [m.id, m.parent])).toEqual([
      ['base-a', null],
      ['base-b', null],
      ['sql', 'base-a'],
    ]);
  });

  it('exposes every catalog series on /metrics, labelled per model, and counts work', async () => {
    const s = await sim({ models: ['m1'], adapters: [{ name: 'lora', parent: 'm1' }] });
    const c = client(s.url);
    await vt.run(c.generate({ model: 'lora', endpoint: 'chat', stream: true, prompt: { text: 'a b c' }, maxTokens: 3 }).done);
    const text = (await c.get('/metrics')).body;
    for (const series of allSeriesNames()) expect(text).toMatch(new RegExp(`^${series}\\{[^}]*model_name="m1"`, 'm'));
    expect(text).toContain(`${M.generationTokens.name}{engine="0",model_name="m1"} 3.0`);
    expect(text).toContain(`${M.requestSuccess.name}{engine="0",finished_reason="length",model_name="m1"} 1.0`);
    expect(text).toContain(`${M.timeToFirstToken.name}_count{engine="0",model_name="m1"} 1.0`);
    expect(text).toContain(`# TYPE ${M.requestsRunning.name} gauge`);
    expect(text).toContain(`${M.requestGenerationTokens.name}_count{engine="0",model_name="m1"} 1.0`);
    expect(text).toContain(`${M.timePerOutputToken.name}_count{engine="0",model_name="m1"} 1.0`);
    // The API server's HTTP counter, by route template and status class (what the error SLI reads).
    expect(text).toContain(`${VLLM_HTTP_METRICS.httpRequests.name}{handler="/v1/chat/completions",method="POST",status="2xx"} 1.0`);
  });

  it('generates exactly max_tokens with ignore_eos, and its natural length otherwise', async () => {
    const s = await sim({ outputTokens: 4 });
    const c = client(s.url);
    const gen = (maxTokens: number, exactTokens: boolean) =>
      vt.run(c.generate({ model: 'sim-model', endpoint: 'completions', stream: true, prompt: { text: 'x' }, maxTokens, exactTokens }).done);
    expect((await gen(9, true)).outputTokens).toBe(9);
    expect((await gen(9, false)).outputTokens).toBe(4);
    expect((await gen(2, false)).outputTokens).toBe(2);
  });

  it('requires the api key on /v1/* only', async () => {
    const s = await sim({ apiKey: 'sekret' });
    const anon = client(s.url);
    expect((await anon.get('/v1/models')).status).toBe(401);
    expect((await anon.get('/health')).status).toBe(200);
    expect((await anon.get('/metrics')).status).toBe(200);
    expect((await client(s.url, 'sekret').get('/v1/models')).status).toBe(200);
  });

  it('answers 404 for an unknown model and 400 for a bad body', async () => {
    const s = await sim();
    const r = await vt.run(client(s.url).generate({ model: 'nope', endpoint: 'chat', stream: true, prompt: { text: 'x' } }).done);
    expect(r).toMatchObject({ reason: 'http_404', message: 'The model `nope` does not exist.' });
    expect(s.stats().rejected).toEqual({ 404: 1 });
  });

  it('queues requests beyond maxRunning and reports them as waiting', async () => {
    const s = await sim({ ttftMs: 60, itlMs: 0, maxRunning: 2 });
    const c = client(s.url);
    const flights = Array.from(
      { length: 6 },
      () => c.generate({ model: 'sim-model', endpoint: 'chat', stream: true, prompt: { text: 'x' }, maxTokens: 1, exactTokens: true }).done,
    );
    await vt.sleep(30);
    expect(s.stats()).toMatchObject({ running: 2, waiting: 4 });
    expect((await vt.run(c.get('/metrics'))).body).toContain(`${M.requestsWaiting.name}{engine="0",model_name="sim-model"} 4.0`);
    const ttfts = (await vt.run(Promise.all(flights))).map((r) => r.ttftMs!).sort((a, b) => a - b);
    // Three waves of two: TTFT ≥ 60, 120, 180 ms (exact lower bounds: a queued request starts only
    // when a running one ends); the first wave never waited for another.
    expect(ttfts[0]).toBeGreaterThanOrEqual(60);
    expect(ttfts[1]).toBeLessThan(120);
    expect(ttfts[2]).toBeGreaterThanOrEqual(120);
    expect(ttfts[3]).toBeGreaterThanOrEqual(120);
    expect(ttfts[4]).toBeGreaterThanOrEqual(180);
    expect(ttfts[5]).toBeGreaterThanOrEqual(180);
  });

  it('changes latency at run time', async () => {
    const s = await sim({ ttftMs: 5 });
    const c = client(s.url);
    const ttft = async () =>
      (await vt.run(c.generate({ model: 'sim-model', endpoint: 'chat', stream: true, prompt: { text: 'x' }, maxTokens: 1 }).done)).ttftMs!;
    expect(await ttft()).toBeLessThan(40);
    s.update({ ttftMs: 80 });
    expect(await ttft()).toBeGreaterThanOrEqual(80);
    const put = await vt.run(fetch(`${s.url}/sim/settings`, { method: 'PUT', body: JSON.stringify({ ttftMs: 1 }) }));
    expect(put.status).toBe(200);
    expect(s.settings().ttftMs).toBe(1);
  });

  it('restarts on the same port after close', async () => {
    const s = await sim();
    const c = client(s.url);
    const ok = () => vt.run(c.generate({ model: 'sim-model', endpoint: 'chat', stream: true, prompt: { text: 'x' }, maxTokens: 2 }).done);
    const port = s.port;
    expect((await ok()).outcome).toBe('success');
    await s.close();
    // The first request may still be written to the kept-alive socket whose close the client has
    // not read yet (the pool writes without waiting a turn, see bench/client/http1.ts).
    const down = await ok();
    expect(down.outcome).toBe('failure');
    expect(['connect_refused', 'connection_reset']).toContain(down.reason);
    expect(await ok()).toMatchObject({ outcome: 'failure', reason: 'connect_refused' });
    await s.start();
    expect(s.port).toBe(port);
    expect((await ok()).outcome).toBe('success');
  });

  it('drops requests in flight when closed, as a killed pod would', async () => {
    const s = await sim({ ttftMs: 0, itlMs: 50 });
    const c = client(s.url);
    const flight = c.generate({
      model: 'sim-model',
      endpoint: 'chat',
      stream: true,
      prompt: { text: 'x' },
      maxTokens: 20,
      exactTokens: true,
    }).done;
    await vt.sleep(120);
    await s.close();
    expect(await vt.run(flight)).toMatchObject({ outcome: 'failure', reason: 'stream_cut' });
  });

  it('fails when settings are out of range, with every problem', async () => {
    const started = startSimulator({ port: 0, ttftMs: -1, faults: { error: 0.7, cut: 0.6 }, adapters: [{ name: 'a', parent: 'ghost' }] });
    await expect(started).rejects.toBeInstanceOf(UsageError);
    await expect(started).rejects.toThrow(
      [
        '3 problems:',
        '- --ttft-ms must be a number ≥ 0, got -1; pass e.g. --ttft-ms 20',
        '- fault rates must sum to at most 1, got 1.3; lower some --fault-* values',
        '- --adapter a=ghost names an unknown parent, got ghost; use one of sim-model',
      ].join('\n'),
    );
  });
});
