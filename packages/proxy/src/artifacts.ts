/**
 * Read access to deployments in the artifact store. Manifests are immutable,
 * so each is read once and kept (bounded LRU); blobs are opened per request
 * by content hash, never listed.
 */
import { createReadStream, promises as fs } from 'node:fs';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import {
  blobKey,
  isSafeManifestPath,
  manifestKey,
  type ManifestEntry,
} from '@internal/plugin-novahost-common';
import type { LoadedManifest } from './files';
import { ProxyError } from './errors';

export interface ArtifactReader {
  /** The deployment's manifest; throws ProxyError('manifest_missing') when it cannot be read. */
  manifest(deploymentId: string): Promise<LoadedManifest>;
  /** Opens a blob for reading, optionally a byte range (inclusive). */
  openBlob(hash: string, range?: { start: number; end: number }): Readable;
}

/** Validates a parsed manifest file and indexes it. */
export function loadManifest(
  deploymentId: string,
  value: unknown,
): LoadedManifest {
  const files = new Map<string, ManifestEntry>();
  const raw = (value as { files?: unknown })?.files;
  if (typeof raw !== 'object' || raw === null) {
    throw new Error(`manifest of ${deploymentId} has no files`);
  }
  for (const [path, entry] of Object.entries(raw)) {
    const e = entry as ManifestEntry;
    if (
      !isSafeManifestPath(path) ||
      typeof e?.hash !== 'string' ||
      !/^[a-f0-9]{64}$/.test(e.hash) ||
      typeof e.size !== 'number'
    ) {
      throw new Error(`manifest of ${deploymentId} has an invalid entry`);
    }
    files.set(path, { hash: e.hash, size: e.size });
  }
  return { deploymentId, files };
}

/** A bounded map that forgets the least recently used entry. */
export class Lru<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly max: number) {}

  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) {
      this.map.delete(this.map.keys().next().value as K);
    }
  }

  get size(): number {
    return this.map.size;
  }
}

/** The local store's directory, as the backend writes it. */
export class LocalArtifactReader implements ArtifactReader {
  private readonly manifests: Lru<string, LoadedManifest>;
  private readonly loading = new Map<string, Promise<LoadedManifest>>();
  readonly directory: string;

  constructor(directory: string, options: { manifestCacheSize?: number } = {}) {
    this.directory = resolve(directory);
    this.manifests = new Lru(options.manifestCacheSize ?? 1000);
  }

  manifest(deploymentId: string): Promise<LoadedManifest> {
    const cached = this.manifests.get(deploymentId);
    if (cached) return Promise.resolve(cached);
    let pending = this.loading.get(deploymentId);
    if (!pending) {
      pending = this.read(deploymentId).finally(() =>
        this.loading.delete(deploymentId),
      );
      this.loading.set(deploymentId, pending);
    }
    return pending;
  }

  private async read(deploymentId: string): Promise<LoadedManifest> {
    try {
      // Keys are validated (hex, uuid) so they can never leave the directory.
      const text = await fs.readFile(
        resolve(this.directory, manifestKey(deploymentId)),
        'utf8',
      );
      const manifest = loadManifest(deploymentId, JSON.parse(text));
      this.manifests.set(deploymentId, manifest);
      return manifest;
    } catch (error) {
      throw new ProxyError('manifest_missing', String(error), { cause: error });
    }
  }

  openBlob(hash: string, range?: { start: number; end: number }): Readable {
    return createReadStream(resolve(this.directory, blobKey(hash)), range);
  }
}
