import { TestDatabases } from '@backstage/backend-test-utils';
import { randomBytes } from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import {
  logTexts,
  NovahostTestBackend,
  startNovahostTestBackend,
  user,
} from './__testUtils__/backend';
import { FakeGithubApp, startFakeGithubApp } from './__testUtils__/githubApp';
import { kubernetesSuite } from './__testUtils__/kubernetesSuite';
import {
  BareRepo,
  createBareRepo,
  GitHttpServer,
  startGitHttpServer,
} from './__testUtils__/gitHttpServer';

jest.setTimeout(180_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15'] });

/**
 * What the GitHub App's installation on `acme` hands out, one per build, in
 * order: known before the site repository is made, so its build can look
 * for them.
 */
const APP_TOKENS = Array.from(
  { length: 8 },
  () => `ghs_${randomBytes(18).toString('hex')}`,
);
const HEADERS = APP_TOKENS.map(t =>
  Buffer.from(`x-access-token:${t}`).toString('base64'),
);
const CANARY = 'novahost-canary-in-the-work-directory';
const reversed = (s: string) => [...s].reverse().join('');

/**
 * A site whose build (the untrusted step) searches everything it can read,
 * its work directory and its environment, for the clone credential, and
 * for a canary the checkout holds (proof that the search reads the
 * checkout). The repository holds the needles reversed, so only the real
 * thing matches.
 */
const SITE = {
  'canary.txt': `${CANARY}\n`,
  'needles.json': JSON.stringify({
    credential: [...APP_TOKENS, ...HEADERS].map(reversed),
    canary: [reversed(CANARY)],
  }),
  'build.js': `
const fs = require('fs');
const path = require('path');
const needles = require('./needles.json');
const work = path.resolve('..');
const found = { credential: [], canary: [] };
const check = (where, text) => {
  for (const kind of Object.keys(found)) {
    const hit = needles[kind].some(n => text.includes([...n].reverse().join('')));
    if (hit) found[kind].push(where);
  }
};
let files = 0;
const walk = dir => {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.isFile()) {
      files++;
      check(path.relative(work, p), fs.readFileSync(p).toString('latin1'));
    }
  }
};
walk(work);
for (const [k, v] of Object.entries(process.env)) check('env ' + k, v);
console.log('scanned ' + files + ' files');
console.log('canary in: ' + found.canary.join(', '));
console.log('credential in: ' + (found.credential.join(', ') || 'nothing'));
fs.mkdirSync('dist', { recursive: true });
fs.writeFileSync('dist/index.html', '<h1>private</h1>');
`,
};

/**
 * Issue 15: private repositories are cloned with credentials from the
 * app's `integrations` config. The Git host here is a real smart-HTTP
 * server that wants a token for everything; the GitHub App's tokens come
 * from GitHub's API (a real HTTP server speaking its app endpoints).
 */
let app: FakeGithubApp;
let appHost: GitHttpServer;
let bareHost: GitHttpServer;
let acmeSite: BareRepo;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'novahost-git-root-'));

beforeAll(async () => {
  acmeSite = createBareRepo(root, 'acme/site', { main: [{ files: SITE }] });
  createBareRepo(root, 'other/site', { main: [{ files: SITE }] });
  let minted = 0;
  app = await startFakeGithubApp({
    owners: ['acme'],
    mint: () => {
      if (minted === APP_TOKENS.length) throw new Error('Out of test tokens');
      return APP_TOKENS[minted++];
    },
  });
  // Only tokens the app issued and did not revoke open the repositories.
  appHost = await startGitHttpServer({ root, token: t => app.valid(t) });
  // A host the integrations know but hold no credential for.
  bareHost = await startGitHttpServer({ root, token: 'unknown-token-0000' });
});

afterAll(async () => {
  await Promise.all([app?.close(), appHost?.close(), bareHost?.close()]);
  fs.rmSync(root, { recursive: true, force: true });
});

