/**
 * The local runner's sandbox for the user's install and build commands:
 * bubblewrap (`bwrap`). Each command runs in its own user, PID, IPC, UTS,
 * cgroup and mount namespaces, sees the system read-only and only its work
 * directory writable, and sees no process of the host: not the backend, not
 * this program (which holds the build token), not another build. When the
 * command exits, the PID namespace ends and the kernel kills everything it
 * started, daemons included. Its network namespace has only its own
 * loopback: the one way out is the egress proxy (egress.ts), which lets
 * builds reach the internet but not this machine's loopback (the backend,
 * databases) or private networks.
 *
 * The trusted steps (clone, upload) run outside, as on Kubernetes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { lstatSync, readlinkSync, statSync } from 'node:fs';
import { basename, delimiter, dirname, isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EGRESS_PORT, parseAllowList } from './egress.ts';
import type { Writable } from 'node:stream';

export interface SandboxOptions {
  /** The only writable host directory: the build's work directory. */
  workdir: string;
  /**
   * More host paths the command sees read-only, under /opt/novahost (PATH
   * is rewritten to match): the directory of the Node.js that runs the
   * build program.
   */
  roBinds: string[];
  /**
   * host:port destinations the egress proxy lets builds reach although
   * they are not public (novahost.runner.local.egress.allow).
   */
  egressAllow?: string[];
  /**
   * Host files the command must not find (shown as /dev/null, which is
   * not executable): the machine's node and package managers when the
   * build has its own (toolchain.ts).
   */
  hide?: string[];
  /** The bubblewrap binary (default `bwrap`, from PATH). */
  bwrap?: string;
}

/** Environment entries holding a host path, shown inside the sandbox as bound. */
const PATH_VALUED_ENV = ['npm_config_nodedir'];

/** The log line of a build that runs without the sandbox. */
export const UNSANDBOXED_NOTICE =
  'This build runs without the sandbox (novahost.runner.local.sandbox: false): its commands run as trusted code with access to this machine';

/** Environment variables the local runner hands this program (see {@link sandboxFromEnv}). */
export const SANDBOX_ENV = 'NOVAHOST_SANDBOX';
export const SANDBOX_RO_BINDS_ENV = 'NOVAHOST_SANDBOX_RO_BINDS';
/** Comma-separated host:port entries (see SandboxOptions.egressAllow). */
export const SANDBOX_EGRESS_ALLOW_ENV = 'NOVAHOST_SANDBOX_EGRESS_ALLOW';

/**
 * Reads, and removes from `env` so that nothing the build starts sees it,
 * how the runner wants the user's commands run: `bwrap` (in the sandbox),
 * `off` (unsandboxed: the operator said the code is trusted) or unset (the
 * runner isolates the whole program, e.g. a Kubernetes pod). Any other value
 * is an error: a sandbox that was asked for is never silently skipped.
 */
export function sandboxFromEnv(
  env: NodeJS.ProcessEnv,
  workdir: string,
): SandboxOptions | 'off' | undefined {
  const mode = env[SANDBOX_ENV];
  const binds = env[SANDBOX_RO_BINDS_ENV];
  const allow = env[SANDBOX_EGRESS_ALLOW_ENV];
  delete env[SANDBOX_ENV];
  delete env[SANDBOX_RO_BINDS_ENV];
  delete env[SANDBOX_EGRESS_ALLOW_ENV];
  if (mode === undefined || mode === '') return undefined;
  if (mode === 'off') return 'off';
  if (mode !== 'bwrap') {
    throw new Error(`${SANDBOX_ENV} must be 'bwrap' or 'off', not '${mode}'`);
  }
  const roBinds = (binds ?? '').split(delimiter).filter(Boolean);
  for (const p of roBinds) {
    if (!isAbsolute(p)) {
      throw new Error(`${SANDBOX_RO_BINDS_ENV}: '${p}' is not absolute`);
    }
  }
  const egressAllow = (allow ?? '')
    .split(',')
    .map(e => e.trim())
    .filter(Boolean);
  parseAllowList(egressAllow); // throws on a malformed entry
  return egressAllow.length
    ? { workdir, roBinds, egressAllow }
    : { workdir, roBinds };
}

