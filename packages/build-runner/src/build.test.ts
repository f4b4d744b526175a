import { createHash } from 'node:crypto';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BuildApi } from './api.ts';
import { runBuild } from './build.ts';
import { LogShipper } from './logShipper.ts';
import {
  baseSpec,
  fakeBackend,
  git,
  repoWith,
  TOKEN,
} from './__testUtils__/backend.ts';

// Real git and real builds: a loaded 2-core machine needs more than 5 s.
jest.setTimeout(60_000);

const sha256 = (b: string | Buffer) =>
  createHash('sha256').update(b).digest('hex');

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
