import type { DatabaseService } from '@backstage/backend-plugin-api';
import { TestDatabaseId, TestDatabases } from '@backstage/backend-test-utils';
import type { DeploymentStatus } from '@internal/plugin-novahost-common';
import { randomUUID } from 'crypto';
import { Knex } from 'knex';
import { openDatabase } from '../migrations';
import { NovahostDatabase } from '../NovahostDatabase';
import { DeploymentRow, newDeploymentRow, ProjectRow } from '../tables';

/** Migrates a fresh test database and wraps it, as the plugin does at startup. */
export async function openTestDatabase(knex: Knex): Promise<NovahostDatabase> {
  const database = {
    getClient: async () => knex,
    migrations: { skip: false },
  } as unknown as DatabaseService;
  return new NovahostDatabase(await openDatabase(database));
}

/** What a suite gets; filled in before its first test. */
export type DatabaseContext = {
  databaseId: TestDatabaseId;
  knex: Knex;
  db: NovahostDatabase;
};

/**
 * Runs `suite` once per engine, each on a fresh migrated database
 * (Postgres and SQLite unless `ids` says otherwise).
 */
export function describeEachDatabase(
  title: string,
  suite: (ctx: DatabaseContext) => void,
  ids: TestDatabaseId[] = ['POSTGRES_15', 'SQLITE_3'],
) {
  const databases = TestDatabases.create({ ids });
  describe.each(databases.eachSupportedId())(`${title} on %p`, databaseId => {
    const ctx = { databaseId } as DatabaseContext;
    beforeAll(async () => {
      ctx.knex = await databases.init(databaseId);
      ctx.db = await openTestDatabase(ctx.knex);
    });
    suite(ctx);
  });
}

let counter = 0;

export function projectRow(patch: Partial<ProjectRow> = {}): ProjectRow {
  counter += 1;
  const now = new Date();
  return {
    id: randomUUID(),
    name: `Project ${counter}`,
    slug: `project-${counter}`,
    repo_url: 'https://git.example.com/site.git',
    branch: 'main',
    root_directory: '',
    install_command: null,
    build_command: null,
    output_directory: null,
    owner: null,
    entity_ref: null,
    spa: false,
    auto_promote: true,
    repo_key: null,
    watch_paths: null,
    allow_fork_previews: false,
    production_deployment_id: null,
    created_at: now,
    updated_at: now,
    ...patch,
  };
}

export function deploymentRow(
  projectId: string,
  patch: Partial<DeploymentRow> = {},
): DeploymentRow {
  const ref = patch.ref ?? 'main';
  return newDeploymentRow({
    id: randomUUID(),
    short_id: randomUUID().slice(0, 8),
    project_id: projectId,
    ref,
    // As DeploymentService.create: a ref that is no commit SHA is the branch.
    branch: /^[0-9a-f]{40}$/.test(ref) ? null : ref,
    created_at: new Date(),
    ...patch,
  });
}

/** Inserts a new project with one deployment; returns the deployment. */
export async function insertDeployment(
  db: NovahostDatabase,
  patch: Partial<DeploymentRow> = {},
): Promise<DeploymentRow> {
  const project = projectRow();
  await db.insertProject(project);
  const row = deploymentRow(project.id, patch);
  await db.insertDeployment(row);
  return row;
}

/**
 * A project with deployments created one second apart, oldest first: `count`
 * ready ones, or one per status given.
 */
export async function projectWithDeployments(
  db: NovahostDatabase,
  count: number | DeploymentStatus[],
): Promise<{ project: ProjectRow; deployments: DeploymentRow[] }> {
  const statuses =
    typeof count === 'number'
      ? Array.from({ length: count }, (): DeploymentStatus => 'ready')
      : count;
  const project = projectRow();
  await db.insertProject(project);
  const base = Date.UTC(2026, 0, 1);
  const deployments = statuses.map((status, i) =>
    deploymentRow(project.id, {
      status,
      created_at: new Date(base + i * 1000),
    }),
  );
  for (const row of deployments) await db.insertDeployment(row);
  return { project, deployments };
}
