import { LoggerService } from '@backstage/backend-plugin-api';
import {
  AuthenticationError,
  ConflictError,
  InputError,
  NotFoundError,
} from '@backstage/errors';
import {
  CreateProjectRequest,
  Deployment,
  DeploymentManifest,
  DeploymentStatus,
  LogLine,
  Page,
  Project,
  SiteUrlOptions,
  UpdateProjectRequest,
  isContentHash,
  isLocalRepoUrl,
  isSafeManifestPath,
  isTerminalStatus,
  slugify,
  splitDeploymentLabel,
} from '@internal/plugin-novahost-common';
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'crypto';
import { Readable } from 'stream';
import { NewLogLine, NovahostDatabase } from '../database/NovahostDatabase';
import { DeploymentRow, ProjectRow } from '../database/tables';
import { EventBus } from '../bus';
import { BuildExit, BuildRunner } from '../runners';
import { ArtifactStore, BlobUploadTarget } from '../stores';
import { deploymentFromRow, projectFromRow, toIso, toMillis } from './mappers';
import { redact } from './redact';

const RUNNING: DeploymentStatus[] = ['building', 'uploading'];
/** Store checks of uploaded blobs that run at once during finalize. */
const FINALIZE_CONCURRENCY = 16;

/** Runs `fn` over `items`, at most `limit` at once; rejects on the first failure. */
async function mapLimit<T>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++];
      try {
        await fn(item);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, worker),
  );
}
const ACTIVE: DeploymentStatus[] = ['queued', 'building', 'uploading'];

/** Bus channel of one deployment's live events. */
export const deploymentChannel = (id: string) => `deployment:${id}`;
/** Bus channel of route-table changes. */
export const ROUTES_CHANNEL = 'routes';

/** Messages on a deployment channel. */
export type DeploymentEvent =
  | { type: 'log'; lines: LogLine[] }
  | {
      type: 'status';
      status: DeploymentStatus;
      error: string | null;
      commitSha: string | null;
    };

export type NovahostServiceOptions = {
  db: NovahostDatabase;
  store: ArtifactStore;
  runner: BuildRunner;
  bus: EventBus;
  logger: LoggerService;
  urls: SiteUrlOptions;
  /** Base URL the build program uses for the internal build API. */
  buildApiUrl: string;
  /** Whether repoUrl may point at the local file system (local runner only). */
  allowLocalRepos: boolean;
  concurrency: number;
  timeoutSeconds: number;
  maxFileBytes: number;
  maxFiles: number;
};

type BuildEvent =
  | {
      type: 'phase';
      phase: 'building' | 'uploading';
      commitSha?: string;
      framework?: string;
    }
  | { type: 'failed'; error: string; exitCode: number | null };

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function newShortId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(8);
  let id = '';
  for (const b of bytes) id += alphabet[b % alphabet.length];
  return id;
}

/**
 * Projects and the deployment state machine:
 *
 *   queued → building → uploading → ready
 *      ↘         ↘           ↘
 *       canceled   failed/canceled
 *
 * Every transition is a conditional UPDATE (`WHERE status IN (...)`), so two
 * replicas or a late callback can never move a deployment out of a terminal
 * state. Builds are dispatched from the queue up to `concurrency`.
 */
export class NovahostService {
  private kicking: Promise<void> | undefined;
  private kickAgain = false;
  private stopping = false;
  private readonly logLocks = new Map<string, Promise<unknown>>();

  constructor(private readonly o: NovahostServiceOptions) {}

  // --- projects -------------------------------------------------------------

  private async uniqueSlug(base: string): Promise<string> {
    if (!(await this.o.db.slugExists(base)) && !this.shadowsDeployment(base)) {
      return base;
    }
    for (let i = 2; i < 1000; i++) {
      const suffix = `-${i}`;
      const candidate = `${base.slice(0, 55 - suffix.length)}${suffix}`;
      if (!(await this.o.db.slugExists(candidate))) return candidate;
    }
    throw new ConflictError(`No free slug for '${base}'`);
  }

