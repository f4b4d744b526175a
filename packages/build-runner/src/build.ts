import { mkdirSync, realpathSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { ApiError } from './api.ts';
import type { BuildApi } from './api.ts';
import type { BuildSpec } from './protocol.ts';
import { detectOutputDirectory, frameworkName, planBuild } from './detect.ts';
import { run, StepError } from './exec.ts';
import { UNSANDBOXED_NOTICE, type SandboxOptions } from './sandbox.ts';
import type { LogShipper } from './logShipper.ts';
import { collectOutput, mapLimit } from './manifest.ts';
import { readFile } from 'node:fs/promises';

export interface BuildOptions {
  api: BuildApi;
  log: LogShipper;
  /** An empty directory the build may use. */
  workdir: string;
  /** Environment entries passed through to install and build (registry, cache). */
  passEnv?: NodeJS.ProcessEnv;
  /** Where the install and build commands run (see sandboxFromEnv). */
  sandbox?: SandboxOptions | 'off';
  signal?: AbortSignal;
  uploadConcurrency?: number;
}

export type BuildResult =
  | { ok: true; url: string; commitSha: string }
  | { ok: false; error: string; exitCode: number | null };

/** Hides credentials in URLs (`https://user:token@host` → `https://***@host`). */
export function redactUrl(url: string): string {
  return url.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi, '$1***@');
}

const SHA_RE = /^[0-9a-f]{7,64}$/i;

