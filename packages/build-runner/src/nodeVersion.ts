/**
 * Which Node.js a build runs on. The project asks in `.nvmrc`,
 * `.node-version` or package.json `engines.node` (nvm's aliases and npm's
 * ranges); the runner offers the installations it has
 * (NOVAHOST_NODE_DIRS); the newest installation that satisfies the request
 * is chosen, or the newest of a major the request admits. A request
 * nothing satisfies fails the build with what is available.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join, relative, sep } from 'node:path';
import { StepError } from './exec.ts';
import {
  compareVersions,
  parseRange,
  rangeAdmitsMajor,
  rangeContains,
  type SemverRange,
} from './semverRange.ts';

/** One Node.js installation builds may use. */
export interface NodeInstall {
  /** `20.19.0` */
  version: string;
  major: number;
  /** The directory holding `node` (and npm, npx, corepack when it has them). */
  bin: string;
  /**
   * The installation's directory, shown read-only in the sandbox;
   * undefined for the build program's own node, which the runner shows.
   */
  root?: string;
}

/**
 * Environment: the installations, as a list of directories (path
 * delimiter); each is an installation (`bin/node` in it) or a directory
 * of installations (one per subdirectory, e.g. `20/`, `22/`).
 */
export const NODE_DIRS_ENV = 'NOVAHOST_NODE_DIRS';
/** Environment: the version builds get when they ask for none. */
export const DEFAULT_NODE_ENV = 'NOVAHOST_DEFAULT_NODE_VERSION';
/** What builds get when neither the project nor the operator says. */
export const DEFAULT_NODE_SPEC = 'lts/*';

/** Newest first. */
const newest = (available: NodeInstall[]) =>
  available.slice().sort((a, b) => compareVersions(b.version, a.version));

