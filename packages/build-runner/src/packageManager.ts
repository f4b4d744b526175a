/**
 * Which package manager installs a project, and which version: package.json
 * `packageManager` first (`pnpm@9.15.0`, `yarn@1.22.22`, `yarn@4.5.1`,
 * `npm@10.9.0`), else the lockfile (pnpm-lock.yaml's lockfileVersion,
 * yarn.lock's format: v1 classic or berry's `__metadata`), else npm. pnpm
 * and yarn run through corepack at the version chosen here (toolchain.ts),
 * never a yarn or pnpm of the machine or of the platform.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

export type PackageManager = 'npm' | 'pnpm' | 'yarn' | 'bun';

export interface PackageManagerChoice {
  name: PackageManager;
  /**
   * What corepack runs (`pnpm@9`, `yarn@1`, `yarn@4.5.1+sha224.…`): a
   * version or a major, resolved to the newest release of that major.
   * Undefined: the npm that comes with the chosen Node (or bun as found).
   */
  corepack?: string;
  /** yarn 2 and later (berry). */
  berry?: boolean;
  /** Why, for the log: `from pnpm-lock.yaml lockfileVersion 9.0`. */
  source: string;
  /** The lockfile, relative to the repository root, when there is one. */
  lockfile?: string;
}

const LOCKFILES: Array<[string, PackageManager]> = [
  ['pnpm-lock.yaml', 'pnpm'],
  ['bun.lock', 'bun'],
  ['bun.lockb', 'bun'],
  ['yarn.lock', 'yarn'],
  ['package-lock.json', 'npm'],
  ['npm-shrinkwrap.json', 'npm'],
];

function readJson(path: string): Record<string, any> | undefined {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8'));
    return value && typeof value === 'object' ? value : undefined;
  } catch {
    return undefined;
  }
}

function readText(path: string, max = 64 * 1024): string {
  try {
    return readFileSync(path, 'utf8').slice(0, max);
  } catch {
    return '';
  }
}

const PACKAGE_MANAGER_RE =
  /^(npm|pnpm|yarn|bun)@(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)(\+[0-9A-Za-z.]+)?$/;

/** package.json `packageManager`, when it names a tool and an exact version. */
export function declaredPackageManager(
  pkg: Record<string, any> | undefined,
): PackageManagerChoice | undefined {
  const declared = pkg?.packageManager;
  if (typeof declared !== 'string') return undefined;
  const m = PACKAGE_MANAGER_RE.exec(declared.trim());
  if (!m) return undefined;
  const name = m[1] as PackageManager;
  const source = `from package.json packageManager "${declared.trim()}"`;
  if (name === 'bun') return { name, source };
  const major = Number(m[2].split('.')[0]);
  return {
    name,
    corepack: declared.trim(),
    ...(name === 'yarn' ? { berry: major >= 2 } : {}),
    source,
  };
}

/**
 * The pnpm major for a lockfileVersion: the release line that writes it
 * (5.3 pnpm 6, 5.4 pnpm 7, 6.x pnpm 8, 7.x and 9.x pnpm 9). pnpm 10 also
 * writes 9.0 but runs dependencies' install scripts only when allowed,
 * which breaks projects written with 9; projects on 10 say so in
 * packageManager.
 */
export function pnpmMajorFor(lockfileVersion: string | undefined): number {
  const v = Number.parseFloat(lockfileVersion ?? '');
  if (!Number.isFinite(v)) return 9;
  if (v >= 7) return 9;
  if (v >= 6) return 8;
  if (v >= 5.4) return 7;
  if (v >= 5.3) return 6;
  return 5;
}

/** yarn berry's major for a lockfile's `__metadata.version` (8: yarn 4, 6: yarn 3). */
export function berryMajorFor(metadataVersion: number | undefined): number {
  if (metadataVersion === undefined || metadataVersion >= 8) return 4;
  if (metadataVersion >= 5) return 3;
  return 2;
}

