/* A local git repository the browser test deploys: a site whose build needs no network. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const git = (dir: string, ...args: string[]) =>
  execFileSync(
    'git',
    [
      '-c',
      'user.name=Novahost E2E',
      '-c',
      'user.email=e2e@novahost.local',
      ...args,
    ],
    { cwd: dir, stdio: 'pipe' },
  )
    .toString()
    .trim();

/** Prints a few numbered lines a second apart (so the log visibly streams), then writes dist/. */
const BUILD_JS = `
const fs = require('fs');
const steps = 6;
let i = 0;
const tick = () => {
  i += 1;
  console.log('build step ' + i + ' of ' + steps);
  if (i < steps) return setTimeout(tick, 1000);
  fs.mkdirSync('dist', { recursive: true });
  fs.copyFileSync('index.html', 'dist/index.html');
  console.log('wrote dist/index.html');
};
tick();
`;

export function siteHtml(version: string): string {
  return `<!doctype html><title>E2E site ${version}</title><h1>Novahost e2e ${version}</h1>\n`;
}

/** Creates the repository with the v1 commit on main; returns the v1 SHA. */
export function createSiteRepo(dir: string): string {
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify(
      { name: 'e2e-site', private: true, scripts: { build: 'node build.js' } },
      null,
      2,
    ),
  );
  writeFileSync(join(dir, 'build.js'), BUILD_JS);
  writeFileSync(join(dir, 'index.html'), siteHtml('v1'));
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'v1');
  return git(dir, 'rev-parse', 'HEAD');
}

/** Commits v2 of the site; returns its SHA. */
export function commitV2(dir: string): string {
  writeFileSync(join(dir, 'index.html'), siteHtml('v2'));
  git(dir, 'commit', '-q', '-am', 'v2');
  return git(dir, 'rev-parse', 'HEAD');
}

/**
 * Commits `version` of the site on a new `branch` made from main, then
 * checks main out again (the other tests commit there); returns its SHA.
 */
export function commitOnBranch(
  dir: string,
  branch: string,
  version: string,
): string {
  git(dir, 'checkout', '-q', '-b', branch, 'main');
  try {
    writeFileSync(join(dir, 'index.html'), siteHtml(version));
    git(dir, 'commit', '-q', '-am', version);
    return git(dir, 'rev-parse', 'HEAD');
  } finally {
    git(dir, 'checkout', '-q', 'main');
  }
}

/** The heading the site shows at `ref`, e.g. `Novahost e2e v2` on main. */
export function siteHeadingAt(dir: string, ref: string): string {
  const html = git(dir, 'show', `${ref}:index.html`);
  const heading = /<h1>(.*)<\/h1>/.exec(html);
  if (!heading) throw new Error(`No <h1> in index.html at ${ref}`);
  return heading[1];
}
