import {
  deploymentRow,
  describeEachDatabase,
  projectRow,
} from './__testUtils__/fixtures';

jest.setTimeout(60_000);

describeEachDatabase('branch aliases', ctx => {
  const setup = async (slug: string) => {
    const project = projectRow({ slug, name: slug });
    await ctx.db.insertProject(project);
    const deploy = async (branch: string, at: number) => {
      const row = deploymentRow(project.id, {
        branch,
        ref: branch,
        status: 'ready',
        created_at: new Date(at),
      });
      await ctx.db.insertDeployment(row);
      return row;
    };
    return { project, deploy };
  };

  it('serves the newest ready deployment of the branch, whatever order they finish in', async () => {
    const { project, deploy } = await setup('alias-order');
    const older = await deploy('feature/x', 1_000);
    const newer = await deploy('feature/x', 2_000);

    const created = await ctx.db.aliases.point(project, newer);
    expect(created).toMatchObject({
      label: 'alias-order-git-feature-x',
      deployment_id: newer.id,
    });
    // The older build finishing later does not take the alias back.
    await ctx.db.aliases.point(project, older);
    expect(await ctx.db.aliases.get(project.id, 'feature/x')).toMatchObject({
      deployment_id: newer.id,
    });
    const routes = await ctx.db.routeRows();
    expect(routes.aliases).toContainEqual({
      project_id: project.id,
      label: 'alias-order-git-feature-x',
      deployment_id: newer.id,
    });
  });

  it('stops routing a removed alias and routes it again on the next ready deployment', async () => {
    const { project, deploy } = await setup('alias-removed');
    const first = await deploy('fix', 1_000);
    await ctx.db.aliases.point(project, first);
    expect(await ctx.db.aliases.remove(project.id, 'fix')).toBe(true);
    expect(await ctx.db.aliases.remove(project.id, 'fix')).toBe(false);
    const labels = async () =>
      (await ctx.db.routeRows()).aliases.map(a => a.label);
    expect(await labels()).not.toContain('alias-removed-git-fix');

    const second = await deploy('fix', 2_000);
    await ctx.db.aliases.point(project, second);
    expect(await labels()).toContain('alias-removed-git-fix');

    await ctx.db.aliases.remove(project.id, 'fix');
    expect(await ctx.db.aliases.purgeRemoved(new Date(0))).toEqual([]);
    const purged = await ctx.db.aliases.purgeRemoved(new Date(Date.now() + 1));
    expect(purged.map(a => a.label)).toEqual(['alias-removed-git-fix']);
    expect(await ctx.db.aliases.get(project.id, 'fix')).toBeUndefined();
  });

  it('never takes a label a project slug has, and slugs never take an alias label', async () => {
    const { project, deploy } = await setup('alias-taken');
    // Another project already uses the plain label as its slug.
    await ctx.db.insertProject(
      projectRow({
        slug: 'alias-taken-git-docs',
        name: 'alias-taken-git-docs',
      }),
    );
    const alias = await ctx.db.aliases.point(project, await deploy('docs', 1));
    expect(alias.label).toMatch(/^alias-taken-git-docs-[a-z0-9]{6}$/);

    const other = await ctx.db.aliases.point(project, await deploy('api', 1));
    expect(other.label).toBe('alias-taken-git-api');
    expect(await ctx.db.slugExists('alias-taken-git-api')).toBe(true);
  });

  it('keeps the pull request comment of the branch until another pull request deploys it', async () => {
    const { project } = await setup('alias-pr');
    let at = 1_000;
    const deploy = async (pr: number | null) => {
      const row = deploymentRow(project.id, {
        branch: 'fix',
        ref: 'fix',
        status: 'ready',
        pr_number: pr,
        created_at: new Date((at += 1000)),
      });
      await ctx.db.insertDeployment(row);
      return row;
    };
    const comment = async () =>
      (await ctx.db.aliases.get(project.id, 'fix'))?.pr_comment_id;
    await ctx.db.aliases.point(project, await deploy(4));
    await ctx.db.aliases.setPullRequest(project.id, 'fix', {
      pr_comment_id: '9001',
    });
    // A push of the same pull request, and one without any, keep it.
    await ctx.db.aliases.point(project, await deploy(4));
    await ctx.db.aliases.point(project, await deploy(null));
    expect(await comment()).toBe('9001');
    // Pull request 5 of the same branch has a comment of its own.
    await ctx.db.aliases.point(project, await deploy(5));
    expect(await ctx.db.aliases.get(project.id, 'fix')).toMatchObject({
      pr_number: 5,
      pr_comment_id: null,
    });
  });

  it('deletes a project with its aliases', async () => {
    const { project, deploy } = await setup('alias-deleted');
    await ctx.db.aliases.point(project, await deploy('main', 1));
    await ctx.db.deleteProject(project.id);
    expect(await ctx.db.aliases.list(project.id)).toEqual([]);
    expect(await ctx.db.slugExists('alias-deleted-git-main')).toBe(false);
  });
});
