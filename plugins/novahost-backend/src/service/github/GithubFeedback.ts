import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import {
  aliasUrl,
  deploymentUrl,
  SiteUrlOptions,
} from '@internal/plugin-novahost-common';
import type { NovahostDatabase } from '../../database/NovahostDatabase';
import type { DeploymentRow, ProjectRow } from '../../database/tables';
import { redact } from '../redact';
import { commitStatusFor } from './commitStatus';
import type { GithubApi, GithubRepoApi } from './GithubApi';
import { KeyedQueue } from './KeyedQueue';
import { renderPullRequestComment } from './prComment';
import { PullRequestComments } from './PullRequestComments';

/** Deployments whose last reported state this replica remembers. */
const REPORTED_MAX = 1000;

export type GithubFeedbackOptions = {
  db: NovahostDatabase;
  github: GithubApi;
  logger: LoggerService;
  urls: SiteUrlOptions;
  /** Backstage's `app.baseUrl`: the statuses and comments link to deployment pages there. */
  appBaseUrl?: string;
  /** Post a commit status per deployment. */
  statuses: boolean;
  /** Keep one comment per project on pull requests. */
  comments: boolean;
  /** Statuses are `<statusContext>/<project slug>`. */
  statusContext: string;
  /** Secrets masked in the warnings (the integrations' credentials). */
  secrets?: () => string[];
  now?: () => Date;
};

type Links = {
  pageUrl?: string;
  /** The deployment's own host. */
  deploymentUrl: string;
  /** The branch alias, while it is routed. */
  aliasUrl?: string;
  /** Whether the alias serves this deployment. */
  aliasServesIt: boolean;
};

/**
 * Tells GitHub how deployments of its repositories go: a commit status per
 * deployment (pending, then success with the site's URL, failure with the
 * reason; linked to the deployment's page in Backstage) and, on a pull
 * request, one comment per project kept up to date. Only for deployments
 * with a known commit of a repository on a GitHub integration with
 * credentials. A failure to report is a logged warning, never the
 * deployment's.
 */
export class GithubFeedback {
  static fromConfig(
    config: Config,
    deps: Omit<
      GithubFeedbackOptions,
      'statuses' | 'comments' | 'statusContext' | 'appBaseUrl'
    >,
  ): GithubFeedback {
    const c = config.getOptionalConfig('novahost.github');
    return new GithubFeedback({
      ...deps,
      appBaseUrl: config.getOptionalString('app.baseUrl'),
      statuses: c?.getOptionalBoolean('statuses') ?? true,
      comments: c?.getOptionalBoolean('comments') ?? true,
      statusContext: c?.getOptionalString('statusContext') ?? 'novahost',
    });
  }

  private readonly queue = new KeyedQueue();
  private readonly comments: PullRequestComments;
  /** Deployment id → the state last reported for it. */
  private readonly reported = new Map<string, string>();

  constructor(private readonly o: GithubFeedbackOptions) {
    this.comments = new PullRequestComments(o.db.aliases);
  }

  /**
   * The state machine's change listener. Reports in order per pull request
   * (or commit), each time the deployment's state as it is by then, so a
   * late or repeated change never undoes a newer one. Never throws.
   */
  report(row: DeploymentRow): Promise<void> {
    if (!row.commit_sha || (!this.o.statuses && !this.o.comments)) {
      return Promise.resolve();
    }
    const key =
      row.pr_number !== null && row.pr_number !== undefined
        ? `${row.project_id}#${row.pr_number}`
        : `${row.project_id}@${row.commit_sha}`;
    return this.queue
      .run(key, () => this.reportNow(row.id))
      .catch(e => this.warn(`Could not report deployment ${row.id}`, e));
  }

