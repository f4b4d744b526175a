import {
  createMockDirectory,
  mockServices,
} from '@backstage/backend-test-utils';
import { UrlReaders } from '@backstage/backend-defaults/urlReader';
import { NotFoundError, NotModifiedError } from '@backstage/errors';
import fs from 'node:fs';
import path from 'node:path';
import { gitSync } from '../__testUtils__/git';
import { LocalGitUrlReader } from './LocalGitUrlReader';

describe('LocalGitUrlReader', () => {
  const mockDir = createMockDirectory();
  let reader: ReturnType<typeof UrlReaders.create>;
  let bare: string;
  let sha: string;

  beforeAll(() => {
    mockDir.setContent({
      work: {
        'catalog-info.yaml': 'kind: Component\n',
        'docs/index.md': '# Docs',
        'docs/api/catalog-info.yaml': 'kind: API\n',
      },
      'outside.txt': 'secret',
    });
    const work = mockDir.resolve('work');
    gitSync(work, 'init', '-q', '-b', 'main');
    gitSync(work, 'add', '-A');
    gitSync(work, 'commit', '-q', '-m', 'init');
    bare = mockDir.resolve('repos/site.git');
    gitSync(mockDir.path, 'clone', '-q', '--bare', work, bare);
    // Uncommitted content never leaks: only what is in HEAD is read.
    fs.writeFileSync(path.join(bare, 'catalog-info.yaml'), 'not in git');
    sha = gitSync(bare, '--git-dir', bare, 'rev-parse', 'HEAD');
    // The reader as the backend builds it: through UrlReaders with the factory.
    reader = UrlReaders.create({
      logger: mockServices.logger.mock(),
      config: mockServices.rootConfig({
        data: {
          novahost: {
            scaffolder: {
              localPublisher: { directory: mockDir.resolve('repos') },
            },
          },
        },
      }),
      factories: [LocalGitUrlReader.factory],
    });
  });

  const url = (p: string) => `file://${mockDir.resolve(p)}`;

  it('reads a file at HEAD with the commit as etag', async () => {
    const res = await reader.readUrl(url('repos/site.git/catalog-info.yaml'));
    expect((await res.buffer()).toString()).toBe('kind: Component\n');
    expect(res.etag).toBe(sha);
    await expect(
      reader.readUrl(url('repos/site.git/catalog-info.yaml'), { etag: sha }),
    ).rejects.toThrow(NotModifiedError);
  });

  it('answers not found for missing files and repositories', async () => {
    await expect(
      reader.readUrl(url('repos/site.git/nope.yaml')),
    ).rejects.toThrow(NotFoundError);
    await expect(
      reader.readUrl(url('repos/other.git/catalog-info.yaml')),
    ).rejects.toThrow(NotFoundError);
  });

  it('reads nothing outside its directory', async () => {
    await expect(reader.readUrl(url('outside.txt'))).rejects.toThrow(
      /no configured integration|not allowed|Reading from/i,
    );
    await expect(
      reader.readUrl(`file://${mockDir.resolve('repos')}/../outside.txt`),
    ).rejects.toThrow();
  });

  it('reads a tree and searches with globs', async () => {
    const tree = await reader.readTree(url('repos/site.git/docs'));
    const files = await tree.files();
    expect(files.map(f => f.path).sort()).toEqual([
      'api/catalog-info.yaml',
      'index.md',
    ]);
    expect(tree.etag).toBe(sha);

    const found = await reader.search(
      url('repos/site.git/**/catalog-info.yaml'),
    );
    expect(found.files.map(f => f.url).sort()).toEqual([
      url('repos/site.git/catalog-info.yaml'),
      url('repos/site.git/docs/api/catalog-info.yaml'),
    ]);
    expect((await found.files[0].content()).toString()).toMatch(/^kind: /);
  });
});
