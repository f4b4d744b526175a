import { ConflictError } from '@backstage/errors';
import type { DeploymentStatus } from '@internal/plugin-novahost-common';
import { Knex } from 'knex';
import {
  BLOBS,
  BlobRow,
  DEPLOYMENT_BLOBS,
  DEPLOYMENTS,
  DeploymentRow,
  DOMAINS,
  DomainRow,
  LOCKS,
  LOGS,
  LogRow,
  PROJECTS,
  ProjectRow,
} from './tables';

/** A log line about to be stored; `clientSeq` dedupes retried batches. */
export type NewLogLine = {
  clientSeq?: number;
  ts: Date;
  stream: string;
  text: string;
};

function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return (
    err?.code === '23505' ||
    err?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    err?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    /unique constraint/i.test(err?.message ?? '')
  );
}

// SQLite's IN lists are limited; batch large hash lists.
const CHUNK = 500;
function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) {
    out.push(items.slice(i, i + CHUNK));
  }
  return out;
}

/** All SQL of the plugin. Works on Postgres and SQLite. */
export class NovahostDatabase {
  private readonly isSqlite: boolean;

  constructor(private readonly db: Knex) {
    this.isSqlite = /sqlite/i.test(String(db.client.config.client));
  }

  // --- projects -----------------------------------------------------------

  async insertProject(row: ProjectRow): Promise<void> {
    try {
      await this.db(PROJECTS).insert(row);
    } catch (e) {
      if (isUniqueViolation(e)) {
        throw new ConflictError(
          `A project named '${row.name}' or with slug '${row.slug}' already exists`,
        );
      }
      throw e;
    }
  }

  async slugExists(slug: string): Promise<boolean> {
    const row = await this.db(PROJECTS).where({ slug }).first('id');
    return Boolean(row);
  }

  async getProject(id: string): Promise<ProjectRow | undefined> {
    return this.db<ProjectRow>(PROJECTS).where({ id }).first();
  }

  async getProjectBySlug(slug: string): Promise<ProjectRow | undefined> {
    return this.db<ProjectRow>(PROJECTS).where({ slug }).first();
  }

  async listProjects(opts: {
    limit: number;
    offset: number;
    owner?: string;
    search?: string;
  }): Promise<{ rows: ProjectRow[]; total: number }> {
    const base = this.db<ProjectRow>(PROJECTS).modify(q => {
      if (opts.owner) q.where('owner', opts.owner);
      if (opts.search) {
        const like = `%${opts.search.toLowerCase().replace(/[%_\\]/g, '')}%`;
        q.where(w =>
          w
            .whereRaw('LOWER(name) LIKE ?', [like])
            .orWhere('slug', 'like', like),
        );
      }
    });
    const [{ count }] = await base.clone().count({ count: '*' });
    const rows = await base
      .clone()
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(opts.limit)
      .offset(opts.offset);
    return { rows, total: Number(count) };
  }

  async updateProject(id: string, patch: Partial<ProjectRow>): Promise<void> {
    try {
      await this.db(PROJECTS).where({ id }).update(patch);
    } catch (e) {
      if (isUniqueViolation(e)) {
        throw new ConflictError(
          `A project named '${patch.name}' already exists`,
        );
      }
      throw e;
    }
  }

