import type { DatabaseService } from '@backstage/backend-plugin-api';
import { randomUUID } from 'crypto';
import { Knex } from 'knex';
import { openDatabase } from '../migrations';
import { NovahostDatabase } from '../NovahostDatabase';
import { DeploymentRow, ProjectRow } from '../tables';

/** Migrates a fresh test database and wraps it, as the plugin does at startup. */
export async function openTestDatabase(knex: Knex): Promise<NovahostDatabase> {
  const database = {
    getClient: async () => knex,
    migrations: { skip: false },
  } as unknown as DatabaseService;
  return new NovahostDatabase(await openDatabase(database));
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
    spa: false,
    auto_promote: true,
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
  return {
    id: randomUUID(),
    short_id: randomUUID().slice(0, 8),
    project_id: projectId,
    ref: 'main',
    commit_sha: null,
    status: 'queued',
    error: null,
    exit_code: null,
    created_by: null,
    build_token_hash: null,
    runner_handle: null,
    log_seq: 0,
    pending_manifest: null,
    stats_files: null,
    stats_bytes: null,
    stats_new_blobs: null,
    stats_new_bytes: null,
    framework: null,
    created_at: new Date(),
    started_at: null,
    uploading_at: null,
    finished_at: null,
    ...patch,
  };
}

/** A project with deployments created one second apart, oldest first. */
export async function projectWithDeployments(
  db: NovahostDatabase,
  count: number,
): Promise<{ project: ProjectRow; deployments: DeploymentRow[] }> {
  const project = projectRow();
  await db.insertProject(project);
  const base = Date.UTC(2026, 0, 1);
  const deployments: DeploymentRow[] = [];
  for (let i = 0; i < count; i++) {
    const row = deploymentRow(project.id, {
      status: 'ready',
      created_at: new Date(base + i * 1000),
    });
    await db.insertDeployment(row);
    deployments.push(row);
  }
  return { project, deployments };
}
