/**
 * Writes a build cache archive (tar, zstd or gzip) from the cached
 * directories of a finished build. It runs in the trusted publish step over
 * a tree the build's code wrote, so nothing is followed: a root reached
 * through a symbolic link is skipped, links are stored as links, files are
 * opened with O_NOFOLLOW, and sockets, FIFOs and devices are left out. The
 * archive's size and the bytes it unpacks to are capped while writing.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  constants,
  createWriteStream,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
  readlinkSync,
  readSync,
  type Stats,
} from 'node:fs';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { compressor } from './cacheCodec.ts';
import type { CacheBase, CacheRoot } from './cacheRoots.ts';
import {
  encodeHeader,
  END_OF_ARCHIVE,
  padding,
  type TarHeader,
} from './tar.ts';

export interface CacheLimits {
  /** Largest archive (compressed) stored. */
  maxArchiveBytes: number;
  /** Most bytes of file content an archive may unpack to. */
  maxUnpackedBytes: number;
  /** Most entries (files, directories, links) of an archive. */
  maxEntries: number;
}

export const DEFAULT_MAX_ENTRIES = 1_000_000;

export interface PackResult {
  hash: string;
  /** The archive's size. */
  size: number;
  /** The file content it holds. */
  unpacked: number;
  entries: number;
  /** The roots it holds, as `base/path`. */
  roots: string[];
  /** What the trees list (fingerprintOf). */
  fingerprint: string;
}

/** The archive would break a limit: the cache is not saved. */
export class CacheLimitError extends Error {}

/** Directories inside the roots that are never worth keeping. */
const EXCLUDED = new Set(['.npm/_cacache/tmp']);

const READ_CHUNK = 1024 * 1024;

/**
 * Whether `rel` under `base` is a real directory all the way: no
 * component is a symbolic link (the build may have planted one).
 */
export function realDirectory(base: string, rel: string): boolean {
  let dir = base;
  try {
    if (!lstatSync(base).isDirectory()) return false;
    for (const part of rel.split('/').filter(Boolean)) {
      dir = join(dir, part);
      if (!lstatSync(dir).isDirectory()) return false;
    }
    return true;
  } catch {
    return false;
  }
}

function* fileContent(path: string, stat: Stats): Generator<Buffer> {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const size = fstatSync(fd).size;
    if (size !== stat.size) throw new Error(`${path} changed while packing`);
    let left = size;
    while (left > 0) {
      const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, left));
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) throw new Error(`${path} shrank while packing`);
      left -= n;
      yield n === buf.length ? buf : buf.subarray(0, n);
    }
  } finally {
    closeSync(fd);
  }
}

/** One entry of the cached trees, as the walk meets it. */
interface TreeEntry {
  /** Archive path: `<base>/<path in it>`. */
  name: string;
  abs: string;
  stat: Stats;
  /** A symbolic link's target. */
  link?: string;
}

/**
 * Every directory, file and symbolic link under the roots, depth first in
 * name order (so the same tree always packs to the same bytes); never
 * following a link. Sockets, FIFOs and devices are left out.
 */
function* walkRoots(
  bases: Record<CacheBase, string>,
  roots: CacheRoot[],
): Generator<TreeEntry> {
  function* walk(abs: string, name: string, rel: string): Generator<TreeEntry> {
    const stat = lstatSync(abs);
    if (stat.isSymbolicLink()) {
      yield { name, abs, stat, link: readlinkSync(abs) };
    } else if (stat.isFile()) {
      yield { name, abs, stat };
    } else if (stat.isDirectory() && !EXCLUDED.has(rel)) {
      yield { name, abs, stat };
      for (const child of readdirSync(abs).sort()) {
        yield* walk(join(abs, child), `${name}/${child}`, `${rel}/${child}`);
      }
    }
  }
  for (const root of roots) {
    yield* walk(
      join(bases[root.base], root.path),
      `${root.base}/${root.path}`,
      root.path,
    );
  }
}

