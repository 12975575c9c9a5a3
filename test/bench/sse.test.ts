import { describe, expect, it } from 'vitest';
import { SseParser, SseSyntaxError } from '../../bench/client/sse';

function parseAll(chunks: readonly (string | Buffer)[]): { events: string[]; incomplete: boolean } {
  const events: string[] = [];
  const p = new SseParser({ onSseEvent: (d) => void events.push(d) });
  for (const c of chunks) p.feed(typeof c === 'string' ? Buffer.from(c) : c);
  return { events, incomplete: p.incomplete };
}

describe('SseParser', () => {
  const stream = 'data: {"a":1}\n\n: keep-alive\n\nevent: message\nid: 7\ndata: {"b":"é"}\n\ndata: [DONE]\n\n';

  it('yields data payloads and skips comments and known fields', () => {
    expect(parseAll([stream])).toEqual({ events: ['{"a":1}', '{"b":"é"}', '[DONE]'], incomplete: false });
  });

  it('gives the same events however the bytes are split, including inside a multi-byte character', () => {
    const bytes = Buffer.from(stream);
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(parseAll([bytes.subarray(0, cut), bytes.subarray(cut)]).events).toEqual(['{"a":1}', '{"b":"é"}', '[DONE]']);
    }
    expect(parseAll([...bytes].map((b) => Buffer.from([b]))).events).toEqual(['{"a":1}', '{"b":"é"}', '[DONE]']);
  });

  it('accepts CRLF line endings and data without the optional space', () => {
    expect(parseAll(['data:x\r\n\r\ndata: y\r\n\r\n']).events).toEqual(['x', 'y']);
  });

  it('joins multi-line data with newlines', () => {
    expect(parseAll(['data: a\ndata: b\n\n']).events).toEqual(['a\nb']);
  });

  it('reports a stream that stopped inside an event as incomplete', () => {
    expect(parseAll(['data: {"a":1}\n']).incomplete).toBe(true);
    expect(parseAll(['data: {"a"']).incomplete).toBe(true);
    expect(parseAll(['data: {"a":1}\n\n']).incomplete).toBe(false);
  });

  it('fails when a line is not an sse field, with the line in the message', () => {
    expect(() => parseAll(['data: ok\n\n{"oops": true}\n'])).toThrow(SseSyntaxError);
    expect(() => parseAll(['garbage line\n'])).toThrow('malformed sse line "garbage line"');
  });
});
