import { z } from 'zod';
import { DEPLOYMENT_STATUSES, DEPLOYMENT_TARGETS } from './types';
import type {
  Deployment,
  EnvVar,
  LogLine,
  Page,
  Project,
  WebhookStatus,
} from './types';

/**
 * Response schemas of the REST API: clients (the Backstage frontend plugin,
 * scripts) parse every answer with them, so a backend/frontend version skew
 * fails with a clear message instead of rendering `undefined`.
 * Objects are not strict: a newer backend may add fields.
 */

const isoDate = z.string().min(1);

/** @public */
export const deploymentStatusSchema = z.enum(DEPLOYMENT_STATUSES);

/** @public */
export const deploymentSchema: z.ZodType<Deployment> = z.object({
  id: z.string(),
  shortId: z.string(),
  projectId: z.string(),
  ref: z.string(),
  commitSha: z.string().nullable(),
  // Backends before git integration do not send these.
  target: z.enum(DEPLOYMENT_TARGETS).default('production'),
  branch: z.string().nullable().default(null),
  pullRequest: z
    .object({ number: z.number(), fork: z.boolean() })
    .nullable()
    .default(null),
  source: z
    .enum(['manual', 'push', 'pull_request', 'redeploy'])
    .default('manual'),
  aliasUrl: z.string().nullable().default(null),
  status: deploymentStatusSchema,
  error: z.string().nullable(),
  exitCode: z.number().nullable(),
  createdBy: z.string().nullable(),
  url: z.string(),
  isProduction: z.boolean(),
  stats: z
    .object({
      files: z.number(),
      bytes: z.number(),
      newBlobs: z.number(),
      newBytes: z.number(),
    })
    .nullable(),
  // Backends before framework detection do not send it.
  framework: z.string().nullable().default(null),
  createdAt: isoDate,
  startedAt: isoDate.nullable(),
  uploadingAt: isoDate.nullable(),
  finishedAt: isoDate.nullable(),
});

/** @public */
export const projectSchema: z.ZodType<Project> = z.object({
  id: z.string(),
  name: z.string(),
  slug: z.string(),
  repoUrl: z.string(),
  branch: z.string(),
  rootDirectory: z.string(),
  installCommand: z.string().nullable(),
  buildCommand: z.string().nullable(),
  outputDirectory: z.string().nullable(),
  owner: z.string().nullable(),
  entityRef: z.string().nullable(),
  spa: z.boolean(),
  autoPromote: z.boolean(),
  watchPaths: z.array(z.string()).default([]),
  allowForkPreviews: z.boolean().default(false),
  productionDeploymentId: z.string().nullable(),
  url: z.string(),
  createdAt: isoDate,
  updatedAt: isoDate,
  latestDeployment: deploymentSchema.nullable().optional(),
});

/** A variable: `PUT /projects/:id/env/:name` answers with it. @public */
export const envVarSchema: z.ZodType<EnvVar> = z.object({
  name: z.string(),
  targets: z.array(z.enum(DEPLOYMENT_TARGETS)),
  secret: z.boolean(),
  value: z.string().optional(),
  updatedAt: isoDate,
  updatedBy: z.string().nullable(),
});

/** `GET /projects/:id/env`. @public */
export const envVarListSchema: z.ZodType<{ items: EnvVar[] }> = z.object({
  items: z.array(envVarSchema),
});

/** A page of items: `{items, totalCount, limit, offset}`. @public */
export function pageSchema<T>(item: z.ZodType<T>): z.ZodType<Page<T>> {
  return z.object({
    items: z.array(item),
    totalCount: z.number(),
    limit: z.number(),
    offset: z.number(),
  });
}

/** @public */
export const logLineSchema: z.ZodType<LogLine> = z.object({
  seq: z.number().int(),
  ts: z.string(),
  stream: z.enum(['stdout', 'stderr', 'system']),
  text: z.string(),
});

/** Data of the log stream's `status` event. @public */
export const logStatusEventSchema = z.object({
  status: deploymentStatusSchema,
  commitSha: z.string().nullable().optional(),
});

/** Data of the log stream's `finish` event. @public */
export const logFinishEventSchema = z.object({
  status: deploymentStatusSchema,
  error: z.string().nullable().optional(),
});

/** Thrown when the backend answers with a body that does not match the API. @public */
export class NovahostResponseValidationError extends Error {
  constructor(what: string, issues: ReadonlyArray<z.core.$ZodIssue>) {
    const issue = issues[0];
    super(
      `Unexpected ${what} from the Novahost backend${
        issue ? `: ${issue.path.join('.') || '(root)'}: ${issue.message}` : ''
      }`,
    );
    this.name = 'NovahostResponseValidationError';
  }
}

/** Parses a response body with a schema; throws {@link NovahostResponseValidationError}. @public */
export function validateResponse<T>(
  schema: z.ZodType<T>,
  value: unknown,
  what: string,
): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new NovahostResponseValidationError(what, result.error.issues);
  }
  return result.data;
}

/** @public */
export const webhookStatusSchema: z.ZodType<WebhookStatus> = z.object({
  url: z.string(),
  events: z.array(z.string()),
  contentType: z.literal('application/json'),
  secretConfigKey: z.string(),
  secretConfigured: z.boolean(),
  repoKey: z.string().nullable(),
  lastDelivery: z
    .object({
      id: z.string(),
      event: z.string(),
      receivedAt: isoDate,
      outcome: z.string().nullable(),
    })
    .nullable(),
});
