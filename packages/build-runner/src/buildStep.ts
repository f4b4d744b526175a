/**
 * The `build` step (untrusted: it runs the project's own install and build
 * commands, so it holds no credential at all). It reads the plan `clone`
 * wrote, runs the commands (in the local runner's sandbox when given) and
 * ends with a result: success, or the failure with the exit code and the
 * tail of the output. Its log lines go to `emit` only: the shipper of the
 * one-process program, or standard output, which on Kubernetes the backend
 * follows through the Kubernetes API.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './exec.ts';
import type { BuildPlanFile, BuildStepResult } from './handoff.ts';
import { MAX_ERROR } from './handoff.ts';
import type { ShippedLine } from './protocol.ts';
import { UNSANDBOXED_NOTICE, type SandboxOptions } from './sandbox.ts';
import {
  installFor,
  preparePackageManager,
  toolchain,
  toolSettingsFromEnv,
  type ToolSettings,
} from './toolchain.ts';
import { failureOf, insideRepo, repoRoot, workspace } from './workspace.ts';

export interface BuildStepOptions {
  /** The build's work directory (workspace.ts), with the checkout in it. */
  workdir: string;
  plan: BuildPlanFile;
  /** Environment entries passed through to install and build (registry, cache). */
  passEnv?: NodeJS.ProcessEnv;
  /** Where the install and build commands run (see sandboxFromEnv). */
  sandbox?: SandboxOptions | 'off';
  /** The Node.js installations and corepack settings of this runner (toolchain.ts). */
  tools?: ToolSettings;
  signal?: AbortSignal;
  /** Receives every log line of the step. */
  emit: (stream: ShippedLine['stream'], text: string) => void;
}

/** Runs install and build; never throws: a failure is the result. */
export async function runBuildStep(
  options: BuildStepOptions,
): Promise<BuildStepResult> {
  const { plan, emit } = options;
  const ws = workspace(options.workdir);
  try {
    const projectDir = insideRepo(
      repoRoot(options.workdir),
      plan.projectDir,
      'Root directory',
    );
    const settings = options.tools ?? toolSettingsFromEnv({});
    const tools = toolchain({
      node: plan.node ? installFor(plan.node, settings) : settings.nodes[0],
      pm: plan.packageManager ?? null,
      shimDir: join(ws.tools, 'bin'),
      corepackHome: join(ws.home, '.cache', 'node', 'corepack'),
      settings,
      registry: options.passEnv?.npm_config_registry,
      sandbox: options.sandbox === 'off' ? undefined : options.sandbox,
    });
    // The project's variables may change the defaults above them, never
    // what the platform sets below them (the backend refuses those names).
    const buildEnv: NodeJS.ProcessEnv = {
      ...options.passEnv,
      LANG: process.env.LANG ?? 'C.UTF-8',
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
      ...plan.env,
      // PATH from scratch: never the backend's (its yarn, its corepack shims).
      ...tools.env,
      HOME: ws.home,
      TMPDIR: ws.tmp,
      CI: '1',
      NOVAHOST: '1',
      NOVAHOST_GIT_COMMIT_SHA: plan.commitSha,
      NOVAHOST_GIT_REF: plan.ref,
    };
    mkdirSync(ws.home, { recursive: true });
    mkdirSync(ws.tmp, { recursive: true });
    const sandbox = tools.sandbox;
    if (options.sandbox === 'off') emit('system', UNSANDBOXED_NOTICE);
    /** A command line, run by the shell in the project directory. */
    const shell = (label: string, line: string, onLine = emit) =>
      run(label, line, [], {
        cwd: projectDir,
        env: buildEnv,
        shell: true,
        sandbox,
        timeoutMs: Math.max(1000, plan.deadline - Date.now()),
        signal: options.signal,
        onLine,
      });
    /** The project's install or build command. */
    const command = (what: 'Install' | 'Build', line: string) => {
      emit('system', `Running ${what.toLowerCase()} command: ${line}`);
      return shell(`${what} command \`${line}\``, line);
    };
    if (plan.packageManager) {
      await preparePackageManager(
        plan.packageManager,
        (line, onStdout) =>
          shell(`\`${line}\``, line, (stream, text) =>
            stream === 'stdout' ? onStdout(text) : emit(stream, text),
          ),
        text => emit('system', text),
      );
    }
    if (plan.install) await command('Install', plan.install);
    if (plan.build) {
      await command('Build', plan.build);
    } else {
      emit('system', 'No build command: publishing the files as they are');
    }
    return { ok: true };
  } catch (e) {
    const failure = failureOf(e);
    return {
      ok: false,
      error: failure.error.slice(0, MAX_ERROR),
      exitCode: failure.exitCode,
    };
  }
}
