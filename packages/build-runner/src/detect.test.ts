import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  detectFramework,
  detectOutputDirectory,
  frameworkName,
  planBuild,
} from './detect.ts';

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
      framework: null,
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

describe('detectFramework', () => {
  const deps = (dependencies: object, devDependencies: object = {}) =>
    JSON.stringify({ name: 'x', dependencies, devDependencies });

  it.each([
    [{ next: '15', react: '19' }, {}, 'nextjs', 'Next.js'],
    [{ nuxt: '3' }, { vite: '6' }, 'nuxtjs', 'Nuxt'],
    [{ astro: '5' }, { vite: '6' }, 'astro', 'Astro'],
    [{}, { '@sveltejs/kit': '2', vite: '6' }, 'sveltekit', 'SvelteKit'],
    [
      { '@remix-run/react': '2' },
      { '@remix-run/dev': '2', vite: '6' },
      'remix',
      'Remix',
    ],
    [{ gatsby: '5', react: '18' }, {}, 'gatsby', 'Gatsby'],
    [{ '@docusaurus/core': '3', react: '18' }, {}, 'docusaurus', 'Docusaurus'],
    [{}, { vitepress: '1', vue: '3' }, 'vitepress', 'VitePress'],
    [{}, { '@11ty/eleventy': '3' }, 'eleventy', 'Eleventy'],
    [{ '@angular/core': '19' }, { '@angular/cli': '19' }, 'angular', 'Angular'],
    [
      { 'react-scripts': '5', react: '18' },
      {},
      'create-react-app',
      'Create React App',
    ],
    [{ vue: '3' }, { '@vue/cli-service': '5' }, 'vue', 'Vue CLI'],
    [{ react: '19' }, { vite: '6', vitest: '3' }, 'vite', 'Vite'],
    [{ vite: '6' }, {}, 'vite', 'Vite'],
  ])('%p + dev %p is %p', (dependencies, devDependencies, id, name) => {
    const framework = detectFramework(
      dirWith({ 'package.json': deps(dependencies, devDependencies) }),
    );
    expect(framework).toBe(id);
    expect(frameworkName(framework!)).toBe(name);
  });

  it('knows Angular workspaces by angular.json', () => {
    expect(
      detectFramework(
        dirWith({
          'package.json': deps({ '@angular/core': '19' }),
          'angular.json': '{}',
        }),
      ),
    ).toBe('angular');
  });

  it('is null for plain sites, unknown stacks and broken package.json', () => {
    expect(detectFramework(dirWith({ 'index.html': '' }))).toBeNull();
    expect(
      detectFramework(dirWith({ 'package.json': deps({ express: '5' }) })),
    ).toBeNull();
    expect(
      detectFramework(dirWith({ 'package.json': '{ not json' })),
    ).toBeNull();
    expect(
      detectFramework(
        dirWith({ 'package.json': JSON.stringify({ dependencies: ['vite'] }) }),
      ),
    ).toBeNull();
    // A dependency named in scripts only does not count.
    expect(detectFramework(dirWith({ 'package.json': pkg() }))).toBeNull();
  });

  it('is part of the build plan', () => {
    expect(
      planBuild(dirWith({ 'package.json': deps({}, { vite: '6' }) }), none),
    ).toMatchObject({ packageManager: 'npm', framework: 'vite' });
  });
});
