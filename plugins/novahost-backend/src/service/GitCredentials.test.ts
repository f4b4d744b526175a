import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { ScmIntegrations } from '@backstage/integration';
import crypto from 'crypto';
import { FakeGithubApp, startFakeGithubApp } from '../__testUtils__/githubApp';
import type { DeploymentRow } from '../database/tables';
import { GitCredentials } from './GitCredentials';

const logger = mockServices.logger.mock();
const credentials = (integrations: object, now: () => number = Date.now) =>
  new GitCredentials(
    ScmIntegrations.fromConfig(new ConfigReader({ integrations })),
    logger,
    now,
  );
const base64 = (s: string) => Buffer.from(s).toString('base64');
const row = (id: string, status: DeploymentRow['status']) =>
  ({ id, status } as DeploymentRow);
const SITE = 'https://git.acme.test/acme/site.git';

describe('GitCredentials', () => {
  let app: FakeGithubApp;

  beforeAll(async () => {
    app = await startFakeGithubApp({ owners: ['acme'] });
  });
  afterAll(() => app.close());

  const withApp = (
    extra: object = {},
    appExtra: object = {},
    now: () => number = Date.now,
  ) =>
    credentials(
      {
        github: [
          {
            host: 'git.acme.test',
            apiBaseUrl: app.apiBaseUrl,
            apps: [{ ...app.appConfig, ...appExtra }],
            ...extra,
          },
        ],
      },
      now,
    );

  it('mints a GitHub App installation token scoped to the repository, with contents: read only', async () => {
    const git = withApp();
    const access = await git.forRepo(SITE, 'd1');
    const token = app.issued.at(-1)!;
    expect(token).toMatch(/^ghs_/);
    expect(app.refused).toBe(0);
    expect(app.tokenRequests.at(-1)).toEqual({
      installationId: 100,
      repositories: ['site'],
      permissions: { contents: 'read' },
      token,
    });
    expect(access).toEqual({
      credential: { username: 'x-access-token', password: token },
      hint: 'git.acme.test refused the GitHub App token of integrations.github for acme/site; give the app access to acme/site (Contents: read)',
    });
    expect(git.secrets()).toEqual(
      expect.arrayContaining([token, base64(`x-access-token:${token}`)]),
    );
  });

  it('mints a new token for each build, the same one for a build asking again, and revokes it when the deployment ends', async () => {
    const git = withApp();
    const password = async (id?: string) =>
      (await git.forRepo(SITE, id))?.credential?.password;
    const before = app.issued.length;
    const [first, again] = await Promise.all([password('a'), password('a')]);
    const second = await password('b');
    expect(again).toBe(first);
    expect(second).not.toBe(first);
    expect(await password()).not.toBe(second);
    expect(app.issued.slice(before)).toEqual([
      first,
      second,
      expect.any(String),
    ]);
    expect(app.tokenRequests.slice(before).map(r => r.repositories)).toEqual([
      ['site'],
      ['site'],
      ['site'],
    ]);

    await git.deploymentChanged(row('a', 'building'));
    expect(app.valid(first)).toBe(true);
    await git.deploymentChanged(row('a', 'ready'));
    expect(app.revoked).toContain(first);
    expect(app.valid(first)).toBe(false);
    expect(app.valid(second)).toBe(true);
    await git.deploymentChanged(row('b', 'canceled'));
    expect(app.valid(second)).toBe(false);
    // Revoked tokens stay masked: a build's lines may still arrive.
    expect(git.secrets()).toEqual(expect.arrayContaining([first, second]));
    // A build of a deployment that ended anew gets a new token.
    expect(await password('a')).not.toBe(first);
    const revokedBefore = app.revoked.length;
    await git.deploymentChanged(row('unknown', 'failed'));
    expect(app.revoked.length).toBe(revokedBefore);
  });

  it('looks installation ids up again only after a few minutes', async () => {
    let now = Date.now();
    const git = withApp({}, {}, () => now);
    const lookups = app.lookups;
    await git.forRepo(SITE, 'x');
    await git.forRepo(SITE, 'y');
    expect(app.lookups).toBe(lookups + 1);
    now += 6 * 60_000;
    await git.forRepo(SITE, 'z');
    expect(app.lookups).toBe(lookups + 2);
  });

  it('mints nothing for an owner outside allowedInstallationOwners', async () => {
    const requests = app.tokenRequests.length;
    const access = await withApp(
      {},
      { allowedInstallationOwners: ['Beta'] },
    ).forRepo(SITE, 'd');
    expect(access).toEqual({
      hint: 'git.acme.test: no credentials for acme/site; acme is not in allowedInstallationOwners of the GitHub Apps of integrations.github: add it, or add a token',
    });
    expect(app.tokenRequests.length).toBe(requests);
    const allowed = await withApp(
      {},
      { allowedInstallationOwners: ['ACME'] },
    ).forRepo(SITE, 'd');
    expect(allowed?.credential?.password).toBe(app.issued.at(-1));
  });

  it('is refused without a JWT signed by the app key', async () => {
    const { privateKey } = crypto.generateKeyPairSync('rsa', {
      modulusLength: 2048,
    });
    const refused = app.refused;
    const issued = app.issued.length;
    const access = await withApp(
      {},
      {
        privateKey: privateKey
          .export({ type: 'pkcs1', format: 'pem' })
          .toString(),
      },
    ).forRepo(SITE, 'd');
    expect(access).toEqual({
      hint: `git.acme.test: no credentials for acme/site; integrations.github could not mint a GitHub App token at ${app.apiBaseUrl}: A JSON web token could not be decoded`,
    });
    expect(app.refused).toBe(refused + 1);
    expect(app.issued.length).toBe(issued);
  });

  it('names the owner the app is not installed on, and falls back to a token', async () => {
    const access = await withApp().forRepo('https://git.acme.test/other/site');
    expect(access).toEqual({
      hint: 'git.acme.test: no credentials for other/site; the GitHub App of integrations.github is not installed on other with access to other/site: install it there, or add a token',
    });
    const fallback = await withApp({
      token: 'ghp_fallbacktoken0123456789',
    }).forRepo('https://git.acme.test/other/site');
    expect(fallback?.credential).toEqual({
      username: 'x-access-token',
      password: 'ghp_fallbacktoken0123456789',
    });
    expect(fallback?.hint).toBe(
      'git.acme.test refused the token of integrations.github for other/site; give it read access to other/site',
    );
  });

  it('says why when GitHub does not answer', async () => {
    const down = await startFakeGithubApp({ owners: ['acme'] });
    await down.close();
    const git = credentials({
      github: [
        {
          host: 'git.acme.test',
          apiBaseUrl: down.apiBaseUrl,
          apps: [down.appConfig],
        },
      ],
    });
    const access = await git.forRepo('https://git.acme.test/acme/site');
    expect(access?.credential).toBeUndefined();
    expect(access?.hint).toBe(
      `git.acme.test: no credentials for acme/site; integrations.github could not mint a GitHub App token at ${down.apiBaseUrl}: fetch failed`,
    );
  });

  it('names the host and what to configure when nothing is configured for it', async () => {
    const git = credentials({});
    expect(await git.forRepo('https://github.com/acme/site.git')).toEqual({
      hint: 'github.com: no credentials for acme/site; add integrations.github with a GitHub App installed on acme/site or a token',
    });
    expect(await git.forRepo('https://git.example.com/a/b')).toEqual({
      hint: 'git.example.com: no credentials for a/b; add an integration for git.example.com (integrations.github with a GitHub App or a token; integrations.gitlab, bitbucketCloud or bitbucketServer with a token)',
    });
    expect(await git.forRepo('/srv/repos/site')).toBeUndefined();
    expect(await git.forRepo('file:///srv/repos/site')).toBeUndefined();
  });

  it('uses the tokens of GitLab and Bitbucket integrations', async () => {
    const git = credentials({
      gitlab: [
        {
          host: 'gitlab.acme.test',
          apiBaseUrl: 'https://gitlab.acme.test/api/v4',
          token: 'glpat-0123456789abcdefghij',
        },
      ],
      bitbucketCloud: [{ username: 'bot', appPassword: 'app-password-123' }],
      bitbucketServer: [
        { host: 'bb.acme.test', username: 'bot', token: 'bbs-token-0123' },
        { host: 'bb2.acme.test', token: 'no-username-token' },
      ],
    });
    const cred = async (url: string) => (await git.forRepo(url))?.credential;
    expect(await cred('https://gitlab.acme.test/g/site.git')).toEqual({
      username: 'oauth2',
      password: 'glpat-0123456789abcdefghij',
    });
    expect(await cred('https://bitbucket.org/ws/site.git')).toEqual({
      username: 'bot',
      password: 'app-password-123',
    });
    expect(await cred('https://bb.acme.test/scm/p/site.git')).toEqual({
      username: 'bot',
      password: 'bbs-token-0123',
    });
    expect(await git.forRepo('https://bb2.acme.test/scm/p/site.git')).toEqual({
      hint: 'bb2.acme.test: no credentials for scm/p/site; add username and token (an HTTP access token) to integrations.bitbucketServer for bb2.acme.test',
    });
    expect(
      (await git.forRepo('https://gitlab.acme.test/g/site.git'))?.hint,
    ).toBe(
      'gitlab.acme.test refused the credentials of integrations.gitlab for g/site; check that they can read it',
    );
    // Configured secrets are masked even before any build got them.
    const configured = credentials({
      gitlab: [{ host: 'gitlab.com', token: 'glpat-configured-000000' }],
    });
    expect(configured.secrets()).toEqual(['glpat-configured-000000']);
  });

  it('forgets handed-out credentials hours after they expired', async () => {
    let now = Date.now();
    const git = credentials(
      { github: [{ host: 'github.com', token: 'ghp_statictoken0123456789' }] },
      () => now,
    );
    await git.forRepo('https://github.com/acme/site');
    expect(git.secrets()).toContain(
      base64('x-access-token:ghp_statictoken0123456789'),
    );
    now += 4 * 3600_000;
    expect(git.secrets()).toEqual(['ghp_statictoken0123456789']);
  });

  it('allows plain http:// only on a host whose integration is configured with an http:// URL', () => {
    const git = credentials({
      github: [
        { host: 'github.com', token: 'ghp_statictoken0123456789' },
        { host: '127.0.0.1:3000', apiBaseUrl: 'http://127.0.0.1:3000/api/v3' },
      ],
      gitlab: [
        {
          host: 'gitlab.lan',
          baseUrl: 'http://gitlab.lan',
          apiBaseUrl: 'http://gitlab.lan/api/v4',
        },
      ],
    });
    expect(git.allowsPlainHttp('http://127.0.0.1:3000/acme/site.git')).toBe(
      true,
    );
    expect(git.allowsPlainHttp('http://gitlab.lan/g/site')).toBe(true);
    expect(git.allowsPlainHttp('http://github.com/acme/site')).toBe(false);
    expect(git.allowsPlainHttp('http://127.0.0.1:3001/acme/site')).toBe(false);
    expect(git.allowsPlainHttp('https://127.0.0.1:3000/acme/site')).toBe(false);
    expect(git.allowsPlainHttp('not a url')).toBe(false);
  });
});
