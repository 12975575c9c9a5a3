/**
 * W3C trace context for every request llm-bench sends: a trace id and a span id per request, sent
 * as `traceparent`, so the server's spans (vLLM's `llm_request`) become children of the request's
 * client span and a slow request in a report can be found in the tracing backend.
 *
 * Trace ids start with the Unix time in seconds (32 bits), then 96 random bits: a valid W3C id
 * that AWS X-Ray also accepts (it drops ids whose first 32 bits are not a recent time,
 * facts/otel.ts). No OpenTelemetry import here: this runs on every request, with or without an
 * exporter.
 */
import { randomFillSync } from 'node:crypto';

/** One request's trace context. */
export interface TraceIds {
  /** 32 lowercase hex digits. */
  readonly traceId: string;
  /** 16 lowercase hex digits: the client span's id, the parent of the server's spans. */
  readonly spanId: string;
}

/** Random bytes drawn in blocks, so a request costs a slice, not a system call. */
const POOL = Buffer.alloc(4096);
let used = POOL.length;

function randomHex(bytes: number): string {
  if (used + bytes > POOL.length) {
    randomFillSync(POOL);
    used = 0;
  }
  const hex = POOL.toString('hex', used, used + bytes);
  used += bytes;
  return hex;
}

/**
 * New ids for one request: the trace id's first 8 hex digits are `nowMs`'s Unix seconds. A span id
 * of all zeros is invalid in W3C trace context; the odds are 2^-64, and it is redrawn anyway.
 */
export function newTraceIds(nowMs: number = Date.now()): TraceIds {
  const seconds = Math.floor(nowMs / 1000) >>> 0;
  const traceId = seconds.toString(16).padStart(8, '0') + randomHex(12);
  let spanId = randomHex(8);
  while (spanId === '0000000000000000') spanId = randomHex(8);
  return { traceId, spanId };
}

/** The `traceparent` header value: version 00, sampled. */
export function traceparent(ids: TraceIds): string {
  return `00-${ids.traceId}-${ids.spanId}-01`;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** Parses a `traceparent` header; null when it is not a valid version-00 value. */
export function parseTraceparent(value: string): (TraceIds & { readonly sampled: boolean }) | null {
  const m = TRACEPARENT.exec(value.trim());
  if (m === null || /^0+$/.test(m[1]!) || /^0+$/.test(m[2]!)) return null;
  return { traceId: m[1]!, spanId: m[2]!, sampled: (parseInt(m[3]!, 16) & 1) === 1 };
}
