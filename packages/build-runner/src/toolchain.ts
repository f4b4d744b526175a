/**
 * The tools a build's commands find: the chosen Node.js, the package
 * managers through corepack, and nothing of the machine's or the
 * platform's own. The build's PATH is made here from scratch: shims for
 * pnpm and yarn (corepack at the chosen version), the chosen Node's
 * `bin`, then the system directories. In the sandbox the chosen Node is
 * shown read-only and the machine's node, npm, corepack, yarn and pnpm
 * are hidden, so it is the only node there is.
 */
import {
  lstatSync,
  mkdirSync,
  realpathSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { delimiter, join } from 'node:path';
import { StepError } from './exec.ts';
import {
  availableNodes,
  DEFAULT_NODE_ENV,
  listVersions,
  type NodeInstall,
} from './nodeVersion.ts';
import type { PackageManagerChoice } from './packageManager.ts';
import type { SandboxOptions } from './sandbox.ts';

/** What the runner says about tools (from the program's environment). */
export interface ToolSettings {
  /** The Node.js installations builds may use, newest first. */
  nodes: NodeInstall[];
  /** The version builds get when they ask for none (nvm alias or range). */
  defaultNode?: string;
  /** COREPACK_INTEGRITY_KEYS for builds: `0` for mirrors that serve no signatures. */
  integrityKeys?: string;
}

/** Environment: novahost.builds.corepack.integrityKeys. */
export const INTEGRITY_KEYS_ENV = 'NOVAHOST_COREPACK_INTEGRITY_KEYS';

export function toolSettingsFromEnv(env: NodeJS.ProcessEnv): ToolSettings {
  const defaultNode = env[DEFAULT_NODE_ENV]?.trim();
  const integrityKeys = env[INTEGRITY_KEYS_ENV];
  return {
    nodes: availableNodes(env),
    ...(defaultNode ? { defaultNode } : {}),
    ...(integrityKeys !== undefined ? { integrityKeys } : {}),
  };
}

/** System directories of every build's PATH, after its own tools. */
export const SYSTEM_PATH = [
  '/usr/local/sbin',
  '/usr/local/bin',
  '/usr/sbin',
  '/usr/bin',
  '/sbin',
  '/bin',
];

/** The machine's tools a sandboxed build must not find (its own come first). */
const MACHINE_TOOLS = [
  'node',
  'nodejs',
  'npm',
  'npx',
  'corepack',
  'yarn',
  'yarnpkg',
  'pnpm',
  'pnpx',
];

/** Where the default registry is, when the runner names none. */
export const DEFAULT_REGISTRY = 'https://registry.npmjs.org';

/** The installation the plan chose, found again in this program's settings. */
export function installFor(
  version: string,
  settings: ToolSettings,
): NodeInstall {
  const node = settings.nodes.find(n => n.version === version);
  if (!node) {
    throw new StepError(
      `Node ${version} was chosen but is not here: builds can use Node ${listVersions(
        settings.nodes,
      )}`,
      null,
    );
  }
  return node;
}

/** The binaries each package manager has. */
const BINARIES: Record<'npm' | 'pnpm' | 'yarn', string[]> = {
  npm: ['npm', 'npx'],
  pnpm: ['pnpm', 'pnpx'],
  yarn: ['yarn', 'yarnpkg'],
};

/** A spec safe to write into a shell script (packageManager.ts's forms). */
const SPEC_RE = /^(npm|pnpm|yarn)@[0-9A-Za-z.+-]+$/;

/**
 * Writes the shims: `pnpm`, `pnpx`, `yarn` and `yarnpkg` run corepack
 * (at the chosen version for the chosen tool; as corepack decides for the
 * others), and `npm`/`npx` too when packageManager names an npm version.
 */
export function writeShims(dir: string, pm: PackageManagerChoice | null): void {
  mkdirSync(dir, { recursive: true });
  const shim = (binary: string, spec: string | undefined) =>
    writeFileSync(
      join(dir, binary),
      `#!/bin/sh\nexec corepack ${
        spec ? `'${spec.replace(/^\w+/, binary)}'` : binary
      } "$@"\n`,
      { mode: 0o755 },
    );
  for (const tool of ['pnpm', 'yarn'] as const) {
    const spec = pm?.name === tool ? pm.corepack : undefined;
    if (spec !== undefined && !SPEC_RE.test(spec)) {
      throw new StepError(`Refusing package manager "${spec}"`, null);
    }
    for (const binary of BINARIES[tool]) shim(binary, spec);
  }
  if (pm?.name === 'npm' && pm.corepack) {
    if (!SPEC_RE.test(pm.corepack)) {
      throw new StepError(`Refusing package manager "${pm.corepack}"`, null);
    }
    for (const binary of BINARIES.npm) shim(binary, pm.corepack);
  }
}

/** Existing host paths of the machine's node tools, to hide in the sandbox. */
function machineTools(): string[] {
  const found: string[] = [];
  for (const dir of SYSTEM_PATH) {
    try {
      // /bin → usr/bin on merged-/usr systems: the same files.
      if (lstatSync(dir).isSymbolicLink()) continue;
    } catch {
      continue;
    }
    for (const name of MACHINE_TOOLS) {
      try {
        // The file a link leads to (/usr/bin/nodejs → /etc/alternatives →
        // /usr/bin/node): bwrap mounts over files, not links. Only /usr
        // is shown to builds at all.
        const real = realpathSync(join(dir, name));
        if (real.startsWith('/usr/') && !found.includes(real)) found.push(real);
      } catch {
        // not there (or a dangling link: nothing to find)
      }
    }
  }
  return found;
}

/** The build's tools: environment entries and the sandbox that shows them. */
export interface Toolchain {
  node: NodeInstall;
  env: NodeJS.ProcessEnv;
  sandbox?: SandboxOptions;
}

/**
 * The environment and sandbox of the build's commands for the chosen
 * Node and package manager. `registry`: the npm registry builds use
 * (npm_config_registry), where corepack fetches pnpm and yarn too.
 */
export function toolchain(options: {
  node: NodeInstall;
  pm: PackageManagerChoice | null;
  shimDir: string;
  /** COREPACK_HOME: in the build's home, with the other caches. */
  corepackHome: string;
  settings: ToolSettings;
  registry?: string;
  sandbox?: SandboxOptions;
}): Toolchain {
  const { node, settings } = options;
  writeShims(options.shimDir, options.pm);
  const env: NodeJS.ProcessEnv = {
    PATH: [options.shimDir, node.bin, ...SYSTEM_PATH].join(delimiter),
    COREPACK_HOME: options.corepackHome,
    COREPACK_ENABLE_DOWNLOAD_PROMPT: '0',
    // Never write packageManager into the project's package.json.
    COREPACK_ENABLE_AUTO_PIN: '0',
    // A pnpm project's script may still call yarn (and the reverse).
    COREPACK_ENABLE_STRICT: '0',
    // pnpm and yarn from the npm registry the build uses, not yarn's own host.
    COREPACK_NPM_REGISTRY: (options.registry || DEFAULT_REGISTRY).replace(
      /\/+$/,
      '',
    ),
    ...(settings.integrityKeys !== undefined
      ? { COREPACK_INTEGRITY_KEYS: settings.integrityKeys }
      : {}),
  };
  if (node.root) {
    try {
      // node-gyp builds native addons against these headers (no download).
      statSync(join(node.root, 'include', 'node', 'node.h'));
      env.npm_config_nodedir = node.root;
    } catch {
      // headers are not part of this installation
    }
  }
  let sandbox = options.sandbox;
  if (sandbox && node.root) {
    sandbox = {
      ...sandbox,
      roBinds: [...sandbox.roBinds, node.root],
      hide: [...(sandbox.hide ?? []), ...machineTools()],
    };
  }
  return { node, env, ...(sandbox ? { sandbox } : {}) };
}

/** The tool's version from its `--version` output (the last version-looking line). */
export function versionFromOutput(lines: string[]): string | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /^v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\s*$/.exec(
      lines[i].trim(),
    );
    if (m) return m[1];
  }
  return undefined;
}

