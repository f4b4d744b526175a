import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { InputError, NotFoundError } from '@backstage/errors';
import { createHash, randomBytes } from 'crypto';
import fs from 'fs';
import path from 'path';
import { Readable, Transform } from 'stream';
import { pipeline } from 'stream/promises';
import { cacheArchiveKey } from './cacheArchives';
import { isNotFoundError } from './notFound';
import type {
  BlobUploadTarget,
  CacheArchiveStore,
  DownloadLocation,
} from './types';

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
    const target = this.pathOf(hash);
    const tmp = path.join(
      this.directory,
      'tmp',
      randomBytes(12).toString('hex'),
    );
    await fs.promises.mkdir(path.dirname(tmp), { recursive: true });
    const hasher = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        size += chunk.length;
        if (size > maxBytes) {
          cb(
            new InputError(
              `The archive exceeds the limit of ${maxBytes} bytes`,
            ),
          );
          return;
        }
        hasher.update(chunk);
        cb(null, chunk);
      },
    });
    try {
      await pipeline(content, meter, fs.createWriteStream(tmp));
      const actual = hasher.digest('hex');
      if (actual !== hash) {
        throw new InputError(
          `Content hash mismatch: expected ${hash}, received ${actual}`,
        );
      }
      await fs.promises.mkdir(path.dirname(target), { recursive: true });
      await fs.promises.rename(tmp, target);
      return size;
    } finally {
      await fs.promises.rm(tmp, { force: true });
    }
  }

  open(hash: string): Promise<Readable> {
    const file = this.pathOf(hash);
    return new Promise((resolve, reject) => {
      const stream = fs.createReadStream(file);
      stream.once('open', () => resolve(stream));
      stream.once('error', error =>
        reject(
          isNotFoundError(error)
            ? new NotFoundError(`No cache archive ${hash}`, error)
            : error,
        ),
      );
    });
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
    for (const hash of hashes) {
      await fs.promises.rm(this.pathOf(hash), { force: true });
    }
  }
}
