import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { InputError, NotFoundError } from '@backstage/errors';
import { createHash } from 'crypto';
import { Readable } from 'stream';
import { cacheArchiveKey } from './cacheArchives';
import type { S3StoreOptions } from './config';
import { isNotFoundError } from './notFound';
import type {
  BlobUploadTarget,
  CacheArchiveStore,
  DownloadLocation,
} from './types';

/**
 * Build cache archives in the S3/R2 bucket (`<prefix>caches/ab/<hash>`).
 * Builds get presigned URLs only: a create-only PUT signed for the
 * archive's size and sha256, a GET that expires; never a credential.
 */
export class S3CacheArchives implements CacheArchiveStore {
  constructor(
    private readonly client: S3Client,
    private readonly o: S3StoreOptions,
  ) {}

  private key(hash: string) {
    return `${this.o.prefix}${cacheArchiveKey(hash)}`;
  }

  private get expiresIn() {
    return this.o.presignExpirySeconds ?? 900;
  }

  async uploadTarget(hash: string, size: number): Promise<BlobUploadTarget> {
    const checksum = Buffer.from(hash, 'hex').toString('base64');
    const url = await getSignedUrl(
      this.client,
      new PutObjectCommand({
        Bucket: this.o.bucket,
        Key: this.key(hash),
        ContentLength: size,
        ContentType: 'application/octet-stream',
        ChecksumSHA256: checksum,
        IfNoneMatch: '*',
      }),
      {
        expiresIn: this.expiresIn,
        signableHeaders: new Set([
          'content-type',
          'x-amz-checksum-sha256',
          'if-none-match',
        ]),
      },
    );
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

  async downloadLocation(hash: string): Promise<DownloadLocation> {
    const url = await getSignedUrl(
      this.client,
      new GetObjectCommand({ Bucket: this.o.bucket, Key: this.key(hash) }),
      { expiresIn: this.expiresIn },
    );
    return { url };
  }

  async put(hash: string, content: Readable, maxBytes: number) {
    const hasher = createHash('sha256');
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of content) {
      size += chunk.length;
      if (size > maxBytes) {
        throw new InputError(
          `The archive exceeds the limit of ${maxBytes} bytes`,
        );
      }
      hasher.update(chunk);
      chunks.push(chunk);
    }
    if (hasher.digest('hex') !== hash) {
      throw new InputError(`Content hash mismatch: expected ${hash}`);
    }
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.o.bucket,
        Key: this.key(hash),
        Body: Buffer.concat(chunks),
        ContentType: 'application/octet-stream',
      }),
    );
    return size;
  }

  async open(hash: string): Promise<Readable> {
    try {
      const res = await this.client.send(
        new GetObjectCommand({ Bucket: this.o.bucket, Key: this.key(hash) }),
      );
      return res.Body as Readable;
    } catch (e) {
      if (isNotFoundError(e)) {
        throw new NotFoundError(`No cache archive ${hash}`, e);
      }
      throw e;
    }
  }

  async size(hash: string): Promise<number | undefined> {
    try {
      const head = await this.client.send(
        new HeadObjectCommand({ Bucket: this.o.bucket, Key: this.key(hash) }),
      );
      return Number(head.ContentLength ?? 0);
    } catch (e) {
      if (isNotFoundError(e)) return undefined;
      throw e;
    }
  }

  async delete(hashes: string[]): Promise<void> {
    for (let i = 0; i < hashes.length; i += 1000) {
      const part = hashes.slice(i, i + 1000);
      if (!part.length) continue;
      await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.o.bucket,
          Delete: {
            Objects: part.map(h => ({ Key: this.key(h) })),
            Quiet: true,
          },
        }),
      );
    }
  }
}