/**
 * Makes the chosen package manager ready (corepack fetches it) and says in
 * the log which version runs: `<tool> --version`, through the shims, as
 * the install will run it. bun is used as found.
 */
export async function preparePackageManager(
  pm: PackageManagerChoice,
  runVersion: (
    commandLine: string,
    onStdout: (text: string) => void,
  ) => Promise<void>,
  emit: (text: string) => void,
): Promise<void> {
  if (pm.name === 'bun') return;
  const out: string[] = [];
  try {
    await runVersion(`${pm.name} --version`, text => out.push(text));
  } catch (e) {
    throw prepareFailure(e, pm.corepack ?? pm.name);
  }
  const version = versionFromOutput(out) ?? '(version unknown)';
  emit(`Using ${pm.name} ${version} (${pm.source})`);
}

/** The error of a failed preparation, with what to do when signatures are missing. */
export function prepareFailure(e: unknown, spec: string): unknown {
  if (!(e instanceof StepError)) return e;
  const signatures = e.tail.some(l => /signature/i.test(l));
  const hint = signatures
    ? `: corepack could not verify ${spec}'s signature. A registry mirror that serves no signatures needs novahost.builds.corepack.integrityKeys: "0" (README: Node and package manager versions)`
    : '';
  const how = spec.includes('@') ? ' through corepack' : '';
  return new StepError(
    `Preparing ${spec}${how} failed${hint}`,
    e.exitCode,
    e.tail,
  );
}
