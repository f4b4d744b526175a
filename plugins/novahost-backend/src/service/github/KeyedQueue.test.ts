import { KeyedQueue } from './KeyedQueue';

/** A promise and its resolve function. */
function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>(r => (resolve = r));
  return { promise, resolve };
}

describe('KeyedQueue', () => {
  it('runs the tasks of a key one at a time, in order, and of other keys at once', async () => {
    const queue = new KeyedQueue();
    const order: string[] = [];
    const gate = deferred();
    const first = queue.run('pr-1', async () => {
      order.push('a start');
      await gate.promise;
      order.push('a end');
    });
    const second = queue.run('pr-1', async () => {
      order.push('b');
    });
    const other = queue.run('pr-2', async () => {
      order.push('other');
    });
    await other;
    expect(order).toEqual(['a start', 'other']);
    gate.resolve();
    await Promise.all([first, second]);
    expect(order).toEqual(['a start', 'other', 'a end', 'b']);
    await queue.idle();
    expect(queue.size).toBe(0);
  });

  it('runs the next task after a failed one and hands the failure to its caller', async () => {
    const queue = new KeyedQueue();
    const failing = queue.run('k', async () => {
      throw new Error('GitHub is down');
    });
    const next = queue.run('k', async () => 'ran');
    await expect(failing).rejects.toThrow('GitHub is down');
    await expect(next).resolves.toBe('ran');
  });
});