const integrations = () => ({
  integrations: {
    github: [
      { host: appHost.host, apiBaseUrl: app.apiBaseUrl, apps: [app.appConfig] },
      { host: bareHost.host, apiBaseUrl: `${bareHost.origin}/api/v3` },
    ],
  },
});

/**
 * Builds `repoUrl` in a new project: the deployment as it ended, its log,
 * and the token requests and clone requests it made.
 */
async function build(nh: NovahostTestBackend, name: string, repoUrl: string) {
  const requests = app.tokenRequests.length;
  const gitRequests = appHost.requests.length;
  const project = await nh.createProject({
    name,
    repoUrl,
    installCommand: 'true',
    buildCommand: 'node build.js',
    outputDirectory: 'dist',
  });
  const queued = await nh.deploy(project.id);
  const logs = logTexts(await nh.logs(queued.id, { timeoutMs: 90_000 }));
  const deployment = await nh.getDeployment(queued.id);
  return {
    deployment,
    logs,
    // The clone's; the backend's own API calls (commit statuses) get others.
    tokenRequests: app.tokenRequests
      .slice(requests)
      .filter(r => r.repositories !== undefined),
    clones: appHost.requests
      .slice(gitRequests)
      .filter(r => r.path.startsWith('/acme/')),
  };
}

/** Whether the deployment's end revoked `token` (the revocation follows it). */
async function revoked(token: string | undefined): Promise<boolean> {
  const deadline = Date.now() + 10_000;
  while (!app.revoked.includes(token!) && Date.now() < deadline) {
    await new Promise(r => setTimeout(r, 50));
  }
  return app.revoked.includes(token!);
}

/** What the Git host answers a fetch with `token`. */
async function gitAnswers(token: string | undefined) {
  const res = await fetch(
    `${appHost.url('acme/site')}/info/refs?service=git-upload-pack`,
    {
      headers: {
        authorization: `Basic ${Buffer.from(`x-access-token:${token}`).toString(
          'base64',
        )}`,
      },
    },
  );
  await res.arrayBuffer();
  return res.status;
}

/**
 * What a private build shows: its end, the one token it asked the app for
 * (scoped to the repository, contents: read), whether every clone request
 * carried that token, whether the deployment's end revoked it (the Git
 * host refuses it then), what the build step found of the checkout's
 * canary and of the credential, and whether a token reached the API's
 * answers.
 */
async function privateBuildReport(out: Awaited<ReturnType<typeof build>>) {
  const token = out.tokenRequests[0]?.token;
  const scanned = Number(
    out.logs.find(l => l.startsWith('scanned '))?.split(' ')[1],
  );
  const everything = JSON.stringify([out.deployment, out.logs]);
  return {
    status: out.deployment.status,
    commitSha: out.deployment.commitSha,
    tokenRequests: out.tokenRequests.map(r => ({
      repositories: r.repositories,
      permissions: r.permissions,
    })),
    clonedWithToken:
      out.clones.length > 0 && out.clones.every(r => r.password === token),
    revokedAtTheEnd: await revoked(token),
    gitAnswersTheRevokedToken: await gitAnswers(token),
    scannedSomeFiles: scanned > 5,
    canary: out.logs.find(l => l.startsWith('canary in: ')),
    credential: out.logs.find(l => l.startsWith('credential in: ')),
    leaked: [...APP_TOKENS, ...HEADERS].some(t => everything.includes(t)),
  };
}

/**
 * The build is ready; it got one app token, for acme/site with contents:
 * read; its clone carried that token, which was revoked when the
 * deployment ended; and the build step read its work directory (the
 * checkout's canary is there) and found the credential nowhere in it nor
 * in its environment.
 */
const privateBuildOk = () => ({
  status: 'ready',
  commitSha: acmeSite.head('main'),
  tokenRequests: [
    { repositories: ['site'], permissions: { contents: 'read' } },
  ],
  clonedWithToken: true,
  revokedAtTheEnd: true,
  gitAnswersTheRevokedToken: 401,
  scannedSomeFiles: true,
  canary: 'canary in: repo/canary.txt',
  credential: 'credential in: nothing',
  leaked: false,
});

