import { mockCredentials } from '@backstage/backend-test-utils';
import { freePort, type TestProxy } from '@internal/novahost-proxy/testUtils';
import {
  Deployment,
  logTexts,
  NovahostTestBackend,
  startNovahostTestBackend,
} from './__testUtils__/backend';
import { startProxyFor } from './__testUtils__/proxy';

/**
 * Previews without webhooks: deploying a branch other than the production
 * one makes a preview, never promoted, served by the real proxy at the
 * branch's stable alias, which follows the branch's newest ready deployment.
 */
jest.setTimeout(180_000);

describe('preview deployments and branch aliases', () => {
  let nh: NovahostTestBackend;
  let proxy: TestProxy;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    nh = await startNovahostTestBackend({
      novahost: {
        proxy: { baseDomain: 'localhost', publicPort: port },
        builds: { concurrency: 2, timeoutSeconds: 60 },
        runner: { type: 'local' },
      },
    });
    proxy = await startProxyFor(nh, port);
  });

  afterAll(async () => {
    await proxy?.stop();
    await nh?.stop();
  });

  const ready = (d: Deployment) =>
    nh.waitForDeployment(
      d.id,
      x => ['ready', 'failed', 'canceled'].includes(x.status),
      {
        timeoutMs: 90_000,
      },
    );
  const page = (host: string) =>
    proxy.get(`${host}.localhost`, '/index.html').then(r => r.body);
  /** Waits until the proxy's routes (pushed by the backend) serve `body` at `host`. */
  const served = async (host: string, body: string) => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const got = await page(host);
      if (got === body || Date.now() > deadline) return got;
      await new Promise(r => setTimeout(r, 50));
    }
  };

  it('builds a branch as a preview served at its alias, never promoted', async () => {
    const { repo, project } = await nh.createSiteProject('preview-site', {
      files: { 'index.html': 'main v1' },
    });
    const production = await ready(await nh.deploy(project.id));
    expect(production).toMatchObject({
      status: 'ready',
      target: 'production',
      branch: 'main',
      isProduction: true,
      source: 'manual',
      aliasUrl: `http://preview-site-git-main.localhost:${port}`,
    });

    repo.checkout('feature/Login');
    repo.commit({ 'index.html': 'login v1' });
    const queued = await nh.deploy(project.id, { ref: 'feature/Login' });
    expect(queued).toMatchObject({
      target: 'preview',
      branch: 'feature/Login',
      aliasUrl: null,
    });
    const preview = await ready(queued);
    const alias = `preview-site-git-feature-login`;
    expect(preview).toMatchObject({
      status: 'ready',
      isProduction: false,
      aliasUrl: `http://${alias}.localhost:${port}`,
    });
    expect(logTexts(await nh.logs(preview.id))).toContainEqual(
      expect.stringContaining(
        `ready at ${preview.url} and ${preview.aliasUrl}`,
      ),
    );

    expect(await served(alias, 'login v1')).toBe('login v1');
    const aliased = await proxy.get(`${alias}.localhost`, '/index.html');
    expect(aliased.headers['x-robots-tag']).toBe('noindex');
    expect(await page('preview-site')).toBe('main v1');

    // A newer commit of the branch moves the alias; the older deployment
    // keeps its own immutable host.
    repo.commit({ 'index.html': 'login v2' });
    const second = await ready(
      await nh.deploy(project.id, { ref: 'feature/Login' }),
    );
    expect(second.aliasUrl).toBe(preview.aliasUrl);
    expect(await served(alias, 'login v2')).toBe('login v2');
    expect(await page(`preview-site-${preview.shortId}`)).toBe('login v1');
    expect(await page('preview-site')).toBe('main v1');
    const after = await nh.api
      .get(`/api/novahost/projects/${project.id}`)
      .set({ Authorization: mockCredentials.user.header() });
    expect(after.body.productionDeploymentId).toBe(production.id);

    // A commit deployed by SHA builds for production but is not promoted
    // by itself, and has no branch alias.
    const sha = await ready(await nh.deploy(project.id, { ref: repo.head() }));
    expect(sha).toMatchObject({
      status: 'ready',
      target: 'production',
      branch: null,
      commitSha: repo.head(),
      isProduction: false,
      aliasUrl: null,
    });
  });

  it('supersedes queued builds of the same branch, whatever ref they name', async () => {
    const { repo, project } = await nh.createSiteProject('preview-queue', {
      files: { 'index.html': 'q' },
      lines: 60,
      delayMs: 50,
    });
    repo.checkout('other');
    repo.checkout('fix');
    const first = repo.commit({ 'index.html': 'fix 1' });
    const second = repo.commit({ 'index.html': 'fix 2' });
    // Fill both build slots so the next ones stay queued.
    const busy = [
      await nh.deploy(project.id, { ref: 'main' }),
      await nh.deploy(project.id, { ref: 'other' }),
    ];
    await Promise.all(
      busy.map(d => nh.waitForDeployment(d.id, x => x.status === 'building')),
    );
    const older = await nh.deploy(project.id, { ref: 'fix' });
    const newer = await nh.deploy(project.id, { ref: 'fix' });
    expect((await nh.getDeployment(older.id)).status).toBe('canceled');
    expect((await nh.getDeployment(older.id)).error).toBe(
      `Superseded by ${newer.shortId}`,
    );
    const done = await ready(newer);
    expect(done).toMatchObject({ status: 'ready', branch: 'fix' });
    expect([first, second]).toContain(done.commitSha);
    await Promise.all(busy.map(ready));
  });
});
