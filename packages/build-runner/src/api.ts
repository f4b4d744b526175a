/**
 * The build program's side of the backend's build protocol. Every call
 * carries the per-deployment build token and nothing else: the program holds
 * no storage credentials and no Backstage or Kubernetes credentials.
 */
import type {
  BuildEvent,
  BuildSpec,
  FinalizeResponse,
  ManifestFiles,
  ManifestResponse,
  ShippedLine,
  UploadTarget,
} from './protocol.ts';

/** A non-2xx answer from the backend. 4xx answers are not retried. */
export class ApiError extends Error {
  readonly status: number;

  constructor(message: string, status: number) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

export class BuildApi {
  private readonly base: string;
  readonly deploymentId: string;
  private readonly token: string;
  private readonly options: { retries?: number; retryDelayMs?: number };

  constructor(
    apiUrl: string,
    deploymentId: string,
    token: string,
    options: { retries?: number; retryDelayMs?: number } = {},
  ) {
    this.deploymentId = deploymentId;
    this.token = token;
    this.options = options;
    this.base = `${apiUrl.replace(
      /\/+$/,
      '',
    )}/internal/builds/${encodeURIComponent(deploymentId)}`;
  }

  /**
   * Sends a request, retrying network errors and 5xx answers with backoff
   * (the backend may be restarting); 4xx answers are final.
   */
  private async call(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<Response> {
    return this.withRetries(
      async () => {
        const res = await fetch(`${this.base}${path}`, {
          method,
          headers: {
            Authorization: `Bearer ${this.token}`,
            ...(body !== undefined
              ? { 'Content-Type': 'application/json' }
              : {}),
          },
          body: body !== undefined ? JSON.stringify(body) : undefined,
          signal: AbortSignal.timeout(60_000),
        });
        if (res.ok) return res;
        const text = await res.text().catch(() => '');
        let message = text;
        try {
          message = JSON.parse(text)?.error?.message ?? text;
        } catch {
          // not JSON
        }
        throw new ApiError(
          `${method} ${path} answered ${res.status}: ${message.slice(0, 500)}`,
          res.status,
        );
      },
      status => status >= 500,
    );
  }

  /**
   * Runs `send` until it succeeds, with exponential backoff: network errors
   * and answers whose status `retryable` accepts are tried again (the
   * backend may be restarting); any other answer is final.
   */
  private async withRetries<T>(
    send: () => Promise<T>,
    retryable: (status: number) => boolean,
  ): Promise<T> {
    const retries = this.options.retries ?? 5;
    const delay = this.options.retryDelayMs ?? 500;
    let lastError: unknown;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await sleep(delay * 2 ** (attempt - 1));
      try {
        return await send();
      } catch (e) {
        if (e instanceof ApiError && !retryable(e.status)) throw e;
        lastError = e;
      }
    }
    throw lastError;
  }

  async spec(): Promise<BuildSpec> {
    return (await this.call('GET', '/spec')).json() as Promise<BuildSpec>;
  }

  async logs(lines: ShippedLine[]): Promise<void> {
    await this.call('POST', '/logs', { lines });
  }

  async event(event: BuildEvent): Promise<void> {
    await this.call('POST', '/events', event);
  }

  async manifest(files: ManifestFiles): Promise<ManifestResponse> {
    const res = await this.call('POST', '/manifest', { files });
    return res.json() as Promise<ManifestResponse>;
  }

  /**
   * Uploads one blob to its target: the backend's own endpoint (local store,
   * with the build token) or a presigned URL (s3 store, no token: the URL
   * itself is the permission, and the token must never reach a third party).
   */
  async upload(target: UploadTarget, content: Buffer): Promise<void> {
    const ownEndpoint = target.url.startsWith(`${this.base}/`);
    await this.withRetries(
      async () => {
        const res = await fetch(target.url, {
          method: target.method,
          headers: {
            'Content-Type': 'application/octet-stream',
            ...(target.headers ?? {}),
            ...(ownEndpoint ? { Authorization: `Bearer ${this.token}` } : {}),
          },
          body: content,
          signal: AbortSignal.timeout(300_000),
        });
        // 412: a create-only upload found the blob already stored.
        if (res.ok || res.status === 412) {
          await res.arrayBuffer().catch(() => undefined);
          return;
        }
        const text = (await res.text().catch(() => '')).slice(0, 300);
        throw new ApiError(
          `upload of ${target.hash.slice(0, 12)} answered ${
            res.status
          }: ${text}`,
          res.status,
        );
      },
      status => status >= 500 || status === 429,
    );
  }

  async finalize(): Promise<FinalizeResponse> {
    const res = await this.call('POST', '/finalize', {});
    return res.json() as Promise<FinalizeResponse>;
  }
}
