import { filesOfCompare } from './changedFiles';
import { describePrefixes, firstTouched, watchedPrefixes } from './pathFilter';
import { PullRequestPayload, pullRequestPayloadSchema } from './payloads';
import type { GitEventContext, GitEventHandling } from './types';

const DEPLOYING = ['opened', 'synchronize', 'reopened'];
const HANDLED = [...DEPLOYING, 'closed'];

/** Whether the pull request's head is in another repository than its base. */
export function isFork(p: PullRequestPayload): boolean {
  const { head, base } = p.pull_request;
  if (!head.repo || !base.repo) return true;
  if (head.repo.id !== undefined && base.repo.id !== undefined) {
    return head.repo.id !== base.repo.id;
  }
  return (
    head.repo.full_name.toLowerCase() !== base.repo.full_name.toLowerCase()
  );
}

/**
 * The branch a pull request's previews are kept under: its head branch,
 * or for a fork `owner:branch` (GitHub's own label of a fork's head). A
 * colon is never in a git branch name, so a fork's branch cannot share
 * deployments or an alias with a branch of the repository itself.
 */
export function pullRequestBranch(p: PullRequestPayload): string {
  const { head } = p.pull_request;
  if (!isFork(p)) return head.ref;
  const owner = head.label?.includes(':')
    ? head.label.split(':')[0]
    : head.repo?.full_name.split('/')[0] ?? 'fork';
  return `${owner}:${head.ref}`;
}

/**
 * `pull_request`: opened, synchronize and reopened deploy the head commit
 * as a preview of the pull request; closed (merged or not) removes its
 * branch's alias. A fork's pull request deploys only where the project
 * allows fork previews, marked as a fork (built without secrets) and
 * counted against the queue limit of its author, an outsider. With watch
 * paths or a root directory, the pull request's changes (the compare
 * API, base...head) must touch them.
 */
export function pullRequestHandling(
  ctx: GitEventContext,
): GitEventHandling<PullRequestPayload> {
  return {
    schema: pullRequestPayloadSchema,

    ignore(p) {
      return HANDLED.includes(p.action)
        ? undefined
        : `pull_request action ${p.action}`;
    },

    async forProject(p, project) {
      const fork = isFork(p);
      const branch = pullRequestBranch(p);
      const { head, base } = p.pull_request;
      if (!fork && branch === project.branch) {
        return `ignored: the head is the production branch ${branch}, which deploys on push`;
      }
      if (p.action === 'closed') {
        return ctx.deploys.removeAlias(
          project,
          branch,
          `pull request #${p.number} was closed`,
        );
      }
      if (fork && !project.allow_fork_previews) {
        return `skipped: pull request #${p.number} is from a fork and the project does not allow fork previews`;
      }
      const prefixes = watchedPrefixes(project);
      let note = '';
      if (prefixes.length > 0) {
        const changed = await filesOfCompare(
          ctx.github,
          project.repo_url,
          base.sha,
          head.sha,
        );
        if (!changed.known) {
          note = ` (changed files unknown: ${changed.why})`;
        } else if (!firstTouched(changed.files, prefixes)) {
          return `skipped: pull request #${
            p.number
          } changes nothing under ${describePrefixes(prefixes)}`;
        }
      }
      const outcome = await ctx.deploys.deploy(project, {
        sha: head.sha,
        branch,
        source: 'pull_request',
        pullRequest: { number: p.number, fork },
        createdBy:
          fork && p.sender
            ? `github:${p.sender.login.toLowerCase()}`
            : undefined,
      });
      return outcome + note;
    },
  };
}
