import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import {
  ApiException,
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  V1Job,
  V1Pod,
} from '@kubernetes/client-node';
import type {
  BuildExit,
  BuildRequest,
  BuildRunner,
  BuildState,
} from '@internal/plugin-novahost-node';

/** Labels every build Job and its pod carry. */
export const LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  component: 'app.kubernetes.io/component',
  project: 'novahost.dev/project',
  deployment: 'novahost.dev/deployment',
  kubernetesId: 'backstage.io/kubernetes-id',
} as const;

const MANAGED_SELECTOR = `${LABELS.managedBy}=novahost,${LABELS.component}=build`;

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
};

/** The Job name of a deployment: DNS-1123, stable, 45 characters. */
export function jobName(deploymentId: string): string {
  return `nh-build-${deploymentId.toLowerCase()}`;
}

/**
 * The batch/v1 Job of one build. Build code is untrusted, so the pod is
 * locked down: no service-account token, non-root, no privilege
 * escalation, no capabilities, RuntimeDefault seccomp, read-only root file
 * system with emptyDir work volumes, no service links, resource limits, a
 * deadline, no retries. It holds one credential: the deployment's own
 * build token.
 */
export function buildJob(
  o: KubernetesRunnerOptions,
  request: BuildRequest,
): V1Job {
  const labels = {
    [LABELS.managedBy]: 'novahost',
    [LABELS.component]: 'build',
    [LABELS.project]: request.projectSlug,
    [LABELS.deployment]: request.deploymentId,
    [LABELS.kubernetesId]: request.projectSlug,
  };
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
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 1000,
            runAsGroup: 1000,
            fsGroup: 1000,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'build',
              image: o.image,
              ...(o.imagePullPolicy
                ? { imagePullPolicy: o.imagePullPolicy }
                : {}),
              ...(o.command.length ? { command: o.command } : {}),
              env: [
                { name: 'NOVAHOST_API_URL', value: o.apiUrl },
                { name: 'NOVAHOST_DEPLOYMENT_ID', value: request.deploymentId },
                { name: 'NOVAHOST_BUILD_TOKEN', value: request.token },
                { name: 'NOVAHOST_WORKDIR', value: '/work/build' },
                { name: 'HOME', value: '/work/home' },
                { name: 'TMPDIR', value: '/tmp' },
              ],
              resources: {
                requests: { ...o.resources.requests },
                limits: { ...o.resources.limits },
              },
              securityContext: {
                runAsNonRoot: true,
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                privileged: false,
                capabilities: { drop: ['ALL'] },
                seccompProfile: { type: 'RuntimeDefault' },
              },
              volumeMounts: [
                { name: 'work', mountPath: '/work' },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [
            { name: 'work', emptyDir: { sizeLimit: o.workVolumeSize } },
            { name: 'tmp', emptyDir: { sizeLimit: '1Gi' } },
          ],
        },
      },
    },
  };
}

function isNotFound(e: unknown): boolean {
  return e instanceof ApiException && e.code === 404;
}

/** What a finished or stuck pod says about why, e.g. `OOMKilled (exit 137)`. */
function podReason(pod: V1Pod | undefined): {
  text?: string;
  exitCode: number | null;
} {
  const status = pod?.status?.containerStatuses?.[0];
  const terminated = status?.state?.terminated;
  if (terminated) {
    return {
      text: `${terminated.reason ?? 'Terminated'} (exit code ${
        terminated.exitCode
      })${terminated.message ? `: ${terminated.message}` : ''}`,
      exitCode: terminated.exitCode ?? null,
    };
  }
  const waiting = status?.state?.waiting;
  if (waiting?.reason) {
    return {
      text: `${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`,
      exitCode: null,
    };
  }
  return { exitCode: null };
}

/** Image pull failures never fix themselves: fail the build instead of waiting for the deadline. */
const FATAL_WAITING = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'CreateContainerConfigError',
]);

/**
 * Builds as Kubernetes Jobs (production). The runner only creates, inspects
 * and deletes Jobs; the build program in the pod talks to the backend with
 * its deployment token (logs, phases, uploads), and state is reconciled from
 * Job status, so a backend restart loses nothing.
 */
export class KubernetesBuildRunner implements BuildRunner {
  static fromConfig(
    config: Config,
    deps: { logger: LoggerService; apiUrl: string },
  ): KubernetesBuildRunner {
    const c = config.getOptionalConfig('novahost.runner.kubernetes');
    const kc = new KubeConfig();
    const url = c?.getOptionalString('url');
    const kubeconfig = c?.getOptionalString('kubeconfig');
    if (url) {
      kc.loadFromOptions({
        clusters: [
          {
            name: 'novahost',
            server: url,
            caData: c?.getOptionalString('caData'),
            skipTLSVerify: c?.getOptionalBoolean('skipTLSVerify') ?? false,
          },
        ],
        users: [{ name: 'novahost', token: c?.getOptionalString('token') }],
        contexts: [{ name: 'novahost', cluster: 'novahost', user: 'novahost' }],
        currentContext: 'novahost',
      });
    } else if (kubeconfig) {
      kc.loadFromFile(kubeconfig);
    } else {
      kc.loadFromCluster();
    }
    const image = c?.getOptionalString('image');
    if (!image) {
      throw new Error(
        'novahost.runner.kubernetes.image must name the build program image',
      );
    }
    const apiUrl = c?.getOptionalString('apiUrl') ?? deps.apiUrl;
    const options: KubernetesRunnerOptions = {
      namespace: c?.getOptionalString('namespace') ?? 'novahost-builds',
      image,
      command: c?.getOptionalStringArray('command') ?? [],
      imagePullPolicy: c?.getOptionalString('imagePullPolicy'),
      apiUrl: apiUrl.replace(/\/+$/, ''),
      resources: {
        requests: {
          cpu: c?.getOptionalString('resources.requests.cpu') ?? '500m',
          memory: c?.getOptionalString('resources.requests.memory') ?? '1Gi',
        },
        limits: {
          cpu: c?.getOptionalString('resources.limits.cpu') ?? '2',
          memory: c?.getOptionalString('resources.limits.memory') ?? '4Gi',
        },
      },
      ttlSecondsAfterFinished:
        c?.getOptionalNumber('ttlSecondsAfterFinished') ?? 600,
      workVolumeSize: c?.getOptionalString('workVolumeSize') ?? '10Gi',
      serviceAccountName: c?.getOptionalString('serviceAccountName'),
    };
    deps.logger.info(
      `Builds run as Kubernetes Jobs in namespace ${options.namespace} (${
        kc.getCurrentCluster()?.server
      })`,
    );
    return new KubernetesBuildRunner(kc, options, deps.logger);
  }

