/**
 * Read access to deployments in the artifact store. Manifests are immutable,
 * so each is read once and kept (bounded LRU); blobs are opened per request
 * by content hash, never listed.
 */
import { createReadStream, promises as fs } from 'node:fs';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import http from 'node:http';
import https from 'node:https';
import {
  blobKey,
  isSafeManifestPath,
  manifestKey,
  type ManifestEntry,
} from '@internal/plugin-novahost-common';
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

/** A bounded map that forgets the least recently used entry. */
export class Lru<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly max: number) {}

  private newest: K | undefined;

  get(key: K): V | undefined {
    const value = this.map.get(key);
    // Re-insert to mark it recent, unless it already is (the hot path of
    // a busy site asks for the same key again and again).
    if (value !== undefined && key !== this.newest) {
      this.map.delete(key);
      this.map.set(key, value);
      this.newest = key;
    }
    return value;
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    this.newest = key;
    if (this.map.size > this.max) {
      this.map.delete(this.map.keys().next().value as K);
    }
  }

  get size(): number {
    return this.map.size;
  }
}

/**
 * Caches immutable manifests (bounded) and collapses concurrent reads of the
 * same one; subclasses only fetch the raw JSON.
 */
abstract class CachingReader implements ArtifactReader {
  private readonly manifests: Lru<string, LoadedManifest>;
  private readonly loading = new Map<string, Promise<LoadedManifest>>();

  constructor(options: { manifestCacheSize?: number } = {}) {
    this.manifests = new Lru(options.manifestCacheSize ?? 1000);
  }

  /** The manifest file's text (keys are validated: uuid, hex). */
  protected abstract readManifestText(key: string): Promise<string>;

  abstract openBlob(
    hash: string,
    range?: { start: number; end: number },
  ): Promise<Readable>;

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
      const text = await this.readManifestText(manifestKey(deploymentId));
      const manifest = loadManifest(deploymentId, JSON.parse(text));
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
    super(options);
    this.directory = resolve(directory);
  }

  protected readManifestText(key: string): Promise<string> {
    // Keys are validated (uuid, hex), so they never leave the directory.
    return fs.readFile(resolve(this.directory, key), 'utf8');
  }

  openBlob(
    hash: string,
    range?: { start: number; end: number },
  ): Promise<Readable> {
    return new Promise((resolvePromise, reject) => {
      const stream = createReadStream(
        resolve(this.directory, blobKey(hash)),
        range,
      );
      stream.once('open', () => resolvePromise(stream));
      stream.once('error', error =>
        reject(new ProxyError('blob_missing', String(error), { cause: error })),
      );
    });
  }
}

/** Where the S3 reader finds the bucket (the backend's `novahost.store.s3`). */
export interface S3ReaderOptions {
  bucket: string;
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  prefix: string;
  /**
   * How blobs are read: `getObject` streams the SDK's GetObject response;
   * `presignedUrl` fetches a presigned GET URL (signed once per blob and
   * reused) with a plain keep-alive HTTP client. `yarn bench:proxy-s3`
   * measures both.
   */
  fetchMode?: 'getObject' | 'presignedUrl';
}

function isNotFound(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (
    err?.name === 'NoSuchKey' ||
    err?.name === 'NotFound' ||
    err?.$metadata?.httpStatusCode === 404
  );
}

/**
 * Reads deployments from an S3-compatible bucket (R2 in production):
 * manifests once per deployment, blobs streamed with GetObject by their
 * content hash — never a listing per request.
 */
export class S3ArtifactReader extends CachingReader {
  private readonly client: S3Client;
  private readonly httpAgent = new http.Agent({
    keepAlive: true,
    maxSockets: 256,
  });
  private readonly httpsAgent = new https.Agent({
    keepAlive: true,
    maxSockets: 256,
  });
  private readonly urls = new Lru<string, { url: string; until: number }>(
    50_000,
  );

  constructor(
    private readonly o: S3ReaderOptions,
    options: { manifestCacheSize?: number } = {},
  ) {
    super(options);
    this.client = new S3Client({
      endpoint: o.endpoint,
      region: o.region,
      forcePathStyle: o.forcePathStyle,
      credentials: o.credentials,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: {
        httpAgent: this.httpAgent,
        httpsAgent: this.httpsAgent,
      },
    });
  }

  /** A presigned GET URL of a blob, signed for an hour and reused for 50 minutes. */
  private async presignedUrl(hash: string): Promise<string> {
    const cached = this.urls.get(hash);
    if (cached && cached.until > Date.now()) return cached.url;
    const url = await getSignedUrl(
      this.client,
      new GetObjectCommand({
        Bucket: this.o.bucket,
        Key: `${this.o.prefix}${blobKey(hash)}`,
      }),
      { expiresIn: 3600 },
    );
    this.urls.set(hash, { url, until: Date.now() + 50 * 60_000 });
    return url;
  }

  /** Reads a blob from its presigned URL; no visitor header is ever forwarded. */
  private async fetchPresigned(
    hash: string,
    range?: { start: number; end: number },
  ): Promise<Readable> {
    const url = await this.presignedUrl(hash);
    const secure = url.startsWith('https:');
    return new Promise((resolvePromise, reject) => {
      const req = (secure ? https : http).get(
        url,
        {
          agent: secure ? this.httpsAgent : this.httpAgent,
          headers: range ? { Range: `bytes=${range.start}-${range.end}` } : {},
        },
        res => {
          if (res.statusCode === 200 || res.statusCode === 206) {
            resolvePromise(res);
            return;
          }
          res.resume();
          if (res.statusCode === 403) this.urls.set(hash, { url, until: 0 });
          reject(
            res.statusCode === 404
              ? new ProxyError('blob_missing')
              : new Error(`the store answered ${res.statusCode}`),
          );
        },
      );
      req.on('error', reject);
    });
  }

  protected async readManifestText(key: string): Promise<string> {
    const res = await this.client.send(
      new GetObjectCommand({
        Bucket: this.o.bucket,
        Key: `${this.o.prefix}${key}`,
      }),
    );
    return res.Body!.transformToString('utf8');
  }

  async openBlob(
    hash: string,
    range?: { start: number; end: number },
  ): Promise<Readable> {
    if (this.o.fetchMode === 'presignedUrl') {
      return this.fetchPresigned(hash, range);
    }
    try {
      const res = await this.client.send(
        new GetObjectCommand({
          Bucket: this.o.bucket,
          Key: `${this.o.prefix}${blobKey(hash)}`,
          Range: range ? `bytes=${range.start}-${range.end}` : undefined,
        }),
      );
      return res.Body as Readable;
    } catch (error) {
      if (isNotFound(error)) {
        throw new ProxyError('blob_missing', String(error), { cause: error });
      }
      throw error;
    }
  }
}
