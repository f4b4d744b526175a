/**
 * Keeps the {@link RouteStore} in sync with the backend over server-sent
 * events: `GET {backendUrl}/routes/events` sends the full table once on
 * connect and again on every change. When the stream fails or ends, it
 * reconnects with capped exponential backoff; while disconnected the proxy
 * keeps serving the table it has.
 */
import { SseEvent, SseParser } from '@internal/plugin-novahost-common';
import type { Logger } from './logger';
import type { RouteStore } from './routeStore';
import { parseRouteTable } from './routing';

export interface RouteSubscriberOptions {
  backendUrl: string;
  token: string;
  store: RouteStore;
  logger: Logger;
  /** First reconnect delay; doubles per failed attempt. Default 250ms. */
  initialDelayMs?: number;
  /** Longest reconnect delay. Default 5s. */
  maxDelayMs?: number;
  /**
   * Reconnect when nothing (not even a `: ping`) arrived for this long;
   * detects half-open connections. Default 90s.
   */
  idleTimeoutMs?: number;
  fetch?: typeof fetch;
}

class StreamError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = 'StreamError';
  }
}

export class RouteSubscriber {
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly idleTimeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  private abort: AbortController | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private connected = false;

  constructor(private readonly options: RouteSubscriberOptions) {
    this.initialDelayMs = options.initialDelayMs ?? 250;
    this.maxDelayMs = options.maxDelayMs ?? 5000;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 90_000;
    this.fetchImpl = options.fetch ?? fetch;
  }

  get url(): string {
    return `${this.options.backendUrl}/routes/events`;
  }

  /** Whether a stream to the backend is currently open. */
  get isConnected(): boolean {
    return this.connected;
  }

  start(): void {
    if (this.running) return;
    this.stopped = false;
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort?.abort();
    this.wakeUp?.();
    await this.running;
    this.running = undefined;
  }

  private async loop() {
    const { logger } = this.options;
    let attempt = 0;
    const resetAttempts = () => {
      attempt = 0;
    };
    while (!this.stopped) {
      let receivedTable = false;
      try {
        receivedTable = await this.connectOnce(resetAttempts);
        if (!this.stopped) {
          logger.warn('routes event stream ended; reconnecting', {
            url: this.url,
          });
        }
      } catch (error) {
        if (this.stopped) break;
        const status = error instanceof StreamError ? error.status : undefined;
        logger.error('routes event stream failed; retrying', {
          url: this.url,
          ...(status ? { status } : {}),
          error,
          ...(status === 401 || status === 403
            ? { hint: 'check novahost.proxy.token' }
            : {}),
        });
      } finally {
        this.connected = false;
      }
      if (this.stopped) break;
      if (!receivedTable) attempt++;
      const base = Math.min(
        this.maxDelayMs,
        this.initialDelayMs * 2 ** Math.max(0, attempt - 1),
      );
      // Up to 20% jitter so a fleet of proxies does not reconnect in lockstep.
      const delay = Math.round(base * (0.8 + Math.random() * 0.2));
      await this.sleep(delay);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>(resolve => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    }).then(() => {
      this.wakeUp = undefined;
    });
  }

  /**
   * One connection: resolves when the stream ends, rejects on failure.
   * Resolves to whether at least one table arrived.
   */
  private async connectOnce(onTable: () => void): Promise<boolean> {
    const { store, logger, token } = this.options;
    const abort = new AbortController();
    this.abort = abort;
    let idleTimer: NodeJS.Timeout | undefined;
    const resetIdle = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(
        () => abort.abort(new StreamError('routes event stream idle timeout')),
        this.idleTimeoutMs,
      );
    };

    let first = true;
    let receivedTable = false;
    const onEvent = (event: SseEvent) => {
      if (event.event !== 'routes') return;
      let table;
      try {
        table = parseRouteTable(JSON.parse(event.data));
      } catch (error) {
        logger.error('ignoring invalid routing table from backend', {
          error,
        });
        return;
      }
      const firstOnConnection = first;
      first = false;
      receivedTable = true;
      onTable();
      store.offer(table, { firstOnConnection });
    };
    const parser = new SseParser();

    try {
      resetIdle();
      const res = await this.fetchImpl(this.url, {
        headers: {
          Authorization: `Bearer ${token}`,
          Accept: 'text/event-stream',
          'Cache-Control': 'no-cache',
        },
        signal: abort.signal,
      });
      if (!res.ok || !res.body) {
        await res.body?.cancel().catch(() => {});
        throw new StreamError(
          `backend answered ${res.status} ${res.statusText}`.trim(),
          res.status,
        );
      }
      const type = res.headers.get('content-type') ?? '';
      if (!type.toLowerCase().startsWith('text/event-stream')) {
        await res.body.cancel().catch(() => {});
        throw new StreamError(`unexpected content type '${type}'`, res.status);
      }
      this.connected = true;
      logger.info('connected to routes event stream', { url: this.url });
      const reader = res.body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          // Any bytes, a `: ping` comment too, prove the connection alive.
          resetIdle();
          parser.push(value).forEach(onEvent);
        }
        parser.end().forEach(onEvent);
      } finally {
        reader.releaseLock();
      }
      return receivedTable;
    } catch (error) {
      if (abort.signal.aborted && abort.signal.reason instanceof StreamError) {
        throw abort.signal.reason;
      }
      throw error;
    } finally {
      clearTimeout(idleTimer);
      if (!abort.signal.aborted) abort.abort();
      if (this.abort === abort) this.abort = undefined;
    }
  }
}
