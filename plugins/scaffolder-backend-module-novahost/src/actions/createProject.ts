import { AuthService, DiscoveryService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { ConflictError, InputError, ResponseError } from '@backstage/errors';
import {
  createProjectSchema,
  MAX_SLUG_LENGTH,
  productionUrl,
  readSiteUrlOptions,
  Project,
  slugify,
} from '@internal/plugin-novahost-common';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { findProject, novahostApiFor } from '../novahostApi';
import { examples } from './createProject.examples';

/** `file:///x/repo.git/` and `/x/repo` name the same repository. */
export function sameRepository(a: string, b: string): boolean {
  const norm = (u: string) =>
    u
      .trim()
      .replace(/^file:\/\//, '')
      .replace(/\/+$/, '')
      .replace(/\.git$/, '')
      .toLowerCase();
  return norm(a) === norm(b);
}

/**
 * `novahost:project:create` — creates the Novahost project of a repository,
 * or finds the one a previous run created: a project with the same slug
 * and the same repository is reused; one with another repository is a
 * conflict, never silently taken over.
 */
export function createNovahostProjectAction(options: {
  discovery: DiscoveryService;
  auth: AuthService;
  config: Config;
}) {
  return createTemplateAction({
    id: 'novahost:project:create',
    description:
      'Creates the Novahost project of a repository (or finds the one created before for the same repository)',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        name: z => z.string().describe('Project name, e.g. "Marketing site"'),
        repoUrl: z =>
          z
            .string()
            .describe(
              'Repository to build: an https:// URL, or with the local build runner an absolute path or file:// URL',
            ),
        slug: z =>
          z
            .string()
            .optional()
            .describe(
              `DNS label of the site (<slug>.<base-domain>); defaults to the name, slugified (at most ${MAX_SLUG_LENGTH} characters)`,
            ),
        branch: z =>
          z.string().optional().describe('Production branch (default main)'),
        owner: z =>
          z
            .string()
            .optional()
            .describe(
              'Owner entity ref, e.g. group:default/web (default: the user running the template). It must be the user or one of their groups',
            ),
        entityRef: z =>
          z
            .string()
            .optional()
            .describe(
              "Catalog entity of the project, e.g. component:default/my-site: the project's owner then follows the entity's spec.owner",
            ),
        rootDirectory: z =>
          z
            .string()
            .optional()
            .describe('Directory of the app inside the repository'),
        installCommand: z =>
          z
            .string()
            .optional()
            .describe('Install command (default: detected from the lockfile)'),
        buildCommand: z =>
          z
            .string()
            .optional()
            .describe(
              'Build command (default: the package manager\'s "build" script)',
            ),
        outputDirectory: z =>
          z
            .string()
            .optional()
            .describe('Build output directory (default: detected, e.g. dist)'),
        spa: z =>
          z
            .boolean()
            .optional()
            .describe('Single-page app: serve index.html for unknown paths'),
      },
      output: {
        projectId: z => z.string().describe('Project id'),
        slug: z =>
          z.string().describe('Project slug (the catalog annotation value)'),
        url: z => z.string().describe('Production URL of the site'),
        created: z =>
          z
            .boolean()
            .describe(
              'false when an existing project of the repository was reused',
            ),
      },
    },
    async handler(ctx) {
      const { name, slug: givenSlug, ...rest } = ctx.input;
      const slug = givenSlug?.trim() || slugify(name);
      const parsed = createProjectSchema.safeParse({
        ...Object.fromEntries(
          Object.entries(rest).filter(([, v]) => v !== undefined && v !== ''),
        ),
        name,
        slug,
      });
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new InputError(
          `Invalid Novahost project input: ${
            issue.path.join('.') || 'input'
          }: ${issue.message}`,
        );
      }
      const body = parsed.data;

      if (ctx.isDryRun) {
        // No call to the backend: the dry run shows what a real run would create.
        const url = productionUrl(slug, readSiteUrlOptions(options.config));
        const owner = body.owner ?? 'the user running the template';
        const entity = body.entityRef ? `, linked to ${body.entityRef}` : '';
        ctx.logger.info(
          `Dry run: would create or reuse Novahost project '${slug}' for ${body.repoUrl} (${url}), owned by ${owner}${entity}`,
        );
        ctx.output('projectId', slug);
        ctx.output('slug', slug);
        ctx.output('url', url);
        ctx.output('created', false);
        return;
      }

      const api = novahostApiFor({
        discovery: options.discovery,
        auth: options.auth,
        credentials: await ctx.getInitiatorCredentials(),
      });
      const { client } = api;

      const reuse = (existing: Project) => {
        if (!sameRepository(existing.repoUrl, body.repoUrl)) {
          throw new ConflictError(
            `The Novahost slug '${slug}' is taken by project '${existing.name}' of ${existing.repoUrl}; choose another name or slug`,
          );
        }
        ctx.logger.info(
          `Novahost project '${existing.slug}' already exists for ${existing.repoUrl}; reusing it`,
        );
        return {
          id: existing.id,
          slug: existing.slug,
          url: existing.url,
          created: false,
        };
      };

      const result = await ctx
        .checkpoint({
          key: `novahost.project.create.${slug}`,
          fn: async () => {
            const existing = await findProject(client, slug);
            if (existing) return reuse(existing);
            try {
              const project = await client.createProject(body);
              ctx.logger.info(
                `Created Novahost project '${project.slug}' (${project.url}), owned by ${project.owner}`,
              );
              return {
                id: project.id,
                slug: project.slug,
                url: project.url,
                created: true,
              };
            } catch (e) {
              // Another run created it between our read and our write.
              if (e instanceof ResponseError && e.statusCode === 409) {
                const raced = await findProject(client, slug);
                if (raced) return reuse(raced);
              }
              throw e;
            }
          },
        })
        .catch(e => {
          throw api.describeError(e);
        });

      ctx.output('projectId', result.id);
      ctx.output('slug', result.slug);
      ctx.output('url', result.url);
      ctx.output('created', result.created);
    },
  });
}
