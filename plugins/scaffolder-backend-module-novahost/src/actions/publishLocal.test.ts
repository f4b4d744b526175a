import {
  createMockDirectory,
  mockServices,
} from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gitSync } from '../__testUtils__/git';
import { createPublishLocalAction } from './publishLocal';
import { createResolvePublisherAction } from './resolvePublisher';

// Real git and real builds: a loaded 2-core machine needs more than 5 s.
jest.setTimeout(60_000);

describe('novahost:publish:local', () => {
  const mockDir = createMockDirectory();
  const reposDir = () => mockDir.resolve('repos');
  const config = () =>
    new ConfigReader({
      novahost: { scaffolder: { localPublisher: { directory: reposDir() } } },
    });

  beforeEach(() => mockDir.clear());

  const context = (input: object, files: Record<string, string>) => {
    mockDir.addContent({ workspace: files });
    const ctx = createMockActionContext({
      input: input as any,
      workspacePath: mockDir.resolve('workspace'),
    });
    ctx.createTemporaryDirectory = async () =>
      fs.mkdtempSync(path.join(os.tmpdir(), 'novahost-publish-test-'));
    return ctx;
  };

  const show = (bare: string, file: string) =>
    gitSync(bare, '--git-dir', bare, 'show', `main:${file}`);

  it('creates a bare repository with one commit of the workspace', async () => {
    const ctx = context(
      {
        repoName: 'my-site',
        gitAuthorName: 'Ada',
        gitAuthorEmail: 'ada@example.com',
      },
      {
        'package.json': '{"name":"my-site"}',
        'src/main.tsx': 'x',
        'catalog-info.yaml': 'kind: Component',
      },
    );
    await createPublishLocalAction({ config: config() }).handler(ctx as any);
    const bare = path.join(reposDir(), 'my-site.git');
    expect(
      gitSync(bare, '--git-dir', bare, 'rev-parse', '--is-bare-repository'),
    ).toBe('true');
    expect(show(bare, 'src/main.tsx')).toBe('x');
    expect(
      gitSync(bare, '--git-dir', bare, 'log', '--format=%an <%ae> %s', 'main'),
    ).toBe('Ada <ada@example.com> Initial commit');
    const sha = gitSync(bare, '--git-dir', bare, 'rev-parse', 'main');
    expect(ctx.output).toHaveBeenCalledWith('remoteUrl', bare);
    expect(ctx.output).toHaveBeenCalledWith(
      'repoContentsUrl',
      `file://${bare}`,
    );
    expect(ctx.output).toHaveBeenCalledWith(
      'catalogInfoUrl',
      `file://${bare}/catalog-info.yaml`,
    );
    expect(ctx.output).toHaveBeenCalledWith('commitHash', sha);
    // The build runner clones it by path.
    const clone = fs.mkdtempSync(path.join(os.tmpdir(), 'novahost-clone-'));
    gitSync(clone, 'clone', '-q', bare, 'c');
    expect(fs.readFileSync(path.join(clone, 'c/package.json'), 'utf8')).toBe(
      '{"name":"my-site"}',
    );
  });

  it('refuses to overwrite an existing repository', async () => {
    const action = createPublishLocalAction({ config: config() });
    await action.handler(context({ repoName: 'taken' }, { a: '1' }) as any);
    await expect(
      action.handler(context({ repoName: 'taken' }, { a: '2' }) as any),
    ).rejects.toThrow(/The local repository 'taken' already exists/);
  });

  it('commits onto an existing repository in update mode, once', async () => {
    const action = createPublishLocalAction({ config: config() });
    await action.handler(
      context({ repoName: 'existing' }, { 'index.html': '<h1>hi</h1>' }) as any,
    );
    const bare = path.join(reposDir(), 'existing.git');
    const update = {
      repoName: 'existing',
      mode: 'update',
      gitCommitMessage: 'Add catalog-info.yaml',
    };
    await action.handler(
      context(update, { 'catalog-info.yaml': 'kind: Component' }) as any,
    );
    expect(show(bare, 'index.html')).toBe('<h1>hi</h1>');
    expect(show(bare, 'catalog-info.yaml')).toBe('kind: Component');
    expect(
      gitSync(bare, '--git-dir', bare, 'rev-list', '--count', 'main'),
    ).toBe('2');
    // The same files again: nothing to commit.
    await action.handler(
      context(update, { 'catalog-info.yaml': 'kind: Component' }) as any,
    );
    expect(
      gitSync(bare, '--git-dir', bare, 'rev-list', '--count', 'main'),
    ).toBe('2');
  });

  it('fails to update a repository that does not exist', async () => {
    await expect(
      createPublishLocalAction({ config: config() }).handler(
        context({ repoName: 'missing', mode: 'update' }, { a: '1' }) as any,
      ),
    ).rejects.toThrow(/The local repository 'missing' does not exist/);
  });

  it.each(['../escape', '.hidden', 'a/b', '-rf', ''])(
    'rejects the repository name %p',
    async repoName => {
      await expect(
        createPublishLocalAction({ config: config() }).handler(
          context({ repoName }, { a: '1' }) as any,
        ),
      ).rejects.toThrow(/Invalid repository name/);
      expect(fs.existsSync(reposDir())).toBe(false);
    },
  );

  it('is off without a directory or with the Kubernetes runner', async () => {
    for (const data of [
      {},
      {
        novahost: {
          runner: { type: 'kubernetes' },
          scaffolder: { localPublisher: { directory: reposDir() } },
        },
      },
    ]) {
      await expect(
        createPublishLocalAction({ config: new ConfigReader(data) }).handler(
          context({ repoName: 'x' }, { a: '1' }) as any,
        ),
      ).rejects.toThrow(/The local publisher is off/);
    }
  });

  it('writes nothing in a dry run', async () => {
    const ctx = { ...context({ repoName: 'dry' }, { a: '1' }), isDryRun: true };
    await createPublishLocalAction({ config: config() }).handler(ctx as any);
    expect(fs.existsSync(reposDir())).toBe(false);
    expect(ctx.output).toHaveBeenCalledWith(
      'remoteUrl',
      path.join(reposDir(), 'dry.git'),
    );
  });
});

