/** Bus implementations, chosen by `novahost.bus.type`. */
export type EventBusType = 'memory' | 'redis';

/**
 * Fan-out of small JSON messages between everything that serves Novahost
 * requests: live build log lines, status changes, route-table changes. With
 * several backend replicas it must cross processes (redis). Delivery is best
 * effort: everything that matters is persisted first and the bus only tells
 * listeners to look; a subscriber can always catch up from the database.
 */
export interface EventBus {
  publish(channel: string, message: unknown): Promise<void>;
  /** Returns an unsubscribe function. Listeners of one channel see messages in publish order. */
  subscribe(
    channel: string,
    listener: (message: unknown) => void,
  ): Promise<() => void>;
  close(): Promise<void>;
}
