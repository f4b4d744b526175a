import { Config } from '@backstage/config';
import { execFileSync } from 'child_process';
import fs from 'fs';
import path from 'path';

/**
 * What the build program is told about tools, for both runners: the
 * default Node.js version (`novahost.builds.defaultNodeVersion`) and how
 * corepack checks the package managers it fetches
 * (`novahost.builds.corepack.integrityKeys`). Names as build-runner's
 * nodeVersion.ts and toolchain.ts read them.
 */
export function buildToolsEnv(config: Config): Record<string, string> {
  const env: Record<string, string> = {};
  const defaultNode = config.getOptionalString(
    'novahost.builds.defaultNodeVersion',
  );
  if (defaultNode !== undefined) {
    // nvm aliases (lts/*, lts/iron, node) and npm ranges (22, ^20 || ^22).
    if (!/^[\w.*^~<>=|/ -]{1,100}$/.test(defaultNode.trim())) {
      throw new Error(
        `novahost.builds.defaultNodeVersion: '${defaultNode}' is not a Node.js version, range or alias (e.g. 22, lts/*)`,
      );
    }
    env.NOVAHOST_DEFAULT_NODE_VERSION = defaultNode.trim();
  }
  const keys = config.getOptionalString(
    'novahost.builds.corepack.integrityKeys',
  );
  if (keys !== undefined) {
    if (keys !== '' && keys !== '0') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(keys);
      } catch {
        // reported below
      }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new Error(
          `novahost.builds.corepack.integrityKeys must be "0" (no signature check) or the registry's keys as JSON ({"npm":[{"keyid":…,"key":…}]})`,
        );
      }
    }
    env.NOVAHOST_COREPACK_INTEGRITY_KEYS = keys;
  }
  return env;
}

/** One Node.js installation on this machine. */
export type NodeInstallation = { dir: string; version: string };

function versionAt(dir: string): string | undefined {
  try {
    const out = execFileSync(path.join(dir, 'bin', 'node'), ['--version'], {
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

/**
 * The Node.js installations local builds may use, checked: each
 * `novahost.runner.local.nodeInstallations` entry (a directory whose
 * `bin/node` runs) and each subdirectory of
 * `novahost.runner.local.nodeDirectory` holding one. Relative
 * paths resolve against the working directory. Empty when neither is
 * set: builds then run on the backend's own node.
 */
export function localNodeInstallations(
  config: Config,
  /** Directories a sandboxed build must not see (the backend's, the builds'). */
  hidden: string[] = [],
): NodeInstallation[] {
  const found: NodeInstallation[] = [];
  const check = (dir: string, key: string) => {
    const exposes = hidden.find(h => {
      const rel = path.relative(dir, path.resolve(h));
      return !rel.startsWith('..') && !path.isAbsolute(rel);
    });
    if (exposes) {
      throw new Error(
        `${key}: ${dir} holds ${exposes}, which builds must not see (it is shown to them read-only)`,
      );
    }
  };
  const installations =
    config.getOptionalStringArray('novahost.runner.local.nodeInstallations') ??
    [];
  for (const entry of installations) {
    const dir = path.resolve(entry);
    const version = versionAt(dir);
    if (!version) {
      throw new Error(
        `novahost.runner.local.nodeInstallations: ${dir}/bin/node does not run`,
      );
    }
    check(dir, 'novahost.runner.local.nodeInstallations');
    found.push({ dir, version });
  }
  const directory = config.getOptionalString(
    'novahost.runner.local.nodeDirectory',
  );
  if (directory !== undefined) {
    const root = path.resolve(directory);
    let names: string[] = [];
    try {
      names = fs.readdirSync(root).sort();
    } catch {
      // reported below
    }
    const before = found.length;
    for (const name of names) {
      const dir = path.join(root, name);
      const version = versionAt(dir);
      if (!version) continue;
      check(dir, 'novahost.runner.local.nodeDirectory');
      found.push({ dir, version });
    }
    if (found.length === before) {
      throw new Error(
        `novahost.runner.local.nodeDirectory: ${root} holds no Node.js installation (<dir>/<major>/bin/node); scripts/setup.sh provisions .tools/build-node (packages/build-runner/bin/provision-node)`,
      );
    }
  }
  return found;
}
