import fs from 'fs';
import os from 'os';
import path from 'path';

/**
 * A real S3-protocol server (s3rver) on a fresh port, with one bucket.
 * s3rver checks SigV4 signatures with the key pair S3RVER / S3RVER.
 * s3rver is a devDependency of every package that calls this: it is loaded
 * here, when a test starts a server, and never in production.
 */
export async function startS3Server(bucket = 'novahost') {
  // s3rver ships no types.
  // eslint-disable-next-line @typescript-eslint/no-var-requires, @backstage/no-undeclared-imports
  const S3rver = require('s3rver');
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
