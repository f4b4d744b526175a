/**
 * The program's commands (argv[2]):
 *
 *   all      the whole build in one process (default; the local runner)
 *   clone    trusted: spec, checkout, plan (the build pod's first container)
 *   build    untrusted: install and build, with no credential (the second)
 *   publish  trusted: reports the failure, or uploads and finalizes (the last)
 *
 * Environment:
 *
 *   NOVAHOST_API_URL          the Novahost API (…/api/novahost)
 *   NOVAHOST_DEPLOYMENT_ID    the deployment to build
 *   NOVAHOST_BUILD_TOKEN      the deployment's build token, or
 *   NOVAHOST_BUILD_TOKEN_FILE a file holding it (a Secret volume)
 *   NOVAHOST_WORKDIR          the work directory (default: ./work)
 *   NOVAHOST_SANDBOX(_RO_BINDS)  how to run the user's commands (sandbox.ts)
 *   NOVAHOST_NODE_DIRS        the Node.js installations builds may use
 *   NOVAHOST_DEFAULT_NODE_VERSION, NOVAHOST_COREPACK_INTEGRITY_KEYS
 *                             (nodeVersion.ts, toolchain.ts)
 *
 * `build` needs only NOVAHOST_WORKDIR and refuses to run with a token in
 * reach. Exit codes: 0 done (`build`: whatever the user's commands did; the
 * result file says), 1 failed and reported, 2 could not run or report,
 * 143 canceled.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { BuildApi } from './api.ts';
import { runBuild } from './build.ts';
import { runBuildStep } from './buildStep.ts';
import { runClone } from './clone.ts';
import {
  MAX_ERROR,
  readPlan,
  readResult,
  scrubPlan,
  writeJson,
  type BuildPlanFile,
} from './handoff.ts';
import { LogShipper } from './logShipper.ts';
import { LOG_SEQ_BASE, STEP_LOG_TAGS } from './protocol.ts';
import { runPublish } from './publish.ts';
import { redact, secretForms } from './redact.ts';
import { sandboxFromEnv } from './sandbox.ts';
import { toolSettingsFromEnv } from './toolchain.ts';
import { failureOf, workspace } from './workspace.ts';

export type Command = 'all' | 'clone' | 'build' | 'publish';
export const COMMANDS: Command[] = ['all', 'clone', 'build', 'publish'];

export interface CommandIo {
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  signal?: AbortSignal;
}

/** A fatal condition of the program itself: printed, exit code 2. */
class Fatal extends Error {}

/** The token, from the environment or the Secret volume's file; removed from `env`. */
function takeToken(env: NodeJS.ProcessEnv): string {
  const direct = env.NOVAHOST_BUILD_TOKEN;
  const file = env.NOVAHOST_BUILD_TOKEN_FILE;
  // Nothing this process starts may see the token.
  delete env.NOVAHOST_BUILD_TOKEN;
  delete env.NOVAHOST_BUILD_TOKEN_FILE;
  if (direct) return direct;
  if (!file) {
    throw new Fatal(
      'NOVAHOST_BUILD_TOKEN or NOVAHOST_BUILD_TOKEN_FILE is not set',
    );
  }
  let token = '';
  try {
    token = readFileSync(file, 'utf8').trim();
  } catch (e) {
    throw new Fatal(
      `the build token file ${file} cannot be read (is the build's Secret missing?): ${
        (e as NodeJS.ErrnoException).code ?? e
      }`,
    );
  }
  if (!token) throw new Fatal(`the build token file ${file} is empty`);
  return token;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Fatal(`${name} is not set`);
  return value;
}

/**
 * Builds get a clean environment, except where to find the registry and
 * which certificate authorities to trust (a machine behind a TLS-inspecting
 * proxy cannot install packages without its CA bundle). No secrets.
 */
function passEnvOf(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const passEnv: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env)) {
    if (
      /^npm_config_(registry|cache|cafile)$/i.test(key) ||
      /^(NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR)$/.test(key)
    ) {
      passEnv[key] = value;
    }
  }
  return passEnv;
}

/** The trusted side: the API with the token and a shipper numbering from `seqBase`. */
function trusted(io: CommandIo, seqBase: number) {
  const apiUrl = required(io.env, 'NOVAHOST_API_URL');
  const deploymentId = required(io.env, 'NOVAHOST_DEPLOYMENT_ID');
  const token = takeToken(io.env);
  const api = new BuildApi(apiUrl, deploymentId, token);
  const log = new LogShipper({
    send: lines =>
      api.logs(
        seqBase ? lines.map(l => ({ ...l, seq: l.seq + seqBase })) : lines,
      ),
    secrets: [token],
    echo: line => io.stdout(`${line.text}\n`),
  });
  /** Reports a failure; 1 when the backend has it, 2 when it could not be told. */
  const fail = async (raw: string, exitCode: number | null) => {
    // The tail of the build's output: without its secrets, here too.
    const error = log.mask(raw);
    io.stderr(`${error}\n`);
    try {
      await log.flush().catch(() => {});
      await api.event({
        type: 'failed',
        error: error.slice(0, MAX_ERROR),
        exitCode,
      });
      return 1;
    } catch (e) {
      io.stderr(`novahost-build: could not report the failure: ${e}\n`);
      return 2;
    }
  };
  return { api, log, fail };
}

