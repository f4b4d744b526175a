import {
  existsSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  baseSpec,
  fakeBackend,
  git,
  repoWith,
  TOKEN,
} from './__testUtils__/backend.ts';
import { runProgramOnPath } from './__testUtils__/program.ts';
import { LOG_SEQ_BASE } from './protocol.ts';

jest.setTimeout(60_000);

/** Runs the program as the pod's containers do: one process per command. */
const program = runProgramOnPath;

/**
 * A build script that looks for the token everywhere a process can: its
 * environment and that of every process above it.
 */
const HUNT = `
const fs = require('fs');
const token = ${JSON.stringify(TOKEN)};
const names = Object.keys(process.env).filter(k => /TOKEN|NOVAHOST_API/.test(k));
console.log('env: ' + (names.join(',') || 'none'));
let pid = process.pid, found = [];
while (pid > 1) {
  let environ = '', status = '';
  try { environ = fs.readFileSync('/proc/' + pid + '/environ', 'utf8'); } catch {}
  try { status = fs.readFileSync('/proc/' + pid + '/status', 'utf8'); } catch { break; }
  if (environ.includes(token) || environ.includes('NOVAHOST_BUILD_TOKEN')) found.push(pid);
  pid = Number(/PPid:\\s+(\\d+)/.exec(status)[1]);
}
console.log('environ: ' + (found.length ? 'token in ' + found : 'clean'));
console.error('to stderr');
fs.mkdirSync('dist', { recursive: true });
fs.writeFileSync('dist/index.html', '<p>split</p>');
`;

async function setup(buildJs: string, spec: object = {}) {
  const repo = repoWith(buildJs);
  const backend = await fakeBackend({
    ...baseSpec,
    repoUrl: repo,
    ...spec,
  });
  const secrets = mkdtempSync(join(tmpdir(), 'novahost-br-secret-'));
  writeFileSync(join(secrets, 'token'), `${TOKEN}\n`);
  const workdir = mkdtempSync(join(tmpdir(), 'novahost-br-split-'));
  const trusted = {
    NOVAHOST_API_URL: backend.api,
    NOVAHOST_DEPLOYMENT_ID: 'd1',
    NOVAHOST_BUILD_TOKEN_FILE: join(secrets, 'token'),
    NOVAHOST_WORKDIR: workdir,
  };
  return {
    repo,
    backend,
    workdir,
    trusted,
    untrusted: { NOVAHOST_WORKDIR: workdir },
  };
}

