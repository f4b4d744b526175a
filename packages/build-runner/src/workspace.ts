/**
 * The build's work directory, shared by the three steps (on Kubernetes an
 * emptyDir volume of the pod):
 *
 *   repo/         the checkout (written by `clone`)
 *   home/, tmp/   HOME and TMPDIR of the install and build commands
 *   tools/bin/    the build's pnpm and yarn (corepack shims, toolchain.ts)
 *   plan.json     what `clone` hands to `build` (handoff.ts)
 *   result.json   what `build` hands to `publish` (handoff.ts)
 *
 * Everything in it is writable by the untrusted build step, so the trusted
 * `publish` step resolves every path itself and checks it against the
 * real (symlink-free) location of the checkout.
 */
import { realpathSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { ApiError } from './api.ts';
import { StepError } from './exec.ts';

export function workspace(workdir: string) {
  return {
    repo: join(workdir, 'repo'),
    home: join(workdir, 'home'),
    tmp: join(workdir, 'tmp'),
    tools: join(workdir, 'tools'),
    plan: join(workdir, 'plan.json'),
    result: join(workdir, 'result.json'),
  };
}

/** Hides credentials in URLs (`https://user:token@host` → `https://***@host`). */
export function redactUrl(url: string): string {
  return url.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi, '$1***@');
}

/**
 * The checkout's directory, refusing one that the build step replaced by a
 * symbolic link (which would make "inside the repository" mean anywhere).
 */
export function repoRoot(workdir: string): string {
  const expected = join(realpathSync(workdir), 'repo');
  let real: string;
  try {
    real = realpathSync(workspace(workdir).repo);
  } catch {
    throw new StepError('The checkout is gone', null);
  }
  if (real !== expected) {
    throw new StepError('The checkout was replaced by a link', null);
  }
  return real;
}

/** Resolves `rel` under `root` and checks that, with symlinks resolved, it stays inside. */
export function insideRepo(root: string, rel: string, what: string): string {
  const target = resolve(root, rel || '.');
  let real: string;
  try {
    real = realpathSync(target);
  } catch {
    throw new StepError(`${what} '${rel || '.'}' does not exist`, null);
  }
  const realRoot = realpathSync(root);
  if (real !== realRoot && !real.startsWith(realRoot + sep)) {
    throw new StepError(`${what} '${rel}' points outside the repository`, null);
  }
  if (!statSync(real).isDirectory()) {
    throw new StepError(`${what} '${rel}' is not a directory`, null);
  }
  return real;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 ** 2).toFixed(1)} MiB`;
}

/** How a step failed, for the `failed` event: message, output tail, exit code. */
export function failureOf(e: unknown): {
  error: string;
  exitCode: number | null;
} {
  if (e instanceof StepError) {
    return { error: [e.message, ...e.tail].join('\n'), exitCode: e.exitCode };
  }
  if (e instanceof ApiError) {
    return { error: e.message, exitCode: null };
  }
  return {
    error: `Build program error: ${(e as Error)?.message ?? e}`,
    exitCode: null,
  };
}
