/**
 * `node sandboxProbe.ts`: whether the sandbox of the install and build
 * commands works on this machine. The local runner runs it at startup with
 * the environment it gives builds (NOVAHOST_SANDBOX=bwrap,
 * NOVAHOST_SANDBOX_RO_BINDS, NOVAHOST_WORKDIR an empty directory): it runs
 * `node --version` in the sandbox exactly as a build command would run and
 * expects this program's Node.js: exits 0, or prints why not and exits 1.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { run, StepError } from './exec.ts';
import { sandboxFromEnv } from './sandbox.ts';

const workdir = resolve(process.env.NOVAHOST_WORKDIR ?? '.');
const output: string[] = [];

async function probe(): Promise<void> {
  const sandbox = sandboxFromEnv(process.env, workdir);
  if (sandbox === undefined || sandbox === 'off') {
    throw new Error('NOVAHOST_SANDBOX is not bwrap');
  }
  mkdirSync(workdir, { recursive: true });
  await run('The sandbox', 'node --version', [], {
    cwd: workdir,
    env: { PATH: process.env.PATH, HOME: workdir, LANG: 'C.UTF-8' },
    shell: true,
    sandbox,
    timeoutMs: 30_000,
    onLine: (_stream, text) => output.push(text),
  });
  // Builds must get the Node.js of this program, not whatever the system has.
  if (!output.includes(process.version)) {
    throw new Error(
      `the sandbox runs node ${output.join(' ') || '(none)'}, not ${
        process.version
      } at ${process.execPath}`,
    );
  }
}

probe().then(
  () => process.exit(0),
  e => {
    // bwrap's own message ("bwrap: ...") says what is missing.
    const message = /spawn \S*bwrap ENOENT/.test(String(e?.message))
      ? 'bwrap was not found on PATH'
      : e?.message;
    const tail = e instanceof StepError ? output.slice(-3).join('; ') : '';
    process.stderr.write(`${tail || message}\n`);
    process.exit(1);
  },
);
