import { TestDatabases } from '@backstage/backend-test-utils';
import {
  NovahostTestBackend,
  service,
  startNovahostTestBackend,
  user,
} from './__testUtils__/backend';
import { startDnsServer } from './__testUtils__/dns';

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

describe.each(databases.eachSupportedId())('custom domains on %p', id => {
  let dns: Awaited<ReturnType<typeof startDnsServer>>;
  let nh: NovahostTestBackend;

  beforeAll(async () => {
    dns = await startDnsServer();
    nh = await startNovahostTestBackend({
      knex: await databases.init(id),
      novahost: {
        proxy: { baseDomain: 'novahost.test' },
        domains: { dnsServers: [dns.server] },
      },
    });
  });
  afterAll(async () => {
    await nh?.stop();
    await dns?.close();
  });

  it('adds a domain, verifies it by DNS TXT, routes it, and removes it', async () => {
    const api = nh.api;
    const project = await nh.createProject({
      name: 'Shop',
      repoUrl: 'https://github.com/a/shop',
    });
    const other = await nh.createProject({
      name: 'Other',
      repoUrl: 'https://github.com/a/other',
    });
    const addDomain = (projectId: string, hostname: string) =>
      api
        .post(`/api/novahost/projects/${projectId}/domains`)
        .set(user)
        .send({ hostname });
    const verify = (projectId: string) =>
      api
        .post(
          `/api/novahost/projects/${projectId}/domains/www.shop.example/verify`,
        )
        .set(user);
    const routedDomains = async () =>
      (await api.get('/api/novahost/routes').set(service)).body.projects.find(
        (p: any) => p.id === project.id,
      ).domains;

    const invalid: Array<[string, RegExp]> = [
      ['not a host', /hostname/],
      ['localhost', /hostname/],
      ['10.0.0.1', /hostname/],
      ['shop.novahost.test', /platform's own domain/],
    ];
    for (const [hostname, message] of invalid) {
      const res = await addDomain(project.id, hostname);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(message);
    }

    const added = await addDomain(project.id, 'WWW.Shop.Example.');
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({
      hostname: 'www.shop.example',
      verified: false,
      verification: {
        type: 'TXT',
        name: '_novahost-challenge.www.shop.example',
      },
    });
    const taken = await addDomain(other.id, 'www.shop.example');
    expect(taken.status).toBe(409);

    // Not verified: no TXT record yet, then a wrong one.
    const early = await verify(project.id);
    expect(early.status).toBe(409);
    expect(early.body.error.message).toMatch(
      /No TXT record _novahost-challenge\.www\.shop\.example/,
    );
    dns.txt.set('_novahost-challenge.www.shop.example', [
      'novahost-verify=wrong',
    ]);
    expect((await verify(project.id)).status).toBe(409);
    expect(await routedDomains()).toEqual([]);

    // Another project cannot verify (or delete) it.
    expect((await verify(other.id)).status).toBe(404);

    dns.txt.set('_novahost-challenge.www.shop.example', [
      'unrelated',
      added.body.verification.value,
    ]);
    const verified = await verify(project.id);
    expect(verified.status).toBe(200);
    expect(verified.body.verified).toBe(true);
    expect(await routedDomains()).toEqual(['www.shop.example']);

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
    expect(await routedDomains()).toEqual([]);
  });
});
