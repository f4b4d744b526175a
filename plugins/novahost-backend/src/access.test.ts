import { TestDatabases } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import {
  NovahostTestBackend,
  service,
  startNovahostTestBackend,
} from './__testUtils__/backend';
import {
  as,
  ownerPolicyFeatures,
  recordingAuditor,
} from './__testUtils__/access';
import { createSiteRepo } from './__testUtils__/repo';

const alice = as('user:default/alice');
const bob = as('user:default/bob');
const dana = as('user:default/dana');

const component = (name: string, owner: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name, namespace: 'default' },
  spec: { type: 'website', lifecycle: 'production', owner },
});

describe('ownership: who may do what to a project', () => {
  let t: NovahostTestBackend;
  let repoUrl: string;
  const audit = recordingAuditor();

  beforeAll(async () => {
    repoUrl = createSiteRepo({ files: { 'index.html': '<h1>site</h1>' } }).dir;
    t = await startNovahostTestBackend({
      features: [...ownerPolicyFeatures(), audit.factory],
      catalogEntities: [component('linked-site', 'team-b')],
    });
  });
  afterAll(() => t.stop());

  const create = (headers: Record<string, string>, body: object) =>
    t.api
      .post('/api/novahost/projects')
      .set(headers)
      .send({ repoUrl, ...body });

  it('defaults the owner to the caller, or their only group', async () => {
    const a = await create(alice, { name: 'Default Owner A' });
    expect(a.status).toBe(201);
    expect(a.body.owner).toBe('group:default/team-a');
    // dana is in two groups: the project is hers.
    const d = await create(dana, { name: 'Default Owner D' });
    expect(d.body.owner).toBe('user:default/dana');
    // A service must say who owns it.
    const s = await create(service, { name: 'Service Default' });
    expect(s.status).toBe(400);
    expect(s.body.error.message).toMatch(/owner: required/);
  });

  it('validates and normalizes owners; only owners the caller belongs to', async () => {
    const bare = await create(alice, { name: 'Bare Owner', owner: 'Team-A' });
    expect(bare.status).toBe(201);
    expect(bare.body.owner).toBe('group:default/team-a');
    const mine = await create(alice, {
      name: 'Own User',
      owner: 'user:default/alice',
    });
    expect(mine.body.owner).toBe('user:default/alice');

    const other = await create(alice, {
      name: 'Not Mine',
      owner: 'group:default/team-b',
    });
    expect(other.status).toBe(403);
    expect(other.body.error.message).toMatch(
      /may not create a project owned by group:default\/team-b/,
    );
    for (const owner of ['component:default/x', 'not a ref', 'a:b:c/d/e']) {
      const bad = await create(alice, { name: 'Bad Owner', owner });
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toMatch(/owner/);
    }
    // Services (admin tokens) may give a project to anyone.
    const bySvc = await create(service, {
      name: 'Given By Service',
      owner: 'group:default/team-b',
    });
    expect(bySvc.status).toBe(201);
  });

  it('refuses every write of another owner with the reason; owners may do all of it', async () => {
    const { body: p } = await create(alice, { name: 'Alice Site' });
    const { body: d } = await t.api
      .post(`/api/novahost/projects/${p.id}/deployments`)
      .set(alice)
      .send({});
    const writes: Array<[string, string, object?]> = [
      ['patch', `/projects/${p.id}`, { buildCommand: 'echo hacked' }],
      ['post', `/projects/${p.id}/deployments`, {}],
      ['post', `/projects/${p.id}/promote`, { deploymentId: d.id }],
      ['post', `/deployments/${d.id}/cancel`],
      ['post', `/projects/${p.id}/domains`, { hostname: 'www.example.com' }],
      ['post', `/projects/${p.id}/domains/www.example.com/verify`],
      ['delete', `/projects/${p.id}/domains/www.example.com`],
      ['delete', `/projects/${p.id}`],
    ];
    for (const [method, path, body] of writes) {
      const res = await (t.api as any)
        [method](`/api/novahost${path}`)
        .set(bob)
        .send(body);
      expect({ path, status: res.status }).toEqual({ path, status: 403 });
      expect(res.body.error.message).toMatch(
        /only the owner \(group:default\/team-a\) or a Novahost admin may/,
      );
    }
    // Reads are open to every signed-in user.
    for (const path of [
      `/projects/${p.id}`,
      `/projects/${p.id}/deployments`,
      `/deployments/${d.id}`,
    ]) {
      expect((await t.api.get(`/api/novahost${path}`).set(bob)).status).toBe(
        200,
      );
    }
    // Nothing was changed by bob.
    const after = await t.api.get(`/api/novahost/projects/${p.id}`).set(bob);
    expect(after.body.buildCommand).toBeNull();

    // The owner can.
    expect(
      (
        await t.api
          .patch(`/api/novahost/projects/${p.id}`)
          .set(alice)
          .send({ buildCommand: 'npm run build' })
      ).status,
    ).toBe(200);
    expect(
      (await t.api.post(`/api/novahost/deployments/${d.id}/cancel`).set(alice))
        .status,
    ).toBe(200);
    expect(
      (
        await t.api
          .post(`/api/novahost/projects/${p.id}/domains`)
          .set(alice)
          .send({ hostname: 'www.example.com' })
      ).status,
    ).toBe(201);
    expect(
      (await t.api.delete(`/api/novahost/projects/${p.id}`).set(alice)).status,
    ).toBe(204);
  });

  it('hands a project over only to an owner the caller also belongs to', async () => {
    const { body: p } = await create(dana, {
      name: 'Handover',
      owner: 'group:default/team-a',
    });
    const toBob = await t.api
      .patch(`/api/novahost/projects/${p.id}`)
      .set(alice)
      .send({ owner: 'group:default/team-b' });
    expect(toBob.status).toBe(403);
    const byDana = await t.api
      .patch(`/api/novahost/projects/${p.id}`)
      .set(dana)
      .send({ owner: 'group:default/team-b' });
    expect(byDana.status).toBe(200);
    expect(byDana.body.owner).toBe('group:default/team-b');
    // Now alice is no longer an owner.
    expect(
      (await t.api.delete(`/api/novahost/projects/${p.id}`).set(alice)).status,
    ).toBe(403);
  });

  it('a catalog-linked project takes its owner from the entity and refuses other owners', async () => {
    const wrong = await create(bob, {
      name: 'Linked Wrong',
      entityRef: 'component:default/linked-site',
      owner: 'user:default/bob',
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.message).toMatch(/owned by group:default\/team-b/);

    // alice may not create a project for team-b's component.
    const byAlice = await create(alice, {
      name: 'Linked By Alice',
      entityRef: 'component:default/linked-site',
    });
    expect(byAlice.status).toBe(403);

    const linked = await create(bob, {
      name: 'Linked Site',
      entityRef: 'Component:default/Linked-Site',
    });
    expect(linked.status).toBe(201);
    expect(linked.body).toMatchObject({
      owner: 'group:default/team-b',
      entityRef: 'component:default/linked-site',
    });
    const change = await t.api
      .patch(`/api/novahost/projects/${linked.body.id}`)
      .set(bob)
      .send({ owner: 'user:default/bob' });
    expect(change.status).toBe(409);
    expect(change.body.error.message).toMatch(/change spec.owner there/);
  });

  it('refuses repository URLs with credentials and never answers them', async () => {
    const res = await create(alice, {
      name: 'Creds',
      repoUrl: 'https://x-access-token:ghp_secret@github.com/acme/site.git',
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/must not contain credentials/);
    expect(JSON.stringify(res.body)).not.toContain('ghp_secret');
  });

  it('answers 413 for a body over the limit, before any work', async () => {
    const res = await create(alice, {
      name: 'Big',
      buildCommand: 'x'.repeat(300 * 1024),
    });
    expect(res.status).toBe(413);
  });

  it('checks the build token before reading an /internal body', async () => {
    const { body: p } = await create(alice, { name: 'Internal' });
    const { body: d } = await t.api
      .post(`/api/novahost/projects/${p.id}/deployments`)
      .set(alice)
      .send({});
    // Over the 16 MB limit: parsed first, this would be a 413.
    const huge = JSON.stringify({ lines: [], pad: 'x'.repeat(17 * 2 ** 20) });
    const res = await t.api
      .post(`/api/novahost/internal/builds/${d.id}/logs`)
      .set('Authorization', 'Bearer not-the-token')
      .set('Content-Type', 'application/json')
      .send(huge);
    expect(res.status).toBe(401);
  });

  it('lets only services with novahost.routes.read read the routing table', async () => {
    expect((await t.api.get('/api/novahost/routes').set(alice)).status).toBe(
      403,
    );
    expect((await t.api.get('/api/novahost/routes').set(service)).status).toBe(
      200,
    );
  });

  it('audits a deploy, a refused promote and a delete, with actor and outcome', async () => {
    const { body: p } = await create(alice, { name: 'Audited' });
    const { body: d } = await t.api
      .post(`/api/novahost/projects/${p.id}/deployments`)
      .set(alice)
      .send({});
    await t.api
      .post(`/api/novahost/projects/${p.id}/promote`)
      .set(bob)
      .send({ deploymentId: d.id });
    await t.api.delete(`/api/novahost/projects/${p.id}`).set(alice);

    const of = audit.events.filter(
      e => e.meta.id === p.id || e.meta.projectId === p.id,
    );
    expect(of).toEqual([
      expect.objectContaining({
        eventId: 'project-create',
        actor: 'user:default/alice',
        status: 'succeeded',
        meta: expect.objectContaining({
          projectId: p.id,
          owner: 'group:default/team-a',
        }),
      }),
      expect.objectContaining({
        eventId: 'deployment-create',
        actor: 'user:default/alice',
        status: 'succeeded',
        meta: expect.objectContaining({ id: p.id, deploymentId: d.id }),
      }),
      expect.objectContaining({
        eventId: 'deployment-promote',
        actor: 'user:default/bob',
        status: 'failed',
        error: expect.stringMatching(/may not promote deployments of/),
      }),
      expect.objectContaining({
        eventId: 'project-delete',
        actor: 'user:default/alice',
        status: 'succeeded',
        severityLevel: 'high',
      }),
    ]);
  });
});

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

describe.each(databases.eachSupportedId())(
  'a list filtered by the read decision, on %p',
  id => {
    let t: NovahostTestBackend;
    beforeAll(async () => {
      t = await startNovahostTestBackend({
        knex: await databases.init(id),
        features: ownerPolicyFeatures({ readResult: 'owner' }),
      });
      const repoUrl = createSiteRepo({
        files: { 'index.html': '<h1>site</h1>' },
      }).dir;
      const owners = [
        ...Array(3).fill('group:default/team-a'),
        ...Array(4).fill('group:default/team-b'),
        'user:default/alice',
      ];
      for (const [i, owner] of owners.entries()) {
        await t.api
          .post('/api/novahost/projects')
          .set(service)
          .send({ name: `listed-${i}`, repoUrl, owner })
          .expect(201);
      }
    });
    afterAll(() => t.stop());

    it('pages through what the caller may read, with the right total', async () => {
      const first = await t.api
        .get('/api/novahost/projects?limit=3')
        .set(alice);
      expect(first.body.totalCount).toBe(4);
      expect(first.body.items).toHaveLength(3);
      const second = await t.api
        .get('/api/novahost/projects?limit=3&offset=3')
        .set(alice);
      expect(second.body.items).toHaveLength(1);
      const owners = [...first.body.items, ...second.body.items].map(
        (p: any) => p.owner,
      );
      expect(owners.sort()).toEqual([
        'group:default/team-a',
        'group:default/team-a',
        'group:default/team-a',
        'user:default/alice',
      ]);

      const ofBob = await t.api.get('/api/novahost/projects?limit=2').set(bob);
      expect(ofBob.body.totalCount).toBe(4);
      expect(
        ofBob.body.items.every((p: any) => p.owner === 'group:default/team-b'),
      ).toBe(true);
      // Filters compose with the permission's: alice asking for team-b's gets none.
      const none = await t.api
        .get('/api/novahost/projects?owner=team-b')
        .set(alice);
      expect(none.body).toMatchObject({ items: [], totalCount: 0 });
      // A service (the admin token) sees all.
      const all = await t.api.get('/api/novahost/projects').set(service);
      expect(all.body.totalCount).toBe(8);
    });
  },
);
