/**
 * The build cache, from the trusted steps: the clone step restores an
 * entry before the build step installs, the publish step saves one after a
 * successful build. Both talk to the backend with the build token; the
 * archive itself goes to and comes from the store through the URLs the
 * backend hands out (presigned on S3/R2), so no step holds a store
 * credential, and the build step, which runs the project's code, takes no
 * part at all. Neither ever fails the build: a missing, corrupt, refused
 * or oversized cache is a line in the log saying why it was skipped.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { BuildApi } from './api.ts';
import {
  CacheLimitError,
  DEFAULT_MAX_ENTRIES,
  fingerprintOf,
  packCache,
} from './cachePack.ts';
import { cacheKey, cacheRoots, type CacheSubject } from './cacheRoots.ts';
import { unpackCache, UnsafeArchiveError } from './cacheUnpack.ts';
import { planBuild } from './detect.ts';
import type { LogShipper } from './logShipper.ts';
import type { BuildSpec, CacheArchiveLimits } from './protocol.ts';
import { formatBytes, insideRepo, repoRoot, workspace } from './workspace.ts';

const short = (key: string) => key.slice(0, 12);
const seconds = (since: number) =>
  `${((Date.now() - since) / 1000).toFixed(1)}s`;
const messageOf = (e: unknown) => (e as Error)?.message ?? String(e);

/** A scratch directory of the trusted steps (on Kubernetes their own /tmp, not the work volume). */
function scratch(): { file: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'novahost-cache-'));
  return {
    file: join(dir, 'archive'),
    done: () => rmSync(dir, { recursive: true, force: true }),
  };
}

const limitsOf = (l: CacheArchiveLimits) => ({
  ...l,
  maxEntries: DEFAULT_MAX_ENTRIES,
});

export interface RestoreOutcome {
  /** An entry was restored. */
  restored: boolean;
  /** Its node_modules too: it was saved for this very key. */
  nodeModules: boolean;
}

const NOTHING: RestoreOutcome = { restored: false, nodeModules: false };

/** Restores the project's cache into the checkout and HOME; never throws. */
export async function restoreCache(o: {
  api: BuildApi;
  log: LogShipper;
  workdir: string;
  repoDir: string;
  subject: CacheSubject;
  node?: string;
}): Promise<RestoreOutcome> {
  const pm = o.subject.packageManager;
  if (!pm) return NOTHING;
  const startedAt = Date.now();
  const key = cacheKey({
    repoDir: o.repoDir,
    projectDir: o.subject.projectDir,
    packageManager: pm,
    node: o.node,
  });
  const tmp = scratch();
  try {
    const answer = await o.api.cacheRestore(key);
    const entry = answer.restore;
    if (!entry) {
      o.log.system(
        answer.reason
          ? `Build cache skipped: ${answer.reason}`
          : `No build cache yet for key ${short(key)}`,
      );
      return NOTHING;
    }
    const got = await o.api.download(
      entry,
      tmp.file,
      answer.limits.maxArchiveBytes,
    );
    if (got.hash !== entry.hash || got.size !== entry.size) {
      o.log.system(
        `Build cache skipped: the archive of key ${short(
          entry.key,
        )} is corrupt (its content does not match its sha256)`,
      );
      return NOTHING;
    }
    const fallback = entry.key !== key;
    const result = await unpackCache({
      file: tmp.file,
      bases: { repo: o.repoDir, home: workspace(o.workdir).home },
      roots: cacheRoots(o.subject),
      fallback,
      limits: limitsOf(answer.limits),
    });
    const kept = result.kept.filter(r => r.startsWith('repo/'));
    if (kept.length) {
      o.log.system(
        `Build cache: kept the checkout's own ${kept
          .map(r => r.slice(5))
          .join(', ')}`,
      );
    }
    o.log.system(
      `Restored build cache (${formatBytes(entry.size)}, key ${short(
        entry.key,
      )}) from ${entry.branch}${
        fallback
          ? `: the newest entry, for another lockfile (this one's key is ${short(
              key,
            )}), so dependencies install afresh`
          : ''
      }; ${result.files} files, ${formatBytes(result.bytes)} in ${seconds(
        startedAt,
      )}`,
    );
    return {
      restored: true,
      nodeModules:
        !fallback && result.restored.some(r => r.endsWith('node_modules')),
    };
  } catch (e) {
    const why =
      e instanceof UnsafeArchiveError
        ? `the archive was refused: ${e.message}`
        : messageOf(e);
    o.log.system(`Build cache skipped: ${why}`);
    return NOTHING;
  } finally {
    tmp.done();
  }
}

/**
 * Saves the cached directories of a successful build, when the backend
 * allows it for this deployment; never throws.
 */
export async function saveCache(o: {
  api: BuildApi;
  log: LogShipper;
  workdir: string;
  spec: BuildSpec;
}): Promise<void> {
  const startedAt = Date.now();
  const tmp = scratch();
  try {
    const plan = await o.api.cacheSavePlan();
    if (!plan.allowed) {
      if (plan.reason) o.log.system(`Build cache not saved: ${plan.reason}`);
      return;
    }
    const repoDir = repoRoot(o.workdir);
    const projectDir = insideRepo(
      repoDir,
      o.spec.rootDirectory,
      'Root directory',
    );
    const detected = planBuild(projectDir, o.spec, repoDir);
    const bases = { repo: repoDir, home: workspace(o.workdir).home };
    const roots = cacheRoots({
      projectDir: relative(repoDir, projectDir),
      packageManager: detected.packageManager,
      framework: detected.framework,
    });
    // The build changed nothing of what it restored: keep that archive.
    const restored = plan.restored;
    if (restored && fingerprintOf(bases, roots) === restored.fingerprint) {
      const kept = await o.api.cacheCommit(restored);
      o.log.system(
        `Build cache unchanged (${formatBytes(restored.size)}, key ${short(
          kept.key,
        )}): kept for ${kept.branch} in ${seconds(startedAt)}`,
      );
      return;
    }
    const packed = await packCache({
      bases,
      roots,
      file: tmp.file,
      limits: limitsOf(plan.limits),
    });
    if (!packed) {
      o.log.system('Build cache: nothing to save');
      return;
    }
    const info = {
      hash: packed.hash,
      size: packed.size,
      fingerprint: packed.fingerprint,
    };
    const { upload } = await o.api.cacheUpload(info);
    if (upload) await o.api.uploadFile(upload, tmp.file, packed.size);
    const committed = await o.api.cacheCommit(info);
    o.log.system(
      `Saved build cache (${formatBytes(packed.size)}, key ${short(
        committed.key,
      )}) for ${committed.branch}: ${packed.roots
        .map(r => r.replace(/^(repo|home)\//, ''))
        .join(', ')} in ${seconds(startedAt)}${
        committed.evicted
          ? `; removed ${committed.evicted} older entries over the project's cap`
          : ''
      }`,
    );
  } catch (e) {
    const why =
      e instanceof CacheLimitError
        ? `${e.message} (novahost.builds.cache.maxEntryBytes, maxUnpackedBytes)`
        : messageOf(e);
    o.log.system(`Build cache not saved: ${why}`);
  } finally {
    tmp.done();
  }
}
