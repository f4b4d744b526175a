import {
  AuthenticationError,
  ConflictError,
  InputError,
} from '@backstage/errors';
import type {
  BuildSpec,
  FinalizeResponse,
  ManifestFiles,
  ManifestResponse,
  RepoAccess,
} from '@internal/build-runner';
import {
  DeploymentManifest,
  SiteUrlOptions,
  aliasUrl,
  isContentHash,
  isSafeManifestPath,
  isTerminalStatus,
} from '@internal/plugin-novahost-common';
import { mapLimit } from '@internal/plugin-novahost-node';
import { Readable } from 'stream';
import type {
  NewLogLine,
  NovahostDatabase,
} from '../database/NovahostDatabase';
import type { DeploymentRow, ProjectRow } from '../database/tables';
import type { ArtifactStore } from '@internal/plugin-novahost-node';
import type { ReceivedBuildEvent } from './buildProtocol';
import type { DeploymentLogs } from './DeploymentLogs';
import { DeploymentStateMachine, RUNNING } from './DeploymentStateMachine';
import { deploymentFromRow } from './mappers';
import { formatBytes } from './limits';
import type { ProjectService } from './ProjectService';
import { tokenMatches } from './tokens';
import { isUuid } from './validation';

type ManifestEntry = [string, { hash: string; size: number }];

/** Store checks of uploaded blobs that run at once during finalize. */
const FINALIZE_CONCURRENCY = 16;

export type BuildSessionOptions = {
  db: NovahostDatabase;
  store: ArtifactStore;
  machine: DeploymentStateMachine;
  logs: DeploymentLogs;
  projects: ProjectService;
  urls: SiteUrlOptions;
  /** Base URL the build program uses for the internal build API. */
  buildApiUrl: string;
  timeoutSeconds: number;
  /**
   * How the clone step reaches a repository (GitCredentials.forRepo): the
   * credential minted for this build (deployment) and the line to show if
   * the host refuses. Only the spec carries it, never the database or the runner.
   */
  repoAccess?: (
    repoUrl: string,
    deploymentId: string,
  ) => Promise<RepoAccess | undefined>;
  /**
   * The deployment's variables (EnvService.forBuild): its target's, the
   * system ones, and which are secret. Only the spec carries them.
   */
  buildEnv?: (
    row: DeploymentRow,
    project: ProjectRow,
  ) => Promise<{ env: Record<string, string>; secretEnv: string[] }>;
  maxFileBytes: number;
  maxFiles: number;
  /** Sum of the file sizes of one deployment's output. */
  maxOutputBytes: number;
  /** What a project's deployments may keep in the store together. */
  maxProjectStoredBytes: number;
  /**
   * Waits for build output the runner collects itself (Kubernetes: the
   * followed build container log) before a deployment ends.
   */
  drainLogs?: (deploymentId: string) => Promise<void>;
};

/** How long a deployment's end waits for the runner's collected log. */
export const DRAIN_LOGS_MS = 10_000;

/**
 * The build program's API (mounted at /internal): spec, logs, phase events,
 * the output manifest, blob uploads (local store) and finalize. Every call is
 * made with the deployment's build token, which is valid only while the
 * deployment runs.
 */
export class BuildSession {
  constructor(private readonly o: BuildSessionOptions) {}

  /** Checks a build token; only running deployments accept one. */
  async authenticate(
    id: string,
    token: string | undefined,
  ): Promise<DeploymentRow> {
    const row = isUuid(id) ? await this.o.db.getDeployment(id) : undefined;
    if (!token || !row || !row.build_token_hash) {
      if (row && isTerminalStatus(row.status)) {
        throw new ConflictError(`Deployment ${id} is ${row.status}`);
      }
      throw new AuthenticationError('Invalid build token');
    }
    if (!tokenMatches(token, row.build_token_hash)) {
      throw new AuthenticationError('Invalid build token');
    }
    if (!RUNNING.includes(row.status)) {
      throw new ConflictError(`Deployment ${id} is ${row.status}`);
    }
    return row;
  }

