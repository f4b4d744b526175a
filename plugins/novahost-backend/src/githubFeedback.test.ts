import { randomBytes, randomUUID } from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import {
  Deployment,
  NovahostTestBackend,
  startNovahostTestBackend,
  user,
} from './__testUtils__/backend';
import {
  FakeGithubRest,
  RecordedStatus,
  startFakeGithubRest,
} from './__testUtils__/fakeGithubRest';
import {
  BareRepo,
  createBareRepo,
  GitHttpServer,
  startGitHttpServer,
} from './__testUtils__/gitHttpServer';
import { deliver, pullRequestPayload } from './__testUtils__/githubWebhooks';
import { createSiteRepo } from './__testUtils__/repo';

jest.setTimeout(180_000);

const SECRET = `whsec-${randomBytes(16).toString('hex')}`;
const TOKEN = `ghp_${randomBytes(18).toString('hex')}`;
const BACKSTAGE = 'http://backstage.test:3000';

/**
 * A site whose build waits `delayMs` (so a pending status is seen before
 * the result), then copies index.html to dist/, or fails with `fail`.
 */
const site = (text: string, o: { delayMs?: number; fail?: string } = {}) => ({
  'index.html': text,
  'build.js': `
setTimeout(() => {
  ${
    o.fail
      ? `console.error(${JSON.stringify(o.fail)}); process.exit(3);`
      : `require('fs').mkdirSync('dist', { recursive: true });
  require('fs').copyFileSync('index.html', 'dist/index.html');`
  }
}, ${o.delayMs ?? 1500});
`,
});

/**
 * Issue 15, feedback on GitHub: real deployments of a repository on a
 * GitHub integration (a Git smart-HTTP server wanting the integration's
 * token) report to GitHub's REST API, served by a real HTTP server that
 * records the commit statuses and pull request comments it gets. Pull
 * requests arrive as signed webhook deliveries through the events backend.
 */
