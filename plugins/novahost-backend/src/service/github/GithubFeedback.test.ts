import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import {
  FakeGithubRest,
  startFakeGithubRest,
} from '../../__testUtils__/fakeGithubRest';
import {
  deploymentRow,
  describeEachDatabase,
  projectRow,
} from '../../database/__testUtils__/fixtures';
import type { DeploymentRow, ProjectRow } from '../../database/tables';
import { GithubApi } from './GithubApi';
import { GithubFeedback } from './GithubFeedback';
import { commentMarker } from './prComment';

jest.setTimeout(60_000);

const TOKEN = 'ghp_feedbackTestToken0123456789abcdefghij';
const URLS = { baseDomain: 'example.app', scheme: 'https' as const };
const sha = (c: string) => c.repeat(40);

/**
 * GithubFeedback on a real database and a real HTTP server speaking
 * GitHub's statuses and comments API: the cases a whole backend cannot
 * time, such as two reports racing, replicas and lost comment ids.
 */
describeEachDatabase('GithubFeedback', ctx => {
  let github: FakeGithubRest;
  let prNumber = 100;

  beforeAll(async () => {
    github = await startFakeGithubRest({ token: TOKEN });
  });
  afterAll(() => github.close());
  afterEach(() => github.heal());

  /** A replica's feedback (a fresh one knows no comment ids). */
  const feedback = (
    o: { comments?: boolean; statuses?: boolean; logger?: any } = {},
  ) => {
    const config = new ConfigReader({
      app: { baseUrl: 'https://backstage.example.com/' },
      integrations: {
        github: [
          {
            host: 'git.acme.test',
            apiBaseUrl: github.apiBaseUrl,
            token: TOKEN,
          },
        ],
      },
      novahost: {
        github: { comments: o.comments ?? true, statuses: o.statuses ?? true },
      },
    });
    const logger = o.logger ?? mockServices.logger.mock();
    return GithubFeedback.fromConfig(config, {
      db: ctx.db,
      github: GithubApi.fromConfig(config, logger, { retryDelayMs: 1 }),
      logger,
      urls: URLS,
      secrets: () => [TOKEN],
    });
  };

  const project = async (repoUrl = 'https://git.acme.test/acme/site.git') => {
    const row = projectRow({ repo_url: repoUrl });
    await ctx.db.insertProject(row);
    return row;
  };
  let clock = Date.UTC(2026, 11, 1);
  const deploy = async (
    p: ProjectRow,
    patch: Partial<DeploymentRow>,
  ): Promise<DeploymentRow> => {
    clock += 1000;
    const row = deploymentRow(p.id, {
      target: 'preview',
      branch: 'feature/x',
      created_at: new Date(clock),
      ...patch,
    });
    await ctx.db.insertDeployment(row);
    return (await ctx.db.getDeployment(row.id))!;
  };
  const setStatus = async (row: DeploymentRow, status: string) => {
    await ctx.db.updateDeployment(row.id, { status } as any);
    return (await ctx.db.getDeployment(row.id))!;
  };
  const commentsOn = (pr: number) =>
    github.comments.filter(c => c.issue === pr);
  const requestsSince = (n: number) => github.requests.slice(n);

  it('posts one comment when two reports of a pull request race, and edits it', async () => {
    const p = await project();
    const pr = ++prNumber;
    const d = await deploy(p, {
      pr_number: pr,
      commit_sha: sha('a'),
      status: 'building',
    });
    const nh = feedback({ statuses: false });
    // The first report stops at GitHub while it looks for its comment...
    const hold = github.hold(`GET /repos/acme/site/issues/${pr}/comments`);
    const first = nh.report(d);
    await hold.reached;
    // ...and the build finishes meanwhile.
    const second = nh.report(await setStatus(d, 'ready'));
    // Unserialized, the second would look too (and both would post).
    await Promise.race([hold.second, new Promise(r => setTimeout(r, 300))]);
    hold.release();
    await Promise.all([first, second]);

    const comments = commentsOn(pr);
    expect(comments).toHaveLength(1);
    expect(comments[0].edits).toBe(1);
    expect(comments[0].body).toContain('✅ Ready');
    expect(comments[0].body).toContain(
      `[Build log](https://backstage.example.com/novahost/deployments/${d.id})`,
    );
    expect(comments[0].body).toContain(
      `[${p.slug}-${d.short_id}.example.app](https://${p.slug}-${d.short_id}.example.app/)`,
    );
  });

  it('finds its comment by the marker when the id is lost, and stores it on the alias', async () => {
    const p = await project();
    const pr = ++prNumber;
    // Another project's comment, a quote of the marker, and many others.
    github.addComment(
      'acme',
      'site',
      pr,
      `${commentMarker('other')}\nnot ours`,
    );
    github.addComment('acme', 'site', pr, `see ${commentMarker(p.id)}`);
    for (let i = 0; i < 120; i++) {
      github.addComment('acme', 'site', pr, `review ${i}`);
    }
    const ours = github.addComment(
      'acme',
      'site',
      pr,
      `${commentMarker(p.id)}\nan old table`,
    );
    const d = await deploy(p, {
      pr_number: pr,
      commit_sha: sha('b'),
      status: 'ready',
    });
    await ctx.db.aliases.point(p, d);

    const before = github.requests.length;
    await feedback({ statuses: false }).report(d);
    expect(requestsSince(before)).toEqual([
      `GET /repos/acme/site/issues/${pr}/comments`,
      `GET /repos/acme/site/issues/${pr}/comments`,
      `PATCH /repos/acme/site/issues/comments/${ours}`,
    ]);
    expect(github.comments.find(c => c.id === ours)?.body).toContain(
      '✅ Ready',
    );
    expect(await ctx.db.aliases.get(p.id, 'feature/x')).toMatchObject({
      pr_number: pr,
      pr_comment_id: String(ours),
    });

    // Another replica edits it by the stored id, without searching.
    const next = await feedback({ statuses: false });
    const at = github.requests.length;
    await next.report(await setStatus(d, 'failed'));
    expect(requestsSince(at)).toEqual([
      `PATCH /repos/acme/site/issues/comments/${ours}`,
    ]);

    // A comment someone deleted is posted again, and the new id stored.
    github.deleteComment(ours);
    await feedback({ statuses: false }).report(d);
    const [again] = commentsOn(pr).filter(c =>
      c.body.startsWith(commentMarker(p.id)),
    );
    expect(again.id).not.toBe(ours);
    expect((await ctx.db.aliases.get(p.id, 'feature/x'))?.pr_comment_id).toBe(
      String(again.id),
    );
  });

  it('never edits the comment of an earlier pull request of the same branch', async () => {
    const p = await project();
    const [oldPr, newPr] = [++prNumber, ++prNumber];
    const old = await deploy(p, {
      pr_number: oldPr,
      commit_sha: sha('c'),
      status: 'ready',
    });
    await ctx.db.aliases.point(p, old);
    await feedback({ statuses: false }).report(old);
    const [oldComment] = commentsOn(oldPr);

    const d = await deploy(p, {
      pr_number: newPr,
      commit_sha: sha('d'),
      status: 'ready',
    });
    await ctx.db.aliases.point(p, d);
    await feedback({ statuses: false }).report(d);
    expect(commentsOn(newPr)).toHaveLength(1);
    expect(github.comments.find(c => c.id === oldComment.id)?.edits).toBe(0);
  });

  it('lets the newest deployment of a commit or pull request have the last word', async () => {
    const p = await project();
    const pr = ++prNumber;
    const older = await deploy(p, {
      pr_number: pr,
      commit_sha: sha('e'),
      status: 'canceled',
      error: 'Superseded',
    });
    const newer = await deploy(p, {
      pr_number: pr,
      commit_sha: sha('e'),
      status: 'ready',
    });
    const nh = feedback();
    await nh.report(newer);
    const before = github.requests.length;
    // The older one's late report changes neither the status nor the comment.
    await nh.report(older);
    expect(requestsSince(before)).toEqual([]);
    expect(github.statuses.filter(s => s.sha === sha('e'))).toEqual([
      expect.objectContaining({
        state: 'success',
        description: `Ready: https://${p.slug}-${newer.short_id}.example.app`,
      }),
    ]);
  });

  it('says nothing without credentials, an integration, a commit, or when turned off', async () => {
    const before = github.requests.length;
    const anonymous = await project('https://github.com/acme/site.git');
    const elsewhere = await project('https://gitlab.example.com/acme/site');
    const nh = feedback();
    for (const p of [anonymous, elsewhere]) {
      await nh.report(
        await deploy(p, {
          pr_number: 1,
          commit_sha: sha('f'),
          status: 'ready',
        }),
      );
    }
    const covered = await project();
    await nh.report(await deploy(covered, { status: 'queued' }));
    expect(requestsSince(before)).toEqual([]);

    await feedback({ comments: false }).report(
      await deploy(covered, {
        pr_number: ++prNumber,
        commit_sha: sha('9'),
        status: 'building',
      }),
    );
    expect(requestsSince(before)).toEqual([
      `POST /repos/acme/site/statuses/${sha('9')}`,
    ]);
  });

  it('logs a failure as a warning without the token, and reports again on the next change', async () => {
    const logger = mockServices.logger.mock();
    const p = await project();
    const d = await deploy(p, { commit_sha: sha('7'), status: 'building' });
    github.fail(502, Infinity, `upstream said: Authorization: token ${TOKEN}`);
    const nh = feedback({ logger });
    await expect(nh.report(d)).resolves.toBeUndefined();
    // Three tries: the first and two retries.
    expect(
      github.failed.filter(f => f.request.endsWith(`/statuses/${sha('7')}`)),
    ).toHaveLength(3);
    const warnings = JSON.stringify(logger.warn.mock.calls);
    expect(warnings).toContain('commit status');
    expect(warnings).toContain('502');
    expect(warnings).not.toContain(TOKEN);

    github.heal();
    // The same state again: the failed report is not remembered as done.
    await nh.report(d);
    expect(github.statuses.filter(s => s.sha === sha('7'))).toEqual([
      expect.objectContaining({ state: 'pending', description: 'Building' }),
    ]);
  });
});
