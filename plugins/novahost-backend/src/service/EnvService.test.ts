import { mockServices } from '@backstage/backend-test-utils';
import { randomBytes } from 'crypto';
import {
  deploymentRow,
  describeEachDatabase,
  projectRow,
} from '../database/__testUtils__/fixtures';
import type { DeploymentRow, ProjectRow } from '../database/tables';
import { EnvService } from './EnvService';
import { SecretBox } from './secrets/SecretBox';

jest.setTimeout(60_000);

const urls = { baseDomain: 'localhost', scheme: 'http', port: 8080 } as const;
const SECRET = 'cms-token-0123456789';

describeEachDatabase('EnvService', ctx => {
  const logger = mockServices.logger.mock();
  const key = randomBytes(32);
  let env: EnvService;
  let project: ProjectRow;

  const service = (box: SecretBox | undefined) =>
    new EnvService({ db: ctx.db, box, logger, urls });
  const deployment = async (patch: Partial<DeploymentRow>) => {
    const row = deploymentRow(project.id, patch);
    await ctx.db.insertDeployment(row);
    return row;
  };
  const raw = () =>
    ctx
      .knex('novahost_env_vars')
      .where({ project_id: project.id })
      .orderBy(['name', 'target']);

  beforeEach(async () => {
    env = service(new SecretBox(key));
    project = projectRow({ slug: `site-${randomBytes(3).toString('hex')}` });
    await ctx.db.insertProject(project);
  });

  it('lists a secret without its value, and keeps only its ciphertext', async () => {
    await env.set(
      project,
      'API_URL',
      {
        value: 'https://api.example.com',
        targets: ['production', 'preview'],
      },
      'user:default/a',
    );
    const item = await env.set(
      project,
      'CMS_TOKEN',
      {
        value: SECRET,
        targets: ['production'],
        secret: true,
      },
      'user:default/a',
    );
    expect(item).toEqual({
      name: 'CMS_TOKEN',
      targets: ['production'],
      secret: true,
      updatedAt: expect.any(String),
      updatedBy: 'user:default/a',
    });
    const list = await env.list(project);
    expect(list).toEqual([
      expect.objectContaining({
        name: 'API_URL',
        targets: ['production', 'preview'],
        secret: false,
        value: 'https://api.example.com',
      }),
      item,
    ]);
    expect(JSON.stringify(list)).not.toContain(SECRET);

    const rows = await raw();
    const secret = rows.find(r => r.name === 'CMS_TOKEN');
    expect(secret).toMatchObject({ value: null, key_id: expect.any(String) });
    const everything = JSON.stringify(rows);
    for (const form of [SECRET, Buffer.from(SECRET).toString('base64')]) {
      expect(everything).not.toContain(form);
    }
    expect(
      Buffer.from(secret.ciphertext, 'base64').toString('latin1'),
    ).not.toContain('cms-token');
  });

  it('gives each target its own value, and a fork only the plain ones', async () => {
    await env.set(
      project,
      'API_URL',
      { value: 'prod', targets: ['production'] },
      undefined,
    );
    await env.set(
      project,
      'API_URL',
      { value: 'prev', targets: ['preview'] },
      undefined,
    );
    await env.set(
      project,
      'CMS_TOKEN',
      {
        value: SECRET,
        targets: ['production', 'preview'],
        secret: true,
      },
      undefined,
    );
    const prod = await deployment({ ref: 'main', target: 'production' });
    const preview = await deployment({
      ref: 'feature/x',
      target: 'preview',
      pr_number: 7,
    });
    const fork = await deployment({
      ref: 'fork-branch',
      target: 'preview',
      pr_number: 8,
      fork: true,
    });
    const built = await env.forBuild(prod, project);
    expect(built.env).toMatchObject({ API_URL: 'prod', CMS_TOKEN: SECRET });
    expect(built.secretEnv).toEqual(['CMS_TOKEN']);
    expect(built.env).toMatchObject({
      CI: '1',
      NOVAHOST: '1',
      NOVAHOST_ENV: 'production',
      NOVAHOST_PROJECT: project.slug,
      NOVAHOST_GIT_BRANCH: 'main',
      NOVAHOST_URL: `http://${project.slug}-${prod.short_id}.localhost:8080`,
      NOVAHOST_BRANCH_URL: `http://${project.slug}-git-main.localhost:8080`,
      NOVAHOST_PROJECT_PRODUCTION_URL: `http://${project.slug}.localhost:8080`,
    });
    expect((await env.forBuild(preview, project)).env).toMatchObject({
      API_URL: 'prev',
      CMS_TOKEN: SECRET,
      NOVAHOST_ENV: 'preview',
      NOVAHOST_GIT_BRANCH: 'feature/x',
      NOVAHOST_GIT_PULL_REQUEST: '7',
      NOVAHOST_BRANCH_URL: `http://${project.slug}-git-feature-x.localhost:8080`,
    });
    const forked = await env.forBuild(fork, project);
    expect(forked.env.API_URL).toBe('prev');
    expect(forked.env.CMS_TOKEN).toBeUndefined();
    expect(forked.secretEnv).toEqual([]);
    // Both API_URL values are listed, each with its target.
    expect(
      (await env.list(project)).map(v => [v.name, v.targets, v.value]),
    ).toEqual([
      ['API_URL', ['production'], 'prod'],
      ['API_URL', ['preview'], 'prev'],
      ['CMS_TOKEN', ['production', 'preview'], undefined],
    ]);
  });

  it('uses the stored alias label, which may carry a hash', async () => {
    const row = await deployment({ ref: 'main', target: 'production' });
    const alias = await ctx.db.aliases.point(project, row);
    await ctx
      .knex('novahost_aliases')
      .where({ project_id: project.id, branch: 'main' })
      .update({ label: `${alias.label}-abc123` });
    expect((await env.forBuild(row, project)).env.NOVAHOST_BRANCH_URL).toBe(
      `http://${alias.label}-abc123.localhost:8080`,
    );
  });

  it('replaces a target, deletes one target or all, and says what is missing', async () => {
    await env.set(
      project,
      'X',
      { value: 'both', targets: ['production', 'preview'] },
      undefined,
    );
    await env.set(
      project,
      'X',
      { value: 'p', targets: ['preview'] },
      undefined,
    );
    expect((await env.list(project)).map(v => [v.targets, v.value])).toEqual([
      [['production'], 'both'],
      [['preview'], 'p'],
    ]);
    await env.remove(project, 'X', 'preview');
    expect((await env.list(project)).map(v => v.targets)).toEqual([
      ['production'],
    ]);
    await expect(env.remove(project, 'X', 'preview')).rejects.toThrow(
      `${project.slug} has no variable X for preview`,
    );
    await env.remove(project, 'X');
    await expect(env.remove(project, 'X')).rejects.toThrow(
      `${project.slug} has no variable X`,
    );
    await expect(env.remove(project, 'PATH')).rejects.toThrow(
      /^Invalid variable name: PATH is reserved by Novahost/,
    );
  });

  it('refuses a target past 256 KiB, changing nothing', async () => {
    const big = 'x'.repeat(60 * 1024);
    for (const name of ['A', 'B', 'C', 'D']) {
      await env.set(
        project,
        name,
        { value: big, targets: ['preview'] },
        undefined,
      );
    }
    await expect(
      env.set(
        project,
        'E',
        { value: big, targets: ['preview', 'production'] },
        undefined,
      ),
    ).rejects.toThrow(
      `The preview variables of ${project.slug} would hold 300 KiB (307205 bytes) of names and values, over the limit of 256 KiB (262144 bytes) per deployment`,
    );
    expect((await env.list(project)).map(v => v.name)).toEqual([
      'A',
      'B',
      'C',
      'D',
    ]);
    // Production has room.
    await env.set(
      project,
      'E',
      { value: big, targets: ['production'] },
      undefined,
    );
  });

  it('refuses secrets without a key, and fails start-up with secrets no key opens', async () => {
    const keyless = service(undefined);
    await expect(
      keyless.set(
        project,
        'T',
        { value: SECRET, targets: ['preview'], secret: true },
        undefined,
      ),
    ).rejects.toThrow(/^Secret variables are off on this Novahost/);
    await keyless.set(
      project,
      'PLAIN',
      { value: 'ok', targets: ['preview'] },
      undefined,
    );

    await env.set(
      project,
      'T',
      { value: SECRET, targets: ['preview'], secret: true },
      undefined,
    );
    const keyId = new SecretBox(key).keyId;
    await expect(keyless.start()).rejects.toThrow(
      new RegExp(
        `^\\d+ secret variables are stored \\(key [0-9a-f, ]*${keyId}[0-9a-f, ]*\\) but no key is configured: set novahost.secrets.encryptionKey`,
      ),
    );
    const wrong = new SecretBox(randomBytes(32));
    await expect(service(wrong).start()).rejects.toThrow(
      new RegExp(
        `secret variables are encrypted with key [0-9a-f, ]*${keyId}[0-9a-f, ]*, which is neither novahost.secrets.encryptionKey \\(key ${wrong.keyId}\\) nor in novahost.secrets.previousKeys`,
      ),
    );
  });

  it('seals every secret again with the new key when the old one is a previous key', async () => {
    const oldKey = randomBytes(32);
    const before = service(new SecretBox(oldKey));
    await before.set(
      project,
      'T',
      {
        value: SECRET,
        targets: ['production', 'preview'],
        secret: true,
      },
      undefined,
    );
    const oldRows = await raw();
    const newKey = randomBytes(32);
    const rotated = new SecretBox(newKey, [oldKey]);
    // Other suites' secrets live in this database too.
    await service(new SecretBox(newKey, [oldKey, key])).start();
    const rows = await raw();
    expect(rows.map(r => r.key_id)).toEqual([rotated.keyId, rotated.keyId]);
    expect(rows.map(r => r.updated_at)).toEqual(oldRows.map(r => r.updated_at));
    // The old key alone no longer opens them; the new one alone does.
    const prod = await deployment({ ref: 'main', target: 'production' });
    const after = service(new SecretBox(newKey));
    expect((await after.forBuild(prod, project)).env.T).toBe(SECRET);
    await expect(
      service(new SecretBox(oldKey)).forBuild(prod, project),
    ).rejects.toThrow(
      /^The secret variable T \(production\) cannot be decrypted: A secret is encrypted with key/,
    );
  });

  it('masks what a build got and the project secrets of every deployment', async () => {
    await env.set(
      project,
      'T',
      { value: SECRET, targets: ['production'], secret: true },
      undefined,
    );
    const prod = await deployment({ ref: 'main', target: 'production' });
    const preview = await deployment({ ref: 'f', target: 'preview' });
    await env.forBuild(prod, project);
    // The value changes: the build that got the old one still masks it.
    await env.set(
      project,
      'T',
      { value: 'the-new-secret', targets: ['production'], secret: true },
      undefined,
    );
    env.masks.forget(preview.id);
    const later = new EnvService({
      db: ctx.db,
      box: new SecretBox(key),
      logger,
      urls,
    });
    expect(await env.masks.forms(prod.id)).toContain(SECRET);
    // Another replica's masks: the project's current secrets.
    expect(await later.masks.forms(preview.id)).toContain('the-new-secret');
    expect(await later.masks.forms(preview.id)).not.toContain(SECRET);
    expect(await later.masks.forms(preview.id)).toContain(
      Buffer.from('the-new-secret').toString('base64'),
    );
  });
});
