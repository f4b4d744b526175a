import type { DeploymentStatus } from '@internal/plugin-novahost-common';
import {
  deploymentRow,
  describeEachDatabase,
  projectRow,
} from './__testUtils__/fixtures';
import { DeploymentRow, ProjectRow } from './tables';

jest.setTimeout(60_000);

const BASE = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

describeEachDatabase('retention queries', ctx => {
  /** A project whose deployments are created `at` seconds after BASE. */
  const setup = async (patch: Partial<ProjectRow> = {}) => {
    const project = projectRow(patch);
    await ctx.db.insertProject(project);
    const add = async (
      at: number,
      status: DeploymentStatus,
      fields: Partial<DeploymentRow> = {},
    ) => {
      const branch = fields.branch === undefined ? 'main' : fields.branch;
      const row = deploymentRow(project.id, {
        status,
        branch,
        ref: branch ?? 'a'.repeat(40),
        target: branch === null || branch === 'main' ? 'production' : 'preview',
        created_at: new Date(BASE + at * 1000),
        ...fields,
      });
      await ctx.db.insertDeployment(row);
      return row;
    };
    return { project, add };
  };
  const sorted = (rows: DeploymentRow[]) => rows.map(r => r.id).sort();

  it('picks what is past the window of each branch: never production, routed aliases or unfinished builds', async () => {
    const { project, add } = await setup();
    // main, oldest first.
    const queued = await add(0, 'queued');
    const building = await add(1, 'building');
    const r1 = await add(2, 'ready');
    const f1 = await add(3, 'failed');
    const r2 = await add(4, 'ready');
    const c1 = await add(5, 'canceled');
    const r3 = await add(6, 'ready');
    const f2 = await add(7, 'failed');
    const r4 = await add(8, 'ready');
    // An old rollback target is production.
    await ctx.db.setProduction(project.id, r1.id);
    // A preview branch whose alias serves an old deployment.
    const pa = await add(1, 'ready', { branch: 'feat' });
    await ctx.db.aliases.point(project, pa);
    const pb = await add(2, 'ready', { branch: 'feat' });
    await add(3, 'ready', { branch: 'feat' });
    await add(4, 'ready', { branch: 'feat' });
    // Commits deployed by SHA are one group.
    const s1 = await add(1, 'ready', { branch: null });
    await add(2, 'ready', { branch: null });
    await add(3, 'ready', { branch: null });
    await add(4, 'failed', { branch: null });
    // Another project within its window.
    const other = await setup();
    await other.add(1, 'ready');
    await other.add(2, 'failed');

    // Ready: r4, r3 kept, r2 past them, r1 production. Finished: r4, f2
    // kept; c1 and f1 past the two newest. feat: pa is served by the alias.
    const expected = [f1, r2, c1, pb, s1];
    const kept = [queued, building, r1, r3, f2, r4, pa];
    // The database is shared by the suite: look at this test's rows only.
    const ours = (picked: string[]) =>
      picked.filter(id => [...expected, ...kept].some(r => r.id === id));
    const picked = await ctx.db.retention.expired(2, 100);
    expect(ours(picked).sort()).toEqual(sorted(expected));
    // Oldest first, `limit` at a time.
    expect(await ctx.db.retention.expired(2, 2)).toEqual(picked.slice(0, 2));

    // With a window of 1, r3 and f2 go too (r4 is newer).
    expect(ours(await ctx.db.retention.expired(1, 100)).sort()).toEqual(
      sorted([...expected, r3, f2]),
    );
    expect(ours(await ctx.db.retention.expired(10, 100))).toEqual([]);
  });

  it('picks previews of branches removed before the grace period ended', async () => {
    const { project, add } = await setup();
    const old1 = await add(1, 'ready', { branch: 'closed-pr', pr_number: 7 });
    const old2 = await add(2, 'failed', { branch: 'closed-pr', pr_number: 7 });
    const running = await add(3, 'building', { branch: 'closed-pr' });
    await ctx.db.aliases.point(project, old1);
    const recent = await add(1, 'ready', { branch: 'just-closed' });
    await ctx.db.aliases.point(project, recent);
    const open = await add(1, 'ready', { branch: 'open' });
    await ctx.db.aliases.point(project, open);

    const now = Date.now();
    await ctx
      .knex('novahost_aliases')
      .where({ project_id: project.id, branch: 'closed-pr' })
      .update({ removed_at: new Date(now - 48 * HOUR) });
    await ctx
      .knex('novahost_aliases')
      .where({ project_id: project.id, branch: 'just-closed' })
      .update({ removed_at: new Date(now - HOUR) });

    const picked = await ctx.db.retention.removedPreviews(
      new Date(now - 24 * HOUR),
      100,
    );
    const ours = picked.filter(id =>
      [old1, old2, running, recent, open].some(r => r.id === id),
    );
    expect(ours.sort()).toEqual(sorted([old1, old2]));
  });

  it('deletes deployments with their logs and blob references; aliases move to the newest ready one left', async () => {
    const { project, add } = await setup();
    const a = await add(1, 'ready', { branch: 'feat' });
    const b = await add(2, 'failed', { branch: 'feat' });
    const c = await add(3, 'ready', { branch: 'feat' });
    const running = await add(4, 'uploading', { branch: 'feat' });
    const prod = await add(5, 'ready');
    await ctx.db.setProduction(project.id, prod.id);
    await ctx.db.aliases.point(project, c);
    const hash = (ch: string) => ch.repeat(64);
    await ctx.db.insertBlobs([
      { hash: hash('a'), size: 1 },
      { hash: hash('c'), size: 1 },
    ]);
    for (const d of [a, b, c, running, prod]) {
      await ctx.db.appendLogs(d.id, [
        { ts: new Date(), stream: 'stdout', text: `log of ${d.id}` },
      ]);
      await ctx.db.addDeploymentBlobs(d.id, [hash('a')]);
    }
    await ctx.db.addDeploymentBlobs(c.id, [hash('c')]);
    const count = async (table: string, ids: string[]) =>
      Number(
        (
          await ctx.knex(table).whereIn('deployment_id', ids).count({ n: '*' })
        )[0].n,
      );

    // Retention keeps what a routed alias serves; production and unfinished
    // builds are never deleted.
    expect(
      await ctx.db.retention.deleteDeployments(
        [c.id, prod.id, running.id, 'nope'],
        { keepRouted: true },
      ),
    ).toEqual([]);

    // A user's delete moves the alias back to the branch's previous ready one.
    const deleted = await ctx.db.retention.deleteDeployments([c.id, b.id], {
      keepRouted: false,
    });
    expect(sorted(deleted as DeploymentRow[])).toEqual(sorted([b, c]));
    expect(await ctx.db.getDeployment(c.id)).toBeUndefined();
    expect(await count('novahost_deployment_logs', [b.id, c.id])).toBe(0);
    expect(await count('novahost_deployment_blobs', [b.id, c.id])).toBe(0);
    expect(await count('novahost_deployment_logs', [a.id, prod.id])).toBe(2);
    expect(await count('novahost_deployment_blobs', [a.id])).toBe(1);
    expect(await ctx.db.aliases.get(project.id, 'feat')).toMatchObject({
      deployment_id: a.id,
    });
    expect(
      (await ctx.db.routeRows()).aliases.find(r => r.project_id === project.id),
    ).toMatchObject({ deployment_id: a.id });

    // The last ready one: the alias serves nothing and is not routed.
    await ctx.db.retention.deleteDeployments([a.id], { keepRouted: false });
    expect(await ctx.db.aliases.get(project.id, 'feat')).toMatchObject({
      deployment_id: null,
    });
    expect(
      (await ctx.db.routeRows()).aliases.filter(
        r => r.project_id === project.id,
      ),
    ).toEqual([]);
    // The blob index is left to garbage collection (ArtifactGc).
    expect(
      await ctx.db.collectUnreferencedBlobs([hash('a'), hash('c')]),
    ).toEqual([hash('c')]);
    expect((await ctx.db.getDeployment(running.id))?.status).toBe('uploading');
    expect(
      (await ctx.db.getProject(project.id))?.production_deployment_id,
    ).toBe(prod.id);
  });
});
