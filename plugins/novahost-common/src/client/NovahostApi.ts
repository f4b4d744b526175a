import type {
  Deployment,
  DeploymentStatus,
  DeploymentTarget,
  EnvVar,
  LogLine,
  Page,
  Project,
  WebhookStatus,
} from '../types';
import type { CreateProjectRequest, UpdateProjectRequest } from '../schemas';
import type { PutEnvVarRequest, RedeployRequest } from '../env';

/** Handlers of a deployment's live log stream. @public */
export interface LogStreamHandlers {
  onStatus?(status: DeploymentStatus, commitSha: string | null): void;
  onLog(line: LogLine): void;
  onFinish(status: DeploymentStatus, error: string | null): void;
  /** Called when the connection dropped and a reconnect is scheduled. */
  onReconnecting?(attempt: number, error: Error): void;
}

/** Options of {@link NovahostApi.streamLogs}. @public */
export interface LogStreamOptions extends LogStreamHandlers {
  /** Only lines after this sequence number (the cursor). */
  after?: number;
  signal?: AbortSignal;
}

/** The Novahost REST API (`/api/novahost`) as its clients use it. @public */
export interface NovahostApi {
  listProjects(query?: {
    search?: string;
    owner?: string;
    limit?: number;
    offset?: number;
  }): Promise<Page<Project>>;
  getProject(idOrSlug: string): Promise<Project>;
  createProject(request: CreateProjectRequest): Promise<Project>;
  updateProject(
    idOrSlug: string,
    request: UpdateProjectRequest,
  ): Promise<Project>;
  deleteProject(idOrSlug: string): Promise<void>;
  /** A project's deployments, newest first; `target` keeps only production or preview ones. */
  listDeployments(
    idOrSlug: string,
    page?: { limit?: number; offset?: number; target?: DeploymentTarget },
  ): Promise<Page<Deployment>>;
  createDeployment(
    idOrSlug: string,
    request?: { ref?: string },
  ): Promise<Deployment>;
  getDeployment(id: string): Promise<Deployment>;
  cancelDeployment(id: string): Promise<Deployment>;
  /** Deletes a deployment that is not production: its routes, logs and unshared files. */
  deleteDeployment(id: string): Promise<void>;
  /** The webhook to set up on the repository, and whether deliveries arrive. */
  getWebhookStatus(idOrSlug: string): Promise<WebhookStatus>;
  /** The project's environment variables; secrets without their value. */
  listEnvVars(idOrSlug: string): Promise<EnvVar[]>;
  /**
   * Sets `name` for the request's targets (what those targets had is
   * replaced; the name keeps its value for the other target). Applies to
   * the next deployment.
   */
  setEnvVar(
    idOrSlug: string,
    name: string,
    request: PutEnvVarRequest,
  ): Promise<EnvVar>;
  /** Removes `name`, or only its value for `target`. */
  deleteEnvVar(
    idOrSlug: string,
    name: string,
    target?: DeploymentTarget,
  ): Promise<void>;
  /**
   * Builds the deployment's commit again (same branch and target) with
   * the project's current variables; `cache: false` skips the build cache.
   */
  redeploy(id: string, request?: RedeployRequest): Promise<Deployment>;
  /** Moves production to a ready deployment; rollback is promoting an older one. */
  promote(idOrSlug: string, deploymentId: string): Promise<Project>;
  /**
   * Follows a deployment's build log until `finish`, reconnecting with the
   * cursor after network errors. Resolves when finished or aborted; rejects
   * when the server refuses the stream (4xx) or answers off the API.
   */
  streamLogs(deploymentId: string, options: LogStreamOptions): Promise<void>;
}
