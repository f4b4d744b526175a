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

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });
const user = { Authorization: mockCredentials.user.header() };

/** Builds that end badly must end: never `building` forever. */
describe.each(databases.eachSupportedId())('novahost recovery on %p', id => {
  const start = async (knex: any, timeoutSeconds: number, storeDir: string) =>
    startTestBackend({
      features: [
        novahostPlugin,
        mockServices.database.factory({ knex }),
        mockServices.rootConfig.factory({
          data: {
            novahost: {
              builds: { concurrency: 2, timeoutSeconds },
              runner: { type: 'local' },
              store: { type: 'local', local: { directory: storeDir } },
            },
          },
        }),
      ],
    });

  const waitFor = async (
    api: ReturnType<typeof request>,
    deploymentId: string,
    predicate: (d: any) => boolean,
  ) => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const res = await api
        .get(`/api/novahost/deployments/${deploymentId}`)
        .set(user);
      if (predicate(res.body)) return res.body;
      if (Date.now() > deadline) throw new Error(`still ${res.body.status}`);
      await new Promise(r => setTimeout(r, 100));
    }
  };

  it('fails a build that runs past the timeout, and one whose backend restarted', async () => {
    const knex = await databases.init(id);
    const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'novahost-rec-'));
    const slow = createSiteRepo({
      files: { 'index.html': 'x' },
      lines: 400,
      delayMs: 50,
    });

    // A 2 second build timeout against a 20 second build.
    let backend = await start(knex, 2, storeDir);
    let api = request(backend.server);
    const project = (
      await api
        .post('/api/novahost/projects')
        .set(user)
        .send({ name: 'Slow', repoUrl: slow.dir })
    ).body;
    const timedOut = (
      await api
        .post(`/api/novahost/projects/${project.id}/deployments`)
        .set(user)
        .send({})
    ).body;
    const failed = await waitFor(api, timedOut.id, d => d.status === 'failed');
    expect(failed.error).toMatch(/timed out/);
    expect(failed.finishedAt).toBeTruthy();
    await backend.stop();

    // Stopping the backend stops its local builds, and says so.
    backend = await start(knex, 60, storeDir);
    api = request(backend.server);
    const stopped = (
      await api
        .post(`/api/novahost/projects/${project.id}/deployments`)
        .set(user)
        .send({})
    ).body;
    await waitFor(api, stopped.id, d => d.status === 'building' && d.commitSha);
    await backend.stop();
    const row = await knex('novahost_deployments')
      .where({ id: stopped.id })
      .first();
    expect(row.status).toBe('failed');
    expect(row.error).toMatch(/backend stopped during the build/);

    // A crashed backend leaves a row `building` with no process behind it:
    // the next backend fails it at startup with a reason.
    await knex('novahost_deployments').where({ id: stopped.id }).update({
      status: 'building',
      error: null,
      finished_at: null,
      runner_handle: 'pid:999999',
    });
    backend = await start(knex, 60, storeDir);
    api = request(backend.server);
    const recovered = await waitFor(
      api,
      stopped.id,
      d => d.status !== 'building',
    );
    expect(recovered.status).toBe('failed');
    expect(recovered.error).toMatch(/backend restarted/);
    await backend.stop();
  });
});