describe('the build as three commands', () => {
  it('clones with the token, builds without it, publishes with it', async () => {
    const s = await setup(HUNT);
    try {
      const clone = await program('clone', s.trusted);
      expect(clone).toMatchObject({ code: 0 });
      const plan = readFileSync(join(s.workdir, 'plan.json'), 'utf8');
      expect(plan).not.toContain(TOKEN);
      expect(JSON.parse(plan)).toMatchObject({
        commitSha: git(s.repo, 'rev-parse', 'HEAD'),
        build: 'npm run build',
        projectDir: '',
      });
      expect(s.backend.state.events).toEqual([
        {
          type: 'phase',
          phase: 'building',
          commitSha: git(s.repo, 'rev-parse', 'HEAD'),
        },
      ]);
      const cloneLines = s.backend.state.lines.length;
      expect(s.backend.state.lines[0].seq).toBe(LOG_SEQ_BASE.clone + 1);

      const build = await program('build', s.untrusted);
      expect(build.code).toBe(0);
      const out = build.stdout.split('\n');
      expect(out).toContain('sys Running build command: npm run build');
      expect(out).toContain('out env: none');
      expect(out).toContain('out environ: clean');
      expect(out).toContain('err to stderr');
      expect(build.stdout + build.stderr).not.toContain(TOKEN);
      // It talked to nobody.
      expect(s.backend.state.lines).toHaveLength(cloneLines);
      expect(s.backend.state.events).toHaveLength(1);
      expect(
        JSON.parse(readFileSync(join(s.workdir, 'result.json'), 'utf8')),
      ).toEqual({ ok: true });

      const publish = await program('publish', s.trusted);
      expect(publish).toMatchObject({ code: 0 });
      expect(s.backend.state.events[1]).toEqual({
        type: 'phase',
        phase: 'uploading',
      });
      expect(s.backend.state.finalized).toBe(true);
      expect(Object.keys(s.backend.state.manifest!)).toEqual(['index.html']);
      const published = s.backend.state.lines.slice(cloneLines);
      expect(published[0].seq).toBe(LOG_SEQ_BASE.publish + 1);
      expect(published.map(l => l.text)).toContain(
        'Output: 1 files, 12 B in dist',
      );
      expect(s.backend.state.unauthorized).toBe(0);
    } finally {
      await s.backend.close();
    }
  });

  it('has a token hunt that finds a token in reach (one unsandboxed process)', async () => {
    const s = await setup(HUNT);
    try {
      const all = await program('all', {
        ...s.trusted,
        NOVAHOST_BUILD_TOKEN_FILE: undefined,
        NOVAHOST_BUILD_TOKEN: TOKEN,
        NOVAHOST_SANDBOX: 'off',
      });
      expect(all.code).toBe(0);
      const texts = s.backend.state.lines.map(l => l.text);
      expect(texts).toContain('env: none');
      expect(texts.find(t => t.startsWith('environ: '))).toMatch(
        /^environ: token in \d+/,
      );
    } finally {
      await s.backend.close();
    }
  });

  it('refuses to run the build step with a token in reach', async () => {
    const s = await setup(HUNT);
    try {
      expect((await program('clone', s.trusted)).code).toBe(0);
      for (const env of [
        { NOVAHOST_BUILD_TOKEN: TOKEN },
        { NOVAHOST_BUILD_TOKEN_FILE: s.trusted.NOVAHOST_BUILD_TOKEN_FILE },
      ]) {
        const run = await program('build', { ...s.untrusted, ...env });
        expect(run.code).toBe(2);
        expect(run.stderr).toMatch(/must run without the build token/);
      }
      expect(existsSync(join(s.workdir, 'result.json'))).toBe(false);
      expect((await program('nonsense', {})).code).toBe(2);
    } finally {
      await s.backend.close();
    }
  });

  it('reports a failed build step from publish, with the exit code', async () => {
    const s = await setup(
      `console.log('step 1'); console.error('boom'); process.exit(3);`,
    );
    try {
      expect((await program('clone', s.trusted)).code).toBe(0);
      const build = await program('build', s.untrusted);
      expect(build.code).toBe(0);
      expect(build.stdout).toContain('err boom');
      const publish = await program('publish', s.trusted);
      expect(publish.code).toBe(1);
      expect(s.backend.state.events[1]).toEqual({
        type: 'failed',
        exitCode: 3,
        error: expect.stringMatching(
          /^Build command `npm run build` exited with code 3\n[\s\S]*boom/,
        ),
      });
      expect(s.backend.state.finalized).toBe(false);
    } finally {
      await s.backend.close();
    }
  });

  it('publishes nothing the build step pointed outside the checkout', async () => {
    // The output directory links to the token's directory.
    const s = await setup('// replaced below');
    try {
      const secretDir = resolve(s.trusted.NOVAHOST_BUILD_TOKEN_FILE, '..');
      writeFileSync(
        join(s.repo, 'build.js'),
        `require('fs').symlinkSync(${JSON.stringify(secretDir)}, 'dist');`,
      );
      git(s.repo, 'commit', '-q', '-am', 'link');
      expect((await program('clone', s.trusted)).code).toBe(0);
      expect((await program('build', s.untrusted)).code).toBe(0);
      expect((await program('publish', s.trusted)).code).toBe(1);
      expect(s.backend.state.events[1]).toMatchObject({
        type: 'failed',
        error: "Output directory 'dist' points outside the repository",
      });
      expect(s.backend.state.manifest).toBeUndefined();

      // A forged success and the checkout swapped for a link to the secrets.
      writeFileSync(join(s.workdir, 'result.json'), '{"ok":true}');
      renameSync(join(s.workdir, 'repo'), join(s.workdir, 'old'));
      symlinkSync(secretDir, join(s.workdir, 'repo'));
      expect((await program('publish', s.trusted)).code).toBe(1);
      expect(s.backend.state.events[2]).toMatchObject({
        type: 'failed',
        error: 'The checkout was replaced by a link',
      });
      expect(s.backend.state.manifest).toBeUndefined();
      expect(s.backend.state.uploads.size).toBe(0);
    } finally {
      await s.backend.close();
    }
  });

  it('fails clearly when the Secret is not mounted', async () => {
    const s = await setup(HUNT);
    try {
      const run = await program('clone', {
        ...s.trusted,
        NOVAHOST_BUILD_TOKEN_FILE: join(s.workdir, 'no-such-token'),
      });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(
        /build token file .* cannot be read \(is the build's Secret missing\?\): ENOENT/,
      );
      expect(s.backend.state.events).toEqual([]);
    } finally {
      await s.backend.close();
    }
  });
});
