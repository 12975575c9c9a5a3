/**
 * A small OpenAI-compatible server that is not vLLM, for the smoke profile tests: /v1/models and
 * chat and completions (SSE or JSON, usage when asked), Bearer auth, and nothing else (no /health,
 * no /metrics, no `parent` on models), as a hosted API or another inference server answers.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OpenAiMock {
  readonly url: string;
  close(): Promise<void>;
}

export async function startOpenAiMock(opts: { readonly model: string; readonly apiKey?: string }): Promise<OpenAiMock> {
  const created = 1_700_000_000;
  const server = http.createServer((req, res) => {
    const json = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
    };
    if (opts.apiKey !== undefined && req.headers.authorization !== `Bearer ${opts.apiKey}`) {
      json(401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/v1/models') {
      json(200, { object: 'list', data: [{ id: opts.model, object: 'model', created, owned_by: 'mock' }] });
      return;
    }
    const chat = path === '/v1/chat/completions';
    if (req.method !== 'POST' || !(chat || path === '/v1/completions')) {
      json(404, {
        error: { message: `Unknown request URL: ${req.method} ${path}`, type: 'invalid_request_error', param: null, code: 'unknown_url' },
      });
      return;
    }
    let raw = '';
    req.on('data', (b: Buffer) => (raw += b.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw) as { model?: string; stream?: boolean; stream_options?: { include_usage?: boolean } };
      if (body.model !== opts.model) {
        json(404, {
          error: {
            message: `The model \`${body.model}\` does not exist`,
            type: 'invalid_request_error',
            param: null,
            code: 'model_not_found',
          },
        });
        return;
      }
      const words = ['Hello', ' there', '!'];
      const usage = { prompt_tokens: 7, completion_tokens: words.length, total_tokens: 7 + words.length };
      const id = chat ? 'chatcmpl-mock' : 'cmpl-mock';
      const object = chat ? 'chat.completion.chunk' : 'text_completion';
      if (!body.stream) {
        const choice = chat
          ? { index: 0, message: { role: 'assistant', content: words.join('') }, finish_reason: 'stop' }
          : { index: 0, text: words.join(''), finish_reason: 'stop' };
        json(200, { id, object: chat ? 'chat.completion' : 'text_completion', created, model: opts.model, choices: [choice], usage });
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const send = (choice: unknown, extra: Record<string, unknown> = {}) =>
        res.write(
          `data: ${JSON.stringify({ id, object, created, model: opts.model, choices: choice === null ? [] : [choice], ...extra })}\n\n`,
        );
      words.forEach((w, i) => {
        const finish = i === words.length - 1 ? 'stop' : null;
        send(
          chat
            ? { index: 0, delta: i === 0 ? { role: 'assistant', content: w } : { content: w }, finish_reason: finish }
            : { index: 0, text: w, finish_reason: finish },
        );
      });
      if (body.stream_options?.include_usage) send(null, { usage });
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
