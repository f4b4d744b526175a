import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { z } from 'zod';
import { MAX_SLUG_LENGTH, isValidSlug, slugify } from './hosts';

/**
 * Request schemas of the REST API, shared so clients can validate before
 * sending. The backend is the authority: it parses every body with these.
 */

const relativeDir = z
  .string()
  .trim()
  .max(256)
  .refine(
    p =>
      !p.startsWith('/') &&
      !p.includes('\\') &&
      !p.includes('\0') &&
      !p.split('/').includes('..'),
    'must be a relative path inside the repository without ".." segments',
  );

/** Paths (prefixes inside the repository) whose changes deploy the project. */
const watchPaths = z
  .array(relativeDir.refine(p => p.length > 0, 'must not be empty'))
  .max(50);

const command = z
  .string()
  .trim()
  .max(1024)
  .refine(c => !c.includes('\0') && !/[\r\n]/.test(c), 'must be one line');

/** A git ref: branch, tag or commit SHA, as `git check-ref-format` would allow. */
export const gitRefSchema = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .refine(
    r =>
      !r.startsWith('-') &&
      !r.includes('..') &&
      !r.endsWith('/') &&
      !r.endsWith('.lock') &&
      // eslint-disable-next-line no-control-regex
      !/[\u0000-\u0020\u007f~^:?*[\\]/.test(r),
    'must be a valid git branch, tag or commit SHA',
  );

/**
 * A repository URL: `https://…` always; `http://…` on a Git server whose
 * integration the operator configured with an http:// URL, and `file://…`
 * or an absolute local path when the server allows local repositories (the
 * local runner only): the server checks those two.
 */
export const repoUrlSchema = z
  .string()
  .trim()
  .min(1)
  .max(2048)
  .refine(u => {
    if (u.startsWith('/')) return !u.includes('\0');
    try {
      const url = new URL(u);
      return ['https:', 'http:', 'file:'].includes(url.protocol);
    } catch {
      return false;
    }
  }, 'must be an https:// URL, a file:// URL or an absolute local path')
  .refine(
    u => !hasUserInfo(u),
    'must not contain credentials (user:password@); private repositories are reached through Backstage integrations',
  );

function hasUserInfo(u: string): boolean {
  try {
    const url = new URL(u);
    return url.username !== '' || url.password !== '';
  } catch {
    return false;
  }
}

/**
 * Normalizes an entity ref the way the catalog compares them: full
 * (`kind:namespace/name`) and lower-case. A bare name is a group in the
 * default namespace, as for `spec.owner`. Throws on a malformed ref.
 * @public
 */
export function normalizeEntityRef(
  ref: string,
  defaults: { defaultKind?: string; defaultNamespace?: string } = {},
): string {
  return stringifyEntityRef(
    parseEntityRef(ref, {
      defaultKind: defaults.defaultKind ?? 'group',
      defaultNamespace: defaults.defaultNamespace ?? 'default',
    }),
  ).toLocaleLowerCase('en-US');
}

/** A full entity ref with the catalog's character rules for kind, namespace and name. */
const NAME = '[a-z0-9](?:[a-z0-9._-]{0,61}[a-z0-9])?';
const ENTITY_REF = new RegExp(`^[a-z][a-z0-9]{0,62}:${NAME}/${NAME}$`);

/** An entity ref, normalized by {@link normalizeEntityRef}; `kind` says which kinds are accepted. */
const entityRefSchema = (kinds?: string[]) =>
  z
    .string()
    .trim()
    .min(1)
    .max(255)
    .transform((ref, ctx) => {
      try {
        const full = normalizeEntityRef(ref);
        if (!ENTITY_REF.test(full)) throw new Error('malformed');
        const kind = full.split(':')[0];
        if (kinds && !kinds.includes(kind)) {
          ctx.addIssue({
            code: 'custom',
            message: `must be a ${kinds.join(' or ')} entity ref such as ${
              kinds[0]
            }:default/name`,
          });
          return z.NEVER;
        }
        return full;
      } catch {
        ctx.addIssue({
          code: 'custom',
          message: 'must be an entity ref such as group:default/team-a',
        });
        return z.NEVER;
      }
    });

/** A project's owner: a group or user entity ref (a bare name is a group). @public */
export const ownerRefSchema = entityRefSchema(['group', 'user']);

/** The catalog entity a project belongs to. @public */
export const catalogEntityRefSchema = entityRefSchema();

/** Whether a repo URL points at the local file system. @public */
export function isLocalRepoUrl(u: string): boolean {
  return u.startsWith('/') || u.startsWith('file:');
}

const nameSchema = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .refine(
    n => isValidSlug(slugify(n)),
    'must contain at least one letter or digit',
  );

/** @public */
export const createProjectSchema = z.strictObject({
  name: nameSchema,
  slug: z
    .string()
    .trim()
    .refine(
      isValidSlug,
      `must be a DNS label: lower-case letters, digits and single dashes, at most ${MAX_SLUG_LENGTH} characters`,
    )
    .optional(),
  repoUrl: repoUrlSchema,
  branch: gitRefSchema.optional(),
  rootDirectory: relativeDir.optional(),
  installCommand: command.optional(),
  buildCommand: command.optional(),
  outputDirectory: relativeDir.optional(),
  owner: ownerRefSchema.optional(),
  /** The catalog entity of the project (templates set it); its owner then wins. */
  entityRef: catalogEntityRefSchema.optional(),
  spa: z.boolean().optional(),
  autoPromote: z.boolean().optional(),
  watchPaths: watchPaths.optional(),
  allowForkPreviews: z.boolean().optional(),
});

/** @public */
export type CreateProjectRequest = z.infer<typeof createProjectSchema>;

/** @public */
export const updateProjectSchema = z
  .strictObject({
    name: nameSchema,
    repoUrl: repoUrlSchema,
    branch: gitRefSchema,
    rootDirectory: relativeDir,
    installCommand: command.nullable(),
    buildCommand: command.nullable(),
    outputDirectory: relativeDir.nullable(),
    owner: ownerRefSchema,
    spa: z.boolean(),
    autoPromote: z.boolean(),
    watchPaths,
    allowForkPreviews: z.boolean(),
  })
  .partial();

/** @public */
export type UpdateProjectRequest = z.infer<typeof updateProjectSchema>;

/** @public */
export const createDeploymentSchema = z.strictObject({
  ref: gitRefSchema.optional(),
});

/** @public */
export const promoteSchema = z.strictObject({
  deploymentId: z.uuid(),
});

/** A custom domain: a DNS name with at least two labels, not an IP address. @public */
export const hostnameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .transform(h => h.replace(/\.$/, ''))
  .refine(
    h =>
      h.split('.').length >= 2 &&
      !/^[0-9.]+$/.test(h) &&
      h.split('.').every(l => /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(l)),
    'must be a domain name such as www.example.com',
  );

/** @public */
export const addDomainSchema = z.strictObject({ hostname: hostnameSchema });

/** @public */
export const pageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
