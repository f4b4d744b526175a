import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BuildApi } from './api.ts';
import type { ShippedLine } from './protocol.ts';
import { runBuild } from './build.ts';
import { LogShipper } from './logShipper.ts';

// Real git and real builds: a loaded 2-core machine needs more than 5 s.
jest.setTimeout(60_000);

const TOKEN = 'sekret-build-token-0123456789';
const sha256 = (b: string | Buffer) =>
  createHash('sha256').update(b).digest('hex');

function git(cwd: string, ...args: string[]) {
  return execFileSync(
    'git',
    ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args],
    {
      cwd,
      encoding: 'utf8',
    },
  ).trim();
}

function repoWith(buildJs: string, extra: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'novahost-br-repo-'));
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: 'x',
      private: true,
      scripts: { build: 'node build.js' },
    }),
  );
  writeFileSync(join(dir, 'build.js'), buildJs);
  for (const [k, v] of Object.entries(extra)) writeFileSync(join(dir, k), v);
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'init');
  return dir;
}

/** A real HTTP server speaking the backend's side of the build protocol. */
async function fakeBackend(spec: object, known: string[] = []) {
  const state = {
    lines: [] as ShippedLine[],
    events: [] as any[],
    manifest: undefined as
      | undefined
      | Record<string, { hash: string; size: number }>,
    uploads: new Map<string, Buffer>(),
    finalized: false,
    unauthorized: 0,
  };
  let base = '';
  const server: Server = createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      state.unauthorized++;
      res.writeHead(401).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = req.url!.replace('/api/novahost/internal/builds/d1', '');
      const json = (v: unknown) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(v));
      };
      if (path === '/spec') return json({ deploymentId: 'd1', ...spec });
      if (path === '/logs') {
        state.lines.push(...JSON.parse(body.toString()).lines);
        return res.writeHead(204).end();
      }
      if (path === '/events') {
        state.events.push(JSON.parse(body.toString()));
        return res.writeHead(204).end();
      }
      if (path === '/manifest') {
        state.manifest = JSON.parse(body.toString()).files;
        const hashes = new Set(Object.values(state.manifest!).map(f => f.hash));
        return json({
          missing: [...hashes]
            .filter(h => !known.includes(h))
            .map(hash => ({
              hash,
              method: 'PUT',
              url: `${base}/blobs/${hash}`,
            })),
        });
      }
      if (path.startsWith('/blobs/')) {
        state.uploads.set(path.slice('/blobs/'.length), body);
        return res.writeHead(204).end();
      }
      if (path === '/finalize') {
        state.finalized = true;
        return json({ status: 'ready', url: 'http://x-d1.localhost' });
      }
      return res.writeHead(404).end();
    });
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const api = `http://127.0.0.1:${
    (server.address() as AddressInfo).port
  }/api/novahost`;
  base = `${api}/internal/builds/d1`;
  return { api, state, close: () => new Promise(r => server.close(r)) };
}

const baseSpec = {
  ref: 'main',
  rootDirectory: '',
  installCommand: null,
  buildCommand: null,
  outputDirectory: null,
  timeoutSeconds: 60,
  env: {},
};

async function build(
  repo: string,
  specOverrides: object = {},
  known: string[] = [],
) {
  const backend = await fakeBackend(
    { ...baseSpec, repoUrl: repo, ...specOverrides },
    known,
  );
  const api = new BuildApi(backend.api, 'd1', TOKEN, { retries: 0 });
  const log = new LogShipper({ send: l => api.logs(l), secrets: [TOKEN] });
  const workdir = mkdtempSync(join(tmpdir(), 'novahost-br-work-'));
  try {
    const result = await runBuild({ api, log, workdir });
    await log.flush();
    return { result, ...backend.state };
  } finally {
    await backend.close();
  }
}

