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

/** What the GitHub App's installation on `acme` hands out. */
const APP_TOKEN = `ghs_${randomBytes(18).toString('hex')}`;
const HEADER = Buffer.from(`x-access-token:${APP_TOKEN}`).toString('base64');
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
    credential: [APP_TOKEN, HEADER].map(reversed),
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
  app = await startFakeGithubApp({ owners: ['acme'], mint: () => APP_TOKEN });
  appHost = await startGitHttpServer({ root, token: APP_TOKEN });
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

/** Builds `repoUrl` in a new project; the deployment as it ended and its log. */
async function build(nh: NovahostTestBackend, name: string, repoUrl: string) {
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
  return { deployment, logs };
}

/**
 * What a private build shows: its end, whether every clone request carried
 * the app token, what the build step found of the checkout's canary and
 * of the credential, and whether the token reached the API's answers.
 */
function privateBuildReport(out: Awaited<ReturnType<typeof build>>) {
  const clones = appHost.requests.filter(r => r.path.startsWith('/acme/'));
  const scanned = Number(
    out.logs.find(l => l.startsWith('scanned '))?.split(' ')[1],
  );
  const everything = JSON.stringify(out);
  return {
    status: out.deployment.status,
    commitSha: out.deployment.commitSha,
    tokenIssued: app.issued.includes(APP_TOKEN),
    clonedWithToken:
      clones.length > 0 && clones.every(r => r.password === APP_TOKEN),
    scannedSomeFiles: scanned > 5,
    canary: out.logs.find(l => l.startsWith('canary in: ')),
    credential: out.logs.find(l => l.startsWith('credential in: ')),
    leaked: everything.includes(APP_TOKEN) || everything.includes(HEADER),
  };
}

/**
 * The build is ready, its clone carried the app token, and the build step
 * read its work directory (the checkout's canary is there) and found the
 * credential nowhere in it nor in its environment.
 */
const privateBuildOk = () => ({
  status: 'ready',
  commitSha: acmeSite.head('main'),
  tokenIssued: true,
  clonedWithToken: true,
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

  it('clones with a GitHub App installation token that the build step never sees', async () => {
    const out = await build(nh, 'private', appHost.url('acme/site'));
    expect(privateBuildReport(out)).toEqual(privateBuildOk());
  });

  it('fails a build the integrations hold no credential for, naming the host and what to configure', async () => {
    const notInstalled = await build(
      nh,
      'not-installed',
      appHost.url('other/site'),
    );
    const expected = `${appHost.host}: no credentials for other/site; the GitHub App of integrations.github is not installed on other: install it with access to other/site, or add a token`;
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
        repoUrl: `http://x-access-token:${APP_TOKEN}@${appHost.host}/acme/site.git`,
      });
    expect(withCredentials.status).toBe(400);
    expect(withCredentials.body.error.message).toMatch(
      /must not contain credentials/,
    );
    expect(JSON.stringify(withCredentials.body)).not.toContain(APP_TOKEN);
  });
});

describe.each(databases.eachSupportedId())(
  'private repositories on the kubernetes runner (%p)',
  id => {
    const suite = kubernetesSuite(databases, id);

    it('gives the credential to the clone container only: not the Job, its Secret or the build container', async () => {
      const nh = await suite.start({}, integrations());
      const out = await build(nh, 'private-k8s', appHost.url('acme/site'));
      expect(privateBuildReport(out)).toEqual(privateBuildOk());
      const objects = JSON.stringify([
        suite.k8s.created,
        suite.k8s.createdSecrets,
      ]);
      expect(objects).toContain('"clone"');
      expect(objects).not.toContain(APP_TOKEN);
      expect(objects).not.toContain(HEADER);
    });
  },
);
