import { ResponseError } from '@backstage/errors';
import type { z } from 'zod';
import {
  deploymentSchema,
  envVarListSchema,
  envVarSchema,
  pageSchema,
  projectSchema,
  validateResponse as validate,
  webhookStatusSchema,
} from '../responses';
import type {
  Deployment,
  DeploymentTarget,
  EnvVar,
  Page,
  Project,
  WebhookStatus,
} from '../types';
import type { CreateProjectRequest, UpdateProjectRequest } from '../schemas';
import type { PutEnvVarRequest, RedeployRequest } from '../env';
import { followLogStream } from './logStream';
import type { LogStreamOptions, NovahostApi } from './NovahostApi';

/** What an answer must be, and its name in a validation error. */
interface Answer<T> {
  schema: z.ZodType<T>;
  what: string;
}
const project: Answer<Project> = { schema: projectSchema, what: 'project' };
const projectPage: Answer<Page<Project>> = {
  schema: pageSchema(projectSchema),
  what: 'project list',
};
const deployment: Answer<Deployment> = {
  schema: deploymentSchema,
  what: 'deployment',
};
const deploymentPage: Answer<Page<Deployment>> = {
  schema: pageSchema(deploymentSchema),
  what: 'deployment list',
};

const enc = encodeURIComponent;

/** `?a=1&b=x` of the given values; empty and undefined ones are left out. */
function queryString(values: Record<string, string | number | undefined>) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  const qs = params.toString();
  return qs ? `?${qs}` : '';
}

/**
 * Where the backend is: the frontend's `DiscoveryApi` and the backend's
 * `DiscoveryService` both fit.
 * @public
 */
export interface NovahostDiscovery {
  getBaseUrl(pluginId: string): Promise<string>;
}

/**
 * How requests are sent: the frontend's `FetchApi` (the user's token) or,
 * in the backend, a fetch that adds a plugin-to-plugin token.
 * @public
 */
export interface NovahostFetch {
  fetch: typeof fetch;
}

/** @public */
export interface NovahostClientOptions {
  discoveryApi: NovahostDiscovery;
  fetchApi: NovahostFetch;
  /** First reconnect delay of the log stream; doubles up to 10 s. */
  retryDelayMs?: number;
}

/**
 * The typed client of the Novahost backend (`/api/novahost`), like
 * `@backstage/catalog-client`: found through discovery, sent through the
 * given fetch, every answer validated against the shared schemas. Non-2xx
 * answers throw `ResponseError`.
 * @public
 */
export class NovahostClient implements NovahostApi {
  private readonly discoveryApi: NovahostDiscovery;
  private readonly fetchApi: NovahostFetch;
  private readonly retryDelayMs: number;

  constructor(options: NovahostClientOptions) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi;
    this.retryDelayMs = options.retryDelayMs ?? 1000;
  }

  listProjects(
    query: {
      search?: string;
      owner?: string;
      limit?: number;
      offset?: number;
    } = {},
  ): Promise<Page<Project>> {
    return this.call(projectPage, `/projects${queryString(query)}`);
  }

  getProject(idOrSlug: string): Promise<Project> {
    return this.call(project, `/projects/${enc(idOrSlug)}`);
  }

  createProject(request: CreateProjectRequest): Promise<Project> {
    return this.call(project, '/projects', { method: 'POST', body: request });
  }

  updateProject(
    idOrSlug: string,
    request: UpdateProjectRequest,
  ): Promise<Project> {
    return this.call(project, `/projects/${enc(idOrSlug)}`, {
      method: 'PATCH',
      body: request,
    });
  }

  async deleteProject(idOrSlug: string): Promise<void> {
    await this.json(`/projects/${enc(idOrSlug)}`, { method: 'DELETE' });
  }

  listDeployments(
    idOrSlug: string,
    page: { limit?: number; offset?: number; target?: DeploymentTarget } = {},
  ): Promise<Page<Deployment>> {
    return this.call(
      deploymentPage,
      `/projects/${enc(idOrSlug)}/deployments${queryString(page)}`,
    );
  }

  createDeployment(
    idOrSlug: string,
    request: { ref?: string } = {},
  ): Promise<Deployment> {
    return this.call(deployment, `/projects/${enc(idOrSlug)}/deployments`, {
      method: 'POST',
      body: request,
    });
  }

  getDeployment(id: string): Promise<Deployment> {
    return this.call(deployment, `/deployments/${enc(id)}`);
  }

  cancelDeployment(id: string): Promise<Deployment> {
    return this.call(deployment, `/deployments/${enc(id)}/cancel`, {
      method: 'POST',
    });
  }

  async deleteDeployment(id: string): Promise<void> {
    await this.json(`/deployments/${enc(id)}`, { method: 'DELETE' });
  }

  getWebhookStatus(idOrSlug: string): Promise<WebhookStatus> {
    return this.call(
      { schema: webhookStatusSchema, what: 'webhook status' },
      `/projects/${enc(idOrSlug)}/webhook`,
    );
  }

  async listEnvVars(idOrSlug: string): Promise<EnvVar[]> {
    const list = await this.call(
      { schema: envVarListSchema, what: 'variable list' },
      `/projects/${enc(idOrSlug)}/env`,
    );
    return list.items;
  }

  setEnvVar(
    idOrSlug: string,
    name: string,
    request: PutEnvVarRequest,
  ): Promise<EnvVar> {
    return this.call(
      { schema: envVarSchema, what: 'variable' },
      `/projects/${enc(idOrSlug)}/env/${enc(name)}`,
      { method: 'PUT', body: request },
    );
  }

  async deleteEnvVar(
    idOrSlug: string,
    name: string,
    target?: DeploymentTarget,
  ): Promise<void> {
    await this.json(
      `/projects/${enc(idOrSlug)}/env/${enc(name)}${queryString({ target })}`,
      { method: 'DELETE' },
    );
  }

  redeploy(id: string, request: RedeployRequest = {}): Promise<Deployment> {
    return this.call(deployment, `/deployments/${enc(id)}/redeploy`, {
      method: 'POST',
      body: request,
    });
  }

  promote(idOrSlug: string, deploymentId: string): Promise<Project> {
    return this.call(project, `/projects/${enc(idOrSlug)}/promote`, {
      method: 'POST',
      body: { deploymentId },
    });
  }

  streamLogs(deploymentId: string, options: LogStreamOptions): Promise<void> {
    return followLogStream(
      (after, signal) =>
        this.send(`/deployments/${enc(deploymentId)}/logs?after=${after}`, {
          headers: { Accept: 'text/event-stream' },
          signal,
        }),
      options,
      this.retryDelayMs,
    );
  }

  /** A JSON call whose answer must match `answer`. */
  private async call<T>(
    answer: Answer<T>,
    path: string,
    init?: { method?: string; body?: unknown },
  ): Promise<T> {
    return validate(answer.schema, await this.json(path, init), answer.what);
  }

  private async json(
    path: string,
    init: { method?: string; body?: unknown } = {},
  ): Promise<unknown> {
    const res = await this.send(path, {
      method: init.method ?? 'GET',
      headers:
        init.body !== undefined
          ? { 'Content-Type': 'application/json' }
          : undefined,
      body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
    });
    if (res.status === 204) return undefined;
    return res.json();
  }

  /** One request to the backend; a non-2xx answer throws `ResponseError`. */
  private async send(path: string, init: RequestInit): Promise<Response> {
    const base = await this.discoveryApi.getBaseUrl('novahost');
    const res = await this.fetchApi.fetch(`${base}${path}`, init);
    if (!res.ok) throw await ResponseError.fromResponse(res);
    return res;
  }
}
