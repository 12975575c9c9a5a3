/**
 * One OpenTelemetry span per bench request, exported over OTLP/HTTP (`--otlp-endpoint URL`). Loaded
 * only when asked for: the OpenTelemetry SDK stays out of every run that does not export.
 *
 * The span is the request's client span: its trace id and span id are the ones the request's
 * `traceparent` carried (bench/tracing/context.ts), so the server's spans (vLLM's `llm_request`)
 * are its children in the backend. It is built when the request ends, with the request's own
 * start and end times, so exporting costs the hot path nothing but a queue push.
 */
import { performance } from 'node:perf_hooks';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, type Attributes } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type IdGenerator } from '@opentelemetry/sdk-trace-base';
import type { Endpoint, RequestRecord } from '../client/openai';
import { TOOL } from '../version';

/** The OTLP/HTTP path of traces, appended to a base URL that lacks it. */
const TRACES_PATH = '/v1/traces';
/** Spans kept in memory before the exporter sends them; past it, spans are dropped (and counted). */
const MAX_QUEUE = 65_536;
const BATCH = 512;

export interface SpanExportOptions {
  /** The collector's OTLP/HTTP base URL (`http://otel-collector.opentelemetry.svc:4318`) or its traces URL. */
  readonly endpoint: string;
  readonly model: string;
  /** @default 'chat' */
  readonly endpointKind?: Endpoint;
  /** `service.name` of the spans. @default 'llm-bench' */
  readonly serviceName?: string;
}

export interface SpanExport {
  /** Queues the span of one finished request (records without trace ids are skipped). */
  record(r: RequestRecord): void;
  /** Sends what is queued and stops. */
  shutdown(): Promise<void>;
}

/** Hands the SDK the ids the request already carried, instead of drawing new ones. */
class CarriedIds implements IdGenerator {
  traceId = '';
  spanId = '';
  generateTraceId(): string {
    return this.traceId;
  }
  generateSpanId(): string {
    return this.spanId;
  }
}

/** The traces URL of an OTLP/HTTP endpoint given as a base URL or as the traces URL itself. */
export function tracesUrl(endpoint: string): string {
  const trimmed = endpoint.replace(/\/+$/, '');
  return trimmed.endsWith(TRACES_PATH) ? trimmed : `${trimmed}${TRACES_PATH}`;
}

/** The attributes of one request's span (GenAI semantic conventions where they have a name). */
export function requestAttributes(r: RequestRecord, model: string, endpoint: Endpoint): Attributes {
  const a: Attributes = {
    'gen_ai.operation.name': endpoint === 'chat' ? 'chat' : 'text_completion',
    'gen_ai.request.model': model,
    'llm_bench.request_id': r.id,
    'llm_bench.outcome': r.outcome,
    'llm_bench.e2e_ms': r.e2eMs,
  };
  if (r.ttftMs !== undefined) a['llm_bench.ttft_ms'] = r.ttftMs;
  if (r.inputTokens !== undefined) a['gen_ai.usage.input_tokens'] = r.inputTokens;
  if (r.outputTokens !== undefined) a['gen_ai.usage.output_tokens'] = r.outputTokens;
  if (r.status !== undefined) a['http.response.status_code'] = r.status;
  if (r.outcome === 'failure') a['error.type'] = r.reason ?? 'client_error';
  return a;
}

/** Starts exporting; the caller feeds it finished requests and shuts it down at the end. */
export function startSpanExport(opts: SpanExportOptions): SpanExport {
  const ids = new CarriedIds();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': opts.serviceName ?? 'llm-bench', 'service.version': TOOL.version }),
    idGenerator: ids,
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl(opts.endpoint) }), {
        maxQueueSize: MAX_QUEUE,
        maxExportBatchSize: BATCH,
      }),
    ],
  });
  const tracer = provider.getTracer(TOOL.name, TOOL.version);
  const endpoint = opts.endpointKind ?? 'chat';
  const name = `${endpoint === 'chat' ? 'chat' : 'text_completion'} ${opts.model}`;
  return {
    record(r) {
      if (r.traceId === undefined || r.spanId === undefined) return;
      const start = performance.timeOrigin + r.startMs;
      ids.traceId = r.traceId;
      ids.spanId = r.spanId;
      // A root context: the SDK then draws the trace id and the span id, which are the carried ones.
      const span = tracer.startSpan(
        name,
        { kind: SpanKind.CLIENT, startTime: start, attributes: requestAttributes(r, opts.model, endpoint) },
        ROOT_CONTEXT,
      );
      if (r.outcome === 'failure') span.setStatus({ code: SpanStatusCode.ERROR, ...(r.message !== undefined && { message: r.message }) });
      span.end(start + r.e2eMs);
    },
    shutdown: () => provider.shutdown(),
  };
}
