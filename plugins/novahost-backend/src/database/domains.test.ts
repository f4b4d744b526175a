import { TestDatabases } from '@backstage/backend-test-utils';
import { ConflictError } from '@backstage/errors';
import { NovahostDatabase } from './NovahostDatabase';
import { DomainRow } from './tables';
import {
  deploymentRow,
  openTestDatabase,
  projectRow,
} from './__testUtils__/fixtures';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

describe.each(databases.eachSupportedId())(
  'domains and routes on %p',
  databaseId => {
    let db: NovahostDatabase;

    beforeAll(async () => {
      db = await openTestDatabase(await databases.init(databaseId));
    });

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
      await db.insertProject(project);
      await db.insertProject(other);
      await db.insertDomain(domain('b.example.com', project.id));
      await db.insertDomain(domain('a.example.com', project.id));
      await expect(
        db.insertDomain(domain('a.example.com', other.id)),
      ).rejects.toThrow(ConflictError);

      expect((await db.listDomains(project.id)).map(d => d.hostname)).toEqual([
        'a.example.com',
        'b.example.com',
      ]);
      expect((await db.getDomain('a.example.com'))?.verified_at).toBeNull();
      await db.markDomainVerified('a.example.com');
      expect((await db.getDomain('a.example.com'))?.verified_at).toBeTruthy();
      await db.deleteDomain('b.example.com');
      expect(await db.getDomain('b.example.com')).toBeUndefined();
    });

    it('gives the route table ready deployments and verified domains', async () => {
      const project = projectRow();
      await db.insertProject(project);
      const ready = deploymentRow(project.id, { status: 'ready' });
      const building = deploymentRow(project.id, { status: 'building' });
      await db.insertDeployment(ready);
      await db.insertDeployment(building);
      await db.insertDomain(domain('verified.example.org', project.id));
      await db.insertDomain(domain('pending.example.org', project.id));
      await db.markDomainVerified('verified.example.org');

      const rows = await db.routeRows();
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
  },
);
