/**
 * The request handler: host → deployment from the in-memory routing table,
 * path → file from the deployment's manifest, file → bytes from the store.
 * No per-request database or backend call; nothing from the request is used
 * as a host, URL or file system path.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { readAll, type ArtifactReader } from './artifacts';
import { etagFor, ifNoneMatchMatches } from './conditional';
import { ProxyError, sendError } from './errors';
import {
  CONFIG_FILES,
  resolveFile,
  type LoadedManifest,
  type ResolvedFile,
} from './files';
import {
  BlobCache,
  MAX_MEMORY_BLOB_BYTES,
  CompressionCache,
  cacheControlFor,
  chooseEncoding,
  isCompressible,
  parseRange,
} from './encoding';
import type { Metrics } from './metrics';
import type { RateLimiter } from './rateLimit';
import { parseRequestPath } from './paths';
import { headersFor, matchRedirect } from './rules';
import type { Logger } from './logger';
import { contentTypeFor } from './mime';
import type { RouteStore } from './routeStore';
import { resolveTarget, type RoutingIndex, type SiteTarget } from './routing';

type Plan =
  | {
      kind: 'redirect';
      status: number;
      location: string;
      hsts?: Record<string, string>;
    }
  | {
      kind: 'file';
      status: 200 | 404;
      target: SiteTarget;
      manifest: LoadedManifest;
      file: ResolvedFile;
      contentType: string;
      hsts?: Record<string, string>;
      /**
       * The complete flat header list of a plain, uncompressed 200 GET of
       * this file, set by the first such response: the fast path's answer.
       */
      raw?: string[];
    };

export interface HandlerOptions {
  routes: RouteStore;
  reader: ArtifactReader;
  logger: Logger;
  /** Log one line per request (default true). */
  accessLog?: boolean;
  /**
   * `Strict-Transport-Security` value for production hosts, when TLS is
   * terminated in front of the proxy; off when undefined.
   */
  hsts?: string;
  compression?: CompressionCache;
  blobs?: BlobCache;
  metrics?: Metrics;
  /** Per-client-address limit; none when undefined. */
  rateLimiter?: RateLimiter;
}

/** Headers every deployment response carries. */
const SECURITY_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
};

/** A decoded manifest path as a URL path (each segment percent-encoded). */
function urlPath(path: string): string {
  return `/${path.split('/').map(encodeURIComponent).join('/')}`;
}

function queryOf(url: string | undefined): string {
  const q = url?.indexOf('?') ?? -1;
  return q === -1 ? '' : url!.slice(q + 1);
}

function redirect(
  res: ServerResponse,
  status: number,
  location: string,
  extra: Record<string, string> = {},
) {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    ...extra,
    Location: location,
    'Cache-Control': 'public, max-age=0, must-revalidate',
    'Content-Length': '0',
  });
  res.end();
}

