import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import {
  ApiException,
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  V1ContainerStatus,
  V1Job,
  V1Pod,
} from '@kubernetes/client-node';
import type {
  BuildExit,
  BuildLogSink,
  BuildRequest,
  BuildRunner,
  BuildState,
} from '@internal/plugin-novahost-node';
import { buildToolsEnv } from './buildTools';
import { readKubeConfig, readRunnerOptions } from './kubernetesConfig';
import {
  buildJob,
  buildSecret,
  CONTAINERS,
  jobName,
  KubernetesRunnerOptions,
  LABELS,
  secretName,
} from './kubernetesPod';
import { containerState, streamContainerLog } from './podLogs';
import { PodLogFollower } from './PodLogFollower';

export {
  buildJob,
  buildSecret,
  CONTAINERS,
  jobName,
  LABELS,
  secretName,
} from './kubernetesPod';
export type { KubernetesRunnerOptions } from './kubernetesPod';

const MANAGED_SELECTOR = `${LABELS.managedBy}=novahost,${LABELS.component}=build`;

/**
 * A Job whose pod has not started this long after it was created, and
 * whose Secret does not exist, never will: the backend stopped between
 * creating the Job and its Secret.
 */
const SECRET_GRACE_MS = 30_000;

function isNotFound(e: unknown): boolean {
  return e instanceof ApiException && e.code === 404;
}

const STEP_NAMES: Record<string, string> = {
  [CONTAINERS.clone]: 'clone step',
  [CONTAINERS.build]: 'build step',
  [CONTAINERS.publish]: 'publish step',
};

function statusesOf(pod: V1Pod | undefined): V1ContainerStatus[] {
  return [
    ...(pod?.status?.initContainerStatuses ?? []),
    ...(pod?.status?.containerStatuses ?? []),
  ];
}

/**
 * What a finished or stuck pod says about why, from the container that
 * failed or is stuck, e.g. `build step: OOMKilled (exit code 137)`.
 */
