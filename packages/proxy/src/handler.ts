/**
 * The request handler: host → deployment from the in-memory routing table,
 * path → file from the deployment's manifest ({@link planRequest}), file →
 * bytes through the response steps. No per-request database or backend
 * call; nothing from the request is used as a host, URL or file system path.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readAll, type ArtifactReader } from './artifacts';
import { BlobCache, CompressionCache, chooseEncoding } from './encoding';
import { ProxyError, sendError } from './errors';
import type { LoadedManifest } from './files';
import type { Logger } from './logger';
import type { Metrics } from './metrics';
import { planRequest, type FilePlan, type RedirectPlan } from './plan';
import type { RateLimiter } from './rateLimit';
import { ResponseHeaderCache, sendRedirect } from './responseHeaders';
import type { RouteStore } from './routeStore';
import type { RoutingIndex } from './routing';
import {
  RESPONSE_STEPS,
  createStepContext,
  runSteps,
  type StepIO,
} from './steps';

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

type CachedPlan = RedirectPlan | FilePlan;

/** Most plans kept per routing table; the cache starts over past it. */
const MAX_PLANS = 20_000;
/** Longer host + URL keys are planned every time, never kept. */
const MAX_PLAN_KEY = 1024;

export function createRequestHandler(options: HandlerOptions) {
  const { routes, reader, logger, metrics } = options;
  const accessLog = options.accessLog ?? true;
  const blobs = options.blobs ?? new BlobCache();
  const io: StepIO = {
    reader,
    loadBlob: async hash => readAll(await reader.openBlob(hash)),
    blobs,
    compression: options.compression ?? new CompressionCache(),
    metrics,
  };
  const headerCache = new ResponseHeaderCache();
  const plans = new WeakMap<RoutingIndex, Map<string, CachedPlan>>();

  /** Plans a request, loading its deployment's manifest when needed. */
  async function makePlan(
    index: RoutingIndex,
    req: IncomingMessage,
  ): Promise<CachedPlan> {
    const input = {
      index,
      host: req.headers.host,
      url: req.url,
      hsts: options.hsts,
      manifest: (id: string) => reader.cachedManifest?.(id),
    };
    let plan = planRequest(input);
    if (plan.kind === 'load') {
      const loaded: LoadedManifest = await reader.manifest(plan.deploymentId);
      plan = planRequest({ ...input, manifest: () => loaded });
    }
    if (plan.kind === 'error') throw new ProxyError(plan.code);
    if (plan.kind === 'load') throw new ProxyError('manifest_missing');
    return plan;
  }

  async function planFor(
    index: RoutingIndex,
    req: IncomingMessage,
  ): Promise<CachedPlan> {
    const key = `${req.headers.host}\n${req.url}`;
    let perIndex = plans.get(index);
    const cached = perIndex?.get(key);
    if (cached) return cached;
    const plan = await makePlan(index, req);
    if (!perIndex) {
      perIndex = new Map();
      plans.set(index, perIndex);
    }
    if (perIndex.size >= MAX_PLANS) perIndex.clear();
    if (key.length <= MAX_PLAN_KEY) perIndex.set(key, plan);
    return plan;
  }

  /** Method and rate limit: checked once per request, before either path. */
  function admit(req: IncomingMessage) {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      throw new ProxyError('method_not_allowed');
    }
    if (
      options.rateLimiter &&
      !options.rateLimiter.allow(req.socket.remoteAddress ?? 'unknown')
    ) {
      metrics?.rateLimited();
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
    const plan = await planFor(index, req);
    if (plan.kind === 'redirect') {
      sendRedirect(res, plan);
      return;
    }
    const ctx = createStepContext(req, plan, io, headerCache);
    await runSteps(RESPONSE_STEPS, req, res, ctx);
  }

  function finish(
    req: IncomingMessage,
    res: ServerResponse,
    started: number,
    code: string | undefined,
  ) {
    const ms = performance.now() - started;
    metrics?.observe(res.statusCode, ms / 1000);
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
