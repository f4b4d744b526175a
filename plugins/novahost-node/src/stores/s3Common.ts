import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { NotFoundError } from '@backstage/errors';
import { Readable } from 'stream';
import { isNotFoundError } from './notFound';
import type { BlobUploadTarget, ByteRange } from './types';
import { ContentMeter, readVerified } from './verifiedContent';

/** The object plumbing both S3 stores share: one bucket, keys given whole. */
export type S3Bucket = { client: S3Client; bucket: string };

/**
 * A presigned create-only PUT of content-addressed bytes: signed for their
 * size and SHA-256, so the uploader must send exactly these headers, the
 * server rejects other content, and the URL can never overwrite an object
 * that is already stored and verified.
 */
export async function presignCreateOnlyPut(
  s3: S3Bucket,
  key: string,
  hash: string,
  size: number,
  expiresIn: number,
): Promise<BlobUploadTarget> {
  const checksum = Buffer.from(hash, 'hex').toString('base64');
  const url = await getSignedUrl(
    s3.client,
    new PutObjectCommand({
      Bucket: s3.bucket,
      Key: key,
      ContentLength: size,
      ContentType: 'application/octet-stream',
      ChecksumSHA256: checksum,
      IfNoneMatch: '*',
    }),
    {
      expiresIn,
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

/** Stores content under `key` once it is within its limit and matches its hash; its size. */
export async function putVerifiedObject(
  s3: S3Bucket,
  key: string,
  content: Readable,
  meter: ContentMeter,
): Promise<number> {
  const body = await readVerified(content, meter);
  await s3.client.send(
    new PutObjectCommand({
      Bucket: s3.bucket,
      Key: key,
      Body: body,
      ContentType: 'application/octet-stream',
    }),
  );
  return meter.size;
}

/** An object's content (a byte range of it); a NotFoundError with `notFound` if missing. */
export async function getObjectStream(
  s3: S3Bucket,
  key: string,
  notFound: string,
  range?: ByteRange,
): Promise<Readable> {
  try {
    const res = await s3.client.send(
      new GetObjectCommand({
        Bucket: s3.bucket,
        Key: key,
        Range: range ? `bytes=${range.start}-${range.end}` : undefined,
      }),
    );
    return res.Body as Readable;
  } catch (error) {
    if (isNotFoundError(error)) {
      throw new NotFoundError(notFound, error);
    }
    throw error;
  }
}

/** An object's size, or undefined when there is none. */
export async function objectSize(
  s3: S3Bucket,
  key: string,
): Promise<number | undefined> {
  try {
    const head = await s3.client.send(
      new HeadObjectCommand({ Bucket: s3.bucket, Key: key }),
    );
    return Number(head.ContentLength ?? 0);
  } catch (e) {
    if (isNotFoundError(e)) return undefined;
    throw e;
  }
}

/** Deletes objects, a thousand keys a request (the S3 limit). */
export async function deleteObjects(
  s3: S3Bucket,
  keys: string[],
): Promise<void> {
  for (let i = 0; i < keys.length; i += 1000) {
    const part = keys.slice(i, i + 1000);
    if (!part.length) continue;
    await s3.client.send(
      new DeleteObjectsCommand({
        Bucket: s3.bucket,
        Delete: { Objects: part.map(Key => ({ Key })), Quiet: true },
      }),
    );
  }
}
