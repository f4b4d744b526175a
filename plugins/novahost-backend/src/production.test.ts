import { TestDatabases } from '@backstage/backend-test-utils';
import { blobKey } from '@internal/plugin-novahost-common';
import { createHash } from 'crypto';
import fs from 'fs';
import path from 'path';
import {
  NovahostTestBackend,
  REDIS_URL,
  startNovahostTestBackend,
  user,
} from './__testUtils__/backend';
import { startS3Server } from './__testUtils__/s3';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15'] });
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * The production stores with a local build: Postgres, Redis pub/sub and an
 * S3-protocol server. The build program uploads straight to the bucket
 * through presigned URLs; the backend never proxies the bytes.
 */
describe.each(databases.eachSupportedId())(
  'novahost with s3 + redis on %p',
  id => {
    let s3: Awaited<ReturnType<typeof startS3Server>>;
    let nh: NovahostTestBackend;

    beforeAll(async () => {
      s3 = await startS3Server();
      nh = await startNovahostTestBackend({
        knex: await databases.init(id),
        novahost: {
          builds: { concurrency: 2, timeoutSeconds: 60 },
          runner: { type: 'local' },
          store: s3.storeConfig(),
          bus: { type: 'redis', redis: { url: REDIS_URL } },
        },
      });
    });
    afterAll(async () => {
      await nh?.stop();
      await s3?.close();
    });

    it('builds into the bucket, dedupes by hash, and deletes what nothing uses', async () => {
      const { repo, project } = await nh.createSiteProject('S3 Site', {
        files: { 'index.html': '<h1>s3 v1</h1>', 'app.js': 'same' },
      });

      const deploy = async () => {
        const d = await nh.deploy(project.id);
        const events = await nh.logs(d.id);
        expect(events[events.length - 1].data).toEqual({
          status: 'ready',
          error: null,
        });
        return nh.getDeployment(d.id);
      };

      const first = await deploy();
      expect(first.stats).toMatchObject({ files: 2, newBlobs: 2 });
      const objectPath = (hash: string) =>
        path.join(s3.directory, s3.bucket, `${blobKey(hash)}._S3rver_object`);
      expect(
        fs.readFileSync(objectPath(sha256('<h1>s3 v1</h1>')), 'utf8'),
      ).toBe('<h1>s3 v1</h1>');

      repo.commit({ 'index.html': '<h1>s3 v2</h1>', 'app.js': 'same' });
      const second = await deploy();
      expect(second.stats).toMatchObject({ files: 2, newBlobs: 1 });
      expect(second.isProduction).toBe(true);

      expect(
        (await nh.api.delete(`/api/novahost/projects/${project.id}`).set(user))
          .status,
      ).toBe(204);
      expect(fs.existsSync(objectPath(sha256('<h1>s3 v1</h1>')))).toBe(false);
      expect(fs.existsSync(objectPath(sha256('same')))).toBe(false);
    });
  },
);
