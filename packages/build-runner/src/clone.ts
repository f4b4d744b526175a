/**
 * The `clone` step (trusted: it holds the build token): fetches the spec,
 * checks the ref out into the work directory, plans the install and build,
 * reports the `building` phase. Its result is the plan for the build step,
 * which holds no secret.
 */
import { mkdirSync, realpathSync } from 'node:fs';
import { relative } from 'node:path';
import type { BuildApi } from './api.ts';
import { frameworkName, planBuild } from './detect.ts';
import { run } from './exec.ts';
import type { BuildPlanFile } from './handoff.ts';
import type { LogShipper } from './logShipper.ts';
import { insideRepo, redactUrl, workspace } from './workspace.ts';

export interface CloneOptions {
  api: BuildApi;
  log: LogShipper;
  /** The build's work directory (workspace.ts). */
  workdir: string;
  signal?: AbortSignal;
}

const SHA_RE = /^[0-9a-f]{7,64}$/i;

/** Clones and plans; throws a StepError or ApiError when it cannot. */
export async function runClone(options: CloneOptions): Promise<BuildPlanFile> {
  const { api, log } = options;
  const startedAt = Date.now();
  const spec = await api.spec();
  const deadline = startedAt + spec.timeoutSeconds * 1000;
  const ws = workspace(options.workdir);
  mkdirSync(ws.home, { recursive: true });
  mkdirSync(ws.repo, { recursive: true });
  const gitEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: ws.home,
    LANG: process.env.LANG ?? 'C.UTF-8',
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
  };
  const git = (...args: string[]) =>
    run(`git ${args[0]}`, 'git', args, {
      cwd: ws.repo,
      env: gitEnv,
      timeoutMs: Math.max(1000, deadline - Date.now()),
      signal: options.signal,
      onLine: (stream, text) => log.line(stream, text),
    });

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
  const commitSha = await captureHead(ws.repo, gitEnv);
  log.system(`Checked out ${commitSha}`);
  const projectDir = insideRepo(ws.repo, spec.rootDirectory, 'Root directory');
  const plan = planBuild(projectDir, spec);
  // Lines before events: a viewer sees the output that led to a phase first.
  await log.flush();
  await api.event({
    type: 'phase',
    phase: 'building',
    commitSha,
    ...(plan.framework ? { framework: plan.framework } : {}),
  });
  if (plan.packageManager) log.system(`Detected ${plan.packageManager}`);
  if (plan.framework) log.system(`Detected ${frameworkName(plan.framework)}`);
  return {
    version: 1,
    commitSha,
    ref: spec.ref,
    projectDir: relative(realpathSync(ws.repo), projectDir),
    install: plan.install,
    build: plan.build,
    env: spec.env,
    startedAt,
    deadline,
  };
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
