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

const KILL_GRACE_MS = 5000;
const STDERR_TAIL_BYTES = 4096;

function defaultProgram(): string {
  const pkg = require.resolve('@internal/build-runner/package.json');
  return path.join(path.dirname(pkg), 'src', 'main.ts');
}

/**
 * Runs the build program as a child process of the backend: the embedded
 * default. The child gets a minimal environment (never the backend's own,
 * which may hold database or storage credentials) and its own process group,
 * so a cancel stops everything the build started.
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
      defaultProgram();
    const workDirectory =
      config.getOptionalString('novahost.runner.local.workDirectory') ??
      os.tmpdir();
    if (!fs.existsSync(program)) {
      throw new Error(`Novahost build program not found at ${program}`);
    }
    return new LocalBuildRunner({
      apiUrl,
      program,
      workDirectory,
      logger: deps.logger,
    });
  }

  private readonly children = new Map<string, ChildProcess>();

  constructor(
    private readonly options: {
      apiUrl: string;
      program: string;
      workDirectory: string;
      logger: LoggerService;
    },
  ) {}

  async start(
    request: BuildRequest,
    onExit: (exit: BuildExit) => void,
  ): Promise<{ handle: string }> {
    const workdir = await fs.promises.mkdtemp(
      path.join(path.resolve(this.options.workDirectory), 'novahost-build-'),
    );
    const env: NodeJS.ProcessEnv = {
      // Builds use the same node as the backend first.
      PATH: [path.dirname(process.execPath), process.env.PATH].join(
        path.delimiter,
      ),
      LANG: process.env.LANG ?? 'C.UTF-8',
      HOME: workdir,
      TMPDIR: workdir,
      NOVAHOST_API_URL: this.options.apiUrl,
      NOVAHOST_DEPLOYMENT_ID: request.deploymentId,
      NOVAHOST_BUILD_TOKEN: request.token,
      NOVAHOST_WORKDIR: path.join(workdir, 'work'),
    };
    // Let a build reuse the machine's npm cache and registry settings.
    // Where the registry is and which CAs to trust (machines behind a
    // TLS-inspecting proxy); the build program passes them on to installs.
    for (const key of Object.keys(process.env)) {
      if (
        /^npm_config_(registry|cache|cafile)$/i.test(key) ||
        /^(NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR)$/.test(key)
      ) {
        env[key] = process.env[key];
      }
    }
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
