import { afterEach, describe, expect, it } from 'vitest';
import { OpenAiClient, parseBaseUrl, reasonForError, type RequestRecord } from '../../bench/client/openai';
import { TransportError } from '../../bench/client/http1';
import { UsageError } from '../../bench/errors';
import { delay, useVirtualTime, vt } from '../support/virtual-time';
import { chatChunk, closedPort, rawServer, usageChunk } from './helpers';

const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

/** One streamed chat request against a server that writes `script` (strings, pauses in ms, or 'destroy'). */
async function streamAgainst(
  script: readonly (string | number)[],
  opts: { status?: number; type?: string; firstTokenTimeoutSec?: number; timeoutSec?: number } = {},
): Promise<RequestRecord> {
  const server = await rawServer(async (_req, res) => {
    res.writeHead(opts.status ?? 200, { 'content-type': opts.type ?? 'text/event-stream' });
    for (const step of script) {
      if (typeof step === 'number') await delay(step);
      else if (step === 'destroy') return void res.socket?.destroy();
      else res.write(step);
    }
    res.end();
  });
  closers.push(server.close);
  const client = new OpenAiClient({
    baseUrl: server.url,
    firstTokenTimeoutSec: opts.firstTokenTimeoutSec ?? 5,
    timeoutSec: opts.timeoutSec ?? 10,
  });
  closers.push(() => client.destroy());
  return vt.run(client.generate({ model: 'm', endpoint: 'chat', stream: true, prompt: { text: 'hi' }, captureText: true }).done);
}

describe('OpenAiClient streaming', () => {
  // The server's pauses and the client's timeouts run on one clock that moves only when no byte
  // is in flight: a 60 ms pause measures 60 ms.
  useVirtualTime();

  it('does not count a role-only chunk as the first token', async () => {
    const r = await streamAgainst([
      chatChunk({ role: 'assistant', content: '' }),
      60,
      chatChunk({ content: 'Hel' }),
      20,
      chatChunk({ content: 'lo' }),
      usageChunk(2),
      'data: [DONE]\n\n',
    ]);
    expect(r.outcome).toBe('success');
    // Had the role chunk counted, TTFT would be ~0: the content chunk is written 60 ms later.
    expect(r.ttftMs).toBeGreaterThanOrEqual(60);
    expect(r.itlMs).toHaveLength(1);
    expect(r.itlMs[0]).toBeGreaterThanOrEqual(19);
    expect(r).toMatchObject({ contentChunks: 2, outputTokens: 2, inputTokens: 5, text: 'Hello' });
  });

  it('counts reasoning deltas as generated text', async () => {
    const r = await streamAgainst([
      chatChunk({ reasoning_content: 'hmm' }),
      chatChunk({ content: 'ok' }),
      usageChunk(2),
      'data: [DONE]\n\n',
    ]);
    expect(r).toMatchObject({ outcome: 'success', contentChunks: 2 });
  });

  it('succeeds without usage, leaving output tokens to the collector', async () => {
    const r = await streamAgainst([chatChunk({ content: 'a' }), 'data: [DONE]\n\n']);
    expect(r.outcome).toBe('success');
    expect(r.outputTokens).toBeUndefined();
  });

  it.each([
    ['a malformed line', [chatChunk({ content: 'a' }), 'oops\n\n', 'data: [DONE]\n\n'], 'malformed_sse', 'malformed sse line "oops"'],
    ['data that is not json', [chatChunk({ content: 'a' }), 'data: {"id": broken\n\n'], 'malformed_sse', 'data is not json: {"id": broken'],
    ['a chunk without choices', ['data: {"id":"x"}\n\n'], 'malformed_sse', 'chunk has no choices array: {"id":"x"}'],
    [
      'an error event',
      [chatChunk({ content: 'a' }), 'data: {"error":{"message":"engine dead","code":500}}\n\n'],
      'stream_error',
      'engine dead',
    ],
    ['an end before [DONE]', [chatChunk({ content: 'a' }), usageChunk(1)], 'stream_cut', 'stream ended before [DONE]'],
    ['an end inside an event', [chatChunk({ content: 'a' }), 'data: {"id"'], 'stream_cut', 'stream ended inside an event'],
    ['a dropped connection', [chatChunk({ content: 'a' }), 20, 'destroy'], 'stream_cut', 'other side closed'],
    [
      'no generated text',
      [chatChunk({ role: 'assistant', content: '' }), usageChunk(0), 'data: [DONE]\n\n'],
      'no_content',
      'stream carried no generated text',
    ],
  ] as const)('fails on %s', async (_name, script, reason, message) => {
    const r = await streamAgainst(script);
    expect(r).toMatchObject({ outcome: 'failure', reason, message });
  });

  it('fails on an error status with the server message', async () => {
    const r = await streamAgainst(['{"error":{"message":"The model `m` does not exist.","type":"NotFoundError","code":404}}'], {
      status: 404,
      type: 'application/json',
    });
    expect(r).toMatchObject({ outcome: 'failure', reason: 'http_404', status: 404, message: 'The model `m` does not exist.' });
  });

  it('fails on a 200 that is not an event stream', async () => {
    const r = await streamAgainst(['<html>proxy</html>'], { type: 'text/html' });
    expect(r).toMatchObject({
      outcome: 'failure',
      reason: 'bad_response',
      message: 'expected content-type text/event-stream, got "text/html"',
    });
  });

  it('times out waiting for the first token, and for the whole response', async () => {
    const first = await streamAgainst([chatChunk({ role: 'assistant', content: '' }), 1000], { firstTokenTimeoutSec: 0.2 });
    expect(first).toMatchObject({ outcome: 'failure', reason: 'first_token_timeout', message: 'no generated text within 0.2 s' });
    expect(first.e2eMs).toBeGreaterThanOrEqual(195);
    expect(first.e2eMs).toBeLessThan(400);
    const total = await streamAgainst([chatChunk({ content: 'a' }), 1000], { timeoutSec: 0.3 });
    expect(total).toMatchObject({ outcome: 'failure', reason: 'total_timeout' });
  });

  it('fails with connect_refused when nothing listens', async () => {
    const port = await closedPort();
    const client = new OpenAiClient({ baseUrl: `http://127.0.0.1:${port}` });
    closers.push(() => client.destroy());
    const r = await vt.run(client.generate({ model: 'm', endpoint: 'chat', stream: true, prompt: { text: 'hi' } }).done);
    expect(r).toMatchObject({ outcome: 'failure', reason: 'connect_refused' });
  });

  it('ends a cancelled request as cancelled, once', async () => {
    const server = await rawServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
    });
    closers.push(server.close);
    const client = new OpenAiClient({ baseUrl: server.url });
    closers.push(() => client.destroy());
    const flight = client.generate({ model: 'm', endpoint: 'chat', stream: true, prompt: { text: 'hi' } });
    await vt.sleep(30);
    flight.cancel();
    flight.cancel();
    expect(await vt.run(flight.done)).toMatchObject({ outcome: 'cancelled' });
  });
});

