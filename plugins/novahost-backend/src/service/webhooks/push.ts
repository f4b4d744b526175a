import type { ProjectRow } from '../../database/tables';
import {
  ChangedFiles,
  filesOfCompare,
  filesOfPushPayload,
} from './changedFiles';
import { describePrefixes, firstTouched, watchedPrefixes } from './pathFilter';
import { PushPayload, pushPayloadSchema } from './payloads';
import type { GitEventContext, GitEventHandling } from './types';

const BRANCH_PREFIX = 'refs/heads/';
const TAG_PREFIX = 'refs/tags/';

/**
 * `push`: a push to the production branch deploys its commit to
 * production (promoted as usual), to any other branch as a preview; a
 * deleted branch loses its alias; tags deploy nothing. A monorepo project
 * skips pushes that touch neither its root directory nor its watch paths.
 * Pushes deploy without a creator: whoever may push may deploy, and a
 * newer push supersedes the older one, so one pusher's branches are not
 * counted against the per-user queue limit.
 */
export function pushHandling(
  ctx: GitEventContext,
): GitEventHandling<PushPayload> {
  return {
    schema: pushPayloadSchema,

    ignore(p) {
      if (p.ref.startsWith(TAG_PREFIX)) {
        return `tag push (${p.ref.slice(TAG_PREFIX.length)})`;
      }
      if (!p.ref.startsWith(BRANCH_PREFIX)) return `not a branch (${p.ref})`;
      return undefined;
    },

    async forProject(p, project) {
      const branch = p.ref.slice(BRANCH_PREFIX.length);
      if (p.deleted) {
        return ctx.deploys.removeAlias(
          project,
          branch,
          `branch ${branch} was deleted`,
        );
      }
      const prefixes = watchedPrefixes(project);
      let note = '';
      if (prefixes.length > 0) {
        const changed = await changedFiles(ctx, p, project, branch);
        if (!changed.known) {
          note = ` (changed files unknown: ${changed.why})`;
        } else if (!firstTouched(changed.files, prefixes)) {
          return `skipped: no change under ${describePrefixes(prefixes)}`;
        }
      }
      const outcome = await ctx.deploys.deploy(project, {
        sha: p.after,
        branch,
        source: 'push',
      });
      return outcome + note;
    },
  };
}

/**
 * The push's files from its payload, else from the compare API: against
 * the commit before the push, or for a new branch against the production
 * branch it most likely started from.
 */
async function changedFiles(
  ctx: GitEventContext,
  p: PushPayload,
  project: ProjectRow,
  branch: string,
): Promise<ChangedFiles> {
  const listed = filesOfPushPayload(p);
  if (listed.known) return listed;
  const base = p.created ? project.branch : p.before;
  if (p.created && branch === project.branch) {
    return { known: false, why: 'the production branch is new' };
  }
  const compared = await filesOfCompare(
    ctx.github,
    project.repo_url,
    base,
    p.after,
  );
  return compared.known
    ? compared
    : { known: false, why: `${listed.why}; ${compared.why}` };
}
