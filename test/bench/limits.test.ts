/**
 * Limits and backoff: a cap on an SSE line (counted as malformed_sse, without holding the line), a
 * closed loop that backs off from a server that is gone and ends the run with a reason, and a run
 * where every request failed exits 1 even without thresholds. Counts, not clocks.
 */
import { describe, expect, it } from 'vitest';
import { main } from '../../bench/cli/main';
import { SseParser, SseSyntaxError } from '../../bench/client/sse';
import { LIMITS } from '../../bench/limits';
import { startLoad } from '../../bench/load/engine';
import { argv, closedPort, memoryIo, rawServer } from './helpers';

describe('the SSE line cap', () => {
  it('refuses a line past the cap while it grows, and parses a line at the cap', () => {
    const events: string[] = [];
    const at = new SseParser({ onSseEvent: (d) => void events.push(d) }, 1000);
    at.feed(Buffer.from(`data: ${'x'.repeat(994)}\n\n`));
    expect(events).toHaveLength(1);
    const past = new SseParser({ onSseEvent: () => {} }, 1000);
    // No newline ever comes: the parser must fail on the growing line, not wait for its end.
    past.feed(Buffer.from('data: '));
    expect(() => {
      for (let i = 0; i < 20; i++) past.feed(Buffer.from('y'.repeat(100)));
    }).toThrow(SseSyntaxError);
  });

  it('a server that streams one endless line fails the request as malformed_sse', async () => {
    const endless = await rawServer((req, res) => {
      if (req.url === '/v1/models')
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: 'm' }] }));
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: ');
      const chunk = 'z'.repeat(64 * 1024);
      // Just past the cap, then the server would go on: the client must stop it.
      for (let sent = 0; sent <= LIMITS.sseLineBytes; sent += chunk.length) res.write(chunk);
    });
    try {
      const result = await startLoad({
        baseUrl: endless.url,
        model: 'm',
        profile: { kind: 'concurrency', concurrency: 1 },
        requests: 1,
        preflight: false,
      }).done;
      expect(result.summary.errors).toEqual({ malformed_sse: 1 });
    } finally {
      await endless.close();
    }
  });
});

describe('a server that is gone', () => {
  it('closed-loop users back off after a failed connect, and the run ends naming the reason', async () => {
    const port = await closedPort();
    const result = await startLoad({
      baseUrl: `http://127.0.0.1:${port}`,
      model: 'm',
      profile: { kind: 'concurrency', concurrency: 8 },
      untilStopped: true,
      preflight: false,
      maxUnreachableSec: 1,
    }).done;
    expect(result.aborted?.reason).toMatch(/unreachable/);
    // Without backoff, 8 users retry a refused connect thousands of times a second; with it
    // (100 ms doubling to 2 s) each tries a handful of times in the second the run lasts.
    expect(result.summary.requests.failed).toBeGreaterThan(0);
    expect(result.summary.requests.failed).toBeLessThan(8 * 10);
  });

  it('a run where every request failed exits 1 even without thresholds', async () => {
    const failing = await rawServer((req, res) => {
      if (req.url === '/v1/models')
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: 'm' }] }));
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"boom"}}');
    });
    try {
      const io = memoryIo();
      expect(await main(argv('load', '--base-url', failing.url, '--model', 'm', '--concurrency', '2', '--requests', '6'), io)).toBe(1);
      expect(io.err()).toMatch(/every request failed|all \d+ requests failed/i);
    } finally {
      await failing.close();
    }
  });
});
