import { LoggerService } from '@backstage/backend-plugin-api';
import {
  ConflictError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { ArgoApplication } from '@internal/plugin-argocd-common';
import { ArgoInstance } from './config';

/**
 * Calls an ArgoCD API server for the two actions the views do not have:
 * sync (`POST /api/v1/applications/{name}/sync`) and refresh
 * (`GET /api/v1/applications/{name}?refresh=normal|hard`).
 *
 * ArgoCD's own 401/403 are reported as 503 (the instance is misconfigured),
 * never passed through: a 401 from Backstage would send the user to sign in
 * again, a 403 would read as a Backstage permission decision.
 */
export class ArgoCDActionsClient {
  private readonly sessionTokens = new Map<string, string>();

  constructor(
    private readonly logger: LoggerService,
    private readonly timeoutMs: number,
  ) {}

  async sync(
    instance: ArgoInstance,
    appName: string,
  ): Promise<ArgoApplication> {
    return this.call(
      instance,
      'POST',
      `/api/v1/applications/${encodeURIComponent(appName)}/sync`,
      { name: appName, prune: false, dryRun: false },
    );
  }

  async refresh(
    instance: ArgoInstance,
    appName: string,
    hard: boolean,
  ): Promise<ArgoApplication> {
    return this.call(
      instance,
      'GET',
      `/api/v1/applications/${encodeURIComponent(appName)}?refresh=${
        hard ? 'hard' : 'normal'
      }`,
    );
  }

  private async call(
    instance: ArgoInstance,
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    retried = false,
  ): Promise<ArgoApplication> {
    const token = await this.token(instance);
    const res = await this.fetch(instance, `${instance.url}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    if (res.status === 401 && !instance.token && !retried) {
      // A session token expired: open a new session once.
      this.sessionTokens.delete(instance.name);
      return this.call(instance, method, path, body, true);
    }
    if (!res.ok) {
      const message = await argoMessage(res);
      const what = `ArgoCD instance '${instance.name}' answered ${res.status}`;
      if (res.status === 404) {
        throw new NotFoundError(`${what}: ${message}`);
      }
      if (res.status === 400 || res.status === 409 || res.status === 412) {
        // e.g. "another operation is already in progress"
        throw new ConflictError(`${what}: ${message}`);
      }
      throw new ServiceUnavailableError(`${what}: ${message}`);
    }
    return (await res.json()) as ArgoApplication;
  }

  private async token(instance: ArgoInstance): Promise<string> {
    if (instance.token) {
      return instance.token;
    }
    const cached = this.sessionTokens.get(instance.name);
    if (cached) {
      return cached;
    }
    const res = await this.fetch(instance, `${instance.url}/api/v1/session`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        username: instance.username,
        password: instance.password,
      }),
    });
    const data = res.ok ? ((await res.json()) as { token?: string }) : {};
    if (!data.token) {
      throw new ServiceUnavailableError(
        `ArgoCD instance '${instance.name}' refused a session for '${instance.username}' (${res.status})`,
      );
    }
    this.sessionTokens.set(instance.name, data.token);
    return data.token;
  }

  private async fetch(
    instance: ArgoInstance,
    url: string,
    init: RequestInit,
  ): Promise<Response> {
    try {
      return await fetch(url, {
        ...init,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code;
      const reason =
        (e as Error).name === 'TimeoutError'
          ? `no answer within ${this.timeoutMs / 1000}s`
          : cause ?? (e as Error).message;
      this.logger.warn(
        `ArgoCD instance '${instance.name}' unreachable (${reason})`,
        e as Error,
      );
      throw new ServiceUnavailableError(
        `ArgoCD instance '${instance.name}' is unreachable (${reason})`,
      );
    }
  }
}

/** ArgoCD errors are gRPC-gateway JSON: `{ error, message, code }`. */
async function argoMessage(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const parsed = JSON.parse(text) as { message?: string; error?: string };
    return (parsed.message ?? parsed.error ?? res.statusText).slice(0, 500);
  } catch {
    return (text || res.statusText).slice(0, 500);
  }
}
