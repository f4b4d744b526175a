import {
  TestDatabases,
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import fs from 'fs';
import os from 'os';
import path from 'path';
import request from 'supertest';
import { novahostPlugin } from './plugin';
import { startDnsServer } from './__testUtils__/dns';

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });
const user = { Authorization: mockCredentials.user.header() };
const service = { Authorization: mockCredentials.service.header() };

describe.each(databases.eachSupportedId())('custom domains on %p', id => {
  let dns: Awaited<ReturnType<typeof startDnsServer>>;
  let backend: Awaited<ReturnType<typeof startTestBackend>>;

  beforeAll(async () => {
    dns = await startDnsServer();
    backend = await startTestBackend({
      features: [
        novahostPlugin,
        mockServices.database.factory({ knex: await databases.init(id) }),
        mockServices.rootConfig.factory({
          data: {
            novahost: {
              proxy: { baseDomain: 'novahost.test' },
              domains: { dnsServers: [dns.server] },
              store: {
                type: 'local',
                local: {
                  directory: fs.mkdtempSync(
                    path.join(os.tmpdir(), 'novahost-dom-'),
                  ),
                },
              },
            },
          },
        }),
      ],
    });
  });
  afterAll(async () => {
    await backend?.stop();
    await dns?.close();
  });

  it('adds a domain, verifies it by DNS TXT, routes it, and removes it', async () => {
    const api = request(backend.server);
    const project = (
      await api
        .post('/api/novahost/projects')
        .set(user)
        .send({ name: 'Shop', repoUrl: 'https://github.com/a/shop' })
    ).body;
    const other = (
      await api
        .post('/api/novahost/projects')
        .set(user)
        .send({ name: 'Other', repoUrl: 'https://github.com/a/other' })
    ).body;

    for (const [hostname, message] of [
      ['not a host', /hostname/],
      ['localhost', /hostname/],
      ['10.0.0.1', /hostname/],
      ['shop.novahost.test', /platform's own domain/],
    ]) {
      const res = await api
        .post(`/api/novahost/projects/${project.id}/domains`)
        .set(user)
        .send({ hostname });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(message);
    }

    const added = await api
      .post(`/api/novahost/projects/${project.id}/domains`)
      .set(user)
      .send({ hostname: 'WWW.Shop.Example.' });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({
      hostname: 'www.shop.example',
      verified: false,
      verification: {
        type: 'TXT',
        name: '_novahost-challenge.www.shop.example',
      },
    });
    const taken = await api
      .post(`/api/novahost/projects/${other.id}/domains`)
      .set(user)
      .send({ hostname: 'www.shop.example' });
    expect(taken.status).toBe(409);

    // Not verified: no TXT record yet, then a wrong one.
    const early = await api
      .post(
        `/api/novahost/projects/${project.id}/domains/www.shop.example/verify`,
      )
      .set(user);
    expect(early.status).toBe(409);
    expect(early.body.error.message).toMatch(
      /No TXT record _novahost-challenge\.www\.shop\.example/,
    );
    dns.txt.set('_novahost-challenge.www.shop.example', [
      'novahost-verify=wrong',
    ]);
    expect(
      (
        await api
          .post(
            `/api/novahost/projects/${project.id}/domains/www.shop.example/verify`,
          )
          .set(user)
      ).status,
    ).toBe(409);
    let routes = await api.get('/api/novahost/routes').set(service);
    expect(
      routes.body.projects.find((p: any) => p.id === project.id).domains,
    ).toEqual([]);

    // Another project cannot verify (or delete) it.
    expect(
      (
        await api
          .post(
            `/api/novahost/projects/${other.id}/domains/www.shop.example/verify`,
          )
          .set(user)
      ).status,
    ).toBe(404);

    dns.txt.set('_novahost-challenge.www.shop.example', [
      'unrelated',
      added.body.verification.value,
    ]);
    const verified = await api
      .post(
        `/api/novahost/projects/${project.id}/domains/www.shop.example/verify`,
      )
      .set(user);
    expect(verified.status).toBe(200);
    expect(verified.body.verified).toBe(true);
    routes = await api.get('/api/novahost/routes').set(service);
    expect(
      routes.body.projects.find((p: any) => p.id === project.id).domains,
    ).toEqual(['www.shop.example']);

    const list = await api
      .get(`/api/novahost/projects/${project.slug}/domains`)
      .set(user);
    expect(list.body.items.map((d: any) => [d.hostname, d.verified])).toEqual([
      ['www.shop.example', true],
    ]);

    expect(
      (
        await api
          .delete(
            `/api/novahost/projects/${project.id}/domains/www.shop.example`,
          )
          .set(user)
      ).status,
    ).toBe(204);
    routes = await api.get('/api/novahost/routes').set(service);
    expect(
      routes.body.projects.find((p: any) => p.id === project.id).domains,
    ).toEqual([]);
  });
});
