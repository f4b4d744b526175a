import { randomUUID } from 'crypto';
import { Knex } from 'knex';
import { chunks } from './sqlHelpers';
import { BUILD_CACHES, BuildCacheRow, DEPLOYMENTS } from './tables';

/**
 * Build cache entries (service/BuildCacheService.ts): which archive a
 * project's branch keeps for a key, and what a deployment asked for.
 */
export class BuildCacheQueries {
  constructor(private readonly db: Knex) {}

  /**
   * The entry a build restores: of the first of `branches` that has one,
   * the entry of `key`, else the newest of those branches' entries
   * (least recently used last).
   */
  async find(
    projectId: string,
    branches: string[],
    key: string,
  ): Promise<BuildCacheRow | undefined> {
    const newest = (q: Knex.QueryBuilder) =>
      q.orderBy('created_at', 'desc').orderBy('id', 'desc').first();
    for (const branch of branches) {
      const exact = await newest(
        this.db<BuildCacheRow>(BUILD_CACHES).where({
          project_id: projectId,
          branch,
          key,
        }),
      );
      if (exact) return exact;
    }
    for (const branch of branches) {
      const any = await newest(
        this.db<BuildCacheRow>(BUILD_CACHES).where({
          project_id: projectId,
          branch,
        }),
      );
      if (any) return any;
    }
    return undefined;
  }

  touch(id: string, at = new Date()): Promise<number> {
    return this.db(BUILD_CACHES).where({ id }).update({ last_used_at: at });
  }

  /**
   * Records an entry, replacing the branch's older entries of the same key.
   * Returns the archives those referenced (candidates for deletion).
   */
  async put(entry: {
    projectId: string;
    branch: string;
    key: string;
    archiveHash: string;
    size: number;
    fingerprint: string;
  }): Promise<{ row: BuildCacheRow; replaced: string[] }> {
    const now = new Date();
    const row: BuildCacheRow = {
      id: randomUUID(),
      project_id: entry.projectId,
      branch: entry.branch,
      key: entry.key,
      archive_hash: entry.archiveHash,
      size: entry.size,
      fingerprint: entry.fingerprint,
      created_at: now,
      last_used_at: now,
    };
    return this.db.transaction(async tx => {
      const same = {
        project_id: entry.projectId,
        branch: entry.branch,
        key: entry.key,
      };
      const old = await tx<BuildCacheRow>(BUILD_CACHES)
        .where(same)
        .select('archive_hash');
      await tx(BUILD_CACHES).where(same).delete();
      await tx(BUILD_CACHES).insert(row);
      return { row, replaced: old.map(r => r.archive_hash) };
    });
  }

  /** The project's entries, least recently used first. */
  list(projectId: string): Promise<BuildCacheRow[]> {
    return this.db<BuildCacheRow>(BUILD_CACHES)
      .where({ project_id: projectId })
      .orderBy('last_used_at', 'asc')
      .orderBy('created_at', 'asc')
      .orderBy('id', 'asc');
  }

  /** Deletes entries by id; returns the archives they referenced. */
  async remove(ids: string[]): Promise<string[]> {
    const hashes: string[] = [];
    for (const part of chunks(ids)) {
      const rows = await this.db<BuildCacheRow>(BUILD_CACHES)
        .whereIn('id', part)
        .select('archive_hash');
      hashes.push(...rows.map(r => r.archive_hash));
      await this.db(BUILD_CACHES).whereIn('id', part).delete();
    }
    return hashes;
  }

  /** The archives of a project's entries (read before the project is deleted). */
  async archivesOf(projectId: string): Promise<string[]> {
    const rows = await this.db<BuildCacheRow>(BUILD_CACHES)
      .where({ project_id: projectId })
      .distinct('archive_hash');
    return rows.map(r => r.archive_hash);
  }

  /** Of `hashes`, those no entry of any project references. */
  async unreferenced(hashes: string[]): Promise<string[]> {
    const unique = [...new Set(hashes)];
    const used = new Set<string>();
    for (const part of chunks(unique)) {
      const rows = await this.db<BuildCacheRow>(BUILD_CACHES)
        .whereIn('archive_hash', part)
        .distinct('archive_hash');
      for (const r of rows) used.add(r.archive_hash);
    }
    return unique.filter(h => !used.has(h));
  }

  /** An entry of the project with this archive and key (the one a build restored). */
  async withArchive(
    projectId: string,
    hash: string,
    key: string,
  ): Promise<BuildCacheRow | undefined> {
    return this.db<BuildCacheRow>(BUILD_CACHES)
      .where({ project_id: projectId, archive_hash: hash, key })
      .first();
  }

  /** What a deployment's cache calls asked for (see DeploymentRow.cache_*). */
  async markDeployment(
    deploymentId: string,
    fields: Partial<{
      cache_key: string | null;
      cache_restored: string | null;
      cache_upload: string | null;
    }>,
  ): Promise<void> {
    await this.db(DEPLOYMENTS).where({ id: deploymentId }).update(fields);
  }
}
