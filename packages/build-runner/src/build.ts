/**
 * The whole build in one trusted process (the `all` command, the local
 * runner's): the three steps a Kubernetes build pod runs as separate
 * containers, in order. Only the build step runs the project's code: its
 * commands run through run(), in the sandbox when the runner asks for one,
 * and its lines reach the log through this process's shipper.
 */
import type { BuildApi } from './api.ts';
import { runBuildStep } from './buildStep.ts';
import { runClone } from './clone.ts';
import type { LogShipper } from './logShipper.ts';
import { runPublish } from './publish.ts';
import type { SandboxOptions } from './sandbox.ts';
import type { ToolSettings } from './toolchain.ts';
import { failureOf } from './workspace.ts';

export { redactUrl } from './workspace.ts';

export interface BuildOptions {
  api: BuildApi;
  log: LogShipper;
  /** An empty directory the build may use. */
  workdir: string;
  /** Environment entries passed through to install and build (registry, cache). */
  passEnv?: NodeJS.ProcessEnv;
  /** Where the install and build commands run (see sandboxFromEnv). */
  sandbox?: SandboxOptions | 'off';
  /** The Node.js installations and corepack settings of this runner (toolchain.ts). */
  tools?: ToolSettings;
  signal?: AbortSignal;
  uploadConcurrency?: number;
}

export type BuildResult =
  | { ok: true; url: string; commitSha: string }
  | { ok: false; error: string; exitCode: number | null };

/**
 * The whole build: clone at the ref, install, build, upload the output
 * through the backend's upload protocol, finalize. Every step's output is
 * the build log. A failed step fails the build with its exit code and the
 * tail of its output.
 */
export async function runBuild(options: BuildOptions): Promise<BuildResult> {
  const { api, log, workdir } = options;
  try {
    const plan = await runClone({
      api,
      log,
      workdir,
      tools: options.tools,
      signal: options.signal,
    });
    const built = await runBuildStep({
      workdir,
      plan,
      passEnv: options.passEnv,
      sandbox: options.sandbox,
      tools: options.tools,
      signal: options.signal,
      emit: (stream, text) => log.line(stream, text),
    });
    if (!built.ok) return built;
    const result = await runPublish({
      api,
      log,
      workdir,
      startedAt: plan.startedAt,
      uploadConcurrency: options.uploadConcurrency,
    });
    return { ok: true, url: result.url, commitSha: plan.commitSha };
  } catch (e) {
    return { ok: false, ...failureOf(e) };
  }
}
