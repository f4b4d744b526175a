import { ConflictError } from '@backstage/errors';
import { DomainRow } from './tables';
import {
  deploymentRow,
  describeEachDatabase,
  projectRow,
} from './__testUtils__/fixtures';

jest.setTimeout(120_000);

describeEachDatabase('domains and routes', ctx => {
  const domain = (hostname: string, projectId: string): DomainRow => ({
    hostname,
    project_id: projectId,
    token: 'token',
    verified_at: null,
    created_at: new Date(),
  });

  it('adds, verifies and removes domains; a taken hostname conflicts', async () => {
    const project = projectRow();
    const other = projectRow();
    await ctx.db.insertProject(project);
    await ctx.db.insertProject(other);
    await ctx.db.insertDomain(domain('b.example.com', project.id));
    await ctx.db.insertDomain(domain('a.example.com', project.id));
    await expect(
      ctx.db.insertDomain(domain('a.example.com', other.id)),
    ).rejects.toThrow(ConflictError);

    expect((await ctx.db.listDomains(project.id)).map(d => d.hostname)).toEqual(
      ['a.example.com', 'b.example.com'],
    );
    expect((await ctx.db.getDomain('a.example.com'))?.verified_at).toBeNull();
    await ctx.db.markDomainVerified('a.example.com');
    expect((await ctx.db.getDomain('a.example.com'))?.verified_at).toBeTruthy();
    await ctx.db.deleteDomain('b.example.com');
    expect(await ctx.db.getDomain('b.example.com')).toBeUndefined();
  });

  it('gives the route table ready deployments and verified domains', async () => {
    const project = projectRow();
    await ctx.db.insertProject(project);
    const ready = deploymentRow(project.id, { status: 'ready' });
    const building = deploymentRow(project.id, { status: 'building' });
    await ctx.db.insertDeployment(ready);
    await ctx.db.insertDeployment(building);
    await ctx.db.insertDomain(domain('verified.example.org', project.id));
    await ctx.db.insertDomain(domain('pending.example.org', project.id));
    await ctx.db.markDomainVerified('verified.example.org');

    const rows = await ctx.db.routeRows();
    expect(rows.projects.map(p => p.id)).toContain(project.id);
    const mine = <T extends { project_id: string }>(items: T[]) =>
      items.filter(i => i.project_id === project.id);
    expect(mine(rows.deployments)).toEqual([
      { id: ready.id, short_id: ready.short_id, project_id: project.id },
    ]);
    expect(mine(rows.domains)).toEqual([
      { hostname: 'verified.example.org', project_id: project.id },
    ]);
  });
});