  readonly buildsDieWithBackend = false;
  private readonly batch: BatchV1Api;
  private readonly core: CoreV1Api;

  constructor(
    kc: KubeConfig,
    readonly options: KubernetesRunnerOptions,
    private readonly logger: LoggerService,
  ) {
    this.batch = kc.makeApiClient(BatchV1Api);
    this.core = kc.makeApiClient(CoreV1Api);
  }

  /** Fails at startup with a clear error when the namespace cannot be used. */
  async checkReady(): Promise<void> {
    try {
      await this.batch.listNamespacedJob({
        namespace: this.options.namespace,
        labelSelector: MANAGED_SELECTOR,
        limit: 1,
      });
    } catch (e) {
      const code = e instanceof ApiException ? ` (HTTP ${e.code})` : '';
      throw new Error(
        `Novahost kubernetes runner cannot list Jobs in namespace '${
          this.options.namespace
        }'${code}: ${(e as Error).message}`,
      );
    }
  }

  async start(
    request: BuildRequest,
    _onExit: (exit: BuildExit) => void,
  ): Promise<{ handle: string }> {
    const job = buildJob(this.options, request);
    try {
      await this.batch.createNamespacedJob({
        namespace: this.options.namespace,
        body: job,
      });
    } catch (e) {
      // Created by an earlier attempt whose answer was lost: it is ours.
      if (!(e instanceof ApiException && e.code === 409)) throw e;
    }
    return { handle: `job:${this.options.namespace}/${job.metadata!.name}` };
  }

  async cancel(deploymentId: string): Promise<void> {
    try {
      await this.batch.deleteNamespacedJob({
        name: jobName(deploymentId),
        namespace: this.options.namespace,
        propagationPolicy: 'Foreground',
      });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  private async pod(deploymentId: string): Promise<V1Pod | undefined> {
    const pods = await this.core.listNamespacedPod({
      namespace: this.options.namespace,
      labelSelector: `job-name=${jobName(deploymentId)}`,
    });
    return pods.items[0];
  }

  async inspect(deploymentId: string): Promise<BuildState> {
    let job: V1Job;
    try {
      job = await this.batch.readNamespacedJob({
        name: jobName(deploymentId),
        namespace: this.options.namespace,
      });
    } catch (e) {
      if (isNotFound(e)) return { state: 'missing' };
      throw e;
    }
    if (job.metadata?.deletionTimestamp) return { state: 'missing' };
    const conditions = job.status?.conditions ?? [];
    const has = (type: string) =>
      conditions.find(c => c.type === type && c.status === 'True');
    if (has('Complete')) return { state: 'succeeded' };
    const failed = has('Failed');
    if (failed) {
      const pod = await this.pod(deploymentId).catch(() => undefined);
      const why = podReason(pod);
      const reason =
        failed.reason === 'DeadlineExceeded'
          ? 'The build Job exceeded its deadline'
          : `The build Job failed: ${
              why.text ?? failed.reason ?? 'unknown reason'
            }${failed.message ? ` — ${failed.message}` : ''}`;
      return { state: 'failed', reason, exitCode: why.exitCode };
    }
    const pod = await this.pod(deploymentId).catch(() => undefined);
    const waiting = pod?.status?.containerStatuses?.[0]?.state?.waiting;
    if (waiting?.reason && FATAL_WAITING.has(waiting.reason)) {
      return {
        state: 'failed',
        reason: `The build pod cannot start: ${podReason(pod).text}`,
        exitCode: null,
      };
    }
    return { state: 'running' };
  }

  async cleanup(active: Set<string>): Promise<number> {
    const jobs = await this.batch.listNamespacedJob({
      namespace: this.options.namespace,
      labelSelector: MANAGED_SELECTOR,
    });
    let removed = 0;
    for (const job of jobs.items) {
      const id = job.metadata?.labels?.[LABELS.deployment];
      const finished = (job.status?.conditions ?? []).some(
        c =>
          (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
      );
      if (
        !id ||
        active.has(id) ||
        finished ||
        job.metadata?.deletionTimestamp
      ) {
        continue;
      }
      this.logger.info(`Deleting orphaned build Job ${job.metadata?.name}`);
      await this.cancel(id);
      removed++;
    }
    return removed;
  }

  async close(): Promise<void> {
    // Jobs outlive this process on purpose.
  }
}
