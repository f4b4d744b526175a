import { blobKey, manifestKey } from '@internal/plugin-novahost-common';
import { ChildProcess, spawn } from 'child_process';
import { randomBytes } from 'crypto';
import fs from 'fs';
import http from 'http';
import knexFactory, { Knex } from 'knex';
import { AddressInfo } from 'net';
import os from 'os';
import path from 'path';
import {
  Deployment,
  logTexts,
  NovahostTestBackend,
  startNovahostTestBackend,
  user,
} from './__testUtils__/backend';
import { sandboxReadOnlyPaths } from './runners/LocalBuildRunner';
import {
  createHostileRepo,
  HostileReport,
  HostileTargets,
} from './__testUtils__/hostileRepo';

jest.setTimeout(180_000);

const SECRET = `novahost-test-secret-${randomBytes(12).toString('hex')}`;
const MARKER = `novahost-hostile-${randomBytes(6).toString('hex')}`;
const REPO_ROOT = path.resolve(__dirname, '../../..');
const DAEMON_DELAY_MS = 3000;

/** Host processes whose command line holds `text`. */
function hostProcessesWith(text: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter(name => /^[0-9]+$/.test(name))
    .filter(name => {
      try {
        return fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** The entries of `dir` a sandbox shows: the first steps towards its read-only paths. */
function wayTo(dir: string): string[] {
  return sandboxReadOnlyPaths(os.tmpdir())
    .filter(p => p.startsWith(`${dir}/`))
    .map(p => p.slice(dir.length + 1).split('/')[0]);
}

/**
 * Issue 14: build code is untrusted. On the local runner (the embedded
 * default) each build's commands run in a bubblewrap sandbox; a build that
 * tries every attack of the issue reaches nothing of the host.
 */
describe('builds on the local runner', () => {
  let nh: NovahostTestBackend;
  let knex: Knex;
  let dbDir: string;
  let holder: ChildProcess;
  let server: http.Server;
  let serverUrl: string;
  let backendUrl: string;
  const requests: string[] = [];

  beforeAll(async () => {
    // The backend's own environment, and a process holding a secret in
    // its environment (as the backend does, from its start: values set in
    // process.env later are not in /proc/<pid>/environ).
    process.env.NOVAHOST_TEST_SECRET = SECRET;
    holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
      env: { PATH: process.env.PATH, NOVAHOST_TEST_SECRET: SECRET },
      stdio: 'ignore',
    });
    server = http.createServer((req, res) => {
      requests.push(req.url ?? '');
      res.end('ok');
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // A database in a file, as the embedded default keeps it.
    dbDir = fs.mkdtempSync(path.join(os.tmpdir(), 'novahost-sandbox-db-'));
    knex = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: path.join(dbDir, 'novahost.sqlite') },
      useNullAsDefault: true,
    });
    nh = await startNovahostTestBackend({
      knex,
      novahost: {
        builds: { concurrency: 2, timeoutSeconds: 90 },
        runner: {
          type: 'local',
          local: { egress: { allow: [serverUrl.slice('http://'.length)] } },
        },
      },
    });
    backendUrl = new URL(nh.baseUrl).origin;
  });

  afterAll(async () => {
    await nh?.stop();
    await knex?.destroy();
    holder?.kill();
    server?.close();
    delete process.env.NOVAHOST_TEST_SECRET;
    fs.rmSync(dbDir, { recursive: true, force: true });
    for (const dir of [REPO_ROOT, process.cwd()]) {
      fs.rmSync(path.join(dir, MARKER), { force: true });
    }
  });

  const settled = (id: string) =>
    nh.waitForDeployment(id, d => ['ready', 'failed'].includes(d.status), {
      timeoutMs: 120_000,
    });
  const stored = (deploymentId: string, file: string) => {
    const manifest = JSON.parse(
      fs.readFileSync(
        path.join(nh.storeDir, manifestKey(deploymentId)),
        'utf8',
      ),
    );
    return path.join(nh.storeDir, blobKey(manifest.files[file].hash));
  };

  let victim: { projectId: string; deployment: Deployment };

  it('build a plain site in the sandbox', async () => {
    const { project, deployment } = await nh.deploySite('Victim', {
      files: { 'index.html': '<h1>victim</h1>' },
    });
    const ready = await settled(deployment.id);
    expect(ready).toMatchObject({ status: 'ready', error: null });
    expect(fs.readFileSync(stored(ready.id, 'index.html'), 'utf8')).toBe(
      '<h1>victim</h1>',
    );
    victim = { projectId: project.id, deployment: ready };
  });

  it('keep a hostile build from everything of the host and of other builds', async () => {
    // Another build running at the same time, holding its own token.
    const neighbour = await nh.deploySite('Neighbour', {
      files: { 'index.html': 'neighbour' },
      lines: 400,
      delayMs: 50,
    });
    await nh.waitForDeployment(
      neighbour.deployment.id,
      d => d.status === 'building' && d.commitSha,
    );

    const victimBlob = stored(victim.deployment.id, 'index.html');
    const targets: HostileTargets = {
      pids: { backend: process.pid, secretHolder: holder.pid! },
      files: {
        database: path.join(dbDir, 'novahost.sqlite'),
        appConfig: path.join(REPO_ROOT, 'app-config.yaml'),
        otherProjectBlob: victimBlob,
      },
      dirs: {
        checkout: REPO_ROOT,
        store: nh.storeDir,
        backendCwd: process.cwd(),
      },
      serverUrl,
      backendUrl,
      daemonDelayMs: DAEMON_DELAY_MS,
      marker: MARKER,
    };
    // Every target is there and readable from outside the sandbox: a
    // failed attempt below is the sandbox's doing.
    for (const file of Object.values(targets.files)) {
      expect(fs.readFileSync(file).length).toBeGreaterThan(0);
    }
    for (const pid of Object.values(targets.pids)) {
      expect(fs.readFileSync(`/proc/${pid}/environ`).length).toBeGreaterThan(0);
    }
    expect(fs.readFileSync(`/proc/${holder.pid}/environ`, 'utf8')).toContain(
      SECRET,
    );
    const victimBefore = fs.readFileSync(victimBlob);

    const hostile = await nh.createProject({
      name: 'Hostile',
      repoUrl: createHostileRepo(targets),
    });
    const created = await nh.deploy(hostile.id);
    const done = await settled(created.id);
    const finishedAt = Date.now();
    expect(done).toMatchObject({ status: 'ready', error: null });
    // The two builds overlapped.
    expect((await nh.getDeployment(neighbour.deployment.id)).status).toBe(
      'building',
    );

    const report: HostileReport = JSON.parse(
      fs.readFileSync(stored(done.id, 'report.json'), 'utf8'),
    );
    const everything = JSON.stringify(report);

    // It ran, looked and could reach the network (an allow-listed server,
    // through the egress proxy): the attempts were real.
    expect(report.hello).toEqual({ ok: true });
    expect(report.daemon.running).toBe(true);
    expect(
      report.processes.some(p => p.environ?.includes('NOVAHOST_GIT_REF=main')),
    ).toBe(true);

    // No view of the backend, the build programs (which hold the tokens)
    // or any other process of the host: only the build's own.
    expect(report.environ.backend).toEqual({ ok: false, code: 'ENOENT' });
    expect(report.environ.secretHolder).toEqual({ ok: false, code: 'ENOENT' });
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain('NOVAHOST_TEST_SECRET');
    expect(report.tokens).toEqual([]);
    expect(everything).not.toContain('NOVAHOST_BUILD_TOKEN');
    for (const p of report.processes) {
      expect(p.cmdline).not.toMatch(/jest|main\.ts|novahost-backend/);
    }

    // Nothing of the host to read or write: database, app-config, the
    // store (another project's blob), the checkout, the backend's cwd.
    for (const what of Object.keys(targets.files)) {
      expect([what, report.reads[what].ok]).toEqual([what, false]);
      expect([what, report.writes[what].ok]).toEqual([what, false]);
    }
    for (const [what, dir] of Object.entries(targets.dirs)) {
      // At most the empty way to a read-only path (the backend's Node.js
      // may live under the checkout): no file of the directory.
      const listing = report.listings[what];
      const seen = (listing.ok && listing.entries) || [];
      expect([what, seen.filter(e => !wayTo(dir).includes(e))]).toEqual([
        what,
        [],
      ]);
      expect([what, report.writes[what].ok]).toEqual([what, false]);
      expect(fs.existsSync(path.join(dir, MARKER))).toBe(false);
    }
    // /tmp holds its own work directory only: no other build's.
    const ownBuildDir = path.relative('/tmp', report.workdir).split('/')[0];
    expect(ownBuildDir).toMatch(/^novahost-build-/);
    expect(report.listings.tmp).toEqual({ ok: true, entries: [ownBuildDir] });

    // The backend on the host's loopback is out of reach: the sandbox's
    // loopback is its own, and the egress proxy refuses it (and says so
    // in the build log); no other network at all.
    const refused = `egress to 127.0.0.1:${
      new URL(backendUrl).port
    } refused: loopback`;
    expect(report.network).toEqual({
      backendDirect: { ok: false, code: 'ECONNREFUSED' },
      backendProxied: { ok: false, code: `HTTP 403: ${refused}` },
      tokenProxied: { ok: false, code: `HTTP 403: ${refused}` },
      metadataDirect: { ok: false, code: 'ENETUNREACH' },
    });
    expect(logTexts(await nh.logs(done.id))).toContain(refused);

    // The daemon died with the build: no request, no process left.
    const wait = finishedAt + DAEMON_DELAY_MS + 2000 - Date.now();
    await new Promise(r => setTimeout(r, Math.max(0, wait)));
    expect(requests).toContain('/hello');
    expect(requests).not.toContain('/daemon');
    expect(hostProcessesWith(MARKER)).toEqual([]);

    // Other projects and deployments are as they were.
    expect(fs.readFileSync(victimBlob)).toEqual(victimBefore);
    const victimNow = await nh.getDeployment(victim.deployment.id);
    expect(victimNow).toMatchObject({
      status: 'ready',
      commitSha: victim.deployment.commitSha,
    });
    const victimProject = await nh.api
      .get(`/api/novahost/projects/${victim.projectId}`)
      .set(user);
    expect(victimProject.body.name).toBe('Victim');
    const neighbourDone = await settled(neighbour.deployment.id);
    expect(neighbourDone.status).toBe('ready');
    expect(
      fs.readFileSync(stored(neighbourDone.id, 'index.html'), 'utf8'),
    ).toBe('neighbour');
  });
});

describe('the local runner without a working sandbox', () => {
  const savedPath = process.env.PATH;
  afterEach(() => {
    process.env.PATH = savedPath;
  });

  it('refuses builds with the reason and what to do, and keeps the backend up', async () => {
    // No bwrap on the PATH the runner gives the build program.
    process.env.PATH = path.dirname(process.execPath);
    const nh = await startNovahostTestBackend({
      novahost: { runner: { type: 'local' } },
    });
    try {
      const { deployment } = await nh.deploySite('Refused', {
        files: { 'index.html': 'x' },
      });
      const failed = await nh.waitForDeployment(
        deployment.id,
        d => d.status === 'failed',
      );
      expect(failed.error).toContain(
        'The local runner sandbox (bubblewrap) is unavailable: bwrap was not found on PATH. Install bubblewrap (scripts/setup.sh does) or set novahost.runner.local.sandbox: false to run builds as trusted code',
      );
      expect((await nh.api.get('/api/novahost/health')).status).toBe(200);
    } finally {
      await nh.stop();
    }
  });

  it('with sandbox: false, builds and says in the log that the code ran as trusted code', async () => {
    const nh = await startNovahostTestBackend({
      novahost: { runner: { type: 'local', local: { sandbox: false } } },
    });
    try {
      const { deployment } = await nh.deploySite('Trusted', {
        files: { 'index.html': 'x' },
      });
      const texts = logTexts(await nh.logs(deployment.id));
      expect(texts).toContain(
        'This build runs without the sandbox (novahost.runner.local.sandbox: false): its commands run as trusted code with access to this machine',
      );
      expect((await nh.getDeployment(deployment.id)).status).toBe('ready');
    } finally {
      await nh.stop();
    }
  });
});
