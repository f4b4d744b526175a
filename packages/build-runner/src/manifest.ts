import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { join, relative, sep } from 'node:path';

export interface ManifestFile {
  /** Absolute path on disk. */
  absolute: string;
  hash: string;
  size: number;
}

/** Paths never published, wherever they are in the output. */
const IGNORED = new Set(['.git', 'node_modules', '.DS_Store']);

export interface CollectResult {
  files: Map<string, ManifestFile>;
  /** Symlinks and other non-regular files that were left out. */
  skipped: string[];
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest('hex');
}

/**
 * Walks the output directory and hashes every regular file. Symbolic links
 * are never followed: build code is untrusted, and a link to a file outside
 * the output (a secret of the machine the build ran on) must not be
 * published. Keys are POSIX paths relative to the output directory.
 */
export async function collectOutput(
  root: string,
  limits: { maxFiles?: number; maxFileBytes?: number } = {},
): Promise<CollectResult> {
  const files = new Map<string, ManifestFile>();
  const skipped: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    // Byte order, not locale order: the same output gives the same manifest.
    entries.sort((a, b) =>
      Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)),
    );
    for (const entry of entries) {
      if (IGNORED.has(entry.name)) continue;
      const absolute = join(dir, entry.name);
      const key = relative(root, absolute).split(sep).join('/');
      if (entry.isDirectory()) {
        await walk(absolute);
      } else if (entry.isFile()) {
        const stat = await fs.lstat(absolute);
        if (limits.maxFileBytes && stat.size > limits.maxFileBytes) {
          throw new Error(
            `${key} is ${stat.size} bytes, more than the limit of ${limits.maxFileBytes}`,
          );
        }
        files.set(key, {
          absolute,
          hash: await hashFile(absolute),
          size: stat.size,
        });
        if (limits.maxFiles && files.size > limits.maxFiles) {
          throw new Error(`the output has more than ${limits.maxFiles} files`);
        }
      } else {
        skipped.push(key);
      }
    }
  };
  await walk(root);
  return { files, skipped };
}

/** Runs `fn` over `items` with at most `limit` at once; rejects on the first failure. */
export async function mapLimit<T>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++];
      try {
        await fn(item);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, worker),
  );
}
