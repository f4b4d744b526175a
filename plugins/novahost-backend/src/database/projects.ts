import { ConflictError } from '@backstage/errors';
import type { PermissionCriteria } from '@backstage/plugin-permission-common';
import type { NovahostProjectFilter } from '@internal/plugin-novahost-node';
import { Knex } from 'knex';
import { whereProjectFilter } from './projectFilter';
import { chunks, isUniqueViolation } from './sqlHelpers';
import {
  ALIASES,
  DEPLOYMENT_BLOBS,
  DEPLOYMENTS,
  DOMAINS,
  LOGS,
  PROJECTS,
  ProjectRow,
} from './tables';

/** Project rows: the queries with more to them than a lookup. */

export async function insertProject(db: Knex, row: ProjectRow): Promise<void> {
  try {
    await db(PROJECTS).insert(row);
  } catch (e) {
    if (isUniqueViolation(e)) {
      throw new ConflictError(
        `A project named '${row.name}' or with slug '${row.slug}' already exists`,
      );
    }
    throw e;
  }
}

export async function getProjects(
  db: Knex,
  ids: string[],
): Promise<ProjectRow[]> {
  const rows: ProjectRow[] = [];
  for (const part of chunks(ids)) {
    rows.push(...(await db<ProjectRow>(PROJECTS).whereIn('id', part)));
  }
  return rows;
}

export type ListProjectsOptions = {
  limit: number;
  offset: number;
  owner?: string;
  search?: string;
  /** What the caller may read: a permission decision's conditions. */
  filter?: PermissionCriteria<NovahostProjectFilter>;
};

/** A page of projects, newest first, and how many match in all. */
export async function listProjects(
  db: Knex,
  opts: ListProjectsOptions,
): Promise<{ rows: ProjectRow[]; total: number }> {
  const base = db<ProjectRow>(PROJECTS).modify(q => {
    if (opts.filter) whereProjectFilter(q, opts.filter);
    if (opts.owner) q.where('owner', opts.owner);
    if (opts.search) {
      const like = `%${opts.search.toLowerCase().replace(/[%_\\]/g, '')}%`;
      q.where(w =>
        w.whereRaw('LOWER(name) LIKE ?', [like]).orWhere('slug', 'like', like),
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

export async function updateProject(
  db: Knex,
  id: string,
  patch: Partial<ProjectRow>,
): Promise<void> {
  try {
    await db(PROJECTS).where({ id }).update(patch);
  } catch (e) {
    if (isUniqueViolation(e)) {
      throw new ConflictError(`A project named '${patch.name}' already exists`);
    }
    throw e;
  }
}

/**
 * Deletes a project with its deployments, logs, blob references, domains
 * and aliases (environment variables and cache entries go by cascade).
 * Returns the deployment ids.
 */
export async function deleteProject(db: Knex, id: string): Promise<string[]> {
  return db.transaction(async tx => {
    const ids = (
      await tx(DEPLOYMENTS).where({ project_id: id }).select('id')
    ).map((r: { id: string }) => r.id);
    for (const part of chunks(ids)) {
      await tx(LOGS).whereIn('deployment_id', part).delete();
      await tx(DEPLOYMENT_BLOBS).whereIn('deployment_id', part).delete();
    }
    await tx(DEPLOYMENTS).where({ project_id: id }).delete();
    await tx(DOMAINS).where({ project_id: id }).delete();
    await tx(ALIASES).where({ project_id: id }).delete();
    await tx(PROJECTS).where({ id }).delete();
    return ids;
  });
}