describe('private repositories on the local runner', () => {
  let nh: NovahostTestBackend;

  beforeAll(async () => {
    nh = await startNovahostTestBackend({
      config: integrations(),
      novahost: {
        proxy: { baseDomain: 'localhost', publicPort: 8080 },
        builds: { timeoutSeconds: 60 },
        runner: { type: 'local' },
      },
    });
  });

  afterAll(async () => {
    await nh?.stop();
  });

  it('clones with a new GitHub App installation token per build, scoped to the repository, that the build step never sees', async () => {
    const first = await build(nh, 'private', appHost.url('acme/site'));
    expect(await privateBuildReport(first)).toEqual(privateBuildOk());
    const second = await build(nh, 'private-again', appHost.url('acme/site'));
    expect(await privateBuildReport(second)).toEqual(privateBuildOk());
    expect(second.tokenRequests[0].token).not.toBe(
      first.tokenRequests[0].token,
    );
  });

  it('fails a build the integrations hold no credential for, naming the host and what to configure', async () => {
    const notInstalled = await build(
      nh,
      'not-installed',
      appHost.url('other/site'),
    );
    const expected = `${appHost.host}: no credentials for other/site; the GitHub App of integrations.github is not installed on other with access to other/site: install it there, or add a token`;
    expect(notInstalled.deployment).toMatchObject({ status: 'failed' });
    expect(notInstalled.deployment.error.split('\n')[0]).toBe(expected);
    expect(notInstalled.logs).toContain(`Build failed: ${expected}`);
    expect(
      appHost.requests
        .filter(r => r.path.startsWith('/other/'))
        .every(r => r.password === undefined),
    ).toBe(true);

    const none = await build(nh, 'no-credentials', bareHost.url('acme/site'));
    expect(none.deployment.error.split('\n')[0]).toBe(
      `${bareHost.host}: no credentials for acme/site; add integrations.github with a GitHub App installed on acme/site or a token`,
    );
  });

  it('takes http:// only for a host whose integration is configured with an http:// URL', async () => {
    for (const repoUrl of [
      'http://127.0.0.1:1/acme/site.git',
      'http://github.com/acme/site',
    ]) {
      const res = await nh.api
        .post('/api/novahost/projects')
        .set(user)
        .send({ name: 'plain', repoUrl });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toBe(
        'repoUrl: http:// is only for a Git server whose integration is configured with an http:// URL (apiBaseUrl of integrations.github or bitbucketServer, baseUrl of integrations.gitlab); use an https:// URL',
      );
    }
    const withCredentials = await nh.api
      .post('/api/novahost/projects')
      .set(user)
      .send({
        name: 'inline',
        repoUrl: `http://x-access-token:${APP_TOKENS[0]}@${appHost.host}/acme/site.git`,
      });
    expect(withCredentials.status).toBe(400);
    expect(withCredentials.body.error.message).toMatch(
      /must not contain credentials/,
    );
    expect(JSON.stringify(withCredentials.body)).not.toContain(APP_TOKENS[0]);
  });
});

describe.each(databases.eachSupportedId())(
  'private repositories on the kubernetes runner (%p)',
  id => {
    const suite = kubernetesSuite(databases, id);

    it('gives the credential to the clone container only: not the Job, its Secret or the build container', async () => {
      const nh = await suite.start({}, integrations());
      const out = await build(nh, 'private-k8s', appHost.url('acme/site'));
      expect(await privateBuildReport(out)).toEqual(privateBuildOk());
      const token = out.tokenRequests[0].token;
      const objects = JSON.stringify([
        suite.k8s.created,
        suite.k8s.createdSecrets,
      ]);
      expect(objects).toContain('"clone"');
      expect(objects).not.toContain(token);
      expect(objects).not.toContain(
        Buffer.from(`x-access-token:${token}`).toString('base64'),
      );
    });
  },
);