function nodeVersionOf(bin: string): string | undefined {
  try {
    const out = execFileSync(join(bin, 'node'), ['--version'], {
      encoding: 'utf8',
      env: {},
      timeout: 10_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return /^v(\d+\.\d+\.\d+)\s*$/.exec(out)?.[1];
  } catch {
    return undefined;
  }
}

function install(root: string): NodeInstall | undefined {
  const bin = join(root, 'bin');
  if (!existsSync(join(bin, 'node'))) return undefined;
  const version = nodeVersionOf(bin);
  if (!version) return undefined;
  return { version, major: Number(version.split('.')[0]), bin, root };
}

/**
 * The installations the environment offers, newest first; without any,
 * the node running this program (its directory, which the runner shows).
 * Entries that are not installations are skipped.
 */
export function availableNodes(env: NodeJS.ProcessEnv): NodeInstall[] {
  const found: NodeInstall[] = [];
  for (const dir of (env[NODE_DIRS_ENV] ?? '').split(delimiter)) {
    if (!dir) continue;
    const direct = install(dir);
    if (direct) {
      found.push(direct);
      continue;
    }
    let names: string[] = [];
    try {
      names = readdirSync(dir).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      const sub = install(join(dir, name));
      if (sub) found.push(sub);
    }
  }
  if (!found.length) {
    const version = process.versions.node;
    found.push({
      version,
      major: Number(version.split('.')[0]),
      bin: dirname(process.execPath),
    });
  }
  return newest(found);
}

/** What the project (or the default) asks for, and where that was said. */
export interface NodeRequest {
  spec: string;
  /** `.nvmrc`, `apps/web/.node-version`, `package.json engines.node`, … */
  source: string;
  /** True when no file asked: the platform's default. */
  isDefault?: boolean;
}

/** The first line of a version file that says something (comments dropped). */
function versionFileSpec(path: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split(/\r?\n/)) {
    const spec = line.replace(/#.*$/, '').trim();
    if (spec) return spec;
  }
  return undefined;
}

function enginesNode(dir: string): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const spec = pkg?.engines?.node;
    return typeof spec === 'string' && spec.trim() ? spec.trim() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The project's request: `.nvmrc`, `.node-version` or package.json
 * `engines.node` of the project directory, then `.nvmrc` or
 * `.node-version` of each directory above it up to the repository root
 * (a monorepo's root pins the version of its apps).
 */
export function findNodeRequest(
  projectDir: string,
  repoRoot: string,
): NodeRequest | undefined {
  const name = (file: string) => relative(repoRoot, file).split(sep).join('/');
  for (let dir = projectDir; ; dir = dirname(dir)) {
    for (const file of ['.nvmrc', '.node-version']) {
      const spec = versionFileSpec(join(dir, file));
      if (spec) return { spec, source: name(join(dir, file)) };
    }
    if (dir === projectDir) {
      const spec = enginesNode(dir);
      if (spec) {
        const pkg = name(join(dir, 'package.json'));
        return { spec, source: `${pkg} engines.node` };
      }
    }
    if (dir === repoRoot || dirname(dir) === dir) return undefined;
    if (!dir.startsWith(repoRoot)) return undefined;
  }
}

/** nvm's LTS names. */
const LTS_NAMES: Record<string, number> = {
  argon: 4,
  boron: 6,
  carbon: 8,
  dubnium: 10,
  erbium: 12,
  fermium: 14,
  gallium: 16,
  hydrogen: 18,
  iron: 20,
  jod: 22,
  krypton: 24,
};

/** Even majors become LTS lines. */
const isLts = (major: number) => major % 2 === 0;

/** The installations a spec accepts, best first, and whether they satisfy it exactly. */
function candidates(
  spec: string,
  available: NodeInstall[],
): { exact: NodeInstall[]; byMajor: NodeInstall[] } | string {
  const s = spec.trim().toLowerCase();
  const sorted = newest(available);
  if (['node', 'latest', 'current', 'stable'].includes(s)) {
    return { exact: sorted, byMajor: [] };
  }
  const lts = /^lts\/(.+)$/.exec(s) ?? (s === 'lts' ? [s, '*'] : null);
  if (lts) {
    const ltsMajors = [...new Set(sorted.map(n => n.major).filter(isLts))];
    const which = lts[1];
    let major: number | undefined;
    if (which === '*') major = ltsMajors[0];
    else if (/^-\d+$/.test(which)) major = ltsMajors[-Number(which)];
    else if (which in LTS_NAMES) major = LTS_NAMES[which];
    else return `"${spec}" names no Node.js LTS line`;
    return {
      exact: sorted.filter(n => n.major === major),
      byMajor: [],
    };
  }
  const range: SemverRange | undefined = parseRange(s);
  if (!range) return `"${spec}" is not a Node.js version or range`;
  return {
    exact: sorted.filter(n => rangeContains(range, n.version)),
    byMajor: sorted.filter(n => rangeAdmitsMajor(range, n.major)),
  };
}

/** The chosen installation and the log line that says why. */
export interface NodeChoice {
  node: NodeInstall;
  line: string;
}

/** The versions on offer, for messages: `20.19.0, 22.18.0, 24.5.0`. */
export function listVersions(available: NodeInstall[]): string {
  return available
    .map(n => n.version)
    .sort(compareVersions)
    .join(', ');
}

/**
 * Picks the installation for a request: the newest that satisfies it,
 * else the newest of a major it admits (`20.11.1` runs on the 20.x
 * here), else a StepError naming what is available.
 */
export function selectNode(
  request: NodeRequest,
  available: NodeInstall[],
): NodeChoice {
  const found = candidates(request.spec, available);
  const why = request.isDefault
    ? `the default "${request.spec}": no .nvmrc, .node-version or engines.node`
    : `from ${request.source}: "${request.spec}"`;
  if (typeof found === 'string') {
    throw new StepError(
      `${found} (${why}). Builds can use Node ${listVersions(available)}`,
      null,
    );
  }
  if (found.exact.length) {
    const node = found.exact[0];
    return { node, line: `Using Node ${node.version} (${why})` };
  }
  if (found.byMajor.length) {
    const node = found.byMajor[0];
    return {
      node,
      line: `Using Node ${node.version} (${why}; the newest ${node.major}.x here)`,
    };
  }
  if (request.isDefault && request.spec === DEFAULT_NODE_SPEC) {
    // No LTS line here at all: the newest there is.
    const node = newest(available)[0];
    return {
      node,
      line: `Using Node ${node.version} (${why}; no LTS line here)`,
    };
  }
  const fix = request.isDefault
    ? 'Set novahost.builds.defaultNodeVersion to one of these'
    : `Change ${request.source} to one of these majors`;
  throw new StepError(
    `Node "${
      request.spec
    }" (${why}) is not available: builds can use Node ${listVersions(
      available,
    )}. ${fix}`,
    null,
  );
}

/** The project's request, or the default, resolved against what is available. */
export function chooseNode(options: {
  projectDir: string;
  repoRoot: string;
  available: NodeInstall[];
  defaultSpec?: string;
}): NodeChoice {
  const request = findNodeRequest(options.projectDir, options.repoRoot) ?? {
    spec: options.defaultSpec?.trim() || DEFAULT_NODE_SPEC,
    source: 'novahost.builds.defaultNodeVersion',
    isDefault: true,
  };
  return selectNode(request, options.available);
}