export function createRequestHandler(options: HandlerOptions) {
  const { routes, reader, logger } = options;
  const accessLog = options.accessLog ?? true;
  const compression = options.compression ?? new CompressionCache();
  const blobs = options.blobs ?? new BlobCache();
  /** Response headers per manifest (dropped with it). */
  const responseHeaders = new WeakMap<
    LoadedManifest,
    Map<string, Record<string, string>>
  >();
  const loadBlob = async (hash: string) => readAll(await reader.openBlob(hash));

  /**
   * Everything about a response that follows from (routing table, host,
   * URL) alone: which deployment and file, or which redirect. Deterministic
   * for a routing table (manifests are immutable), so it is cached per
   * table and the hot path skips routing and path resolution entirely.
   */
  async function makePlan(
    index: RoutingIndex,
    host: string | undefined,
    url: string | undefined,
  ): Promise<Plan> {
    const resolved = resolveTarget(index, host, url);
    if (!resolved.ok) throw new ProxyError(resolved.code);
    const { target } = resolved;
    const hsts =
      options.hsts && target.via === 'production'
        ? { 'Strict-Transport-Security': options.hsts }
        : undefined;

    const manifest =
      reader.cachedManifest?.(target.deploymentId) ??
      (await reader.manifest(target.deploymentId));
    const query = queryOf(url);
    let path = target.path;
    const has = (key: string) =>
      !CONFIG_FILES.has(key) && manifest.files.has(key);
    const exact =
      path === '' || path.endsWith('/')
        ? has(`${path}index.html`)
        : has(path) || has(`${path}.html`);

    // _redirects: forced rules always, others only where no file answers.
    let forcedStatus: 404 | undefined;
    if (manifest.redirects) {
      const rule = matchRedirect(manifest.redirects, `/${path}`, query, exact);
      if (rule?.kind === 'redirect') {
        return {
          kind: 'redirect',
          status: rule.status,
          location: rule.location,
          hsts,
        };
      }
      if (rule?.kind === 'rewrite') {
        const rewritten = parseRequestPath(rule.path);
        if (!rewritten.ok) throw new ProxyError('not_found');
        path = rewritten.path;
        if (rule.status === 404) forcedStatus = 404;
      }
    }

    // Trailing slashes, as static hosts do: a folder's index lives at
    // `/docs/`, a file at `/about`. The query string is kept.
    const q = query ? `?${query}` : '';
    if (!forcedStatus && path === target.path) {
      if (
        path !== '' &&
        !path.endsWith('/') &&
        !has(path) &&
        !has(`${path}.html`) &&
        has(`${path}/index.html`)
      ) {
        return {
          kind: 'redirect',
          status: 308,
          location: `${urlPath(path)}/${q}`,
          hsts,
        };
      }
      if (
        path.endsWith('/') &&
        path !== '' &&
        !has(`${path}index.html`) &&
        has(`${path.slice(0, -1)}.html`)
      ) {
        return {
          kind: 'redirect',
          status: 308,
          location: `${urlPath(path.slice(0, -1))}${q}`,
          hsts,
        };
      }
    }

    const file = resolveFile(manifest, path, { spa: target.project.spa });
    if (!file) throw new ProxyError('not_found');
    const status = forcedStatus ?? file.status;
    return {
      kind: 'file',
      status,
      target,
      manifest,
      file,
      contentType: contentTypeFor(file.key),
      hsts,
    };
  }

  const plans = new WeakMap<RoutingIndex, Map<string, Plan>>();
  const MAX_PLANS = 20_000;

  /** Method and rate limit: checked once per request, before either path. */
  function admit(req: IncomingMessage) {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      throw new ProxyError('method_not_allowed');
    }
    if (
      options.rateLimiter &&
      !options.rateLimiter.allow(req.socket.remoteAddress ?? 'unknown')
    ) {
      options.metrics?.rateLimited();
      throw new ProxyError('rate_limited');
    }
  }

  /**
   * The hot path, synchronous: a plain GET whose plan is cached, whose
   * uncompressed response was built before, and whose bytes are in memory
   * goes out with no promise, no routing and no header copy. Returns false
   * when the request needs the full path (`serve`).
   */
  function serveFast(req: IncomingMessage, res: ServerResponse): boolean {
    const headers = req.headers;
    if (
      req.method !== 'GET' ||
      headers.range ||
      headers['if-none-match'] ||
      headers['if-modified-since']
    ) {
      return false;
    }
    const index = routes.index;
    const plan = index && plans.get(index)?.get(`${headers.host}\n${req.url}`);
    if (!plan || plan.kind !== 'file' || !plan.raw) return false;
    const { entry } = plan.file;
    if (
      headers['accept-encoding'] &&
      chooseEncoding(headers['accept-encoding'], plan.contentType, entry.size)
    ) {
      return false;
    }
    const cached = blobs.peek(entry.hash);
    if (!cached) return false;
    res.writeHead(200, plan.raw);
    res.end(cached);
    return true;
  }

  async function serve(req: IncomingMessage, res: ServerResponse) {
    const index = routes.index;
    if (!index) throw new ProxyError('no_routes');
    const planKey = `${req.headers.host}\n${req.url}`;
    let perIndex = plans.get(index);
    let plan = perIndex?.get(planKey);
    if (!plan) {
      plan = await makePlan(index, req.headers.host, req.url);
      if (!perIndex) {
        perIndex = new Map();
        plans.set(index, perIndex);
      }
      if (perIndex.size >= MAX_PLANS) perIndex.clear();
      if (planKey.length <= 1024) perIndex.set(planKey, plan);
    }
    if (plan.kind === 'redirect') {
      redirect(res, plan.status, plan.location, plan.hsts);
      return;
    }
    const { status, target, manifest, file, hsts, contentType } = plan;
    const { entry } = file;
    const encoding =
      status === 200 && req.headers.range
        ? undefined
        : chooseEncoding(
            req.headers['accept-encoding'],
            contentType,
            entry.size,
          );
    const etag = etagFor(encoding ? `${entry.hash}-${encoding}` : entry.hash);
    // The headers of a (path, file, encoding, host kind) never change within
    // a deployment: computed once, copied per response.
    const cacheKey = `${target.via}\0${target.path}\0${file.key}\0${
      encoding ?? ''
    }`;
    let base = responseHeaders.get(manifest)?.get(cacheKey);
    if (!base) {
      base = {
        ...SECURITY_HEADERS,
        ...(manifest.headers
          ? headersFor(manifest.headers, `/${target.path}`)
          : {}),
        ...hsts,
        'Content-Type': contentType,
        'Cache-Control': cacheControlFor(file.key),
        ETag: etag,
        'Accept-Ranges': 'bytes',
        'X-Novahost-Deployment': target.deploymentId,
      };
      if (isCompressible(contentType)) base.Vary = 'Accept-Encoding';
      if (manifest.createdAt) {
        base['Last-Modified'] = manifest.createdAt.toUTCString();
      }
      let perManifest = responseHeaders.get(manifest);
      if (!perManifest) {
        perManifest = new Map();
        responseHeaders.set(manifest, perManifest);
      }
      if (perManifest.size < 10_000) perManifest.set(cacheKey, base);
    }
    // The common case — a plain GET of a small file already in memory —
    // goes out with a precomputed raw header list: no copy, no merge.
    if (
      status === 200 &&
      !encoding &&
      req.method === 'GET' &&
      entry.size <= MAX_MEMORY_BLOB_BYTES &&
      !req.headers['if-none-match'] &&
      !req.headers['if-modified-since'] &&
      !req.headers.range
    ) {
      const cached = blobs.peek(entry.hash);
      if (cached) {
        if (!plan.raw) {
          plan.raw = Object.entries(base).flat();
          plan.raw.push('Content-Length', String(entry.size));
        }
        res.writeHead(200, plan.raw);
        res.end(cached);
        return;
      }
    }
    const headers: Record<string, string> = { ...base };

    if (status === 200) {
      const inm = req.headers['if-none-match'];
      const ims = req.headers['if-modified-since'];
      const notModified = inm
        ? ifNoneMatchMatches(inm, etag)
        : Boolean(
            ims &&
              manifest.createdAt &&
              Math.floor(manifest.createdAt.getTime() / 1000) <=
                Math.floor(Date.parse(ims) / 1000),
          );
      if (notModified) {
        options.metrics?.notModified();
        res.writeHead(304, headers);
        res.end();
        return;
      }
    }

    if (encoding) {
      const body = await compression.get(entry.hash, encoding, () =>
        loadBlob(entry.hash),
      );
      headers['Content-Encoding'] = encoding;
      headers['Content-Length'] = String(body.length);
      res.writeHead(status, headers);
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }

    // Single byte ranges (If-Range honoured), on 200 responses only.
    let range: { start: number; end: number } | undefined;
    if (status === 200 && req.headers.range) {
      const ifRange = req.headers['if-range'];
      if (!ifRange || ifRange === etag) {
        const parsed = parseRange(req.headers.range, entry.size);
        if (parsed === 'unsatisfiable') {
          res.writeHead(416, {
            ...SECURITY_HEADERS,
            'Content-Range': `bytes */${entry.size}`,
            'Content-Length': '0',
          });
          res.end();
          return;
        }
        range = parsed;
      }
    }
    if (range) {
      headers[
        'Content-Range'
      ] = `bytes ${range.start}-${range.end}/${entry.size}`;
      headers['Content-Length'] = String(range.end - range.start + 1);
    } else {
      headers['Content-Length'] = String(entry.size);
    }
    if (req.method !== 'HEAD' && entry.size <= MAX_MEMORY_BLOB_BYTES) {
      const whole =
        blobs.peek(entry.hash) ??
        (await blobs.get(entry.hash, () => loadBlob(entry.hash)));
      res.writeHead(range ? 206 : status, headers);
      res.end(range ? whole.subarray(range.start, range.end + 1) : whole);
      return;
    }
    // Open before the status line goes out, so a missing blob is a clean 502.
    const body =
      req.method === 'HEAD'
        ? undefined
        : await reader.openBlob(entry.hash, range);
    res.writeHead(range ? 206 : status, headers);
    if (!body) {
      res.end();
      return;
    }
    await pipeline(body, res);
  }

  function finish(
    req: IncomingMessage,
    res: ServerResponse,
    started: number,
    code: string | undefined,
  ) {
    const ms = performance.now() - started;
    options.metrics?.observe(res.statusCode, ms / 1000);
    if (accessLog) {
      logger.info('request', {
        method: req.method,
        host: req.headers.host?.slice(0, 255),
        path: req.url?.slice(0, 512),
        status: res.statusCode,
        ms,
        ...(code ? { code } : {}),
      });
    }
  }

  function fail(req: IncomingMessage, res: ServerResponse, error: unknown) {
    if (
      (error as NodeJS.ErrnoException)?.code === 'ERR_STREAM_PREMATURE_CLOSE'
    ) {
      return 'client_closed';
    }
    const sent = sendError(res, error, req.method);
    if (!(error instanceof ProxyError) || sent?.status === 502) {
      logger.error('request failed', { error, code: sent?.code });
    }
    return sent?.code ?? 'aborted';
  }

  async function serveFull(
    req: IncomingMessage,
    res: ServerResponse,
    started: number,
  ) {
    let code: string | undefined;
    try {
      await serve(req, res);
    } catch (error) {
      code = fail(req, res, error);
    }
    finish(req, res, started, code);
  }

  return function handle(
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> | void {
    const started = performance.now();
    try {
      admit(req);
      if (serveFast(req, res)) {
        finish(req, res, started, undefined);
        return undefined;
      }
    } catch (error) {
      finish(req, res, started, fail(req, res, error));
      return undefined;
    }
    return serveFull(req, res, started);
  };
}
