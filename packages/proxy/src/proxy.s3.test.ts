import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  blobKey,
  manifestKey,
  type RouteTable,
} from '@internal/plugin-novahost-common';
import { createS3Client } from '@internal/plugin-novahost-node';
import { startS3Server } from '@internal/plugin-novahost-node/testUtils';
import { randomUUID } from 'node:crypto';
import { project, sha256, startTestProxy, type TestProxy } from './testUtils';

// An S3 server and a proxy per mode: more than 5 s on a loaded 2-core machine.
jest.setTimeout(60_000);

/** The proxy serving from an S3-protocol server, as it does from R2 in production. */
describe.each(['getObject', 'presignedUrl'] as const)(
  'novahost proxy on the s3 store (%s)',
  fetchMode => {
    const bucket = 'novahost';
    const prefix = 'sites/';
    let s3server: Awaited<ReturnType<typeof startS3Server>>;
    let client: S3Client;
    let proxy: TestProxy;

    const deploy = async (files: Record<string, string>, skipBlob?: string) => {
      const id = randomUUID();
      const entries: Record<string, { hash: string; size: number }> = {};
      for (const [path, content] of Object.entries(files)) {
        const hash = sha256(content);
        entries[path] = { hash, size: Buffer.byteLength(content) };
        if (path === skipBlob) continue;
        await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: `${prefix}${blobKey(hash)}`,
            Body: content,
          }),
        );
      }
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: `${prefix}${manifestKey(id)}`,
          Body: JSON.stringify({
            version: 1,
            deploymentId: id,
            files: entries,
          }),
        }),
      );
      return id;
    };

    beforeAll(async () => {
      s3server = await startS3Server(bucket);
      const s3 = {
        bucket,
        endpoint: s3server.endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
        prefix,
      };
      client = createS3Client(s3);
      const site = await deploy({
        'index.html': '<h1>from s3</h1>',
        'about/index.html': '<p>about</p>',
        '404.html': 'nope',
      });
      const broken = await deploy({ 'index.html': 'lost' }, 'index.html');
      const table: RouteTable = {
        version: 1,
        generatedAt: '',
        projects: [project('s3site', site), project('broken', broken)],
      };
      proxy = await startTestProxy({
        routes: table,
        store: { type: 's3', ...s3, fetchMode },
      });
    });

    afterAll(async () => {
      await proxy?.stop();
      await s3server?.close();
    });

    it.each([
      ['/', 200, '<h1>from s3</h1>'],
      ['/about/', 200, '<p>about</p>'],
      ['/missing', 404, 'nope'],
    ])('GET s3site.localhost%s → %i', async (path, status, body) => {
      const res = await proxy.get('s3site.localhost', path);
      expect(res.status).toBe(status);
      expect(res.body).toBe(body);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    });

    it('answers 502 with the Novahost page when a blob is missing from the bucket', async () => {
      const res = await proxy.get('broken.localhost', '/');
      expect(res.status).toBe(502);
      expect(res.body).toContain('Novahost');
    });
  },
);
