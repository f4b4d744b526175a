import type {
  V1Container,
  V1Job,
  V1Secret,
  V1Toleration,
} from '@kubernetes/client-node';
import type { BuildRequest } from '@internal/plugin-novahost-node';

/** Labels every build Job, its pod and its Secret carry. */
export const LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  component: 'app.kubernetes.io/component',
  project: 'novahost.dev/project',
  deployment: 'novahost.dev/deployment',
  kubernetesId: 'backstage.io/kubernetes-id',
} as const;

/** The pod's containers, in the order they run. */
export const CONTAINERS = {
  clone: 'clone',
  build: 'build',
  publish: 'publish',
} as const;

/** Where the token's Secret volume is mounted (clone and publish only). */
export const TOKEN_DIR = '/var/run/secrets/novahost';
/** The key of the token in the build's Secret. */
export const TOKEN_KEY = 'token';

export type KubernetesRunnerOptions = {
  namespace: string;
  image: string;
  /** Container command; the image's entrypoint when empty. */
  command: string[];
  imagePullPolicy?: string;
  /** The Novahost API as build pods reach it. */
  apiUrl: string;
  resources: {
    requests: { cpu: string; memory: string };
    limits: { cpu: string; memory: string };
  };
  ttlSecondsAfterFinished: number;
  /** Size limit of the writable work volume. */
  workVolumeSize: string;
  serviceAccountName?: string;
  /** Node placement of build pods: a dedicated build node pool. */
  nodeSelector?: Record<string, string>;
  tolerations?: V1Toleration[];
  /** A sandboxed container runtime (`gvisor`, `kata`), as a RuntimeClass name. */
  runtimeClassName?: string;
  /**
   * The default Node.js version and corepack settings of the clone and
   * build steps (buildTools.ts); the image says which Node versions there
   * are (NOVAHOST_NODE_DIRS).
   */
  toolsEnv?: Record<string, string>;
};

/** The Job name of a deployment: DNS-1123, stable, 45 characters. */
export function jobName(deploymentId: string): string {
  return `nh-build-${deploymentId.toLowerCase()}`;
}

/** The name of the Secret holding a deployment's build token. */
export function secretName(deploymentId: string): string {
  return `${jobName(deploymentId)}-token`;
}

function labelsOf(request: BuildRequest) {
  return {
    [LABELS.managedBy]: 'novahost',
    [LABELS.component]: 'build',
    [LABELS.project]: request.projectSlug,
    [LABELS.deployment]: request.deploymentId,
    [LABELS.kubernetesId]: request.projectSlug,
  };
}

/**
 * The batch/v1 Job of one build. Build code is untrusted, so the pod is
 * locked down: no service-account token, non-root, no privilege
 * escalation, no capabilities, RuntimeDefault seccomp, read-only root file
 * systems with emptyDir volumes, no service links, resource limits, a
 * deadline, no retries. It runs the build program three times, sharing
 * the `work` volume:
 *
 * - init container `clone` (the token from the Secret volume): checks out
 *   and plans;
 * - init container `build`: the project's install and build commands. It
 *   holds no credential at all: no token in env or files, no Secret volume,
 *   no service-account token, no API address. Its log reaches the backend
 *   through the Kubernetes API (PodLogFollower), not through the program;
 * - container `publish` (the token; `work` read-only): uploads, finalizes.
 */
