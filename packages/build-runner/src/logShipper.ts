import type { ShippedLine } from './protocol.ts';
import { redact } from './redact.ts';

const MAX_BATCH = 1000;

export interface LogShipperOptions {
  /** Sends one batch; rejects when it could not be delivered. */
  send(lines: ShippedLine[]): Promise<void>;
  /**
   * Strings that must never appear in the log (the build token); common
   * secret shapes are masked as well (see redact.ts).
   */
  secrets?: string[];
  /** Also print every line here (the pod's or the child's own output). */
  echo?: (line: ShippedLine) => void;
  flushIntervalMs?: number;
}

/**
 * Batches build output lines and ships them to the backend in order. Every
 * line gets a sequence number once; a batch that fails is sent again with
 * the same numbers, so the backend drops the duplicates of a retry.
 */
export class LogShipper {
  private seq = 0;
  private pending: ShippedLine[] = [];
  private sending: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private readonly options: LogShipperOptions;
  private readonly secrets: string[];

  constructor(options: LogShipperOptions) {
    this.options = options;
    this.secrets = [...(options.secrets ?? [])];
  }

  /** Masks these too from now on (a credential learnt from the spec). */
  addSecrets(secrets: readonly string[]): void {
    this.secrets.push(...secrets);
  }

  /** `text` as a line would be shipped: secrets masked (a failure's message). */
  mask(text: string): string {
    return redact(text, this.secrets);
  }

  /** The number of lines accepted so far. */
  get count(): number {
    return this.seq;
  }

  line(stream: ShippedLine['stream'], raw: string): void {
    const text = redact(raw.replace(/\r$/, ''), this.secrets);
    const line: ShippedLine = {
      seq: ++this.seq,
      ts: new Date().toISOString(),
      stream,
      text,
    };
    this.options.echo?.(line);
    this.pending.push(line);
    if (this.pending.length >= MAX_BATCH) {
      void this.flush().catch(() => {});
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush().catch(() => {});
      }, this.options.flushIntervalMs ?? 150);
    }
  }

  system(text: string): void {
    this.line('system', text);
  }

  /** Sends everything accepted so far. Rejects if the backend cannot be reached. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.sending) await this.sending.catch(() => {});
    if (this.pending.length === 0) return;
    const batch = this.pending.slice(0, MAX_BATCH);
    this.sending = this.options.send(batch).then(
      () => {
        this.pending = this.pending.slice(batch.length);
        this.failures = 0;
      },
      e => {
        this.failures++;
        throw e;
      },
    );
    try {
      await this.sending;
    } finally {
      this.sending = undefined;
    }
    if (this.pending.length) await this.flush();
  }

  get consecutiveFailures(): number {
    return this.failures;
  }
}

/** Splits a byte stream into lines (LF or CRLF), keeping UTF-8 sequences whole. */
export function lineSplitter(onLine: (line: string) => void) {
  const decoder = new TextDecoder('utf-8');
  let buffer = '';
  return {
    push(chunk: Buffer) {
      buffer += decoder.decode(chunk, { stream: true });
      for (
        let idx = buffer.indexOf('\n');
        idx !== -1;
        idx = buffer.indexOf('\n')
      ) {
        onLine(buffer.slice(0, idx));
        buffer = buffer.slice(idx + 1);
      }
      // A progress bar without newlines must not grow forever.
      if (buffer.length > 64 * 1024) {
        onLine(buffer);
        buffer = '';
      }
    },
    end() {
      buffer += decoder.decode();
      if (buffer) onLine(buffer);
      buffer = '';
    },
  };
}
