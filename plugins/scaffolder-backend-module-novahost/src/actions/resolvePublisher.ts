import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';
import { localReposDirectory } from '../localGit/git';

export const PUBLISHER_KEY = 'novahost.scaffolder.publisher';
export const GITHUB_OWNER_KEY = 'novahost.scaffolder.github.owner';

/**
 * `novahost:publisher:resolve` — decides where a template publishes its
 * repository: the template's parameter when it names one, otherwise
 * `novahost.scaffolder.publisher`, otherwise `local` when the local
 * publisher is on (the embedded default) and `github` when it is not
 * (production). Templates branch their publish steps on the output. For
 * GitHub it also settles the repository: the form's, or
 * `<novahost.scaffolder.github.owner>/<name>`, so "as configured" needs no
 * repository picker in the form.
 */
export function createResolvePublisherAction(options: { config: Config }) {
  return createTemplateAction({
    id: 'novahost:publisher:resolve',
    description:
      'Chooses the publisher (local git repository or GitHub) from the parameter or the configuration',
    examples: [
      {
        description: 'Branch the publish steps on the configured publisher',
        example: yaml.stringify({
          steps: [
            {
              id: 'where',
              action: 'novahost:publisher:resolve',
              input: {
                requested: '${{ parameters.repoHost }}',
                name: '${{ parameters.name }}',
                repoUrl: '${{ parameters.repoUrl }}',
              },
            },
            {
              id: 'publish-local',
              if: "${{ steps.where.output.publisher === 'local' }}",
              action: 'novahost:publish:local',
              input: { repoName: '${{ parameters.name }}' },
            },
          ],
        }),
      },
    ],
    supportsDryRun: true,
    schema: {
      input: {
        requested: z =>
          z
            .enum(['auto', 'local', 'github'])
            .default('auto')
            .describe('auto: use the configuration'),
        name: z =>
          z
            .string()
            .optional()
            .describe(
              `Repository name, for a GitHub repository under ${GITHUB_OWNER_KEY} when the form names none`,
            ),
        repoUrl: z =>
          z
            .string()
            .optional()
            .describe('A RepoUrlPicker value (github.com?owner=…&repo=…)'),
      },
      output: {
        publisher: z =>
          z.enum(['local', 'github']).describe('Where to publish'),
        repoUrl: z =>
          z
            .string()
            .optional()
            .describe('For github: the repository, in RepoUrlPicker form'),
      },
    },
    async handler(ctx) {
      const requested = ctx.input.requested ?? 'auto';
      const configured = options.config.getOptionalString(PUBLISHER_KEY);
      if (configured && configured !== 'local' && configured !== 'github') {
        throw new Error(
          `${PUBLISHER_KEY} must be local or github, not '${configured}'`,
        );
      }
      const publisher =
        requested !== 'auto'
          ? requested
          : (configured as 'local' | 'github' | undefined) ??
            (localReposDirectory(options.config) ? 'local' : 'github');
      let why = 'default';
      if (requested !== 'auto') why = 'chosen in the form';
      else if (configured) why = PUBLISHER_KEY;
      ctx.logger.info(`Publishing to ${publisher} (${why})`);
      ctx.output('publisher', publisher);
      if (publisher !== 'github') return;
      if (ctx.input.repoUrl) {
        ctx.output('repoUrl', ctx.input.repoUrl);
        return;
      }
      const owner = options.config.getOptionalString(GITHUB_OWNER_KEY);
      if (!owner || !ctx.input.name) {
        throw new InputError(
          `Publishing to GitHub needs a repository: choose one in the form, or set ${GITHUB_OWNER_KEY} to create <owner>/<name>`,
        );
      }
      const repoUrl = `github.com?owner=${encodeURIComponent(
        owner,
      )}&repo=${encodeURIComponent(ctx.input.name)}`;
      ctx.logger.info(`GitHub repository ${owner}/${ctx.input.name}`);
      ctx.output('repoUrl', repoUrl);
    },
  });
}
