import { Knex } from 'knex';
import { NovahostDatabase } from './NovahostDatabase';
import { PROJECTS } from './tables';
import {
  deploymentRow,
  describeEachDatabase,
  projectWithDeployments,
} from './__testUtils__/fixtures';

jest.setTimeout(120_000);

async function production(knex: Knex, projectId: string) {
  const row = await knex(PROJECTS)
    .where({ id: projectId })
    .first('production_deployment_id');
  return row?.production_deployment_id ?? null;
}

/** Starts promotions `gapMs` apart without waiting for one another. */
function promoteTogether(
  db: NovahostDatabase,
  projectId: string,
  deploymentIds: string[],
  gapMs: number,
) {
  return Promise.all(
    deploymentIds.map((deploymentId, i) =>
      new Promise(r => setTimeout(r, i * gapMs)).then(() =>
        db.promoteIfNewer(projectId, deploymentId),
      ),
    ),
  );
}

describeEachDatabase('promoteIfNewer', ctx => {
  const ready = (n: number) => projectWithDeployments(ctx.db, n);

  it('promotes when there is no production', async () => {
    const { project, deployments } = await ready(1);
    expect(await ctx.db.promoteIfNewer(project.id, deployments[0].id)).toBe(
      true,
    );
    expect(await production(ctx.knex, project.id)).toBe(deployments[0].id);
  });

  it('replaces an older production and keeps a newer one', async () => {
    const { project, deployments } = await ready(3);
    const [oldest, middle, newest] = deployments;
    const promote = (id: string) => ctx.db.promoteIfNewer(project.id, id);
    expect(await promote(middle.id)).toBe(true);
    expect(await promote(oldest.id)).toBe(false);
    expect(await production(ctx.knex, project.id)).toBe(middle.id);
    expect(await promote(newest.id)).toBe(true);
    expect(await promote(middle.id)).toBe(false);
    expect(await production(ctx.knex, project.id)).toBe(newest.id);
    // Promoting production again is a no-op that still reports it production.
    expect(await promote(newest.id)).toBe(true);
  });

  it('breaks a created_at tie by id', async () => {
    const { project } = await ready(0);
    const at = new Date(Date.UTC(2026, 1, 1));
    const [low, high] = [
      deploymentRow(project.id, { status: 'ready', created_at: at }),
      deploymentRow(project.id, { status: 'ready', created_at: at }),
    ].sort((a, b) => (a.id < b.id ? -1 : 1));
    await ctx.db.insertDeployment(low);
    await ctx.db.insertDeployment(high);
    expect(await ctx.db.promoteIfNewer(project.id, high.id)).toBe(true);
    expect(await ctx.db.promoteIfNewer(project.id, low.id)).toBe(false);
    expect(await production(ctx.knex, project.id)).toBe(high.id);
  });

  it('replaces a production whose deployment is gone', async () => {
    const { project, deployments } = await ready(1);
    await ctx.db.setProduction(
      project.id,
      'f0000000-0000-0000-0000-000000000000',
    );
    expect(await ctx.db.promoteIfNewer(project.id, deployments[0].id)).toBe(
      true,
    );
    expect(await production(ctx.knex, project.id)).toBe(deployments[0].id);
  });

  it('refuses a deployment of another project', async () => {
    const a = await ready(1);
    const b = await ready(1);
    expect(await ctx.db.promoteIfNewer(a.project.id, b.deployments[0].id)).toBe(
      false,
    );
    expect(await production(ctx.knex, a.project.id)).toBeNull();
  });

  it('leaves explicit promotion and rollback unconditional', async () => {
    const { project, deployments } = await ready(2);
    await ctx.db.setProduction(project.id, deployments[1].id);
    await ctx.db.setProduction(project.id, deployments[0].id);
    expect(await production(ctx.knex, project.id)).toBe(deployments[0].id);
  });

  it('keeps the newer of two promotions started together', async () => {
    for (let round = 0; round < 8; round++) {
      const { project, deployments } = await ready(3);
      const [oldest, older, newer] = deployments;
      if (round % 2) await ctx.db.setProduction(project.id, oldest.id);
      const order = round % 4 < 2 ? [older, newer] : [newer, older];
      const ids = order.map(d => d.id);
      await promoteTogether(ctx.db, project.id, ids, round % 3);
      expect(await production(ctx.knex, project.id)).toBe(newer.id);
    }
  });
});

/**
 * Two replicas finalizing two builds of one project: whatever the order in
 * which their statements reach the project row, the newer build ends up in
 * production. Postgres only: SQLite has a single writer, so there is no
 * interleaving to force.
 */
describeEachDatabase(
  'promotion race',
  ctx => {
    /** Resolves once `n` sessions of this database wait for a lock. */
    async function lockWaiters(n: number) {
      for (let i = 0; i < 1000; i++) {
        const { rows } = await ctx.knex.raw(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        if (rows[0].n >= n) return;
        await new Promise(r => setTimeout(r, 10));
      }
      throw new Error(`Expected ${n} sessions waiting for a lock`);
    }

    const cases = [
      { first: 'newer', initial: 'none' },
      { first: 'newer', initial: 'oldest' },
      { first: 'older', initial: 'none' },
      { first: 'older', initial: 'oldest' },
    ] as const;

    it.each(cases)(
      'both read production before either writes ($first queued first, production: $initial)',
      async ({ first, initial }) => {
        const { project, deployments } = await projectWithDeployments(
          ctx.db,
          3,
        );
        const [oldest, older, newer] = deployments;
        if (initial === 'oldest') {
          await ctx.db.setProduction(project.id, oldest.id);
        }
        // A third session holds the project row, so both promotions get past
        // any read and queue on the row in a known order.
        const blocker = await ctx.knex.transaction();
        await blocker(PROJECTS).where({ id: project.id }).forUpdate().first();
        const [a, b] = first === 'newer' ? [newer, older] : [older, newer];
        const pa = ctx.db.promoteIfNewer(project.id, a.id);
        await lockWaiters(1);
        const pb = ctx.db.promoteIfNewer(project.id, b.id);
        await lockWaiters(2);
        await blocker.commit();
        const results = await Promise.all([pa, pb]);
        expect(await production(ctx.knex, project.id)).toBe(newer.id);
        expect(results).toEqual(
          first === 'newer' ? [true, false] : [true, true],
        );
      },
    );

    it.each(['newer', 'older'] as const)(
      'the %s build commits while the other waits on its row',
      async holder => {
        const { project, deployments } = await projectWithDeployments(
          ctx.db,
          2,
        );
        const [older, newer] = deployments;
        const [held, waiting] =
          holder === 'newer' ? [newer, older] : [older, newer];
        const tx = await ctx.knex.transaction();
        expect(
          await new NovahostDatabase(tx).promoteIfNewer(project.id, held.id),
        ).toBe(true);
        const pending = ctx.db.promoteIfNewer(project.id, waiting.id);
        await lockWaiters(1);
        // Let the waiting statement sit on the lock a while before the commit.
        await tx.raw('SELECT pg_sleep(0.2)');
        await tx.commit();
        expect(await pending).toBe(holder === 'older');
        expect(await production(ctx.knex, project.id)).toBe(newer.id);
      },
    );
  },
  ['POSTGRES_15'],
);