function workdirOf(env: NodeJS.ProcessEnv): string {
  const workdir = resolve(env.NOVAHOST_WORKDIR ?? 'work');
  mkdirSync(workdir, { recursive: true });
  return workdir;
}

async function all(io: CommandIo): Promise<number> {
  const { api, log, fail } = trusted(io, LOG_SEQ_BASE.clone);
  const workdir = workdirOf(io.env);
  const sandbox = sandboxFromEnv(io.env, workdir);
  const result = await runBuild({
    api,
    log,
    workdir,
    passEnv: passEnvOf(io.env),
    sandbox,
    tools: toolSettingsFromEnv(io.env),
    signal: io.signal,
  });
  if (io.signal?.aborted) return 143;
  if (result.ok) {
    await log.flush().catch(() => {});
    return 0;
  }
  return fail(result.error, result.exitCode);
}

async function clone(io: CommandIo): Promise<number> {
  const { api, log, fail } = trusted(io, LOG_SEQ_BASE.clone);
  const workdir = workdirOf(io.env);
  let plan: BuildPlanFile;
  try {
    plan = await runClone({
      api,
      log,
      workdir,
      tools: toolSettingsFromEnv(io.env),
      signal: io.signal,
    });
  } catch (e) {
    if (io.signal?.aborted) return 143;
    const failure = failureOf(e);
    return fail(failure.error, failure.exitCode);
  }
  writeJson(workspace(workdir).plan, plan, 0o600);
  await log.flush().catch(() => {});
  return 0;
}

async function build(io: CommandIo): Promise<number> {
  if (io.env.NOVAHOST_BUILD_TOKEN || io.env.NOVAHOST_BUILD_TOKEN_FILE) {
    throw new Fatal('the build step must run without the build token');
  }
  const workdir = workdirOf(io.env);
  const ws = workspace(workdir);
  let plan: BuildPlanFile;
  try {
    plan = readPlan(ws.plan);
  } catch (e) {
    throw new Fatal((e as Error).message);
  }
  // The variables live on in this process only; the container log (kept
  // on the node) gets the secret ones masked, as the backend masks again.
  scrubPlan(ws.plan, plan);
  const masks = plan.secretEnv.flatMap(n => secretForms(plan.env[n] ?? ''));
  const sandbox = sandboxFromEnv(io.env, workdir);
  const result = await runBuildStep({
    workdir,
    plan,
    passEnv: passEnvOf(io.env),
    sandbox,
    tools: toolSettingsFromEnv(io.env),
    signal: io.signal,
    emit: (stream, text) => {
      const line = text.replace(/\r$/, '');
      io.stdout(
        `${STEP_LOG_TAGS[stream]} ${
          masks.length ? redact(line, masks) : line
        }\n`,
      );
    },
  });
  if (io.signal?.aborted) return 143;
  // `publish` reports the failure (and prints it into its own log).
  writeJson(
    ws.result,
    result.ok || !masks.length
      ? result
      : { ...result, error: redact(result.error, masks) },
  );
  return 0;
}

async function publish(io: CommandIo): Promise<number> {
  const { api, log, fail } = trusted(io, LOG_SEQ_BASE.publish);
  const workdir = resolve(io.env.NOVAHOST_WORKDIR ?? 'work');
  const ws = workspace(workdir);
  let startedAt = Date.now();
  if (existsSync(ws.plan)) {
    try {
      startedAt = readPlan(ws.plan).startedAt;
    } catch {
      // Only for the closing line's duration.
    }
    // Nothing of the plan outlives the build (a build step that died
    // before scrubbing it left the variables there).
    rmSync(ws.plan, { force: true });
  }
  const built = readResult(ws.result);
  if (!built.ok) return fail(built.error, built.exitCode);
  try {
    await runPublish({ api, log, workdir, startedAt });
  } catch (e) {
    if (io.signal?.aborted) return 143;
    const failure = failureOf(e);
    return fail(failure.error, failure.exitCode);
  }
  await log.flush().catch(() => {});
  return 0;
}

/** Runs one command; resolves with the exit code. */
export async function runCommand(
  command: string,
  io: CommandIo,
): Promise<number> {
  if (!COMMANDS.includes(command as Command)) {
    io.stderr(
      `novahost-build: unknown command '${command}' (${COMMANDS.join(', ')})\n`,
    );
    return 2;
  }
  const run = { all, clone, build, publish }[command as Command];
  try {
    return await run(io);
  } catch (e) {
    if (!(e instanceof Fatal)) throw e;
    io.stderr(`novahost-build: ${e.message}\n`);
    return 2;
  }
}
