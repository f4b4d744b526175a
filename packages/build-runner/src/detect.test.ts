import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectOutputDirectory, planBuild } from './detect.ts';

function dirWith(files: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'novahost-detect-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

const pkg = (extra: object = {}) =>
  JSON.stringify({ name: 'x', scripts: { build: 'vite build' }, ...extra });
const none = { installCommand: null, buildCommand: null };

describe('planBuild', () => {
  it.each([
    [
      { 'package.json': pkg(), 'package-lock.json': '{}' },
      'npm',
      'npm ci',
      'npm run build',
    ],
    [{ 'package.json': pkg() }, 'npm', 'npm install', 'npm run build'],
    [
      { 'package.json': pkg(), 'pnpm-lock.yaml': '' },
      'pnpm',
      'pnpm install --frozen-lockfile',
      'pnpm run build',
    ],
    [
      { 'package.json': pkg(), 'yarn.lock': '' },
      'yarn',
      'yarn install --frozen-lockfile',
      'yarn run build',
    ],
    [
      { 'package.json': pkg(), 'yarn.lock': '', '.yarnrc.yml': '' },
      'yarn',
      'yarn install --immutable',
      'yarn run build',
    ],
    [
      { 'package.json': pkg(), 'bun.lock': '' },
      'bun',
      'bun install --frozen-lockfile',
      'bun run build',
    ],
    [
      { 'package.json': pkg({ packageManager: 'pnpm@9.0.0' }) },
      'pnpm',
      'pnpm install',
      'pnpm run build',
    ],
    [
      { 'package.json': pkg({ scripts: {} }), 'package-lock.json': '{}' },
      'npm',
      'npm ci',
      null,
    ],
    [{ 'index.html': '' }, null, null, null],
  ])('%p', (files, pm, install, buildCmd) => {
    expect(planBuild(dirWith(files), none)).toEqual({
      packageManager: pm,
      install,
      build: buildCmd,
    });
  });

  it('prefers the project settings', () => {
    const dir = dirWith({ 'package.json': pkg(), 'package-lock.json': '{}' });
    expect(
      planBuild(dir, { installCommand: 'make deps', buildCommand: 'make' }),
    ).toMatchObject({
      install: 'make deps',
      build: 'make',
    });
  });
});

describe('detectOutputDirectory', () => {
  it('takes the configured one, then conventions, then the project itself', () => {
    expect(
      detectOutputDirectory(dirWith({ 'build/a': '', 'dist/b': '' }), null),
    ).toBe('dist');
    expect(detectOutputDirectory(dirWith({ 'build/a': '' }), null)).toBe(
      'build',
    );
    expect(detectOutputDirectory(dirWith({ 'out/a': '' }), 'site')).toBe(
      'site',
    );
    expect(detectOutputDirectory(dirWith({ 'index.html': '' }), null)).toBe(
      '.',
    );
    expect(
      detectOutputDirectory(dirWith({ dist: 'a file, not a dir' }), null),
    ).toBe('.');
  });
});
