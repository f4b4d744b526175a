import { execFileSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';

const git = (cwd: string, ...args: string[]) =>
  execFileSync(
    'git',
    ['-c', 'user.email=test@novahost.dev', '-c', 'user.name=Test', ...args],
    { cwd, encoding: 'utf8' },
  ).trim();

/** What {@link createSiteRepo} writes. */
export type SiteRepoOptions = {
  files: Record<string, string>;
  lines?: number;
  delayMs?: number;
  failWith?: number;
  /** Written to package.json (not installed: give the project an install command). */
  devDependencies?: Record<string, string>;
  /** A build.js of the test's own instead (it may still read ./site.json). */
  buildJs?: string;
};

/**
 * A real git repository whose `npm run build` writes `dist/`. `build.js`
 * prints `lines` log lines, `delayMs` apart, before writing the output.
 */
export function createSiteRepo(options: SiteRepoOptions): {
  dir: string;
  head: () => string;
  commit: (files: Record<string, string>) => string;
  /** Checks out `branch`, creating it from HEAD when it does not exist. */
  checkout: (branch: string) => void;
} {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'novahost-repo-'));
  const write = (files: Record<string, string>) =>
    fs.writeFileSync(
      path.join(dir, 'site.json'),
      JSON.stringify(files, null, 2),
    );
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({
      name: 'site',
      version: '1.0.0',
      private: true,
      scripts: { build: 'node build.js' },
      ...(options.devDependencies
        ? { devDependencies: options.devDependencies }
        : {}),
    }),
  );
  fs.writeFileSync(
    path.join(dir, 'package-lock.json'),
    JSON.stringify({
      name: 'site',
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: { '': { name: 'site', version: '1.0.0' } },
    }),
  );
  fs.writeFileSync(
    path.join(dir, 'build.js'),
    options.buildJs ??
      `
const fs = require('fs');
const path = require('path');
const files = require('./site.json');
const lines = ${options.lines ?? 3};
const delay = ${options.delayMs ?? 0};
let i = 0;
function next() {
  if (i < lines) {
    i++;
    console.log('build line ' + i + ' of ' + lines);
    return setTimeout(next, delay);
  }
  ${
    options.failWith
      ? `console.error('something broke'); process.exit(${options.failWith});`
      : ''
  }
  for (const [name, content] of Object.entries(files)) {
    const target = path.join('dist', name);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
  }
  console.log('wrote ' + Object.keys(files).length + ' files');
}
next();
`,
  );
  write(options.files);
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'initial');
  return {
    dir,
    head: () => git(dir, 'rev-parse', 'HEAD'),
    commit: (files: Record<string, string>) => {
      write(files);
      git(dir, 'commit', '-q', '-am', 'change');
      return git(dir, 'rev-parse', 'HEAD');
    },
    checkout: (branch: string) => {
      const exists = git(dir, 'branch', '--list', branch) !== '';
      git(dir, 'checkout', '-q', ...(exists ? [] : ['-b']), branch);
    },
  };
}
