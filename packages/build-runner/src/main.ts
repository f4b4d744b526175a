/**
 * The Novahost build program: the entrypoint of a build pod's containers
 * and of the local runner's child process. `node main.ts [command]`; the
 * commands, their environment and exit codes are in commands.ts.
 */
import { runCommand } from './commands.ts';

const abort = new AbortController();
const cancel = () => abort.abort();
process.on('SIGTERM', cancel);
process.on('SIGINT', cancel);

runCommand(process.argv[2] ?? 'all', {
  env: process.env,
  stdout: text => process.stdout.write(text),
  stderr: text => process.stderr.write(text),
  signal: abort.signal,
}).then(
  code => process.exit(code),
  e => {
    process.stderr.write(`novahost-build: ${e?.stack ?? e}\n`);
    process.exit(2);
  },
);
