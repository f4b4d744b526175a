import { TestDatabases } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import {
  cacheArchiveKey,
  LocalArtifactStore,
  readS3StoreOptions,
  S3ArtifactStore,
} from '@internal/plugin-novahost-node';
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import fs from 'fs';
import { Knex } from 'knex';
import os from 'os';
import path from 'path';
import { Readable } from 'stream';
import {
  Deployment,
  NovahostTestBackend,
  startNovahostTestBackend,
  user,
} from './__testUtils__/backend';
import { startS3Server } from './__testUtils__/s3';

/**
 * Issue 16: the build cache on real builds (local runner, sandboxed), on
 * both database engines, with the local store and an S3-protocol server:
 * saved after a successful build, restored by the next, keyed by the
 * lockfile, skipped when corrupt or poisoned, evicted over the cap, never
 * written by previews into the production branch nor used by forks, and
 * skipped by a redeploy without cache.
 */
jest.setTimeout(300_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

/** A dependency install: new content the first time, kept when restored. */
const INSTALL_JS = `
const fs = require('fs'), crypto = require('crypto'), path = require('path');
const marker = 'node_modules/dep/installed.txt';
if (fs.existsSync(marker)) {
  console.log('install: node_modules reused (' + fs.readFileSync(marker, 'utf8') + ')');
} else {
  fs.mkdirSync('node_modules/dep', { recursive: true });
  const lock = crypto.createHash('sha256').update(fs.readFileSync('package-lock.json')).digest('hex');
  fs.writeFileSync(marker, 'lock ' + lock.slice(0, 8));
  fs.writeFileSync('node_modules/dep/blob.bin', crypto.randomBytes(40 * 1024));
  console.log('install: fresh');
}
const pm = path.join(process.env.HOME, '.npm/_cacache/index-v5/marker');
console.log('package cache: ' + (fs.existsSync(pm) ? 'warm' : 'cold'));
fs.mkdirSync(path.dirname(pm), { recursive: true });
fs.writeFileSync(pm, 'x');
`;

/** A framework cache that counts the builds it has seen. */
const BUILD_JS = `
const fs = require('fs');
const f = 'node_modules/.cache/site/builds';
fs.mkdirSync('dist', { recursive: true });
if (fs.existsSync('.count')) {
  const n = fs.existsSync(f) ? Number(fs.readFileSync(f, 'utf8')) + 1 : 1;
  fs.mkdirSync('node_modules/.cache/site', { recursive: true });
  fs.writeFileSync(f, String(n));
  console.log('framework cache: build ' + n);
} else {
  console.log('framework cache: untouched');
}
fs.writeFileSync('dist/index.html', 'built');
`;

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], {
    cwd,
    encoding: 'utf8',
  }).trim();

function cacheSiteRepo() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'novahost-cache-repo-'));
  const lock = (extra: object) =>
    fs.writeFileSync(
      path.join(dir, 'package-lock.json'),
      JSON.stringify({
        name: 'site',
        lockfileVersion: 3,
        requires: true,
        packages: { '': { name: 'site' } },
        ...extra,
      }),
    );
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'site', private: true }),
  );
  fs.writeFileSync(path.join(dir, 'install.js'), INSTALL_JS);
  fs.writeFileSync(path.join(dir, 'build.js'), BUILD_JS);
  lock({});
  fs.writeFileSync(path.join(dir, '.count'), '');
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'init');
  return {
    dir,
    /** Whether the build counts its builds in its framework cache (not part of the key). */
    counting(on: boolean) {
      if (on) fs.writeFileSync(path.join(dir, '.count'), '');
      else fs.rmSync(path.join(dir, '.count'));
      git(dir, 'add', '-A');
      git(dir, 'commit', '-q', '-m', on ? 'count' : 'do not count');
    },
    changeLockfile() {
      lock({ changed: Date.now() });
      git(dir, 'commit', '-q', '-am', 'lockfile');
    },
    branch(name: string) {
      git(dir, 'checkout', '-q', '-b', name);
      fs.writeFileSync(path.join(dir, 'feature.txt'), name);
      git(dir, 'add', '-A');
      git(dir, 'commit', '-q', '-m', name);
      git(dir, 'checkout', '-q', 'main');
    },
  };
}

