import { S3Client } from '@aws-sdk/client-s3';
import type http from 'http';
import type https from 'https';
import type { S3StoreOptions } from './config';

/** An S3 client that works with R2, AWS S3 and S3-protocol servers alike. */
export function createS3Client(
  o: S3StoreOptions,
  agents?: { httpAgent?: http.Agent; httpsAgent?: https.Agent },
): S3Client {
  return new S3Client({
    endpoint: o.endpoint,
    region: o.region,
    forcePathStyle: o.forcePathStyle,
    credentials: o.credentials,
    // Only send checksums the operation requires: R2 and several S3
    // servers reject or mis-store the SDK's default streaming CRC trailers.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: agents,
  });
}
