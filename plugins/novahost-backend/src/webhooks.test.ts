import { randomUUID } from 'crypto';
import { user } from './__testUtils__/backend';
import type { BareRepo } from './__testUtils__/gitHttpServer';
import {
  deliver,
  hubSignature,
  ZERO_SHA,
} from './__testUtils__/githubWebhooks';
import {
  GIT_TOKEN,
  siteFiles as site,
  startWebhookTestBackend,
  WEBHOOK_SECRET,
  WebhookTestBackend,
} from './__testUtils__/webhookBackend';

jest.setTimeout(180_000);

/**
 * Issue 15: GitHub deliveries, signed with the webhook secret, sent to the
 * real events backend (`/api/events/http/github`), whose GitHub module
 * checks the signature and routes them to `github.push` /
 * `github.pull_request`, to which Novahost subscribes. Repositories are
 * real ones on a Git smart-HTTP server; the compare API answers from them.
 */
describe('deploy on push and previews through GitHub webhooks', () => {
  let bed: WebhookTestBackend;
  let project: { id: string; slug: string };
  let siteRepo: BareRepo;
  let monoRepo: BareRepo;

  beforeAll(async () => {
    bed = await startWebhookTestBackend({
      'acme/site': site('', 'main v1'),
      'acme/mono': {
        ...site('apps/web', 'web v1'),
        ...site('apps/docs', 'docs v1'),
        'packages/ui/button.txt': 'v1',
      },
    });
    siteRepo = bed.repos['acme/site'];
    monoRepo = bed.repos['acme/mono'];
    project = await bed.createProject('site', 'acme/site');
  });

  afterAll(() => bed?.stop());

  it('deploys a push to the production branch to production, once per delivery id', async () => {
    const before = siteRepo.head('main');
    const sha = siteRepo.commit('main', site('', 'main v2'));
    const payload = bed.push({ ref: 'refs/heads/main', before, after: sha });
    const id = await bed.send('push', payload);

    const [queued, ...others] = await bed.deploymentsOf(project.id);
    expect(others).toEqual([]);
    expect(queued).toMatchObject({
      commitSha: sha,
      branch: 'main',
      target: 'production',
      source: 'push',
      pullRequest: null,
      createdBy: null,
    });
    expect(await bed.finished(queued)).toMatchObject({
      status: 'ready',
      isProduction: true,
    });
    const status = await bed.webhook(project.id);
    expect(status).toEqual({
      url: expect.stringMatching(/^http:\/\/.+\/api\/events\/http\/github$/),
      events: ['push', 'pull_request'],
      contentType: 'application/json',
      secretConfigKey: 'events.modules.github.webhookSecret',
      secretConfigured: true,
      repoKey: `${bed.git.host}/acme/site`,
      lastDelivery: {
        id,
        event: 'push',
        receivedAt: expect.any(String),
        outcome: `site: deployed ${sha.slice(0, 7)} to production (main) as ${
          queued.shortId
        }`,
      },
    });

    // GitHub's "Redeliver": acknowledged, nothing new.
    await bed.send('push', payload, id);
    expect(await bed.deploymentsOf(project.id)).toHaveLength(1);
    expect(await bed.webhook(project.id)).toEqual(status);
  });

  it('refuses a delivery with a bad or missing signature, starting nothing', async () => {
    const sha = siteRepo.commit('main', site('', 'forged'));
    const payload = bed.push({ ref: 'refs/heads/main', after: sha });
    const body = JSON.stringify(payload);
    const before = await bed.webhook(project.id);
    const count = (await bed.deploymentsOf(project.id)).length;
    for (const signature of [
      hubSignature('not-the-secret', body),
      `sha256=${'0'.repeat(64)}`,
      null,
    ]) {
      const res = await deliver(bed.nh.api, 'push', payload, {
        secret: WEBHOOK_SECRET,
        signature,
      });
      expect(res.status).toBe(403);
    }
    // The URL the webhook status gives is the endpoint that checks.
    const res = await fetch(before.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': randomUUID(),
        'x-hub-signature-256': hubSignature('not-the-secret', body),
      },
      body,
    });
    expect(res.status).toBe(403);
    expect(await bed.deploymentsOf(project.id)).toHaveLength(count);
    expect(await bed.webhook(project.id)).toEqual(before);
  });

  it('acknowledges and records a delivery for a repository no project uses, and ignores tags', async () => {
    const id = await bed.send(
      'push',
      bed.push({
        ref: 'refs/heads/main',
        after: 'a'.repeat(40),
        repo: 'acme/unused',
      }),
    );
    // A project made later for that repository shows what became of it.
    const later = await bed.createProject('unused', 'acme/unused');
    expect((await bed.webhook(later.id)).lastDelivery).toMatchObject({
      id,
      event: 'push',
      outcome: 'ignored: no project uses this repository',
    });

    const count = (await bed.deploymentsOf(project.id)).length;
    await bed.send(
      'push',
      bed.push({
        ref: 'refs/tags/v1.0',
        after: siteRepo.head('main'),
      }),
    );
    expect(await bed.outcome(project.id)).toBe('ignored: tag push (v1.0)');
    expect(await bed.deploymentsOf(project.id)).toHaveLength(count);
  });

  it('deploys another branch as a preview at its alias, and removes the alias when the branch is deleted', async () => {
    const sha = siteRepo.commit('feature/x', site('', 'feature v1'));
    await bed.send(
      'push',
      bed.push({ ref: 'refs/heads/feature/x', created: true, after: sha }),
    );
    const [queued] = await bed.deploymentsOf(project.id);
    expect(queued).toMatchObject({
      commitSha: sha,
      branch: 'feature/x',
      target: 'preview',
      source: 'push',
    });
    const done = await bed.finished(queued);
    expect(done).toMatchObject({ status: 'ready', isProduction: false });
    expect(done.aliasUrl).toBe('http://site-git-feature-x.localhost:8080');
    await bed.eventually(async () =>
      (await bed.aliases(project.id)).includes('site-git-feature-x'),
    );

    await bed.send(
      'push',
      bed.push({
        ref: 'refs/heads/feature/x',
        before: sha,
        after: ZERO_SHA,
        deleted: true,
      }),
    );
    expect(await bed.outcome(project.id)).toBe(
      'site: removed the alias of feature/x',
    );
    await bed.eventually(
      async () =>
        !(await bed.aliases(project.id)).includes('site-git-feature-x'),
    );
  });
  it('previews a pull request, once per commit, superseded by its next commit, and removes its alias when it closes', async () => {
    const base = { ref: 'main', sha: siteRepo.head('main') };
    /** GitHub's `pull_request` event of #7 with its head at `sha`. */
    const sendPr = (action: string, sha: string) =>
      bed.send(
        'pull_request',
        bed.pr({ action, number: 7, head: { ref: 'feature/pr', sha }, base }),
      );
    // Slow enough that the next commit arrives while it builds.
    const first = siteRepo.commit('feature/pr', site('', 'pr v1', 3000));
    await sendPr('opened', first);
    const [opened] = await bed.deploymentsOf(project.id);
    expect(opened).toMatchObject({
      commitSha: first,
      branch: 'feature/pr',
      target: 'preview',
      source: 'pull_request',
      pullRequest: { number: 7, fork: false },
    });

    // GitHub also sends the push of that commit: it deploys nothing more.
    const count = (await bed.deploymentsOf(project.id)).length;
    await bed.send(
      'push',
      bed.push({ ref: 'refs/heads/feature/pr', created: true, after: first }),
    );
    expect(await bed.deploymentsOf(project.id)).toHaveLength(count);
    expect(await bed.outcome(project.id)).toBe(
      `site: already deploying ${first.slice(0, 7)} (deployment ${
        opened.shortId
      })`,
    );

    const second = siteRepo.commit('feature/pr', site('', 'pr v2'));
    await sendPr('synchronize', second);
    const [synced] = await bed.deploymentsOf(project.id);
    expect(synced).toMatchObject({
      commitSha: second,
      branch: 'feature/pr',
      pullRequest: { number: 7, fork: false },
    });
    expect(await bed.nh.getDeployment(opened.id)).toMatchObject({
      status: 'canceled',
      error: `Superseded by ${synced.shortId}`,
    });
    expect(await bed.finished(synced)).toMatchObject({ status: 'ready' });
    await bed.eventually(async () =>
      (await bed.aliases(project.id)).includes('site-git-feature-pr'),
    );

    // Closing while a newer commit still builds cancels that build, so it
    // cannot route the alias again when it would have become ready.
    const third = siteRepo.commit('feature/pr', site('', 'pr v3'));
    await sendPr('synchronize', third);
    const [building] = await bed.deploymentsOf(project.id);
    expect(building.commitSha).toBe(third);
    await sendPr('closed', third);
    expect(await bed.outcome(project.id)).toBe(
      'site: removed the alias of feature/pr; canceled 1 build',
    );
    expect(await bed.nh.getDeployment(building.id)).toMatchObject({
      status: 'canceled',
      error: 'Canceled: pull request #7 was closed',
    });
    await bed.eventually(
      async () =>
        !(await bed.aliases(project.id)).includes('site-git-feature-pr'),
    );
  });

  it("previews a fork's pull request only where the project allows it, as a fork", async () => {
    // The fork's commit, which GitHub serves from the base repository too.
    const sha = siteRepo.commit('fork-head', site('', 'from a fork'));
    const payload = (action: string) =>
      bed.pr({
        action,
        number: 9,
        fork: 'OctoCat',
        sender: 'OctoCat',
        head: { ref: 'patch-1', sha },
        base: { ref: 'main', sha: siteRepo.head('main') },
      });
    const count = (await bed.deploymentsOf(project.id)).length;
    await bed.send('pull_request', payload('opened'));
    expect(await bed.outcome(project.id)).toBe(
      'site: skipped: pull request #9 is from a fork and the project does not allow fork previews',
    );
    expect(await bed.deploymentsOf(project.id)).toHaveLength(count);

    const allowed = await bed.nh.api
      .patch(`/api/novahost/projects/${project.id}`)
      .set(user)
      .send({ allowForkPreviews: true });
    expect(allowed.status).toBe(200);
    await bed.send('pull_request', payload('reopened'));
    const [fork] = await bed.deploymentsOf(project.id);
    expect(fork).toMatchObject({
      commitSha: sha,
      // Never a branch of the repository itself (a colon is no branch name).
      branch: 'OctoCat:patch-1',
      target: 'preview',
      source: 'pull_request',
      pullRequest: { number: 9, fork: true },
      createdBy: 'github:octocat',
    });
  });

  describe('in a monorepo', () => {
    let web: { id: string };
    let docs: { id: string };

    beforeAll(async () => {
      web = await bed.createProject('web', 'acme/mono', {
        rootDirectory: 'apps/web',
      });
      docs = await bed.createProject('docs', 'acme/mono', {
        rootDirectory: 'apps/docs',
        watchPaths: ['packages/ui'],
      });
    });

    /** Commits `files` to main and sends its push (listing them, unless `payload` says otherwise). */
    const pushToMain = async (
      files: Record<string, string>,
      payload: { files?: string[]; commits?: number } = {},
    ) => {
      const before = monoRepo.head('main');
      const sha = monoRepo.commit('main', files);
      await bed.send(
        'push',
        bed.push({
          repo: 'acme/mono',
          ref: 'refs/heads/main',
          before,
          after: sha,
          files: Object.keys(files),
          ...payload,
        }),
      );
      return { before, sha };
    };

    const countsOf = async () => [
      (await bed.deploymentsOf(web.id)).length,
      (await bed.deploymentsOf(docs.id)).length,
    ];

    it('deploys the projects whose root directory or watch paths a push touches', async () => {
      const { sha } = await pushToMain({ 'apps/docs/index.html': 'docs v2' });
      const [deployed] = await bed.deploymentsOf(docs.id);
      expect(await countsOf()).toEqual([0, 1]);
      expect(await bed.outcome(docs.id)).toBe(
        `docs: deployed ${sha.slice(0, 7)} to production (main) as ${
          deployed.shortId
        }; ` + 'web: skipped: no change under apps/web',
      );
      expect(await bed.finished(deployed)).toMatchObject({ status: 'ready' });
    });

    it('asks the compare API when the payload cannot tell', async () => {
      // GitHub lists 20 commits at most: the listed files are not all.
      const { before, sha } = await pushToMain(
        { 'packages/ui/button.txt': 'v2' },
        { commits: 20, files: ['apps/web/index.html'] },
      );
      expect(bed.compare.requests).toContainEqual({
        method: 'GET',
        path: `/repos/acme/mono/compare/${before}...${sha}`,
        authorization: `token ${GIT_TOKEN}`,
      });
      expect(await countsOf()).toEqual([0, 2]);
      expect(await bed.outcome(web.id)).toMatch(
        /^docs: deployed [0-9a-f]{7} to production \(main\) as \w+; web: skipped: no change under apps\/web$/,
      );

      // A pull request: its changes since the base, from the compare API.
      const head = monoRepo.commit('web-change', {
        'apps/web/index.html': 'web pr',
      });
      await bed.send(
        'pull_request',
        bed.pr({
          repo: 'acme/mono',
          action: 'opened',
          number: 3,
          head: { ref: 'web-change', sha: head },
          base: { ref: 'main', sha },
        }),
      );
      const [preview] = await bed.deploymentsOf(web.id);
      expect(preview).toMatchObject({
        commitSha: head,
        target: 'preview',
        pullRequest: { number: 3, fork: false },
      });
      expect(await countsOf()).toEqual([1, 2]);
      expect(await bed.outcome(web.id)).toBe(
        'docs: skipped: pull request #3 changes nothing under apps/docs or packages/ui; ' +
          `web: deployed ${head.slice(
            0,
            7,
          )} to preview (web-change, pull request #3) as ${preview.shortId}`,
      );
      await bed.finished(preview);
    });
  });
});