describe('feedback on GitHub', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'novahost-feedback-'));
  let nh: NovahostTestBackend;
  let git: GitHttpServer;
  let github: FakeGithubRest;
  let repo: BareRepo;
  let project: { id: string; slug: string };

  beforeAll(async () => {
    repo = createBareRepo(root, 'acme/site', {
      main: [{ files: site('main v1') }],
    });
    git = await startGitHttpServer({ root, token: TOKEN });
    github = await startFakeGithubRest({ token: TOKEN });
    nh = await startNovahostTestBackend({
      events: true,
      config: {
        app: { baseUrl: BACKSTAGE },
        events: { modules: { github: { webhookSecret: SECRET } } },
        integrations: {
          github: [
            { host: git.host, apiBaseUrl: github.apiBaseUrl, token: TOKEN },
          ],
        },
      },
      novahost: {
        proxy: { baseDomain: 'localhost', publicPort: 8080 },
        builds: { concurrency: 2, timeoutSeconds: 60 },
        runner: { type: 'local' },
      },
    });
    project = await nh.createProject({
      name: 'site',
      repoUrl: git.url('acme/site'),
      installCommand: 'true',
      buildCommand: 'node build.js',
      outputDirectory: 'dist',
    });
  });

  afterAll(async () => {
    await nh?.stop();
    await Promise.all([git?.close(), github?.close()]);
    fs.rmSync(root, { recursive: true, force: true });
  });

  const finished = (d: { id: string }) =>
    nh.waitForDeployment(d.id, x =>
      ['ready', 'failed', 'canceled'].includes(x.status),
    );
  const eventually = async (check: () => boolean) => {
    const deadline = Date.now() + 15_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('condition never held');
      await new Promise(r => setTimeout(r, 50));
    }
  };
  const statusesOf = (sha: string): RecordedStatus[] =>
    github.statuses.filter(s => s.sha === sha);
  /** The statuses of `sha` once it has a final one (not pending). */
  const finalStatuses = async (sha: string) => {
    await eventually(() => statusesOf(sha).some(s => s.state !== 'pending'));
    return statusesOf(sha);
  };
  const page = (d: Deployment) => `${BACKSTAGE}/novahost/deployments/${d.id}`;
  const deploymentsOf = async (projectId: string): Promise<Deployment[]> =>
    (
      await nh.api
        .get(`/api/novahost/projects/${projectId}/deployments`)
        .set(user)
    ).body.items;
  const pullRequest = async (
    action: string,
    number: number,
    head: { ref: string; sha: string },
  ) => {
    const payload = pullRequestPayload({
      origin: git.origin,
      repo: 'acme/site',
      action,
      number,
      head,
      base: { ref: 'main', sha: repo.head('main') },
    });
    const res = await deliver(nh.api, 'pull_request', payload, {
      secret: SECRET,
      id: randomUUID(),
    });
    expect(res.status).toBe(202);
    const made = (await deploymentsOf(project.id)).find(
      d => d.pullRequest?.number === number && d.commitSha === head.sha,
    );
    expect(made).toBeDefined();
    return made!;
  };

  it('reports a deployment pending, then a success with the site URL, linked to its Backstage page', async () => {
    const previewSha = repo.commit('feature/one', site('one'));
    const preview = await nh.deploy(project.id, { ref: 'feature/one' });
    const production = await nh.deploy(project.id, { ref: 'main' });
    const [previewDone, productionDone] = await Promise.all([
      finished(preview),
      finished(production),
    ]);
    expect(previewDone.status).toBe('ready');
    expect(productionDone.status).toBe('ready');
    expect(previewDone.aliasUrl).toMatch(/^http:\/\/site-git-feature-one\./);

    const previewStatuses = await finalStatuses(previewSha);
    const context = `novahost/${project.slug}`;
    // The commit is known once the build cloned it: Building comes first.
    expect(previewStatuses[0]).toEqual({
      owner: 'acme',
      repo: 'site',
      sha: previewSha,
      state: 'pending',
      description: 'Building',
      context,
      target_url: page(preview),
    });
    expect(previewStatuses.slice(0, -1).map(s => s.state)).not.toContain(
      'success',
    );
    // A preview's URL is its branch alias.
    expect(previewStatuses[previewStatuses.length - 1]).toEqual({
      owner: 'acme',
      repo: 'site',
      sha: previewSha,
      state: 'success',
      description: `Ready: ${previewDone.aliasUrl}`,
      context,
      target_url: page(preview),
    });

    // Production's is the deployment's own URL.
    const productionStatuses = await finalStatuses(repo.head('main'));
    expect(productionStatuses[productionStatuses.length - 1]).toMatchObject({
      state: 'success',
      description: `Ready: ${productionDone.url}`,
      context,
      target_url: page(production),
    });
    // Without a pull request there is no comment; every call had the token.
    expect(github.comments).toEqual([]);
    expect(github.refused).toBe(0);
  });

  it('reports a failed build as a failure with its reason', async () => {
    const sha = repo.commit(
      'broken',
      site('broken', { delayMs: 0, fail: 'cannot build' }),
    );
    const failed = await finished(
      await nh.deploy(project.id, { ref: 'broken' }),
    );
    expect(failed.status).toBe('failed');
    const statuses = await finalStatuses(sha);
    const last = statuses[statuses.length - 1];
    expect(last).toMatchObject({
      state: 'failure',
      context: `novahost/${project.slug}`,
      target_url: page(failed),
    });
    const description = last.description ?? '';
    expect(description).toMatch(/^Failed: /);
    expect(description).toContain(failed.error.split('\n')[0].slice(0, 80));
    expect(description.length).toBeLessThanOrEqual(140);
  });

  it('keeps one comment on a pull request, edited on the next push', async () => {
    const posts = () =>
      github.requests.filter(
        r => r === 'POST /repos/acme/site/issues/7/comments',
      ).length;
    const sha1 = repo.commit('feature/pr', site('pr v1'));
    const first = await finished(
      await pullRequest('opened', 7, { ref: 'feature/pr', sha: sha1 }),
    );
    expect(first.status).toBe('ready');
    await eventually(() =>
      github.comments.some(c => c.body.includes('✅ Ready')),
    );

    const sha2 = repo.commit('feature/pr', site('pr v2'));
    const second = await finished(
      await pullRequest('synchronize', 7, { ref: 'feature/pr', sha: sha2 }),
    );
    expect(second.status).toBe('ready');
    await eventually(() =>
      github.comments.some(
        c => c.body.includes(sha2.slice(0, 7)) && c.body.includes('✅ Ready'),
      ),
    );

    expect(github.comments).toHaveLength(1);
    const [comment] = github.comments;
    expect(comment).toMatchObject({ owner: 'acme', repo: 'site', issue: 7 });
    expect(posts()).toBe(1);
    expect(comment.edits).toBeGreaterThanOrEqual(1);
    const { body } = comment;
    expect(body.startsWith(`<!-- novahost:${project.id} -->`)).toBe(true);
    expect(body).not.toContain(sha1.slice(0, 7));
    expect(body).toContain(
      `[${new URL(second.aliasUrl).host}](${second.aliasUrl}/)`,
    );
    expect(body).toContain(`${git.origin}/acme/site/commit/${sha2}`);
    expect(body).toContain(`[Build log](${page(second)})`);
    expect(body).toMatch(/\| \d{4}-\d\d-\d\d \d\d:\d\d UTC \|/);
    // Each commit of the pull request has its status too.
    for (const sha of [sha1, sha2]) {
      expect((await finalStatuses(sha)).pop()).toMatchObject({
        state: 'success',
        description: `Ready: ${second.aliasUrl}`,
      });
    }
  });

  it('never fails a deployment because GitHub does', async () => {
    const sha = repo.commit('feature/down', site('down', { delayMs: 0 }));
    // GitHub refuses everything, as it does an app without the permission.
    github.fail(403);
    try {
      const done = await finished(
        await nh.deploy(project.id, { ref: 'feature/down' }),
      );
      expect(done.status).toBe('ready');
      // The success was tried (once: a 403 without a rate limit is final).
      await eventually(() =>
        github.failed.some(
          f =>
            f.body.state === 'success' &&
            f.request === `POST /repos/acme/site/statuses/${sha}`,
        ),
      );
    } finally {
      github.heal();
    }
    expect(statusesOf(sha)).toEqual([]);
  });

  it('calls nothing for a repository on no GitHub integration', async () => {
    const local = createSiteRepo({ files: { 'index.html': 'local' } });
    const other = await nh.createProject({
      name: 'local',
      repoUrl: local.dir,
      installCommand: 'true',
    });
    const before = github.requests.length;
    const done = await finished(await nh.deploy(other.id));
    expect(done.status).toBe('ready');
    expect(done.commitSha).toMatch(/^[0-9a-f]{40}$/);
    // A deployment of a covered repository after it: once its success is
    // reported, the local one's changes (all earlier) were handled too.
    const sha = repo.commit('feature/after', site('after', { delayMs: 0 }));
    await finished(await nh.deploy(project.id, { ref: 'feature/after' }));
    await finalStatuses(sha);
    expect(
      github.requests.slice(before).filter(r => !r.endsWith(`/${sha}`)),
    ).toEqual([]);
  });
});
