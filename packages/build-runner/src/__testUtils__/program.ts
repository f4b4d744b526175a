import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

/** The build program's entry point. */
export const MAIN = resolve(__dirname, '..', 'main.ts');

/** What a run of the program printed, and how it ended. */
export type ProgramRun = {
  code: number | null;
  stdout: string;
  stderr: string;
};

/**
 * Runs `main.ts <command>` in a process of its own with exactly `env`, as
 * the runners do (the local runner: `all`; the pod's containers: one
 * command each).
 */
export function runProgram(
  command: string,
  env: NodeJS.ProcessEnv,
): Promise<ProgramRun> {
  return new Promise(done => {
    const child = spawn(process.execPath, [MAIN, command], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', c => (stdout += c));
    child.stderr.on('data', c => (stderr += c));
    child.on('close', code => done({ code, stdout, stderr }));
  });
}

/** runProgram with this process's PATH and a UTF-8 locale under `env`. */
export const runProgramOnPath = (command: string, env: NodeJS.ProcessEnv) =>
  runProgram(command, { PATH: process.env.PATH, LANG: 'C.UTF-8', ...env });
