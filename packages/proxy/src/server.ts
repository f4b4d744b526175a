/**
 * The request handler: host → deployment from the in-memory routing table,
 * path → file from the deployment's manifest, file → bytes from the store.
 * No per-request database or backend call; nothing from the request is used
 * as a host, URL or file system path.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { ArtifactReader } from './artifacts';
import { etagFor, ifNoneMatchMatches } from './conditional';
import { ProxyError, sendError } from './errors';
import { resolveFile } from './files';
import type { Logger } from './logger';
import { contentTypeFor } from './mime';
import type { RouteStore } from './routeStore';
import { resolveTarget } from './routing';

export interface HandlerOptions {
  routes: RouteStore;
  reader: ArtifactReader;
  logger: Logger;
  /** Log one line per request (default true). */
  accessLog?: boolean;
}

/** Headers every deployment response carries. */
const SECURITY_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
};

/**
 * Every response is revalidated with its ETag, so a promote or rollback is
 * visible at once while unchanged files still cost only a 304.
 */
const CACHE_CONTROL = 'public, max-age=0, must-revalidate';

export function createRequestHandler(options: HandlerOptions) {
  const { routes, reader, logger } = options;
  const accessLog = options.accessLog ?? true;

  async function serve(req: IncomingMessage, res: ServerResponse) {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      throw new ProxyError('method_not_allowed');
    }
    const index = routes.index;
    if (!index) throw new ProxyError('no_routes');
    const resolved = resolveTarget(index, req.headers.host, req.url);
    if (!resolved.ok) throw new ProxyError(resolved.code);
    const { target } = resolved;
    res.setHeader('X-Novahost-Deployment', target.deploymentId);

    const manifest = await reader.manifest(target.deploymentId);
    const file = resolveFile(manifest, target.path, {
      spa: target.project.spa,
    });
    if (!file) throw new ProxyError('not_found');

    const etag = etagFor(file.entry.hash);
    const headers: Record<string, string> = {
      ...SECURITY_HEADERS,
      'Content-Type': contentTypeFor(file.key),
      'Cache-Control': CACHE_CONTROL,
      ETag: etag,
    };
    if (
      file.status === 200 &&
      ifNoneMatchMatches(req.headers['if-none-match'], etag)
    ) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    headers['Content-Length'] = String(file.entry.size);
    // Open before the status line goes out, so a missing blob is a clean 502.
    const body =
      req.method === 'HEAD'
        ? undefined
        : await reader.openBlob(file.entry.hash);
    res.writeHead(file.status, headers);
    if (!body) {
      res.end();
      return;
    }
    await pipeline(body, res);
  }

  return async function handle(req: IncomingMessage, res: ServerResponse) {
    const started = process.hrtime.bigint();
    let code: string | undefined;
    try {
      await serve(req, res);
    } catch (error) {
      if (
        (error as NodeJS.ErrnoException)?.code === 'ERR_STREAM_PREMATURE_CLOSE'
      ) {
        code = 'client_closed';
      } else {
        const sent = sendError(res, error, req.method);
        code = sent?.code ?? 'aborted';
        if (!(error instanceof ProxyError) || sent?.status === 502) {
          logger.error('request failed', { error, code });
        }
      }
    } finally {
      if (accessLog) {
        logger.info('request', {
          method: req.method,
          host: req.headers.host?.slice(0, 255),
          path: req.url?.slice(0, 512),
          status: res.statusCode,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
          ...(code ? { code } : {}),
        });
      }
    }
  };
}
