import { TestDatabases } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { startNovahostTestBackend } from './__testUtils__/backend';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

/** Builds that end badly must end: never `building` forever. */
describe.each(databases.eachSupportedId())('novahost recovery on %p', id => {
  const start = (knex: Knex, timeoutSeconds: number, storeDir: string) =>
    startNovahostTestBackend({
      knex,
      storeDir,
      novahost: {
        builds: { concurrency: 2, timeoutSeconds },
        runner: { type: 'local' },
      },
    });

  it('fails a build that runs past the timeout, and one whose backend restarted', async () => {
    const knex = await databases.init(id);
    const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'novahost-rec-'));

    // A 2 second build timeout against a 20 second build.
    let nh = await start(knex, 2, storeDir);
    const { project, deployment: timedOut } = await nh.deploySite('Slow', {
      files: { 'index.html': 'x' },
      lines: 400,
      delayMs: 50,
    });
    const failed = await nh.waitForDeployment(
      timedOut.id,
      d => d.status === 'failed',
    );
    expect(failed.error).toMatch(/timed out/);
    expect(failed.finishedAt).toBeTruthy();
    await nh.stop();

    // Stopping the backend stops its local builds, and says so.
    nh = await start(knex, 60, storeDir);
    const stopped = await nh.deploy(project.id);
    await nh.waitForDeployment(
      stopped.id,
      d => d.status === 'building' && d.commitSha,
    );
    await nh.stop();
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
    nh = await start(knex, 60, storeDir);
    const recovered = await nh.waitForDeployment(
      stopped.id,
      d => d.status !== 'building',
    );
    expect(recovered.status).toBe('failed');
    expect(recovered.error).toMatch(/backend restarted/);
    await nh.stop();
  });
});
