import { TestDatabases } from '@backstage/backend-test-utils';
import { blobKey, manifestKey } from '@internal/plugin-novahost-common';
import { randomBytes } from 'crypto';
import fs from 'fs';
import { Knex } from 'knex';
import os from 'os';
import path from 'path';
import {
  Deployment,
  logTexts,
  NovahostTestBackend,
  startNovahostTestBackend,
  user,
} from './__testUtils__/backend';
import type { createSiteRepo } from './__testUtils__/repo';
import { keyIdOf } from './service/secrets/SecretBox';

/**
 * Issue 16: project variables by target, secrets encrypted at rest and
 * masked in every form, system variables, redeploy; real builds on the
 * local runner, on both database engines.
 */
jest.setTimeout(180_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

const SECRET = `cms/${randomBytes(9).toString('base64url')} +&=?`;
const FORMS = [
  SECRET,
  Buffer.from(SECRET).toString('base64'),
  encodeURIComponent(SECRET),
];

/**
 * Prints what it got (the secret as it is, in base64 and URL-encoded),
 * writes it into its output, and fails printing the secret when FAIL is set.
 */
const BUILD_JS = `
const fs = require('fs');
const e = process.env;
console.log('API_URL=' + e.API_URL + ' ONLY=' + (e.PRODUCTION_ONLY || '-'));
for (const k of ['NOVAHOST', 'CI', 'NOVAHOST_ENV', 'NOVAHOST_GIT_BRANCH', 'NOVAHOST_GIT_COMMIT_SHA', 'NOVAHOST_PROJECT', 'NOVAHOST_URL', 'NOVAHOST_BRANCH_URL']) {
  console.log(k + '=' + e[k]);
}
if (e.CMS_TOKEN) {
  console.log('plain ' + e.CMS_TOKEN);
  console.error('base64 ' + Buffer.from(e.CMS_TOKEN).toString('base64'));
  console.log('url ' + encodeURIComponent(e.CMS_TOKEN));
}
if (e.FAIL) { console.error('failing with ' + e.CMS_TOKEN); process.exit(3); }
fs.mkdirSync('dist', { recursive: true });
fs.writeFileSync('dist/index.html', 'ok');
fs.writeFileSync('dist/env.json', JSON.stringify({ API_URL: e.API_URL, CMS_TOKEN: e.CMS_TOKEN || null }));
`;

const key = () => randomBytes(32).toString('base64');

describe.each(databases.eachSupportedId())('project variables (%p)', id => {
  let knex: Knex;
  let nh: NovahostTestBackend;
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'novahost-env-'));
  const firstKey = key();

  const start = (secrets: object) =>
    startNovahostTestBackend({
      knex,
      storeDir,
      novahost: {
        proxy: { baseDomain: 'localhost', publicPort: 8080 },
        builds: { timeoutSeconds: 60 },
        runner: { type: 'local' },
        secrets,
      },
    });

  beforeAll(async () => {
    knex = await databases.init(id);
    nh = await start({ encryptionKey: firstKey });
  });

  afterAll(async () => {
    await nh?.stop();
    fs.rmSync(storeDir, { recursive: true, force: true });
  });

  const put = (project: string, name: string, body: object) =>
    nh.api
      .put(`/api/novahost/projects/${project}/env/${name}`)
      .set(user)
      .send(body);
  const ended = (d: Deployment) =>
    nh.waitForDeployment(d.id, x =>
      ['ready', 'failed', 'canceled'].includes(x.status),
    );
  /** Deploys and follows the live log to the end. */
  const build = async (project: string, body: object = {}) => {
    const queued = await nh.deploy(project, body);
    const streamed = await nh.logs(queued.id, { timeoutMs: 90_000 });
    return { deployment: await ended(queued), streamed };
  };
  const output = (deploymentId: string) => {
    const manifest = JSON.parse(
      fs.readFileSync(path.join(storeDir, manifestKey(deploymentId)), 'utf8'),
    );
    const blob = blobKey(manifest.files['env.json'].hash);
    return JSON.parse(fs.readFileSync(path.join(storeDir, blob), 'utf8'));
  };
  const storedLog = async (deploymentId: string) =>
    (
      await knex('novahost_deployment_logs')
        .where({ deployment_id: deploymentId })
        .orderBy('seq')
    ).map(r => r.text as string);

  let project: { id: string; slug: string };
  let repo: ReturnType<typeof createSiteRepo>;
  let production: Deployment;

  it('builds each target with its own values; secrets reach the build, masked in every form', async () => {
    ({ project, repo } = await nh.createSiteProject(
      'env-site',
      { files: {}, buildJs: BUILD_JS },
      {
        installCommand: 'true',
        buildCommand: 'node build.js',
        outputDirectory: 'dist',
      },
    ));
    for (const [name, body] of [
      [
        'API_URL',
        { value: 'https://api.example.com', targets: ['production'] },
      ],
      [
        'API_URL',
        { value: 'https://preview.example.com', targets: ['preview'] },
      ],
      ['PRODUCTION_ONLY', { value: 'yes', targets: ['production'] }],
      [
        'CMS_TOKEN',
        { value: SECRET, targets: ['production', 'preview'], secret: true },
      ],
    ] as const) {
      const res = await put(project.id, name, body);
      expect(res.status).toBe(200);
      expect(JSON.stringify(res.body)).not.toContain(SECRET);
    }

    const prod = await build(project.id);
    production = prod.deployment;
    repo.checkout('feature/login');
    const preview = await build(project.id, { ref: 'feature/login' });
    // With the error in the message when a build fails.
    expect(
      [production, preview.deployment].map(d => [d.status, d.error]),
    ).toEqual([
      ['ready', null],
      ['ready', null],
    ]);

    const prodLog = await storedLog(production.id);
    expect(prodLog).toContain('API_URL=https://api.example.com ONLY=yes');
    expect(prodLog).toEqual(
      expect.arrayContaining([
        'NOVAHOST=1',
        'CI=1',
        'NOVAHOST_ENV=production',
        'NOVAHOST_GIT_BRANCH=main',
        `NOVAHOST_GIT_COMMIT_SHA=${production.commitSha}`,
        `NOVAHOST_PROJECT=${project.slug}`,
        `NOVAHOST_URL=${production.url}`,
        `NOVAHOST_BRANCH_URL=${production.aliasUrl}`,
      ]),
    );
    const previewLog = await storedLog(preview.deployment.id);
    expect(previewLog).toContain('API_URL=https://preview.example.com ONLY=-');
    expect(previewLog).toContain('NOVAHOST_ENV=preview');
    expect(previewLog).toContain(
      `NOVAHOST_BRANCH_URL=${preview.deployment.aliasUrl}`,
    );
    expect(output(production.id)).toEqual({
      API_URL: 'https://api.example.com',
      CMS_TOKEN: SECRET,
    });
    expect(output(preview.deployment.id).API_URL).toBe(
      'https://preview.example.com',
    );

    // The live stream, the replay and the database: masked.
    for (const [streamed, stored, replayed] of [
      [logTexts(prod.streamed), prodLog, await nh.logs(production.id)],
      [
        logTexts(preview.streamed),
        previewLog,
        await nh.logs(preview.deployment.id),
      ],
    ] as const) {
      for (const texts of [streamed, stored, logTexts(replayed)]) {
        expect(texts).toEqual(
          expect.arrayContaining(['plain ***', 'base64 ***', 'url ***']),
        );
        for (const form of FORMS) expect(texts.join('\n')).not.toContain(form);
      }
    }
  });

  it('never answers with a secret and keeps only its ciphertext', async () => {
    const res = await nh.api
      .get(`/api/novahost/projects/${project.id}/env`)
      .set(user);
    expect(res.status).toBe(200);
    expect(
      res.body.items.map((v: any) => [v.name, v.targets, v.value]),
    ).toEqual([
      ['API_URL', ['production'], 'https://api.example.com'],
      ['API_URL', ['preview'], 'https://preview.example.com'],
      ['CMS_TOKEN', ['production', 'preview'], undefined],
      ['PRODUCTION_ONLY', ['production'], 'yes'],
    ]);
    expect(res.body.items[2]).toEqual({
      name: 'CMS_TOKEN',
      targets: ['production', 'preview'],
      secret: true,
      updatedAt: expect.any(String),
      updatedBy: 'user:default/mock',
    });
    const rows = await knex('novahost_env_vars').where({
      project_id: project.id,
    });
    const all = JSON.stringify(rows);
    for (const form of FORMS) expect(all).not.toContain(form);
    expect(rows.filter(r => r.name === 'CMS_TOKEN')).toEqual([
      expect.objectContaining({
        value: null,
        key_id: keyIdOf(Buffer.from(firstKey, 'base64')),
      }),
      expect.objectContaining({ value: null }),
    ]);
    const deployments = JSON.stringify(
      (
        await nh.api
          .get(`/api/novahost/projects/${project.id}/deployments`)
          .set(user)
      ).body,
    );
    for (const form of FORMS) expect(deployments).not.toContain(form);
  });

  it('masks a secret in the error of a failed build', async () => {
    expect(
      (await put(project.id, 'FAIL', { value: '1', targets: ['production'] }))
        .status,
    ).toBe(200);
    const failed = await build(project.id);
    expect(failed.deployment).toMatchObject({ status: 'failed', exitCode: 3 });
    expect(failed.deployment.error).toContain('failing with ***');
    for (const form of FORMS) {
      expect(failed.deployment.error).not.toContain(form);
      expect(JSON.stringify(failed.streamed)).not.toContain(form);
    }
    expect(
      (
        await nh.api
          .delete(`/api/novahost/projects/${project.id}/env/FAIL`)
          .set(user)
      ).status,
    ).toBe(204);
  });

  it('refuses reserved and invalid names, oversize values and short secrets with a clear 400', async () => {
    const cases: Array<[string, object, string]> = [
      [
        'NOVAHOST_URL',
        { value: 'x', targets: ['preview'] },
        'Invalid variable name: NOVAHOST_URL is reserved by Novahost',
      ],
      [
        'PATH',
        { value: 'x', targets: ['preview'] },
        'Invalid variable name: PATH is reserved by Novahost',
      ],
      [
        'LD_PRELOAD',
        { value: 'x', targets: ['preview'] },
        'Invalid variable name: LD_PRELOAD is reserved by Novahost',
      ],
      [
        '1ABC',
        { value: 'x', targets: ['preview'] },
        'Invalid variable name: must be a POSIX name',
      ],
      [
        'A-B',
        { value: 'x', targets: ['preview'] },
        'Invalid variable name: must be a POSIX name',
      ],
      [
        'BIG',
        { value: 'x'.repeat(64 * 1024 + 1), targets: ['preview'] },
        'Invalid variable: value: must be at most 64 KiB',
      ],
      [
        'SHORT',
        { value: 'abc', targets: ['preview'], secret: true },
        'Invalid variable: value: a secret must be at least 8 characters',
      ],
      [
        'NONE',
        { value: 'x', targets: [] },
        'Invalid variable: targets: must name production, preview or both',
      ],
      [
        'ODD',
        { value: 'x', targets: ['preview'], extra: 1 },
        'Invalid variable: variable: unknown field(s) extra',
      ],
    ];
    for (const [name, body, message] of cases) {
      const res = await put(project.id, name, body);
      expect([name, res.status]).toEqual([name, 400]);
      expect(res.body.error.message).toContain(message);
    }
    const target = await nh.api
      .delete(`/api/novahost/projects/${project.id}/env/API_URL?target=staging`)
      .set(user);
    expect(target.status).toBe(400);
    const missing = await nh.api
      .delete(`/api/novahost/projects/${project.id}/env/NOPE`)
      .set(user);
    expect(missing.status).toBe(404);
  });

  it('redeploys the same commit and branch with the current variables', async () => {
    repo.checkout('main');
    const newer = repo.commit({ 'later.html': 'moved on' });
    expect(newer).not.toBe(production.commitSha);
    await put(project.id, 'API_URL', {
      value: 'https://api-v2.example.com',
      targets: ['production'],
    });
    const res = await nh.api
      .post(`/api/novahost/deployments/${production.id}/redeploy`)
      .set(user)
      .send({ cache: false });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      source: 'redeploy',
      target: 'production',
      branch: 'main',
      commitSha: production.commitSha,
    });
    const again = await ended(res.body);
    expect(again).toMatchObject({
      status: 'ready',
      commitSha: production.commitSha,
    });
    const log = await storedLog(again.id);
    expect(log).toContain('API_URL=https://api-v2.example.com ONLY=yes');
    expect(log).toContain(
      `Redeploy of ${production.shortId} with the project's current variables, without the build cache`,
    );
    const row = await knex('novahost_deployments')
      .where({ id: again.id })
      .first();
    expect(Boolean(row.build_cache)).toBe(false);

    const bad = await nh.api
      .post(`/api/novahost/deployments/${production.id}/redeploy`)
      .set(user)
      .send({ cache: 'no' });
    expect(bad.status).toBe(400);
    const unknown = await nh.api
      .post(
        '/api/novahost/deployments/00000000-0000-0000-0000-000000000000/redeploy',
      )
      .set(user)
      .send({});
    expect(unknown.status).toBe(404);
  });

  it('does not start with a key that opens no stored secret; rotates to a new key', async () => {
    await nh.stop();
    await expect(start({ encryptionKey: key() })).rejects.toThrow(
      /secret variables are encrypted with key [0-9a-f]{16}, which is neither novahost\.secrets\.encryptionKey/,
    );
    await expect(start({})).rejects.toThrow(
      /secret variables are stored \(key [0-9a-f]{16}\) but no key is configured/,
    );
    const secondKey = key();
    nh = await start({ encryptionKey: secondKey, previousKeys: [firstKey] });
    const secondId = keyIdOf(Buffer.from(secondKey, 'base64'));
    const keyIds = await knex('novahost_env_vars')
      .where({ project_id: project.id, secret: true })
      .pluck('key_id');
    expect(keyIds).toEqual([secondId, secondId]);
    await nh.stop();
    // The old key is no longer needed.
    nh = await start({ encryptionKey: secondKey });
    const rebuilt = await build(project.id);
    expect(rebuilt.deployment.status).toBe('ready');
    expect(output(rebuilt.deployment.id).CMS_TOKEN).toBe(SECRET);
  });
});
