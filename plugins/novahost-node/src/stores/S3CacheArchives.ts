import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Readable } from 'stream';
import { cacheArchiveKey } from './cacheArchives';
import type { S3StoreOptions } from './config';
import {
  deleteObjects,
  getObjectStream,
  objectSize,
  presignCreateOnlyPut,
  putVerifiedObject,
  type S3Bucket,
} from './s3Common';
import type {
  BlobUploadTarget,
  CacheArchiveStore,
  DownloadLocation,
} from './types';
import { ContentMeter } from './verifiedContent';

/**
 * Build cache archives in the S3/R2 bucket (`<prefix>caches/ab/<hash>`).
 * Builds get presigned URLs only: a create-only PUT signed for the
 * archive's size and sha256, a GET that expires; never a credential.
 */
export class S3CacheArchives implements CacheArchiveStore {
  private readonly s3: S3Bucket;

  constructor(
    private readonly client: S3Client,
    private readonly o: S3StoreOptions,
  ) {
    this.s3 = { client, bucket: o.bucket };
  }

  private key(hash: string) {
    return `${this.o.prefix}${cacheArchiveKey(hash)}`;
  }

  private get expiresIn() {
    return this.o.presignExpirySeconds ?? 900;
  }

  async uploadTarget(hash: string, size: number): Promise<BlobUploadTarget> {
    return presignCreateOnlyPut(
      this.s3,
      this.key(hash),
      hash,
      size,
      this.expiresIn,
    );
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
    return putVerifiedObject(
      this.s3,
      this.key(hash),
      content,
      new ContentMeter(hash, maxBytes, 'The archive'),
    );
  }

  async open(hash: string): Promise<Readable> {
    return getObjectStream(this.s3, this.key(hash), `No cache archive ${hash}`);
  }

  async size(hash: string): Promise<number | undefined> {
    return objectSize(this.s3, this.key(hash));
  }

  async delete(hashes: string[]): Promise<void> {
    await deleteObjects(
      this.s3,
      hashes.map(h => this.key(h)),
    );
  }
}