describe('novahost:publisher:resolve', () => {
  const run = async (data: object, input: object = {}) => {
    const ctx = createMockActionContext({
      input: input as any,
      logger: mockServices.logger.mock(),
    });
    await createResolvePublisherAction({
      config: new ConfigReader(data),
    }).handler(ctx as any);
    return Object.fromEntries((ctx.output as jest.Mock).mock.calls);
  };
  const local = {
    novahost: { scaffolder: { localPublisher: { directory: '/tmp/r' } } },
  };
  const github = (extra: object = {}) => ({
    novahost: { scaffolder: { github: { owner: 'acme' }, ...extra } },
  });

  it('uses the form, then the configuration, then what is available', async () => {
    expect(await run(local)).toEqual({ publisher: 'local' });
    expect(await run(github(), { name: 'site' })).toEqual({
      publisher: 'github',
      repoUrl: 'github.com?owner=acme&repo=site',
    });
    expect(
      await run(
        {
          novahost: {
            runner: { type: 'kubernetes' },
            scaffolder: {
              ...local.novahost.scaffolder,
              github: { owner: 'acme' },
            },
          },
        },
        { name: 'x' },
      ),
    ).toEqual({ publisher: 'github', repoUrl: 'github.com?owner=acme&repo=x' });
    expect(
      await run(
        {
          novahost: {
            scaffolder: { ...local.novahost.scaffolder, publisher: 'github' },
          },
        },
        { repoUrl: 'github.com?owner=o&repo=r' },
      ),
    ).toEqual({ publisher: 'github', repoUrl: 'github.com?owner=o&repo=r' });
    expect(await run({}, { requested: 'local' })).toEqual({
      publisher: 'local',
    });
    expect(
      await run(local, {
        requested: 'github',
        repoUrl: 'github.com?owner=o&repo=r',
      }),
    ).toEqual({ publisher: 'github', repoUrl: 'github.com?owner=o&repo=r' });
  });

  it('needs a repository for GitHub', async () => {
    await expect(run({}, { name: 'site' })).rejects.toThrow(
      /Publishing to GitHub needs a repository: choose one in the form, or set novahost.scaffolder.github.owner/,
    );
  });
});
