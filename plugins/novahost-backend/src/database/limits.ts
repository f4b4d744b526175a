import type { DeploymentStatus } from '@internal/plugin-novahost-common';
import { Knex } from 'knex';
import { chunks } from './sqlHelpers';
import {
  BLOBS,
  DEPLOYMENT_BLOBS,
  DEPLOYMENTS,
  DeploymentRow,
  LOCKS,
} from './tables';

/** A branch names what is built (a push deploys its commit by SHA); without one, the ref. */
function sameWork(row: DeploymentRow) {
  return row.branch
    ? { project_id: row.project_id, branch: row.branch }
    : { project_id: row.project_id, ref: row.ref };
}

/**
 * The queries behind the queue and storage limits (the log limits are part
 * of appending, in ./logs).
 */
export class LimitQueries {
  private readonly isSqlite: boolean;

  constructor(private readonly db: Knex) {
    this.isSqlite = /sqlite/i.test(String(db.client.config.client));
  }

  /**
   * Inserts a queued deployment unless its creator already has `maxQueued`
   * queued deployments, not counting those of the same project and branch
   * (or ref; the new one supersedes them). Runs under the dispatch lock row, so
   * creates on several replicas cannot pass the check together. Returns
   * the creator's count when it refuses.
   */
  async insertQueued(
    row: DeploymentRow,
    maxQueued: number,
  ): Promise<{ inserted: true } | { inserted: false; queued: number }> {
    return this.db.transaction(async tx => {
      if (row.created_by) {
        const lock = tx(LOCKS).where({ name: 'dispatch' });
        // SQLite has one writer at a time; FOR UPDATE is Postgres's row lock.
        await (this.isSqlite ? lock : lock.forUpdate()).first();
        const [{ count }] = await tx(DEPLOYMENTS)
          .where({ status: 'queued', created_by: row.created_by })
          .whereNot(q => q.where(sameWork(row)))
          .count({ count: '*' });
        if (Number(count) >= maxQueued) {
          return { inserted: false as const, queued: Number(count) };
        }
      }
      await tx(DEPLOYMENTS).insert(row);
      return { inserted: true as const };
    });
  }

  /** Deployments of the project and branch (or ref) of `row` in `statuses`, oldest first. */
  async queuedOfRef(
    row: DeploymentRow,
    statuses: DeploymentStatus[] = ['queued'],
  ): Promise<DeploymentRow[]> {
    return this.db<DeploymentRow>(DEPLOYMENTS)
      .where(sameWork(row))
      .whereIn('status', statuses)
      .orderBy('created_at', 'asc')
      .orderBy('id', 'asc');
  }

  /** Deployments of a project's branch in `statuses`, oldest first. */
  ofBranch(
    projectId: string,
    branch: string,
    statuses: DeploymentStatus[],
  ): Promise<DeploymentRow[]> {
    return this.queuedOfRef(
      { project_id: projectId, branch, ref: branch } as DeploymentRow,
      statuses,
    );
  }

  /**
   * What a project keeps in the store: the size of the distinct stored
   * blobs its deployments reference (content shared by several of its
   * deployments counts once).
   */
  async projectStoredBytes(projectId: string): Promise<number> {
    const [{ bytes }] = await this.db(BLOBS)
      .whereIn('hash', this.projectHashes(projectId))
      .sum({ bytes: 'size' });
    return Number(bytes ?? 0);
  }

  /** Of `hashes`, those the project already keeps in the store. */
  async storedForProject(
    projectId: string,
    hashes: string[],
  ): Promise<Set<string>> {
    const found = new Set<string>();
    for (const part of chunks(hashes)) {
      const rows = await this.db(BLOBS)
        .whereIn('hash', part)
        .whereIn('hash', this.projectHashes(projectId))
        .select('hash');
      rows.forEach((r: { hash: string }) => found.add(r.hash));
    }
    return found;
  }

  private projectHashes(projectId: string) {
    return this.db(DEPLOYMENT_BLOBS)
      .join(
        DEPLOYMENTS,
        `${DEPLOYMENTS}.id`,
        `${DEPLOYMENT_BLOBS}.deployment_id`,
      )
      .where(`${DEPLOYMENTS}.project_id`, projectId)
      .select(`${DEPLOYMENT_BLOBS}.hash`);
  }
}
