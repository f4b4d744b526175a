import {
  UrlReaderService,
  UrlReaderServiceReadTreeOptions,
  UrlReaderServiceReadTreeResponse,
  UrlReaderServiceReadUrlOptions,
  UrlReaderServiceReadUrlResponse,
  UrlReaderServiceSearchOptions,
  UrlReaderServiceSearchResponse,
} from '@backstage/backend-plugin-api';
import type {
  ReaderFactory,
  ReadTreeResponseFactory,
} from '@backstage/backend-defaults/urlReader';
import { NotFoundError, NotModifiedError } from '@backstage/errors';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { checkRepoName, git, gitText, localReposDirectory } from './git';

type Target = { bare: string; filePath: string };

/**
 * Reads files from the local publisher's bare repositories, at their
 * default branch (HEAD): `file://<directory>/<repo>.git/<path in repo>`.
 *
 * This is what lets `catalog:register` (which always registers a `url`
 * location) and the catalog's later refreshes read a repository that exists
 * only on this machine. It answers only for URLs inside the configured
 * directory, so it opens no other part of the file system to the catalog,
 * and it reads committed content through git, never the bare repository's
 * own files.
 */
export class LocalGitUrlReader implements UrlReaderService {
  static factory: ReaderFactory = ({ config, treeResponseFactory }) => {
    const directory = localReposDirectory(config);
    if (!directory) return [];
    const reader = new LocalGitUrlReader(directory, treeResponseFactory);
    return [{ reader, predicate: url => reader.handles(url) }];
  };

  constructor(
    private readonly directory: string,
    private readonly treeResponseFactory: ReadTreeResponseFactory,
  ) {}

  handles(url: URL): boolean {
    if (url.protocol !== 'file:' || url.host) return false;
    const p = path.resolve(fileURLToPath(url));
    return p.startsWith(this.directory + path.sep);
  }

  private parse(url: string): Target {
    const u = new URL(url);
    if (!this.handles(u)) {
      throw new NotFoundError(
        `${url} is not in the local publisher's directory`,
      );
    }
    const rel = path
      .relative(this.directory, path.resolve(fileURLToPath(u)))
      .split(path.sep);
    const [repo, ...rest] = rel;
    if (!repo.endsWith('.git')) {
      throw new NotFoundError(`${url} does not name a <repo>.git repository`);
    }
    checkRepoName(repo);
    if (rest.some(s => s === '..' || s === '.git')) {
      throw new NotFoundError(`${url} is not a path inside the repository`);
    }
    return {
      bare: path.join(this.directory, repo),
      filePath: rest.filter(Boolean).join('/'),
    };
  }

  private async head(bare: string): Promise<string> {
    try {
      return await gitText([
        '--git-dir',
        bare,
        'rev-parse',
        '--verify',
        'HEAD^{commit}',
      ]);
    } catch {
      throw new NotFoundError(`No repository with commits at ${bare}`);
    }
  }

  /** The repository, path and HEAD of `url`; NotModifiedError when `etag` is still HEAD. */
  private async atHead(
    url: string,
    etag: string | undefined,
  ): Promise<Target & { sha: string }> {
    const target = this.parse(url);
    const sha = await this.head(target.bare);
    if (etag === sha) throw new NotModifiedError();
    return { ...target, sha };
  }

  async read(url: string): Promise<Buffer> {
    return (await this.readUrl(url)).buffer();
  }

  async readUrl(
    url: string,
    options?: UrlReaderServiceReadUrlOptions,
  ): Promise<UrlReaderServiceReadUrlResponse> {
    const { bare, filePath, sha } = await this.atHead(url, options?.etag);
    let content: Buffer;
    try {
      content = await git(['--git-dir', bare, 'show', `${sha}:${filePath}`]);
    } catch {
      throw new NotFoundError(
        `${filePath || '/'} not found in ${bare} at ${sha}`,
      );
    }
    return {
      buffer: async () => content,
      stream: () => Readable.from(content),
      etag: sha,
    };
  }

  async readTree(
    url: string,
    options?: UrlReaderServiceReadTreeOptions,
  ): Promise<UrlReaderServiceReadTreeResponse> {
    const { bare, filePath, sha } = await this.atHead(url, options?.etag);
    const treeish = filePath ? `${sha}:${filePath}` : `${sha}^{tree}`;
    await gitText(['--git-dir', bare, 'rev-parse', '--verify', treeish]).catch(
      () => {
        throw new NotFoundError(`${filePath} not found in ${bare}`);
      },
    );
    const child = spawn(
      'git',
      ['--git-dir', bare, 'archive', '--format=tar', treeish],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    return this.treeResponseFactory.fromTarArchive({
      stream: child.stdout,
      etag: sha,
      filter: options?.filter,
      stripFirstDirectory: false,
    });
  }

  async search(
    url: string,
    options?: UrlReaderServiceSearchOptions,
  ): Promise<UrlReaderServiceSearchResponse> {
    const { bare, filePath, sha } = await this.atHead(url, options?.etag);
    const names = (
      await gitText(['--git-dir', bare, 'ls-tree', '-r', '--name-only', sha])
    )
      .split('\n')
      .filter(Boolean);
    const glob = /[*?[{]/.test(filePath);
    const matches = names.filter(n =>
      glob ? path.posix.matchesGlob(n, filePath) : n === filePath,
    );
    return {
      etag: sha,
      files: matches.map(name => ({
        url: `${pathToFileURL(bare).href}/${name}`,
        content: () => git(['--git-dir', bare, 'show', `${sha}:${name}`]),
      })),
    };
  }

  toString() {
    return `local-git{directory=${this.directory}}`;
  }
}
