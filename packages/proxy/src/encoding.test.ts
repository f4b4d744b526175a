import { gunzipSync } from 'node:zlib';
import { BlobCache, CompressionCache } from './encoding';

const bytes = (n: number, fill = 'a') => Buffer.alloc(n, fill);

describe('BlobCache', () => {
  it('loads a blob once, however many ask at the same time', async () => {
    const cache = new BlobCache(100);
    const load = jest.fn(async () => bytes(10));
    const [a, b] = await Promise.all([
      cache.get('h', load),
      cache.get('h', load),
    ]);
    expect(a).toBe(b);
    expect(load).toHaveBeenCalledTimes(1);
    expect(cache.peek('h')).toBe(a);
    expect(cache.peek('other')).toBeUndefined();
    expect([cache.hits, cache.misses]).toEqual([1, 1]);
  });

  it('drops the oldest blobs past its bound, and never keeps one too large', async () => {
    const cache = new BlobCache(25);
    await cache.get('a', async () => bytes(10));
    await cache.get('b', async () => bytes(10));
    await cache.get('a', async () => bytes(10)); // a hit does not make it newer
    await cache.get('c', async () => bytes(10));
    expect(cache.peek('a')).toBeUndefined();
    expect(cache.peek('b')).toBeDefined();
    expect(cache.peek('c')).toBeDefined();
    await cache.get('huge', async () => bytes(26));
    expect(cache.peek('huge')).toBeUndefined();
    expect(cache.peek('b')).toBeDefined();
  });
});

describe('CompressionCache', () => {
  it('compresses each blob once per encoding, least recently used out first', async () => {
    const raw = bytes(4000, 'x');
    const cache = new CompressionCache(1000);
    const load = jest.fn(async () => raw);
    const gz = await cache.get('h', 'gzip', load);
    expect(gunzipSync(gz)).toEqual(raw);
    expect(await cache.get('h', 'gzip', load)).toBe(gz);
    await cache.get('h', 'br', load);
    expect(load).toHaveBeenCalledTimes(2);
    expect([cache.hits, cache.misses]).toEqual([1, 2]);
  });
});
