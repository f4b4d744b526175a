import type { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import {
  CreateProjectRequest,
  Page,
  Project,
  SiteUrlOptions,
  UpdateProjectRequest,
  isLocalRepoUrl,
  repoKey,
  slugify,
  splitDeploymentLabel,
} from '@internal/plugin-novahost-common';
import type { PermissionCriteria } from '@backstage/plugin-permission-common';
import type { NovahostProjectFilter } from '@internal/plugin-novahost-node';
import { randomUUID } from 'crypto';
import type { EventBus } from '../bus';
import type { NovahostDatabase } from '../database/NovahostDatabase';
import type { ProjectRow } from '../database/tables';
import type { ArtifactGc } from './ArtifactGc';
import { publishRoutesChanged } from './channels';
import { RUNNING } from './DeploymentStateMachine';
import { deploymentFromRow, projectFromRow } from './mappers';
import { isUuid } from './validation';

export type ProjectServiceOptions = {
  db: NovahostDatabase;
  bus: EventBus;
  gc: ArtifactGc;
  logger: LoggerService;
  urls: SiteUrlOptions;
  /** Whether repoUrl may point at the local file system (local runner only). */
  allowLocalRepos: boolean;
  /**
   * Whether an http:// repoUrl may be used: only on a Git server of the
   * operator's (GitCredentials.allowsPlainHttp). Without it, none may.
   */
  allowsPlainHttp?: (repoUrl: string) => boolean;
  /** Stops a running build (deleting a project stops its builds); never throws. */
  stopBuild: (deploymentId: string, handle: string | null) => Promise<void>;
  /** The build cache's archives (BuildCacheService): a deleted project's go too. */
  caches?: {
    archivesOf(projectId: string): Promise<string[]>;
    collect(candidates: string[]): Promise<number>;
  };
};

/** A slug like `site-ab12cd34` would look like a deployment host of `site`. */
const shadowsDeployment = (slug: string) => Boolean(splitDeploymentLabel(slug));

/** Projects: create, read, list, update, delete (with their artifacts). */
export class ProjectService {
  constructor(private readonly o: ProjectServiceOptions) {}

  /** The project's row by id or slug; NotFoundError otherwise. */
  async row(idOrSlug: string): Promise<ProjectRow> {
    const row = isUuid(idOrSlug)
      ? await this.o.db.getProject(idOrSlug)
      : await this.o.db.getProjectBySlug(idOrSlug);
    if (!row) throw new NotFoundError(`Project '${idOrSlug}' not found`);
    return row;
  }

  async get(idOrSlug: string): Promise<Project> {
    return projectFromRow(await this.row(idOrSlug), this.o.urls);
  }

  async list(opts: {
    limit: number;
    offset: number;
    owner?: string;
    search?: string;
    /** What the caller may read (a permission decision's conditions). */
    filter?: PermissionCriteria<NovahostProjectFilter>;
  }): Promise<Page<Project>> {
    const { rows, total } = await this.o.db.listProjects(opts);
    const latest = await this.o.db.latestDeployments(rows.map(r => r.id));
    return {
      items: rows.map(row => {
        const d = latest.get(row.id);
        return {
          ...projectFromRow(row, this.o.urls),
          latestDeployment: d ? deploymentFromRow(d, row, this.o.urls) : null,
        };
      }),
      totalCount: total,
      limit: opts.limit,
      offset: opts.offset,
    };
  }

  /** Creates a project; the caller decided (and authorized) its owner. */
  async create(
    input: CreateProjectRequest & { owner: string },
  ): Promise<Project> {
    this.checkRepoUrl(input.repoUrl);
    const slug = input.slug
      ? await this.requestedSlug(input.slug)
      : await this.uniqueSlug(slugify(input.name));
    const now = new Date();
    const row: ProjectRow = {
      id: randomUUID(),
      name: input.name,
      slug,
      repo_url: input.repoUrl,
      branch: input.branch ?? 'main',
      root_directory: input.rootDirectory ?? '',
      install_command: input.installCommand || null,
      build_command: input.buildCommand || null,
      output_directory: input.outputDirectory || null,
      owner: input.owner,
      entity_ref: input.entityRef ?? null,
      spa: input.spa ?? false,
      auto_promote: input.autoPromote ?? true,
      repo_key: repoKey(input.repoUrl) ?? null,
      watch_paths: input.watchPaths?.length
        ? JSON.stringify(input.watchPaths)
        : null,
      allow_fork_previews: input.allowForkPreviews ?? false,
      production_deployment_id: null,
      created_at: now,
      updated_at: now,
    };
    await this.o.db.insertProject(row);
    await publishRoutesChanged(this.o.bus);
    return projectFromRow(row, this.o.urls);
  }

  async update(idOrSlug: string, patch: UpdateProjectRequest) {
    const row = await this.row(idOrSlug);
    if (patch.repoUrl) this.checkRepoUrl(patch.repoUrl);
    const update: Partial<ProjectRow> = { updated_at: new Date() };
    if (patch.name !== undefined) update.name = patch.name;
    if (patch.repoUrl !== undefined) {
      update.repo_url = patch.repoUrl;
      update.repo_key = repoKey(patch.repoUrl) ?? null;
    }
    if (patch.watchPaths !== undefined) {
      update.watch_paths = patch.watchPaths.length
        ? JSON.stringify(patch.watchPaths)
        : null;
    }
    if (patch.allowForkPreviews !== undefined) {
      update.allow_fork_previews = patch.allowForkPreviews;
    }
    if (patch.branch !== undefined) update.branch = patch.branch;
    if (patch.rootDirectory !== undefined)
      update.root_directory = patch.rootDirectory;
    // An empty command means "detect it again".
    if (patch.installCommand !== undefined)
      update.install_command = patch.installCommand || null;
    if (patch.buildCommand !== undefined)
      update.build_command = patch.buildCommand || null;
    if (patch.outputDirectory !== undefined)
      update.output_directory = patch.outputDirectory || null;
    if (patch.owner !== undefined) update.owner = patch.owner;
    if (patch.spa !== undefined) update.spa = patch.spa;
    if (patch.autoPromote !== undefined)
      update.auto_promote = patch.autoPromote;
    await this.o.db.updateProject(row.id, update);
    if (patch.spa !== undefined) await publishRoutesChanged(this.o.bus);
    return this.get(row.id);
  }

  /** Fills `repo_key` of projects created before it existed (webhooks match by it). */
  async backfillRepoKeys(): Promise<void> {
    for (const row of await this.o.db.projectsWithoutRepoKey()) {
      const key = repoKey(row.repo_url);
      if (key) await this.o.db.updateProject(row.id, { repo_key: key });
    }
  }

  /** Projects built from the repository (webhook deliveries). */
  byRepoKey(key: string): Promise<ProjectRow[]> {
    return this.o.db.projectsByRepoKey(key);
  }

  /** Deletes the project: stops its builds, removes its rows, then its artifacts. */
  async delete(idOrSlug: string): Promise<void> {
    const row = await this.row(idOrSlug);
    const { rows } = await this.o.db.listDeployments(row.id, {
      limit: 1_000_000,
      offset: 0,
    });
    for (const d of rows.filter(r => RUNNING.includes(r.status))) {
      await this.o.stopBuild(d.id, d.runner_handle);
    }
    const ids = rows.map(d => d.id);
    const candidates = await this.o.gc.candidates(ids);
    const archives = (await this.o.caches?.archivesOf(row.id)) ?? [];
    await this.o.db.deleteProject(row.id);
    await publishRoutesChanged(this.o.bus);
    const blobs = await this.o.gc.collect(ids, candidates);
    const caches = (await this.o.caches?.collect(archives)) ?? 0;
    this.o.logger.info(
      `Deleted project ${row.slug}: ${ids.length} deployments, ${blobs} blobs, ${caches} build cache archives`,
    );
  }

  private checkRepoUrl(repoUrl: string) {
    if (isLocalRepoUrl(repoUrl) && !this.o.allowLocalRepos) {
      throw new InputError(
        'repoUrl: local repositories are only allowed with the local build runner; use an https:// URL',
      );
    }
    if (/^http:/i.test(repoUrl) && !this.o.allowsPlainHttp?.(repoUrl)) {
      throw new InputError(
        'repoUrl: http:// is only for a Git server whose integration is configured with an http:// URL (apiBaseUrl of integrations.github or bitbucketServer, baseUrl of integrations.gitlab); use an https:// URL',
      );
    }
  }

  private async requestedSlug(slug: string): Promise<string> {
    if (await this.o.db.slugExists(slug)) {
      throw new ConflictError(`The slug '${slug}' is taken`);
    }
    if (shadowsDeployment(slug)) {
      throw new InputError(
        `slug: '${slug}' ends like a deployment id (-xxxxxxxx); choose another`,
      );
    }
    return slug;
  }

  private async uniqueSlug(base: string): Promise<string> {
    if (!(await this.o.db.slugExists(base)) && !shadowsDeployment(base)) {
      return base;
    }
    for (let i = 2; i < 1000; i++) {
      const suffix = `-${i}`;
      const candidate = `${base.slice(0, 55 - suffix.length)}${suffix}`;
      if (!(await this.o.db.slugExists(candidate))) return candidate;
    }
    throw new ConflictError(`No free slug for '${base}'`);
  }
}
