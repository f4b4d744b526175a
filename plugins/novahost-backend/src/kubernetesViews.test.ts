import { mockCredentials } from '@backstage/backend-test-utils';
import http from 'http';
import { AddressInfo } from 'net';
import request from 'supertest';
import {
  buildJob,
  buildSecret,
  KubernetesRunnerOptions,
} from './runners/KubernetesBuildRunner';
import { startFakeKubernetes } from './__testUtils__/fakeKubernetes';
import { Entity } from '@backstage/catalog-model';
import { startKubernetesViewsBackend } from './__testUtils__/kubernetesViewsBackend';

const NS = 'novahost-builds';
const TOKEN = 'cluster-token';

const runner: KubernetesRunnerOptions = {
  namespace: NS,
  image: 'ghcr.io/novahost/build-runner:test',
  command: [],
  apiUrl: 'http://novahost-backend.novahost.svc/api/novahost',
  resources: {
    requests: { cpu: '500m', memory: '1Gi' },
    limits: { cpu: '2', memory: '4Gi' },
  },
  ttlSecondsAfterFinished: 600,
  workVolumeSize: '10Gi',
};

function component(name: string, annotations: Record<string, string>): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default', annotations },
    spec: { type: 'website', lifecycle: 'production', owner: 'group:web' },
  };
}

const entities = [
  // What a project created from a Novahost template carries.
  component('my-site', {
    'novahost.dev/project': 'my-site',
    'backstage.io/kubernetes-id': 'my-site',
  }),
  // An entity named differently from its project selects by project label.
  component('marketing-website', {
    'novahost.dev/project': 'marketing',
    'backstage.io/kubernetes-label-selector': 'novahost.dev/project=marketing',
  }),
  // Novahost's own build program: every build Job (catalog-info.yaml).
  component('novahost-build-runner', {
    'backstage.io/kubernetes-label-selector':
      'app.kubernetes.io/managed-by=novahost,app.kubernetes.io/component=build',
    'backstage.io/kubernetes-namespace': NS,
  }),
];

type ClusterObjects = {
  cluster: { name: string };
  resources: Array<{ type: string; resources: any[] }>;
  errors: Array<{ errorType: string; message?: string }>;
};

/**
 * Backstage's Kubernetes backend, configured like app-config, against the
 * simulated API server holding real build Jobs (the runner's own manifests,
 * run by the fake as pods) and a second cluster that is unreachable.
 */
jest.setTimeout(90_000);