  /** A slug like `site-ab12cd34` would look like a deployment host of `site`. */
  private shadowsDeployment(slug: string): boolean {
    return Boolean(splitDeploymentLabel(slug));
  }

  private checkRepoUrl(repoUrl: string) {
    if (isLocalRepoUrl(repoUrl) && !this.o.allowLocalRepos) {
      throw new InputError(
        'repoUrl: local repositories are only allowed with the local build runner; use an https:// URL',
      );
    }
  }

  async createProject(input: CreateProjectRequest): Promise<Project> {
    this.checkRepoUrl(input.repoUrl);
    let slug: string;
    if (input.slug) {
      if (await this.o.db.slugExists(input.slug)) {
        throw new ConflictError(`The slug '${input.slug}' is taken`);
      }
      if (this.shadowsDeployment(input.slug)) {
        throw new InputError(
          `slug: '${input.slug}' ends like a deployment id (-xxxxxxxx); choose another`,
        );
      }
      slug = input.slug;
    } else {
      slug = await this.uniqueSlug(slugify(input.name));
    }
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
      owner: input.owner ?? null,
      spa: input.spa ?? false,
      auto_promote: input.autoPromote ?? true,
      production_deployment_id: null,
      created_at: now,
      updated_at: now,
    };
    await this.o.db.insertProject(row);
    await this.routesChanged();
    return projectFromRow(row, this.o.urls);
  }

  private async projectRow(idOrSlug: string): Promise<ProjectRow> {
    const row = /^[0-9a-f-]{36}$/.test(idOrSlug)
      ? await this.o.db.getProject(idOrSlug)
      : await this.o.db.getProjectBySlug(idOrSlug);
    if (!row) throw new NotFoundError(`Project '${idOrSlug}' not found`);
    return row;
  }

  async getProject(idOrSlug: string): Promise<Project> {
    return projectFromRow(await this.projectRow(idOrSlug), this.o.urls);
  }

  async listProjects(opts: {
    limit: number;
    offset: number;
    owner?: string;
    search?: string;
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

  async updateProject(
    idOrSlug: string,
    patch: UpdateProjectRequest,
  ): Promise<Project> {
    const row = await this.projectRow(idOrSlug);
    if (patch.repoUrl) this.checkRepoUrl(patch.repoUrl);
    const update: Partial<ProjectRow> = { updated_at: new Date() };
    if (patch.name !== undefined) update.name = patch.name;
    if (patch.repoUrl !== undefined) update.repo_url = patch.repoUrl;
    if (patch.branch !== undefined) update.branch = patch.branch;
    if (patch.rootDirectory !== undefined)
      update.root_directory = patch.rootDirectory;
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
    if (patch.spa !== undefined) await this.routesChanged();
    return this.getProject(row.id);
  }

  async deleteProject(idOrSlug: string): Promise<void> {
    const row = await this.projectRow(idOrSlug);
    const { rows: active } = await this.o.db.listDeployments(row.id, {
      limit: 1000,
      offset: 0,
    });
    for (const d of active.filter(a => RUNNING.includes(a.status))) {
      await this.o.runner.cancel(d.id, d.runner_handle).catch(() => {});
    }
    const ids = (
      await this.o.db.listDeployments(row.id, { limit: 1_000_000, offset: 0 })
    ).rows.map(d => d.id);
    const hashes = await this.o.db.blobsOfDeployments(ids);
    await this.o.db.deleteProject(row.id);
    await this.routesChanged();
    await this.o.store.deleteManifests(ids);
    const unreferenced = await this.o.db.collectUnreferencedBlobs(hashes);
    await this.o.store.deleteBlobs(unreferenced);
    this.o.logger.info(
      `Deleted project ${row.slug}: ${ids.length} deployments, ${unreferenced.length} blobs`,
    );
  }

  // --- deployments ------------------------------------------------------------

  private async deploymentRow(id: string): Promise<DeploymentRow> {
    const row = /^[0-9a-f-]{36}$/.test(id)
      ? await this.o.db.getDeployment(id)
      : undefined;
    if (!row) throw new NotFoundError(`Deployment '${id}' not found`);
    return row;
  }

  async getDeployment(id: string): Promise<Deployment> {
    const row = await this.deploymentRow(id);
    const project = await this.projectRow(row.project_id);
    return deploymentFromRow(row, project, this.o.urls);
  }

  async getDeploymentStatus(id: string): Promise<DeploymentRow> {
    return this.deploymentRow(id);
  }

  async listDeployments(
    projectIdOrSlug: string,
    page: { limit: number; offset: number },
  ): Promise<Page<Deployment>> {
    const project = await this.projectRow(projectIdOrSlug);
    const { rows, total } = await this.o.db.listDeployments(project.id, page);
    return {
      items: rows.map(r => deploymentFromRow(r, project, this.o.urls)),
      totalCount: total,
      ...page,
    };
  }

  async createDeployment(
    projectIdOrSlug: string,
    opts: { ref?: string; createdBy?: string },
  ): Promise<Deployment> {
    const project = await this.projectRow(projectIdOrSlug);
    const now = new Date();
    let row: DeploymentRow | undefined;
    for (let attempt = 0; !row; attempt++) {
      const candidate: DeploymentRow = {
        id: randomUUID(),
        short_id: newShortId(),
        project_id: project.id,
        ref: opts.ref ?? project.branch,
        commit_sha: null,
        status: 'queued',
        error: null,
        exit_code: null,
        created_by: opts.createdBy ?? null,
        build_token_hash: null,
        runner_handle: null,
        log_seq: 0,
        pending_manifest: null,
        stats_files: null,
        stats_bytes: null,
        stats_new_blobs: null,
        stats_new_bytes: null,
        framework: null,
        created_at: now,
        started_at: null,
        uploading_at: null,
        finished_at: null,
      };
      try {
        await this.o.db.insertDeployment(candidate);
        row = candidate;
      } catch (e) {
        if (attempt >= 3) throw e; // short id collision is astronomically rare
      }
    }
    await this.systemLog(
      row.id,
      `Deployment queued for ${project.slug} at ref ${row.ref}`,
    );
    this.kick();
    return deploymentFromRow(row, project, this.o.urls);
  }

  async cancelDeployment(id: string, by?: string): Promise<Deployment> {
    const row = await this.deploymentRow(id);
    if (isTerminalStatus(row.status)) {
      throw new ConflictError(
        `Deployment ${row.id} is already ${row.status} and cannot be canceled`,
      );
    }
    const moved = await this.o.db.transition(row.id, ACTIVE, {
      status: 'canceled',
      error: by ? `Canceled by ${by}` : 'Canceled',
      finished_at: new Date(),
      build_token_hash: null,
      pending_manifest: null,
    });
    if (!moved) {
      const now = await this.deploymentRow(id);
      throw new ConflictError(
        `Deployment ${row.id} is already ${now.status} and cannot be canceled`,
      );
    }
    if (RUNNING.includes(row.status)) {
      await this.o.runner
        .cancel(row.id, row.runner_handle)
        .catch(e => this.o.logger.warn(`Could not stop build ${row.id}: ${e}`));
    }
    await this.systemLog(row.id, by ? `Canceled by ${by}` : 'Canceled');
    await this.statusChanged(row.id);
    this.kick();
    return this.getDeployment(row.id);
  }

  async promote(
    projectIdOrSlug: string,
    deploymentId: string,
  ): Promise<Project> {
    const project = await this.projectRow(projectIdOrSlug);
    const row = await this.o.db.getDeployment(deploymentId);
    if (!row || row.project_id !== project.id) {
      throw new NotFoundError(
        `Deployment '${deploymentId}' not found in project ${project.slug}`,
      );
    }
    if (row.status !== 'ready') {
      throw new ConflictError(
        `Deployment ${row.id} is ${row.status}; only ready deployments can be promoted`,
      );
    }
    await this.o.db.setProduction(project.id, row.id);
    await this.routesChanged();
    return this.getProject(project.id);
  }

  // --- dispatch -------------------------------------------------------------

  /** Starts queued builds while there are free slots. Never runs twice at once in a process. */
  kick(): Promise<void> {
    if (this.kicking) {
      this.kickAgain = true;
      return this.kicking;
    }
    this.kicking = (async () => {
      do {
        this.kickAgain = false;
        try {
          await this.dispatch();
        } catch (e) {
          this.o.logger.error(`Novahost dispatch failed: ${e}`);
        }
      } while (this.kickAgain);
    })().finally(() => {
      this.kicking = undefined;
    });
    return this.kicking;
  }

  private async dispatch(): Promise<void> {
    if (this.stopping) return;
    const tokens = new Map<string, string>();
    const claimed = await this.o.db.claimQueued(this.o.concurrency, row => {
      const token = randomBytes(32).toString('base64url');
      tokens.set(row.id, token);
      return { started_at: new Date(), build_token_hash: hashToken(token) };
    });
    for (const row of claimed) {
      const token = tokens.get(row.id)!;
      const project = await this.o.db.getProject(row.project_id);
      if (!project) continue;
      await this.statusChanged(row.id);
      await this.systemLog(row.id, 'Build started');
      try {
        const { handle } = await this.o.runner.start(
          {
            deploymentId: row.id,
            projectId: project.id,
            projectSlug: project.slug,
            token,
            timeoutSeconds: this.o.timeoutSeconds,
          },
          exit => {
            this.onRunnerExit(row.id, exit).catch(e =>
              this.o.logger.error(`Novahost runner exit handling: ${e}`),
            );
          },
        );
        await this.o.db.updateDeployment(row.id, { runner_handle: handle });
      } catch (e) {
        await this.fail(row.id, `Could not start the build: ${e}`, null);
      }
    }
  }

  private async fail(
    id: string,
    error: string,
    exitCode: number | null,
  ): Promise<boolean> {
    const moved = await this.o.db.transition(id, ACTIVE, {
      status: 'failed',
      error,
      exit_code: exitCode,
      finished_at: new Date(),
      build_token_hash: null,
      pending_manifest: null,
    });
    if (moved) {
      await this.systemLog(id, `Build failed: ${error.split('\n')[0]}`);
      await this.statusChanged(id);
      this.kick();
    }
    return moved;
  }

  private async onRunnerExit(id: string, exit: BuildExit): Promise<void> {
    // Builds this process stops on shutdown were already failed with the
    // reason; a late exit must not overwrite anything after that.
    if (this.stopping) return;
    const row = await this.o.db.getDeployment(id);
    if (!row || isTerminalStatus(row.status)) {
      this.kick();
      return;
    }
    const how =
      exit.exitCode !== null
        ? `exited with code ${exit.exitCode}`
        : `was stopped (${exit.signal ?? 'unknown signal'})`;
    const tail = redact(exit.stderrTail.trim(), []).split('\n').slice(-10);
    await this.fail(
      id,
      [`The build program ${how} before finishing`, ...tail]
        .filter(Boolean)
        .join('\n'),
      exit.exitCode,
    );
  }

  /**
   * Periodic safety net, run on every replica: reconciles each running
   * deployment with what its runner sees (process table, Job status), so a
   * lost callback, a restart, an OOM-killed pod or a deleted Job ends in a
   * terminal state with a reason — never `building` forever. Then removes
   * runner leftovers of finished deployments and dispatches the queue.
   */
  async reconcile(): Promise<void> {
    const now = Date.now();
    for (const row of await this.o.db.listByStatus(RUNNING)) {
      const started = toMillis(row.started_at);
      if (now - started > this.o.timeoutSeconds * 1000) {
        await this.o.runner.cancel(row.id, row.runner_handle).catch(() => {});
        await this.fail(
          row.id,
          `Build timed out after ${this.o.timeoutSeconds} seconds`,
          null,
        );
        continue;
      }
      const seen = await this.o.runner
        .inspect(row.id, row.runner_handle)
        .catch(e => {
          this.o.logger.warn(
            `Novahost could not inspect build ${row.id}: ${e}`,
          );
          return { state: 'running' as const };
        });
      if (seen.state === 'failed') {
        await this.fail(row.id, seen.reason, seen.exitCode);
      } else if (seen.state === 'missing' && now - started > 15_000) {
        await this.fail(
          row.id,
          this.o.runner.buildsDieWithBackend
            ? 'The build process is gone (the backend restarted during the build)'
            : 'The build Job is gone (deleted before the build finished)',
          null,
        );
      } else if (seen.state === 'succeeded') {
        // The program exits 0 only after finalize; give a late answer a moment.
        const fresh = await this.o.db.getDeployment(row.id);
        if (fresh && RUNNING.includes(fresh.status)) {
          await this.fail(
            row.id,
            'The build ended without finalizing the deployment',
            null,
          );
        }
      }
    }
    if (this.o.runner.cleanup) {
      const active = new Set(
        (await this.o.db.listByStatus(ACTIVE, 100_000)).map(r => r.id),
      );
      const removed = await this.o.runner.cleanup(active).catch(e => {
        this.o.logger.warn(`Novahost runner cleanup failed: ${e}`);
        return 0;
      });
      if (removed) {
        this.o.logger.info(`Novahost removed ${removed} orphaned build(s)`);
      }
    }
    // Not awaited: a long dispatch must not hold up the next reconcile.
    this.kick().catch(() => {});
  }

  // --- the build program's API ----------------------------------------------

  /** Checks a build token; only running deployments accept one. */
  async authenticateBuild(id: string, token: string | undefined) {
    const row = /^[0-9a-f-]{36}$/.test(id)
      ? await this.o.db.getDeployment(id)
      : undefined;
    if (!token || !row || !row.build_token_hash) {
      if (row && isTerminalStatus(row.status)) {
        throw new ConflictError(`Deployment ${id} is ${row.status}`);
      }
      throw new AuthenticationError('Invalid build token');
    }
    const a = Buffer.from(hashToken(token), 'hex');
    const b = Buffer.from(row.build_token_hash, 'hex');
    if (a.length !== b.length || !timingSafeEqual(a, b)) {
      throw new AuthenticationError('Invalid build token');
    }
    if (!RUNNING.includes(row.status)) {
      throw new ConflictError(`Deployment ${id} is ${row.status}`);
    }
    return row;
  }

  async buildSpec(row: DeploymentRow) {
    const project = await this.projectRow(row.project_id);
    return {
      deploymentId: row.id,
      repoUrl: project.repo_url,
      ref: row.ref,
      rootDirectory: project.root_directory,
      installCommand: project.install_command,
      buildCommand: project.build_command,
      outputDirectory: project.output_directory,
      timeoutSeconds: this.o.timeoutSeconds,
      env: {},
    };
  }

  private withLogLock<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.logLocks.get(id) ?? Promise.resolve();
    const next = prev.catch(() => {}).then(fn);
    this.logLocks.set(id, next);
    next
      .finally(() => {
        if (this.logLocks.get(id) === next) this.logLocks.delete(id);
      })
      .catch(() => {});
    return next;
  }

  /** Persists log lines, then fans them out. */
  async appendLogs(
    id: string,
    lines: NewLogLine[],
    secrets: string[] = [],
  ): Promise<void> {
    const clean = lines.map(l => ({ ...l, text: redact(l.text, secrets) }));
    const stored = await this.withLogLock(id, () =>
      this.o.db.appendLogs(id, clean),
    );
    if (stored.length === 0) return;
    const event: DeploymentEvent = {
      type: 'log',
      lines: stored.map(l => ({
        seq: l.seq,
        ts: toIso(l.ts)!,
        stream: l.stream as LogLine['stream'],
        text: l.text,
      })),
    };
    await this.o.bus.publish(deploymentChannel(id), event);
  }

  private async systemLog(id: string, text: string): Promise<void> {
    await this.appendLogs(id, [{ ts: new Date(), stream: 'system', text }]);
  }

  private async statusChanged(id: string): Promise<void> {
    const row = await this.o.db.getDeployment(id);
    if (!row) return;
    const event: DeploymentEvent = {
      type: 'status',
      status: row.status,
      error: row.error,
      commitSha: row.commit_sha,
    };
    await this.o.bus.publish(deploymentChannel(id), event);
  }

  async routesChanged(): Promise<void> {
    await this.o.bus.publish(ROUTES_CHANNEL, { at: Date.now() });
  }

  async buildEvent(row: DeploymentRow, event: BuildEvent): Promise<void> {
    if (event.type === 'failed') {
      await this.fail(row.id, redact(event.error, []), event.exitCode);
      return;
    }
    if (event.phase === 'building') {
      await this.o.db.updateDeployment(
        row.id,
        {
          commit_sha: event.commitSha ?? null,
          framework: event.framework ?? null,
        },
        RUNNING,
      );
      await this.statusChanged(row.id);
      return;
    }
    const moved = await this.o.db.transition(row.id, ['building'], {
      status: 'uploading',
      uploading_at: new Date(),
    });
    if (moved) await this.statusChanged(row.id);
  }

  /**
   * Takes the build's file list and answers which blobs are missing, with
   * where to upload each. Known blobs are never uploaded again.
   */
  async submitManifest(
    row: DeploymentRow,
    files: Record<string, { hash: string; size: number }>,
  ): Promise<{ missing: BlobUploadTarget[] }> {
    const entries = Object.entries(files);
    if (entries.length === 0) {
      throw new InputError('files: the build output is empty');
    }
    if (entries.length > this.o.maxFiles) {
      throw new InputError(
        `files: ${entries.length} files exceed the limit of ${this.o.maxFiles}`,
      );
    }
    const sizes = new Map<string, number>();
    let bytes = 0;
    for (const [path, entry] of entries) {
      if (!isSafeManifestPath(path)) {
        throw new InputError(`files: invalid path '${path.slice(0, 200)}'`);
      }
      if (!isContentHash(entry.hash)) {
        throw new InputError(`files['${path}'].hash: not a sha256 hex digest`);
      }
      if (entry.size > this.o.maxFileBytes) {
        throw new InputError(
          `files['${path}'].size: ${entry.size} bytes exceed the limit of ${this.o.maxFileBytes}`,
        );
      }
      sizes.set(entry.hash, entry.size);
      bytes += entry.size;
    }
    const hashes = [...sizes.keys()];
    // Reference the blobs now so garbage collection keeps them while we upload.
    await this.o.db.addDeploymentBlobs(row.id, hashes);
    const existing = await this.o.db.existingBlobs(hashes);
    const missingHashes = hashes.filter(h => !existing.has(h));
    const missing = await Promise.all(
      missingHashes.map(h =>
        this.o.store.uploadTarget(
          h,
          sizes.get(h)!,
          `${this.o.buildApiUrl}/internal/builds/${row.id}/blobs/${h}`,
        ),
      ),
    );
    const manifest: DeploymentManifest = {
      version: 1,
      deploymentId: row.id,
      createdAt: new Date().toISOString(),
      files: Object.fromEntries(
        entries.map(([p, e]) => [p, { hash: e.hash, size: e.size }]),
      ),
    };
    await this.o.db.updateDeployment(
      row.id,
      {
        pending_manifest: JSON.stringify(manifest),
        stats_files: entries.length,
        stats_bytes: bytes,
        stats_new_blobs: missingHashes.length,
        stats_new_bytes: missingHashes.reduce((n, h) => n + sizes.get(h)!, 0),
      },
      RUNNING,
    );
    return { missing };
  }

  /** Stores one uploaded blob (local store's upload endpoint). */
  async putBlob(
    row: DeploymentRow,
    hash: string,
    body: Readable,
  ): Promise<void> {
    if (!isContentHash(hash)) throw new InputError('hash: not a sha256 digest');
    const manifest = row.pending_manifest
      ? (JSON.parse(row.pending_manifest) as DeploymentManifest)
      : undefined;
    if (
      !manifest ||
      !Object.values(manifest.files).some(f => f.hash === hash)
    ) {
      throw new InputError(`Blob ${hash} is not part of this deployment`);
    }
    const size = await this.o.store.putBlob(hash, body, this.o.maxFileBytes);
    await this.o.db.insertBlob(hash, size);
  }

  private async blobState(
    hash: string,
  ): Promise<'ok' | 'missing' | 'mismatch'> {
    if (this.o.store.verifyBlob) return this.o.store.verifyBlob(hash);
    return (await this.o.store.hasBlob(hash)) ? 'ok' : 'missing';
  }

  /** Makes the deployment ready once every blob is stored; promotes it when due. */
  async finalize(row: DeploymentRow): Promise<Deployment> {
    if (!row.pending_manifest) {
      throw new ConflictError('The manifest was not submitted');
    }
    const manifest = JSON.parse(row.pending_manifest) as DeploymentManifest;
    const sizes = new Map(
      Object.values(manifest.files).map(f => [f.hash, f.size]),
    );
    const indexed = await this.o.db.existingBlobs([...sizes.keys()]);
    const uploaded = [...sizes.keys()].filter(h => !indexed.has(h));
    // Uploaded straight to the store (presigned URLs): check each, in
    // parallel, then index them all at once.
    await mapLimit(uploaded, FINALIZE_CONCURRENCY, async hash => {
      const state = await this.blobState(hash);
      if (state === 'missing') {
        throw new ConflictError(`Blob ${hash} has not been uploaded`);
      }
      if (state === 'mismatch') {
        await this.o.store.deleteBlobs([hash]);
        throw new ConflictError(
          `Blob ${hash} was uploaded with content that does not match its hash`,
        );
      }
    });
    await this.o.db.insertBlobs(
      uploaded.map(h => ({ hash: h, size: sizes.get(h)! })),
    );
    await this.o.store.putManifest(manifest);
    const moved = await this.o.db.transition(row.id, RUNNING, {
      status: 'ready',
      finished_at: new Date(),
      build_token_hash: null,
      pending_manifest: null,
    });
    if (!moved) {
      const now = await this.deploymentRow(row.id);
      throw new ConflictError(`Deployment ${row.id} is ${now.status}`);
    }
    const project = await this.projectRow(row.project_id);
    let promoted = false;
    if (project.auto_promote && row.ref === project.branch) {
      const current = project.production_deployment_id
        ? await this.o.db.getDeployment(project.production_deployment_id)
        : undefined;
      // A slow older build must not replace a newer production deployment.
      if (
        !current ||
        toMillis(current.created_at) <= toMillis(row.created_at)
      ) {
        await this.o.db.setProduction(project.id, row.id);
        promoted = true;
      }
    }
    const url = deploymentFromRow(row, project, this.o.urls).url;
    await this.systemLog(
      row.id,
      promoted
        ? `Deployment ready at ${url} and promoted to production`
        : `Deployment ready at ${url}`,
    );
    await this.routesChanged();
    await this.statusChanged(row.id);
    this.kick();
    return this.getDeployment(row.id);
  }

  /**
   * Graceful shutdown: fails the builds this process is running (stopping
   * the backend stops a local build with it), so none is left `building`.
   */
  async shutdown(): Promise<void> {
    this.stopping = true;
    // Kubernetes Jobs keep running and finish against another replica.
    if (!this.o.runner.buildsDieWithBackend) return;
    for (const row of await this.o.db.listByStatus(RUNNING)) {
      const seen = await this.o.runner.inspect(row.id, row.runner_handle);
      if (seen.state === 'running') {
        await this.fail(
          row.id,
          'The backend stopped during the build; deploy again',
          null,
        );
      }
    }
  }

  /**
   * At startup: fails builds a previous process started that died with it
   * (local runner). Builds in Kubernetes are left to reconcile.
   */
  async failOrphans(): Promise<void> {
    if (!this.o.runner.buildsDieWithBackend) return;
    for (const row of await this.o.db.listByStatus(RUNNING)) {
      const seen = await this.o.runner.inspect(row.id, row.runner_handle);
      if (seen.state !== 'running') {
        await this.fail(
          row.id,
          'The build process is gone (the backend restarted during the build)',
          null,
        );
      }
    }
  }
}
