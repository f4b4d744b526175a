import {
  existsSync,
  mkdtempSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  baseSpec,
  fakeBackend,
  repoWith,
  TOKEN,
} from './__testUtils__/backend.ts';
import { runProgramOnPath } from './__testUtils__/program.ts';

jest.setTimeout(60_000);

const SECRET = 'cms-token: s3cr3t/value+with spaces';
const b64 = Buffer.from(SECRET).toString('base64');
const url = encodeURIComponent(SECRET);

/**
 * A build that prints the secret as it is, in base64 and URL-encoded,
 * prints a plain variable, and writes what it got (and what it saw of the
 * work directory) into its output.
 */
const PRINT = `
const fs = require('fs');
const path = require('path');
const s = process.env.CMS_TOKEN;
console.log('plain ' + process.env.API_URL);
console.log('secret ' + s);
console.error('base64 ' + Buffer.from(s).toString('base64'));
console.log('url ' + encodeURIComponent(s));
if (process.env.FAIL) { console.error('failing with ' + s); process.exit(4); }
const plan = path.resolve('..', 'plan.json');
fs.mkdirSync('dist', { recursive: true });
fs.writeFileSync('dist/env.json', JSON.stringify({
  API_URL: process.env.API_URL,
  CMS_TOKEN_LENGTH: s.length,
  CI: process.env.CI,
  PATH_IS_PLATFORMS: process.env.PATH !== '/evil',
  NOVAHOST_ENV: process.env.NOVAHOST_ENV,
  NOVAHOST_GIT_COMMIT_SHA: process.env.NOVAHOST_GIT_COMMIT_SHA,
  planHoldsSecret: fs.existsSync(plan) && fs.readFileSync(plan, 'utf8').includes(s),
}));
`;

const SPEC = {
  ...baseSpec,
  env: {
    API_URL: 'https://api.example.com',
    CMS_TOKEN: SECRET,
    NOVAHOST_ENV: 'preview',
    // What the backend never sends; the platform's values win anyway.
    CI: 'false',
    PATH: '/evil',
  },
  secretEnv: ['CMS_TOKEN'],
};

const program = runProgramOnPath;

async function setup(env: Record<string, string> = {}) {
  const repo = repoWith(PRINT);
  const backend = await fakeBackend({
    ...SPEC,
    env: { ...SPEC.env, ...env },
    repoUrl: repo,
  });
  const workdir = mkdtempSync(join(tmpdir(), 'novahost-br-vars-'));
  const tokenDir = mkdtempSync(join(tmpdir(), 'novahost-br-secret-'));
  writeFileSync(join(tokenDir, 'token'), TOKEN);
  const trusted = {
    NOVAHOST_API_URL: backend.api,
    NOVAHOST_DEPLOYMENT_ID: 'd1',
    NOVAHOST_BUILD_TOKEN_FILE: join(tokenDir, 'token'),
    NOVAHOST_WORKDIR: workdir,
  };
  return { backend, workdir, trusted };
}

const uploaded = (state: { uploads: Map<string, Buffer> }) =>
  [...state.uploads.values()].map(b => b.toString()).join('\n');

const expectedOutput = {
  API_URL: 'https://api.example.com',
  CMS_TOKEN_LENGTH: SECRET.length,
  CI: '1',
  PATH_IS_PLATFORMS: true,
  NOVAHOST_ENV: 'preview',
  NOVAHOST_GIT_COMMIT_SHA: expect.stringMatching(/^[0-9a-f]{40}$/),
};

