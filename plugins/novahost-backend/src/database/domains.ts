import { ConflictError } from '@backstage/errors';
import { Knex } from 'knex';
import { isUniqueViolation } from './sqlHelpers';
import {
  ALIASES,
  AliasRow,
  DEPLOYMENTS,
  DeploymentRow,
  DOMAINS,
  DomainRow,
  PROJECTS,
  ProjectRow,
} from './tables';

/** Custom domains, and the rows the proxy's route table is built from. */

export async function insertDomain(db: Knex, row: DomainRow): Promise<void> {
  try {
    await db(DOMAINS).insert(row);
  } catch (e) {
    if (isUniqueViolation(e)) {
      throw new ConflictError(`The domain ${row.hostname} is already in use`);
    }
    throw e;
  }
}

export async function listDomains(
  db: Knex,
  projectId: string,
): Promise<DomainRow[]> {
  return db<DomainRow>(DOMAINS)
    .where({ project_id: projectId })
    .orderBy('hostname');
}

export async function getDomain(
  db: Knex,
  hostname: string,
): Promise<DomainRow | undefined> {
  return db<DomainRow>(DOMAINS).where({ hostname }).first();
}

export async function markDomainVerified(
  db: Knex,
  hostname: string,
): Promise<void> {
  await db(DOMAINS).where({ hostname }).update({ verified_at: new Date() });
}

export async function deleteDomain(db: Knex, hostname: string): Promise<void> {
  await db(DOMAINS).where({ hostname }).delete();
}

/** What the route table needs: every project, ready deployments, verified domains, routed aliases. */
export type RouteRows = {
  projects: ProjectRow[];
  deployments: Array<Pick<DeploymentRow, 'id' | 'short_id' | 'project_id'>>;
  domains: Array<Pick<DomainRow, 'hostname' | 'project_id'>>;
  aliases: Array<Pick<AliasRow, 'project_id' | 'label' | 'deployment_id'>>;
};

export async function routeRows(db: Knex): Promise<RouteRows> {
  const projects = await db<ProjectRow>(PROJECTS).select();
  const deployments = await db<DeploymentRow>(DEPLOYMENTS)
    .where({ status: 'ready' })
    .select('id', 'short_id', 'project_id');
  const domains = await db<DomainRow>(DOMAINS)
    .whereNotNull('verified_at')
    .select('hostname', 'project_id');
  const aliases = await db<AliasRow>(ALIASES)
    .whereNull('removed_at')
    .whereNotNull('deployment_id')
    .select('project_id', 'label', 'deployment_id');
  return { projects, deployments, domains, aliases };
}
