/**
 * Restores a build cache archive into the checkout and the build's HOME.
 * An archive is data from an earlier build's tree, so it is read as
 * hostile: every entry must lie in one of the cached directories
 * (cacheRoots.ts) of its base; absolute paths, `..`, empty or `.` parts,
 * links leaving their base, hard links to anything but a file restored
 * just before, duplicate entries and devices are refused, and so is the
 * whole archive then. Nothing is written through a symbolic link (parents
 * are checked with lstat, files created with O_EXCL | O_NOFOLLOW), a cached
 * directory the checkout already has (committed) is left alone, and the
 * content is capped. On any refusal or error what was restored is removed:
 * the build goes on as without a cache.
 */
import {
  closeSync,
  constants,
  createReadStream,
  futimesSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { join, posix } from 'node:path';
import { decompressorFor } from './cacheCodec.ts';
import type { CacheLimits } from './cachePack.ts';
import type { CacheBase, CacheRoot } from './cacheRoots.ts';
import { TarError, TarParser, type TarHeader } from './tar.ts';

/** An archive refused for what it holds (a poisoned or foreign archive). */
export class UnsafeArchiveError extends Error {}

export interface UnpackResult {
  files: number;
  /** Bytes of file content restored. */
  bytes: number;
  /** Roots restored, as `base/path`. */
  restored: string[];
  /** Roots the checkout already had, left as they were. */
  kept: string[];
}

export interface UnpackOptions {
  file: string;
  bases: Record<CacheBase, string>;
  /** The cached directories: an entry anywhere else is refused. */
  roots: CacheRoot[];
  /** Another key's entry: key-bound roots keep only their `keep` parts. */
  fallback: boolean;
  limits: CacheLimits;
}

const BASES: CacheBase[] = ['repo', 'home'];

/** Checks an archive path and splits it into base and path in it. */
function splitPath(path: string): { base: CacheBase; rel: string } {
  const clean = path.endsWith('/') ? path.slice(0, -1) : path;
  const parts = clean.split('/');
  if (
    !clean ||
    clean.startsWith('/') ||
    clean.includes('\0') ||
    parts.some(p => p === '' || p === '.' || p === '..')
  ) {
    throw new UnsafeArchiveError(`unsafe path '${path.slice(0, 200)}'`);
  }
  const base = parts[0] as CacheBase;
  if (!BASES.includes(base) || parts.length < 2) {
    throw new UnsafeArchiveError(`unexpected path '${path.slice(0, 200)}'`);
  }
  return { base, rel: parts.slice(1).join('/') };
}

const under = (rel: string, dir: string) =>
  rel === dir || rel.startsWith(`${dir}/`);

export async function unpackCache(o: UnpackOptions): Promise<UnpackResult> {
  const result: UnpackResult = { files: 0, bytes: 0, restored: [], kept: [] };
  const exists = (abs: string) => {
    try {
      lstatSync(abs);
      return true;
    } catch {
      return false;
    }
  };
  const kept = new Set(
    o.roots.filter(r => exists(join(o.bases[r.base], r.path))),
  );
  result.kept = [...kept].map(r => `${r.base}/${r.path}`);
  /** Real directories seen or made (absolute paths). */
  const dirs = new Set<string>(BASES.map(b => o.bases[b]));
  /** Directories made whose parent was there before: removed on failure. */
  const created: string[] = [];
  const files = new Set<string>();
  const dirTimes: Array<[string, number]> = [];
  const restored = new Set<string>();
  let entries = 0;
  let fd: number | null = null;
  let fileTime = 0;

  /** Makes (or checks) every directory from the base down to `rel`. */
  const ensureDir = (base: CacheBase, rel: string) => {
    let dir = o.bases[base];
    let parentCreated = false;
    for (const part of rel.split('/').filter(Boolean)) {
      dir = join(dir, part);
      if (dirs.has(dir)) continue;
      let made = false;
      try {
        mkdirSync(dir, { mode: 0o755 });
        made = true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        if (!lstatSync(dir).isDirectory()) {
          throw new UnsafeArchiveError(
            `'${base}/${rel}' goes through a link or a file`,
          );
        }
      }
      if (made && !parentCreated) created.push(dir);
      parentCreated = made;
      dirs.add(dir);
    }
  };

  /** The root an entry belongs to, or null to skip it; throws when it has none. */
  const rootOf = (base: CacheBase, rel: string) => {
    const root = o.roots.find(r => r.base === base && under(rel, r.path));
    if (!root) {
      throw new UnsafeArchiveError(
        `'${base}/${rel}' is not a cached directory`,
      );
    }
    if (kept.has(root)) return null;
    if (o.fallback && root.keyBound) {
      const inside = rel.slice(root.path.length + 1);
      if (
        rel !== root.path &&
        !root.keyBound.keep.some(k => under(inside, k))
      ) {
        return null;
      }
    }
    return root;
  };

  const entry = (h: TarHeader) => {
    if (++entries > o.limits.maxEntries) {
      throw new UnsafeArchiveError(`more than ${o.limits.maxEntries} entries`);
    }
    const { base, rel } = splitPath(h.path);
    const root = rootOf(base, rel);
    if (!root) return;
    if (rel === root.path && h.type !== 'dir') {
      throw new UnsafeArchiveError(`'${h.path}' is not a directory`);
    }
    restored.add(`${root.base}/${root.path}`);
    const abs = join(o.bases[base], rel);
    ensureDir(base, posix.dirname(rel));
    if (h.type === 'dir') {
      ensureDir(base, rel);
      dirTimes.push([abs, h.mtime]);
    } else if (h.type === 'symlink') {
      const target = h.linkpath ?? '';
      const resolved = posix.normalize(posix.join(posix.dirname(rel), target));
      if (
        !target ||
        target.startsWith('/') ||
        target.includes('\0') ||
        resolved === '..' ||
        resolved.startsWith('../')
      ) {
        throw new UnsafeArchiveError(
          `the link '${h.path}' points outside (${target.slice(0, 200)})`,
        );
      }
      symlinkSync(target, abs);
    } else if (h.type === 'hardlink') {
      const target = splitPath(h.linkpath ?? '');
      const targetAbs = join(o.bases[target.base], target.rel);
      if (!files.has(targetAbs)) {
        throw new UnsafeArchiveError(
          `the hard link '${h.path}' names no file restored before it`,
        );
      }
      linkSync(targetAbs, abs);
    } else {
      result.bytes += h.size;
      if (result.bytes > o.limits.maxUnpackedBytes) {
        throw new UnsafeArchiveError(
          `it unpacks to more than ${o.limits.maxUnpackedBytes} bytes`,
        );
      }
      fd = openSync(
        abs,
        constants.O_WRONLY |
          constants.O_CREAT |
          constants.O_EXCL |
          constants.O_NOFOLLOW,
        (h.mode & 0o777) | 0o600,
      );
      fileTime = h.mtime;
      files.add(abs);
      result.files++;
    }
  };

  const parser = new TarParser({
    entry: h => {
      try {
        entry(h);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
          throw new UnsafeArchiveError(`'${h.path}' is in the archive twice`);
        }
        throw e;
      }
    },
    data: chunk => {
      if (fd !== null) writeSync(fd, chunk);
    },
    entryEnd: () => {
      if (fd === null) return;
      futimesSync(fd, fileTime, fileTime);
      closeSync(fd);
      fd = null;
    },
  });

  try {
    const head = Buffer.alloc(4);
    const headFd = openSync(o.file, 'r');
    try {
      readSync(headFd, head, 0, 4, 0);
    } finally {
      closeSync(headFd);
    }
    let inflated = 0;
    const maxInflated = 2 * o.limits.maxUnpackedBytes + 64 * 2 ** 20;
    // Piped by hand: pipeline() ends a zstd stream with an AbortError.
    const input = createReadStream(o.file);
    const inflate = decompressorFor(head);
    input.on('error', e => inflate.destroy(e));
    input.pipe(inflate);
    try {
      for await (const chunk of inflate as AsyncIterable<Buffer>) {
        inflated += chunk.length;
        if (inflated > maxInflated) {
          throw new UnsafeArchiveError('it inflates past its limit');
        }
        parser.write(chunk);
      }
    } finally {
      input.destroy();
      inflate.destroy();
    }
    parser.end();
    // Deepest first: restoring a directory's time after its children.
    dirTimes.sort((a, b) => b[0].length - a[0].length);
    for (const [dir, time] of dirTimes) utimesSync(dir, time, time);
  } catch (e) {
    if (fd !== null) closeSync(fd);
    for (const dir of created.reverse())
      rmSync(dir, { recursive: true, force: true });
    if (e instanceof TarError) throw new UnsafeArchiveError(e.message);
    throw e;
  }
  result.restored = [...restored];
  return result;
}
