import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { InputError, NotFoundError } from '@backstage/errors';
import {
  DeploymentManifest,
  blobKey,
  manifestKey,
} from '@internal/plugin-novahost-common';
import { createHash, randomBytes } from 'crypto';
import fs from 'fs';
import path from 'path';
import { Readable, Transform } from 'stream';
import { pipeline } from 'stream/promises';
import { readLocalStoreDirectory } from './config';
import { LocalCacheArchives } from './LocalCacheArchives';
import { isNotFoundError } from './notFound';
import type { ArtifactStore, BlobUploadTarget, ByteRange } from './types';

/**
 * Artifacts in a directory: `blobs/ab/<hash>` and `manifests/<id>.json`.
 * The backend writes it, the proxy reads it. Writes go to a temp file first
 * and are renamed into place, so readers never see partial content.
 */
export class LocalArtifactStore implements ArtifactStore {
  static fromConfig(config: Config): LocalArtifactStore {
    return new LocalArtifactStore(readLocalStoreDirectory(config));
  }

  readonly directory: string;
  readonly caches: LocalCacheArchives;

  constructor(directory: string) {
    this.directory = path.resolve(directory);
    this.caches = new LocalCacheArchives(this.directory);
  }

  private pathOf(key: string): string {
    return resolveSafeChildPath(this.directory, key);
  }

  async checkReady(): Promise<void> {
    try {
      await fs.promises.mkdir(path.join(this.directory, 'blobs'), {
        recursive: true,
      });
      await fs.promises.mkdir(path.join(this.directory, 'manifests'), {
        recursive: true,
      });
      await fs.promises.mkdir(path.join(this.directory, 'tmp'), {
        recursive: true,
      });
      await fs.promises.access(this.directory, fs.constants.W_OK);
    } catch (e) {
      throw new Error(
        `Novahost local artifact store at ${this.directory} is not writable: ${e}`,
      );
    }
  }

  async uploadTarget(
    hash: string,
    _size: number,
    uploadUrl: string,
  ): Promise<BlobUploadTarget> {
    return { hash, url: uploadUrl, method: 'PUT' };
  }

  private tmpPath(): string {
    return path.join(this.directory, 'tmp', randomBytes(12).toString('hex'));
  }

  private async writeAtomically(key: string, data: Buffer | string) {
    const target = this.pathOf(key);
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    const tmp = this.tmpPath();
    await fs.promises.writeFile(tmp, data);
    await fs.promises.rename(tmp, target);
  }

  async putBlob(
    hash: string,
    content: Readable,
    maxBytes: number,
  ): Promise<number> {
    const target = this.pathOf(blobKey(hash));
    const tmp = this.tmpPath();
    const hasher = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        size += chunk.length;
        if (size > maxBytes) {
          cb(new InputError(`Blob exceeds the limit of ${maxBytes} bytes`));
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

  async hasBlob(hash: string): Promise<boolean> {
    try {
      await fs.promises.access(this.pathOf(blobKey(hash)));
      return true;
    } catch {
      return false;
    }
  }

  openBlob(hash: string, range?: ByteRange): Promise<Readable> {
    // The proxy's hot path: a plain join, no realpath calls. blobKey only
    // accepts hex digests, so the key never leaves the directory.
    const file = path.join(this.directory, blobKey(hash));
    return new Promise((resolve, reject) => {
      const stream = fs.createReadStream(file, range);
      stream.once('open', () => resolve(stream));
      stream.once('error', error =>
        reject(
          isNotFoundError(error)
            ? new NotFoundError(`No blob ${hash}`, error)
            : error,
        ),
      );
    });
  }

  async deleteBlobs(hashes: string[]): Promise<void> {
    for (const hash of hashes) {
      await fs.promises.rm(this.pathOf(blobKey(hash)), { force: true });
    }
  }

  async putManifest(manifest: DeploymentManifest): Promise<void> {
    await this.writeAtomically(
      manifestKey(manifest.deploymentId),
      JSON.stringify(manifest),
    );
  }

  async getManifest(
    deploymentId: string,
  ): Promise<DeploymentManifest | undefined> {
    try {
      const raw = await fs.promises.readFile(
        this.pathOf(manifestKey(deploymentId)),
        'utf8',
      );
      return JSON.parse(raw);
    } catch (e) {
      if (isNotFoundError(e)) return undefined;
      throw e;
    }
  }

  async deleteManifests(deploymentIds: string[]): Promise<void> {
    for (const id of deploymentIds) {
      await fs.promises.rm(this.pathOf(manifestKey(id)), { force: true });
    }
  }
}
