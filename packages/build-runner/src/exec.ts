import { spawn } from 'node:child_process';
import { startEgressProxy, type EgressProxy } from './egress.ts';
import { lineSplitter } from './logShipper.ts';
import { spawnInSandbox, type SandboxOptions } from './sandbox.ts';

/** A step that failed: its exit code and the last lines it printed. */
export class StepError extends Error {
  readonly exitCode: number | null;
  readonly tail: string[];

  constructor(message: string, exitCode: number | null, tail: string[] = []) {
    super(message);
    this.name = 'StepError';
    this.exitCode = exitCode;
    this.tail = tail;
  }
}

export interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Output lines; `system`: the sandbox's notes (a refused egress). */
  onLine: (stream: 'stdout' | 'stderr' | 'system', text: string) => void;
  /** Kill the step (and everything it started) after this long. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** A shell command line (user-configured commands) rather than argv. */
  shell?: boolean;
  /**
   * Run the command in this sandbox (bubblewrap), with `env` as its whole
   * environment: the user's install and build commands on the local runner.
   */
  sandbox?: SandboxOptions;
}

const TAIL_LINES = 20;

/**
 * Runs one step, streaming its output line by line. Resolves on exit code 0;
 * rejects with a {@link StepError} carrying the exit code and the tail of the
 * output otherwise. The step runs in its own process group so a timeout or
 * cancel stops everything it started; in a sandbox, its PID namespace ends
 * with it, taking along even processes that left the group (setsid). A
 * sandboxed command reaches the network only through an egress proxy of
 * its own (egress.ts), which lives as long as the command.
 */
export async function run(
  label: string,
  command: string,
  args: string[],
  options: RunOptions,
): Promise<void> {
  let egress: EgressProxy | undefined;
  if (options.sandbox) {
    egress = await startEgressProxy({
      allow: options.sandbox.egressAllow ?? [],
      onRefused: line => options.onLine('system', line),
    });
  }
  try {
    await runChild(label, command, args, options, egress?.socket);
  } finally {
    await egress?.close();
  }
}

function runChild(
  label: string,
  command: string,
  args: string[],
  options: RunOptions,
  egressSocket: string | undefined,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = options.sandbox
      ? spawnInSandbox(
          options.sandbox,
          options.shell
            ? ['/bin/sh', '-c', [command, ...args].join(' ')]
            : [command, ...args],
          options.cwd,
          options.env,
          egressSocket,
        )
      : spawn(command, args, {
          cwd: options.cwd,
          env: options.env,
          shell: options.shell ?? false,
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
    const tail: string[] = [];
    const keep = (stream: 'stdout' | 'stderr') => (text: string) => {
      tail.push(text);
      if (tail.length > TAIL_LINES) tail.shift();
      options.onLine(stream, text);
    };
    const out = lineSplitter(keep('stdout'));
    const err = lineSplitter(keep('stderr'));
    child.stdout!.on('data', (c: Buffer) => out.push(c));
    child.stderr!.on('data', (c: Buffer) => err.push(c));

    let killedBy: string | undefined;
    const kill = (why: string) => {
      if (killedBy || !child.pid) return;
      killedBy = why;
      try {
        process.kill(-child.pid, 'SIGTERM');
        setTimeout(() => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            // gone
          }
        }, 3000).unref();
      } catch {
        // gone
      }
    };
    const timer = options.timeoutMs
      ? setTimeout(() => kill('timed out'), options.timeoutMs)
      : undefined;
    const onAbort = () => kill('canceled');
    options.signal?.addEventListener('abort', onAbort);

    child.on('error', e => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      reject(new StepError(`${label} could not start: ${e.message}`, null));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      out.end();
      err.end();
      if (code === 0 && !killedBy) {
        resolve();
        return;
      }
      let how = `was killed by ${signal}`;
      if (killedBy) how = killedBy;
      else if (code !== null) how = `exited with code ${code}`;
      reject(new StepError(`${label} ${how}`, code, [...tail]));
    });
  });
}