describe('Kubernetes views of build Jobs', () => {
  let k8s: Awaited<ReturnType<typeof startFakeKubernetes>>;
  let backend: Awaited<ReturnType<typeof startKubernetesViewsBackend>>;

  const create = async (
    projectSlug: string,
    deploymentId: string,
    command: string[],
  ) => {
    const build = {
      deploymentId,
      projectId: `p-${projectSlug}`,
      projectSlug,
      token: 'build-token',
      timeoutSeconds: 60,
    };
    const job = buildJob({ ...runner, command }, build);
    const res = await k8s.createJob(NS, job);
    expect(res.status).toBe(201);
    // The pod starts once its token Secret exists, as the runner creates it.
    const { metadata } = await res.json();
    const secret = buildSecret(runner, build, metadata);
    expect((await k8s.createSecret(NS, secret)).status).toBe(201);
  };

  const objectsOf = async (entity: Entity) => {
    const res = await request(backend.url)
      .post(`/api/kubernetes/services/${entity.metadata.name}`)
      .set('Authorization', mockCredentials.user.header())
      .send({ entity, auth: {} });
    expect(res.status).toBe(200);
    const items = res.body.items as ClusterObjects[];
    const of = (cluster: string, type: string) =>
      items
        .find(i => i.cluster.name === cluster)
        ?.resources.find(r => r.type === type)
        ?.resources.map(o => o.metadata.name) ?? [];
    return { items, of };
  };

  beforeAll(async () => {
    k8s = await startFakeKubernetes({ token: TOKEN });
    const dead = http.createServer();
    await new Promise<void>(r => dead.listen(0, '127.0.0.1', r));
    const deadPort = (dead.address() as AddressInfo).port;
    await new Promise<void>(r => dead.close(() => r()));

    // A finished build and a running one for my-site, one for marketing.
    await create('my-site', '01JAAAAAAAAAAAAAAAAAAAAAAA', [
      process.execPath,
      '-e',
      '0',
    ]);
    await create('my-site', '01JBBBBBBBBBBBBBBBBBBBBBBB', [
      process.execPath,
      '-e',
      'setTimeout(() => {}, 60000)',
    ]);
    await create('marketing', '01JCCCCCCCCCCCCCCCCCCCCCCC', [
      process.execPath,
      '-e',
      'setTimeout(() => {}, 60000)',
    ]);
    await new Promise(r => setTimeout(r, 1000));

    const cluster = (name: string, url: string) => ({
      name,
      url,
      authProvider: 'serviceAccount',
      serviceAccountToken: TOKEN,
      skipTLSVerify: true,
      skipMetricsLookup: true,
    });
    backend = await startKubernetesViewsBackend({
      entities,
      config: {
        kubernetes: {
          serviceLocatorMethod: { type: 'multiTenant' },
          clusterLocatorMethods: [
            {
              type: 'config',
              clusters: [
                cluster('novahost', k8s.url),
                cluster('unreachable', `http://127.0.0.1:${deadPort}`),
              ],
            },
          ],
          objectTypes: ['pods', 'jobs'],
        },
      },
    });
  });

  afterAll(async () => {
    await backend?.stop();
    await k8s?.close();
  });

  it("shows a project entity its own build Jobs and pods, and no other project's", async () => {
    const { of } = await objectsOf(entities[0]);
    expect(of('novahost', 'jobs').sort()).toEqual([
      'nh-build-01jaaaaaaaaaaaaaaaaaaaaaaa',
      'nh-build-01jbbbbbbbbbbbbbbbbbbbbbbb',
    ]);
    const pods = of('novahost', 'pods');
    expect(pods).toHaveLength(2);
    expect(pods.every(p => p.startsWith('nh-build-01j'))).toBe(true);
    expect(pods.some(p => p.includes('01jccc'))).toBe(false);
  });

  it('carries the Job status the Kubernetes tab shows', async () => {
    const { items } = await objectsOf(entities[0]);
    const novahost = items.find(i => i.cluster.name === 'novahost')!;
    const jobs = novahost.resources.find(r => r.type === 'jobs')!.resources;
    const done = jobs.find(j => j.metadata.name.endsWith('aaaaaaa'));
    const running = jobs.find(j => j.metadata.name.endsWith('bbbbbbb'));
    expect(done.status.succeeded).toBe(1);
    expect(running.status.active).toBe(1);
    const pods = novahost.resources.find(r => r.type === 'pods')!.resources;
    // The running build is in its first (init) container: Pending.
    expect(pods.map(p => p.status.phase).sort()).toEqual([
      'Pending',
      'Succeeded',
    ]);
    expect(pods[0].metadata.labels['novahost.dev/project']).toBe('my-site');
  });

  it('selects by the novahost.dev/project label', async () => {
    const { of } = await objectsOf(entities[1]);
    expect(of('novahost', 'jobs')).toEqual([
      'nh-build-01jccccccccccccccccccccccc',
    ]);
    expect(of('novahost', 'pods')).toHaveLength(1);
  });

  it("lists every build in the build namespace for Novahost's build program", async () => {
    const { of } = await objectsOf(entities[2]);
    expect(of('novahost', 'jobs')).toHaveLength(3);
    expect(of('novahost', 'pods')).toHaveLength(3);
  });

  it('reports an unreachable cluster as an error next to the reachable one', async () => {
    const { items } = await objectsOf(entities[0]);
    const down = items.find(i => i.cluster.name === 'unreachable')!;
    expect(down.errors.length).toBeGreaterThan(0);
    expect(down.errors[0]).toMatchObject({ errorType: 'FETCH_ERROR' });
    expect(down.errors[0].message).toMatch(/ECONNREFUSED|fetch failed/);
    expect(items.find(i => i.cluster.name === 'novahost')!.errors).toEqual([]);
  });
});
