import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import {
  FakeGithubRest,
  startFakeGithubRest,
} from '../../__testUtils__/fakeGithubRest';
import { GithubApi } from './GithubApi';

const TOKEN = 'ghp_0123456789abcdefghijklmnopqrstuvwxyzAB';
const SHA = 'c'.repeat(40);

describe('GithubApi', () => {
  let fake: FakeGithubRest;
  let github: GithubApi;

  beforeAll(async () => {
    fake = await startFakeGithubRest({ token: TOKEN });
    const config = new ConfigReader({
      integrations: {
        github: [
          { host: 'git.acme.test', apiBaseUrl: fake.apiBaseUrl, token: TOKEN },
        ],
      },
    });
    github = GithubApi.fromConfig(config, mockServices.logger.mock(), {
      retryDelayMs: 5,
    });
  });

  afterAll(() => fake.close());
  afterEach(() => fake.heal());

  const status = async () => {
    const api = (await github.forRepo('https://git.acme.test/Acme/site.git'))!;
    return api.octokit.repos.createCommitStatus({
      owner: api.owner,
      repo: api.repo,
      sha: SHA,
      state: 'pending',
    });
  };

  it('gives an Octokit for a repository on a GitHub integration, with its token and API', async () => {
    const api = await github.forRepo('https://git.acme.test/Acme/site.git');
    expect(api).toMatchObject({
      owner: 'Acme',
      repo: 'site',
      authenticated: true,
    });
    const before = fake.statuses.length;
    await status();
    expect(fake.statuses.slice(before)).toEqual([
      { owner: 'Acme', repo: 'site', sha: SHA, state: 'pending' },
    ]);
    expect(fake.refused).toBe(0);
  });

  it('has nothing for repositories on no GitHub integration or that are no repository', async () => {
    expect(github.covers('https://git.acme.test/acme/site')).toBe(true);
    for (const url of [
      'https://gitlab.example.com/acme/site.git',
      'https://git.acme.test/acme',
      'https://git.acme.test/acme/site/tree/main',
      '/srv/repos/site',
      'not a url',
    ]) {
      expect(github.covers(url)).toBe(false);
      expect(await github.forRepo(url)).toBeUndefined();
    }
  });

  it('has only anonymous access to github.com when no credentials are configured for it', async () => {
    const api = await github.forRepo('https://github.com/acme/site');
    expect(api).toMatchObject({ authenticated: false });
  });

  it('retries 5xx answers and rate limits a little, then gives up', async () => {
    fake.fail(502, 2);
    let before = fake.requests.length;
    await status();
    expect(fake.requests.length - before).toBe(3);

    fake.fail(429, 1);
    before = fake.requests.length;
    await status();
    expect(fake.requests.length - before).toBe(2);

    fake.fail(503);
    before = fake.requests.length;
    await expect(status()).rejects.toMatchObject({ status: 503 });
    expect(fake.requests.length - before).toBe(3);
  });

  it('does not retry what a retry cannot fix', async () => {
    fake.fail(422, 1);
    const before = fake.requests.length;
    await expect(status()).rejects.toMatchObject({ status: 422 });
    expect(fake.requests.length - before).toBe(1);
  });
});
