import { EventEmitter } from 'events';
import { EventBus } from './types';

/** In-process bus: the embedded default, one backend process. */
export class MemoryEventBus implements EventBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  async publish(channel: string, message: unknown): Promise<void> {
    // Serialize like a real transport would, so no listener can mutate
    // another's copy and memory behaves the same as redis.
    const copy = JSON.parse(JSON.stringify(message));
    this.emitter.emit(channel, copy);
  }

  async subscribe(
    channel: string,
    listener: (message: unknown) => void,
  ): Promise<() => void> {
    this.emitter.on(channel, listener);
    return () => {
      this.emitter.off(channel, listener);
    };
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}
