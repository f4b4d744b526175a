import { execFile } from 'node:child_process';
import path from 'node:path';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';

/** Config key of the directory that holds the local publisher's bare repositories. */
export const LOCAL_REPOS_KEY = 'novahost.scaffolder.localPublisher.directory';

/**
 * The local publisher's directory (absolute), or undefined when it is off.
 * It is on only with the local build runner: build pods of the Kubernetes
 * runner could not clone a path on the backend's machine.
 */
export function localReposDirectory(config: Config): string | undefined {
  const runner = config.getOptionalString('novahost.runner.type') ?? 'local';
  const dir = config.getOptionalString(LOCAL_REPOS_KEY);
  return dir && runner === 'local' ? path.resolve(dir) : undefined;
}

/** Repository names: one path segment, no dot-dot, no leading dash or dot. */
const REPO_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,99}$/;

export function checkRepoName(name: string): string {
  const bare = name.endsWith('.git') ? name.slice(0, -4) : name;
  if (!REPO_NAME_RE.test(bare) || bare.includes('..')) {
    throw new InputError(
      `Invalid repository name '${name}': use letters, digits, '.', '_' and '-' (at most 100), starting with a letter or digit`,
    );
  }
  return bare;
}

/** Runs git without a shell; stdout as a Buffer. Errors carry git's stderr. */
export function git(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      {
        cwd: options.cwd,
        encoding: 'buffer',
        maxBuffer: 64 * 1024 * 1024,
        env: {
          ...process.env,
          // Never prompt, never read the operator's global git settings.
          GIT_TERMINAL_PROMPT: '0',
          GIT_CONFIG_NOSYSTEM: '1',
          GIT_CONFIG_GLOBAL: '/dev/null',
          ...options.env,
        },
      },
      (error, stdout, stderr) => {
        if (error) {
          const message = stderr.toString('utf8').trim() || error.message;
          reject(
            Object.assign(new Error(`git ${args[0]}: ${message}`), {
              stderr: message,
            }),
          );
        } else {
          resolve(stdout);
        }
      },
    );
  });
}

export async function gitText(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
  return (await git(args, options)).toString('utf8').trim();
}