function podReason(pod: V1Pod | undefined): {
  text?: string;
  exitCode: number | null;
} {
  const statuses = statusesOf(pod);
  const step = (s: V1ContainerStatus) => STEP_NAMES[s.name] ?? s.name;
  const failed = statuses.find(
    s => s.state?.terminated && s.state.terminated.exitCode !== 0,
  );
  const terminated = failed?.state?.terminated;
  if (failed && terminated) {
    return {
      text: `${step(failed)}: ${terminated.reason ?? 'Terminated'} (exit code ${
        terminated.exitCode
      })${terminated.message ? `: ${terminated.message}` : ''}`,
      exitCode: terminated.exitCode ?? null,
    };
  }
  const stuck = statuses.find(
    s =>
      s.state?.waiting?.reason && s.state.waiting.reason !== 'PodInitializing',
  );
  const waiting = stuck?.state?.waiting;
  if (stuck && waiting) {
    return {
      text: `${step(stuck)}: ${waiting.reason}${
        waiting.message ? `: ${waiting.message}` : ''
      }`,
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
 * Builds as Kubernetes Jobs (production). The runner creates, inspects and
 * deletes Jobs and their token Secrets, and follows each build pod's
 * `build` container log into the deployment's log (that step holds no
 * token to ship it with). The program's trusted steps talk to the backend
 * with the deployment token (phases, their own log, uploads). State is
 * reconciled from Job status and log following resumes from the pod, so a
 * backend restart loses nothing.
 */
export class KubernetesBuildRunner implements BuildRunner {
  static fromConfig(
    config: Config,
    deps: { logger: LoggerService; apiUrl: string },
  ): KubernetesBuildRunner {
    const c = config.getOptionalConfig('novahost.runner.kubernetes');
    const kc = readKubeConfig(c);
    const options = {
      ...readRunnerOptions(c, deps.apiUrl),
      toolsEnv: buildToolsEnv(config),
    };
    deps.logger.info(
      `Builds run as Kubernetes Jobs in namespace ${options.namespace} (${
        kc.getCurrentCluster()?.server
      })${
        options.runtimeClassName
          ? `, runtime class ${options.runtimeClassName}`
          : ''
      }`,
    );
    return new KubernetesBuildRunner(kc, options, deps.logger);
  }

  readonly buildsDieWithBackend = false;
  private readonly batch: BatchV1Api;
  private readonly core: CoreV1Api;
  private readonly follower: PodLogFollower;

  constructor(
    private readonly kc: KubeConfig,
    readonly options: KubernetesRunnerOptions,
    private readonly logger: LoggerService,
  ) {
    this.batch = kc.makeApiClient(BatchV1Api);
    this.core = kc.makeApiClient(CoreV1Api);
    this.follower = new PodLogFollower({
      container: CONTAINERS.build,
      logger,
      source: {
        pod: async id => {
          const pod = await this.pod(id);
          if (pod) return pod;
          return (await this.job(id)) ? undefined : 'gone';
        },
        stream: (pod, container, onLine, signal) =>
          streamContainerLog(
            this.kc,
            { namespace: options.namespace, pod, container },
            onLine,
            signal,
          ),
      },
    });
  }

  setLogSink(sink: BuildLogSink): void {
    this.follower.setSink(sink);
  }

  drainLogs(deploymentId: string, timeoutMs: number): Promise<void> {
    return this.follower.drain(deploymentId, timeoutMs);
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

  /**
   * Creates the Job, then its token Secret owned by it. In this order the
   * Secret never exists without an owner, so the garbage collector always
   * deletes it with the Job, even if this process dies in between; and the
   * pod cannot start without it, because its Secret volume is not optional
   * (the kubelet keeps the pod waiting and retries the mount).
   */
  async start(
    request: BuildRequest,
    _onExit: (exit: BuildExit) => void,
  ): Promise<{ handle: string }> {
    const { namespace } = this.options;
    const job = buildJob(this.options, request);
    const name = job.metadata!.name!;
    let created: V1Job;
    try {
      created = await this.batch.createNamespacedJob({ namespace, body: job });
    } catch (e) {
      // Created by an earlier attempt whose answer was lost: it is ours.
      if (!(e instanceof ApiException && e.code === 409)) throw e;
      created = await this.batch.readNamespacedJob({ name, namespace });
    }
    try {
      await this.core.createNamespacedSecret({
        namespace,
        body: buildSecret(this.options, request, {
          name,
          uid: created.metadata!.uid!,
        }),
      });
    } catch (e) {
      if (!(e instanceof ApiException && e.code === 409)) {
        await this.cancel(request.deploymentId).catch(() => {});
        // Never the API's message: it could quote the object.
        const code = e instanceof ApiException ? `HTTP ${e.code}` : 'no answer';
        throw new Error(`Could not create the build's token Secret (${code})`);
      }
    }
    void this.follower.follow(request.deploymentId);
    return { handle: `job:${namespace}/${name}` };
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

  private async job(deploymentId: string): Promise<V1Job | undefined> {
    try {
      return await this.batch.readNamespacedJob({
        name: jobName(deploymentId),
        namespace: this.options.namespace,
      });
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  private async secretExists(deploymentId: string): Promise<boolean> {
    try {
      await this.core.readNamespacedSecret({
        name: secretName(deploymentId),
        namespace: this.options.namespace,
      });
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  async inspect(deploymentId: string): Promise<BuildState> {
    const job = await this.job(deploymentId);
    if (!job || job.metadata?.deletionTimestamp) return { state: 'missing' };
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
    const fatal = statusesOf(pod).find(s =>
      FATAL_WAITING.has(s.state?.waiting?.reason ?? ''),
    );
    if (fatal) {
      return {
        state: 'failed',
        reason: `The build pod cannot start: ${podReason(pod).text}`,
        exitCode: null,
      };
    }
    const age = Date.now() - (job.metadata?.creationTimestamp?.getTime() ?? 0);
    if (
      (!pod || containerState(pod, CONTAINERS.clone) === 'waiting') &&
      age > SECRET_GRACE_MS &&
      !(await this.secretExists(deploymentId))
    ) {
      return {
        state: 'failed',
        reason: 'The build pod cannot start: its token Secret is missing',
        exitCode: null,
      };
    }
    // After a restart, or on another replica: pick the build log up again.
    void this.follower.follow(deploymentId);
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
    // Jobs outlive this process on purpose; another process follows their logs.
    this.follower.close();
  }
}
