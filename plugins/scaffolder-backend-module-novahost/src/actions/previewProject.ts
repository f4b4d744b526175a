import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import {
  isValidSlug,
  MAX_SLUG_LENGTH,
  productionUrl,
  readSiteUrlOptions,
  slugify,
} from '@internal/plugin-novahost-common';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

/**
 * `novahost:project:preview` — the slug and production URL a project will
 * get, from the name and the proxy configuration, without calling the
 * backend. Templates run it first so the `catalog-info.yaml` they publish
 * can carry the annotations (Novahost project, and the Kubernetes id and
 * namespace of its build Jobs) and the live link before the project exists.
 */
export function createPreviewProjectAction(options: { config: Config }) {
  return createTemplateAction({
    id: 'novahost:project:preview',
    description:
      'Shows the DNS-safe slug and the production URL a Novahost project will get',
    examples: [
      {
        description: 'Preview, then use the slug in the skeleton',
        example: yaml.stringify({
          steps: [
            {
              id: 'preview',
              action: 'novahost:project:preview',
              input: { name: '${{ parameters.name }}' },
            },
          ],
        }),
      },
    ],
    supportsDryRun: true,
    schema: {
      input: {
        name: z => z.string().describe('Project name'),
        slug: z =>
          z
            .string()
            .optional()
            .describe('Explicit slug (default: the name, slugified)'),
      },
      output: {
        slug: z =>
          z.string().describe('The slug: pass it to novahost:project:create'),
        url: z => z.string().describe('The production URL'),
        buildNamespace: z =>
          z
            .string()
            .describe(
              "Namespace of the project's build Jobs with the Kubernetes runner, for the backstage.io/kubernetes-namespace annotation",
            ),
      },
    },
    async handler(ctx) {
      const slug = ctx.input.slug?.trim() || slugify(ctx.input.name);
      if (!isValidSlug(slug)) {
        throw new InputError(
          `'${
            ctx.input.slug ?? ctx.input.name
          }' gives no valid slug: use lower-case letters, digits and single dashes, at most ${MAX_SLUG_LENGTH} characters`,
        );
      }
      const url = productionUrl(slug, readSiteUrlOptions(options.config));
      ctx.logger.info(`The site will be ${url} (slug '${slug}')`);
      ctx.output('slug', slug);
      ctx.output('url', url);
      ctx.output(
        'buildNamespace',
        options.config.getOptionalString(
          'novahost.runner.kubernetes.namespace',
        ) ?? 'novahost-builds',
      );
    },
  });
}
