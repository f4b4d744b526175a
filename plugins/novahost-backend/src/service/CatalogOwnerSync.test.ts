import { mockServices } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  describeEachDatabase,
  projectRow,
} from '../database/__testUtils__/fixtures';
import { CatalogOwnerSync, entityOwner } from './CatalogOwnerSync';

const component = (
  name: string,
  owner: unknown,
  namespace = 'default',
): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name, namespace },
  spec: { type: 'website', owner: owner as string },
});

describe('entityOwner', () => {
  it('resolves spec.owner like the catalog: bare names are groups in the entity namespace', () => {
    expect(entityOwner(component('a', 'Team-A'))).toBe('group:default/team-a');
    expect(entityOwner(component('a', 'sre', 'ops'))).toBe('group:ops/sre');
    expect(entityOwner(component('a', 'user:alice', 'ops'))).toBe(
      'user:ops/alice',
    );
    expect(entityOwner(component('a', 'user:default/Alice'))).toBe(
      'user:default/alice',
    );
  });

  it('ignores owners that are not a group or user', () => {
    expect(entityOwner(component('a', undefined))).toBeUndefined();
    expect(entityOwner(component('a', 42))).toBeUndefined();
    expect(entityOwner(component('a', 'system:default/x'))).toBeUndefined();
  });
});

describeEachDatabase('CatalogOwnerSync', ctx => {
  const sync = (entities: Entity[]) =>
    new CatalogOwnerSync({
      db: ctx.db,
      catalog: catalogServiceMock({ entities }),
      auth: mockServices.auth(),
      logger: mockServices.logger.mock(),
    });

  it('gives linked projects the owner of their entity, and only those', async () => {
    const linked = projectRow({
      owner: 'group:default/team-a',
      entity_ref: 'component:default/site',
    });
    const unlinked = projectRow({ owner: 'group:default/team-a' });
    const gone = projectRow({
      owner: 'group:default/team-a',
      entity_ref: 'component:default/deleted',
    });
    for (const p of [linked, unlinked, gone]) await ctx.db.insertProject(p);

    // Nothing changed in the catalog: nothing to do.
    expect(await sync([component('site', 'team-a')]).sync()).toBe(0);

    // The component was handed to team-b.
    expect(await sync([component('site', 'group:default/team-b')]).sync()).toBe(
      1,
    );
    expect((await ctx.db.getProject(linked.id))?.owner).toBe(
      'group:default/team-b',
    );
    // Unlinked projects and projects whose entity is gone keep their owner.
    expect((await ctx.db.getProject(unlinked.id))?.owner).toBe(
      'group:default/team-a',
    );
    expect((await ctx.db.getProject(gone.id))?.owner).toBe(
      'group:default/team-a',
    );
  });

  it('tells the owner of one entity, for a project being created', async () => {
    const s = sync([component('site', 'team-b')]);
    expect(await s.ownerOf('component:default/site')).toBe(
      'group:default/team-b',
    );
    expect(await s.ownerOf('component:default/none')).toBeUndefined();
  });
});
