/** Runner implementations, chosen by `novahost.runner.type`. */
export type BuildRunnerType = 'local' | 'kubernetes';

/** What a runner needs to start one build. */
export type BuildRequest = {
  deploymentId: string;
  projectId: string;
  projectSlug: string;
  /**
   * Bearer token scoped to this deployment, for the program's trusted steps
   * only (never the step that runs the project's commands).
   */
  token: string;
  /** The build fails after this long. */
  timeoutSeconds: number;
};

/** How a build program ended, as far as the runner can tell. */
export type BuildExit = {
  exitCode: number | null;
  signal: string | null;
  /** Last lines the program printed on stderr (for crashes before it could report). */
  stderrTail: string;
};

/** What a runner can tell about one build from the outside. */
export type BuildState =
  | { state: 'running' }
  | { state: 'succeeded' }
  | { state: 'failed'; reason: string; exitCode: number | null }
  /** The runner has no trace of it (process gone, Job deleted). */
  | { state: 'missing' };

/** A line of build output a runner collected itself (a followed container log). */
export type RunnerLogLine = {
  /** The line's number from the runner; the store drops numbers it has. */
  clientSeq: number;
  ts: Date;
  stream: 'stdout' | 'stderr' | 'system';
  text: string;
};

/**
 * Where a runner delivers the build output it collects itself, into the
 * deployment's log (with its limits and redaction). Rejects when the lines
 * were not stored; the runner sends them again.
 */
export type BuildLogSink = (
  deploymentId: string,
  lines: RunnerLogLine[],
) => Promise<void>;

/**
 * Runs the build program somewhere. The program itself talks to the backend
 * (spec, logs, phases, uploads); the runner starts it, stops it, reports
 * how it ended and, where the build step cannot ship its own log, delivers
 * it (setLogSink).
 */
export interface BuildRunner {
  /** Starts the build; resolves with a handle to find it again (pid, Job name). */
  start(
    request: BuildRequest,
    onExit: (exit: BuildExit) => void,
  ): Promise<{ handle: string }>;
  /** Stops a build; resolves when it is stopped or was not running. */
  cancel(deploymentId: string, handle: string | null): Promise<void>;
  /** The build's state as the runner sees it (process table, Job status). */
  inspect(deploymentId: string, handle: string | null): Promise<BuildState>;
  /**
   * Whether builds die with this backend process (local child processes).
   * Kubernetes Jobs outlive a backend restart and finish on their own.
   */
  readonly buildsDieWithBackend: boolean;
  /**
   * Called once at startup, before any build starts, on runners that
   * collect build output themselves: on Kubernetes the untrusted build step
   * holds no token to ship its log with, so the runner follows its
   * container log and delivers the lines to `sink`.
   */
  setLogSink?(sink: BuildLogSink): void;
  /**
   * Resolves once the output the runner collects for a deployment has been
   * delivered to the sink (at most after `timeoutMs`): called before the
   * deployment ends, so its log is whole when its status is final.
   */
  drainLogs?(deploymentId: string, timeoutMs: number): Promise<void>;
  /** Removes runner resources of builds that are no longer active; returns how many. */
  cleanup?(activeDeploymentIds: Set<string>): Promise<number>;
  close(): Promise<void>;
}
