/**
 * `--otlp-endpoint` end to end: a loopback OTLP/HTTP receiver gets one span per request, carrying
 * the trace and span ids the request's `traceparent` carried (which the simulator recorded), from
 * one process and from every worker of `--workers N`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../bench/cli/main';
import { loadResultSchema } from '../../../bench/result';
import { type Simulator, startSimulator } from '../../../bench/sim/simulator';
import { parseTraceparent } from '../../../bench/tracing/context';
import { argv, memoryIo, runLlmBench } from '../helpers';

const run = (...args: string[]) => runLlmBench(args);

interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  serviceName: unknown;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpBody {
  resourceSpans: {
    resource: { attributes: OtlpAttribute[] };
    scopeSpans: {
      spans: { traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; attributes: OtlpAttribute[] }[];
    }[];
  }[];
}

const valueOf = (v: OtlpValue) => v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : (v.doubleValue ?? v.boolValue));
const attrs = (list: OtlpAttribute[]) => Object.fromEntries(list.map((a) => [a.key, valueOf(a.value)]));

/** A loopback OTLP/HTTP receiver (JSON encoding, as the JS exporter sends it) that keeps every span. */
async function otlpReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; paths: string[]; close: () => Promise<void> }> {
  const spans: ReceivedSpan[] = [];
  const paths: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d));
    req.on('end', () => {
      paths.push(`${req.method} ${req.url} ${req.headers['content-type']}`);
      const parsed = JSON.parse(body) as OtlpBody;
      for (const rs of parsed.resourceSpans) {
        const serviceName = attrs(rs.resource.attributes)['service.name'];
        for (const ss of rs.scopeSpans) for (const s of ss.spans) spans.push({ ...s, attributes: attrs(s.attributes), serviceName });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    paths,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ port: 0, ttftMs: 5, itlMs: 1, models: ['m'], apiKey: 'k', recordTimings: true });
});
afterAll(() => sim.close());

/** `load` against the simulator: the flags every run here starts with. */
const loadArgs = () => ['load', '--base-url', sim.url, '--model', 'm', '--api-key', 'k'];

/**
 * The ids each load request carried, as the simulator saw them: trace id → span id. The preflight's
 * warm-up (`req-N`, not counted and not exported) is left out.
 */
function carried(): Map<string, string> {
  const out = new Map<string, string>();
  for (const [id, t] of sim.timings()) {
    if (id.startsWith('req-')) continue;
    const ids = parseTraceparent(t.traceparent ?? '');
    if (ids !== null) out.set(ids.traceId, ids.spanId);
  }
  return out;
}

describe('tracing: --otlp-endpoint', () => {
  it('exports one span per request with the trace ids the requests carried', async () => {
    const receiver = await otlpReceiver();
    try {
      const before = new Set(carried().keys());
      const io = memoryIo();
      const code = await main(
        argv(
          ...loadArgs(),
          '--concurrency',
          '4',
          '--requests',
          '40',
          '--output-tokens',
          '3',
          '--otlp-endpoint',
          receiver.url,
          '--json',
          '-',
        ),
        io,
      );
      expect(io.err()).toBe('');
      expect(code).toBe(0);
      const sent = new Map([...carried()].filter(([t]) => !before.has(t)));
      expect(sent.size).toBe(40);
      expect(receiver.spans).toHaveLength(40);
      // The report's slowest requests name the traces to look at.
      const result = loadResultSchema.parse(JSON.parse(io.out()));
      expect(result.slowest).toHaveLength(5);
      for (const q of result.slowest!) expect(sent.has(q.traceId!)).toBe(true);
      expect(new Set(receiver.paths)).toEqual(new Set(['POST /v1/traces application/json']));
      for (const s of receiver.spans) {
        // The span is the request's client span: the server's spans have its id as their parent.
        expect(sent.get(s.traceId)).toBe(s.spanId);
        expect(s.parentSpanId ?? '').toBe('');
        expect(s.name).toBe('chat m');
        expect(s.kind).toBe(3); // SPAN_KIND_CLIENT
        expect(s.serviceName).toBe('llm-bench');
        expect(s.attributes).toMatchObject({
          'gen_ai.request.model': 'm',
          'gen_ai.usage.output_tokens': 3,
          'llm_bench.outcome': 'success',
        });
        expect(s.attributes['llm_bench.ttft_ms']).toBeGreaterThan(0);
      }
    } finally {
      await receiver.close();
    }
  });

  it('makes every worker export its requests’ spans', async () => {
    const receiver = await otlpReceiver();
    try {
      const before = new Set(carried().keys());
      const r = await run(
        ...loadArgs(),
        '--workers',
        '2',
        '--barrier',
        '0',
        '--concurrency',
        '2',
        '--requests',
        '20',
        '--output-tokens',
        '2',
        '--otlp-endpoint',
        receiver.url,
        '--json',
        '-',
      );
      expect(r.status).toBe(0);
      const sent = new Map([...carried()].filter(([t]) => !before.has(t)));
      expect(sent.size).toBe(20);
      expect(new Map(receiver.spans.map((s) => [s.traceId, s.spanId]))).toEqual(sent);
    } finally {
      await receiver.close();
    }
  });
});