describe('runBuild', () => {
  it('builds, uploads only missing blobs, keeps secrets out, never follows symlinks', async () => {
    process.env.PARENT_SECRET = 'must-not-leak';
    const repo = repoWith(`
      const fs = require('fs');
      fs.mkdirSync('dist/assets', { recursive: true });
      fs.writeFileSync('dist/index.html', '<h1>hi</h1>');
      fs.writeFileSync('dist/assets/app.js', 'known');
      fs.symlinkSync('/etc/hostname', 'dist/leak.txt');
      console.log('env:' + Object.keys(process.env).filter(k => /TOKEN|SECRET/.test(k)).join(','));
      console.log('echo ${TOKEN}');
      console.error('to stderr');
    `);
    const out = await build(repo, {}, [sha256('known')]);
    delete process.env.PARENT_SECRET;

    expect(out.result).toMatchObject({
      ok: true,
      commitSha: git(repo, 'rev-parse', 'HEAD'),
    });
    expect(out.events).toEqual([
      {
        type: 'phase',
        phase: 'building',
        commitSha: git(repo, 'rev-parse', 'HEAD'),
      },
      { type: 'phase', phase: 'uploading' },
    ]);
    expect(Object.keys(out.manifest!).sort()).toEqual([
      'assets/app.js',
      'index.html',
    ]);
    expect([...out.uploads.keys()]).toEqual([sha256('<h1>hi</h1>')]);
    expect(out.uploads.get(sha256('<h1>hi</h1>'))!.toString()).toBe(
      '<h1>hi</h1>',
    );
    expect(out.finalized).toBe(true);

    const text = out.lines.map(l => l.text);
    expect(text).toContain('env:');
    expect(text).toContain('echo ***');
    expect(text.join('\n')).not.toContain(TOKEN);
    expect(out.lines.find(l => l.text === 'to stderr')?.stream).toBe('stderr');
    expect(text.join('\n')).toMatch(/Skipping leak.txt/);
    expect(out.lines.map(l => l.seq)).toEqual(out.lines.map((_, i) => i + 1));
  });

  it('reports the detected framework with the building phase and logs it', async () => {
    const repo = repoWith(
      `require('fs').mkdirSync('dist'); require('fs').writeFileSync('dist/index.html', 'v');`,
      {
        'package.json': JSON.stringify({
          name: 'x',
          private: true,
          scripts: { build: 'node build.js' },
          devDependencies: { vite: '^6.0.0' },
        }),
      },
    );
    const out = await build(repo, { installCommand: 'true' });
    expect(out.result).toMatchObject({ ok: true });
    expect(out.events[0]).toEqual({
      type: 'phase',
      phase: 'building',
      commitSha: git(repo, 'rev-parse', 'HEAD'),
      framework: 'vite',
    });
    expect(out.lines.map(l => l.text)).toContain('Detected Vite');
  });

  it('fails with the exit code and the tail of the output', async () => {
    const repo = repoWith(
      `console.log('step 1'); console.error('boom'); process.exit(3);`,
    );
    const out = await build(repo);
    expect(out.result).toEqual({
      ok: false,
      exitCode: 3,
      error: expect.stringMatching(
        /^Build command `npm run build` exited with code 3\n[\s\S]*boom/,
      ),
    });
    expect(out.finalized).toBe(false);
  });

  it('uses configured commands, root and output directories, and rejects escapes', async () => {
    const repo = repoWith('', { 'placeholder.txt': '' });
    const ok = await build(repo, {
      installCommand: 'true',
      buildCommand: 'mkdir -p out && echo "<p>custom</p>" > out/index.html',
      outputDirectory: 'out',
    });
    expect(ok.result.ok).toBe(true);
    expect(Object.keys(ok.manifest!)).toEqual(['index.html']);

    symlinkSync('/', join(repo, 'root-link'));
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'link');
    const escape = await build(repo, {
      rootDirectory: 'root-link',
      buildCommand: 'true',
    });
    expect(escape.result).toMatchObject({
      ok: false,
      error: expect.stringMatching(/points outside the repository/),
    });

    const missingRef = await build(repo, { ref: 'no-such-branch' });
    expect(missingRef.result).toMatchObject({
      ok: false,
      error: expect.stringMatching(/git fetch/),
    });
  });

  it('publishes a plain static repository as it is', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'novahost-br-static-'));
    writeFileSync(join(dir, 'index.html'), '<p>static</p>');
    git(dir, 'init', '-q', '-b', 'main');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'init');
    const out = await build(dir);
    expect(out.result.ok).toBe(true);
    expect(Object.keys(out.manifest!)).toEqual(['index.html']);
    expect(out.lines.map(l => l.text)).toContain(
      'No build command: publishing the files as they are',
    );
  });
});
