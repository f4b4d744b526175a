import { ResponseError } from '@backstage/errors';
import {
  deploymentSchema,
  pageSchema,
  projectSchema,
  validateResponse as validate,
} from '../responses';
import type { Deployment, Page, Project } from '../types';
import type { CreateProjectRequest, UpdateProjectRequest } from '../schemas';
import { followLogStream } from './logStream';
import type { LogStreamOptions, NovahostApi } from './NovahostApi';

const projectPage = pageSchema(projectSchema);
const deploymentPage = pageSchema(deploymentSchema);

const enc = encodeURIComponent;

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

  async listProjects(
    query: {
      search?: string;
      owner?: string;
      limit?: number;
      offset?: number;
    } = {},
  ): Promise<Page<Project>> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== '') params.set(key, String(value));
    }
    const qs = params.toString();
    return validate(
      projectPage,
      await this.json(`/projects${qs ? `?${qs}` : ''}`),
      'project list',
    );
  }

  async getProject(idOrSlug: string): Promise<Project> {
    return validate(
      projectSchema,
      await this.json(`/projects/${enc(idOrSlug)}`),
      'project',
    );
  }

  async createProject(request: CreateProjectRequest): Promise<Project> {
    return validate(
      projectSchema,
      await this.json('/projects', { method: 'POST', body: request }),
      'project',
    );
  }

  async updateProject(
    idOrSlug: string,
    request: UpdateProjectRequest,
  ): Promise<Project> {
    return validate(
      projectSchema,
      await this.json(`/projects/${enc(idOrSlug)}`, {
        method: 'PATCH',
        body: request,
      }),
      'project',
    );
  }

  async deleteProject(idOrSlug: string): Promise<void> {
    await this.json(`/projects/${enc(idOrSlug)}`, { method: 'DELETE' });
  }

  async listDeployments(
    idOrSlug: string,
    page: { limit?: number; offset?: number } = {},
  ): Promise<Page<Deployment>> {
    const params = new URLSearchParams();
    if (page.limit !== undefined) params.set('limit', String(page.limit));
    if (page.offset !== undefined) params.set('offset', String(page.offset));
    const qs = params.toString();
    return validate(
      deploymentPage,
      await this.json(
        `/projects/${enc(idOrSlug)}/deployments${qs ? `?${qs}` : ''}`,
      ),
      'deployment list',
    );
  }

  async createDeployment(
    idOrSlug: string,
    request: { ref?: string } = {},
  ): Promise<Deployment> {
    return validate(
      deploymentSchema,
      await this.json(`/projects/${enc(idOrSlug)}/deployments`, {
        method: 'POST',
        body: request,
      }),
      'deployment',
    );
  }

  async getDeployment(id: string): Promise<Deployment> {
    return validate(
      deploymentSchema,
      await this.json(`/deployments/${enc(id)}`),
      'deployment',
    );
  }

  async cancelDeployment(id: string): Promise<Deployment> {
    return validate(
      deploymentSchema,
      await this.json(`/deployments/${enc(id)}/cancel`, { method: 'POST' }),
      'deployment',
    );
  }

  async promote(idOrSlug: string, deploymentId: string): Promise<Project> {
    return validate(
      projectSchema,
      await this.json(`/projects/${enc(idOrSlug)}/promote`, {
        method: 'POST',
        body: { deploymentId },
      }),
      'project',
    );
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