describe('OpenAiClient without a way to send', () => {
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

  it('fails a request it cannot write as a record, leaving no timer behind', async () => {
    const server = await rawServer((_req, res) => res.end());
    closers.push(server.close);
    const client = new OpenAiClient({ baseUrl: server.url });
    closers.push(() => client.destroy());
    const before = timers();
    const flight = client.generate({ model: 'm', endpoint: 'chat', stream: true, prompt: { text: 'hi' }, requestId: 'bad\nid' });
    expect(await flight.done).toMatchObject({
      outcome: 'failure',
      reason: 'client_error',
      message: 'header "x-request-id" has a character HTTP forbids, got "bad\\nid"',
    });
    expect(timers()).toBe(before);
  });

  it('rejects a GET on a closed client at once, leaving no timer behind', async () => {
    const server = await rawServer((_req, res) => res.end());
    closers.push(server.close);
    const client = new OpenAiClient({ baseUrl: server.url });
    await client.close();
    const before = timers();
    await expect(client.get('/health', { timeoutSec: 30 })).rejects.toThrow('the client is closed');
    expect(timers()).toBe(before);
  });
});

describe('OpenAiClient non-streaming', () => {
  it('reads text and usage from a JSON body, and fails on a truncated one', async () => {
    let body = JSON.stringify({ choices: [{ index: 0, text: ' hi there' }], usage: { prompt_tokens: 3, completion_tokens: 2 } });
    const server = await rawServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
    closers.push(server.close);
    const client = new OpenAiClient({ baseUrl: `${server.url}/v1` });
    closers.push(() => client.destroy());
    const req = { model: 'm', endpoint: 'completions', stream: false, prompt: { text: 'x' }, captureText: true } as const;
    expect(await client.generate(req).done).toMatchObject({
      outcome: 'success',
      outputTokens: 2,
      inputTokens: 3,
      text: ' hi there',
      contentChunks: 1,
    });
    body = body.slice(0, 20);
    expect(await client.generate(req).done).toMatchObject({ outcome: 'failure', reason: 'bad_response' });
  });
});