describe('project variables in the build', () => {
  it('reach the build step through the plan, which keeps them only until the commands run', async () => {
    const s = await setup();
    try {
      expect((await program('clone', s.trusted)).code).toBe(0);
      const planFile = join(s.workdir, 'plan.json');
      expect(statSync(planFile).mode & 0o777).toBe(0o600);
      expect(JSON.parse(readFileSync(planFile, 'utf8'))).toMatchObject({
        env: SPEC.env,
        secretEnv: ['CMS_TOKEN'],
      });

      const build = await program('build', { NOVAHOST_WORKDIR: s.workdir });
      expect(build.code).toBe(0);
      // The container log (the node keeps it) has every form masked.
      const out = build.stdout.split('\n');
      expect(out).toContain('out plain https://api.example.com');
      expect(out).toContain('out secret ***');
      expect(out).toContain('err base64 ***');
      expect(out).toContain('out url ***');
      for (const form of [SECRET, b64, url]) {
        expect(build.stdout + build.stderr).not.toContain(form);
      }
      const plan = readFileSync(planFile, 'utf8');
      expect(plan).not.toContain(SECRET);
      expect(JSON.parse(plan)).toMatchObject({ env: {}, secretEnv: [] });

      expect((await program('publish', s.trusted)).code).toBe(0);
      expect(existsSync(planFile)).toBe(false);
      expect(Object.keys(s.backend.state.manifest!)).toEqual(['env.json']);
      expect(JSON.parse(uploaded(s.backend.state))).toEqual({
        ...expectedOutput,
        planHoldsSecret: false,
      });
    } finally {
      await s.backend.close();
    }
  });

  it('removes the plan in publish when the build step died before scrubbing it', async () => {
    const s = await setup();
    try {
      expect((await program('clone', s.trusted)).code).toBe(0);
      // No build step ran: no result, the variables still in the plan.
      expect(readFileSync(join(s.workdir, 'plan.json'), 'utf8')).toContain(
        SECRET,
      );
      expect((await program('publish', s.trusted)).code).toBe(1);
      expect(existsSync(join(s.workdir, 'plan.json'))).toBe(false);
    } finally {
      await s.backend.close();
    }
  });

  it('masks a secret in the failure a build ends with, whichever step reports it', async () => {
    const s = await setup({ FAIL: '1' });
    try {
      expect((await program('clone', s.trusted)).code).toBe(0);
      expect(
        (await program('build', { NOVAHOST_WORKDIR: s.workdir })).code,
      ).toBe(0);
      const result = readFileSync(join(s.workdir, 'result.json'), 'utf8');
      expect(result).toContain('failing with ***');
      const publish = await program('publish', s.trusted);
      expect(publish.code).toBe(1);
      expect(publish.stderr).toContain('failing with ***');
      const all = await program('all', {
        ...s.trusted,
        NOVAHOST_WORKDIR: mkdtempSync(join(tmpdir(), 'novahost-br-vars-')),
        NOVAHOST_SANDBOX: 'off',
      });
      expect(all.code).toBe(1);
      expect(all.stderr).toContain('failing with ***');
      const failures = s.backend.state.events.filter(e => e.type === 'failed');
      expect(failures).toHaveLength(2);
      for (const f of failures) expect(f.error).toContain('failing with ***');
      const everything = JSON.stringify([
        s.backend.state,
        result,
        publish,
        all,
      ]);
      for (const form of [SECRET, b64, url]) {
        expect(everything).not.toContain(form);
      }
    } finally {
      await s.backend.close();
    }
  });

  it('masks every form of a secret in the lines one process ships', async () => {
    const s = await setup();
    try {
      const all = await program('all', {
        ...s.trusted,
        NOVAHOST_SANDBOX: 'off',
      });
      expect(all.code).toBe(0);
      const texts = s.backend.state.lines.map(l => l.text);
      expect(texts).toEqual(
        expect.arrayContaining([
          'plain https://api.example.com',
          'secret ***',
          'base64 ***',
          'url ***',
        ]),
      );
      const shipped = JSON.stringify(s.backend.state.lines) + all.stdout;
      for (const form of [SECRET, b64, url]) {
        expect(shipped).not.toContain(form);
      }
      expect(JSON.parse(uploaded(s.backend.state))).toEqual({
        ...expectedOutput,
        planHoldsSecret: false,
      });
    } finally {
      await s.backend.close();
    }
  });
});
