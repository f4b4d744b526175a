import type { DeploymentStatus } from '@internal/plugin-novahost-common';
import { ConflictError } from '@backstage/errors';
import { migrationsDir } from './migrations';
import {
  ALIASES,
  BLOBS,
  BUILD_CACHES,
  DELIVERIES,
  ENV_VARS,
  DEPLOYMENT_BLOBS,
  DEPLOYMENTS,
  DOMAINS,
  LOCKS,
  LOGS,
  PROJECTS,
} from './tables';
import {
  deploymentRow,
  describeEachDatabase,
  projectRow,
  projectWithDeployments,
} from './__testUtils__/fixtures';

jest.setTimeout(120_000);

const TABLES = [
  PROJECTS,
  DEPLOYMENTS,
  LOGS,
  BLOBS,
  DEPLOYMENT_BLOBS,
  LOCKS,
  DOMAINS,
  ALIASES,
  DELIVERIES,
  ENV_VARS,
  BUILD_CACHES,
];

describeEachDatabase('migrations', ctx => {
  const dir = { directory: migrationsDir };

  async function existingTables() {
    const found: string[] = [];
    for (const table of TABLES) {
      if (await ctx.knex.schema.hasTable(table)) found.push(table);
    }
    return found;
  }

  it('go up to latest, all the way down and up again', async () => {
    expect(await existingTables()).toEqual(TABLES);
    expect(await ctx.knex(LOCKS).select('name')).toEqual([
      { name: 'dispatch' },
    ]);

    await ctx.knex.migrate.rollback(dir, true);
    expect(await existingTables()).toEqual([]);
    expect(await ctx.knex.migrate.currentVersion(dir)).toBe('none');

    await ctx.knex.migrate.latest(dir);
    expect(await existingTables()).toEqual(TABLES);
    expect(await ctx.knex.schema.hasColumn(DEPLOYMENTS, 'framework')).toBe(
      true,
    );
    expect(await ctx.knex.schema.hasColumn(DEPLOYMENTS, 'log_bytes')).toBe(
      true,
    );
    expect(await ctx.knex(LOCKS).select('name')).toEqual([
      { name: 'dispatch' },
    ]);
  });

  it('step down and up one migration at a time with rows in place', async () => {
    const project = projectRow();
    const deployment = deploymentRow(project.id, { framework: 'vite' });
    await ctx.db.insertProject(project);
    await ctx.db.insertDeployment(deployment);
    await ctx.db.appendLogs(deployment.id, [
      { clientSeq: 1, ts: new Date(), stream: 'stdout', text: 'hello' },
    ]);

    // The latest migration adds the build cache index.
    await ctx.knex.migrate.down(dir);
    expect(await ctx.knex.schema.hasTable(BUILD_CACHES)).toBe(false);
    expect(await ctx.knex.schema.hasColumn(DEPLOYMENTS, 'cache_key')).toBe(
      false,
    );
    // The one before adds project environment variables.
    await ctx.knex.migrate.down(dir);
    expect(await ctx.knex.schema.hasTable(ENV_VARS)).toBe(false);
    expect(await ctx.knex.schema.hasColumn(DEPLOYMENTS, 'build_cache')).toBe(
      false,
    );
    expect(await ctx.db.readLogs(deployment.id, 0, 10)).toHaveLength(1);

    // The one before adds targets, branches, aliases and deliveries.
    await ctx.knex.migrate.down(dir);
    expect(await ctx.knex.schema.hasTable(ALIASES)).toBe(false);
    expect(await ctx.knex.schema.hasColumn(DEPLOYMENTS, 'branch')).toBe(false);
    expect(await ctx.knex.schema.hasColumn(PROJECTS, 'repo_key')).toBe(false);
    expect(await ctx.db.readLogs(deployment.id, 0, 10)).toHaveLength(1);

    // The one before adds the log counters of deployments.
    expect(await ctx.db.getDeployment(deployment.id)).toMatchObject({
      log_seq: 1,
    });
    await ctx.knex.migrate.down(dir);
    expect(await ctx.knex.schema.hasColumn(DEPLOYMENTS, 'log_bytes')).toBe(
      false,
    );
    expect(await ctx.knex.schema.hasColumn(DEPLOYMENTS, 'log_truncated')).toBe(
      false,
    );
    expect(await ctx.db.readLogs(deployment.id, 0, 10)).toHaveLength(1);

    // The one before adds projects.entity_ref (and owner indexes).
    await ctx.knex.migrate.down(dir);
    expect(await ctx.knex.schema.hasColumn(PROJECTS, 'entity_ref')).toBe(false);
    // On SQLite the column is dropped by rebuilding the table: the
    // project's deployments and their logs (cascades) must survive.
    expect(await ctx.db.getDeployment(deployment.id)).toMatchObject({
      id: deployment.id,
    });
    expect(await ctx.db.readLogs(deployment.id, 0, 10)).toHaveLength(1);

    // The one before that adds deployments.framework.
    await ctx.knex.migrate.down(dir);
    expect(await ctx.knex.schema.hasColumn(DEPLOYMENTS, 'framework')).toBe(
      false,
    );
    expect(await ctx.db.getDeployment(deployment.id)).toMatchObject({
      id: deployment.id,
    });
    expect(await ctx.db.readLogs(deployment.id, 0, 10)).toHaveLength(1);

    // Free-text owners from before become entity refs, or null.
    const legacy = {
      'Team-A': 'group:default/team-a',
      'user:Alice': 'user:default/alice',
      'group:ops/SRE': 'group:ops/sre',
      'component:default/x': null,
      'two words': null,
    };
    const legacyIds: Record<string, string> = {};
    for (const [i, owner] of Object.keys(legacy).entries()) {
      const {
        entity_ref: _unused,
        repo_key: _key,
        watch_paths: _paths,
        allow_fork_previews: _forks,
        ...row
      } = projectRow({
        slug: `legacy-${i}`,
        name: `Legacy ${i}`,
      });
      await ctx.knex(PROJECTS).insert({ ...row, owner });
      legacyIds[owner] = row.id;
    }

    await ctx.knex.migrate.up(dir);
    expect(await ctx.db.getDeployment(deployment.id)).toMatchObject({
      framework: null,
    });
    await ctx.knex.migrate.up(dir);
    for (const [owner, expected] of Object.entries(legacy)) {
      expect(await ctx.db.getProject(legacyIds[owner])).toMatchObject({
        owner: expected,
        entity_ref: null,
      });
    }
    // Counters start at zero bytes, not truncated, for existing deployments.
    await ctx.knex.migrate.up(dir);
    const counted = await ctx.db.getDeployment(deployment.id);
    expect(Number(counted?.log_bytes)).toBe(0);
    expect(Boolean(counted?.log_truncated)).toBe(false);
    expect(counted?.log_seq).toBe(1);
    // Existing deployments build their ref's branch, for production.
    await ctx.knex.migrate.up(dir);
    expect(await ctx.db.getDeployment(deployment.id)).toMatchObject({
      branch: deployment.ref,
      target: 'production',
      source: 'manual',
      pr_number: null,
    });
    expect(await ctx.db.readLogs(deployment.id, 0, 10)).toHaveLength(1);
    // Existing deployments restore the build cache unless told otherwise.
    await ctx.knex.migrate.up(dir);
    expect(await ctx.db.getDeployment(deployment.id)).toMatchObject({
      build_cache: expect.anything(),
    });
    expect(
      Boolean((await ctx.db.getDeployment(deployment.id))?.build_cache),
    ).toBe(true);
    await ctx.knex.migrate.up(dir);
    expect(await ctx.db.getDeployment(deployment.id)).toMatchObject({
      cache_key: null,
    });
    const [, pending] = await ctx.knex.migrate.list(dir);
    expect(pending).toEqual([]);
  });
});