describe('request bodies', () => {
  it('sends the OpenAI shape: messages or prompt, usage on streams, exact lengths, the request id and key', async () => {
    const seen: { path: string; headers: Record<string, unknown>; body: unknown }[] = [];
    const server = await rawServer((req, res) => {
      let raw = '';
      req.on('data', (b: Buffer) => (raw += b.toString()));
      req.on('end', () => {
        seen.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(raw) });
        res.writeHead(500).end();
      });
    });
    closers.push(server.close);
    const client = new OpenAiClient({ baseUrl: server.url, apiKey: 'k' });
    closers.push(() => client.destroy());
    const tricky = 'say "hi"\n\tand é 🚀 \\ \u0000';
    await client.generate({
      model: 'm',
      endpoint: 'chat',
      stream: true,
      prompt: { text: tricky },
      maxTokens: 5,
      exactTokens: true,
      requestId: 'r1',
    }).done;
    await client.generate({ model: 'm', endpoint: 'chat', stream: true, prompt: { text: 'second' }, maxTokens: 5, exactTokens: true }).done;
    await client.generate({ model: 'm', endpoint: 'completions', stream: false, prompt: { text: tricky } }).done;
    await client.generate({
      model: 'm',
      endpoint: 'chat',
      stream: false,
      prompt: {
        messages: [
          { role: 'system', content: 's' },
          { role: 'user', content: 'u' },
        ],
      },
      maxTokens: 3,
    }).done;
    expect(seen.map((s) => s.body)).toEqual([
      {
        model: 'm',
        stream: true,
        messages: [{ role: 'user', content: tricky }],
        stream_options: { include_usage: true },
        max_tokens: 5,
        min_tokens: 5,
        ignore_eos: true,
      },
      {
        model: 'm',
        stream: true,
        messages: [{ role: 'user', content: 'second' }],
        stream_options: { include_usage: true },
        max_tokens: 5,
        min_tokens: 5,
        ignore_eos: true,
      },
      { model: 'm', stream: false, prompt: tricky },
      {
        model: 'm',
        stream: false,
        messages: [
          { role: 'system', content: 's' },
          { role: 'user', content: 'u' },
        ],
        max_tokens: 3,
      },
    ]);
    expect(seen.map((s) => s.path)).toEqual(['/v1/chat/completions', '/v1/chat/completions', '/v1/completions', '/v1/chat/completions']);
    expect(seen[0]!.headers).toMatchObject({
      authorization: 'Bearer k',
      'x-request-id': 'r1',
      accept: 'text/event-stream',
      'content-type': 'application/json',
    });
  });
});

describe('base urls and error mapping', () => {
  it('drops a trailing /v1 and keeps a path prefix', () => {
    expect(parseBaseUrl('http://h:8000/v1/')).toMatchObject({ origin: 'http://h:8000', basePath: '' });
    expect(parseBaseUrl('https://gw.example/llm/baseline')).toMatchObject({ origin: 'https://gw.example', basePath: '/llm/baseline' });
  });

  it('fails when the base url is not http(s), with the full message', () => {
    expect(() => parseBaseUrl('localhost:8000')).toThrow(
      new UsageError('--base-url must be http or https, got "localhost:8000"; pass e.g. http://127.0.0.1:8000'),
    );
    expect(() => parseBaseUrl('not a url')).toThrow('--base-url is not a url, got "not a url"; pass e.g. http://127.0.0.1:8000');
  });

  it('maps transport errors to reasons', () => {
    const err = (code: string) => Object.assign(new Error(code), { code });
    expect(reasonForError(new TransportError('connect_timeout', 'connect timed out'), false)).toBe('connect_timeout');
    expect(reasonForError(new TransportError('stream_cut', 'other side closed'), false)).toBe('stream_cut');
    expect(reasonForError(err('ENOTFOUND'), false)).toBe('dns_error');
    expect(reasonForError(err('ECONNRESET'), false)).toBe('connection_reset');
    expect(reasonForError(err('ECONNRESET'), true)).toBe('stream_cut');
    expect(reasonForError(new Error('x', { cause: err('ECONNREFUSED') }), false)).toBe('connect_refused');
    expect(reasonForError(new Error('odd'), false)).toBe('client_error');
  });
});
