import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import Redis from 'ioredis';
import { EventBus } from './types';

const PREFIX = 'novahost:';
const SUBSCRIBE_WAIT_MS = 2000;

/**
 * Redis pub/sub: a line ingested on replica A reaches a viewer on replica B.
 * One connection publishes, one subscribes (a subscribed connection can do
 * nothing else). When Redis is down, publishes fail fast and are dropped
 * (callers persist first), and subscriptions are restored on reconnect.
 */
export class RedisEventBus implements EventBus {
  static fromConfig(config: Config, logger: LoggerService): RedisEventBus {
    const url = config.getString('novahost.bus.redis.url');
    return new RedisEventBus(url, logger);
  }

  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly listeners = new Map<string, Set<(m: unknown) => void>>();

  constructor(url: string, private readonly logger: LoggerService) {
    const options = {
      lazyConnect: false,
      // Don't queue commands while disconnected: logs are persisted, live
      // fan-out may degrade but must not grow memory or block ingestion.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: (times: number) => Math.min(times * 200, 5000),
    };
    this.pub = new Redis(url, options);
    this.sub = new Redis(url, { ...options, enableOfflineQueue: true });
    for (const conn of [this.pub, this.sub]) {
      conn.on('error', err => this.logger.warn('Redis bus error', err));
    }
    // After an outage, subscribe again to everything listened to (a
    // SUBSCRIBE that failed while Redis was down is not retried by ioredis).
    this.sub.on('ready', () => {
      const channels = [...this.listeners.keys()].map(c => PREFIX + c);
      if (channels.length) {
        this.sub
          .subscribe(...channels)
          .catch(e => this.logger.warn('Redis bus could not resubscribe', e));
      }
    });
    this.sub.on('message', (channel: string, raw: string) => {
      const set = this.listeners.get(channel.slice(PREFIX.length));
      if (!set) return;
      let message: unknown;
      try {
        message = JSON.parse(raw);
      } catch {
        return;
      }
      for (const listener of set) listener(message);
    });
  }

  async publish(channel: string, message: unknown): Promise<void> {
    try {
      await this.pub.publish(PREFIX + channel, JSON.stringify(message));
    } catch (e) {
      this.logger.warn(`Redis bus dropped a message on ${channel}`, e as Error);
    }
  }

  async subscribe(
    channel: string,
    listener: (message: unknown) => void,
  ): Promise<() => void> {
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
      const subscribed = this.sub
        .subscribe(PREFIX + channel)
        .catch(e =>
          this.logger.warn(`Redis bus could not subscribe to ${channel}`, e),
        );
      // Wait for the subscription, so a publish right after reaches this
      // listener — but at most SUBSCRIBE_WAIT_MS: while Redis is down the
      // command stays in the offline queue (ioredis re-subscribes after
      // every reconnect) and callers fall back to the database.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        subscribed,
        new Promise(r => {
          timer = setTimeout(r, SUBSCRIBE_WAIT_MS);
        }),
      ]);
      clearTimeout(timer);
    }
    set.add(listener);
    return () => {
      const current = this.listeners.get(channel);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) {
        this.listeners.delete(channel);
        this.sub.unsubscribe(PREFIX + channel).catch(() => {});
      }
    };
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.pub.disconnect();
    this.sub.disconnect();
  }
}
