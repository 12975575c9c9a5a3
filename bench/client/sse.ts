import { StringDecoder } from 'node:string_decoder';
import { LIMITS } from '../limits';

/** A line the SSE grammar (as OpenAI-compatible servers use it) does not allow. */
export class SseSyntaxError extends Error {
  constructor(
    readonly line: string,
    problem = 'malformed sse line',
  ) {
    super(`${problem} ${JSON.stringify(line.length > 120 ? `${line.slice(0, 120)}…` : line)}`);
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
  /** The unterminated end of the stream so far; only ever appended to, never searched. */
  private pending = '';
  private data: string | null = null;

  // A sink object rather than a callback: no closure per request on the hot path.
  constructor(
    private readonly sink: SseSink,
    /** Longest line or event data, in characters; past it the stream is malformed. */
    private readonly maxLineChars: number = LIMITS.sseLineBytes,
  ) {}

  /**
   * Feeds one network read; calls the sink for every event it completes. Linear in the bytes
   * fed: only the new read is searched for line ends, and an unterminated line grows by
   * appending, so a long line costs its length once, not once per read.
   */
  feed(chunk: Buffer): void {
    // Events end in a newline, so nearly every read ends on a character boundary and needs no
    // decoder state; one decoder per stream would be ~200 bytes held for the stream's lifetime.
    const decoded =
      this.decoder === null && endsOnCharBoundary(chunk)
        ? chunk.toString('utf8')
        : (this.decoder ??= new StringDecoder('utf8')).write(chunk);
    let start = 0;
    let nl = decoded.indexOf('\n');
    while (nl !== -1) {
      let line = decoded.slice(start, nl);
      if (start === 0 && this.pending.length > 0) {
        line = this.pending + line;
        this.pending = '';
      }
      if (line.length > this.maxLineChars) throw new SseSyntaxError(line, `sse line longer than ${this.maxLineChars} characters`);
      this.line(line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line);
      start = nl + 1;
      nl = decoded.indexOf('\n', start);
    }
    if (start < decoded.length) {
      this.pending = this.pending.length === 0 ? decoded.slice(start) : this.pending + decoded.slice(start);
      if (this.pending.length > this.maxLineChars) {
        throw new SseSyntaxError(this.pending, `sse line longer than ${this.maxLineChars} characters without a line end`);
      }
    }
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
      if (this.data.length > this.maxLineChars)
        throw new SseSyntaxError(value, `sse event data longer than ${this.maxLineChars} characters`);
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
