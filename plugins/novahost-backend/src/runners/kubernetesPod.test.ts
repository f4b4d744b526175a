import { ConfigReader } from '@backstage/config';
import { Job } from 'kubernetes-models/batch/v1';
import { Secret } from 'kubernetes-models/v1';
import { BUILD_POOL_PLACEMENT } from '../__testUtils__/placement';
import { buildToolsEnv } from './buildTools';
import { readRunnerOptions } from './kubernetesConfig';
import {
  buildJob,
  buildSecret,
  jobName,
  secretName,
  TOKEN_DIR,
} from './kubernetesPod';

const TOKEN = 'build-token-0123456789abcdefghijklmnopqrstuvwxyz';
const request = {
  deploymentId: '0193a5f0-0000-7000-8000-000000000001',
  projectId: 'p1',
  projectSlug: 'my-site',
  token: TOKEN,
  timeoutSeconds: 900,
};

const options = (kubernetes: object = {}) =>
  readRunnerOptions(
    new ConfigReader({
      image: 'ghcr.io/novahost/build-runner:1',
      ...kubernetes,
    }),
    'http://novahost-backend.novahost.svc/api/novahost',
  );

describe('the build pod', () => {
  const job = buildJob(options(), request);
  const pod = job.spec!.template.spec!;
  const containers = [...pod.initContainers!, ...pod.containers];
  const byName = Object.fromEntries(containers.map(c => [c.name, c]));

  it('runs clone and build as init containers, then publish', () => {
    expect(pod.initContainers!.map(c => c.name)).toEqual(['clone', 'build']);
    expect(pod.containers.map(c => c.name)).toEqual(['publish']);
    expect(containers.map(c => c.args)).toEqual([
      ['clone'],
      ['build'],
      ['publish'],
    ]);
    expect(() => new Job(job as any).validate()).not.toThrow();
  });

  it('gives the build container no credential: no token, no Secret, no service-account token', () => {
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBeUndefined();
    const build = byName.build;
    expect(build.env!.map(e => e.name).sort()).toEqual([
      'HOME',
      'NOVAHOST_WORKDIR',
      'TMPDIR',
    ]);
    expect(build.env!.every(e => e.value !== undefined && !e.valueFrom)).toBe(
      true,
    );
    expect(build.envFrom).toBeUndefined();
    expect(build.volumeMounts!.map(m => m.name)).toEqual(['work', 'build-tmp']);
    const secretVolumes = pod
      .volumes!.filter(v => v.secret || v.projected)
      .map(v => v.name);
    expect(secretVolumes).toEqual(['token']);
    expect(JSON.stringify(job)).not.toContain(TOKEN);
  });

  it('mounts the token Secret into clone and publish only, read-only; publish reads the work read-only', () => {
    const token = pod.volumes!.find(v => v.name === 'token')!;
    expect(token.secret).toMatchObject({
      secretName: secretName(request.deploymentId),
      optional: false,
    });
    for (const name of ['clone', 'publish']) {
      expect(byName[name].volumeMounts).toContainEqual({
        name: 'token',
        mountPath: TOKEN_DIR,
        readOnly: true,
      });
      expect(byName[name].env).toContainEqual({
        name: 'NOVAHOST_BUILD_TOKEN_FILE',
        value: `${TOKEN_DIR}/token`,
      });
      expect(byName[name].env!.map(e => e.name)).not.toContain(
        'NOVAHOST_BUILD_TOKEN',
      );
    }
    expect(byName.publish.volumeMounts).toContainEqual({
      name: 'work',
      mountPath: '/work',
      readOnly: true,
    });
    for (const c of containers) {
      expect(c.securityContext).toMatchObject({
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        privileged: false,
        capabilities: { drop: ['ALL'] },
      });
    }
  });

  it('puts the token in a Secret owned by the Job', () => {
    const secret = buildSecret(options(), request, {
      name: jobName(request.deploymentId),
      uid: '1d7c6c3e-8f0a-4b1e-9c56-1f2e3d4c5b6a',
    });
    expect(() => new Secret(secret as any).validate()).not.toThrow();
    expect(secret.metadata!.ownerReferences).toEqual([
      {
        apiVersion: 'batch/v1',
        kind: 'Job',
        name: jobName(request.deploymentId),
        uid: '1d7c6c3e-8f0a-4b1e-9c56-1f2e3d4c5b6a',
        controller: true,
      },
    ]);
    expect(secret.immutable).toBe(true);
    expect(Buffer.from(secret.data!.token, 'base64').toString()).toBe(TOKEN);
    expect(secret.metadata!.labels).toMatchObject({
      'novahost.dev/deployment': request.deploymentId,
    });
  });

  it('places the pod from config: node selector, tolerations, runtime class', () => {
    const placed = buildJob(
      options({
        ...BUILD_POOL_PLACEMENT,
      }),
      request,
    );
    expect(placed.spec!.template.spec).toMatchObject(BUILD_POOL_PLACEMENT);
    expect(() => new Job(placed as any).validate()).not.toThrow();
    // Not configured: not there.
    expect(pod.nodeSelector).toBeUndefined();
    expect(pod.tolerations).toBeUndefined();
    expect(pod.runtimeClassName).toBeUndefined();
  });

  it('refuses placement config Kubernetes would refuse, naming the key', () => {
    expect(() => options({ runtimeClassName: 'G Visor' })).toThrow(
      /novahost\.runner\.kubernetes\.runtimeClassName/,
    );
    expect(() =>
      options({ tolerations: [{ key: 'a', operator: 'Maybe' }] }),
    ).toThrow(/novahost\.runner\.kubernetes\.tolerations\.0\.operator/);
    expect(() => options({ nodeSelector: { pool: 'not ok' } })).toThrow(
      /novahost\.runner\.kubernetes\.nodeSelector\.pool/,
    );
  });
});

describe('build tools of the build pod', () => {
  it('tells the steps the default Node version and corepack keys', () => {
    const toolsEnv = buildToolsEnv(
      new ConfigReader({
        novahost: {
          builds: {
            defaultNodeVersion: '22',
            corepack: { integrityKeys: '0' },
          },
        },
      }),
    );
    const job = buildJob({ ...options(), toolsEnv }, request);
    const pod = job.spec!.template.spec!;
    const envOf = (c: { env?: Array<{ name: string; value?: string }> }) =>
      Object.fromEntries((c.env ?? []).map(e => [e.name, e.value]));
    for (const c of pod.initContainers!) {
      expect(envOf(c)).toMatchObject({
        NOVAHOST_DEFAULT_NODE_VERSION: '22',
        NOVAHOST_COREPACK_INTEGRITY_KEYS: '0',
      });
    }
    expect(envOf(pod.containers[0])).toMatchObject({
      NOVAHOST_DEFAULT_NODE_VERSION: '22',
    });
    expect(() => new Job(job as any).validate()).not.toThrow();
  });
});
