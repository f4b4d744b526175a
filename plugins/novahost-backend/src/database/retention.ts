import type { DeploymentStatus } from '@internal/plugin-novahost-common';
import { Knex } from 'knex';
import { chunks } from './sqlHelpers';
import {
  ALIASES,
  AliasRow,
  DEPLOYMENT_BLOBS,
  DEPLOYMENTS,
  DeploymentRow,
  LOGS,
  PROJECTS,
} from './tables';

/** The only states a deployment is deleted in: its build is over. */
export const FINISHED: DeploymentStatus[] = ['ready', 'failed', 'canceled'];

/** What a deletion reports of each deployment it removed. */
export type DeletedDeployment = Pick<
  DeploymentRow,
  'id' | 'project_id' | 'branch' | 'status'
>;

/**
 * Deleting deployments (one by a user, many by retention) and the queries
 * retention picks them with. Every query leaves a project's production
 * deployment and anything unfinished alone.
 */
export class RetentionQueries {
  private readonly isSqlite: boolean;

  constructor(private readonly db: Knex) {
    this.isSqlite = /sqlite/i.test(String(db.client.config.client));
  }

  /**
   * Deletes finished deployments with their logs and blob references, one
   * transaction per batch, and returns the deleted ones (the caller removes
   * their artifacts). Skipped: unknown ids, unfinished deployments, a
   * project's production deployment, and with `keepRouted` one a routed
   * alias serves. An alias that served a deleted deployment moves to its
   * branch's newest remaining ready deployment, or serves nothing.
   */
  async deleteDeployments(
    ids: string[],
    opts: { keepRouted: boolean },
  ): Promise<DeletedDeployment[]> {
    const deleted: DeletedDeployment[] = [];
    for (const part of chunks(ids)) {
      deleted.push(
        ...(await this.db.transaction(tx => this.deleteIn(tx, part, opts))),
      );
    }
    return deleted;
  }

  private async deleteIn(
    tx: Knex.Transaction,
    ids: string[],
    opts: { keepRouted: boolean },
  ): Promise<DeletedDeployment[]> {
    const rows: DeletedDeployment[] = await tx(DEPLOYMENTS)
      .whereIn('id', ids)
      .whereIn('status', FINISHED)
      .select('id', 'project_id', 'branch', 'status');
    if (!rows.length) return [];
    // Lock the projects (Postgres; SQLite has one writer at a time): a
    // promote of one of these deployments commits before we read the
    // production pointer, or waits until they are gone.
    const projects = tx(PROJECTS)
      .whereIn('id', [...new Set(rows.map(r => r.project_id))])
      .select('production_deployment_id');
    const keep = new Set<string | null>(
      (await (this.isSqlite ? projects : projects.forUpdate())).map(
        (p: { production_deployment_id: string | null }) =>
          p.production_deployment_id,
      ),
    );
    if (opts.keepRouted) {
      const routed = await tx(ALIASES)
        .whereIn(
          'deployment_id',
          rows.map(r => r.id),
        )
        .whereNull('removed_at')
        .select('deployment_id');
      routed.forEach((a: { deployment_id: string }) =>
        keep.add(a.deployment_id),
      );
    }
    const doomed = rows.filter(r => !keep.has(r.id));
    const doomedIds = doomed.map(r => r.id);
    if (!doomedIds.length) return [];
    await tx(LOGS).whereIn('deployment_id', doomedIds).delete();
    await tx(DEPLOYMENT_BLOBS).whereIn('deployment_id', doomedIds).delete();
    await tx(DEPLOYMENTS).whereIn('id', doomedIds).delete();
    await this.repointAliases(tx, doomedIds);
    return doomed;
  }

  /** Aliases serving a deleted deployment serve their branch's newest ready one left, or nothing. */
  private async repointAliases(tx: Knex.Transaction, deletedIds: string[]) {
    const query = tx<AliasRow>(ALIASES)
      .whereIn('deployment_id', deletedIds)
      .select('project_id', 'branch');
    // A concurrent `point` (a newer deployment ready) holds the row lock;
    // once it commits the alias no longer matches and is left to it.
    const aliases: Array<Pick<AliasRow, 'project_id' | 'branch'>> = await (this
      .isSqlite
      ? query
      : query.forUpdate());
    for (const alias of aliases) {
      const next = await tx<DeploymentRow>(DEPLOYMENTS)
        .where({
          project_id: alias.project_id,
          branch: alias.branch,
          status: 'ready',
        })
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .first('id');
      await tx(ALIASES)
        .where({ project_id: alias.project_id, branch: alias.branch })
        .update({ deployment_id: next?.id ?? null, updated_at: new Date() });
    }
  }

  /**
   * Up to `limit` deployments past the window retention keeps, oldest
   * first. Per project and branch (commits deployed by SHA form one group
   * per project) the window is the `keepPerBranch` newest ready deployments,
   * and of failed and canceled ones those among the `keepPerBranch` newest
   * finished ones. Never production, never what a routed alias serves,
   * never unfinished. The ranking is done by the database (window
   * functions, Postgres and SQLite ≥ 3.25): only ids come back.
   */
  async expired(keepPerBranch: number, limit: number): Promise<string[]> {
    const newestFirst = 'ORDER BY created_at DESC, id DESC';
    const ranked = this.db(DEPLOYMENTS)
      .whereIn('status', FINISHED)
      .select(
        'id',
        'status',
        'created_at',
        this.db.raw(
          `ROW_NUMBER() OVER (PARTITION BY project_id, branch ${newestFirst}) AS finished_rank`,
        ),
        this.db.raw(
          `ROW_NUMBER() OVER (PARTITION BY project_id, branch, status ${newestFirst}) AS status_rank`,
        ),
      )
      .as('r');
    const rows = await this.db
      .from(ranked)
      .where(q =>
        q
          .where(w =>
            w
              .where('r.status', 'ready')
              .andWhere('r.status_rank', '>', keepPerBranch),
          )
          .orWhere(w =>
            w
              .whereNot('r.status', 'ready')
              .andWhere('r.finished_rank', '>', keepPerBranch),
          ),
      )
      .whereNotExists(this.production('r.id'))
      .whereNotExists(
        this.db(ALIASES)
          .select(this.db.raw('1'))
          .whereNull(`${ALIASES}.removed_at`)
          .whereRaw(`${ALIASES}.deployment_id = r.id`),
      )
      .orderBy('r.created_at', 'asc')
      .orderBy('r.id', 'asc')
      .limit(limit)
      .select('r.id');
    return rows.map((r: { id: string }) => r.id);
  }

  /**
   * Up to `limit` finished preview deployments of branches whose alias was
   * removed (closed pull request, deleted branch) before `before`, oldest
   * first; never production.
   */
  async removedPreviews(before: Date, limit: number): Promise<string[]> {
    const rows = await this.db(`${DEPLOYMENTS} as d`)
      .join(`${ALIASES} as a`, j =>
        j.on('a.project_id', 'd.project_id').andOn('a.branch', 'd.branch'),
      )
      .whereNotNull('a.removed_at')
      .where('a.removed_at', '<', before)
      .where('d.target', 'preview')
      .whereIn('d.status', FINISHED)
      .whereNotExists(this.production('d.id'))
      .orderBy('d.created_at', 'asc')
      .orderBy('d.id', 'asc')
      .limit(limit)
      .select('d.id');
    return rows.map((r: { id: string }) => r.id);
  }

  /** A project whose production deployment is `column`. */
  private production(column: string) {
    return this.db(PROJECTS)
      .select(this.db.raw('1'))
      .whereRaw(`${PROJECTS}.production_deployment_id = ${column}`);
  }
}
