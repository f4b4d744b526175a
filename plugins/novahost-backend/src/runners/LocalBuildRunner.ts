import { DiscoveryService, LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { ChildProcess, spawn } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import type {
  BuildExit,
  BuildRequest,
  BuildRunner,
  BuildState,
} from '@internal/plugin-novahost-node';
import { buildToolsEnv, localNodeInstallations } from './buildTools';

const KILL_GRACE_MS = 5000;
const STDERR_TAIL_BYTES = 4096;

function buildRunnerFile(name: string): string {
  const pkg = require.resolve('@internal/build-runner/package.json');
  return path.join(path.dirname(pkg), 'src', name);
}

/** Whether `dir` is `p` or one of its ancestors. */
const holds = (dir: string, p: string) =>
  p === dir || p.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);

/**
 * Host paths a sandboxed build sees read-only besides the system: the
 * Node.js installation running the backend (builds use the same node) and
 * CA bundles the operator points builds to. A directory that would also
 * expose the backend's working directory (the checkout, app-config,
 * `.novahost/`) or the build work directories is narrowed to the node
 * binary or left out.
 */
export function sandboxReadOnlyPaths(
  workDirectory: string,
  env: NodeJS.ProcessEnv = process.env,
  execPath: string = process.execPath,
): string[] {
  const visible = ['/usr', '/etc/ssl', '/etc/pki', '/etc/ca-certificates'];
  const secret = [process.cwd(), path.resolve(workDirectory)];
  const safe = (p: string) => !secret.some(s => holds(p, s));
  const binds: string[] = [];
  const add = (p: string) => {
    if (!visible.some(v => holds(v, p)) && !binds.includes(p)) binds.push(p);
  };
  // A Node.js distribution (bin/node, include/node, npm in lib): all of it;
  // any other directory a node binary sits in: the binary.
  const prefix = path.dirname(path.dirname(execPath));
  const distribution =
    path.basename(path.dirname(execPath)) === 'bin' &&
    fs.existsSync(path.join(prefix, 'include', 'node', 'node.h'));
  add(distribution && safe(prefix) ? prefix : execPath);
  for (const [key, value] of Object.entries(env)) {
    if (
      value &&
      path.isAbsolute(value) &&
      /^(npm_config_cafile|NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR)$/i.test(
        key,
      ) &&
      fs.existsSync(value) &&
      safe(value)
    ) {
      add(value);
    }
  }
  return binds;
}

/** An egress allow list entry: host:port or [IPv6]:port (build-runner's egress.ts). */
const EGRESS_ENTRY = /^(?:\[[0-9a-fA-F:.]+\]|[^\s:[\]/@,]+):\d{1,5}$/;

export const SANDBOX_UNAVAILABLE =
  'The local runner sandbox (bubblewrap) is unavailable';

/**
 * Runs the build program as a child process of the backend: the embedded
 * default. The child gets a minimal environment (never the backend's own,
 * which may hold database or storage credentials) and its own process group,
 * so a cancel stops everything the build started. The program runs the
 * user's install and build commands in a bubblewrap sandbox (build-runner's
 * sandbox.ts) unless `novahost.runner.local.sandbox` is false; a machine
 * where the sandbox does not work gets no builds.
 */
export class LocalBuildRunner implements BuildRunner {
  static async fromConfig(
    config: Config,
    deps: { logger: LoggerService; discovery: DiscoveryService },
  ): Promise<LocalBuildRunner> {
    const apiUrl =
      config.getOptionalString('novahost.runner.local.apiUrl') ??
      (await deps.discovery.getBaseUrl('novahost'));
    const program =
      config.getOptionalString('novahost.runner.local.program') ??
      buildRunnerFile('main.ts');
    const workDirectory =
      config.getOptionalString('novahost.runner.local.workDirectory') ??
      os.tmpdir();
    if (!fs.existsSync(program)) {
      throw new Error(`Novahost build program not found at ${program}`);
    }
    const egressAllow =
      config.getOptionalStringArray('novahost.runner.local.egress.allow') ?? [];
    for (const entry of egressAllow) {
      if (!EGRESS_ENTRY.test(entry)) {
        throw new Error(
          `novahost.runner.local.egress.allow: '${entry}' is not host:port (IPv6 as [addr]:port)`,
        );
      }
    }
    const nodes = localNodeInstallations(config, [
      process.cwd(),
      workDirectory,
    ]);
    deps.logger.info(
      nodes.length
        ? `Builds can use Node ${nodes.map(n => n.version).join(', ')}`
        : `Builds run on the backend's Node ${process.versions.node} only: set novahost.runner.local.nodeDirectory to offer more (scripts/setup.sh provisions .tools/build-node)`,
    );
    const runner = new LocalBuildRunner({
      apiUrl,
      program,
      workDirectory,
      sandbox:
        config.getOptionalBoolean('novahost.runner.local.sandbox') ?? true,
      egressAllow,
      nodeDirs: nodes.map(n => n.dir),
      toolsEnv: buildToolsEnv(config),
      logger: deps.logger,
    });
    await runner.checkSandbox();
    return runner;
  }

