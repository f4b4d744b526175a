import { mockServices } from '@backstage/backend-test-utils';
import { KubeConfig } from '@kubernetes/client-node';
import { startFakeKubernetes } from '../__testUtils__/fakeKubernetes';
import { KubernetesBuildRunner } from './KubernetesBuildRunner';
import {
  buildJob,
  jobName,
  KubernetesRunnerOptions,
  secretName,
} from './kubernetesPod';

jest.setTimeout(30_000);

const NS = 'novahost-builds';

/** The runner against the simulated API server, without a backend. */
describe('KubernetesBuildRunner', () => {
  let k8s: Awaited<ReturnType<typeof startFakeKubernetes>>;
  let runner: KubernetesBuildRunner;
  let options: KubernetesRunnerOptions;
  const request = (n: number) => ({
    deploymentId: `0193a5f0-0000-7000-8000-00000000000${n}`,
    projectId: 'p1',
    projectSlug: 'site',
    token: `token-${n}-0123456789abcdefghijklmnopqrstuvwxyz`,
    timeoutSeconds: 60,
  });
  const until = async (check: () => Promise<boolean> | boolean) => {
    for (let i = 0; !(await check()); i++) {
      if (i > 200) throw new Error(`Timed out: ${check}`);
      await new Promise(r => setTimeout(r, 50));
    }
  };

  beforeAll(async () => {
    k8s = await startFakeKubernetes({ token: 'cluster-token' });
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: k8s.url, skipTLSVerify: true }],
      users: [{ name: 'u', token: 'cluster-token' }],
      contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
      currentContext: 'c',
    });
    options = {
      namespace: NS,
      image: 'build-runner:test',
      // Each step is `sh -c <script> <step>`: the build step fails with 3.
      command: ['sh', '-c', 'echo "$0 ran"; test "$0" != build || exit 3'],
      apiUrl: 'http://127.0.0.1:1/api/novahost',
      resources: {
        requests: { cpu: '100m', memory: '128Mi' },
        limits: { cpu: '1', memory: '1Gi' },
      },
      ttlSecondsAfterFinished: 600,
      workVolumeSize: '1Gi',
    };
    runner = new KubernetesBuildRunner(kc, options, mockServices.logger.mock());
  });
  afterAll(async () => {
    await runner?.close();
    await k8s?.close();
  });

  it('creates the Job, then its Secret; a retried start is idempotent', async () => {
    const r = request(1);
    const { handle } = await runner.start(r, () => {});
    expect(handle).toBe(`job:${NS}/${jobName(r.deploymentId)}`);
    expect(await runner.start(r, () => {})).toEqual({ handle });
    const posts = k8s.requests.filter(q => q.startsWith('POST'));
    expect(posts).toEqual([
      `POST /apis/batch/v1/namespaces/${NS}/jobs`,
      `POST /api/v1/namespaces/${NS}/secrets`,
      `POST /apis/batch/v1/namespaces/${NS}/jobs`,
      `POST /api/v1/namespaces/${NS}/secrets`,
    ]);
    expect(k8s.createdSecrets).toHaveLength(1);
    expect(k8s.validationErrors).toEqual([]);

    // The failing step, named, with its exit code.
    await until(
      async () => (await runner.inspect(r.deploymentId)).state !== 'running',
    );
    expect(await runner.inspect(r.deploymentId)).toEqual({
      state: 'failed',
      exitCode: 3,
      reason: expect.stringMatching(
        /^The build Job failed: build step: Error \(exit code 3\)/,
      ),
    });
    const run = k8s.runs.get(`${NS}/${jobName(r.deploymentId)}`)!;
    expect(run.logs.get('clone')!.lines.map(l => l.text)).toEqual([
      'clone ran',
    ]);
    expect(run.logs.get('publish')!.lines).toEqual([]);
  });

  it('fails a build whose pod waits for a Secret that will never come', async () => {
    // As if the backend stopped between creating the Job and its Secret.
    const r = request(2);
    const name = jobName(r.deploymentId);
    expect((await k8s.createJob(NS, buildJob(options, r))).status).toBe(201);
    await until(() => !!k8s.runs.get(`${NS}/${name}`));
    expect(await runner.inspect(r.deploymentId)).toEqual({ state: 'running' });
    expect(k8s.runs.get(`${NS}/${name}`)!.pod.status.phase).toBe('Pending');

    k8s.jobs.get(`${NS}/${name}`)!.metadata.creationTimestamp = new Date(
      Date.now() - 60_000,
    ).toISOString();
    expect(await runner.inspect(r.deploymentId)).toEqual({
      state: 'failed',
      reason: 'The build pod cannot start: its token Secret is missing',
      exitCode: null,
    });
    expect(k8s.secrets.has(`${NS}/${secretName(r.deploymentId)}`)).toBe(false);

    // Cancel deletes the Job; the Secret of a Job goes with it.
    const started = request(3);
    await runner.start(started, () => {});
    expect(k8s.secrets.has(`${NS}/${secretName(started.deploymentId)}`)).toBe(
      true,
    );
    await runner.cancel(started.deploymentId);
    await until(() => !k8s.jobs.has(`${NS}/${jobName(started.deploymentId)}`));
    expect(k8s.secrets.has(`${NS}/${secretName(started.deploymentId)}`)).toBe(
      false,
    );
    expect(await runner.inspect(started.deploymentId)).toEqual({
      state: 'missing',
    });
  });
});