/** Resolves `rel` under `root` and checks that, with symlinks resolved, it stays inside. */
function insideRepo(root: string, rel: string, what: string): string {
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

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 ** 2).toFixed(1)} MiB`;
}

/**
 * The whole build: clone at the ref, install, build, upload the output
 * through the backend's upload protocol, finalize. Every step's output is
 * the build log. A failed step fails the build with its exit code and the
 * tail of its output.
 */
export async function runBuild(options: BuildOptions): Promise<BuildResult> {
  const { api, log, workdir } = options;
  const started = Date.now();
  const spec: BuildSpec = await api.spec();
  const deadline = started + spec.timeoutSeconds * 1000;
  const remaining = () => Math.max(1000, deadline - Date.now());

  const home = join(workdir, 'home');
  const repo = join(workdir, 'repo');
  mkdirSync(home, { recursive: true });
  mkdirSync(repo, { recursive: true });

  const gitEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    LANG: process.env.LANG ?? 'C.UTF-8',
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
  };
  const step = (
    label: string,
    cmd: string,
    args: string[],
    cwd: string,
    env: NodeJS.ProcessEnv,
    shell = false,
    sandbox?: SandboxOptions,
  ) =>
    run(label, cmd, args, {
      cwd,
      env,
      shell,
      sandbox,
      timeoutMs: remaining(),
      signal: options.signal,
      onLine: (stream, text) => log.line(stream, text),
    });
  const git = (...args: string[]) =>
    step(`git ${args[0]}`, 'git', args, repo, gitEnv);

  try {
    log.system(`Cloning ${redactUrl(spec.repoUrl)} at ${spec.ref}`);
    await git('init', '-q');
    await git('remote', 'add', 'origin', spec.repoUrl);
    try {
      await git('fetch', '-q', '--depth', '1', 'origin', spec.ref);
      await git('checkout', '-q', '--detach', 'FETCH_HEAD');
    } catch (e) {
      // Servers that refuse to serve a commit by its SHA: fetch everything.
      if (!SHA_RE.test(spec.ref)) throw e;
      log.system('Fetching the full history to find the commit');
      await git('fetch', '-q', 'origin');
      await git('checkout', '-q', '--detach', spec.ref);
    }
    const commitSha = await captureHead(repo, gitEnv);
    log.system(`Checked out ${commitSha}`);
    const projectDir = insideRepo(repo, spec.rootDirectory, 'Root directory');
    const plan = planBuild(projectDir, spec);
    // Lines before events: a viewer sees the output that led to a phase first.
    await log.flush();
    await api.event({
      type: 'phase',
      phase: 'building',
      commitSha,
      ...(plan.framework ? { framework: plan.framework } : {}),
    });
    const buildEnv: NodeJS.ProcessEnv = {
      ...options.passEnv,
      PATH: process.env.PATH,
      HOME: home,
      TMPDIR: join(workdir, 'tmp'),
      LANG: process.env.LANG ?? 'C.UTF-8',
      CI: '1',
      NOVAHOST: '1',
      NOVAHOST_GIT_COMMIT_SHA: commitSha,
      NOVAHOST_GIT_REF: spec.ref,
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
      ...spec.env,
    };
    mkdirSync(buildEnv.TMPDIR!, { recursive: true });
    if (plan.packageManager) {
      log.system(`Detected ${plan.packageManager}`);
    }
    if (plan.framework) {
      log.system(`Detected ${frameworkName(plan.framework)}`);
    }
    /** The project's install or build command, run by the shell. */
    const command = (what: 'Install' | 'Build', line: string) => {
      log.system(`Running ${what.toLowerCase()} command: ${line}`);
      return step(
        `${what} command \`${line}\``,
        line,
        [],
        projectDir,
        buildEnv,
        true,
        options.sandbox === 'off' ? undefined : options.sandbox,
      );
    };
    if (options.sandbox === 'off') log.system(UNSANDBOXED_NOTICE);
    if (plan.install) {
      await command('Install', plan.install);
    }
    if (plan.build) {
      await command('Build', plan.build);
    } else {
      log.system('No build command: publishing the files as they are');
    }

    const outRel = detectOutputDirectory(projectDir, spec.outputDirectory);
    const outDir = insideRepo(projectDir, outRel, 'Output directory');
    await log.flush();
    await api.event({ type: 'phase', phase: 'uploading' });
    const output = await collectOutput(outDir);
    for (const skipped of output.skipped) {
      log.system(
        `Skipping ${skipped}: not a regular file (symbolic links are not published)`,
      );
    }
    if (output.files.size === 0) {
      throw new StepError(`Output directory '${outRel}' is empty`, null);
    }
    let total = 0;
    const files: Record<string, { hash: string; size: number }> = {};
    for (const [key, f] of output.files) {
      files[key] = { hash: f.hash, size: f.size };
      total += f.size;
    }
    log.system(
      `Output: ${output.files.size} files, ${formatBytes(total)} in ${outRel}`,
    );
    const { missing } = await api.manifest(files);
    const byHash = new Map([...output.files.values()].map(f => [f.hash, f]));
    const newBytes = missing.reduce(
      (n, t) => n + (byHash.get(t.hash)?.size ?? 0),
      0,
    );
    log.system(
      `Uploading ${missing.length} new files (${formatBytes(newBytes)}); ${
        new Set(Object.values(files).map(f => f.hash)).size - missing.length
      } already stored`,
    );
    await mapLimit(missing, options.uploadConcurrency ?? 8, async target => {
      const file = byHash.get(target.hash);
      if (!file)
        throw new Error(`the backend asked for an unknown blob ${target.hash}`);
      await api.upload(target, await readFile(file.absolute));
    });
    // The last line: finalize ends the build token's validity.
    log.system(
      `Uploaded; build took ${((Date.now() - started) / 1000).toFixed(1)}s`,
    );
    await log.flush();
    const result = await api.finalize();
    return { ok: true, url: result.url, commitSha };
  } catch (e) {
    if (e instanceof StepError) {
      const error = [e.message, ...e.tail].join('\n');
      return { ok: false, error, exitCode: e.exitCode };
    }
    if (e instanceof ApiError) {
      return { ok: false, error: e.message, exitCode: null };
    }
    return {
      ok: false,
      error: `Build program error: ${(e as Error)?.message ?? e}`,
      exitCode: null,
    };
  }
}

function captureHead(repo: string, env: NodeJS.ProcessEnv): Promise<string> {
  let sha = '';
  return run('git rev-parse', 'git', ['rev-parse', 'HEAD'], {
    cwd: repo,
    env,
    onLine: (_s, text) => {
      if (/^[0-9a-f]{40,64}$/.test(text.trim())) sha = text.trim();
    },
  }).then(() => sha);
}
