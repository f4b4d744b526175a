/**
 * Starts Backstage's Kubernetes backend with a catalog of the given
 * entities and the given config, in its own Node process, and prints
 * `listening <port>`; it stops when its stdin closes.
 *
 * Its own process because the Kubernetes backend loads @kubernetes/client-node
 * with a dynamic import(), which jest's module sandbox cannot run without
 * --experimental-vm-modules.
 *
 * Usage: node --require @backstage/cli/config/nodeTransform.cjs
 *   kubernetesViewsBackend.ts '<{"entities":[…],"config":{…}}>'
 */
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import kubernetesBackend from '@backstage/plugin-kubernetes-backend';
import { AddressInfo } from 'net';
import path from 'path';
import { spawn } from 'child_process';

async function main() {
  const { entities, config } = JSON.parse(process.argv[2]);
  const backend = await startTestBackend({
    features: [
      kubernetesBackend,
      catalogServiceMock.factory({ entities }),
      mockServices.rootConfig.factory({ data: config }),
    ],
  });
  const { port } = backend.server.address() as AddressInfo;
  process.stdout.write(`listening ${port}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => {
    backend.stop().finally(() => process.exit(0));
  });
}

if (require.main === module) {
  main().catch(e => {
    process.stderr.write(`${e?.stack ?? e}\n`);
    process.exit(1);
  });
}

/** Runs this file as a child process; resolves with its base URL. */
export async function startKubernetesViewsBackend(options: {
  entities: Entity[];
  config: object;
}): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(
    process.execPath,
    [
      '--require',
      require.resolve('@backstage/cli/config/nodeTransform.cjs'),
      path.resolve(__dirname, 'kubernetesViewsBackend.ts'),
      JSON.stringify(options),
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', d => {
    stderr += d;
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`backend did not start: ${stderr}`)),
      60_000,
    );
    child.stdout!.on('data', d => {
      out += d;
      const m = out.match(/listening (\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.on('exit', code => {
      clearTimeout(timer);
      reject(new Error(`backend exited with ${code}: ${stderr}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>(resolve => {
        if (child.exitCode !== null) {
          resolve();
          return;
        }
        child.once('exit', () => resolve());
        child.stdin!.end();
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}
