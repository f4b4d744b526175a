import { TestDatabases, mockCredentials } from '@backstage/backend-test-utils';
import { blobKey, manifestKey } from '@internal/plugin-novahost-common';
import { createHash } from 'crypto';
import fs from 'fs';
import path from 'path';
import {
  logTexts,
  NovahostTestBackend,
  service,
  startNovahostTestBackend,
  user,
} from './__testUtils__/backend';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });
const sha256 = (s: string | Buffer) =>
  createHash('sha256').update(s).digest('hex');

describe.each(databases.eachSupportedId())('novahost backend on %p', id => {
  let nh: NovahostTestBackend;
  let api: NovahostTestBackend['api'];
  let storeDir: string;

  beforeAll(async () => {
    nh = await startNovahostTestBackend({
      knex: await databases.init(id),
      novahost: {
        proxy: { baseDomain: 'localhost', publicPort: 8080 },
        builds: { concurrency: 1, timeoutSeconds: 60 },
        runner: { type: 'local' },
      },
    });
    api = nh.api;
    storeDir = nh.storeDir;
  });

  afterAll(async () => {
    await nh?.stop();
  });

  const createProject = (body: object) => nh.createProject(body);
  const waitForStatus = (deploymentId: string, statuses: string[]) =>
    nh.waitForDeployment(deploymentId, d => statuses.includes(d.status), {
      timeoutMs: 90_000,
    });
  const allLogs = (deploymentId: string) => nh.logs(deploymentId);

  it('answers health without credentials and requires them elsewhere', async () => {
    const health = await api.get('/api/novahost/health');
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok' });
    const projects = await api
      .get('/api/novahost/projects')
      .set('Authorization', mockCredentials.none.header());
    expect(projects.status).toBe(401);
  });

  it('validates project input and names the field', async () => {
    const cases: Array<[object, RegExp]> = [
      [{ repoUrl: 'https://github.com/a/b' }, /name/],
      [{ name: 'ok' }, /repoUrl/],
      [{ name: 'ok', repoUrl: 'ftp://example.com/x' }, /repoUrl/],
      [{ name: '!!!', repoUrl: 'https://github.com/a/b' }, /name/],
      [
        {
          name: 'ok',
          repoUrl: 'https://github.com/a/b',
          rootDirectory: '../x',
        },
        /rootDirectory/,
      ],
      [
        { name: 'ok', repoUrl: 'https://github.com/a/b', branch: 'a..b' },
        /branch/,
      ],
      [
        { name: 'ok', repoUrl: 'https://github.com/a/b', color: 'red' },
        /color/,
      ],
      [
        { name: 'ok', repoUrl: 'https://github.com/a/b', slug: 'Not A Slug' },
        /slug/,
      ],
    ];
    for (const [body, field] of cases) {
      const res = await api.post('/api/novahost/projects').set(user).send(body);
      expect(res.status).toBe(400);
      expect(res.body.error.name).toBe('InputError');
      expect(res.body.error.message).toMatch(field);
    }
  });

  it('creates projects with unique DNS-safe slugs, pages and filters them', async () => {
    const a = await createProject({
      name: 'Ünïcode Site!',
      repoUrl: 'https://github.com/acme/site',
    });
    expect(a.slug).toBe('unicode-site');
    expect(a.url).toBe('http://unicode-site.localhost:8080');
    expect(a.branch).toBe('main');
    expect(a.owner).toBe('user:default/mock');

    const taken = await api
      .post('/api/novahost/projects')
      .set(user)
      .send({ name: 'Ünïcode Site!', repoUrl: 'https://github.com/acme/site' });
    expect(taken.status).toBe(409);

    const b = await createProject({
      name: 'unicode  site',
      repoUrl: 'https://github.com/acme/site',
    });
    expect(b.slug).toBe('unicode-site-2');

    // A slug shaped like `<slug>-<shortId>` would shadow deployment hosts.
    const c = await createProject({
      name: 'shop ab12cd34',
      repoUrl: 'https://github.com/acme/shop',
    });
    expect(c.slug).toBe('shop-ab12cd34-2');

    const page1 = await api
      .get('/api/novahost/projects?limit=2&offset=0')
      .set(user);
    expect(page1.body.totalCount).toBe(3);
    expect(page1.body.items).toHaveLength(2);
    const page2 = await api
      .get('/api/novahost/projects?limit=2&offset=2')
      .set(user);
    expect(page2.body.items).toHaveLength(1);
    const search = await api
      .get('/api/novahost/projects?search=shop')
      .set(user);
    expect(search.body.items.map((p: any) => p.id)).toEqual([c.id]);
    expect(
      (await api.get('/api/novahost/projects?limit=500').set(user)).status,
    ).toBe(400);

    const bySlug = await api.get(`/api/novahost/projects/${a.slug}`).set(user);
    expect(bySlug.body.id).toBe(a.id);
    const missing = await api
      .get('/api/novahost/projects/00000000-0000-0000-0000-000000000000')
      .set(user);
    expect(missing.status).toBe(404);

    const patched = await api
      .patch(`/api/novahost/projects/${a.id}`)
      .set(user)
      .send({ spa: true, buildCommand: 'npm run export' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      spa: true,
      buildCommand: 'npm run export',
    });
    const badPatch = await api
      .patch(`/api/novahost/projects/${a.id}`)
      .set(user)
      .send({ spa: 'yes' });
    expect(badPatch.status).toBe(400);
    expect(badPatch.body.error.message).toMatch(/spa/);

    for (const p of [a, b, c]) {
      const del = await api.delete(`/api/novahost/projects/${p.id}`).set(user);
      expect(del.status).toBe(204);
    }
  });

  it('builds a real repository, dedupes blobs, promotes and rolls back', async () => {
    const { repo, project } = await nh.createSiteProject('Loop Site', {
      files: {
        'index.html': '<h1>v1</h1>',
        'about.html': '<p>about</p>',
        'assets/app.js': 'console.log(1)',
      },
    });
    const first = await api
      .post(`/api/novahost/projects/${project.id}/deployments`)
      .set(user)
      .send({});
    expect(first.status).toBe(202);
    expect(first.body.status).toBe('queued');
    expect(first.body.url).toBe(
      `http://loop-site-${first.body.shortId}.localhost:8080`,
    );

    const events = await allLogs(first.body.id);
    const finish = events[events.length - 1];
    expect(finish).toEqual({
      event: 'finish',
      data: { status: 'ready', error: null },
    });
    const text = logTexts(events).join('\n');
    expect(text).toContain('build line 3 of 3');
    expect(text).toContain('Deployment ready at');

    const d1 = await waitForStatus(first.body.id, ['ready']);
    expect(d1.commitSha).toBe(repo.head());
    expect(d1.isProduction).toBe(true);
    expect(d1.stats).toMatchObject({ files: 3, newBlobs: 3 });
    // No framework in package.json: a plain site.
    expect(d1.framework).toBeNull();

    const manifest = JSON.parse(
      fs.readFileSync(path.join(storeDir, manifestKey(d1.id)), 'utf8'),
    );
    expect(Object.keys(manifest.files).sort()).toEqual([
      'about.html',
      'assets/app.js',
      'index.html',
    ]);
    const index = manifest.files['index.html'];
    expect(index.hash).toBe(sha256('<h1>v1</h1>'));
    expect(
      fs.readFileSync(path.join(storeDir, blobKey(index.hash)), 'utf8'),
    ).toBe('<h1>v1</h1>');

    // One changed file: one new blob.
    repo.commit({
      'index.html': '<h1>v2</h1>',
      'about.html': '<p>about</p>',
      'assets/app.js': 'console.log(1)',
    });
    const second = await nh.deploy(project.id);
    await allLogs(second.id);
    const d2 = await waitForStatus(second.id, ['ready']);
    expect(d2.stats).toMatchObject({ files: 3, newBlobs: 1 });
    expect(d2.isProduction).toBe(true);
    expect(
      (await api.get(`/api/novahost/deployments/${d1.id}`).set(user)).body
        .isProduction,
    ).toBe(false);

    // The proxy's routing table lists both; only services may read it.
    expect((await api.get('/api/novahost/routes').set(user)).status).toBe(403);
    const routes = await api.get('/api/novahost/routes').set(service);
    const route = routes.body.projects.find((p: any) => p.id === project.id);
    expect(route.productionDeploymentId).toBe(d2.id);
    expect(route.deployments.map((d: any) => d.shortId).sort()).toEqual(
      [d1.shortId, d2.shortId].sort(),
    );

    // Rollback: promote the first again, no rebuild.
    const promoted = await api
      .post(`/api/novahost/projects/${project.id}/promote`)
      .set(user)
      .send({ deploymentId: d1.id });
    expect(promoted.status).toBe(200);
    expect(promoted.body.productionDeploymentId).toBe(d1.id);
    const after = await api.get('/api/novahost/routes').set(service);
    expect(
      after.body.projects.find((p: any) => p.id === project.id)
        .productionDeploymentId,
    ).toBe(d1.id);
    expect(after.body.version).toBeGreaterThan(routes.body.version);

    const cancelReady = await api
      .post(`/api/novahost/deployments/${d1.id}/cancel`)
      .set(user);
    expect(cancelReady.status).toBe(409);
    const badPromote = await api
      .post(`/api/novahost/projects/${project.id}/promote`)
      .set(user)
      .send({ deploymentId: 'nope' });
    expect(badPromote.status).toBe(400);

    // Delete removes deployments, manifests and now-unreferenced blobs.
    const del = await api
      .delete(`/api/novahost/projects/${project.id}`)
      .set(user);
    expect(del.status).toBe(204);
    expect(fs.existsSync(path.join(storeDir, manifestKey(d1.id)))).toBe(false);
    expect(fs.existsSync(path.join(storeDir, blobKey(index.hash)))).toBe(false);
    expect(
      (await api.get(`/api/novahost/deployments/${d1.id}`).set(user)).status,
    ).toBe(404);
  });

  it('stores the framework the build detected and logs it', async () => {
    // `true`: nothing to install, so no registry is needed.
    const { project, deployment: created } = await nh.deploySite(
      'Vite Site',
      {
        files: { 'index.html': '<h1>vite</h1>' },
        lines: 1,
        devDependencies: { vite: '^6.0.0' },
      },
      { installCommand: 'true' },
    );
    expect(created.framework).toBeNull();
    const events = await allLogs(created.id);
    expect(events[events.length - 1].data.status).toBe('ready');
    expect(events.map(e => e.data.text)).toContain('Detected Vite');

    const deployment = await waitForStatus(created.id, ['ready']);
    expect(deployment.framework).toBe('vite');
    const listed = await api.get('/api/novahost/projects').set(user);
    expect(
      listed.body.items.find((p: { id: string }) => p.id === project.id)
        .latestDeployment.framework,
    ).toBe('vite');
    await api.delete(`/api/novahost/projects/${project.id}`).set(user);
  });

  it('fails a broken build with its exit code, and cancels queued ones', async () => {
    const { project, deployment: first } = await nh.deploySite('Broken', {
      files: { 'index.html': 'x' },
      lines: 30,
      delayMs: 50,
      failWith: 7,
    });
    // Concurrency is 1: the second waits in the queue. (Were the first
    // still queued, the second would supersede it.)
    await waitForStatus(first.id, ['building']);
    const second = await nh.deploy(project.id, { ref: 'main' });
    expect((await nh.getDeployment(second.id)).status).toBe('queued');
    const canceled = await api
      .post(`/api/novahost/deployments/${second.id}/cancel`)
      .set(user);
    expect(canceled.status).toBe(200);
    expect(canceled.body.status).toBe('canceled');

    const failed = await waitForStatus(first.id, ['failed']);
    expect(failed.exitCode).toBe(7);
    expect(failed.error).toMatch(/exited with code 7/);
    expect(failed.finishedAt).toBeTruthy();
    const events = await allLogs(first.id);
    expect(events[events.length - 1].data.status).toBe('failed');
    expect(events.map(e => e.data.text).join('\n')).toContain(
      'something broke',
    );
    await api.delete(`/api/novahost/projects/${project.id}`).set(user);
  });

  it('streams a live log across a reconnect without losing or repeating a line', async () => {
    const { project, deployment } = await nh.deploySite('Slow', {
      files: { 'index.html': 'slow' },
      lines: 60,
      delayMs: 40,
    });

    // First viewer leaves in the middle of the build…
    const part1 = await nh.logs(deployment.id, {
      until: e => e.event === 'log' && /build line 20 of/.test(e.data.text),
    });
    const lastId = [...part1].reverse().find(e => e.id)!.id!;
    // …and comes back with Last-Event-ID, as EventSource does.
    const part2 = await nh.logs(deployment.id, {
      headers: { ...user, 'Last-Event-ID': lastId },
      until: e => e.event === 'finish',
    });
    expect(part2[part2.length - 1].data.status).toBe('ready');

    const seen = [...part1, ...part2]
      .filter(e => e.event === 'log')
      .map(e => e.data.seq as number);
    const full = (await allLogs(deployment.id))
      .filter(e => e.event === 'log')
      .map(e => e.data.seq as number);
    expect(seen).toEqual(full);
    expect(new Set(seen).size).toBe(seen.length);
    expect(full).toEqual([...full].sort((x, y) => x - y));
    const lines = logTexts([...part1, ...part2]).filter(t =>
      /^build line/.test(t),
    );
    expect(lines).toHaveLength(60);

    // ?after= works like Last-Event-ID.
    const tail = await nh.logs(deployment.id, {
      query: `?after=${full[full.length - 3]}`,
      until: e => e.event === 'finish',
    });
    expect(tail.filter(e => e.event === 'log')).toHaveLength(2);
    await api.delete(`/api/novahost/projects/${project.id}`).set(user);
  });
});
