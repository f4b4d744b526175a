import { isContentHash } from '@internal/plugin-novahost-common';

/** Store key of a build cache archive (CacheArchiveStore). */
export function cacheArchiveKey(hash: string): string {
  if (!isContentHash(hash)) throw new Error(`Invalid content hash '${hash}'`);
  return `caches/${hash.slice(0, 2)}/${hash}`;
}