  async spec(row: DeploymentRow): Promise<BuildSpec> {
    const project = await this.o.projects.row(row.project_id);
    const repoAccess = await this.o.repoAccess?.(project.repo_url, row.id);
    const vars = (await this.o.buildEnv?.(row, project)) ?? {
      env: {},
      secretEnv: [],
    };
    return {
      deploymentId: row.id,
      repoUrl: project.repo_url,
      ref: row.ref,
      rootDirectory: project.root_directory,
      installCommand: project.install_command,
      buildCommand: project.build_command,
      outputDirectory: project.output_directory,
      timeoutSeconds: this.o.timeoutSeconds,
      env: vars.env,
      secretEnv: vars.secretEnv,
      ...(repoAccess ? { repoAccess } : {}),
    };
  }

  /** Stores the program's log lines; its own token never reaches the log. */
  appendLogs(row: DeploymentRow, lines: NewLogLine[], token: string) {
    return this.o.logs.append(row.id, lines, [token]);
  }

  async event(row: DeploymentRow, event: ReceivedBuildEvent): Promise<void> {
    if (event.type === 'failed') {
      // The output that led to the failure first, then the failure.
      await this.o.drainLogs?.(row.id);
      await this.o.machine.transition(row.id, 'failed', {
        error: this.o.logs.redact(event.error),
        exitCode: event.exitCode,
      });
    } else if (event.phase === 'building') {
      await this.o.db.updateDeployment(
        row.id,
        {
          commit_sha: event.commitSha ?? null,
          framework: event.framework ?? null,
        },
        RUNNING,
      );
      await this.o.machine.announce(row.id);
    } else {
      await this.o.machine.transition(row.id, 'uploading');
    }
  }