describeEachDatabase('NovahostDatabase', ctx => {
  const insertProjectWith = async (...statuses: DeploymentStatus[]) => {
    const { project, deployments } = await projectWithDeployments(
      ctx.db,
      statuses,
    );
    return { project, rows: deployments };
  };

  describe('projects', () => {
    it('inserts, reads, lists, updates and deletes', async () => {
      const owner = `user:default/${Math.random().toString(36).slice(2)}`;
      const a = projectRow({ owner, name: 'Alpha Site', slug: 'alpha-site' });
      const b = projectRow({
        owner,
        created_at: new Date(Date.now() + 1000),
      });
      await ctx.db.insertProject(a);
      await ctx.db.insertProject(b);

      expect(await ctx.db.getProject(a.id)).toMatchObject({ slug: a.slug });
      expect(await ctx.db.getProjectBySlug(b.slug)).toMatchObject({ id: b.id });
      expect(await ctx.db.slugExists(a.slug)).toBe(true);
      expect(await ctx.db.slugExists('no-such-slug')).toBe(false);

      const all = await ctx.db.listProjects({ limit: 10, offset: 0, owner });
      expect(all.total).toBe(2);
      expect(all.rows.map(r => r.id)).toEqual([b.id, a.id]);
      const page = await ctx.db.listProjects({ limit: 1, offset: 1, owner });
      expect(page).toMatchObject({ total: 2, rows: [{ id: a.id }] });
      const found = await ctx.db.listProjects({
        limit: 10,
        offset: 0,
        owner,
        search: 'ALPHA',
      });
      expect(found.rows.map(r => r.id)).toEqual([a.id]);

      await ctx.db.updateProject(a.id, { branch: 'release' });
      expect(await ctx.db.getProject(a.id)).toMatchObject({
        branch: 'release',
      });

      expect(await ctx.db.deleteProject(b.id)).toEqual([]);
      expect(await ctx.db.getProject(b.id)).toBeUndefined();
    });

    it('reports a taken name or slug as a ConflictError', async () => {
      const a = projectRow();
      await ctx.db.insertProject(a);
      await expect(
        ctx.db.insertProject(projectRow({ name: a.name })),
      ).rejects.toThrow(ConflictError);
      await expect(
        ctx.db.insertProject(projectRow({ slug: a.slug })),
      ).rejects.toThrow(ConflictError);
      const b = projectRow();
      await ctx.db.insertProject(b);
      await expect(
        ctx.db.updateProject(b.id, { name: a.name }),
      ).rejects.toThrow(ConflictError);
    });

    it('deletes a project with its deployments, logs, blob references and domains', async () => {
      const { project, rows } = await insertProjectWith('ready', 'failed');
      await ctx.db.appendLogs(rows[0].id, [
        { ts: new Date(), stream: 'stdout', text: 'x' },
      ]);
      await ctx.db.addDeploymentBlobs(rows[0].id, ['a'.repeat(64)]);
      await ctx.db.insertDomain({
        hostname: `${project.slug}.example.com`,
        project_id: project.id,
        token: 't',
        verified_at: null,
        created_at: new Date(),
      });

      const ids = await ctx.db.deleteProject(project.id);
      expect(ids.sort()).toEqual(rows.map(r => r.id).sort());
      for (const deploymentId of ids) {
        expect(await ctx.db.getDeployment(deploymentId)).toBeUndefined();
        expect(await ctx.db.readLogs(deploymentId, 0, 10)).toEqual([]);
      }
      expect(await ctx.db.blobsOfDeployments(ids)).toEqual([]);
      expect(await ctx.db.listDomains(project.id)).toEqual([]);
    });
  });

  describe('deployments', () => {
    it('lists newest first and finds the latest of each project', async () => {
      const { project, rows } = await insertProjectWith('failed', 'ready');
      const list = await ctx.db.listDeployments(project.id, {
        limit: 10,
        offset: 0,
      });
      expect(list.total).toBe(2);
      expect(list.rows.map(r => r.id)).toEqual([rows[1].id, rows[0].id]);
      const latest = await ctx.db.latestDeployments([project.id]);
      expect(latest.get(project.id)?.id).toBe(rows[1].id);
    });

    it('claims queued deployments oldest first, up to the concurrency', async () => {
      await ctx
        .knex(DEPLOYMENTS)
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

      const claimed = await ctx.db.claimQueued(3, row => ({
        runner_handle: `runner-${row.id}`,
      }));
      expect(claimed.map(r => r.id)).toEqual([q1.id, q2.id]);
      expect(claimed[0]).toMatchObject({
        status: 'building',
        runner_handle: `runner-${q1.id}`,
      });
      expect(await ctx.db.getDeployment(q2.id)).toMatchObject({
        status: 'building',
        runner_handle: `runner-${q2.id}`,
      });
      expect(await ctx.db.claimQueued(3, () => ({}))).toEqual([]);
      expect((await ctx.db.getDeployment(q3.id))?.status).toBe('queued');

      await ctx.db.transition(running.id, ['building'], { status: 'ready' });
      expect((await ctx.db.claimQueued(3, () => ({}))).map(r => r.id)).toEqual([
        q3.id,
      ]);
      expect(await ctx.db.listByStatus(['building'])).toHaveLength(3);
    });

    it('transitions only from the allowed states', async () => {
      const {
        rows: [row],
      } = await insertProjectWith('building');
      expect(
        await ctx.db.transition(row.id, ['queued'], { status: 'canceled' }),
      ).toBe(false);
      expect((await ctx.db.getDeployment(row.id))?.status).toBe('building');
      expect(
        await ctx.db.transition(row.id, ['building', 'uploading'], {
          status: 'failed',
          error: 'boom',
        }),
      ).toBe(true);
      expect(await ctx.db.getDeployment(row.id)).toMatchObject({
        status: 'failed',
        error: 'boom',
      });
      expect(
        await ctx.db.transition(row.id, ['building'], { status: 'ready' }),
      ).toBe(false);

      expect(
        await ctx.db.updateDeployment(row.id, { exit_code: 1 }, ['building']),
      ).toBe(false);
      expect(await ctx.db.updateDeployment(row.id, { exit_code: 2 })).toBe(
        true,
      );
      expect((await ctx.db.getDeployment(row.id))?.exit_code).toBe(2);
    });
  });
});