  /** Deletes a project with its deployments, logs and blob references. Returns the deployment ids. */
  async deleteProject(id: string): Promise<string[]> {
    return this.db.transaction(async tx => {
      const ids = (
        await tx(DEPLOYMENTS).where({ project_id: id }).select('id')
      ).map((r: { id: string }) => r.id);
      for (const part of chunks(ids)) {
        await tx(LOGS).whereIn('deployment_id', part).delete();
        await tx(DEPLOYMENT_BLOBS).whereIn('deployment_id', part).delete();
      }
      await tx(DEPLOYMENTS).where({ project_id: id }).delete();
      await tx(DOMAINS).where({ project_id: id }).delete();
      await tx(PROJECTS).where({ id }).delete();
      return ids;
    });
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
    opts: { limit: number; offset: number },
  ): Promise<{ rows: DeploymentRow[]; total: number }> {
    const base = this.db<DeploymentRow>(DEPLOYMENTS).where({
      project_id: projectId,
    });
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

  /**
   * Stores log lines and returns them with their sequence numbers. Numbers
   * are allocated from a counter on the deployment row, in the same
   * transaction as the insert, so they increase in commit order. Lines whose
   * clientSeq was already stored (a retried batch) are dropped.
   */
  async appendLogs(
    deploymentId: string,
    lines: NewLogLine[],
  ): Promise<Array<{ seq: number; ts: Date; stream: string; text: string }>> {
    if (lines.length === 0) return [];
    return this.db.transaction(async tx => {
      let fresh = lines;
      const clientSeqs = lines
        .map(l => l.clientSeq)
        .filter((s): s is number => typeof s === 'number');
      if (clientSeqs.length) {
        const seen = new Set<number>();
        for (const part of chunks(clientSeqs)) {
          const rows = await tx(LOGS)
            .where({ deployment_id: deploymentId })
            .whereIn('client_seq', part)
            .select('client_seq');
          rows.forEach((r: { client_seq: number }) => seen.add(r.client_seq));
        }
        const inBatch = new Set<number>();
        fresh = lines.filter(l => {
          if (l.clientSeq === undefined) return true;
          if (seen.has(l.clientSeq) || inBatch.has(l.clientSeq)) return false;
          inBatch.add(l.clientSeq);
          return true;
        });
      }
      if (fresh.length === 0) return [];
      await tx(DEPLOYMENTS)
        .where({ id: deploymentId })
        .increment('log_seq', fresh.length);
      const row = await tx(DEPLOYMENTS)
        .where({ id: deploymentId })
        .first('log_seq');
      if (!row) return [];
      const first = Number(row.log_seq) - fresh.length + 1;
      const stored = fresh.map((l, i) => ({
        seq: first + i,
        ts: l.ts,
        stream: l.stream,
        text: l.text,
        clientSeq: l.clientSeq ?? null,
      }));
      for (const part of chunks(stored)) {
        await tx(LOGS).insert(
          part.map(l => ({
            deployment_id: deploymentId,
            seq: l.seq,
            client_seq: l.clientSeq,
            ts: l.ts,
            stream: l.stream,
            text: l.text,
          })),
        );
      }
      return stored.map(({ seq, ts, stream, text }) => ({
        seq,
        ts,
        stream,
        text,
      }));
    });
  }

  async readLogs(
    deploymentId: string,
    afterSeq: number,
    limit: number,
  ): Promise<LogRow[]> {
    return this.db<LogRow>(LOGS)
      .where({ deployment_id: deploymentId })
      .andWhere('seq', '>', afterSeq)
      .orderBy('seq', 'asc')
      .limit(limit);
  }

  // --- blobs --------------------------------------------------------------

  async existingBlobs(hashes: string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (const part of chunks(hashes)) {
      const rows = await this.db<BlobRow>(BLOBS)
        .whereIn('hash', part)
        .select('hash');
      rows.forEach(r => found.add(r.hash));
    }
    return found;
  }

  async insertBlobs(
    blobs: Array<{ hash: string; size: number }>,
  ): Promise<void> {
    const now = new Date();
    for (const part of chunks(blobs)) {
      await this.db(BLOBS)
        .insert(
          part.map(b => ({ hash: b.hash, size: b.size, created_at: now })),
        )
        .onConflict('hash')
        .ignore();
    }
  }

  async insertBlob(hash: string, size: number): Promise<void> {
    await this.db(BLOBS)
      .insert({ hash, size, created_at: new Date() })
      .onConflict('hash')
      .ignore();
  }

  /** Records which blobs a deployment uses, so garbage collection keeps them. */
  async addDeploymentBlobs(
    deploymentId: string,
    hashes: string[],
  ): Promise<void> {
    for (const part of chunks(hashes)) {
      await this.db(DEPLOYMENT_BLOBS)
        .insert(part.map(hash => ({ deployment_id: deploymentId, hash })))
        .onConflict(['deployment_id', 'hash'])
        .ignore();
    }
  }

  /**
   * Removes blob index rows that no deployment references any more, among
   * `candidates`, and returns their hashes (the caller deletes the content).
   */
  async collectUnreferencedBlobs(candidates: string[]): Promise<string[]> {
    const removed: string[] = [];
    for (const part of chunks(candidates)) {
      await this.db.transaction(async tx => {
        const rows = await tx(BLOBS)
          .whereIn('hash', part)
          .whereNotExists(
            tx(DEPLOYMENT_BLOBS)
              .select(tx.raw('1'))
              .whereRaw(`${DEPLOYMENT_BLOBS}.hash = ${BLOBS}.hash`),
          )
          .select('hash');
        const hashes = rows.map((r: { hash: string }) => r.hash);
        if (hashes.length) {
          await tx(BLOBS).whereIn('hash', hashes).delete();
          removed.push(...hashes);
        }
      });
    }
    return removed;
  }

  async blobsOfDeployments(deploymentIds: string[]): Promise<string[]> {
    const out = new Set<string>();
    for (const part of chunks(deploymentIds)) {
      const rows = await this.db(DEPLOYMENT_BLOBS)
        .whereIn('deployment_id', part)
        .select('hash');
      rows.forEach((r: { hash: string }) => out.add(r.hash));
    }
    return [...out];
  }

  // --- domains ------------------------------------------------------------

  async insertDomain(row: DomainRow): Promise<void> {
    try {
      await this.db(DOMAINS).insert(row);
    } catch (e) {
      if (isUniqueViolation(e)) {
        throw new ConflictError(`The domain ${row.hostname} is already in use`);
      }
      throw e;
    }
  }

  async listDomains(projectId: string): Promise<DomainRow[]> {
    return this.db<DomainRow>(DOMAINS)
      .where({ project_id: projectId })
      .orderBy('hostname');
  }

  async getDomain(hostname: string): Promise<DomainRow | undefined> {
    return this.db<DomainRow>(DOMAINS).where({ hostname }).first();
  }

  async markDomainVerified(hostname: string): Promise<void> {
    await this.db(DOMAINS)
      .where({ hostname })
      .update({ verified_at: new Date() });
  }

  async deleteDomain(hostname: string): Promise<void> {
    await this.db(DOMAINS).where({ hostname }).delete();
  }

  // --- routes -------------------------------------------------------------

  async routeRows(): Promise<{
    projects: ProjectRow[];
    deployments: Array<Pick<DeploymentRow, 'id' | 'short_id' | 'project_id'>>;
    domains: Array<Pick<DomainRow, 'hostname' | 'project_id'>>;
  }> {
    const projects = await this.db<ProjectRow>(PROJECTS).select();
    const deployments = await this.db<DeploymentRow>(DEPLOYMENTS)
      .where({ status: 'ready' })
      .select('id', 'short_id', 'project_id');
    const domains = await this.db<DomainRow>(DOMAINS)
      .whereNotNull('verified_at')
      .select('hostname', 'project_id');
    return { projects, deployments, domains };
  }
}
