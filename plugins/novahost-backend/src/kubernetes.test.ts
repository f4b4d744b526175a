import { TestDatabases, mockServices } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import net, { AddressInfo } from 'net';
import path from 'path';
import {
  Deployment,
  logTexts,
  NovahostTestBackend,
  REDIS_URL,
  startNovahostTestBackend,
  user,
} from './__testUtils__/backend';
import { startFakeKubernetes } from './__testUtils__/fakeKubernetes';
import { createSiteRepo, SiteRepoOptions } from './__testUtils__/repo';
import { startS3Server } from './__testUtils__/s3';
import { jobName } from './runners';

jest.setTimeout(180_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15'] });
const PROGRAM = path.resolve(
  __dirname,
  '../../../packages/build-runner/src/main.ts',
);
const NS = 'novahost-builds';

/** The test scheduler runs tasks on demand; its class is not exported. */
type MockScheduler = ReturnType<typeof mockServices.scheduler> & {
  factory(): ReturnType<typeof mockServices.scheduler.factory>;
  triggerTask(id: string): Promise<void>;
};
const newScheduler = () => mockServices.scheduler() as MockScheduler;

/**
 * The whole production path in one process: Postgres, Redis, an S3
 * server, and build Jobs on a simulated Kubernetes API server that runs
 * each Job's container command locally. The backend holds the cluster
 * token and the storage keys; the build pod gets its deployment token only.
 */
describe.each(databases.eachSupportedId())('kubernetes runner on %p', id => {
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

  const start = async () => {
    scheduler = newScheduler();
    nh = await startNovahostTestBackend({
      knex,
      features: [scheduler.factory()],
      novahost: {
        builds: { concurrency: 2, timeoutSeconds: 60 },
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
          },
        },
        store: s3.storeConfig(),
        bus: { type: 'redis', redis: { url: REDIS_URL } },
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
    return project;
  };

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

  it('runs a build as a hardened Job that uploads through presigned URLs', async () => {
    const { api } = await start();
    const repo = createSiteRepo({ files: { 'index.html': '<h1>k8s</h1>' } });
    const project = (
      await api
        .post('/api/novahost/projects')
        .set(user)
        .send({ name: 'K8s Site', repoUrl: `file://${repo.dir}` })
    ).status;
    // Local repositories are for the local runner only.
    expect(project).toBe(400);
    const created = await createSiteProject('K8s Site', {
      files: { 'index.html': '<h1>k8s</h1>' },
    });

    const d = await nh!.deploy(created.id);
    const events = await nh!.logs(d.id, { timeoutMs: 90_000 });
    expect(events[events.length - 1].data).toEqual({
      status: 'ready',
      error: null,
    });
    expect(events.map(e => e.data?.text).join('\n')).toContain(
      'build line 3 of 3',
    );

    expect(k8s.validationErrors).toEqual([]);
    const job = k8s.created.find(j => j.metadata.name === jobName(d.id))!;
    expect(job.metadata.labels).toMatchObject({
      'backstage.io/kubernetes-id': 'k8s-site',
      'novahost.dev/project': 'k8s-site',
      'novahost.dev/deployment': d.id,
      'app.kubernetes.io/managed-by': 'novahost',
      'app.kubernetes.io/component': 'build',
    });
    // Backstage's Kubernetes tab finds the pod by the same labels.
    expect(job.spec.template.metadata.labels).toEqual(job.metadata.labels);
    const spec = job.spec;
    expect(spec).toMatchObject({
      backoffLimit: 0,
      activeDeadlineSeconds: 60,
      ttlSecondsAfterFinished: 600,
    });
    const pod = spec.template.spec;
    expect(pod).toMatchObject({
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: {
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      },
    });
    const container = pod.containers[0];
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.resources.limits).toEqual({ cpu: '2', memory: '4Gi' });
    expect(pod.volumes.every((v: any) => v.emptyDir)).toBe(true);
    // Its only credential is the deployment's own build token.
    const envNames = container.env.map((e: any) => e.name).sort();
    expect(envNames).toEqual(
      [
        'HOME',
        'NOVAHOST_API_URL',
        'NOVAHOST_BUILD_TOKEN',
        'NOVAHOST_DEPLOYMENT_ID',
        'NOVAHOST_WORKDIR',
        'TMPDIR',
      ].sort(),
    );
    expect(JSON.stringify(job)).not.toMatch(/S3RVER|cluster-token/);
    expect(
      container.env.find((e: any) => e.name === 'NOVAHOST_BUILD_TOKEN').value,
    ).toMatch(/^[\w-]{40,}$/);

    const ready = await waitFor(d.id, x => x.status === 'ready');
    expect(ready.stats).toMatchObject({ files: 1, newBlobs: 1 });
  });

  it('ends OOM-killed, canceled and deleted builds with a reason, and removes orphaned Jobs', async () => {
    const project = await createSiteProject('Slow K8s', {
      files: { 'index.html': 'slow' },
      lines: 600,
      delayMs: 50,
    });
    const deploy = () => nh!.deploy(project.id);

    // OOM: the kernel kills the container; reconcile reads it from the pod.
    const oom = await deploy();
    await waitFor(oom.id, x => x.status === 'building' && x.commitSha);
    expect(k8s.oomKill(NS, jobName(oom.id))).toBe(true);
    const oomed = await waitFor(oom.id, x => x.status === 'failed', 30_000);
    expect(oomed.error).toMatch(/OOMKilled \(exit code 137\)/);

    // Cancel: the Job is deleted with foreground propagation.
    const canceled = await deploy();
    await waitFor(canceled.id, x => x.status === 'building');
    const res = await nh!.api
      .post(`/api/novahost/deployments/${canceled.id}/cancel`)
      .set(user);
    expect(res.body.status).toBe('canceled');
    await waitFor(
      canceled.id,
      () => !k8s.jobs.has(`${NS}/${jobName(canceled.id)}`),
      15_000,
    );

    // Someone deletes the Job behind Novahost's back.
    const deleted = await deploy();
    await waitFor(deleted.id, x => x.status === 'building' && x.commitSha);
    await k8s.deleteJob(NS, jobName(deleted.id));
    const gone = await waitFor(deleted.id, x => x.status === 'failed', 40_000);
    expect(gone.error).toMatch(/build (Job is gone|program)/);

    // A Job whose deployment is no longer active is an orphan: deleted.
    const orphanId = '00000000-0000-4000-8000-000000000001';
    const orphan = JSON.parse(JSON.stringify(k8s.created[0]));
    orphan.metadata.name = jobName(orphanId);
    orphan.metadata.labels['novahost.dev/deployment'] = orphanId;
    orphan.spec.template.metadata.labels['novahost.dev/deployment'] = orphanId;
    orphan.spec.template.spec.containers[0].command = ['sleep', '60'];
    const posted = await k8s.createJob(NS, orphan);
    expect(posted.status).toBe(201);
    await waitFor(
      oom.id,
      () => !k8s.jobs.has(`${NS}/${jobName(orphanId)}`),
      20_000,
    );
  });

  it('finishes a build across a backend restart without losing a log line', async () => {
    const project = await createSiteProject('Restart', {
      files: { 'index.html': 'restart' },
      lines: 120,
      delayMs: 50,
    });
    const d = await nh!.deploy(project.id);
    await waitFor(d.id, x => x.status === 'building' && x.commitSha);

    await nh!.stop();
    await new Promise(r => setTimeout(r, 1500)); // the pod keeps building, retrying its calls
    await start();

    const done = await waitFor(
      d.id,
      x => x.status === 'ready' || x.status === 'failed',
      90_000,
    );
    expect(done.status).toBe('ready');
    const lines = logTexts(await nh!.logs(d.id)).filter(t =>
      /^build line/.test(t),
    );
    expect(lines).toEqual(
      Array.from({ length: 120 }, (_, i) => `build line ${i + 1} of 120`),
    );
  });
});
