import type {
  DeploymentStatus,
  DeploymentTarget,
} from '@internal/plugin-novahost-common';
import { Knex } from 'knex';
import * as blobs from './blobs';
import * as domains from './domains';
import * as projects from './projects';
import { AliasQueries } from './aliases';
import { BuildCacheQueries } from './buildCaches';
import { DeliveryQueries } from './deliveries';
import { EnvVarQueries } from './envVars';
import { LimitQueries } from './limits';
import { RetentionQueries } from './retention';
import * as logs from './logs';
import { chunks } from './sqlHelpers';
import {
  DEPLOYMENTS,
  DeploymentRow,
  DomainRow,
  LOCKS,
  LogRow,
  PROJECTS,
  ProjectRow,
} from './tables';

export type { LogLimits, NewLogLine, StoredLogLine } from './logs';
export type { RouteRows } from './domains';

/**
 * All SQL of the plugin; works on Postgres and SQLite. Projects and the
 * deployment state live here; logs, blobs and domains are in sibling
 * modules this class delegates to.
 */
export class NovahostDatabase {
  private readonly isSqlite: boolean;
  /** The queries behind the queue and storage limits. */
  readonly limits: LimitQueries;
  /** Branch aliases (`<slug>-git-<branch>`). */
  readonly aliases: AliasQueries;
  /** Webhook deliveries (redeliveries start nothing new). */
  readonly deliveries: DeliveryQueries;
  /** Deleting deployments, and what retention deletes. */
  readonly retention: RetentionQueries;
  /** Project environment variables (secrets sealed). */
  readonly env: EnvVarQueries;
  /** Build cache entries. */
  readonly caches: BuildCacheQueries;

  constructor(private readonly db: Knex) {
    this.isSqlite = /sqlite/i.test(String(db.client.config.client));
    this.limits = new LimitQueries(db);
    this.aliases = new AliasQueries(db);
    this.deliveries = new DeliveryQueries(db);
    this.retention = new RetentionQueries(db);
    this.env = new EnvVarQueries(db);
    this.caches = new BuildCacheQueries(db);
  }

  // --- projects -----------------------------------------------------------

  insertProject(row: ProjectRow): Promise<void> {
    return projects.insertProject(this.db, row);
  }

  /** Whether a project or a branch alias uses the label. */
  async slugExists(slug: string): Promise<boolean> {
    return this.aliases.labelTaken(slug);
  }

  async getProject(id: string): Promise<ProjectRow | undefined> {
    return this.db<ProjectRow>(PROJECTS).where({ id }).first();
  }

  /** Projects by id, in no particular order; unknown ids are skipped. */
  getProjects(ids: string[]): Promise<ProjectRow[]> {
    return projects.getProjects(this.db, ids);
  }

  /** Projects built from a repository (`repo_key`, see repoKey). */
  async projectsByRepoKey(key: string): Promise<ProjectRow[]> {
    return this.db<ProjectRow>(PROJECTS)
      .where({ repo_key: key })
      .orderBy('slug');
  }

  async projectsWithoutRepoKey(): Promise<
    Array<Pick<ProjectRow, 'id' | 'repo_url'>>
  > {
    return this.db<ProjectRow>(PROJECTS)
      .whereNull('repo_key')
      .select('id', 'repo_url');
  }

  async getProjectBySlug(slug: string): Promise<ProjectRow | undefined> {
    return this.db<ProjectRow>(PROJECTS).where({ slug }).first();
  }

  /** See `listProjects` in ./projects. */
  listProjects(
    opts: projects.ListProjectsOptions,
  ): Promise<{ rows: ProjectRow[]; total: number }> {
    return projects.listProjects(this.db, opts);
  }

  /** Projects linked to a catalog entity, with their current owner. */
  async linkedProjects(): Promise<
    Pick<ProjectRow, 'id' | 'slug' | 'owner' | 'entity_ref'>[]
  > {
    return this.db<ProjectRow>(PROJECTS)
      .whereNotNull('entity_ref')
      .select('id', 'slug', 'owner', 'entity_ref');
  }

  updateProject(id: string, patch: Partial<ProjectRow>): Promise<void> {
    return projects.updateProject(this.db, id, patch);
  }

  /** Deletes a project with its deployments, logs and blob references. Returns the deployment ids. */
  deleteProject(id: string): Promise<string[]> {
    return projects.deleteProject(this.db, id);
  }

  // --- deployments --------------------------------------------------------

  async insertDeployment(row: DeploymentRow): Promise<void> {
    await this.db(DEPLOYMENTS).insert(row);
  }

  async getDeployment(id: string): Promise<DeploymentRow | undefined> {
    return this.db<DeploymentRow>(DEPLOYMENTS).where({ id }).first();
  }

