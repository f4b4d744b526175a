import { ConflictError, NotFoundError } from '@backstage/errors';
import {
  Deployment,
  DeploymentSource,
  DeploymentTarget,
  Page,
  Project,
  SiteUrlOptions,
  isTerminalStatus,
} from '@internal/plugin-novahost-common';
import { randomUUID } from 'crypto';
import type { EventBus } from '../bus';
import type { NovahostDatabase } from '../database/NovahostDatabase';
import {
  DeploymentRow,
  ProjectRow,
  newDeploymentRow,
} from '../database/tables';
import { publishRoutesChanged } from './channels';
import type { DeploymentLogs } from './DeploymentLogs';
import {
  ACTIVE,
  DeploymentStateMachine,
  RUNNING,
} from './DeploymentStateMachine';
import { TooManyRequestsError } from './limits';
import { deploymentFromRow, toMillis } from './mappers';
import type { ProjectService } from './ProjectService';
import { newShortId } from './tokens';
import { isUuid } from './validation';

export type DeploymentServiceOptions = {
  db: NovahostDatabase;
  bus: EventBus;
  projects: ProjectService;
  machine: DeploymentStateMachine;
  logs: DeploymentLogs;
  urls: SiteUrlOptions;
  /** Starts queued builds (a new deployment is queued). */
  kick: () => void;
  /** Stops a running build (cancel); never throws. */
  stopBuild: (deploymentId: string, handle: string | null) => Promise<void>;
  /** Queued deployments one creator may have across projects. */
  maxQueuedPerUser: number;
};

/** What starts a deployment: a user's deploy, or a git event. */
export type NewDeployment = {
  /** Branch, tag or commit SHA; the project's production branch by default. */
  ref?: string;
  createdBy?: string;
  /** The branch `ref` (a commit SHA) is on; by default `ref` unless it is a SHA. */
  branch?: string;
  pullRequest?: { number: number; fork: boolean };
  source?: DeploymentSource;
  /** Also stop running builds of the same branch (a newer push). */
  supersedeRunning?: boolean;
  /** The target of the deployment a redeploy rebuilds; derived otherwise. */
  target?: DeploymentTarget;
  /** false: build without restoring the build cache. */
  buildCache?: boolean;
};

const COMMIT_RE = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/**
 * Production: the production branch, or a commit deployed by SHA (which is
 * never promoted automatically); preview: any other branch, every pull request.
 */
function targetOf(
  project: ProjectRow,
  branch: string | null,
  pullRequest: NewDeployment['pullRequest'],
): DeploymentTarget {
  if (pullRequest) return 'preview';
  return branch === null || branch === project.branch
    ? 'production'
    : 'preview';
}

function queuedLine(slug: string, row: DeploymentRow): string {
  const what =
    row.branch && row.branch !== row.ref
      ? `${row.branch} at ${row.ref.slice(0, 12)}`
      : `ref ${row.ref}`;
  const pr = row.pr_number ? ` (pull request #${row.pr_number})` : '';
  return `${
    row.target === 'preview' ? 'Preview' : 'Production'
  } deployment queued for ${slug}: ${what}${pr}`;
}

/** What users do with deployments: deploy, read, cancel, promote/rollback. */
export class DeploymentService {
  constructor(private readonly o: DeploymentServiceOptions) {}

  /** The deployment's row; NotFoundError otherwise. */
  async row(id: string): Promise<DeploymentRow> {
    const row = isUuid(id) ? await this.o.db.getDeployment(id) : undefined;
    if (!row) throw new NotFoundError(`Deployment '${id}' not found`);
    return row;
  }

  async get(id: string): Promise<Deployment> {
    const row = await this.row(id);
    const project = await this.o.projects.row(row.project_id);
    return deploymentFromRow(
      row,
      project,
      this.o.urls,
      await this.labels(project.id),
    );
  }

  /** Branch → alias label of a project's aliases. */
  private async labels(projectId: string): Promise<Map<string, string>> {
    const rows = await this.o.db.aliases.list(projectId);
    return new Map(rows.map(a => [a.branch, a.label]));
  }

  /** A page of the project's deployments, newest first; `target` keeps only production or preview ones. */
  async list(
    projectIdOrSlug: string,
    query: { limit: number; offset: number; target?: DeploymentTarget },
  ): Promise<Page<Deployment>> {
    const project = await this.o.projects.row(projectIdOrSlug);
    const { rows, total } = await this.o.db.listDeployments(project.id, query);
    const labels = await this.labels(project.id);
    return {
      items: rows.map(r => deploymentFromRow(r, project, this.o.urls, labels)),
      totalCount: total,
      limit: query.limit,
      offset: query.offset,
    };
  }