  /**
   * Takes the build's file list and answers which blobs are missing, with
   * where to upload each. Known blobs are never uploaded again.
   */
  async manifest(
    row: DeploymentRow,
    files: ManifestFiles,
  ): Promise<ManifestResponse> {
    const entries = Object.entries(files);
    const sizes = this.checkManifest(entries);
    const hashes = [...sizes.keys()];
    await this.enforceLimits(row, entries, sizes);
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
        stats_bytes: entries.reduce((n, [, e]) => n + e.size, 0),
        stats_new_blobs: missingHashes.length,
        stats_new_bytes: missingHashes.reduce((n, h) => n + sizes.get(h)!, 0),
      },
      RUNNING,
    );
    return { missing };
  }

  /** Validates every entry before any work; returns hash → size. */
  private checkManifest(entries: ManifestEntry[]) {
    if (entries.length === 0) {
      throw new InputError('files: the build output is empty');
    }
    const sizes = new Map<string, number>();
    for (const [path, entry] of entries) {
      if (!isSafeManifestPath(path)) {
        throw new InputError(`files: invalid path '${path.slice(0, 200)}'`);
      }
      if (!isContentHash(entry.hash)) {
        throw new InputError(`files['${path}'].hash: not a sha256 hex digest`);
      }
      sizes.set(entry.hash, entry.size);
    }
    return sizes;
  }

  /**
   * Fails the deployment, before anything is referenced or uploaded, when
   * its output breaks a limit, and answers with the same message.
   */
  private async enforceLimits(
    row: DeploymentRow,
    entries: ManifestEntry[],
    sizes: Map<string, number>,
  ): Promise<void> {
    const error = await this.limitBroken(row, entries, sizes);
    if (!error) return;
    await this.o.machine.transition(row.id, 'failed', { error });
    throw new InputError(error);
  }

  private async limitBroken(
    row: DeploymentRow,
    entries: ManifestEntry[],
    sizes: Map<string, number>,
  ): Promise<string | undefined> {
    const o = this.o;
    const bytes = formatBytes;
    if (entries.length > o.maxFiles) {
      return `The build output has ${entries.length} files, over the limit of ${o.maxFiles} per deployment (novahost.builds.maxFiles)`;
    }
    const large = entries.find(([, e]) => e.size > o.maxFileBytes);
    if (large) {
      return `The output file '${large[0]}' is ${bytes(
        large[1].size,
      )}, over the limit of ${bytes(
        o.maxFileBytes,
      )} per file (novahost.builds.maxFileBytes)`;
    }
    const total = entries.reduce((n, [, e]) => n + e.size, 0);
    if (total > o.maxOutputBytes) {
      return `The build output is ${bytes(total)}, over the limit of ${bytes(
        o.maxOutputBytes,
      )} per deployment (novahost.builds.maxOutputBytes)`;
    }
    // Content the project already keeps (an unchanged file) costs nothing.
    const hashes = [...sizes.keys()];
    const [used, kept] = await Promise.all([
      o.db.limits.projectStoredBytes(row.project_id),
      o.db.limits.storedForProject(row.project_id, hashes),
    ]);
    const added = hashes
      .filter(h => !kept.has(h))
      .reduce((n, h) => n + sizes.get(h)!, 0);
    if (used + added > o.maxProjectStoredBytes) {
      const project = await o.projects.row(row.project_id);
      return `Project ${project.slug} would keep ${bytes(
        used + added,
      )} in the store (${bytes(used)} used by its deployments, ${bytes(
        added,
      )} new in this one), over its quota of ${bytes(
        o.maxProjectStoredBytes,
      )} (novahost.projects.maxStoredBytes)`;
    }
    return undefined;
  }

  /** Stores one uploaded blob (the local store's upload endpoint). */
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

  /**
   * Makes the deployment ready once every blob is stored, and promotes it
   * when due. Promotion is one conditional UPDATE: of two builds of a
   * project finalizing at once (on any replicas), the newer one ends in
   * production whatever the interleaving.
   */
  async finalize(row: DeploymentRow): Promise<FinalizeResponse> {
    if (!row.pending_manifest) {
      throw new ConflictError('The manifest was not submitted');
    }
    const manifest = JSON.parse(row.pending_manifest) as DeploymentManifest;
    await this.indexUploadedBlobs(manifest);
    await this.o.store.putManifest(manifest);
    const project = await this.o.projects.row(row.project_id);
    const url = deploymentFromRow(row, project, this.o.urls).url;
    await this.o.drainLogs?.(row.id);
    const moved = await this.o.machine.transition(row.id, 'ready', {
      settle: async () => {
        const alias = row.branch
          ? await this.o.db.aliases.point(project, row)
          : undefined;
        const at =
          alias?.deployment_id === row.id
            ? `${url} and ${aliasUrl(alias.label, this.o.urls)}`
            : url;
        const due =
          project.auto_promote &&
          row.target === 'production' &&
          row.branch === project.branch;
        if (due && (await this.o.db.promoteIfNewer(project.id, row.id))) {
          return `Deployment ready at ${at} and promoted to production`;
        }
        return `Deployment ready at ${at}`;
      },
    });
    if (!moved) {
      const now = await this.o.db.getDeployment(row.id);
      throw new ConflictError(`Deployment ${row.id} is ${now?.status}`);
    }
    return { status: 'ready', url };
  }

  /**
   * Blobs uploaded straight to the store (presigned URLs) are checked, in
   * parallel, then indexed all at once.
   */
  private async indexUploadedBlobs(manifest: DeploymentManifest) {
    const sizes = new Map(
      Object.values(manifest.files).map(f => [f.hash, f.size]),
    );
    const indexed = await this.o.db.existingBlobs([...sizes.keys()]);
    const uploaded = [...sizes.keys()].filter(h => !indexed.has(h));
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
  }

  private async blobState(hash: string) {
    if (this.o.store.verifyBlob) return this.o.store.verifyBlob(hash);
    return (await this.o.store.hasBlob(hash)) ? 'ok' : 'missing';
  }
}
