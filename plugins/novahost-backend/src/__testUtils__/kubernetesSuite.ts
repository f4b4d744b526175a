import { TestDatabases, mockServices } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import net, { AddressInfo } from 'net';
import path from 'path';
import {
  Deployment,
  NovahostTestBackend,
  REDIS_URL,
  startNovahostTestBackend,
} from './backend';
import { startFakeKubernetes } from './fakeKubernetes';
import { BUILD_POOL_PLACEMENT } from './placement';
import { createSiteRepo, SiteRepoOptions } from './repo';
import { startS3Server } from './s3';
import { secretName } from '../runners/kubernetesPod';

const PROGRAM = path.resolve(
  __dirname,
  '../../../../packages/build-runner/src/main.ts',
);
/** The build namespace of the suites. */
export const NS = 'novahost-builds';

/** The test scheduler runs tasks on demand; its class is not exported. */
type MockScheduler = ReturnType<typeof mockServices.scheduler> & {
  factory(): ReturnType<typeof mockServices.scheduler.factory>;
  triggerTask(id: string): Promise<void>;
};
const newScheduler = () => mockServices.scheduler() as MockScheduler;

/**
 * The whole production path in one process, for a describe block:
 * Postgres, Redis, an S3 server, and build Jobs on a simulated Kubernetes
 * API server that runs each Job's pod locally (fakeKubernetes.ts). The
 * backend holds the cluster token and the storage keys; the build pod gets
 * its deployment token only, in a Secret. Registers its beforeAll/afterAll.
 */
export function kubernetesSuite(
  databases: ReturnType<typeof TestDatabases.create>,
  id: Parameters<ReturnType<typeof TestDatabases.create>['init']>[0],
) {
  let s3: Awaited<ReturnType<typeof startS3Server>>;
  let k8s: Awaited<ReturnType<typeof startFakeKubernetes>>;
  let knex: Knex;
  let nh: NovahostTestBackend | undefined;
  let scheduler = newScheduler();
  // Build pods reach the backend through a stable address (a Service in a
  // cluster); test backends get a new port on every start.
  let backendPort = 0;
  let stablePort = 0;
  let forwarder: net.Server;

  /**
   * Starts a backend; `builds` adds to its novahost.builds config, `config`
   * to the app config (e.g. `integrations`), `novahost` to its novahost
   * config (e.g. `secrets`).
   */
  const start = async (
    builds: Record<string, number> = {},
    config: Record<string, unknown> = {},
    novahost: Record<string, unknown> = {},
  ) => {
    scheduler = newScheduler();
    nh = await startNovahostTestBackend({
      knex,
      config,
      features: [scheduler.factory()],
      novahost: {
        builds: { concurrency: 2, timeoutSeconds: 60, ...builds },
        runner: {
          type: 'kubernetes',
          kubernetes: {
            url: k8s.url,
            // The simulated API server speaks plain HTTP.
            skipTLSVerify: true,
            token: 'cluster-token',
            namespace: NS,
            image: 'ghcr.io/novahost/build-runner:test',
            command: [process.execPath, PROGRAM],
            apiUrl: `http://127.0.0.1:${stablePort}/api/novahost`,
            ttlSecondsAfterFinished: 600,
            // A dedicated build node pool behind a sandboxed runtime.
            ...BUILD_POOL_PLACEMENT,
          },
        },
        store: s3.storeConfig(),
        bus: { type: 'redis', redis: { url: REDIS_URL } },
        ...novahost,
      },
    });
    backendPort = (nh.backend.server.address() as AddressInfo).port;
    return nh;
  };

  /** Polls the running backend, with the scheduler's periodic reconcile on demand. */
  const waitFor = (
    deploymentId: string,
    predicate: (d: Deployment) => unknown,
    timeoutMs = 60_000,
  ) =>
    nh!.waitForDeployment(deploymentId, predicate, {
      timeoutMs,
      intervalMs: 200,
      onPoll: () => scheduler.triggerTask('novahost-reconcile'),
    });

  /** Polls `check` (with the periodic reconcile) until it holds. */
  const until = async (check: () => Promise<unknown>, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`Timed out: ${check}`);
      await new Promise(r => setTimeout(r, 200));
      await scheduler.triggerTask('novahost-reconcile');
    }
  };

  /** A project building a fresh local site repository. */
  const createSiteProject = async (name: string, site: SiteRepoOptions) => {
    const repo = createSiteRepo(site);
    const project = await nh!.createProject({
      name,
      repoUrl: 'https://example.invalid/site.git',
    });
    // The fake cluster has no network: point the project at the local repo
    // behind the API's back, as a git server would serve it.
    await knex('novahost_projects')
      .where({ id: project.id })
      .update({ repo_url: repo.dir });
    return Object.assign(project, { repo });
  };

  /** The build token the runner put in the deployment's Secret. */
  const tokenOf = (deploymentId: string) =>
    Buffer.from(
      k8s.createdSecrets.find(
        s => s.metadata.name === secretName(deploymentId),
      )!.data.token,
      'base64',
    ).toString();
  const internal = (deploymentId: string, token: string) =>
    nh!.api
      .get(`/api/novahost/internal/builds/${deploymentId}/spec`)
      .set('Authorization', `Bearer ${token}`);
  beforeAll(async () => {
    forwarder = net.createServer(client => {
      const upstream = net.connect(backendPort, '127.0.0.1');
      client.pipe(upstream).pipe(client);
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>(r => forwarder.listen(0, '127.0.0.1', r));
    stablePort = (forwarder.address() as AddressInfo).port;
    knex = await databases.init(id);
    s3 = await startS3Server();
    k8s = await startFakeKubernetes({ token: 'cluster-token' });
  });
  afterAll(async () => {
    await nh?.stop();
    await k8s?.close();
    await s3?.close();
    forwarder?.close();
  });

  return {
    /** The running backend (after `start`). */
    get nh() {
      return nh!;
    },
    get k8s() {
      return k8s;
    },
    get knex() {
      return knex;
    },
    start,
    waitFor,
    until,
    createSiteProject,
    tokenOf,
    internal,
  };
}
