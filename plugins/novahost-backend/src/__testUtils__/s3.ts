import fs from 'fs';
import os from 'os';
import path from 'path';
// s3rver ships no types.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const S3rver = require('s3rver');

/**
 * A real S3-protocol server (s3rver) on a fresh port, with one bucket.
 * s3rver checks SigV4 signatures with the key pair S3RVER / S3RVER.
 */
export async function startS3Server(bucket = 'novahost') {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'novahost-s3-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    directory,
    /** The `novahost.store` config block for this server. */
    storeConfig: (extra: object = {}) => ({
      type: 's3',
      s3: {
        bucket,
        endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
        ...extra,
      },
    }),
    async close() {
      await server.close();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}
