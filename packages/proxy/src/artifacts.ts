/**
 * Read access to deployments in the artifact store. Manifests are immutable,
 * so each is read once and kept (bounded LRU); blobs are opened per request
 * by content hash, never listed. The stores themselves (local directory,
 * S3/R2) are the backend's, from @internal/plugin-novahost-node; this module
 * adds the proxy's concerns: manifest validation, `_redirects`/`_headers`
 * parsing and the ProxyError codes.
 */
import type { Readable } from 'node:stream';
import {
  isSafeManifestPath,
  type ManifestEntry,
} from '@internal/plugin-novahost-common';
import {
  isNotFoundError,
  LocalArtifactStore,
  Lru,
  S3ArtifactStore,
  type ArtifactStoreReader,
  type ByteRange,
  type S3StoreOptions,
} from '@internal/plugin-novahost-node';
import type { LoadedManifest } from './files';
import { ProxyError } from './errors';
import { parseHeaders, parseRedirects } from './rules';

export interface ArtifactReader {
  /** The manifest if it is already in memory (no promise on the hot path). */
  cachedManifest?(deploymentId: string): LoadedManifest | undefined;
  /** The deployment's manifest; throws ProxyError('manifest_missing') when it cannot be read. */
  manifest(deploymentId: string): Promise<LoadedManifest>;
  /**
   * Opens a blob for reading, optionally a byte range (inclusive). Throws
   * ProxyError('blob_missing') when the store does not have it.
   */
  openBlob(
    hash: string,
    range?: { start: number; end: number },
  ): Promise<Readable>;
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
  const createdAt = (value as { createdAt?: unknown })?.createdAt;
  const date = typeof createdAt === 'string' ? new Date(createdAt) : undefined;
  return {
    deploymentId,
    files,
    createdAt: date && !Number.isNaN(date.getTime()) ? date : undefined,
  };
}

/** Largest `_redirects` / `_headers` file read. */
const MAX_RULES_FILE = 256 * 1024;

/** Reads a whole stream into memory (callers bound the size). */
export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Caches immutable manifests (bounded) and collapses concurrent reads of the
 * same one; the store only fetches them.
 */
class CachingReader implements ArtifactReader {
  private readonly manifests: Lru<string, LoadedManifest>;
  private readonly loading = new Map<string, Promise<LoadedManifest>>();

  constructor(
    private readonly store: ArtifactStoreReader,
    options: { manifestCacheSize?: number } = {},
  ) {
    this.manifests = new Lru(options.manifestCacheSize ?? 1000);
  }

  async openBlob(hash: string, range?: ByteRange): Promise<Readable> {
    try {
      return await this.store.openBlob(hash, range);
    } catch (error) {
      if (isNotFoundError(error)) {
        throw new ProxyError('blob_missing', String(error), { cause: error });
      }
      throw error;
    }
  }

  cachedManifest(deploymentId: string): LoadedManifest | undefined {
    return this.manifests.get(deploymentId);
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
      const stored = await this.store.getManifest(deploymentId);
      if (!stored) throw new Error(`no manifest for ${deploymentId}`);
      const manifest = loadManifest(deploymentId, stored);
      // Parsed once per deployment, with the manifest.
      const rulesText = async (name: string) => {
        const entry = manifest.files.get(name);
        if (!entry || entry.size > MAX_RULES_FILE) return undefined;
        return (await readAll(await this.openBlob(entry.hash))).toString(
          'utf8',
        );
      };
      const redirects = await rulesText('_redirects');
      if (redirects !== undefined) {
        manifest.redirects = parseRedirects(redirects).rules;
      }
      const headers = await rulesText('_headers');
      if (headers !== undefined) manifest.headers = parseHeaders(headers).rules;
      this.manifests.set(deploymentId, manifest);
      return manifest;
    } catch (error) {
      throw new ProxyError('manifest_missing', String(error), { cause: error });
    }
  }
}

/** The local store's directory, as the backend writes it. */
export class LocalArtifactReader extends CachingReader {
  readonly directory: string;

  constructor(directory: string, options: { manifestCacheSize?: number } = {}) {
    const store = new LocalArtifactStore(directory);
    super(store, options);
    this.directory = store.directory;
  }
}

/**
 * Reads deployments from an S3-compatible bucket (R2 in production), with
 * `fetchMode` choosing how blobs are fetched (see S3StoreOptions).
 */
export class S3ArtifactReader extends CachingReader {
  constructor(o: S3StoreOptions, options: { manifestCacheSize?: number } = {}) {
    super(new S3ArtifactStore(o), options);
  }
}
