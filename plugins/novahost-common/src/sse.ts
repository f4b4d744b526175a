/**
 * The one server-sent events reader of Novahost (browser and Node): an
 * incremental parser of `text/event-stream` following the HTML standard's
 * rules, and a loop that reads a fetch body through it.
 */

/** One dispatched server-sent event. @public */
export interface SseEvent {
  /** The `event` field; `message` when absent. */
  event: string;
  /** The `data` lines, joined with `\n`. */
  data: string;
  /**
   * The `id` field of this event, when it had one. The standard's "last
   * event ID", which carries over to later events, is
   * {@link SseParser.lastEventId}.
   */
  id?: string;
}

/** @public */
export interface SseParserOptions {
  /** Longest line or event accepted, in UTF-16 code units; default 32 MiB. */
  maxEventSize?: number;
}

const LF = 10;
const CR = 13;

/**
 * Incremental `text/event-stream` parser: `event`, `data` (multi-line), `id`
 * and `retry` fields, `:` comments, LF / CRLF / CR line endings, a leading
 * BOM, chunks split anywhere (inside a UTF-8 sequence or a CRLF pair too).
 * Feed it bytes or decoded text; each call returns the events it completed.
 * @public
 */
export class SseParser {
  private readonly decoder = new TextDecoder('utf-8');
  private readonly maxEventSize: number;
  private buffer = '';
  /** How far into `buffer` is known to hold no line break. */
  private scanned = 0;
  private started = false;
  private data: string[] = [];
  private dataSize = 0;
  private eventType = '';
  private eventId: string | undefined;
  private lastId = '';
  private retryMs: number | undefined;

  constructor(options: SseParserOptions = {}) {
    this.maxEventSize = options.maxEventSize ?? 32 * 1024 * 1024;
  }

  /**
   * The standard's last event ID: the latest `id` field seen, kept across
   * events; what a reconnect sends as `Last-Event-ID`.
   */
  get lastEventId(): string {
    return this.lastId;
  }

  /** The reconnection time the server asked for with `retry`, in ms. */
  get retry(): number | undefined {
    return this.retryMs;
  }

  /** Feeds bytes or text; throws when a line or an event is too large. */
  push(chunk: Uint8Array | string): SseEvent[] {
    let text =
      typeof chunk === 'string'
        ? chunk
        : this.decoder.decode(chunk, { stream: true });
    if (!this.started && text.length > 0) {
      this.started = true;
      // TextDecoder drops a byte-order mark itself; text may still carry one.
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    this.buffer += text;
    return this.drain(false);
  }

  /**
   * Ends the stream: a CR held back as a possible CRLF half counts as a line
   * end; an event without its closing blank line is dropped, as the
   * standard says.
   */
  end(): SseEvent[] {
    this.buffer += this.decoder.decode();
    const events = this.drain(true);
    this.buffer = '';
    this.scanned = 0;
    this.resetEvent();
    return events;
  }

  private drain(final: boolean): SseEvent[] {
    const events: SseEvent[] = [];
    let start = 0;
    for (;;) {
      let end = -1;
      for (let i = start + this.scanned; i < this.buffer.length; i++) {
        const c = this.buffer.charCodeAt(i);
        if (c === LF || c === CR) {
          end = i;
          break;
        }
      }
      if (end === -1) {
        this.scanned = this.buffer.length - start;
        break;
      }
      let next = end + 1;
      if (this.buffer.charCodeAt(end) === CR) {
        if (next === this.buffer.length && !final) {
          // A CR at the end of the chunk may be the first half of CRLF.
          this.scanned = end - start;
          break;
        }
        if (this.buffer.charCodeAt(next) === LF) next++;
      }
      const event = this.line(this.buffer.slice(start, end));
      if (event) events.push(event);
      start = next;
      this.scanned = 0;
    }
    this.buffer = this.buffer.slice(start);
    if (this.buffer.length > this.maxEventSize) {
      throw new Error('Server-sent event line too long');
    }
    return events;
  }

  private line(line: string): SseEvent | undefined {
    if (line === '') return this.dispatch();
    if (line.charCodeAt(0) === 58 /* : */) return undefined; // a comment
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.eventType = value;
        break;
      case 'data':
        this.dataSize += value.length + 1;
        if (this.dataSize > this.maxEventSize) {
          throw new Error('Server-sent event too large');
        }
        this.data.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) {
          this.eventId = value;
          this.lastId = value;
        }
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
      default:
        // Unknown fields are ignored, as the standard says.
        break;
    }
    return undefined;
  }

  private dispatch(): SseEvent | undefined {
    if (this.data.length === 0) {
      this.resetEvent();
      return undefined;
    }
    const event: SseEvent = {
      event: this.eventType || 'message',
      data: this.data.join('\n'),
    };
    if (this.eventId !== undefined) event.id = this.eventId;
    this.resetEvent();
    return event;
  }

  private resetEvent() {
    this.data = [];
    this.dataSize = 0;
    this.eventType = '';
    this.eventId = undefined;
  }
}

/**
 * Reads the events of a `text/event-stream` body until it ends. Stopping
 * early (a `break`, or `signal` aborting) cancels the body: not every fetch
 * implementation ends a body that is already streaming when its signal
 * fires. Ends without error on abort; the caller checks its signal.
 * @public
 */
export async function* readEventStream(
  body: ReadableStream<Uint8Array>,
  options: SseParserOptions & { signal?: AbortSignal } = {},
): AsyncGenerator<SseEvent, void, undefined> {
  const { signal } = options;
  const parser = new SseParser(options);
  const reader = body.getReader();
  const cancel = () => {
    // Not awaited: some stream implementations settle cancel late.
    reader.cancel().catch(() => {});
  };
  signal?.addEventListener('abort', cancel, { once: true });
  try {
    if (signal?.aborted) return;
    for (;;) {
      const { done, value } = await reader.read();
      if (done || signal?.aborted) break;
      yield* parser.push(value);
    }
    if (!signal?.aborted) yield* parser.end();
  } finally {
    signal?.removeEventListener('abort', cancel);
    cancel();
  }
}
