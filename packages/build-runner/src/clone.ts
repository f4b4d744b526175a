/**
 * The `clone` step (trusted: it holds the build token and the repository
 * credential): fetches the spec, checks the ref out into the work
 * directory, plans the install and build, reports the `building` phase. Its
 * result is the plan for the build step, which holds no platform credential
 * (only the project's own variables, see handoff.ts).
 */
import { mkdirSync, realpathSync } from 'node:fs';
import { relative } from 'node:path';
import type { BuildApi } from './api.ts';
import { restoreCache } from './buildCache.ts';
import { installOverRestored } from './cacheRoots.ts';
import { frameworkName, planBuild } from './detect.ts';
import { run, StepError } from './exec.ts';
import { chooseNode } from './nodeVersion.ts';
import { toolSettingsFromEnv, type ToolSettings } from './toolchain.ts';
import { credentialSecrets, gitAuthEnv, refusedByHost } from './gitAuth.ts';
import type { BuildPlanFile } from './handoff.ts';
import type { LogShipper } from './logShipper.ts';
import type { RepoAccess } from './protocol.ts';
import { redact, secretForms } from './redact.ts';
import { insideRepo, redactUrl, workspace } from './workspace.ts';

export interface CloneOptions {
  api: BuildApi;
  log: LogShipper;
  /** The build's work directory (workspace.ts). */
  workdir: string;
  /** The Node.js installations and defaults of this runner (toolchain.ts). */
  tools?: ToolSettings;
  signal?: AbortSignal;
}

const SHA_RE = /^[0-9a-f]{7,64}$/i;

const refused = (e: unknown) =>
  e instanceof StepError && refusedByHost([e.message, ...e.tail]);

/**
 * A failed fetch as the build reports it: without the credential (git
 * echoes URLs and server messages), and when the host refused to serve the
 * repository, with the backend's line naming the host and what to configure.
 */
function fetchFailure(
  e: unknown,
  access: RepoAccess | undefined,
  secrets: string[],
): unknown {
  if (!(e instanceof StepError)) return e;
  const clean = (text: string) => redact(text, secrets);
  const message = access && refused(e) ? access.hint : e.message;
  return new StepError(clean(message), e.exitCode, e.tail.map(clean));
}

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
  const credential = spec.repoAccess?.credential;
  const secrets = credential ? credentialSecrets(credential) : [];
  log.addSecrets(secrets);
  // The project's secret variables, in every form the build may print them.
  const secretEnv = (spec.secretEnv ?? []).filter(n => n in spec.env);
  log.addSecrets(secretEnv.flatMap(n => secretForms(spec.env[n])));
  // Only the processes that talk to the host get the credential.
  const fetchEnv = credential
    ? { ...gitEnv, ...gitAuthEnv(spec.repoUrl, credential) }
    : gitEnv;
  const gitWith = (env: NodeJS.ProcessEnv, args: string[]) =>
    run(`git ${args[0]}`, 'git', args, {
      cwd: ws.repo,
      env,
      timeoutMs: Math.max(1000, deadline - Date.now()),
      signal: options.signal,
      onLine: (stream, text) => log.line(stream, text),
    });
  const git = (...args: string[]) => gitWith(gitEnv, args);
  const gitFetch = (...args: string[]) => gitWith(fetchEnv, ['fetch', ...args]);

  log.system(`Cloning ${redactUrl(spec.repoUrl)} at ${spec.ref}`);
  await git('init', '-q');
  await git('remote', 'add', 'origin', spec.repoUrl);
  try {
    try {
      await gitFetch('-q', '--depth', '1', 'origin', spec.ref);
      await git('checkout', '-q', '--detach', 'FETCH_HEAD');
    } catch (e) {
      // Servers that refuse to serve a commit by its SHA: fetch everything.
      if (!SHA_RE.test(spec.ref) || refused(e)) throw e;
      log.system('Fetching the full history to find the commit');
      await gitFetch('-q', 'origin');
      await git('checkout', '-q', '--detach', spec.ref);
    }
  } catch (e) {
    throw fetchFailure(e, spec.repoAccess, secrets);
  }
  const commitSha = await captureHead(ws.repo, gitEnv);
  log.system(`Checked out ${commitSha}`);
  const projectDir = insideRepo(ws.repo, spec.rootDirectory, 'Root directory');
  const repoDir = realpathSync(ws.repo);
  const plan = planBuild(projectDir, spec, repoDir);
  // Only what runs commands needs a Node; the refusal fails the build here.
  const node =
    plan.install || plan.build
      ? chooseNode({
          projectDir,
          repoRoot: repoDir,
          available: (options.tools ?? toolSettingsFromEnv({})).nodes,
          defaultSpec: options.tools?.defaultNode,
        })
      : undefined;
  // Lines before events: a viewer sees the output that led to a phase first.
  await log.flush();
  await api.event({
    type: 'phase',
    phase: 'building',
    commitSha,
    ...(plan.framework ? { framework: plan.framework } : {}),
  });
  if (plan.packageManager) {
    log.system(
      `Detected ${plan.packageManager.name} (${plan.packageManager.source})`,
    );
  }
  if (plan.framework) log.system(`Detected ${frameworkName(plan.framework)}`);
  if (node) log.system(node.line);
  const projectRel = relative(repoDir, projectDir);
  // Before the build step installs: the trusted step, with the token.
  const cache = await restoreCache({
    api,
    log,
    workdir: options.workdir,
    repoDir,
    subject: {
      projectDir: projectRel,
      packageManager: plan.packageManager,
      framework: plan.framework,
    },
    node: node?.node.version,
  });
  const install = cache.nodeModules
    ? installOverRestored(plan.install, spec.installCommand)
    : plan.install;
  if (install !== plan.install) {
    log.system(
      `node_modules is restored for this lockfile: installing with \`${install}\` over it (\`${plan.install}\` would delete it first)`,
    );
  }
  return {
    version: 1,
    commitSha,
    ref: spec.ref,
    projectDir: projectRel,
    install,
    build: plan.build,
    ...(node ? { node: node.node.version } : {}),
    packageManager: plan.packageManager,
    env: spec.env,
    secretEnv,
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
