import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import { gitRefSchema } from '@internal/plugin-novahost-common';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  checkRepoName,
  git,
  gitText,
  localReposDirectory,
  LOCAL_REPOS_KEY,
} from '../localGit/git';
import { examples } from './publishLocal.examples';

const DEFAULT_AUTHOR = {
  name: 'Novahost Scaffolder',
  email: 'scaffolder@novahost.local',
};

/**
 * `novahost:publish:local` — publishes the workspace to a bare git
 * repository under `novahost.scaffolder.localPublisher.directory`, so the
 * whole template flow runs with no git host. Novahost's local build runner
 * clones it by path; the local git URL reader lets the catalog read it.
 *
 * `mode: create` makes a new repository (a conflict if it exists);
 * `mode: update` commits the workspace on top of an existing repository's
 * branch (the "import an existing repository" flow adds its
 * catalog-info.yaml this way).
 */
export function createPublishLocalAction(options: { config: Config }) {
  return createTemplateAction({
    id: 'novahost:publish:local',
    description:
      'Publishes the workspace to a local bare git repository (the embedded default; no git host needed)',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        repoName: z =>
          z
            .string()
            .describe(
              `Repository name; the repository is <${LOCAL_REPOS_KEY}>/<repoName>.git`,
            ),
        mode: z =>
          z
            .enum(['create', 'update'])
            .default('create')
            .describe(
              'create: a new repository; update: commit onto an existing one',
            ),
        defaultBranch: z =>
          z.string().default('main').describe('Branch to push (default main)'),
        sourcePath: z =>
          z
            .string()
            .optional()
            .describe(
              'Subdirectory of the workspace to publish (default: all of it)',
            ),
        gitCommitMessage: z => z.string().optional().describe('Commit message'),
        gitAuthorName: z =>
          z.string().optional().describe('Commit author name'),
        gitAuthorEmail: z =>
          z.string().optional().describe('Commit author email'),
        catalogInfoPath: z =>
          z
            .string()
            .default('/catalog-info.yaml')
            .describe(
              'Path of the catalog file in the repository, for the catalogInfoUrl output',
            ),
      },
      output: {
        remoteUrl: z =>
          z
            .string()
            .describe(
              'Absolute path of the bare repository (a Novahost repoUrl with the local runner)',
            ),
        repoContentsUrl: z =>
          z
            .string()
            .describe(
              'file:// URL of the repository contents, read by the local git URL reader',
            ),
        catalogInfoUrl: z =>
          z.string().describe('URL to pass to catalog:register'),
        commitHash: z => z.string().describe('The pushed commit'),
      },
    },
    async handler(ctx) {
      const directory = localReposDirectory(options.config);
      if (!directory) {
        throw new InputError(
          `The local publisher is off: it needs ${LOCAL_REPOS_KEY} and the local build runner (the embedded default has both); publish to GitHub instead`,
        );
      }
      const name = checkRepoName(ctx.input.repoName);
      const mode = ctx.input.mode ?? 'create';
      const branch = ctx.input.defaultBranch ?? 'main';
      if (!gitRefSchema.safeParse(branch).success) {
        throw new InputError(`Invalid defaultBranch '${branch}'`);
      }
      const catalogInfoPath = (
        ctx.input.catalogInfoPath ?? '/catalog-info.yaml'
      ).replace(/^\/+/, '');
      if (catalogInfoPath.split('/').includes('..')) {
        throw new InputError(
          `Invalid catalogInfoPath '${ctx.input.catalogInfoPath}'`,
        );
      }
      const bare = resolveSafeChildPath(directory, `${name}.git`);
      const contentsUrl = pathToFileURL(bare).href;
      ctx.output('remoteUrl', bare);
      ctx.output('repoContentsUrl', contentsUrl);
      ctx.output('catalogInfoUrl', `${contentsUrl}/${catalogInfoPath}`);

      const source = ctx.input.sourcePath
        ? resolveSafeChildPath(ctx.workspacePath, ctx.input.sourcePath)
        : ctx.workspacePath;
      const exists = await isDirectory(bare);

      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would ${
            mode === 'create' ? 'create' : 'update'
          } ${bare} (${branch})`,
        );
        ctx.output('commitHash', '0'.repeat(40));
        return;
      }

      const author = {
        name: ctx.input.gitAuthorName ?? DEFAULT_AUTHOR.name,
        email: ctx.input.gitAuthorEmail ?? DEFAULT_AUTHOR.email,
      };
      const identity = [
        '-c',
        `user.name=${author.name}`,
        '-c',
        `user.email=${author.email}`,
      ];
      const message =
        ctx.input.gitCommitMessage ??
        (mode === 'create'
          ? 'Initial commit'
          : 'Update from Backstage template');

      const commitHash = await ctx.checkpoint({
        key: `novahost.publish.local.${name}.${mode}`,
        fn: async () => {
          if (mode === 'create') {
            if (exists) {
              throw new ConflictError(
                `The local repository '${name}' already exists (${bare}); choose another name`,
              );
            }
            await fs.mkdir(directory, { recursive: true });
            const work = await ctx.createTemporaryDirectory();
            await fs.cp(source, work, {
              recursive: true,
              filter: src => path.basename(src) !== '.git',
            });
            await git(['init', '-q', '-b', branch], { cwd: work });
            await git(['add', '-A'], { cwd: work });
            await git(
              [...identity, 'commit', '-q', '--allow-empty', '-m', message],
              {
                cwd: work,
              },
            );
            await git(['init', '-q', '--bare', '-b', branch, bare]);
            await git(['push', '-q', bare, `HEAD:refs/heads/${branch}`], {
              cwd: work,
            });
            const sha = await gitText(['rev-parse', 'HEAD'], { cwd: work });
            ctx.logger.info(
              `Published ${name} to ${bare} (${branch} at ${sha})`,
            );
            return sha;
          }

          if (!exists) {
            throw new NotFoundError(
              `The local repository '${name}' does not exist in ${directory}`,
            );
          }
          const work = path.join(await ctx.createTemporaryDirectory(), name);
          await git(['clone', '-q', '--branch', branch, '--', bare, work]);
          await fs.cp(source, work, {
            recursive: true,
            filter: src => path.basename(src) !== '.git',
          });
          await git(['add', '-A'], { cwd: work });
          const changes = await gitText(['status', '--porcelain'], {
            cwd: work,
          });
          if (!changes) {
            ctx.logger.info(
              `${name} already has these files; nothing to commit`,
            );
          } else {
            await git([...identity, 'commit', '-q', '-m', message], {
              cwd: work,
            });
            await git(['push', '-q', 'origin', `HEAD:refs/heads/${branch}`], {
              cwd: work,
            });
          }
          const sha = await gitText(['rev-parse', 'HEAD'], { cwd: work });
          ctx.logger.info(`Updated ${name} (${branch} at ${sha})`);
          return sha;
        },
      });
      ctx.output('commitHash', commitHash);
    },
  });
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isDirectory();
  } catch {
    return false;
  }
}
