import type { EventBus } from '../../bus';
import type { NovahostDatabase } from '../../database/NovahostDatabase';
import type { DeploymentRow, ProjectRow } from '../../database/tables';
import { publishRoutesChanged } from '../channels';
import type { DeploymentService } from '../DeploymentService';

/** A commit a git event asks to deploy. */
export type GitDeploy = {
  sha: string;
  /** The branch key: the branch, or `owner:branch` for a fork's pull request. */
  branch: string;
  source: 'push' | 'pull_request';
  pullRequest?: { number: number; fork: boolean };
  createdBy?: string;
};

/** Deployments of these statuses already stand for their commit. */
const STANDING: ReadonlyArray<DeploymentRow['status']> = [
  'queued',
  'building',
  'uploading',
  'ready',
];

export const shortSha = (sha: string) => sha.slice(0, 7);

/**
 * What git events do to a project: deploy a branch's commit, remove a
 * branch's alias. A push to a pull request's branch arrives twice (as a
 * push and as the pull request's synchronize); the commit is deployed once,
 * and the deployment gets the pull request's number from whichever comes
 * second. Events of one branch are handled one at a time in this process;
 * between replicas the newer deployment supersedes the older.
 */
export class GitDeploys {
  private readonly tails = new Map<string, Promise<unknown>>();

  constructor(
    private readonly o: {
      db: NovahostDatabase;
      bus: EventBus;
      deployments: DeploymentService;
    },
  ) {}

  /** Deploys the commit unless the branch's newest deployment is of it; the outcome. */
  deploy(project: ProjectRow, d: GitDeploy): Promise<string> {
    return this.serially(`${project.id}\0${d.branch}`, async () => {
      const newest = await this.o.db.newestOfBranch(project.id, d.branch);
      if (newest?.commit_sha === d.sha && STANDING.includes(newest.status)) {
        if (d.pullRequest && newest.pr_number === null) {
          await this.attachPullRequest(project, newest, d.pullRequest.number);
        }
        const doing = newest.status === 'ready' ? 'deployed' : 'deploying';
        return `already ${doing} ${shortSha(d.sha)} (deployment ${
          newest.short_id
        })`;
      }
      const created = await this.o.deployments.create(project.id, {
        ref: d.sha,
        branch: d.branch,
        source: d.source,
        pullRequest: d.pullRequest,
        supersedeRunning: true,
        createdBy: d.createdBy,
      });
      const pr = d.pullRequest
        ? `, pull request #${d.pullRequest.number}${
            d.pullRequest.fork ? ' from a fork' : ''
          }`
        : '';
      return `deployed ${shortSha(d.sha)} to ${created.target} (${
        d.branch
      }${pr}) as ${created.shortId}`;
    });
  }

  /**
   * Stops the branch's builds and its alias (closed pull request, deleted
   * branch): a build still queued would otherwise route the alias again
   * when it becomes ready. The outcome.
   */
  removeAlias(
    project: ProjectRow,
    branch: string,
    why: string,
  ): Promise<string> {
    return this.serially(`${project.id}\0${branch}`, async () => {
      const canceled = await this.o.deployments.cancelBranch(
        project.id,
        branch,
        `Canceled: ${why}`,
      );
      const builds = canceled
        ? `; canceled ${canceled} build${canceled > 1 ? 's' : ''}`
        : '';
      const removed = await this.o.db.aliases.remove(project.id, branch);
      if (!removed) return `no alias of ${branch} to remove${builds}`;
      await publishRoutesChanged(this.o.bus);
      return `removed the alias of ${branch}${builds}`;
    });
  }

  private async attachPullRequest(
    project: ProjectRow,
    row: DeploymentRow,
    number: number,
  ): Promise<void> {
    await this.o.db.updateDeployment(row.id, { pr_number: number });
    // The alias exists once one of the branch's deployments is ready.
    const alias = await this.o.db.aliases.get(project.id, row.branch!);
    if (alias && alias.pr_number === null) {
      await this.o.db.aliases.setPullRequest(project.id, row.branch!, {
        pr_number: number,
      });
    }
  }

  /** Runs `fn` after every earlier call with the same key has settled. */
  private serially<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return run;
  }
}
