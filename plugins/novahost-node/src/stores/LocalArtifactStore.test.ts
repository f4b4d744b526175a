import { blobKey } from '@internal/plugin-novahost-common';
import { createHash } from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { Readable } from 'stream';
import { text } from 'stream/consumers';
import { LocalArtifactStore } from './LocalArtifactStore';
import { isNotFoundError } from './notFound';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('LocalArtifactStore', () => {
  let dir: string;
  let store: LocalArtifactStore;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'novahost-local-'));
    store = new LocalArtifactStore(dir);
    await store.checkReady();
  });

  it('stores a blob under its hash after verifying it', async () => {
    const hash = sha('hello');
    await expect(
      store.putBlob(hash, Readable.from([Buffer.from('hello')]), 100),
    ).resolves.toBe(5);
    expect(fs.readFileSync(path.join(dir, blobKey(hash)), 'utf8')).toBe(
      'hello',
    );
    expect(await store.hasBlob(hash)).toBe(true);
    await store.deleteBlobs([hash]);
    expect(await store.hasBlob(hash)).toBe(false);
  });

  it('rejects content that does not match its hash, leaving nothing behind', async () => {
    const hash = sha('hello');
    await expect(
      store.putBlob(hash, Readable.from([Buffer.from('HELLO')]), 100),
    ).rejects.toThrow(/hash mismatch/);
    expect(await store.hasBlob(hash)).toBe(false);
    expect(fs.readdirSync(path.join(dir, 'tmp'))).toEqual([]);
  });

  it('rejects blobs over the size limit', async () => {
    const body = 'x'.repeat(1000);
    await expect(
      store.putBlob(sha(body), Readable.from([Buffer.from(body)]), 10),
    ).rejects.toThrow(/limit/);
    expect(await store.hasBlob(sha(body))).toBe(false);
  });

  it('round-trips manifests', async () => {
    const manifest = {
      version: 1 as const,
      deploymentId: 'd-1',
      createdAt: new Date().toISOString(),
      files: { 'index.html': { hash: sha('x'), size: 1 } },
    };
    await store.putManifest(manifest);
    expect(await store.getManifest('d-1')).toEqual(manifest);
    await store.deleteManifests(['d-1']);
    expect(await store.getManifest('d-1')).toBeUndefined();
  });

  it('opens blobs for reading, whole or a byte range', async () => {
    const hash = sha('hello world');
    await store.putBlob(hash, Readable.from([Buffer.from('hello world')]), 100);
    expect(await text(await store.openBlob(hash))).toBe('hello world');
    expect(await text(await store.openBlob(hash, { start: 6, end: 10 }))).toBe(
      'world',
    );
    const missing = store.openBlob(sha('nothing'));
    await expect(missing).rejects.toThrow(/No blob/);
    expect(isNotFoundError(await missing.catch(e => e))).toBe(true);
  });

  it('keeps build cache archives verified, sized and deletable', async () => {
    const hash = sha('archive');
    const put = (body: string, max = 100) =>
      store.caches.put(hash, Readable.from([Buffer.from(body)]), max);
    await expect(put('ARCHIVE')).rejects.toThrow(/hash mismatch/);
    await expect(put('archive', 3)).rejects.toThrow(
      'The archive exceeds the limit of 3 bytes',
    );
    expect(await store.caches.size(hash)).toBeUndefined();
    expect(fs.readdirSync(path.join(dir, 'tmp'))).toEqual([]);
    await expect(put('archive')).resolves.toBe(7);
    expect(await store.caches.size(hash)).toBe(7);
    expect(await text(await store.caches.open(hash))).toBe('archive');
    await store.caches.delete([hash]);
    await expect(store.caches.open(hash)).rejects.toThrow(
      `No cache archive ${hash}`,
    );
  });

  it('reads the directory relative to the working directory', () => {
    expect(new LocalArtifactStore('x/y').directory).toBe(path.resolve('x/y'));
  });
});
