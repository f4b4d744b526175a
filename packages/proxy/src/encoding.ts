/**
 * Caching, compression and range rules of deployment responses. Pure
 * helpers plus a bounded cache of compressed blobs: each (blob, encoding)
 * is compressed once, never per request.
 */
import { promisify } from 'node:util';
import zlib from 'node:zlib';

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

/**
 * File names with a content hash (`app.3f2a9c1b.js`, `index-BxY12_aZ.js`,
 * `chunk.5c1d2e3f4a.css`) never change content: cache them for a year.
 * Everything else, HTML above all, is revalidated with its ETag so a
 * promote or rollback is visible at once.
 */
const HASHED_NAME = /[.-]([A-Za-z0-9_-]{8,})\.[A-Za-z0-9]+$/;

export function cacheControlFor(key: string): string {
  const name = key.slice(key.lastIndexOf('/') + 1);
  const m = HASHED_NAME.exec(name);
  if (
    m &&
    !name.endsWith('.html') &&
    /[0-9]/.test(m[1]) &&
    /[A-Za-z]/.test(m[1])
  ) {
    return 'public, max-age=31536000, immutable';
  }
  return 'public, max-age=0, must-revalidate';
}

const COMPRESSIBLE =
  /^(text\/|application\/(javascript|json|xml|wasm|manifest\+json)|image\/svg\+xml)/;

/** Whether responses of this type may be compressed (and so vary with Accept-Encoding). */
export function isCompressible(contentType: string): boolean {
  return COMPRESSIBLE.test(contentType);
}
export const MIN_COMPRESS_BYTES = 1024;
export const MAX_COMPRESS_BYTES = 10 * 1024 * 1024;

export type Encoding = 'br' | 'gzip';

/** The encoding to send, from Accept-Encoding (brotli first), or undefined for identity. */
export function chooseEncoding(
  accept: string | undefined,
  contentType: string,
  size: number,
): Encoding | undefined {
  if (!accept || size < MIN_COMPRESS_BYTES || size > MAX_COMPRESS_BYTES) {
    return undefined;
  }
  if (!isCompressible(contentType)) return undefined;
  const accepted = new Map<string, number>();
  for (const part of accept.toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';');
    const q = params.find(p => p.trim().startsWith('q='));
    accepted.set(name.trim(), q ? Number(q.trim().slice(2)) : 1);
  }
  const ok = (name: string) =>
    (accepted.get(name) ?? accepted.get('*') ?? 0) > 0;
  if (ok('br')) return 'br';
  if (ok('gzip')) return 'gzip';
  return undefined;
}

/**
 * Buffers by key, bounded by total bytes: the oldest go first, and one too
 * large for the bound is not kept. Concurrent loads of a key share one
 * promise.
 */
class BoundedBufferCache {
  private readonly entries = new Map<string, Buffer>();
  private readonly pending = new Map<string, Promise<Buffer>>();
  private bytes = 0;
  hits = 0;
  misses = 0;

  constructor(
    private readonly maxBytes: number,
    /** Whether a hit makes the entry the newest (an LRU, not a FIFO). */
    private readonly refreshOnHit: boolean,
  ) {}

  /** The buffer if it is in memory (never reordered: the hot path's lookup). */
  peek(key: string): Buffer | undefined {
    const hit = this.entries.get(key);
    if (hit) this.hits++;
    return hit;
  }

  get(key: string, load: () => Promise<Buffer>): Promise<Buffer> {
    const hit = this.entries.get(key);
    if (hit) {
      this.hits++;
      if (this.refreshOnHit) {
        this.entries.delete(key);
        this.entries.set(key, hit);
      }
      return Promise.resolve(hit);
    }
    let p = this.pending.get(key);
    if (!p) {
      this.misses++;
      p = load()
        .then(value => {
          this.store(key, value);
          return value;
        })
        .finally(() => this.pending.delete(key));
      this.pending.set(key, p);
    }
    return p;
  }

  private store(key: string, value: Buffer) {
    if (value.length > this.maxBytes) return;
    this.entries.set(key, value);
    this.bytes += value.length;
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= v.length;
    }
  }
}

/** Compressed blobs by `hash:encoding`, bounded by total bytes (LRU). */
export class CompressionCache {
  private readonly cache: BoundedBufferCache;

  constructor(maxBytes = 64 * 1024 * 1024) {
    this.cache = new BoundedBufferCache(maxBytes, true);
  }

  get hits(): number {
    return this.cache.hits;
  }

  get misses(): number {
    return this.cache.misses;
  }

  /** The blob compressed with `encoding`; `load` reads it when it is not cached. */
  get(
    hash: string,
    encoding: Encoding,
    load: () => Promise<Buffer>,
  ): Promise<Buffer> {
    return this.cache.get(`${hash}:${encoding}`, async () => {
      const raw = await load();
      return encoding === 'br'
        ? brotli(raw, {
            params: {
              [zlib.constants.BROTLI_PARAM_QUALITY]: 9,
              [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
            },
          })
        : gzip(raw, { level: 9 });
    });
  }
}

/**
 * A single `Range: bytes=…` against `size` (multiple ranges are answered
 * with the whole file, as many servers do). `unsatisfiable` → 416.
 */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start) return undefined;
  }
  if (start >= size || size === 0) return 'unsatisfiable';
  return { start, end };
}

/** Blobs up to this size are kept in memory once read. */
export const MAX_MEMORY_BLOB_BYTES = 256 * 1024;

/**
 * Small blobs in memory (blobs are immutable: a hash always names the same
 * bytes), bounded by total bytes. Most of a site's requests are small files;
 * serving them from a Buffer skips the open/read/close of every request.
 */
export class BlobCache extends BoundedBufferCache {
  constructor(maxBytes = 128 * 1024 * 1024) {
    super(maxBytes, false);
  }
}