export function buildJob(
  o: KubernetesRunnerOptions,
  request: BuildRequest,
): V1Job {
  const labels = labelsOf(request);
  const locked = {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    privileged: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
  const container = (name: string, c: Partial<V1Container>): V1Container => ({
    name,
    image: o.image,
    ...(o.imagePullPolicy ? { imagePullPolicy: o.imagePullPolicy } : {}),
    ...(o.command.length ? { command: o.command } : {}),
    args: [name],
    resources: {
      requests: { ...o.resources.requests },
      limits: { ...o.resources.limits },
    },
    securityContext: locked,
    ...c,
  });
  const toolsEnv = Object.entries(o.toolsEnv ?? {}).map(([name, value]) => ({
    name,
    value,
  }));
  const trusted = (workReadOnly: boolean) => ({
    env: [
      { name: 'NOVAHOST_API_URL', value: o.apiUrl },
      { name: 'NOVAHOST_DEPLOYMENT_ID', value: request.deploymentId },
      {
        name: 'NOVAHOST_BUILD_TOKEN_FILE',
        value: `${TOKEN_DIR}/${TOKEN_KEY}`,
      },
      { name: 'NOVAHOST_WORKDIR', value: '/work' },
      { name: 'HOME', value: '/tmp' },
      { name: 'TMPDIR', value: '/tmp' },
      ...toolsEnv,
    ],
    volumeMounts: [
      { name: 'work', mountPath: '/work', readOnly: workReadOnly },
      { name: 'token', mountPath: TOKEN_DIR, readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
    ],
  });
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobName(request.deploymentId),
      namespace: o.namespace,
      labels,
      annotations: { 'novahost.dev/project-id': request.projectId },
    },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: request.timeoutSeconds,
      ttlSecondsAfterFinished: o.ttlSecondsAfterFinished,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          ...(o.serviceAccountName
            ? { serviceAccountName: o.serviceAccountName }
            : {}),
          ...(o.runtimeClassName
            ? { runtimeClassName: o.runtimeClassName }
            : {}),
          ...(o.nodeSelector && Object.keys(o.nodeSelector).length
            ? { nodeSelector: { ...o.nodeSelector } }
            : {}),
          ...(o.tolerations?.length
            ? { tolerations: o.tolerations.map(t => ({ ...t })) }
            : {}),
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 1000,
            runAsGroup: 1000,
            fsGroup: 1000,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          initContainers: [
            container(CONTAINERS.clone, trusted(false)),
            container(CONTAINERS.build, {
              env: [
                { name: 'NOVAHOST_WORKDIR', value: '/work' },
                { name: 'HOME', value: '/work/home' },
                { name: 'TMPDIR', value: '/tmp' },
                ...toolsEnv,
              ],
              volumeMounts: [
                { name: 'work', mountPath: '/work' },
                { name: 'build-tmp', mountPath: '/tmp' },
              ],
            }),
          ],
          containers: [container(CONTAINERS.publish, trusted(true))],
          volumes: [
            { name: 'work', emptyDir: { sizeLimit: o.workVolumeSize } },
            { name: 'tmp', emptyDir: { sizeLimit: '1Gi' } },
            { name: 'build-tmp', emptyDir: { sizeLimit: '1Gi' } },
            {
              name: 'token',
              secret: {
                secretName: secretName(request.deploymentId),
                // The pod waits for the Secret rather than start without it.
                optional: false,
                // Read-only, for the pod's group (fsGroup) only.
                defaultMode: 0o440,
                items: [{ key: TOKEN_KEY, path: TOKEN_KEY }],
              },
            },
          ],
        },
      },
    },
  };
}

/**
 * The Secret holding the build token, owned by its Job: the garbage
 * collector deletes it with the Job (finished and expired, canceled or
 * deleted by hand). Immutable; read by the kubelet for the pod's volume.
 */
export function buildSecret(
  o: KubernetesRunnerOptions,
  request: BuildRequest,
  job: { name: string; uid: string },
): V1Secret {
  const { [LABELS.kubernetesId]: _, ...labels } = labelsOf(request);
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: secretName(request.deploymentId),
      namespace: o.namespace,
      labels,
      ownerReferences: [
        {
          apiVersion: 'batch/v1',
          kind: 'Job',
          name: job.name,
          uid: job.uid,
          controller: true,
        },
      ],
    },
    type: 'Opaque',
    immutable: true,
    data: {
      [TOKEN_KEY]: Buffer.from(request.token, 'utf8').toString('base64'),
    },
  };
}
