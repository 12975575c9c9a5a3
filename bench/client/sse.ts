import { StringDecoder } from 'node:string_decoder';

/** A line the SSE grammar (as OpenAI-compatible servers use it) does not allow. */
export class SseSyntaxError extends Error {
  constructor(readonly line: string) {
    super(`malformed sse line ${JSON.stringify(line.length > 120 ? `${line.slice(0, 120)}…` : line)}`);
    this.name = 'SseSyntaxError';
  }
}

/** Receives each event's data (multi-line data joined with `\n`). */
export interface SseSink {
  onSseEvent(data: string): void;
}

/**
 * Incremental Server-Sent Events parser: bytes in, `data` payloads out.
 *
 * Stricter than the WHATWG grammar on purpose: a benchmark must notice a corrupted stream, so a
 * line that is neither a known field (`data`, `event`, `id`, `retry`), a comment nor blank throws
 * {@link SseSyntaxError} instead of being ignored. Lines end in LF or CRLF (servers do not send
 * lone CR). Multi-byte characters split across reads are reassembled.
 */
export class SseParser {
  /** Made on the first read that ends inside a character; until then reads decode on their own. */
  private decoder: StringDecoder | null = null;
  private pending = '';
  private data: string | null = null;

  // A sink object rather than a callback: no closure per request on the hot path.
  constructor(private readonly sink: SseSink) {}

  /** Feeds one network read; calls the sink for every event it completes. */
  feed(chunk: Buffer): void {
    // Events end in a newline, so nearly every read ends on a character boundary and needs no
    // decoder state; one decoder per stream would be ~200 bytes held for the stream's lifetime.
    const decoded = this.decoder === null && endsOnCharBoundary(chunk) ? chunk.toString('utf8') : (this.decoder ??= new StringDecoder('utf8')).write(chunk);
    const text = this.pending.length === 0 ? decoded : this.pending + decoded;
    let start = 0;
    let nl = text.indexOf('\n', start);
    while (nl !== -1) {
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      this.line(text.slice(start, end));
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    this.pending = start === 0 ? text : text.slice(start);
  }

  /** True when the stream stopped in the middle of a line or an event. */
  get incomplete(): boolean {
    return this.pending.length > 0 || this.data !== null;
  }

  private line(line: string): void {
    if (line.length === 0) {
      if (this.data !== null) {
        const data = this.data;
        this.data = null;
        this.sink.onSseEvent(data);
      }
      return;
    }
    if (line.startsWith('data:')) {
      // The spec strips exactly one space after the colon.
      const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
      this.data = this.data === null ? value : `${this.data}\n${value}`;
      return;
    }
    if (line.charCodeAt(0) === 58 /* ':' comment, used as keep-alive */) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    if (field === 'event' || field === 'id' || field === 'retry') return;
    throw new SseSyntaxError(line);
  }
}

/** True unless the bytes end inside a multi-byte UTF-8 sequence. */
export function endsOnCharBoundary(buf: Uint8Array): boolean {
  const n = buf.length;
  if (n === 0 || buf[n - 1]! < 0x80) return true;
  for (let i = n - 1; i >= 0 && n - i <= 4; i--) {
    const b = buf[i]!;
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: the lead is further back
    const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return n - i >= length;
  }
  return true; // no lead byte within 4: invalid either way, and decoded as replacement characters
}