  async listDeployments(
    projectId: string,
    opts: { limit: number; offset: number; target?: DeploymentTarget },
  ): Promise<{ rows: DeploymentRow[]; total: number }> {
    const base = this.db<DeploymentRow>(DEPLOYMENTS)
      .where({ project_id: projectId })
      .modify(q => opts.target && q.where({ target: opts.target }));
    const [{ count }] = await base.clone().count({ count: '*' });
    const rows = await base
      .clone()
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(opts.limit)
      .offset(opts.offset);
    return { rows, total: Number(count) };
  }

  /** Latest deployment of each given project. */
  async latestDeployments(
    projectIds: string[],
  ): Promise<Map<string, DeploymentRow>> {
    const out = new Map<string, DeploymentRow>();
    for (const part of chunks(projectIds)) {
      const rows = await this.db<DeploymentRow>(DEPLOYMENTS)
        .whereIn('project_id', part)
        .orderBy('created_at', 'desc');
      for (const row of rows) {
        if (!out.has(row.project_id)) out.set(row.project_id, row);
      }
    }
    return out;
  }

  /**
   * Whether the project has a deployment matching `match` (e.g. the same
   * pull request) created after `row` (by created_at, then id).
   */
  async newerDeploymentExists(
    row: Pick<DeploymentRow, 'id' | 'project_id' | 'created_at'>,
    match: Partial<Pick<DeploymentRow, 'pr_number' | 'commit_sha'>>,
  ): Promise<boolean> {
    const found = await this.db(DEPLOYMENTS)
      .where({ project_id: row.project_id, ...match })
      .where(q =>
        q
          .where('created_at', '>', row.created_at)
          .orWhere(same =>
            same.where('created_at', row.created_at).where('id', '>', row.id),
          ),
      )
      .first('id');
    return Boolean(found);
  }

  /** The newest deployment of a project's branch (by created_at, then id). */
  async newestOfBranch(
    projectId: string,
    branch: string,
  ): Promise<DeploymentRow | undefined> {
    return this.db<DeploymentRow>(DEPLOYMENTS)
      .where({ project_id: projectId, branch })
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .first();
  }

  async listByStatus(
    statuses: DeploymentStatus[],
    limit = 1000,
  ): Promise<DeploymentRow[]> {
    return this.db<DeploymentRow>(DEPLOYMENTS)
      .whereIn('status', statuses)
      .orderBy('created_at', 'asc')
      .orderBy('id', 'asc')
      .limit(limit);
  }

  /**
   * Claims queued deployments up to the concurrency limit, oldest first,
   * moving them to `building` with the patch `claim` gives each. Runs under
   * the dispatch lock row (FOR UPDATE on Postgres; SQLite serializes
   * writers), so replicas never exceed the limit together.
   */
  async claimQueued(
    concurrency: number,
    claim: (row: DeploymentRow) => Partial<DeploymentRow>,
  ): Promise<DeploymentRow[]> {
    return this.db.transaction(async tx => {
      const lock = tx(LOCKS).where({ name: 'dispatch' });
      // SQLite has one writer at a time; FOR UPDATE is Postgres's row lock.
      await (this.isSqlite ? lock : lock.forUpdate()).first();
      const [{ count }] = await tx(DEPLOYMENTS)
        .whereIn('status', ['building', 'uploading'])
        .count({ count: '*' });
      const free = concurrency - Number(count);
      if (free <= 0) return [];
      const queued: DeploymentRow[] = await tx(DEPLOYMENTS)
        .where({ status: 'queued' })
        .orderBy('created_at', 'asc')
        .orderBy('id', 'asc')
        .limit(free);
      const claimed: DeploymentRow[] = [];
      for (const row of queued) {
        const patch = { ...claim(row), status: 'building' as const };
        const n = await tx(DEPLOYMENTS)
          .where({ id: row.id, status: 'queued' })
          .update(patch);
        if (n === 1) claimed.push({ ...row, ...patch });
      }
      await tx(LOCKS)
        .where({ name: 'dispatch' })
        .update({ updated_at: new Date() });
      return claimed;
    });
  }

  /**
   * Moves a deployment to a new state only if it is currently in one of
   * `from`; the database decides races between replicas. Returns whether
   * this caller made the transition.
   */
  async transition(
    id: string,
    from: DeploymentStatus[],
    patch: Partial<DeploymentRow>,
  ): Promise<boolean> {
    const count = await this.db(DEPLOYMENTS)
      .where({ id })
      .whereIn('status', from)
      .update(patch);
    return count === 1;
  }

