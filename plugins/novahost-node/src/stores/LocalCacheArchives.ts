import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import fs from 'fs';
import { Readable } from 'stream';
import { cacheArchiveKey } from './cacheArchives';
import {
  openLocalFile,
  removeLocalFiles,
  writeVerifiedFile,
} from './localWrite';
import { isNotFoundError } from './notFound';
import type {
  BlobUploadTarget,
  CacheArchiveStore,
  DownloadLocation,
} from './types';
import { ContentMeter } from './verifiedContent';

/**
 * Build cache archives of the local store, under its directory
 * (`caches/ab/<hash>`). Builds read and write them through the backend's
 * endpoints, with their build token; written to a temp file, hashed, and
 * renamed into place only when the content matches its name.
 */
export class LocalCacheArchives implements CacheArchiveStore {
  constructor(private readonly directory: string) {}

  private pathOf(hash: string): string {
    return resolveSafeChildPath(this.directory, cacheArchiveKey(hash));
  }

  async uploadTarget(
    hash: string,
    _size: number,
    uploadUrl: string,
  ): Promise<BlobUploadTarget> {
    return { hash, url: uploadUrl, method: 'PUT' };
  }

  async downloadLocation(
    _hash: string,
    downloadUrl: string,
  ): Promise<DownloadLocation> {
    return { url: downloadUrl };
  }

  async put(hash: string, content: Readable, maxBytes: number) {
    return writeVerifiedFile(
      this.directory,
      this.pathOf(hash),
      content,
      new ContentMeter(hash, maxBytes, 'The archive'),
    );
  }

  open(hash: string): Promise<Readable> {
    return openLocalFile(this.pathOf(hash), `No cache archive ${hash}`);
  }

  async size(hash: string): Promise<number | undefined> {
    try {
      return (await fs.promises.stat(this.pathOf(hash))).size;
    } catch (e) {
      if (isNotFoundError(e)) return undefined;
      throw e;
    }
  }

  async delete(hashes: string[]): Promise<void> {
    await removeLocalFiles(hashes.map(hash => this.pathOf(hash)));
  }
}
