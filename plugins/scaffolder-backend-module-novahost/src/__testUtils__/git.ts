import { execFileSync } from 'node:child_process';

/** git for test fixtures and assertions. */
export const gitSync = (cwd: string, ...args: string[]) =>
  execFileSync(
    'git',
    ['-c', 'user.email=test@novahost.dev', '-c', 'user.name=Test', ...args],
    { cwd, encoding: 'utf8' },
  ).trim();
