import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { NotFoundError } from '@backstage/errors';
import {
  GetObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  DeploymentManifest,
  blobKey,
  manifestKey,
} from '@internal/plugin-novahost-common';
import { createHash } from 'crypto';
import http from 'http';
import https from 'https';
import { Readable } from 'stream';
import { Lru } from '../lru';
import { readS3StoreOptions, type S3StoreOptions } from './config';
import { isNotFoundError } from './notFound';
import { createS3Client } from './s3Client';
import {
  deleteObjects,
  getObjectStream,
  objectSize,
  presignCreateOnlyPut,
  putVerifiedObject,
  type S3Bucket,
} from './s3Common';
import { S3CacheArchives } from './S3CacheArchives';
import type { ArtifactStore, BlobUploadTarget, ByteRange } from './types';
import { ContentMeter } from './verifiedContent';

/**
 * Artifacts in an S3-compatible bucket (Cloudflare R2, AWS S3, any S3
 * server): the same keys as the local store. Build programs upload through
 * presigned PUT URLs that carry the blob's SHA-256, so they never hold
 * credentials and the store rejects content that does not match its key.
 * The proxy reads blobs by content hash, never with a listing.
 */
export class S3ArtifactStore implements ArtifactStore {
  static fromConfig(config: Config, logger: LoggerService): S3ArtifactStore {
    const options = readS3StoreOptions(config);
    logger.info(
      `Artifacts stored in bucket ${options.bucket}${
        options.endpoint ? ` at ${options.endpoint}` : ''
      }`,
    );
    return new S3ArtifactStore(options);
  }

  readonly client: S3Client;
  readonly caches: S3CacheArchives;
  private readonly s3: S3Bucket;
  // Shared by the SDK and the presigned reads: the proxy opens many blobs
  // at once and should not pay a TCP (and TLS) handshake for each.
  private readonly httpAgent = new http.Agent({
    keepAlive: true,
    maxSockets: 256,
  });
  private readonly httpsAgent = new https.Agent({
    keepAlive: true,
    maxSockets: 256,
  });
  private readonly readUrls = new Lru<string, { url: string; until: number }>(
    50_000,
  );

  constructor(private readonly o: S3StoreOptions) {
    this.client = createS3Client(o, {
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
    });
    this.s3 = { client: this.client, bucket: o.bucket };
    this.caches = new S3CacheArchives(this.client, o);
  }

  private key(k: string): string {
    return `${this.o.prefix}${k}`;
  }

  async checkReady(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.o.bucket }));
    } catch (e) {
      const err = e as Error & { $metadata?: { httpStatusCode?: number } };
      const status = err.$metadata?.httpStatusCode;
      throw new Error(
        `Novahost S3 store: bucket '${this.o.bucket}'${
          this.o.endpoint ? ` at ${this.o.endpoint}` : ''
        } is not usable (${err.name}${status ? `, HTTP ${status}` : ''}${
          status === 403 ? ': check the credentials' : ''
        }${status === 404 ? ': create the bucket first' : ''}): ${err.message}`,
      );
    }
  }

  async uploadTarget(hash: string, size: number): Promise<BlobUploadTarget> {
    // Create-only: a URL handed to a build can never overwrite a blob
    // that another deployment already verified and serves.
    return presignCreateOnlyPut(
      this.s3,
      this.key(blobKey(hash)),
      hash,
      size,
      this.o.presignExpirySeconds ?? 900,
    );
  }

  async putBlob(
    hash: string,
    content: Readable,
    maxBytes: number,
  ): Promise<number> {
    return putVerifiedObject(
      this.s3,
      this.key(blobKey(hash)),
      content,
      new ContentMeter(hash, maxBytes, 'Blob'),
    );
  }

  async hasBlob(hash: string): Promise<boolean> {
    return (await objectSize(this.s3, this.key(blobKey(hash)))) !== undefined;
  }

  /**
   * Whether a stored blob's content hashes to its key. Servers that ignore
   * the signed checksum header would otherwise let a build store anything
   * under any hash, poisoning every later deployment that dedupes to it.
   */
  async verifyBlob(hash: string): Promise<'ok' | 'missing' | 'mismatch'> {
    if (this.o.verifyUploads === false) {
      return (await this.hasBlob(hash)) ? 'ok' : 'missing';
    }
    let body;
    try {
      body = await this.getObject(hash);
    } catch (e) {
      if (isNotFoundError(e)) return 'missing';
      throw e;
    }
    const hasher = createHash('sha256');
    for await (const chunk of body) hasher.update(chunk);
    return hasher.digest('hex') === hash ? 'ok' : 'mismatch';
  }

  openBlob(hash: string, range?: ByteRange): Promise<Readable> {
    return this.o.fetchMode === 'presignedUrl'
      ? this.fetchPresigned(hash, range)
      : this.getObject(hash, range);
  }

  private getObject(hash: string, range?: ByteRange): Promise<Readable> {
    return getObjectStream(
      this.s3,
      this.key(blobKey(hash)),
      `No blob ${hash}`,
      range,
    );
  }

  /** A presigned GET URL of a blob, signed for an hour and reused for 50 minutes. */
  private async presignedUrl(hash: string): Promise<string> {
    const cached = this.readUrls.get(hash);
    if (cached && cached.until > Date.now()) return cached.url;
    const url = await getSignedUrl(
      this.client,
      new GetObjectCommand({
        Bucket: this.o.bucket,
        Key: this.key(blobKey(hash)),
      }),
      { expiresIn: 3600 },
    );
    this.readUrls.set(hash, { url, until: Date.now() + 50 * 60_000 });
    return url;
  }

  /** Reads a blob from its presigned URL; no visitor header is ever forwarded. */
  private async fetchPresigned(
    hash: string,
    range?: ByteRange,
  ): Promise<Readable> {
    const url = await this.presignedUrl(hash);
    const secure = url.startsWith('https:');
    return new Promise((resolve, reject) => {
      const req = (secure ? https : http).get(
        url,
        {
          agent: secure ? this.httpsAgent : this.httpAgent,
          headers: range ? { Range: `bytes=${range.start}-${range.end}` } : {},
        },
        res => {
          if (res.statusCode === 200 || res.statusCode === 206) {
            resolve(res);
            return;
          }
          res.resume();
          if (res.statusCode === 403) {
            this.readUrls.set(hash, { url, until: 0 });
          }
          reject(
            res.statusCode === 404
              ? new NotFoundError(`No blob ${hash}`)
              : new Error(`the store answered ${res.statusCode}`),
          );
        },
      );
      req.on('error', reject);
    });
  }

  async deleteBlobs(hashes: string[]): Promise<void> {
    await deleteObjects(
      this.s3,
      hashes.map(h => this.key(blobKey(h))),
    );
  }

  async putManifest(manifest: DeploymentManifest): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.o.bucket,
        Key: this.key(manifestKey(manifest.deploymentId)),
        Body: JSON.stringify(manifest),
        ContentType: 'application/json',
      }),
    );
  }

  async getManifest(
    deploymentId: string,
  ): Promise<DeploymentManifest | undefined> {
    try {
      const res = await this.client.send(
        new GetObjectCommand({
          Bucket: this.o.bucket,
          Key: this.key(manifestKey(deploymentId)),
        }),
      );
      return JSON.parse(await res.Body!.transformToString('utf8'));
    } catch (e) {
      if (isNotFoundError(e)) return undefined;
      throw e;
    }
  }

  async deleteManifests(deploymentIds: string[]): Promise<void> {
    await deleteObjects(
      this.s3,
      deploymentIds.map(id => this.key(manifestKey(id))),
    );
  }
}