/** Where the sandbox sees the egress proxy's socket and the forwarder. */
const EGRESS_DIR = '/run/novahost';
const EGRESS_SOCKET = `${EGRESS_DIR}/egress.sock`;
const EGRESS_FORWARDER = `${EGRESS_DIR}/egress-forwarder.mjs`;
/** egressForwarder.mjs on this machine. */
export const FORWARDER_FILE = fileURLToPath(
  new URL('./egressForwarder.mjs', import.meta.url),
);

/**
 * The environment that sends a build's HTTP(S) through the forwarder:
 * curl, git, npm, pnpm, yarn and Node (http, https and fetch with
 * NODE_USE_ENV_PROXY). Nothing bypasses it: the sandbox's own loopback
 * has nothing to offer but the forwarder.
 */
export function egressEnv(): NodeJS.ProcessEnv {
  const url = `http://127.0.0.1:${EGRESS_PORT}`;
  return {
    HTTP_PROXY: url,
    HTTPS_PROXY: url,
    http_proxy: url,
    https_proxy: url,
    NO_PROXY: '',
    no_proxy: '',
    npm_config_proxy: url,
    npm_config_https_proxy: url,
    YARN_HTTP_PROXY: url,
    YARN_HTTPS_PROXY: url,
    NODE_USE_ENV_PROXY: '1',
  };
}

/**
 * argv that starts the forwarder with the sandbox's node (this program's,
 * bound read-only) and then runs `argv` in it.
 */
export function withForwarder(
  argv: string[],
  binds: ReadonlyArray<RoBind> = [],
): string[] {
  return [
    insidePath(process.execPath, binds),
    EGRESS_FORWARDER,
    String(EGRESS_PORT),
    EGRESS_SOCKET,
    ...argv,
  ];
}

/** What the commands need of /etc: name resolution, users, TLS roots, the dynamic linker. */
const ETC = [
  'resolv.conf',
  'hosts',
  'host.conf',
  'nsswitch.conf',
  'gai.conf',
  'services',
  'protocols',
  'passwd',
  'group',
  'localtime',
  'os-release',
  'mime.types',
  'ld.so.cache',
  'ld.so.conf',
  'ld.so.conf.d',
  'alternatives',
  'ssl',
  'pki',
  'ca-certificates',
  'ca-certificates.conf',
];

/** Top-level system directories: symlinks into /usr on merged-/usr systems. */
const SYSTEM_DIRS = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/** /tmp is memory: bounded (the work directory has its own TMPDIR). */
const TMP_BYTES = 512 * 1024 * 1024;

/**
 * The bwrap options that run a command with `cwd` as its directory and
 * exactly `env` as its environment.
 */
