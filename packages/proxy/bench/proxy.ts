/* eslint-disable no-console */
/**
 * yarn bench:proxy — the Novahost proxy (local store) against nginx serving
 * the same files from disk, and a naive proxy that forwards every request
 * to an origin (the seed design) as the lower anchor. One load generator
 * (wrk) drives all three in the same run; prints requests/s, p99 and the
 * ratios to nginx. nginx and wrk come from Debian (installed when missing
 * and running as root).
 */
import {
  type ChildProcess,
  execFile,
  execFileSync,
  spawn,
  spawnSync,
} from 'node:child_process';
import { promisify } from 'node:util';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore, project, startFakeBackend } from '../src/testUtils';
import { runMain } from './runMain';

const execFileAsync = promisify(execFile);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

function ensureTools() {
  const missing = ['nginx', 'wrk'].filter(
    tool =>
      spawnSync('sh', ['-c', `command -v ${tool} || test -x /usr/sbin/${tool}`])
        .status !== 0,
  );
  if (!missing.length) return;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `install ${missing.join(
        ' and ',
      )} first: sudo apt-get install -y nginx-light wrk`,
    );
  }
  console.log(`installing ${missing.join(', ')} from Debian…`);
  execFileSync('sh', [
    '-c',
    'apt-get install -y nginx-light wrk >/dev/null 2>&1 || (apt-get update >/dev/null && apt-get install -y nginx-light wrk >/dev/null)',
  ]);
}

async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>(r => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise(r => s.close(r));
  return port;
}

/** A Node.js process with the same TypeScript loader as this script. */
function spawnNode(args: string[]) {
  return spawn(
    process.execPath,
    [
      '--require',
      require.resolve('@backstage/cli/config/nodeTransform.cjs'),
      ...args,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, LOG_LEVEL: 'warn' },
    },
  );
}

/** The first line a child prints: the port it listens on. */
function firstLine(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', chunk => {
      out += chunk;
      if (out.includes('\n')) resolve(Number(out.split('\n')[0]));
    });
    child.once('exit', code => reject(new Error(`server exited with ${code}`)));
  });
}

