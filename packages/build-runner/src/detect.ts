import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export type PackageManager = 'npm' | 'pnpm' | 'yarn' | 'bun';

/** What to run for a project, decided from its files and its settings. */
export interface BuildPlan {
  packageManager: PackageManager | null;
  /** Shell command line, or null when there is nothing to install. */
  install: string | null;
  build: string | null;
}

const LOCKFILES: Array<[string, PackageManager]> = [
  ['pnpm-lock.yaml', 'pnpm'],
  ['bun.lock', 'bun'],
  ['bun.lockb', 'bun'],
  ['yarn.lock', 'yarn'],
  ['package-lock.json', 'npm'],
  ['npm-shrinkwrap.json', 'npm'],
];

/** The package manager a directory uses, from its lockfile (npm without one). */
export function detectPackageManager(dir: string): PackageManager | null {
  if (!existsSync(join(dir, 'package.json'))) return null;
  for (const [file, pm] of LOCKFILES) {
    if (existsSync(join(dir, file))) return pm;
  }
  const declared = readPackageJson(dir)?.packageManager;
  if (typeof declared === 'string') {
    const name = declared.split('@')[0];
    if (name === 'pnpm' || name === 'yarn' || name === 'bun') return name;
  }
  return 'npm';
}

function readPackageJson(dir: string): Record<string, any> | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

function hasLock(dir: string, pm: PackageManager): boolean {
  return LOCKFILES.some(([file, p]) => p === pm && existsSync(join(dir, file)));
}

/** The install command of a package manager, frozen to the lockfile when there is one. */
export function installCommand(pm: PackageManager, dir: string): string {
  const locked = hasLock(dir, pm);
  switch (pm) {
    case 'npm':
      return locked ? 'npm ci' : 'npm install';
    case 'pnpm':
      return locked ? 'pnpm install --frozen-lockfile' : 'pnpm install';
    case 'yarn':
      return existsSync(join(dir, '.yarnrc.yml'))
        ? 'yarn install --immutable'
        : 'yarn install --frozen-lockfile';
    case 'bun':
      return locked ? 'bun install --frozen-lockfile' : 'bun install';
    default:
      throw new Error(`unknown package manager ${pm}`);
  }
}

/** Plans install and build from the project settings, falling back to detection. */
export function planBuild(
  dir: string,
  settings: { installCommand: string | null; buildCommand: string | null },
): BuildPlan {
  const pm = detectPackageManager(dir);
  const pkg = pm ? readPackageJson(dir) : undefined;
  const install =
    settings.installCommand ?? (pm ? installCommand(pm, dir) : null);
  const build =
    settings.buildCommand ??
    (pm && typeof pkg?.scripts?.build === 'string' ? `${pm} run build` : null);
  return { packageManager: pm, install, build };
}

/** Where frameworks put their output, in the order they are tried. */
export const OUTPUT_CANDIDATES = ['dist', 'build', 'out', 'public', '_site'];

/**
 * The output directory, relative to the project directory: the configured
 * one, or the first conventional one that exists, or the project directory
 * itself for a plain static site.
 */
export function detectOutputDirectory(
  dir: string,
  configured: string | null,
): string {
  if (configured) return configured;
  for (const candidate of OUTPUT_CANDIDATES) {
    const p = join(dir, candidate);
    if (existsSync(p) && statSync(p).isDirectory()) return candidate;
  }
  return '.';
}