  private readonly children = new Map<string, ChildProcess>();
  /** Why the sandbox does not work here; undefined when it does (or is off). */
  private sandboxError: string | undefined;
  private sandboxChecked = false;

  constructor(
    private readonly options: {
      apiUrl: string;
      program: string;
      workDirectory: string;
      /** Run the user's commands in the sandbox (default true). */
      sandbox: boolean;
      /** Non-public host:port a sandboxed build may reach (egress proxy). */
      egressAllow?: string[];
      /** Node.js installations builds may use (none: the backend's node). */
      nodeDirs?: string[];
      /** The default Node version and corepack settings (buildTools.ts). */
      toolsEnv?: Record<string, string>;
      logger: LoggerService;
      /** The sandbox probe (build-runner's sandboxProbe.ts). */
      probe?: string;
    },
  ) {}

  /** The environment the build program needs to sandbox the user's commands. */
  private sandboxEnv(): NodeJS.ProcessEnv {
    if (!this.options.sandbox) return { NOVAHOST_SANDBOX: 'off' };
    const allow = this.options.egressAllow ?? [];
    return {
      NOVAHOST_SANDBOX: 'bwrap',
      NOVAHOST_SANDBOX_RO_BINDS: sandboxReadOnlyPaths(
        this.options.workDirectory,
      ).join(path.delimiter),
      ...(allow.length
        ? { NOVAHOST_SANDBOX_EGRESS_ALLOW: allow.join(',') }
        : {}),
    };
  }

  /**
   * Runs the sandbox probe: a command in the sandbox exactly as builds run
   * theirs. Never throws: a machine without a working sandbox keeps its
   * backend, and its builds fail with the reason (see start).
   */
  async checkSandbox(): Promise<void> {
    const { logger } = this.options;
    if (!this.options.sandbox) {
      logger.warn(
        'novahost.runner.local.sandbox is false: builds run without a sandbox, as trusted code that can read and write everything this backend can',
      );
      return;
    }
    const dir = await fs.promises.mkdtemp(
      path.join(path.resolve(this.options.workDirectory), 'novahost-probe-'),
    );
    try {
      const why = await new Promise<string | undefined>(resolve => {
        const probe = spawn(
          process.execPath,
          [this.options.probe ?? buildRunnerFile('sandboxProbe.ts')],
          {
            cwd: dir,
            env: { ...this.baseEnv(dir), ...this.sandboxEnv() },
            stdio: ['ignore', 'ignore', 'pipe'],
          },
        );
        let stderr = '';
        probe.stderr!.on('data', (c: Buffer) => {
          stderr = (stderr + c.toString('utf8')).slice(-STDERR_TAIL_BYTES);
        });
        probe.on('error', e => resolve(e.message));
        probe.on('close', code =>
          resolve(code === 0 ? undefined : stderr.trim() || `exit ${code}`),
        );
      });
      if (!this.sandboxChecked || why !== this.sandboxError) {
        if (why) {
          logger.error(`${SANDBOX_UNAVAILABLE}: ${why}; builds are refused`);
        } else {
          logger.info('Builds run in a bubblewrap sandbox');
        }
      }
      this.sandboxError = why;
      this.sandboxChecked = true;
    } finally {
      await fs.promises.rm(dir, { recursive: true, force: true });
    }
  }

