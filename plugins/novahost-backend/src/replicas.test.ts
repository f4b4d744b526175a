import {
  TestDatabases,
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import fs from 'fs';
import os from 'os';
import path from 'path';
import request from 'supertest';
import { novahostPlugin } from './plugin';
import { createSiteRepo } from './__testUtils__/repo';
import { readEvents } from './__testUtils__/sse';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15'] });
const user = { Authorization: mockCredentials.user.header() };
const service = { Authorization: mockCredentials.service.header() };
const REDIS_URL =
  process.env.BACKSTAGE_TEST_CACHE_REDIS7_CONNECTION_STRING ??
  'redis://127.0.0.1:6379';

/** Two backend replicas on one Postgres and one Redis. */
describe.each(databases.eachSupportedId())('two replicas on %p', id => {
  type Backend = Awaited<ReturnType<typeof startTestBackend>>;
  let a: Backend;
  let b: Backend;
  const url = (backend: Backend, p: string) =>
    `http://127.0.0.1:${
      (backend.server.address() as { port: number }).port
    }/api/novahost${p}`;

  beforeAll(async () => {
    const knex = await databases.init(id);
    const storeDir = fs.mkdtempSync(
      path.join(os.tmpdir(), 'novahost-replicas-'),
    );
    const start = () =>
      startTestBackend({
        features: [
          novahostPlugin,
          mockServices.database.factory({ knex }),
          mockServices.rootConfig.factory({
            data: {
              novahost: {
                builds: { concurrency: 1, timeoutSeconds: 60 },
                runner: { type: 'local' },
                store: { type: 'local', local: { directory: storeDir } },
                bus: { type: 'redis', redis: { url: REDIS_URL } },
              },
            },
          }),
        ],
      });
    a = await start();
    b = await start();
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  it('holds the concurrency limit across replicas and fans logs and routes out through Redis', async () => {
    const apiA = request(a.server);
    const apiB = request(b.server);
    const repo = createSiteRepo({
      files: { 'index.html': 'r' },
      lines: 30,
      delayMs: 30,
    });
    const project = (
      await apiA
        .post('/api/novahost/projects')
        .set(user)
        .send({ name: 'Replicated', repoUrl: repo.dir })
    ).body;

    // B's route stream, to see A's changes.
    const routeEvents = readEvents(url(b, '/routes/events'), service, {
      until: (_e, all) =>
        all.some(x =>
          x.data.projects?.some(
            (p: any) => p.id === project.id && p.productionDeploymentId,
          ),
        ),
      timeoutMs: 60_000,
    });

    // Deployments created on both replicas at once: one builds at a time.
    const created = await Promise.all([
      apiA
        .post(`/api/novahost/projects/${project.id}/deployments`)
        .set(user)
        .send({}),
      apiB
        .post(`/api/novahost/projects/${project.id}/deployments`)
        .set(user)
        .send({}),
      apiA
        .post(`/api/novahost/projects/${project.id}/deployments`)
        .set(user)
        .send({}),
    ]);
    const ids = created.map(r => r.body.id as string);
    let maxRunning = 0;
    let final: string[] = [];
    const statuses = async () =>
      Promise.all(
        ids.map(
          async (d, i) =>
            (
              await (i % 2 ? apiA : apiB)
                .get(`/api/novahost/deployments/${d}`)
                .set(user)
            ).body.status,
        ),
      );
    for (;;) {
      const now = await statuses();
      maxRunning = Math.max(
        maxRunning,
        now.filter(s => s === 'building' || s === 'uploading').length,
      );
      if (now.every(s => s === 'ready' || s === 'failed')) {
        final = now;
        break;
      }
      await new Promise(r => setTimeout(r, 50));
    }
    expect(final).toEqual(['ready', 'ready', 'ready']);
    expect(maxRunning).toBe(1);

    // Every log line, on either replica, whichever built it.
    for (const d of ids) {
      const [onA, onB] = await Promise.all(
        [a, b].map(backend =>
          readEvents(url(backend, `/deployments/${d}/logs`), user, {
            until: e => e.event === 'finish',
          }),
        ),
      );
      const lines = (events: typeof onA) =>
        events
          .filter(e => e.event === 'log')
          .map(e => `${e.data.seq}:${e.data.text}`);
      expect(lines(onB)).toEqual(lines(onA));
      expect(lines(onB).filter(l => /build line/.test(l))).toHaveLength(30);
    }

    const seen = await routeEvents;
    expect(seen.length).toBeGreaterThan(1);
  });
});