export function sandboxArgs(
  options: SandboxOptions,
  cwd: string,
  env: NodeJS.ProcessEnv,
  /** The egress proxy's socket on this machine: bound in, with the forwarder. */
  egressSocket?: string,
): string[] {
  const args = [
    '--unshare-all', // the network too: only the sandbox's own loopback
    '--unshare-user', // explicit: --disable-userns needs it
    '--disable-userns', // no nested namespace to regain capabilities in
    '--cap-drop',
    'ALL',
    '--die-with-parent',
    '--new-session',
    '--hostname',
    'novahost-build',
    '--ro-bind',
    '/usr',
    '/usr',
  ];
  for (const dir of SYSTEM_DIRS) {
    const link = symlinkTarget(dir);
    if (link !== undefined) args.push('--symlink', link, dir);
    else args.push('--ro-bind-try', dir, dir);
  }
  for (const name of ETC) {
    args.push('--ro-bind-try', `/etc/${name}`, `/etc/${name}`);
  }
  for (const file of options.hide ?? []) {
    args.push('--ro-bind', '/dev/null', file);
  }
  args.push(
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--size',
    String(TMP_BYTES),
    '--tmpfs',
    '/tmp',
  );
  const binds = roBindTargets(options.roBinds);
  for (const b of binds) args.push('--ro-bind', b.host, b.file ?? b.inside);
  if (egressSocket) {
    args.push(
      '--ro-bind',
      FORWARDER_FILE,
      EGRESS_FORWARDER,
      '--ro-bind',
      egressSocket,
      EGRESS_SOCKET,
    );
  }
  args.push(
    '--bind',
    options.workdir,
    options.workdir,
    // Nothing else is writable: not even the sandbox's own root.
    '--remount-ro',
    '/',
    '--chdir',
    cwd,
    '--clearenv',
  );
  // Node warns of its env proxy support as experimental in every process.
  const nodeOptions = [env.NODE_OPTIONS, '--disable-warning=UNDICI-EHPA']
    .filter(Boolean)
    .join(' ');
  const all: NodeJS.ProcessEnv = egressSocket
    ? { ...env, ...egressEnv(), NODE_OPTIONS: nodeOptions }
    : { ...env };
  if (all.PATH) {
    all.PATH = all.PATH.split(delimiter)
      .map(dir => insidePath(dir, binds))
      .join(delimiter);
  }
  for (const key of PATH_VALUED_ENV) {
    if (all[key]) all[key] = insidePath(all[key]!, binds);
  }
  for (const [key, value] of Object.entries(all)) {
    if (value !== undefined) args.push('--setenv', key, value);
  }
  return args;
}

/**
 * Starts `argv` in the sandbox, in its own process group (see exec.ts).
 * bwrap itself runs outside, so it gets none of the build's environment
 * (LD_PRELOAD or a PATH that finds a `bwrap` of the repository would run
 * code of the build outside the sandbox) and is found on this program's
 * PATH. Its options, with the environment, go through a pipe (`--args`):
 * in argv they would be readable by every local user through `ps`.
 */
export function spawnInSandbox(
  options: SandboxOptions,
  argv: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  /** The egress proxy's socket: the command runs behind the forwarder. */
  egressSocket?: string,
): ChildProcess {
  const child = spawn(
    options.bwrap ?? 'bwrap',
    [
      '--args',
      '3',
      '--',
      ...(egressSocket
        ? withForwarder(argv, roBindTargets(options.roBinds))
        : argv),
    ],
    {
      cwd,
      env: { PATH: process.env.PATH },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    },
  );
  const args = child.stdio[3] as Writable;
  // When bwrap does not start, the child's 'error' says why.
  args.on('error', () => {});
  args.end(
    sandboxArgs(options, cwd, env, egressSocket)
      .map(a => `${a}\0`)
      .join(''),
  );
  return child;
}

/**
 * A host path shown read-only, and where: under /opt/novahost, never at its
 * host path. Its host path may lie under /tmp (a checkout there), where the
 * way to it would be made in the sandbox's writable /tmp and show the
 * host's layout; a file is shown in a directory of its own.
 */
export type RoBind = { host: string; inside: string; file?: string };

const RO_ROOT = '/opt/novahost';

export function roBindTargets(roBinds: string[]): RoBind[] {
  return roBinds.map((host, i) => {
    const inside = `${RO_ROOT}/${i}`;
    let isFile = false;
    try {
      isFile = !statSync(host).isDirectory();
    } catch {
      // bwrap says what is missing
    }
    return isFile
      ? { host: dirname(host), inside, file: `${inside}/${basename(host)}` }
      : { host, inside };
  });
}

/** Where a host path (in PATH, or the Node.js binary) is inside the sandbox. */
export function insidePath(p: string, binds: ReadonlyArray<RoBind>): string {
  for (const b of binds) {
    if (p === b.host) return b.inside;
    if (!b.file && p.startsWith(`${b.host}/`)) {
      return b.inside + p.slice(b.host.length);
    }
    if (b.file && p === `${b.host}/${basename(b.file)}`) return b.file;
  }
  return p;
}

function symlinkTarget(path: string): string | undefined {
  try {
    return lstatSync(path).isSymbolicLink() ? readlinkSync(path) : undefined;
  } catch {
    return undefined;
  }
}
