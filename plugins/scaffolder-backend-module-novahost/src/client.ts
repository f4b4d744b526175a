import {
  AuthService,
  BackstageCredentials,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import type {
  CreateProjectRequest,
  Deployment,
  LogLine,
  Project,
} from '@internal/plugin-novahost-common';

/** Thrown for non-2xx answers; keeps the status for callers that branch on it. */
export class NovahostApiError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
    this.name = 'NovahostApiError';
  }
}

/** One server-sent event of `GET /deployments/:id/logs`. */
export type DeploymentLogEvent =
  | { type: 'status'; status: Deployment['status'] }
  | { type: 'log'; line: LogLine }
  | { type: 'finish'; status: Deployment['status']; error: string | null };

/**
 * The Novahost REST API as the scaffolder sees it: found through discovery,
 * called with a plugin-to-plugin token issued on behalf of the task's
 * initiator (so the backend knows who created the project).
 */
export class NovahostClient {
  constructor(
    private readonly deps: {
      discovery: DiscoveryService;
      auth: AuthService;
      credentials: BackstageCredentials;
    },
  ) {}

  private async request(
    path: string,
    init: { method?: string; body?: unknown; signal?: AbortSignal } = {},
  ): Promise<Response> {
    const base = await this.deps.discovery.getBaseUrl('novahost');
    const { token } = await this.deps.auth.getPluginRequestToken({
      onBehalfOf: this.deps.credentials,
      targetPluginId: 'novahost',
    });
    const headers: Record<string, string> = {
      Authorization: `Bearer ${token}`,
    };
    if (init.body !== undefined) headers['Content-Type'] = 'application/json';
    return fetch(`${base}${path}`, {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: init.signal,
    });
  }

  private async json<T>(
    path: string,
    init: { method?: string; body?: unknown } = {},
  ): Promise<T> {
    const res = await this.request(path, init);
    if (!res.ok) {
      throw new NovahostApiError(
        `Novahost ${init.method ?? 'GET'} ${path} failed: ${await errorMessage(
          res,
        )}`,
        res.status,
      );
    }
    return (await res.json()) as T;
  }

  /** The project, or undefined when there is none with that id or slug. */
  async findProject(idOrSlug: string): Promise<Project | undefined> {
    try {
      return await this.json<Project>(
        `/projects/${encodeURIComponent(idOrSlug)}`,
      );
    } catch (e) {
      if (e instanceof NovahostApiError && e.status === 404) return undefined;
      throw e;
    }
  }

  createProject(body: CreateProjectRequest): Promise<Project> {
    return this.json<Project>('/projects', { method: 'POST', body });
  }

  createDeployment(projectId: string, ref?: string): Promise<Deployment> {
    return this.json<Deployment>(
      `/projects/${encodeURIComponent(projectId)}/deployments`,
      { method: 'POST', body: ref ? { ref } : {} },
    );
  }

  getDeployment(id: string): Promise<Deployment> {
    return this.json<Deployment>(`/deployments/${encodeURIComponent(id)}`);
  }

  cancelDeployment(id: string): Promise<Deployment> {
    return this.json<Deployment>(
      `/deployments/${encodeURIComponent(id)}/cancel`,
      { method: 'POST' },
    );
  }

  /**
   * Reads the deployment's log stream once, from after `after`, until the
   * server ends it (after `finish`) or the connection drops. Returns
   * normally in both cases; the caller reconnects with the last seq seen.
   */
  async streamLogs(
    id: string,
    after: number,
    onEvent: (event: DeploymentLogEvent) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    const res = await this.request(
      `/deployments/${encodeURIComponent(id)}/logs?after=${after}`,
      { signal },
    );
    if (!res.ok || !res.body) {
      throw new NovahostApiError(
        `Novahost log stream of ${id} failed: ${await errorMessage(res)}`,
        res.status,
      );
    }
    const decoder = new TextDecoder();
    let buffer = '';
    const reader = res.body.getReader();
    // Cancel the read itself on abort: not every fetch implementation ends
    // a body that is already streaming when its signal fires.
    const onAbort = () => {
      reader.cancel().catch(() => {});
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (signal?.aborted) throw signal.reason;
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        for (
          let idx = buffer.indexOf('\n\n');
          idx !== -1;
          idx = buffer.indexOf('\n\n')
        ) {
          const event = parseFrame(buffer.slice(0, idx));
          buffer = buffer.slice(idx + 2);
          if (event) onEvent(event);
        }
      }
    } catch (e) {
      if (signal?.aborted) throw e;
      // A dropped connection: the caller resumes from its cursor.
    } finally {
      signal?.removeEventListener('abort', onAbort);
      reader.releaseLock();
    }
  }
}

/** The message of Backstage's error body, or the status line. */
async function errorMessage(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const message = JSON.parse(text)?.error?.message;
    if (typeof message === 'string' && message) return message;
  } catch {
    // not JSON: fall through
  }
  return `${res.status} ${res.statusText}${
    text ? `: ${text.slice(0, 200)}` : ''
  }`;
}

function parseFrame(frame: string): DeploymentLogEvent | undefined {
  let name = 'message';
  let data = '';
  for (const line of frame.split('\n')) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') name = value;
    else if (field === 'data') data += value;
  }
  if (!data) return undefined;
  let payload: any;
  try {
    payload = JSON.parse(data);
  } catch {
    return undefined;
  }
  switch (name) {
    case 'log':
      return { type: 'log', line: payload };
    case 'status':
      return { type: 'status', status: payload.status };
    case 'finish':
      return {
        type: 'finish',
        status: payload.status,
        error: payload.error ?? null,
      };
    default:
      return undefined;
  }
}