/** The yarn release a `.yarnrc.yml` points to (`yarnPath: .yarn/releases/yarn-4.5.1.cjs`). */
function yarnPathVersion(dir: string): string | undefined {
  const rc = readText(join(dir, '.yarnrc.yml'));
  const path = /^yarnPath:\s*["']?([^"'\n]+?)["']?\s*$/m.exec(rc)?.[1];
  return path
    ? /yarn-(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\.c?js$/.exec(path)?.[1]
    : undefined;
}

function fromLockfile(
  dir: string,
  file: string,
  pm: PackageManager,
  lockfile: string,
): PackageManagerChoice {
  const path = join(dir, file);
  if (pm === 'pnpm') {
    const version = /^lockfileVersion:\s*['"]?([\d.]+)['"]?/m.exec(
      readText(path, 4096),
    )?.[1];
    return {
      name: 'pnpm',
      corepack: `pnpm@${pnpmMajorFor(version)}`,
      source: version
        ? `from ${lockfile} lockfileVersion ${version}`
        : `from ${lockfile}`,
      lockfile,
    };
  }
  if (pm === 'yarn') {
    const text = readText(path);
    const metadata =
      /^__metadata:\s*\n(?:[ \t]+.*\n)*?[ \t]+version:\s*(\d+)/m.exec(text);
    if (!metadata && !/^__metadata:/m.test(text)) {
      return {
        name: 'yarn',
        corepack: 'yarn@1',
        berry: false,
        source: `from ${lockfile} (yarn 1 format)`,
        lockfile,
      };
    }
    const pinned = yarnPathVersion(dir);
    const metadataVersion = metadata ? Number(metadata[1]) : undefined;
    return {
      name: 'yarn',
      corepack: `yarn@${pinned ?? berryMajorFor(metadataVersion)}`,
      berry: true,
      source: pinned
        ? `from .yarnrc.yml yarnPath (yarn ${pinned})`
        : `from ${lockfile} __metadata version ${metadataVersion ?? '?'}`,
      lockfile,
    };
  }
  return { name: pm, source: `from ${lockfile}`, lockfile };
}

/**
 * The package manager of a project directory: package.json
 * `packageManager`, else the first lockfile in it or in a directory above
 * it up to the repository root (a workspace's), else npm. Undefined
 * without package.json: nothing to install.
 */
export function detectPackageManager(
  projectDir: string,
  repoRoot: string = projectDir,
): PackageManagerChoice | undefined {
  const pkg = readJson(join(projectDir, 'package.json'));
  if (!pkg) return undefined;
  const name = (p: string) => relative(repoRoot, p).split(sep).join('/');
  let lock: PackageManagerChoice | undefined;
  let rootPkg: Record<string, any> | undefined;
  for (let dir = projectDir; !lock; dir = dirname(dir)) {
    for (const [file, pm] of LOCKFILES) {
      if (existsSync(join(dir, file))) {
        lock = fromLockfile(dir, file, pm, name(join(dir, file)));
        if (dir !== projectDir) rootPkg = readJson(join(dir, 'package.json'));
        break;
      }
    }
    if (dir === repoRoot || dirname(dir) === dir || !dir.startsWith(repoRoot)) {
      break;
    }
  }
  const declared =
    declaredPackageManager(pkg) ?? declaredPackageManager(rootPkg);
  if (declared) {
    // Frozen only to a lockfile of the declared tool.
    return lock?.name === declared.name
      ? { ...declared, lockfile: lock.lockfile }
      : declared;
  }
  return lock ?? { name: 'npm', source: 'no packageManager or lockfile' };
}

/** The install command: frozen to the lockfile when there is one. */
export function installCommand(choice: PackageManagerChoice): string {
  const locked = choice.lockfile !== undefined;
  switch (choice.name) {
    case 'npm':
      return locked ? 'npm ci' : 'npm install';
    case 'pnpm':
      return locked ? 'pnpm install --frozen-lockfile' : 'pnpm install';
    case 'yarn':
      if (choice.berry) {
        // CI makes berry immutable by default: without a lockfile it must write one.
        return locked
          ? 'yarn install --immutable'
          : 'yarn install --no-immutable';
      }
      return locked ? 'yarn install --frozen-lockfile' : 'yarn install';
    case 'bun':
      return locked ? 'bun install --frozen-lockfile' : 'bun install';
    default:
      throw new Error(`unknown package manager ${choice.name}`);
  }
}
