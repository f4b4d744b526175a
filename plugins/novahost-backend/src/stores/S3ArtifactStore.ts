import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
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
import { Readable } from 'stream';
import { ArtifactStore, BlobUploadTarget } from './types';

export type S3StoreOptions = {
  bucket: string;
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Prepended to every key, to share a bucket. */
  prefix: string;
  /** Lifetime of presigned upload URLs. */
  presignExpirySeconds: number;
  /** Re-read each new blob at finalize and check its hash. */
  verifyUploads: boolean;
};

function isNotFound(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (
    err?.name === 'NotFound' ||
    err?.name === 'NoSuchKey' ||
    err?.$metadata?.httpStatusCode === 404
  );
}

/** Reads the `novahost.store.s3` block (also used by the proxy's reader). */
export function readS3StoreOptions(config: Config): S3StoreOptions {
  const c = config.getConfig('novahost.store.s3');
  const credentials = c.getOptionalConfig('credentials');
  const prefix = c.getOptionalString('prefix') ?? '';
  return {
    bucket: c.getString('bucket'),
    endpoint: c.getOptionalString('endpoint') || undefined,
    region: c.getOptionalString('region') ?? 'auto',
    forcePathStyle: c.getOptionalBoolean('forcePathStyle') ?? false,
    credentials: credentials
      ? {
          accessKeyId: credentials.getString('accessKeyId'),
          secretAccessKey: credentials.getString('secretAccessKey'),
        }
      : undefined,
    prefix: prefix && !prefix.endsWith('/') ? `${prefix}/` : prefix,
    presignExpirySeconds: c.getOptionalNumber('presignExpirySeconds') ?? 900,
    verifyUploads: c.getOptionalBoolean('verifyUploads') ?? true,
  };
}

/** An S3 client that works with R2, AWS S3 and S3-protocol servers alike. */
export function createS3Client(o: S3StoreOptions): S3Client {
  return new S3Client({
    endpoint: o.endpoint,
    region: o.region,
    forcePathStyle: o.forcePathStyle,
    credentials: o.credentials,
    // Only send checksums the operation requires: R2 and several S3
    // servers reject or mis-store the SDK's default streaming CRC trailers.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/**
 * Artifacts in an S3-compatible bucket (Cloudflare R2, AWS S3, any S3
 * server): the same keys as the local store. Build programs upload through
 * presigned PUT URLs that carry the blob's SHA-256, so they never hold
 * credentials and the store rejects content that does not match its key.
 */
export class S3ArtifactStore implements ArtifactStore {
  static fromConfig(config: Config, logger: LoggerService): S3ArtifactStore {
    const options = readS3StoreOptions(config);
    logger.info(
      `Novahost artifacts stored in bucket ${options.bucket}${
        options.endpoint ? ` at ${options.endpoint}` : ''
      }`,
    );
    return new S3ArtifactStore(options);
  }

  readonly client: S3Client;

  constructor(private readonly o: S3StoreOptions) {
    this.client = createS3Client(o);
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
    const checksum = Buffer.from(hash, 'hex').toString('base64');
    const command = new PutObjectCommand({
      Bucket: this.o.bucket,
      Key: this.key(blobKey(hash)),
      ContentLength: size,
      ContentType: 'application/octet-stream',
      ChecksumSHA256: checksum,
      // Create-only: a URL handed to a build can never overwrite a blob
      // that another deployment already verified and serves.
      IfNoneMatch: '*',
    });
    const url = await getSignedUrl(this.client, command, {
      expiresIn: this.o.presignExpirySeconds,
      // Signed, so the uploader must send exactly these.
      signableHeaders: new Set([
        'content-type',
        'x-amz-checksum-sha256',
        'if-none-match',
      ]),
    });
    return {
      hash,
      url,
      method: 'PUT',
      headers: {
        'content-type': 'application/octet-stream',
        'x-amz-checksum-sha256': checksum,
        'if-none-match': '*',
      },
    };
  }

  async putBlob(
    hash: string,
    content: Readable,
    maxBytes: number,
  ): Promise<number> {
    const hasher = createHash('sha256');
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of content) {
      size += chunk.length;
      if (size > maxBytes) {
        throw new InputError(`Blob exceeds the limit of ${maxBytes} bytes`);
      }
      hasher.update(chunk);
      chunks.push(chunk);
    }
    const actual = hasher.digest('hex');
    if (actual !== hash) {
      throw new InputError(
        `Content hash mismatch: expected ${hash}, received ${actual}`,
      );
    }
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.o.bucket,
        Key: this.key(blobKey(hash)),
        Body: Buffer.concat(chunks),
        ContentType: 'application/octet-stream',
      }),
    );
    return size;
  }

  async hasBlob(hash: string): Promise<boolean> {
    try {
      await this.client.send(
        new HeadObjectCommand({
          Bucket: this.o.bucket,
          Key: this.key(blobKey(hash)),
        }),
      );
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  /**
   * Whether a stored blob's content hashes to its key. Servers that ignore
   * the signed checksum header would otherwise let a build store anything
   * under any hash, poisoning every later deployment that dedupes to it.
   */
  async verifyBlob(hash: string): Promise<'ok' | 'missing' | 'mismatch'> {
    if (!this.o.verifyUploads) {
      return (await this.hasBlob(hash)) ? 'ok' : 'missing';
    }
    let res;
    try {
      res = await this.client.send(
        new GetObjectCommand({
          Bucket: this.o.bucket,
          Key: this.key(blobKey(hash)),
        }),
      );
    } catch (e) {
      if (isNotFound(e)) return 'missing';
      throw e;
    }
    const hasher = createHash('sha256');
    for await (const chunk of res.Body as Readable) hasher.update(chunk);
    return hasher.digest('hex') === hash ? 'ok' : 'mismatch';
  }

  private async deleteKeys(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const part = keys.slice(i, i + 1000);
      if (!part.length) continue;
      await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.o.bucket,
          Delete: { Objects: part.map(Key => ({ Key })), Quiet: true },
        }),
      );
    }
  }

  async deleteBlobs(hashes: string[]): Promise<void> {
    await this.deleteKeys(hashes.map(h => this.key(blobKey(h))));
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
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async deleteManifests(deploymentIds: string[]): Promise<void> {
    await this.deleteKeys(deploymentIds.map(id => this.key(manifestKey(id))));
  }
}
