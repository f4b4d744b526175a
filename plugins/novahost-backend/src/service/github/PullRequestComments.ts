import type { AliasQueries } from '../../database/aliases';
import type { GithubRepoApi } from './GithubApi';
import { isCommentOf } from './prComment';

/** Comment ids this replica knows, at most this many (oldest forgotten first). */
const KNOWN_MAX = 1000;
const PER_PAGE = 100;
/** Pull requests with more comments than this are not searched further. */
const MAX_PAGES = 30;

export type PullRequestTarget = {
  projectId: string;
  /** The pull request's branch, whose alias row stores the comment id. */
  branch: string | null;
  prNumber: number;
};

const statusOf = (e: unknown) => (e as { status?: number })?.status;

/**
 * The one comment per project Novahost keeps on a pull request. Its id is
 * remembered here and stored on the branch alias (once a deployment made
 * it); when both are lost, the comment is found by its hidden marker, so
 * another replica or a restart edits it instead of posting a second one.
 * Callers serialize the calls per pull request (two creating at once on
 * one replica would post two).
 */
export class PullRequestComments {
  private readonly known = new Map<string, number>();

  constructor(private readonly aliases: AliasQueries) {}

  /** Edits the project's comment on the pull request, or posts it; returns its id. */
  async upsert(
    api: GithubRepoApi,
    target: PullRequestTarget,
    body: string,
  ): Promise<number> {
    const { projectId, branch, prNumber } = target;
    const key =
      `${api.owner}/${api.repo}#${prNumber}:${projectId}`.toLowerCase();
    const alias = branch
      ? await this.aliases.get(projectId, branch)
      : undefined;
    // A branch alias may have served an earlier pull request.
    const stored =
      alias?.pr_comment_id && Number(alias.pr_number) === prNumber
        ? Number(alias.pr_comment_id)
        : undefined;
    let id = this.known.get(key) ?? stored;
    if (id !== undefined && !(await this.edit(api, id, body))) id = undefined;
    if (id === undefined) {
      id = await this.find(api, prNumber, projectId);
      if (id !== undefined && !(await this.edit(api, id, body))) {
        id = undefined;
      }
    }
    if (id === undefined) {
      const { data } = await api.octokit.issues.createComment({
        owner: api.owner,
        repo: api.repo,
        issue_number: prNumber,
        body,
      });
      id = data.id;
    }
    this.remember(key, id);
    if (alias && alias.pr_comment_id !== String(id)) {
      await this.aliases.setPullRequest(projectId, alias.branch, {
        pr_number: prNumber,
        pr_comment_id: String(id),
      });
    }
    return id;
  }

  /** Edits comment `id`; false when it is gone or not ours to edit. */
  private async edit(api: GithubRepoApi, id: number, body: string) {
    try {
      await api.octokit.issues.updateComment({
        owner: api.owner,
        repo: api.repo,
        comment_id: id,
        body,
      });
      return true;
    } catch (e) {
      if (statusOf(e) === 404 || statusOf(e) === 403) return false;
      throw e;
    }
  }

  /** The project's comment on the pull request, by its marker (page by page). */
  private async find(
    api: GithubRepoApi,
    prNumber: number,
    projectId: string,
  ): Promise<number | undefined> {
    for (let page = 1; page <= MAX_PAGES; page++) {
      const { data } = await api.octokit.issues.listComments({
        owner: api.owner,
        repo: api.repo,
        issue_number: prNumber,
        per_page: PER_PAGE,
        page,
      });
      const ours = data.find(c => isCommentOf(projectId, c.body));
      if (ours) return ours.id;
      if (data.length < PER_PAGE) return undefined;
    }
    return undefined;
  }

  private remember(key: string, id: number) {
    this.known.delete(key);
    this.known.set(key, id);
    if (this.known.size > KNOWN_MAX) {
      this.known.delete(this.known.keys().next().value!);
    }
  }
}
