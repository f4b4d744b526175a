import { z } from 'zod';

/**
 * The fields of GitHub's webhook payloads Novahost reads, and nothing
 * more: a delivery that lacks one is ignored with the reason zod gives.
 * https://docs.github.com/en/webhooks/webhook-events-and-payloads
 */

const sha = z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, 'a commit SHA');

/** The repository a delivery is about (on pull requests: the base repository). */
const repository = z
  .object({
    id: z.number().optional(),
    full_name: z.string().max(512).optional(),
    html_url: z.string().max(2048).optional(),
    clone_url: z.string().max(2048).optional(),
  })
  .refine(r => r.html_url || r.clone_url, 'needs html_url or clone_url');

const account = z.object({ login: z.string().max(255) });

const paths = z.array(z.string().max(4096)).default([]);

export const pushPayloadSchema = z.object({
  ref: z.string().min(1).max(1024),
  before: sha,
  after: sha,
  created: z.boolean().default(false),
  deleted: z.boolean().default(false),
  forced: z.boolean().default(false),
  commits: z
    .array(
      z.object({
        id: z.string(),
        added: paths,
        modified: paths,
        removed: paths,
      }),
    )
    .default([]),
  repository,
  pusher: z.object({ name: z.string().max(255) }).optional(),
  sender: account.optional(),
});

export type PushPayload = z.infer<typeof pushPayloadSchema>;

const prSide = z.object({
  ref: z.string().min(1).max(255),
  sha,
  /** `owner:branch`, as GitHub shows the head of a fork's pull request. */
  label: z.string().max(512).optional(),
  // null: the fork was deleted.
  repo: z
    .object({ id: z.number().optional(), full_name: z.string().max(512) })
    .nullable(),
});

export const pullRequestPayloadSchema = z.object({
  action: z.string().min(1).max(64),
  number: z.number().int().positive(),
  pull_request: z.object({
    head: prSide,
    base: prSide,
    merged: z.boolean().nullable().optional(),
  }),
  repository,
  sender: account.optional(),
});

export type PullRequestPayload = z.infer<typeof pullRequestPayloadSchema>;

/** A short, single-line reason from zod's issues (paths and messages only, never values). */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map(i => `${i.path.map(String).join('.') || '(payload)'}: ${i.message}`)
    .join('; ');
}