/** A gzip tar whose entries climb out of the checkout and link out of it. */
function poisonedArchive(): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'novahost-poison-'));
  fs.mkdirSync(path.join(dir, 'repo/node_modules'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'repo/node_modules/evil.js'), 'pwned');
  const file = path.join(dir, 'poison.tgz');
  execFileSync('tar', [
    '-czf',
    file,
    '-C',
    dir,
    '--transform',
    's,^repo/node_modules/evil.js,repo/node_modules/../../../novahost-escaped.js,',
    'repo/node_modules/evil.js',
  ]);
  return fs.readFileSync(file);
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

type StoreKind = 'local' | 's3';

// Each engine with the local store, and the S3 protocol on Postgres (the
// production pairing): the store side does not depend on the engine.
describe.each(
  databases
    .eachSupportedId()
    .flatMap(([id]) =>
      (id === 'POSTGRES_15' ? ['local', 's3'] : ['local']).map(
        store => [id, store as StoreKind] as const,
      ),
    ),
)('build cache (%p, %s store)', (id, storeKind) => {
  let knex: Knex;
  let nh: NovahostTestBackend;
  let s3: Awaited<ReturnType<typeof startS3Server>> | undefined;

  beforeAll(async () => {
    knex = await databases.init(id);
    s3 = storeKind === 's3' ? await startS3Server() : undefined;
    nh = await startNovahostTestBackend({
      knex,
      novahost: {
        builds: {
          timeoutSeconds: 90,
          // Two entries fit, a third evicts the least recently used.
          cache: { maxBytesPerProject: 100 * 1024, maxEntryBytes: 100 * 1024 },
        },
        runner: { type: 'local' },
        ...(s3 ? { store: s3.storeConfig() } : {}),
      },
    });
  });
  afterAll(async () => {
    await nh?.stop();
    await s3?.close();
  });

  /** Where the store keeps an archive's bytes on disk. */
  const archivePath = (hash: string) =>
    s3
      ? path.join(
          s3.directory,
          s3.bucket,
          `${cacheArchiveKey(hash)}._S3rver_object`,
        )
      : path.join(nh.storeDir, cacheArchiveKey(hash));
  const entries = async (projectId: string) =>
    knex('novahost_build_caches')
      .where({ project_id: projectId })
      .orderBy('created_at');
  const storedLog = async (d: Deployment) =>
    (
      await knex('novahost_deployment_logs')
        .where({ deployment_id: d.id })
        .orderBy('seq')
    ).map(r => r.text as string);
  const ended = (d: Deployment) =>
    nh.waitForDeployment(
      d.id,
      x => ['ready', 'failed', 'canceled'].includes(x.status),
      {
        timeoutMs: 120_000,
      },
    );
  const build = async (created: Deployment) => {
    const done = await ended(created);
    expect([done.status, done.error]).toEqual(['ready', null]);
    return { deployment: done, log: await storedLog(done) };
  };
  const line = (log: string[], re: RegExp) => log.find(l => re.test(l));

  it('saves, restores, falls back, skips and evicts entries, and keeps previews and forks out of production', async () => {
    const repo = cacheSiteRepo();
    const project = await nh.createProject({
      name: `cache-${storeKind}`,
      repoUrl: repo.dir,
      installCommand: 'node install.js',
      buildCommand: 'node build.js',
      outputDirectory: 'dist',
    });

    // 1. Cold: nothing to restore; the cache is saved for main.
    const first = await build(await nh.deploy(project.id));
    expect(
      line(first.log, /^No build cache yet for key [0-9a-f]{12}$/),
    ).toBeDefined();
    expect(first.log).toEqual(
      expect.arrayContaining([
        'install: fresh',
        'package cache: cold',
        'framework cache: build 1',
      ]),
    );
    expect(
      line(first.log, /^Saved build cache \(.+, key [0-9a-f]{12}\) for main: /),
    ).toBeDefined();
    const [a1] = await entries(project.id);
    expect(a1).toMatchObject({ branch: 'main' });
    expect(fs.existsSync(archivePath(a1.archive_hash))).toBe(true);

    // 2. Warm: restored (same key), node_modules reused; the entry is replaced.
    const second = await build(await nh.deploy(project.id));
    expect(
      line(
        second.log,
        new RegExp(
          `^Restored build cache \\(.+, key ${a1.key.slice(
            0,
            12,
          )}\\) from main; \\d+ files`,
        ),
      ),
    ).toBeDefined();
    expect(second.log).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^install: node_modules reused/),
        'package cache: warm',
        'framework cache: build 2',
      ]),
    );
    const [a2] = await entries(project.id);
    expect(a2.key).toBe(a1.key);
    expect(a2.archive_hash).not.toBe(a1.archive_hash);
    expect(fs.existsSync(archivePath(a1.archive_hash))).toBe(false);

    // 2b. A build that changes nothing of its cache keeps the entry's archive.
    repo.counting(false);
    const unchanged = await build(await nh.deploy(project.id));
    expect(unchanged.log).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^install: node_modules reused/),
        'framework cache: untouched',
      ]),
    );
    expect(
      line(
        unchanged.log,
        new RegExp(
          `^Build cache unchanged \\(.+, key ${a1.key.slice(
            0,
            12,
          )}\\): kept for main`,
        ),
      ),
    ).toBeDefined();
    expect(line(unchanged.log, /^Saved build cache/)).toBeUndefined();
    expect((await entries(project.id)).map(e => e.archive_hash)).toEqual([
      a2.archive_hash,
    ]);
    repo.counting(true);

    // 3. A lockfile change: the newest entry (another key) gives its caches, not node_modules.
    repo.changeLockfile();
    const third = await build(await nh.deploy(project.id));
    expect(
      line(
        third.log,
        /^Restored build cache .* from main: the newest entry, for another lockfile/,
      ),
    ).toBeDefined();
    expect(third.log).toEqual(
      expect.arrayContaining([
        'install: fresh',
        'package cache: warm',
        'framework cache: build 3',
      ]),
    );
    const afterLockChange = await entries(project.id);
    expect(afterLockChange).toHaveLength(2);
    const k2 = afterLockChange[1];
    expect(k2.key).not.toBe(a1.key);

    // 4. Corrupt bytes in the stored archive: skipped, the build succeeds.
    const stored = archivePath(k2.archive_hash);
    const bytes = fs.readFileSync(stored);
    bytes[bytes.length >> 1] ^= 0xff;
    fs.writeFileSync(stored, bytes);
    const fourth = await build(await nh.deploy(project.id));
    expect(
      line(
        fourth.log,
        /^Build cache skipped: the archive of key [0-9a-f]{12} is corrupt/,
      ),
    ).toBeDefined();
    expect(fourth.log).toEqual(
      expect.arrayContaining(['install: fresh', 'framework cache: build 1']),
    );

    // 5. A preview reads main's entry and writes only its own branch's; over the cap, the least recently used goes.
    repo.branch('feature');
    const mainBefore = (await entries(project.id)).filter(
      e => e.branch === 'main',
    );
    const preview = await build(
      await nh.deploy(project.id, { ref: 'feature' }),
    );
    expect(preview.deployment.target).toBe('preview');
    expect(
      line(preview.log, /^Restored build cache \(.+\) from main; /),
    ).toBeDefined();
    expect(
      line(
        preview.log,
        /^Saved build cache .* for feature: .*; removed 1 older entries over the project's cap$/,
      ),
    ).toBeDefined();
    const afterPreview = await entries(project.id);
    expect(afterPreview.map(e => e.branch).sort()).toEqual(['feature', 'main']);
    const mainAfter = afterPreview.find(e => e.branch === 'main');
    // main's newest entry untouched (same row, same archive); its older one evicted with its archive.
    expect(mainAfter).toMatchObject({
      id: mainBefore[1].id,
      archive_hash: mainBefore[1].archive_hash,
    });
    expect(fs.existsSync(archivePath(mainBefore[0].archive_hash))).toBe(false);

    // 6. A fork's pull request: neither restores nor saves.
    await knex('novahost_deployments')
      .where({ id: preview.deployment.id })
      .update({ pr_number: 9, fork: true });
    const forkRes = await nh.api
      .post(`/api/novahost/deployments/${preview.deployment.id}/redeploy`)
      .set(user)
      .send({});
    expect(forkRes.status).toBe(202);
    const fork = await build(forkRes.body);
    expect(
      line(
        fork.log,
        /^Build cache skipped: pull requests from forks build without the cache/,
      ),
    ).toBeDefined();
    expect(
      line(
        fork.log,
        /^Build cache not saved: a pull request from a fork never writes the cache$/,
      ),
    ).toBeDefined();
    expect(fork.log).toContain('install: fresh');
    expect(await entries(project.id)).toEqual(afterPreview);

    // 7. Redeploy without cache: nothing restored, a fresh entry saved.
    const noCacheRes = await nh.api
      .post(`/api/novahost/deployments/${fourth.deployment.id}/redeploy`)
      .set(user)
      .send({ cache: false });
    expect(noCacheRes.status).toBe(202);
    const noCache = await build(noCacheRes.body);
    expect(
      line(
        noCache.log,
        /^Build cache skipped: this deployment builds without the cache \(redeploy without cache\)$/,
      ),
    ).toBeDefined();
    expect(noCache.log).toEqual(
      expect.arrayContaining(['install: fresh', 'framework cache: build 1']),
    );
    expect(line(noCache.log, /^Saved build cache .* for main: /)).toBeDefined();

    // 8. A poisoned archive (entries climbing out of the checkout): refused, nothing escapes.
    const poison = poisonedArchive();
    const hash = sha256(poison);
    const current = (await entries(project.id)).find(e => e.branch === 'main')!;
    const store = s3
      ? new S3ArtifactStore(
          readS3StoreOptions(
            new ConfigReader({ novahost: { store: s3.storeConfig() } }),
          ),
        )
      : new LocalArtifactStore(nh.storeDir);
    await store.caches!.put(hash, Readable.from([poison]), 2 ** 20);
    await knex('novahost_build_caches')
      .where({ id: current.id })
      .update({ archive_hash: hash, size: poison.length });
    const poisoned = await build(await nh.deploy(project.id));
    expect(
      line(
        poisoned.log,
        /^Build cache skipped: the archive was refused: unsafe path 'repo\/node_modules\/\.\.\/\.\.\/\.\.\/novahost-escaped\.js'$/,
      ),
    ).toBeDefined();
    expect(poisoned.log).toContain('install: fresh');
    expect(fs.existsSync(path.join(os.tmpdir(), 'novahost-escaped.js'))).toBe(
      false,
    );

    // 9. A deleted project's archives go with it.
    const archives = (await entries(project.id)).map(e => e.archive_hash);
    expect(archives.length).toBeGreaterThan(0);
    const del = await nh.api
      .delete(`/api/novahost/projects/${project.id}`)
      .set(user);
    expect(del.status).toBe(204);
    expect(await entries(project.id)).toEqual([]);
    for (const h of archives) expect(fs.existsSync(archivePath(h))).toBe(false);
  });
});
