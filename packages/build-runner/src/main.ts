/**
 * The Novahost build program: the entrypoint of a build Job's container and
 * of the local runner's child process. Configuration comes from the
 * environment only:
 *
 *   NOVAHOST_API_URL        the Novahost API (…/api/novahost)
 *   NOVAHOST_DEPLOYMENT_ID  the deployment to build
 *   NOVAHOST_BUILD_TOKEN    the deployment's build token (its only credential)
 *   NOVAHOST_WORKDIR        an empty, writable directory (default: ./work)
 *   NOVAHOST_SANDBOX        `bwrap`: run the install and build commands in
 *                           the sandbox (sandbox.ts); `off`: unsandboxed
 *   NOVAHOST_SANDBOX_RO_BINDS  with `bwrap`: more read-only paths (Node.js)
 *
 * Exit codes: 0 ready, 1 failed (reported to the backend), 2 could not
 * report, 143 canceled.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { BuildApi } from './api.ts';
import { runBuild } from './build.ts';
import { LogShipper } from './logShipper.ts';
import { sandboxFromEnv } from './sandbox.ts';

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    process.stderr.write(`novahost-build: ${name} is not set\n`);
    process.exit(2);
  }
  return value;
}

async function main(): Promise<number> {
  const apiUrl = required('NOVAHOST_API_URL');
  const deploymentId = required('NOVAHOST_DEPLOYMENT_ID');
  const token = required('NOVAHOST_BUILD_TOKEN');
  const workdir = resolve(process.env.NOVAHOST_WORKDIR ?? 'work');
  // Nothing the build starts may see the token.
  delete process.env.NOVAHOST_BUILD_TOKEN;
  const sandbox = sandboxFromEnv(process.env, workdir);
  mkdirSync(workdir, { recursive: true });

  const api = new BuildApi(apiUrl, deploymentId, token);
  const log = new LogShipper({
    send: lines => api.logs(lines),
    secrets: [token],
    echo: line => process.stdout.write(`${line.text}\n`),
  });
  const abort = new AbortController();
  const cancel = () => abort.abort();
  process.on('SIGTERM', cancel);
  process.on('SIGINT', cancel);
  // Builds get a clean environment, except where to find the registry and
  // which certificate authorities to trust (a machine behind a TLS-inspecting
  // proxy cannot install packages without its CA bundle). No secrets.
  const passEnv: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (
      /^npm_config_(registry|cache|cafile)$/i.test(key) ||
      /^(NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR)$/.test(key)
    ) {
      passEnv[key] = value;
    }
  }

  const result = await runBuild({
    api,
    log,
    workdir,
    passEnv,
    sandbox,
    signal: abort.signal,
  });
  if (abort.signal.aborted) return 143;
  if (result.ok) {
    await log.flush().catch(() => {});
    return 0;
  }
  process.stderr.write(`${result.error}\n`);
  try {
    await log.flush().catch(() => {});
    await api.event({
      type: 'failed',
      error: result.error,
      exitCode: result.exitCode,
    });
    return 1;
  } catch (e) {
    process.stderr.write(
      `novahost-build: could not report the failure: ${e}\n`,
    );
    return 2;
  }
}

main().then(
  code => process.exit(code),
  e => {
    process.stderr.write(`novahost-build: ${e?.stack ?? e}\n`);
    process.exit(2);
  },
);