/**
 * What the cached trees hold: every path with its kind, a link's target
 * and a file's content hash (not times or modes, which a restore, or an
 * install that changes nothing but rewrites a file, may touch). Equal to
 * the restored entry's, the build changed nothing worth saving again.
 */
export function fingerprintOf(
  bases: Record<CacheBase, string>,
  roots: CacheRoot[],
): string {
  const hash = createHash('sha256');
  const present = roots.filter(r => realDirectory(bases[r.base], r.path));
  for (const e of walkRoots(bases, present)) {
    let what = 'd';
    if (e.link !== undefined) {
      what = `l ${e.link}`;
    } else if (e.stat.isFile()) {
      const content = createHash('sha256');
      for (const chunk of fileContent(e.abs, e.stat)) content.update(chunk);
      what = `f ${content.digest('hex')}`;
    }
    hash.update(`${e.name}\0${what}\n`);
  }
  return hash.digest('hex');
}

/** The tar stream of the roots, counting what it holds against the limits. */
function* tarOf(
  bases: Record<CacheBase, string>,
  roots: CacheRoot[],
  limits: CacheLimits,
  count: { unpacked: number; entries: number },
): Generator<Buffer> {
  const hardlinks = new Map<string, string>();
  for (const { name, abs, stat, link } of walkRoots(bases, roots)) {
    if (++count.entries > limits.maxEntries) {
      throw new CacheLimitError(
        `over ${limits.maxEntries} files and directories`,
      );
    }
    const mtime = Math.floor(stat.mtimeMs / 1000);
    const header = (h: Omit<TarHeader, 'path' | 'mtime'>) =>
      encodeHeader({ ...h, path: name, mtime });
    if (link !== undefined) {
      yield header({ type: 'symlink', mode: 0o777, size: 0, linkpath: link });
    } else if (stat.isDirectory()) {
      yield header({ type: 'dir', mode: stat.mode | 0o700, size: 0 });
    } else {
      const id = `${stat.dev}:${stat.ino}`;
      const first = stat.nlink > 1 ? hardlinks.get(id) : undefined;
      if (first) {
        yield header({
          type: 'hardlink',
          mode: stat.mode,
          size: 0,
          linkpath: first,
        });
        continue;
      }
      if (stat.nlink > 1) hardlinks.set(id, name);
      count.unpacked += stat.size;
      if (count.unpacked > limits.maxUnpackedBytes) {
        throw new CacheLimitError(
          `over ${limits.maxUnpackedBytes} bytes unpacked`,
        );
      }
      yield header({ type: 'file', mode: stat.mode | 0o600, size: stat.size });
      yield* fileContent(abs, stat);
      yield padding(stat.size);
    }
  }
  yield END_OF_ARCHIVE;
}

/**
 * Writes the archive of the roots that exist (as real directories) to
 * `file`. Resolves with its hash and sizes, or null when there is nothing
 * to cache; rejects with a CacheLimitError past a limit.
 */
export async function packCache(o: {
  bases: Record<CacheBase, string>;
  roots: CacheRoot[];
  file: string;
  limits: CacheLimits;
}): Promise<PackResult | null> {
  const present = o.roots.filter(r => realDirectory(o.bases[r.base], r.path));
  if (!present.length) return null;
  const count = { unpacked: 0, entries: 0 };
  const hash = createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > o.limits.maxArchiveBytes) {
        done(
          new CacheLimitError(
            `the archive is over ${o.limits.maxArchiveBytes} bytes`,
          ),
        );
        return;
      }
      hash.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(
    Readable.from(tarOf(o.bases, present, o.limits, count), {
      objectMode: false,
      highWaterMark: 4 * READ_CHUNK,
    }),
    compressor(),
    meter,
    createWriteStream(o.file, { mode: 0o600 }),
  );
  return {
    hash: hash.digest('hex'),
    size,
    unpacked: count.unpacked,
    entries: count.entries,
    roots: present.map(r => `${r.base}/${r.path}`),
    fingerprint: fingerprintOf(o.bases, present),
  };
}
