/*
 * Starts a private Novahost stack for the browser tests: the backend (which
 * also serves the built app through app-backend) and the proxy, on free
 * ports, with all state (SQLite, artifacts, build work dirs, the proxy's
 * route cache) in a fresh temp directory. A developer's `make start`
 * (3000/7007/8080/8081) is never touched.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../../..');

export interface Stack {
  /** Backstage (app and API) origin, e.g. http://localhost:41234 */
  baseUrl: string;
  proxyPort: number;
  dir: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => ok(port));
    });
  });
}

async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  alive: () => string | undefined,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = alive();
    if (dead) throw new Error(`${what}: ${dead}`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: timed out`);
    await new Promise(r => setTimeout(r, 500));
  }
}

function run(
  name: string,
  cwd: string,
  args: string[],
  logDir: string,
): ChildProcess {
  const log = createWriteStream(join(logDir, `${name}.log`));
  // Each package's own start script: the backend's is `backstage-cli
  // package start`, the proxy's runs its program, src/main.ts.
  const child = spawn('yarn', ['start', ...args], {
    cwd,
    env: { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // own process group: stop() ends the whole tree
  });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  return child;
}

/** Config of the private stack, layered on the repository's app-config.yaml. */
export function stackConfig(opts: {
  dir: string;
  backendPort: number;
  proxyPort: number;
  adminPort: number;
  catalogFile: string;
}): string {
  const { dir, backendPort, proxyPort, adminPort } = opts;
  const origin = `http://localhost:${backendPort}`;
  return JSON.stringify(
    {
      app: { baseUrl: origin },
      backend: {
        baseUrl: origin,
        listen: { port: backendPort },
        cors: { origin },
        database: {
          client: 'better-sqlite3',
          connection: { directory: join(dir, 'db') },
        },
      },
      catalog: {
        locations: [
          { type: 'file', target: join(ROOT, 'catalog-info.yaml') },
          {
            type: 'file',
            target: join(ROOT, 'catalog/org.yaml'),
            rules: [{ allow: ['User', 'Group'] }],
          },
          { type: 'file', target: opts.catalogFile },
        ],
      },
      novahost: {
        proxy: {
          publicPort: proxyPort,
          listen: { port: proxyPort, host: '127.0.0.1' },
          admin: { port: adminPort, host: '127.0.0.1' },
          backendUrl: `${origin}/api/novahost`,
          routesCacheFile: join(dir, 'proxy-routes.json'),
        },
        runner: { type: 'local', local: { workDirectory: join(dir, 'work') } },
        store: { type: 'local', local: { directory: join(dir, 'artifacts') } },
        // Templates publish here, never into the repository's .novahost/.
        scaffolder: { localPublisher: { directory: join(dir, 'repos') } },
      },
    },
    null,
    2,
  );
}

export async function startStack(opts: {
  dir: string;
  /** Extra catalog entities (YAML) the stack reads. */
  catalogYaml: string;
}): Promise<Stack> {
  const { dir } = opts;
  mkdirSync(join(dir, 'work'), { recursive: true });
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const [backendPort, proxyPort, adminPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const catalogFile = join(dir, 'catalog.yaml');
  writeFileSync(catalogFile, opts.catalogYaml);
  const configFile = join(dir, 'app-config.e2e.json');
  writeFileSync(
    configFile,
    stackConfig({ dir, backendPort, proxyPort, adminPort, catalogFile }),
  );
  const configArgs = [
    '--config',
    join(ROOT, 'app-config.yaml'),
    '--config',
    configFile,
  ];
  const logs = join(dir, 'logs');
  const children = [
    run('backend', join(ROOT, 'packages/backend'), configArgs, logs),
    run('proxy', join(ROOT, 'packages/proxy'), configArgs, logs),
  ];
  // If this process ends without stop() (an interrupted run), take the
  // servers with it.
  const killAll = () => {
    for (const c of children) {
      if (c.exitCode === null && c.pid) {
        try {
          process.kill(-c.pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
    }
  };
  process.once('exit', killAll);
  const exited = () => {
    const c = children.find(ch => ch.exitCode !== null);
    return c ? `a process exited with ${c.exitCode}; see ${logs}` : undefined;
  };
  const stop = async () => {
    for (const c of children) {
      if (c.exitCode === null && c.pid) {
        try {
          process.kill(-c.pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
    }
    await Promise.all(
      children.map(
        c =>
          new Promise<void>(done => {
            if (c.exitCode !== null) {
              done();
              return;
            }
            const force = setTimeout(() => {
              try {
                process.kill(-c.pid!, 'SIGKILL');
              } catch {
                // gone
              }
              done();
            }, 10_000);
            c.on('exit', () => {
              clearTimeout(force);
              done();
            });
          }),
      ),
    );
  };
  const baseUrl = `http://localhost:${backendPort}`;
  try {
    await waitFor(
      'backend',
      async () => (await fetch(`${baseUrl}/api/novahost/health`)).ok,
      240_000,
      exited,
    );
    await waitFor(
      'app (packages/app/dist served by app-backend)',
      async () => {
        const res = await fetch(`${baseUrl}/`);
        return res.ok && (await res.text()).includes('<div id="root">');
      },
      60_000,
      exited,
    );
    await waitFor(
      'proxy',
      async () => (await fetch(`http://127.0.0.1:${adminPort}/healthz`)).ok,
      120_000,
      exited,
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return { baseUrl, proxyPort, dir, stop };
}