  /** Resolves once the reports started so far are done (or after `timeoutMs`). */
  async idle(timeoutMs = 10_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.queue.idle(),
      new Promise(r => {
        timer = setTimeout(r, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }

  private async reportNow(id: string): Promise<void> {
    const row = await this.o.db.getDeployment(id);
    if (!row?.commit_sha || this.reported.get(id) === row.status) return;
    const project = await this.o.db.getProject(row.project_id);
    if (!project) return;
    let api: GithubRepoApi | undefined;
    try {
      api = await this.o.github.forRepo(project.repo_url);
    } catch (e) {
      this.warn(`No GitHub credentials for ${project.slug}`, e);
      return;
    }
    // On no GitHub integration, or one without credentials: nothing to say.
    if (!api?.authenticated) return;
    const links = await this.links(row, project);
    let ok = true;
    if (this.o.statuses) {
      ok =
        (await this.attempt('commit status', row, project, () =>
          this.postStatus(api!, row, project, links),
        )) && ok;
    }
    if (this.o.comments && row.pr_number !== null) {
      ok =
        (await this.attempt('pull request comment', row, project, () =>
          this.postComment(api!, row, project, links),
        )) && ok;
    }
    // A failed report is tried again on the next change.
    if (ok) this.remember(id, row.status);
  }

  private async postStatus(
    api: GithubRepoApi,
    row: DeploymentRow,
    project: ProjectRow,
    links: Links,
  ) {
    // A newer deployment of the same commit has the last word on it.
    if (
      await this.o.db.newerDeploymentExists(row, { commit_sha: row.commit_sha })
    ) {
      return;
    }
    const preview = row.target === 'preview' && links.aliasServesIt;
    const status = commitStatusFor(row, {
      context: `${this.o.statusContext}/${project.slug}`,
      siteUrl: preview ? links.aliasUrl! : links.deploymentUrl,
      pageUrl: links.pageUrl,
    });
    await api.octokit.repos.createCommitStatus({
      owner: api.owner,
      repo: api.repo,
      sha: row.commit_sha!,
      ...status,
    });
  }

  private async postComment(
    api: GithubRepoApi,
    row: DeploymentRow,
    project: ProjectRow,
    links: Links,
  ) {
    const prNumber = Number(row.pr_number);
    // The comment shows the pull request's newest deployment.
    if (await this.o.db.newerDeploymentExists(row, { pr_number: prNumber })) {
      return;
    }
    const repoWeb = new URL(project.repo_url).origin;
    const body = renderPullRequestComment({
      projectId: project.id,
      projectName: project.name,
      status: row.status,
      error: row.error,
      commitSha: row.commit_sha!,
      commitUrl: `${repoWeb}/${api.owner}/${api.repo}/commit/${row.commit_sha}`,
      previewUrl:
        links.aliasUrl ??
        (row.status === 'ready' ? links.deploymentUrl : undefined),
      pageUrl: links.pageUrl,
      updatedAt: this.o.now?.() ?? new Date(),
    });
    await this.comments.upsert(
      api,
      { projectId: project.id, branch: row.branch, prNumber },
      body,
    );
  }

  private async links(row: DeploymentRow, project: ProjectRow): Promise<Links> {
    const alias = row.branch
      ? await this.o.db.aliases.get(project.id, row.branch)
      : undefined;
    const routed = alias && !alias.removed_at && alias.deployment_id;
    const base = this.o.appBaseUrl?.replace(/\/+$/, '');
    return {
      pageUrl: base ? `${base}/novahost/deployments/${row.id}` : undefined,
      deploymentUrl: deploymentUrl(project.slug, row.short_id, this.o.urls),
      aliasUrl: routed ? aliasUrl(alias.label, this.o.urls) : undefined,
      aliasServesIt: Boolean(routed && alias.deployment_id === row.id),
    };
  }

  /** Runs one report; a failure is a warning. Returns whether it worked. */
  private async attempt(
    what: string,
    row: DeploymentRow,
    project: ProjectRow,
    fn: () => Promise<void>,
  ): Promise<boolean> {
    try {
      await fn();
      return true;
    } catch (e) {
      this.warn(
        `GitHub ${what} for ${project.slug} deployment ${row.short_id} (${row.status}) failed`,
        e,
      );
      return false;
    }
  }

  /** Logs `e` without credentials: its status and message only, masked. */
  private warn(message: string, e: unknown) {
    const status = (e as { status?: number })?.status;
    const why = redact(
      String((e as Error)?.message ?? e),
      this.o.secrets?.() ?? [],
    );
    this.o.logger.warn(`${message}: ${status ? `${status} ` : ''}${why}`);
  }

  private remember(id: string, status: string) {
    this.reported.delete(id);
    this.reported.set(id, status);
    if (this.reported.size > REPORTED_MAX) {
      this.reported.delete(this.reported.keys().next().value!);
    }
  }
}
