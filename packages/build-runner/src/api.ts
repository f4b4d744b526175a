/**
 * The build program's side of the backend's build protocol. Every call
 * carries the per-deployment build token and nothing else: the program holds
 * no storage credentials and no Backstage or Kubernetes credentials.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type {
  BuildEvent,
  BuildSpec,
  CacheArchiveInfo,
  CacheArchiveLocation,
  CacheCommitResponse,
  CacheRestoreResponse,
  CacheSavePlan,
  CacheUploadResponse,
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

  /** The clone step: which cache entry to restore for this key. */
  async cacheRestore(key: string): Promise<CacheRestoreResponse> {
    const res = await this.call('POST', '/cache/restore', { key });
    return res.json() as Promise<CacheRestoreResponse>;
  }

  /** The publish step: whether it may save the cache. */
  async cacheSavePlan(): Promise<CacheSavePlan> {
    return (
      await this.call('GET', '/cache/save')
    ).json() as Promise<CacheSavePlan>;
  }

  async cacheUpload(info: CacheArchiveInfo): Promise<CacheUploadResponse> {
    const res = await this.call('POST', '/cache/upload', info);
    return res.json() as Promise<CacheUploadResponse>;
  }

  async cacheCommit(info: CacheArchiveInfo): Promise<CacheCommitResponse> {
    const res = await this.call('POST', '/cache/commit', info);
    return res.json() as Promise<CacheCommitResponse>;
  }

  /** The token goes only to the backend's own endpoints, never to a store. */
  private authFor(url: string): Record<string, string> {
    return url.startsWith(`${this.base}/`)
      ? { Authorization: `Bearer ${this.token}` }
      : {};
  }

  /**
   * Downloads an archive to `file`, refusing more than `maxBytes`;
   * resolves with the sha256 of what arrived.
   */
  async download(
    from: CacheArchiveLocation,
    file: string,
    maxBytes: number,
  ): Promise<{ hash: string; size: number }> {
    return this.withRetries(
      async () => {
        const res = await fetch(from.url, {
          headers: { ...(from.headers ?? {}), ...this.authFor(from.url) },
          signal: AbortSignal.timeout(600_000),
        });
        if (!res.ok || !res.body) {
          await res.arrayBuffer().catch(() => undefined);
          throw new ApiError(`the download answered ${res.status}`, res.status);
        }
        const hash = createHash('sha256');
        let size = 0;
        await pipeline(
          Readable.fromWeb(res.body as any),
          async function* meter(source: AsyncIterable<Buffer>) {
            for await (const chunk of source) {
              size += chunk.length;
              if (size > maxBytes) {
                throw new ApiError(
                  `the download is over ${maxBytes} bytes`,
                  413,
                );
              }
              hash.update(chunk);
              yield chunk;
            }
          },
          createWriteStream(file, { mode: 0o600 }),
        );
        return { hash: hash.digest('hex'), size };
      },
      status => status >= 500 || status === 429,
    );
  }

  /** Uploads a file to its target (streamed; the length is part of a presigned URL's signature). */
  async uploadFile(
    target: UploadTarget,
    file: string,
    size: number,
  ): Promise<void> {
    await this.withRetries(
      async () => {
        const res = await fetch(target.url, {
          method: target.method,
          headers: {
            'Content-Type': 'application/octet-stream',
            ...(target.headers ?? {}),
            'Content-Length': String(size),
            ...this.authFor(target.url),
          },
          body: Readable.toWeb(createReadStream(file)) as any,
          duplex: 'half',
          signal: AbortSignal.timeout(600_000),
        } as RequestInit);
        if (res.ok || res.status === 412) {
          await res.arrayBuffer().catch(() => undefined);
          return;
        }
        const text = (await res.text().catch(() => '')).slice(0, 300);
        throw new ApiError(
          `the upload answered ${res.status}: ${text}`,
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
