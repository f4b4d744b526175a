/* eslint-disable no-console */
/**
 * yarn bench:proxy — the Novahost proxy (local store) against nginx serving
 * the same files from disk, and a naive proxy that forwards every request
 * to an origin (the seed design) as the lower anchor. One load generator
 * (wrk) drives all three in the same run; prints requests/s, p99 and the
 * ratios to nginx. nginx and wrk come from Debian (installed when missing
 * and running as root).
 */
import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
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
import httpProxy from 'http-proxy';
import { startProxy } from '../src/proxy';
import {
  createStore,
  project,
  startFakeBackend,
} from '../src/__testUtils__/fixtures';

const execFileAsync = promisify(execFile);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);

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
  const proxy = await startProxy(
    {
      baseDomain: 'localhost',
      listen: { port: 0, host: '127.0.0.1' },
      admin: { port: 0, host: '127.0.0.1' },
      backendUrl: backend.url,
      token: 't',
      routesCacheFile: undefined,
      store: { type: 'local', directory: store.dir },
      accessLog: false,
    },
    // nginx runs with access_log off; so does the proxy here.
    { debug() {}, info() {}, warn() {}, error() {} },
  );

  // The seed design: every request forwarded to an origin.
  const naiveProxy = httpProxy.createProxyServer({
    target: `http://127.0.0.1:${nginxPort}`,
    agent: new http.Agent({ keepAlive: true, maxSockets: 64 }),
  });
  const naive = http.createServer((req, res) => naiveProxy.web(req, res));
  await new Promise<void>(r => naive.listen(0, '127.0.0.1', r));
  const naivePort = (naive.address() as AddressInfo).port;

  // The ceiling of any Node.js HTTP server on this machine: the same bytes
  // from memory with no routing at all.
  const trivialBodies = new Map(
    Object.entries(files).map(([name, content]) => [
      `/${name}`,
      Buffer.from(content),
    ]),
  );
  const trivial = http.createServer((req, res) => {
    const body = trivialBodies.get(req.url ?? '') ?? Buffer.alloc(0);
    res.writeHead(200, {
      'Content-Type': 'text/html',
      'Content-Length': body.length,
    });
    res.end(body);
  });
  await new Promise<void>(r => trivial.listen(0, '127.0.0.1', r));
  const trivialPort = (trivial.address() as AddressInfo).port;

  console.log(
    `wrk: 1 thread, ${CONNECTIONS} connections, ${SECONDS}s per run; nginx and the proxies on one worker each`,
  );
  let ok = true;
  // Warm-up (JIT, caches, connection pools), not reported.
  for (const port of [nginxPort, proxy.port, naivePort, trivialPort]) {
    for (const path of ['/index.html', '/assets/app.js']) {
      await wrk(port, path, 2);
    }
  }
  for (const path of ['/index.html', '/assets/app.js']) {
    const results = {
      nginx: await wrk(nginxPort, path),
      novahost: await wrk(proxy.port, path),
      naive: await wrk(naivePort, path),
      'node-min': await wrk(trivialPort, path),
    };
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

  naive.close();
  trivial.close();
  console.log(
    'node-min: a bare Node.js server answering from memory, the ceiling of any Node.js proxy here',
  );
  naiveProxy.close();
  await proxy.close();
  await backend.stop();
  nginx.kill();
  rmSync(root, { recursive: true, force: true });
}

main().then(
  () => process.exit(0),
  e => {
    console.error(e);
    process.exit(1);
  },
);
