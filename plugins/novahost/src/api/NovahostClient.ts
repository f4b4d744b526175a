import { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  CreateProjectRequest,
  Deployment,
  Page,
  Project,
  UpdateProjectRequest,
  deploymentSchema,
  logFinishEventSchema,
  logLineSchema,
  logStatusEventSchema,
  pageSchema,
  projectSchema,
  validateResponse,
  NovahostResponseValidationError,
} from '@internal/plugin-novahost-common';
import { LogStreamOptions, NovahostApi } from './NovahostApi';
import { SseParser } from './sse';

const projectPage = pageSchema(projectSchema);
const deploymentPage = pageSchema(deploymentSchema);

const validate = validateResponse;
const enc = encodeURIComponent;

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>(resolve => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done);
  });

/**
 * The typed client of the Novahost backend (`/api/novahost`). Requests go
 * through the app's fetchApi, so they carry the signed-in user's token;
 * every response body is validated against the shared schemas.
 * @public
 */
export class NovahostClient implements NovahostApi {
  private readonly discoveryApi: DiscoveryApi;
  private readonly fetchApi: FetchApi;
  private readonly retryDelayMs: number;

  constructor(options: {
    discoveryApi: DiscoveryApi;
    fetchApi: FetchApi;
    /** First reconnect delay of the log stream; doubles up to 10 s. */
    retryDelayMs?: number;
  }) {
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
      await this.request(`/projects${qs ? `?${qs}` : ''}`),
      'project list',
    );
  }

  async getProject(idOrSlug: string): Promise<Project> {
    return validate(
      projectSchema,
      await this.request(`/projects/${enc(idOrSlug)}`),
      'project',
    );
  }

  async createProject(request: CreateProjectRequest): Promise<Project> {
    return validate(
      projectSchema,
      await this.request('/projects', { method: 'POST', body: request }),
      'project',
    );
  }

  async updateProject(
    idOrSlug: string,
    request: UpdateProjectRequest,
  ): Promise<Project> {
    return validate(
      projectSchema,
      await this.request(`/projects/${enc(idOrSlug)}`, {
        method: 'PATCH',
        body: request,
      }),
      'project',
    );
  }

  async deleteProject(idOrSlug: string): Promise<void> {
    await this.request(`/projects/${enc(idOrSlug)}`, { method: 'DELETE' });
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
      await this.request(
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
      await this.request(`/projects/${enc(idOrSlug)}/deployments`, {
        method: 'POST',
        body: request,
      }),
      'deployment',
    );
  }

  async getDeployment(id: string): Promise<Deployment> {
    return validate(
      deploymentSchema,
      await this.request(`/deployments/${enc(id)}`),
      'deployment',
    );
  }

  async cancelDeployment(id: string): Promise<Deployment> {
    return validate(
      deploymentSchema,
      await this.request(`/deployments/${enc(id)}/cancel`, { method: 'POST' }),
      'deployment',
    );
  }

  async promote(idOrSlug: string, deploymentId: string): Promise<Project> {
    return validate(
      projectSchema,
      await this.request(`/projects/${enc(idOrSlug)}/promote`, {
        method: 'POST',
        body: { deploymentId },
      }),
      'project',
    );
  }

  async streamLogs(
    deploymentId: string,
    options: LogStreamOptions,
  ): Promise<void> {
    const { signal } = options;
    let after = options.after ?? 0;
    let attempt = 0;
    while (!signal?.aborted) {
      try {
        const base = await this.discoveryApi.getBaseUrl('novahost');
        const res = await this.fetchApi.fetch(
          `${base}/deployments/${enc(deploymentId)}/logs?after=${after}`,
          { headers: { Accept: 'text/event-stream' }, signal },
        );
        if (!res.ok) throw await ResponseError.fromResponse(res);
        if (!res.body) throw new Error('The log stream has no body');
        const reader = res.body.getReader();
        const decoder = new TextDecoder();
        const parser = new SseParser();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          for (const event of parser.push(
            decoder.decode(value, { stream: true }),
          )) {
            attempt = 0;
            const data = JSON.parse(event.data);
            if (event.event === 'log') {
              const line = validate(logLineSchema, data, 'log line');
              if (line.seq <= after) continue;
              after = line.seq;
              options.onLog(line);
            } else if (event.event === 'status') {
              const update = validate(
                logStatusEventSchema,
                data,
                'status event',
              );
              options.onStatus?.(update.status, update.commitSha ?? null);
            } else if (event.event === 'finish') {
              const finish = validate(logFinishEventSchema, data, 'finish');
              options.onFinish(finish.status, finish.error ?? null);
              // Not awaited: some stream implementations settle cancel late.
              reader.cancel().catch(() => {});
              return;
            }
          }
        }
        throw new Error('The log stream ended before the build finished');
      } catch (error) {
        if (signal?.aborted) return;
        // The server said no (404, 401, 403, bad input): retrying will not help.
        if (
          error instanceof ResponseError &&
          error.statusCode >= 400 &&
          error.statusCode < 500 &&
          error.statusCode !== 429
        ) {
          throw error;
        }
        if (error instanceof NovahostResponseValidationError) throw error;
        attempt += 1;
        options.onReconnecting?.(attempt, error as Error);
        await sleep(
          Math.min(this.retryDelayMs * 2 ** (attempt - 1), 10_000),
          signal,
        );
      }
    }
  }

  private async request(
    path: string,
    init: { method?: string; body?: unknown } = {},
  ): Promise<unknown> {
    const base = await this.discoveryApi.getBaseUrl('novahost');
    const res = await this.fetchApi.fetch(`${base}${path}`, {
      method: init.method ?? 'GET',
      headers:
        init.body !== undefined
          ? { 'Content-Type': 'application/json' }
          : undefined,
      body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
    });
    if (!res.ok) throw await ResponseError.fromResponse(res);
    if (res.status === 204) return undefined;
    return res.json();
  }
}