async function waitForReady(url: string) {
  for (let i = 0; i < 200; i++) {
    const ok = await fetch(url).then(
      r => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise(r => setTimeout(r, 100));
  }
  throw new Error(`${url} did not become ready`);
}

/** Runs wrk in its own process; async, so the proxies in this process keep serving. */
async function wrk(port: number, path: string, seconds = SECONDS) {
  const { stdout: out } = await execFileAsync(
    'wrk',
    [
      '-t1',
      `-c${CONNECTIONS}`,
      `-d${seconds}s`,
      '--latency',
      '-H',
      'Host: bench.localhost',
      `http://127.0.0.1:${port}${path}`,
    ],
    { encoding: 'utf8' },
  );
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p99raw = /99%\s+([\d.]+)(us|ms|s)/.exec(out);
  const unit =
    { us: 0.001, ms: 1, s: 1000 }[p99raw?.[2] as 'us' | 'ms' | 's'] ?? NaN;
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  return { rps, p99: Number(p99raw?.[1]) * unit, non2xx };
}

async function main() {
  ensureTools();
  const files: Record<string, string> = {
    'index.html': `<!doctype html><title>bench</title>${'<p>hello</p>'.repeat(
      80,
    )}`,
    'assets/app.js': `console.log(${JSON.stringify('x'.repeat(4000))});`,
  };
  const store = createStore();
  const id = store.deploy(files);
  const root = mkdtempSync(join(tmpdir(), 'novahost-bench-nginx-'));
  chmodSync(root, 0o755); // nginx's workers run as another user
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), content);
  }

  // nginx, one worker (the Novahost proxy is one process too).
  const nginxPort = await freePort();
  const conf = join(root, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes 1; daemon off; pid ${root}/nginx.pid; error_log ${root}/error.log;
     events { worker_connections 1024; }
     http { access_log off; sendfile on; tcp_nopush on; keepalive_requests 100000;
       client_body_temp_path ${root}/tmp; proxy_temp_path ${root}/tmp; fastcgi_temp_path ${root}/tmp;
       uwsgi_temp_path ${root}/tmp; scgi_temp_path ${root}/tmp;
       types { text/html html; text/javascript js; }
       server { listen 127.0.0.1:${nginxPort}; root ${root}; } }`,
  );
  mkdirSync(join(root, 'tmp'), { recursive: true });
  const nginx = spawn('nginx', ['-c', conf, '-p', root], { stdio: 'inherit' });
  await new Promise(r => setTimeout(r, 500));

  const backend = await startFakeBackend('t', {
    version: 1,
    generatedAt: '',
    projects: [project('bench', id)],
  });

  // Every server runs in its own process, as it is deployed: the proxy's
  // heap and event loop hold only the proxy, not this harness.
  const proxyPort = await freePort();
  const adminPort = await freePort();
  const proxyConfig = join(root, 'novahost-proxy.yaml');
  writeFileSync(
    proxyConfig,
    JSON.stringify({
      novahost: {
        proxy: {
          baseDomain: 'localhost',
          listen: { port: proxyPort, host: '127.0.0.1' },
          admin: { port: adminPort, host: '127.0.0.1' },
          backendUrl: backend.url,
          token: 't',
          // nginx runs with access_log off; so does the proxy here.
          accessLog: false,
        },
        store: { type: 'local', local: { directory: store.dir } },
      },
    }),
  );
  const children = [
    nginx,
    spawnNode(['packages/proxy/src/main.ts', '--config', proxyConfig]),
  ];
  await waitForReady(`http://127.0.0.1:${adminPort}/readyz`);
  const naive = spawnNode([
    'packages/proxy/bench/servers.ts',
    'naive',
    String(nginxPort),
  ]);
  const trivial = spawnNode(['packages/proxy/bench/servers.ts', 'min', root]);
  children.push(naive, trivial);
  const naivePort = await firstLine(naive);
  const trivialPort = await firstLine(trivial);
  const proxy = { port: proxyPort };

  console.log(
    `wrk: 1 thread, ${CONNECTIONS} connections, ${SECONDS}s per run, median of ${ROUNDS} interleaved rounds; nginx and the proxies on one worker each`,
  );
  let ok = true;
  // Warm-up (JIT, caches, connection pools), not reported.
  for (const port of [nginxPort, proxy.port, naivePort, trivialPort]) {
    for (const path of ['/index.html', '/assets/app.js']) {
      await wrk(port, path, 2);
    }
  }
  // Rounds interleave the servers, so a slow moment of this shared machine
  // hits all of them alike; each figure is the median over the rounds.
  type Result = Awaited<ReturnType<typeof wrk>>;
  const servers = {
    nginx: nginxPort,
    novahost: proxy.port,
    naive: naivePort,
    'node-min': trivialPort,
  };
  const median = (values: number[]) =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  for (const path of ['/index.html', '/assets/app.js']) {
    const runs: Record<string, Result[]> = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, port] of Object.entries(servers)) {
        (runs[name] ??= []).push(await wrk(port, path));
      }
    }
    const results = Object.fromEntries(
      Object.entries(runs).map(([name, rs]) => [
        name,
        {
          rps: median(rs.map(r => r.rps)),
          p99: median(rs.map(r => r.p99)),
          non2xx: rs.reduce((sum, r) => sum + r.non2xx, 0),
        },
      ]),
    );
    for (const [name, r] of Object.entries(results)) {
      console.log(
        `${path.padEnd(16)} ${name.padEnd(9)} ${r.rps
          .toFixed(0)
          .padStart(7)} req/s  p99 ${r.p99.toFixed(2).padStart(7)} ms  ${(
          r.rps / results.nginx.rps
        ).toFixed(2)}x nginx req/s  ${(r.p99 / results.nginx.p99).toFixed(
          2,
        )}x nginx p99${r.non2xx ? `  non-2xx ${r.non2xx}` : ''}`,
      );
    }
    const rpsRatio = results.novahost.rps / results.nginx.rps;
    const p99Ratio = results.novahost.p99 / results.nginx.p99;
    ok &&= rpsRatio >= 0.6 && p99Ratio <= 2;
  }
  console.log(
    `target (>= 0.6x nginx req/s, <= 2x nginx p99 on small files): ${
      ok ? 'met' : 'NOT met'
    }`,
  );

  console.log(
    'node-min: a bare Node.js server answering from memory, the ceiling of any Node.js proxy here',
  );
  for (const child of children) child.kill();
  await backend.stop();
  rmSync(root, { recursive: true, force: true });
}

runMain(main);
