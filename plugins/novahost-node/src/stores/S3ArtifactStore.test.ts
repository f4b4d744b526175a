import { ConfigReader } from '@backstage/config';
import { createHash } from 'crypto';
import { Readable } from 'stream';
import { text } from 'stream/consumers';
import { startS3Server } from '../testUtils';
import { readS3StoreOptions } from './config';
import { S3ArtifactStore } from './S3ArtifactStore';
import { isNotFoundError } from './notFound';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('S3ArtifactStore (real S3-protocol server)', () => {
  let s3: Awaited<ReturnType<typeof startS3Server>>;
  let store: S3ArtifactStore;

  beforeAll(async () => {
    s3 = await startS3Server();
    store = new S3ArtifactStore(
      readS3StoreOptions(
        new ConfigReader({
          novahost: { store: s3.storeConfig({ prefix: 'site' }) },
        }),
      ),
    );
    // Starting s3rver can take a while on a busy machine.
  }, 30_000);
  afterAll(() => s3?.close());

  it('checks readiness with a clear error', async () => {
    await expect(store.checkReady()).resolves.toBeUndefined();
    const missing = new S3ArtifactStore(
      readS3StoreOptions(
        new ConfigReader({
          novahost: { store: s3.storeConfig({ bucket: 'no-such-bucket' }) },
        }),
      ),
    );
    await expect(missing.checkReady()).rejects.toThrow(
      /bucket 'no-such-bucket' at http:\/\/127\.0\.0\.1:\d+ is not usable.*create the bucket first/,
    );
  });

  it('hands out presigned uploads that need no credentials', async () => {
    const content = '<h1>presigned</h1>';
    const hash = sha256(content);
    expect(await store.hasBlob(hash)).toBe(false);
    const target = await store.uploadTarget(hash, content.length);
    expect(target.url).toContain('X-Amz-Signature=');
    const res = await fetch(target.url, {
      method: 'PUT',
      headers: target.headers,
      body: content,
    });
    expect(res.status).toBe(200);
    expect(await store.hasBlob(hash)).toBe(true);
    expect(await store.verifyBlob(hash)).toBe('ok');
  });

  it('detects content that does not match its hash', async () => {
    const hash = sha256('the real content');
    const target = await store.uploadTarget(hash, 'evil content!!!!'.length);
    const res = await fetch(target.url, {
      method: 'PUT',
      headers: target.headers,
      body: 'evil content!!!!',
    });
    // s3rver ignores the signed checksum header (R2 and S3 reject the PUT);
    // the backend's own verification at finalize is what catches it here.
    expect(res.status).toBe(200);
    expect(await store.verifyBlob(hash)).toBe('mismatch');
    await store.deleteBlobs([hash]);
    expect(await store.hasBlob(hash)).toBe(false);
  });

  it('stores blobs through the backend with hash checks, and manifests', async () => {
    const content = 'uploaded through the backend';
    const hash = sha256(content);
    await expect(
      store.putBlob(hash, Readable.from([Buffer.from('other')]), 100),
    ).rejects.toThrow(/hash mismatch/);
    await expect(
      store.putBlob(hash, Readable.from([Buffer.from(content)]), 5),
    ).rejects.toThrow(/exceeds the limit/);
    expect(
      await store.putBlob(hash, Readable.from([Buffer.from(content)]), 100),
    ).toBe(content.length);
    expect(await store.verifyBlob(hash)).toBe('ok');

    const manifest = {
      version: 1 as const,
      deploymentId: '0b5c7f3e-1111-4222-8333-444455556666',
      createdAt: new Date().toISOString(),
      files: { 'index.html': { hash, size: content.length } },
    };
    await store.putManifest(manifest);
    expect(await store.getManifest(manifest.deploymentId)).toEqual(manifest);
    await store.deleteManifests([manifest.deploymentId]);
    expect(await store.getManifest(manifest.deploymentId)).toBeUndefined();
  });

  it.each(['getObject', 'presignedUrl'] as const)(
    'opens blobs for reading with %s, whole or a byte range',
    async fetchMode => {
      const reader = new S3ArtifactStore({
        ...readS3StoreOptions(
          new ConfigReader({
            novahost: { store: s3.storeConfig({ prefix: 'site' }) },
          }),
        ),
        fetchMode,
      });
      const content = `read with ${fetchMode}`;
      const hash = sha256(content);
      await store.putBlob(hash, Readable.from([Buffer.from(content)]), 100);
      expect(await text(await reader.openBlob(hash))).toBe(content);
      expect(
        await text(await reader.openBlob(hash, { start: 0, end: 3 })),
      ).toBe('read');
      const missing = reader.openBlob(sha256('nothing here'));
      await expect(missing).rejects.toThrow(/No blob/);
      expect(isNotFoundError(await missing.catch(e => e))).toBe(true);
    },
  );
});
