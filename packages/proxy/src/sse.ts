/**
 * A small server-sent events parser (the `text/event-stream` format of the
 * HTML standard): `event`, `data` (multi-line), `id` and `retry` fields,
 * `:` comment lines, LF / CRLF / CR line endings, chunks split anywhere
 * (even inside a UTF-8 sequence or a CRLF pair).
 */

export interface SseEvent {
  /** The `event` field; `message` when absent. */
  event: string;
  data: string;
  id?: string;
  retry?: number;
}

export interface SseParserOptions {
  onEvent(event: SseEvent): void;
  onComment?(comment: string): void;
  /** Longest line or event accepted (bytes of UTF-16 text); default 32 MiB. */
  maxEventSize?: number;
}

export class SseParser {
  private readonly decoder = new TextDecoder('utf-8');
  private readonly maxEventSize: number;
  private buffer = '';
  /** How far into `buffer` is known to hold no line break. */
  private scanned = 0;
  private data: string[] = [];
  private dataSize = 0;
  private eventType = '';
  private lastEventId: string | undefined;
  private retry: number | undefined;

  constructor(private readonly options: SseParserOptions) {
    this.maxEventSize = options.maxEventSize ?? 32 * 1024 * 1024;
  }

  /** Feeds bytes (or already decoded text). Throws when an event is too large. */
  push(chunk: Uint8Array | string): void {
    this.buffer +=
      typeof chunk === 'string'
        ? chunk
        : this.decoder.decode(chunk, { stream: true });
    this.drain(false);
  }

  /** Signals the end of the stream; a trailing incomplete event is dropped. */
  end(): void {
    this.buffer += this.decoder.decode();
    this.drain(true);
    this.buffer = '';
    this.scanned = 0;
    this.resetEvent();
  }

  private drain(final: boolean) {
    let start = 0;
    for (;;) {
      let end = -1;
      for (let i = Math.max(start, this.scanned); i < this.buffer.length; i++) {
        const c = this.buffer.charCodeAt(i);
        if (c === 10 || c === 13) {
          end = i;
          break;
        }
      }
      if (end === -1) {
        this.scanned = this.buffer.length - start;
        break;
      }
      let next = end + 1;
      if (this.buffer.charCodeAt(end) === 13) {
        if (next === this.buffer.length && !final) {
          // A CR at the end of the chunk may be the first half of CRLF.
          this.scanned = end - start;
          break;
        }
        if (this.buffer.charCodeAt(next) === 10) next++;
      }
      this.line(this.buffer.slice(start, end));
      start = next;
      this.scanned = 0;
    }
    this.buffer = this.buffer.slice(start);
    if (this.buffer.length > this.maxEventSize) {
      throw new Error('server-sent event line too long');
    }
  }

  private line(line: string) {
    if (line === '') {
      this.dispatch();
      return;
    }
    if (line.startsWith(':')) {
      this.options.onComment?.(line.slice(1).replace(/^ /, ''));
      return;
    }
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
          throw new Error('server-sent event too large');
        }
        this.data.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retry = Number(value);
        break;
      default:
        // Unknown fields are ignored, as the standard says.
        break;
    }
  }

  private dispatch() {
    if (this.data.length === 0) {
      this.resetEvent();
      return;
    }
    const event: SseEvent = {
      event: this.eventType || 'message',
      data: this.data.join('\n'),
    };
    if (this.lastEventId !== undefined) event.id = this.lastEventId;
    if (this.retry !== undefined) event.retry = this.retry;
    this.resetEvent();
    this.options.onEvent(event);
  }

  private resetEvent() {
    this.data = [];
    this.dataSize = 0;
    this.eventType = '';
    this.retry = undefined;
  }
}