  /**
   * Queues a build of `ref` (the project's branch by default). It
   * supersedes older queued deployments of the same project and ref, which
   * are canceled; a creator with too many queued deployments is refused
   * (429).
   */
  async create(
    projectIdOrSlug: string,
    opts: NewDeployment,
  ): Promise<Deployment> {
    const project = await this.o.projects.row(projectIdOrSlug);
    const now = new Date();
    const ref = opts.ref ?? project.branch;
    const branch = opts.branch ?? (COMMIT_RE.test(ref) ? null : ref);
    let row: DeploymentRow | undefined;
    for (let attempt = 0; !row; attempt++) {
      const candidate = newDeploymentRow({
        id: randomUUID(),
        short_id: newShortId(),
        project_id: project.id,
        ref,
        commit_sha: COMMIT_RE.test(ref) ? ref : null,
        branch,
        target: opts.target ?? targetOf(project, branch, opts.pullRequest),
        pr_number: opts.pullRequest?.number ?? null,
        fork: opts.pullRequest?.fork ?? false,
        source: opts.source ?? 'manual',
        build_cache: opts.buildCache ?? true,
        created_by: opts.createdBy ?? null,
        created_at: now,
      });
      try {
        const result = await this.o.db.limits.insertQueued(
          candidate,
          this.o.maxQueuedPerUser,
        );
        if (!result.inserted) {
          throw new TooManyRequestsError(
            `${opts.createdBy} already has ${result.queued} queued deployments, ` +
              `the most one user may have (novahost.builds.maxQueuedPerUser is ` +
              `${this.o.maxQueuedPerUser}); wait until they start or cancel some`,
          );
        }
        row = candidate;
      } catch (e) {
        // A short id collision is astronomically rare.
        if (e instanceof TooManyRequestsError || attempt >= 3) throw e;
      }
    }
    await this.o.logs.system(row.id, queuedLine(project.slug, row));
    await this.supersede(row, opts.supersedeRunning ?? false);
    await this.o.machine.announce(row.id);
    // As created (queued), or superseded by a concurrent deploy.
    const created = await this.get(row.id);
    this.o.kick();
    return created;
  }

  /**
   * Cancels the queued deployments of the same project and branch (or ref)
   * but the newest, as Vercel does; one that started meanwhile builds on,
   * unless `running` (a newer push: its running builds stop too). Every
   * create runs this after its insert, so of concurrent deploys the last
   * to look sees them all: exactly the newest stays queued.
   */
  private async supersede(row: DeploymentRow, running: boolean): Promise<void> {
    const statuses = running ? ACTIVE : (['queued'] as const);
    const queued = await this.o.db.limits.queuedOfRef(row, [...statuses]);
    // `row` itself may have started already (another replica dispatched it).
    const newer = (a: DeploymentRow, b: DeploymentRow) =>
      toMillis(a.created_at) - toMillis(b.created_at) || (a.id > b.id ? 1 : -1);
    const newest = [...queued, row].reduce((a, b) => (newer(b, a) > 0 ? b : a));
    for (const old of queued.filter(r => r.id !== newest.id)) {
      const moved = await this.o.machine.transition(old.id, 'canceled', {
        from: [...statuses],
        error: `Superseded by ${newest.short_id}`,
        settle: async () => {
          if (RUNNING.includes(old.status)) {
            await this.o.stopBuild(old.id, old.runner_handle);
          }
        },
      });
      if (moved) {
        await this.o.logs.system(
          newest.id,
          `Supersedes queued deployment ${old.short_id}`,
        );
      }
    }
  }

  /**
   * Cancels a branch's queued and running deployments (its pull request was
   * closed or the branch deleted), so none of them routes its alias again.
   * Returns how many it canceled.
   */
  async cancelBranch(
    projectId: string,
    branch: string,
    reason: string,
  ): Promise<number> {
    const active = await this.o.db.limits.ofBranch(projectId, branch, ACTIVE);
    let canceled = 0;
    for (const row of active) {
      const moved = await this.o.machine.transition(row.id, 'canceled', {
        error: reason,
        settle: async () => {
          if (RUNNING.includes(row.status)) {
            await this.o.stopBuild(row.id, row.runner_handle);
          }
        },
      });
      if (moved) canceled++;
    }
    return canceled;
  }

  async cancel(id: string, by?: string): Promise<Deployment> {
    const row = await this.row(id);
    const refuse = (status: string) =>
      new ConflictError(
        `Deployment ${row.id} is already ${status} and cannot be canceled`,
      );
    if (isTerminalStatus(row.status)) throw refuse(row.status);
    const moved = await this.o.machine.transition(row.id, 'canceled', {
      error: by ? `Canceled by ${by}` : 'Canceled',
      settle: async () => {
        if (!RUNNING.includes(row.status)) return;
        await this.o.stopBuild(row.id, row.runner_handle);
      },
    });
    if (!moved) throw refuse((await this.row(id)).status);
    return this.get(row.id);
  }

  /** Points production at a ready deployment (promote or rollback). */
  async promote(
    projectIdOrSlug: string,
    deploymentId: string,
  ): Promise<Project> {
    const project = await this.o.projects.row(projectIdOrSlug);
    const row = isUuid(deploymentId)
      ? await this.o.db.getDeployment(deploymentId)
      : undefined;
    if (!row || row.project_id !== project.id) {
      throw new NotFoundError(
        `Deployment '${deploymentId}' not found in project ${project.slug}`,
      );
    }
    if (row.status !== 'ready') {
      throw new ConflictError(
        `Deployment ${row.id} is ${row.status}; only ready deployments can be promoted`,
      );
    }
    await this.o.db.setProduction(project.id, row.id);
    await publishRoutesChanged(this.o.bus);
    return this.o.projects.get(project.id);
  }
}
