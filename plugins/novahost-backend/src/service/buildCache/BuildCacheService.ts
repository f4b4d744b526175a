import type { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import type {
  CacheArchiveInfo,
  CacheCommitResponse,
  CacheRestoreResponse,
  CacheSavePlan,
  CacheUploadResponse,
} from '@internal/build-runner';
import type { CacheArchiveStore } from '@internal/plugin-novahost-node';
import { Readable } from 'stream';
import type { NovahostDatabase } from '../../database/NovahostDatabase';
import type {
  BuildCacheRow,
  DeploymentRow,
  ProjectRow,
} from '../../database/tables';
import { formatBytes } from '../limits';
import { cachePolicy, type CachePolicy } from './policy';
import type { BuildCacheSettings } from './settings';

/**
 * The backend's side of the build cache (the build program's
 * buildCache.ts): which entry a build restores and where to download it,
 * whether and where it may save one, the local store's archive endpoints,
 * the per-project cap with eviction of the least recently used entries,
 * and removing a deleted project's archives. Archives live in the store;
 * the build only ever gets URLs (presigned on S3/R2), never a credential.
 */
export class BuildCacheService {
  constructor(
    private readonly o: {
      db: NovahostDatabase;
      /** The store's cache archives; undefined: builds run without a cache. */
      store: CacheArchiveStore | undefined;
      project: (id: string) => Promise<ProjectRow>;
      settings: BuildCacheSettings;
      /** Base URL of the internal build API, as builds reach it. */
      buildApiUrl: string;
      logger: LoggerService;
    },
  ) {}

  private get limits() {
    return {
      maxArchiveBytes: this.o.settings.maxEntryBytes,
      maxUnpackedBytes: this.o.settings.maxUnpackedBytes,
    };
  }

  private archiveUrl(row: DeploymentRow, hash: string) {
    return `${this.o.buildApiUrl}/internal/builds/${row.id}/cache/archives/${hash}`;
  }

  /** Why there is no cache at all, or undefined when there is one. */
  private off(): string | undefined {
    if (!this.o.settings.enabled) {
      return 'the build cache is off (novahost.builds.cache.enabled: false)';
    }
    if (!this.o.store) return 'the artifact store keeps no build caches';
    return undefined;
  }

  private async policy(row: DeploymentRow): Promise<CachePolicy> {
    return cachePolicy(row, await this.o.project(row.project_id));
  }

  /** The clone step: the entry to restore for `key`, which the deployment keeps. */
  async restore(
    row: DeploymentRow,
    key: string,
  ): Promise<CacheRestoreResponse> {
    const off = this.off();
    if (off) return { restore: null, reason: off, limits: this.limits };
    await this.o.db.caches.markDeployment(row.id, { cache_key: key });
    const policy = await this.policy(row);
    if (!policy.restoreFrom.length) {
      return { restore: null, reason: policy.noRestore, limits: this.limits };
    }
    const entry = await this.o.db.caches.find(
      row.project_id,
      policy.restoreFrom,
      key,
    );
    if (!entry) return { restore: null, limits: this.limits };
    const location = await this.o.store!.downloadLocation(
      entry.archive_hash,
      this.archiveUrl(row, entry.archive_hash),
    );
    await this.o.db.caches.touch(entry.id);
    await this.o.db.caches.markDeployment(row.id, {
      cache_restored: entry.archive_hash,
    });
    return {
      restore: {
        ...location,
        hash: entry.archive_hash,
        size: Number(entry.size),
        key: entry.key,
        branch: entry.branch,
      },
      limits: this.limits,
    };
  }

  /** Where this deployment may save, or why it may not. */
  private async saveTarget(
    row: DeploymentRow,
  ): Promise<{ branch: string; key: string } | { reason?: string }> {
    const off = this.off();
    if (off) return { reason: off };
    // No key: the clone step asked nothing (no package.json).
    if (!row.cache_key) return {};
    const policy = await this.policy(row);
    if (!policy.saveAs) return { reason: policy.noSave };
    return { branch: policy.saveAs, key: row.cache_key };
  }

  async savePlan(row: DeploymentRow): Promise<CacheSavePlan> {
    const target = await this.saveTarget(row);
    if (!('branch' in target)) {
      return { allowed: false, reason: target.reason, limits: this.limits };
    }
    // What this build restored, if it was of its own key (node_modules too).
    const restored = row.cache_restored
      ? await this.o.db.caches.withArchive(
          row.project_id,
          row.cache_restored,
          target.key,
        )
      : undefined;
    return {
      allowed: true,
      limits: this.limits,
      ...(restored
        ? {
            restored: {
              hash: restored.archive_hash,
              size: Number(restored.size),
              fingerprint: restored.fingerprint,
            },
          }
        : {}),
    };
  }

  private async allowedSave(row: DeploymentRow, info: CacheArchiveInfo) {
    const target = await this.saveTarget(row);
    if (!('branch' in target)) {
      throw new ConflictError(
        `This deployment may not save the build cache${
          target.reason ? `: ${target.reason}` : ''
        }`,
      );
    }
    const max = this.o.settings.maxEntryBytes;
    if (info.size > max) {
      throw new InputError(
        `The cache archive is ${formatBytes(
          info.size,
        )}, over the limit of ${formatBytes(
          max,
        )} (novahost.builds.cache.maxEntryBytes)`,
      );
    }
    return target;
  }

  /** The publish step offers an archive: where to upload it, unless stored already. */
  async upload(
    row: DeploymentRow,
    info: CacheArchiveInfo,
  ): Promise<CacheUploadResponse> {
    await this.allowedSave(row, info);
    if ((await this.o.store!.size(info.hash)) === info.size) {
      return { upload: null };
    }
    await this.o.db.caches.markDeployment(row.id, { cache_upload: info.hash });
    const target = await this.o.store!.uploadTarget(
      info.hash,
      info.size,
      this.archiveUrl(row, info.hash),
    );
    return { upload: target };
  }

  /** The local store's upload endpoint: only the archive the build announced. */
  async putArchive(
    row: DeploymentRow,
    hash: string,
    body: Readable,
  ): Promise<void> {
    if (!row.cache_upload || row.cache_upload !== hash) {
      throw new InputError(`Archive ${hash} was not announced by this build`);
    }
    await this.o.store!.put(hash, body, this.o.settings.maxEntryBytes);
  }

  /** The local store's download endpoint: only the archive handed to this build. */
  async openArchive(row: DeploymentRow, hash: string): Promise<Readable> {
    if (!this.o.store || !row.cache_restored || row.cache_restored !== hash) {
      throw new NotFoundError(`No archive ${hash} for this build`);
    }
    return this.o.store.open(hash);
  }

  /**
   * Records the uploaded archive as the branch's entry for the
   * deployment's key (replacing the branch's older entry of that key), then
   * evicts the project's least recently used entries over its cap.
   */
  async commit(
    row: DeploymentRow,
    info: CacheArchiveInfo,
  ): Promise<CacheCommitResponse> {
    const target = await this.allowedSave(row, info);
    const stored = await this.o.store!.size(info.hash);
    if (stored === undefined) {
      throw new ConflictError(
        `Cache archive ${info.hash} has not been uploaded`,
      );
    }
    if (stored !== info.size) {
      throw new ConflictError(
        `Cache archive ${info.hash} is ${stored} bytes, not ${info.size}`,
      );
    }
    const { row: entry, replaced } = await this.o.db.caches.put({
      projectId: row.project_id,
      branch: target.branch,
      key: target.key,
      archiveHash: info.hash,
      size: info.size,
      fingerprint: info.fingerprint,
    });
    const evicted = await this.evict(row.project_id, entry);
    await this.collect([...replaced, ...evicted.hashes]);
    return { branch: target.branch, key: target.key, evicted: evicted.count };
  }

  /** Removes least recently used entries until the project is under its cap. */
  private async evict(projectId: string, keep: BuildCacheRow) {
    const rows = await this.o.db.caches.list(projectId);
    const uses = new Map<string, number>();
    let total = 0;
    for (const r of rows) {
      const n = uses.get(r.archive_hash) ?? 0;
      if (n === 0) total += Number(r.size);
      uses.set(r.archive_hash, n + 1);
    }
    const victims: string[] = [];
    for (const r of rows) {
      if (total <= this.o.settings.maxBytesPerProject) break;
      if (r.id === keep.id) continue;
      victims.push(r.id);
      const n = uses.get(r.archive_hash)! - 1;
      uses.set(r.archive_hash, n);
      if (n === 0) total -= Number(r.size);
    }
    const hashes = await this.o.db.caches.remove(victims);
    return { count: victims.length, hashes };
  }

  /** Deletes the archives of `candidates` no entry references any more. */
  async collect(candidates: string[]): Promise<number> {
    if (!candidates.length || !this.o.store) return 0;
    const gone = await this.o.db.caches.unreferenced(candidates);
    try {
      await this.o.store.delete(gone);
    } catch (e) {
      // An archive left behind costs space, never a build.
      this.o.logger.warn(
        `Could not delete ${gone.length} cache archives: ${e}`,
      );
    }
    return gone.length;
  }

  /** A project's archives, read before the project (and its entries) is deleted. */
  archivesOf(projectId: string): Promise<string[]> {
    return this.o.db.caches.archivesOf(projectId);
  }
}