  /** Updates fields of a deployment that is still in one of `statuses`. */
  async updateDeployment(
    id: string,
    patch: Partial<DeploymentRow>,
    statuses?: DeploymentStatus[],
  ): Promise<boolean> {
    const count = await this.db(DEPLOYMENTS)
      .where({ id })
      .modify(q => {
        if (statuses) q.whereIn('status', statuses);
      })
      .update(patch);
    return count === 1;
  }

  /**
   * Points the project's production at a deployment, unconditionally: an
   * explicit promote or rollback by a user. Automatic promotion uses
   * `promoteIfNewer`.
   */
  async setProduction(projectId: string, deploymentId: string): Promise<void> {
    await this.db(PROJECTS).where({ id: projectId }).update({
      production_deployment_id: deploymentId,
      updated_at: new Date(),
    });
  }

  /**
   * Points the project's production at a deployment of it unless production
   * is a newer deployment (by created_at, then id). One conditional UPDATE,
   * so concurrent finalizes cannot leave the older build in production: on
   * Postgres a blocked UPDATE re-checks the condition against the row the
   * other one wrote. The comparison is a scalar subquery, which the planner
   * keeps a per-row subplan (a NOT EXISTS could become an anti-join, whose
   * re-check would reuse stale rows). Returns whether this deployment is
   * production afterwards.
   */
  async promoteIfNewer(
    projectId: string,
    deploymentId: string,
  ): Promise<boolean> {
    const count = await this.db(PROJECTS)
      .where({ id: projectId })
      .whereExists(
        this.db(DEPLOYMENTS)
          .select(this.db.raw('1'))
          .where({ id: deploymentId, project_id: projectId }),
      )
      // 0 when the current production is newer; no row (null) when there is
      // no production or its deployment is gone.
      .whereRaw(
        `COALESCE((
          SELECT CASE WHEN cur.created_at > cand.created_at
            OR (cur.created_at = cand.created_at AND cur.id > cand.id)
            THEN 0 ELSE 1 END
          FROM ?? cur, ?? cand
          WHERE cur.id = ??.production_deployment_id AND cand.id = ?
        ), 1) = 1`,
        [DEPLOYMENTS, DEPLOYMENTS, PROJECTS, deploymentId],
      )
      .update({
        production_deployment_id: deploymentId,
        updated_at: new Date(),
      });
    return count === 1;
  }

  // --- logs ---------------------------------------------------------------

  /** See `appendLogs` in ./logs: dedupes by clientSeq, numbers in commit order, applies `limits`. */
  appendLogs(
    deploymentId: string,
    lines: logs.NewLogLine[],
    limits?: logs.LogLimits,
  ): Promise<logs.StoredLogLine[]> {
    return logs.appendLogs(this.db, deploymentId, lines, limits);
  }

  readLogs(
    deploymentId: string,
    afterSeq: number,
    limit: number,
  ): Promise<LogRow[]> {
    return logs.readLogs(this.db, deploymentId, afterSeq, limit);
  }

  // --- blobs --------------------------------------------------------------

  existingBlobs(hashes: string[]): Promise<Set<string>> {
    return blobs.existingBlobs(this.db, hashes);
  }

  insertBlobs(blobRows: Array<{ hash: string; size: number }>): Promise<void> {
    return blobs.insertBlobs(this.db, blobRows);
  }

  insertBlob(hash: string, size: number): Promise<void> {
    return blobs.insertBlob(this.db, hash, size);
  }

  addDeploymentBlobs(deploymentId: string, hashes: string[]): Promise<void> {
    return blobs.addDeploymentBlobs(this.db, deploymentId, hashes);
  }

  collectUnreferencedBlobs(candidates: string[]): Promise<string[]> {
    return blobs.collectUnreferencedBlobs(this.db, candidates);
  }

  blobsOfDeployments(deploymentIds: string[]): Promise<string[]> {
    return blobs.blobsOfDeployments(this.db, deploymentIds);
  }

  // --- domains and routes -------------------------------------------------

  insertDomain(row: DomainRow): Promise<void> {
    return domains.insertDomain(this.db, row);
  }

  listDomains(projectId: string): Promise<DomainRow[]> {
    return domains.listDomains(this.db, projectId);
  }

  getDomain(hostname: string): Promise<DomainRow | undefined> {
    return domains.getDomain(this.db, hostname);
  }

  markDomainVerified(hostname: string): Promise<void> {
    return domains.markDomainVerified(this.db, hostname);
  }

  deleteDomain(hostname: string): Promise<void> {
    return domains.deleteDomain(this.db, hostname);
  }

  routeRows(): Promise<domains.RouteRows> {
    return domains.routeRows(this.db);
  }
}
