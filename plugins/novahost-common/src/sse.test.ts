import { readEventStream, SseEvent, SseParser } from './sse';

/** Feeds `text` to a fresh parser in the given chunk sizes, then ends it. */
function parseInChunks(text: string | Uint8Array, size: number): SseEvent[] {
  const p = new SseParser();
  const events: SseEvent[] = [];
  for (let i = 0; i < text.length; i += size) {
    events.push(...p.push(text.slice(i, i + size)));
  }
  events.push(...p.end());
  return events;
}

function streamOf(
  chunks: Array<string | Uint8Array>,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) {
        controller.enqueue(typeof c === 'string' ? encoder.encode(c) : c);
      }
      controller.close();
    },
  });
}

describe('SseParser', () => {
  it('parses events split across chunks, with ids, comments and multi-line data', () => {
    const p = new SseParser();
    expect(p.push(': ping\n\nid: 1\nevent: lo')).toEqual([]);
    expect(
      p.push('g\ndata: {"a":1}\n\nevent: x\ndata: a\ndata: b\r\n\r'),
    ).toEqual([{ event: 'log', data: '{"a":1}', id: '1' }]);
    expect(p.push('\n')).toEqual([{ event: 'x', data: 'a\nb', id: undefined }]);
    expect(p.push('data:no-space\n\n')).toEqual([
      { event: 'message', data: 'no-space', id: undefined },
    ]);
  });

  it('ignores events without data', () => {
    const p = new SseParser();
    expect(p.push('event: finish\n\n')).toEqual([]);
  });

  const stream =
    ': hello\r\n' +
    'retry: 3000\r\n' +
    '\r\n' +
    'id: 7\r\n' +
    'event: routes\r\n' +
    'data: {"version":1,\r\n' +
    'data:  "x": "ü€𝄞"}\r\n' +
    '\r\n' +
    'data: plain\r' +
    '\r' +
    'event: log\n' +
    'data\n' +
    '\n';
  const expected: SseEvent[] = [
    { event: 'routes', data: '{"version":1,\n "x": "ü€𝄞"}', id: '7' },
    { event: 'message', data: 'plain' },
    { event: 'log', data: '' },
  ];

  it.each([1, 2, 3, 5, 7, 1000])(
    'gives the same events for text in chunks of %i',
    size => {
      expect(parseInChunks(stream, size)).toEqual(expected);
    },
  );

  it.each([1, 2, 3, 5, 1000])(
    'gives the same events for bytes in chunks of %i, splitting UTF-8 sequences',
    size => {
      expect(parseInChunks(new TextEncoder().encode(stream), size)).toEqual(
        expected,
      );
    },
  );

  it('treats LF, CRLF and CR as line ends, also a CRLF split across chunks', () => {
    const p = new SseParser();
    expect(p.push('data: a\r')).toEqual([]);
    expect(p.push('\n\r')).toEqual([]);
    // The held-back CR turns out to be a line of its own.
    expect(p.push('data: b\n\n')).toEqual([
      { event: 'message', data: 'a' },
      { event: 'message', data: 'b' },
    ]);
    expect(p.push('data: c\r\r')).toEqual([]);
    expect(p.end()).toEqual([{ event: 'message', data: 'c' }]);
  });

  it('drops an event the stream ends before its blank line', () => {
    const p = new SseParser();
    expect(p.push('data: done\n\ndata: cut')).toEqual([
      { event: 'message', data: 'done' },
    ]);
    expect(p.end()).toEqual([]);
    const q = new SseParser();
    expect(q.push('data: cut\n')).toEqual([]);
    expect(q.end()).toEqual([]);
  });

  it('keeps one leading space of a value and takes a line without colon as a field name', () => {
    const p = new SseParser();
    expect(p.push('data:  two spaces\ndata\ndata:x:y\n\n')).toEqual([
      { event: 'message', data: ' two spaces\n\nx:y' },
    ]);
  });

  it('skips a leading byte-order mark, as text or as bytes', () => {
    expect(parseInChunks('\uFEFFdata: a\n\n', 1000)).toEqual([
      { event: 'message', data: 'a' },
    ]);
    const bytes = new Uint8Array([
      0xef,
      0xbb,
      0xbf,
      ...new TextEncoder().encode('data: a\n\n'),
    ]);
    expect(parseInChunks(bytes, 1)).toEqual([{ event: 'message', data: 'a' }]);
    // Only at the start: later it is data.
    expect(parseInChunks('data: a\n\ndata: \uFEFFb\n\n', 1000)[1].data).toBe(
      '\uFEFFb',
    );
  });

  it('keeps the last event id across events and resets it with an empty id', () => {
    const p = new SseParser();
    expect(p.lastEventId).toBe('');
    p.push('id: 41\ndata: a\n\n');
    expect(p.push('data: b\n\n')).toEqual([{ event: 'message', data: 'b' }]);
    expect(p.lastEventId).toBe('41');
    // An id without data is still remembered; one with NUL is ignored.
    p.push('id: 42\n\nid: 4\u00003\ndata: c\n\n');
    expect(p.lastEventId).toBe('42');
    expect(p.push('id\ndata: d\n\n')).toEqual([
      { event: 'message', data: 'd', id: '' },
    ]);
    expect(p.lastEventId).toBe('');
  });

  it('reads retry only when it is all digits, even without an event', () => {
    const p = new SseParser();
    p.push('retry: 1500\n\n');
    expect(p.retry).toBe(1500);
    p.push('retry: 2s\nretry: -1\nretry\n\n');
    expect(p.retry).toBe(1500);
  });

  it('ignores unknown fields and resets the event type after each event', () => {
    const p = new SseParser();
    expect(p.push('foo: bar\nevent: one\ndata: 1\n\ndata: 2\n\n')).toEqual([
      { event: 'one', data: '1' },
      { event: 'message', data: '2' },
    ]);
  });

  it('refuses a line or an event larger than the limit', () => {
    const line = new SseParser({ maxEventSize: 10 });
    expect(() => line.push('data: 0123456789')).toThrow(/line too long/);
    const event = new SseParser({ maxEventSize: 10 });
    expect(() => event.push('data: 012345\ndata: 012345\n')).toThrow(
      /event too large/,
    );
  });
});

describe('readEventStream', () => {
  it('reads the events of a body split anywhere', async () => {
    const events: SseEvent[] = [];
    for await (const e of readEventStream(
      streamOf(['id: 1\nda', 'ta: {"a"', ':1}\n', '\n', 'data: x\r', '\n\r\n']),
    )) {
      events.push(e);
    }
    expect(events).toEqual([
      { event: 'message', data: '{"a":1}', id: '1' },
      { event: 'message', data: 'x' },
    ]);
  });

  it('cancels the body when the reader stops early', async () => {
    let canceled = false;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('data: 1\n\ndata: 2\n\n'));
      },
      cancel() {
        canceled = true;
      },
    });
    for await (const e of readEventStream(body)) {
      expect(e.data).toBe('1');
      break;
    }
    await new Promise(r => setTimeout(r, 0));
    expect(canceled).toBe(true);
  });

  it('ends without error when the signal aborts a body that stays open', async () => {
    const controller = new AbortController();
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('data: first\n\n'));
      },
    });
    const seen: string[] = [];
    for await (const e of readEventStream(body, {
      signal: controller.signal,
    })) {
      seen.push(e.data);
      setTimeout(() => controller.abort(), 10);
    }
    expect(seen).toEqual(['first']);
  });
});
