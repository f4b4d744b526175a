import { mockServices } from '@backstage/backend-test-utils';
import { MemoryEventBus } from './MemoryEventBus';
import { RedisEventBus } from './RedisEventBus';
import { EventBus } from './types';

const REDIS_URL =
  process.env.BACKSTAGE_TEST_CACHE_REDIS7_CONNECTION_STRING ??
  'redis://127.0.0.1:6379';

const logger = mockServices.logger.mock();

function received(bus: EventBus, channel: string) {
  const messages: unknown[] = [];
  return {
    messages,
    ready: bus.subscribe(channel, m => messages.push(m)),
  };
}

async function eventually(check: () => void, ms = 3000) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      check();
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise(r => setTimeout(r, 20));
    }
  }
}

describe('MemoryEventBus', () => {
  it('delivers copies in order and stops after unsubscribe', async () => {
    const bus = new MemoryEventBus();
    const r = received(bus, 'c');
    const off = await r.ready;
    const msg = { n: 1 };
    await bus.publish('c', msg);
    await bus.publish('c', { n: 2 });
    await bus.publish('other', { n: 3 });
    expect(r.messages).toEqual([{ n: 1 }, { n: 2 }]);
    expect(r.messages[0]).not.toBe(msg);
    off();
    await bus.publish('c', { n: 4 });
    expect(r.messages).toHaveLength(2);
  });
});

describe('RedisEventBus (real Redis)', () => {
  it('fans out between two replicas in publish order', async () => {
    const channel = `test-${Date.now()}-${Math.random()}`;
    const a = new RedisEventBus(REDIS_URL, logger);
    const b = new RedisEventBus(REDIS_URL, logger);
    try {
      const onB = received(b, channel);
      const off = await onB.ready;
      for (let i = 0; i < 50; i++) await a.publish(channel, { i });
      await eventually(() => expect(onB.messages).toHaveLength(50));
      expect(onB.messages).toEqual(
        Array.from({ length: 50 }, (_, i) => ({ i })),
      );
      off();
      await a.publish(channel, { i: 99 });
      await new Promise(r => setTimeout(r, 100));
      expect(onB.messages).toHaveLength(50);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('drops publishes without throwing while Redis is unreachable', async () => {
    const bus = new RedisEventBus('redis://127.0.0.1:1', logger);
    try {
      await expect(bus.publish('x', { a: 1 })).resolves.toBeUndefined();
    } finally {
      await bus.close();
    }
  });
});

describe('RedisEventBus during an outage', () => {
  it('subscribes without waiting for Redis, so callers never hang', async () => {
    const bus = new RedisEventBus('redis://127.0.0.1:1', logger);
    try {
      const off = await Promise.race([
        bus.subscribe('x', () => {}),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('subscribe hung')), 1000),
        ),
      ]);
      expect(typeof off).toBe('function');
      off();
    } finally {
      await bus.close();
    }
  });
});
