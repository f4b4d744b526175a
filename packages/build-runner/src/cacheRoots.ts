/**
 * What the build cache holds for a project, and its key. Both the clone
 * step (restore) and the publish step (save) compute them from the
 * checkout, the same way.
 *
 * An archive has two trees: `home/…`, the package manager's download cache
 * under the build's HOME, and `repo/…`, directories of the checkout:
 * `node_modules` where the lockfile is (and in the project directory) and
 * the frameworks' caches in the project directory. Installed dependencies
 * are only valid for the lockfile, Node and package manager that made them,
 * so `node_modules` is restored only for an entry of the same key (its
 * `.cache` always is).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import type { PackageManagerChoice } from './packageManager.ts';

export type CacheBase = 'repo' | 'home';

export interface CacheRoot {
  base: CacheBase;
  /** A directory, relative to its base, POSIX separators, no `..`. */
  path: string;
  /**
   * Valid only for the key that saved it: restored from an entry of
   * another key only for these sub-directories (`.cache`).
   */
  keyBound?: { keep: string[] };
}

/** The package managers' download caches, under HOME (Linux defaults). */
const PM_CACHES: Record<PackageManagerChoice['name'], string[]> = {
  npm: ['.npm/_cacache'],
  pnpm: ['.local/share/pnpm/store'],
  yarn: ['.cache/yarn'],
  bun: ['.bun/install/cache'],
};

/** yarn 2+ keeps its cache in the project unless enableGlobalCache (4's default). */
const BERRY_CACHES = ['.yarn/berry/cache'];

/** corepack's downloads of pnpm and yarn (COREPACK_HOME, toolchain.ts). */
const COREPACK_CACHE = '.cache/node/corepack';

/** Framework caches, relative to the project directory. */
const FRAMEWORK_CACHES = [
  '.next/cache',
  '.astro',
  '.svelte-kit',
  '.angular/cache',
  '.parcel-cache',
  '.turbo',
];

const NODE_MODULES_KEEP = { keep: ['.cache'] };

const join = (...parts: string[]) => posix.join(...parts.filter(Boolean));

export interface CacheSubject {
  /** The project directory relative to the checkout ('' for its root). */
  projectDir: string;
  packageManager: PackageManagerChoice | null | undefined;
  framework?: string | null;
}

/** The cached directories of a project (those that do not exist are skipped). */
export function cacheRoots(s: CacheSubject): CacheRoot[] {
  const pm = s.packageManager;
  if (!pm) return [];
  const roots: CacheRoot[] = [];
  const home = (path: string) => roots.push({ base: 'home', path });
  for (const path of pm.name === 'yarn' && pm.berry
    ? BERRY_CACHES
    : PM_CACHES[pm.name]) {
    home(path);
  }
  if (pm.corepack) home(COREPACK_CACHE);
  const lockDir = pm.lockfile ? posix.dirname(pm.lockfile) : s.projectDir;
  const installDirs = [...new Set([join(lockDir), join(s.projectDir)])];
  for (const dir of installDirs) {
    roots.push({
      base: 'repo',
      path: join(dir, 'node_modules'),
      keyBound: NODE_MODULES_KEEP,
    });
  }
  for (const path of FRAMEWORK_CACHES) {
    roots.push({ base: 'repo', path: join(s.projectDir, path) });
  }
  if (pm.name === 'yarn' && pm.berry) {
    roots.push({ base: 'repo', path: join(lockDir, '.yarn/cache') });
  }
  if (s.framework === 'gatsby') {
    roots.push({ base: 'repo', path: join(s.projectDir, '.cache') });
  }
  return roots;
}

function readOrEmpty(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch {
    return Buffer.alloc(0);
  }
}

/**
 * The entry key: a hash of everything installed dependencies depend on:
 * the lockfile and package.json next to it, the package manager and its
 * version, the Node version, the platform and the project directory.
 */
export function cacheKey(o: {
  repoDir: string;
  projectDir: string;
  packageManager: PackageManagerChoice;
  node?: string;
}): string {
  const pm = o.packageManager;
  const lockDir = pm.lockfile ? posix.dirname(pm.lockfile) : o.projectDir;
  const hash = createHash('sha256');
  const field = (name: string, value: string | Buffer) => {
    hash.update(`${name}:${Buffer.byteLength(value)}:`);
    hash.update(value);
  };
  field('format', 'novahost-build-cache-1');
  field('platform', `${process.platform}-${process.arch}`);
  field('node', o.node ?? process.versions.node);
  field('pm', `${pm.name}:${pm.corepack ?? ''}:${pm.berry ?? ''}`);
  field('project', o.projectDir);
  field('lockfile', pm.lockfile ?? '');
  if (pm.lockfile)
    field('lock', readOrEmpty(posix.join(o.repoDir, pm.lockfile)));
  field('package', readOrEmpty(posix.join(o.repoDir, lockDir, 'package.json')));
  if (lockDir !== o.projectDir) {
    field(
      'project-package',
      readOrEmpty(posix.join(o.repoDir, o.projectDir, 'package.json')),
    );
  }
  return hash.digest('hex');
}

/** The npm default install (`npm ci` deletes node_modules first). */
const NPM_CI = 'npm ci';

/**
 * The install command to run over a restored `node_modules` of the same
 * key. `npm ci` would delete it; `npm install` over it only checks it
 * (the lockfile and package.json are those that made it). Other package
 * managers' frozen installs keep what matches, and the project's own
 * install command is never changed.
 */
export function installOverRestored(
  install: string | null,
  configured: string | null,
): string | null {
  if (configured !== null || install !== NPM_CI) return install;
  return 'npm install --prefer-offline --no-audit --no-fund';
}
