import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import {
  DeploymentManifest,
  blobKey,
  manifestKey,
} from '@internal/plugin-novahost-common';
import fs from 'fs';
import path from 'path';
import { Readable } from 'stream';
import { readLocalStoreDirectory } from './config';
import { LocalCacheArchives } from './LocalCacheArchives';
import {
  localTmpPath,
  openLocalFile,
  removeLocalFiles,
  writeVerifiedFile,
} from './localWrite';
import { isNotFoundError } from './notFound';
import type { ArtifactStore, BlobUploadTarget, ByteRange } from './types';
import { ContentMeter } from './verifiedContent';

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

  private async writeAtomically(key: string, data: Buffer | string) {
    const target = this.pathOf(key);
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    const tmp = localTmpPath(this.directory);
    await fs.promises.writeFile(tmp, data);
    await fs.promises.rename(tmp, target);
  }

  async putBlob(
    hash: string,
    content: Readable,
    maxBytes: number,
  ): Promise<number> {
    return writeVerifiedFile(
      this.directory,
      this.pathOf(blobKey(hash)),
      content,
      new ContentMeter(hash, maxBytes, 'Blob'),
    );
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
    return openLocalFile(
      path.join(this.directory, blobKey(hash)),
      `No blob ${hash}`,
      range,
    );
  }

  async deleteBlobs(hashes: string[]): Promise<void> {
    await removeLocalFiles(hashes.map(hash => this.pathOf(blobKey(hash))));
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
    await removeLocalFiles(
      deploymentIds.map(id => this.pathOf(manifestKey(id))),
    );
  }
}