  /** What the build program (and the probe) gets of the environment. */
  private baseEnv(dir: string): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {
      // The program runs on the backend's node; builds get a PATH of
      // their own (build-runner's toolchain.ts), never this one.
      PATH: [path.dirname(process.execPath), process.env.PATH].join(
        path.delimiter,
      ),
      LANG: process.env.LANG ?? 'C.UTF-8',
      HOME: dir,
      TMPDIR: dir,
      NOVAHOST_WORKDIR: path.join(dir, 'work'),
    };
    // Where the registry is and which CAs to trust (machines behind a
    // TLS-inspecting proxy); the build program passes them on to installs.
    // The machine's npm cache only without the sandbox: a sandboxed build
    // writes nothing outside its work directory (a shared cache would also
    // let one build plant packages for the next).
    const passed = this.options.sandbox
      ? /^npm_config_(registry|cafile)$/i
      : /^npm_config_(registry|cache|cafile)$/i;
    for (const key of Object.keys(process.env)) {
      if (
        passed.test(key) ||
        /^(NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR)$/.test(key)
      ) {
        env[key] = process.env[key];
      }
    }
    return env;
  }

  async start(
    request: BuildRequest,
    onExit: (exit: BuildExit) => void,
  ): Promise<{ handle: string }> {
    if (this.sandboxError !== undefined) {
      // Installed since start-up? Then build; otherwise say what to do.
      await this.checkSandbox();
      if (this.sandboxError !== undefined) {
        throw new Error(
          `${SANDBOX_UNAVAILABLE}: ${this.sandboxError}. Install bubblewrap (scripts/setup.sh does) or set novahost.runner.local.sandbox: false to run builds as trusted code`,
        );
      }
    }
    const workdir = await fs.promises.mkdtemp(
      path.join(path.resolve(this.options.workDirectory), 'novahost-build-'),
    );
    const env: NodeJS.ProcessEnv = {
      ...this.baseEnv(workdir),
      ...this.sandboxEnv(),
      ...this.options.toolsEnv,
      ...(this.options.nodeDirs?.length
        ? { NOVAHOST_NODE_DIRS: this.options.nodeDirs.join(path.delimiter) }
        : {}),
      NOVAHOST_API_URL: this.options.apiUrl,
      NOVAHOST_DEPLOYMENT_ID: request.deploymentId,
      NOVAHOST_BUILD_TOKEN: request.token,
    };
    const child = spawn(process.execPath, [this.options.program], {
      env,
      cwd: workdir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.children.set(request.deploymentId, child);

    let stderrTail = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderrTail = (stderrTail + chunk.toString('utf8')).slice(
        -STDERR_TAIL_BYTES,
      );
    });
    // The program ships its log to the backend itself; its stdout is a copy.
    child.stdout!.resume();

    const timeout = setTimeout(() => {
      this.kill(child);
    }, (request.timeoutSeconds + 30) * 1000);
    timeout.unref();

    let done = false;
    const finish = (exitCode: number | null, signal: string | null) => {
      if (done) return;
      done = true;
      clearTimeout(timeout);
      this.children.delete(request.deploymentId);
      fs.promises.rm(workdir, { recursive: true, force: true }).catch(() => {});
      onExit({ exitCode, signal, stderrTail });
    };
    child.on('error', err => {
      stderrTail += `\n${err.message}`;
      finish(null, null);
    });
    child.on('close', (code, signal) => finish(code, signal));

    if (!child.pid) {
      throw new Error('Could not start the build program');
    }
    return { handle: `pid:${child.pid}` };
  }

  private kill(child: ChildProcess) {
    if (!child.pid || child.exitCode !== null) return;
    const group = -child.pid;
    try {
      process.kill(group, 'SIGTERM');
    } catch {
      return;
    }
    setTimeout(() => {
      try {
        process.kill(group, 'SIGKILL');
      } catch {
        // already gone
      }
    }, KILL_GRACE_MS).unref();
  }

  async cancel(deploymentId: string): Promise<void> {
    const child = this.children.get(deploymentId);
    if (child) this.kill(child);
  }

  readonly buildsDieWithBackend = true;

  async inspect(deploymentId: string): Promise<BuildState> {
    return this.children.has(deploymentId)
      ? { state: 'running' }
      : { state: 'missing' };
  }

  /** Stops every build and waits (up to the kill grace) until they are gone. */
  async close(): Promise<void> {
    const exits = [...this.children.values()].map(
      child =>
        new Promise<void>(resolve => {
          if (child.exitCode !== null || child.signalCode !== null) {
            resolve();
            return;
          }
          child.once('close', () => resolve());
          this.kill(child);
        }),
    );
    await Promise.race([
      Promise.all(exits),
      new Promise(r => setTimeout(r, KILL_GRACE_MS + 1000).unref()),
    ]);
  }
}
