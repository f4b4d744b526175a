/**
 * Wires the proxy: routing table (cache file, then the backend's event
 * stream), the artifact reader, the public server and the admin server.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  LocalArtifactReader,
  S3ArtifactReader,
  type ArtifactReader,
} from './artifacts';
import type { ProxyConfig } from './config';
import type { Logger } from './logger';
import { RouteStore, RoutesCacheFile } from './routeStore';
import { RouteSubscriber } from './routeSubscriber';
import { createRequestHandler } from './handler';
import { CompressionCache } from './encoding';
import { Metrics } from './metrics';
import { RateLimiter } from './rateLimit';

export interface RunningProxy {
  server: Server;
  admin: Server;
  routes: RouteStore;
  subscriber: RouteSubscriber;
  /** Public port (useful with port 0). */
  port: number;
  adminPort: number;
  close(): Promise<void>;
}

function listen(server: Server, port: number, host?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise(resolve => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

export async function startProxy(
  config: ProxyConfig,
  logger: Logger,
  options: { reader?: ArtifactReader; reconnectDelayMs?: number } = {},
): Promise<RunningProxy> {
  const routes = new RouteStore({
    baseDomain: config.baseDomain,
    logger,
    cache: config.routesCacheFile
      ? new RoutesCacheFile(config.routesCacheFile)
      : undefined,
  });
  // Serve the last known table at once, even if the backend is down.
  await routes.loadCache();

  const reader =
    options.reader ??
    (config.store.type === 's3'
      ? new S3ArtifactReader(config.store)
      : new LocalArtifactReader(config.store.directory));
  // Warm the manifests of every production deployment on each change, so
  // the first visitor after a promote does not pay for the read.
  routes.onChange(index => {
    for (const project of index.table.projects) {
      if (project.productionDeploymentId) {
        reader.manifest(project.productionDeploymentId).catch(() => {});
      }
    }
  });

  const subscriber = new RouteSubscriber({
    backendUrl: config.backendUrl,
    token: config.token,
    store: routes,
    logger,
    initialDelayMs: options.reconnectDelayMs,
    maxDelayMs: options.reconnectDelayMs
      ? options.reconnectDelayMs * 4
      : undefined,
  });
  subscriber.start();

  const compression = new CompressionCache(config.compressionCacheBytes);
  const metrics = new Metrics(compression);
  const server = createServer(
    {
      // Slow clients cannot hold a socket forever (408), and headers are
      // bounded (431).
      requestTimeout: config.requestTimeoutMs ?? 30_000,
      headersTimeout: config.headersTimeoutMs ?? 10_000,
      connectionsCheckingInterval: Math.min(
        1000,
        Math.max(50, (config.headersTimeoutMs ?? 10_000) / 4),
      ),
      maxHeaderSize: 16 * 1024,
    },
    createRequestHandler({
      routes,
      reader,
      logger,
      hsts: config.hsts,
      accessLog: config.accessLog,
      compression,
      metrics,
      rateLimiter: config.rateLimit
        ? new RateLimiter(
            config.rateLimit.requestsPerSecond,
            config.rateLimit.burst,
          )
        : undefined,
    }),
  );
  server.keepAliveTimeout = 5_000;

  const admin = createServer((req, res) => {
    if (req.url === '/metrics') {
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
      res.end(
        metrics.render({
          novahost_proxy_routes_version: routes.version ?? 0,
          novahost_proxy_backend_connected: subscriber.isConnected ? 1 : 0,
        }),
      );
      return;
    }
    const ready = routes.index !== undefined;
    const body = (status: number, data: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(data));
    };
    if (req.url === '/healthz') {
      body(200, { status: 'ok' });
    } else if (req.url === '/readyz') {
      body(ready ? 200 : 503, {
        status: ready ? 'ready' : 'waiting for routes',
        routesVersion: routes.version ?? null,
        backendConnected: subscriber.isConnected,
      });
    } else {
      body(404, { error: 'not found' });
    }
  });

  const port = await listen(server, config.listen.port, config.listen.host);
  const adminPort = await listen(admin, config.admin.port, config.admin.host);
  logger.info('novahost proxy listening', {
    port,
    adminPort,
    baseDomain: config.baseDomain,
    backendUrl: config.backendUrl,
  });

  return {
    server,
    admin,
    routes,
    subscriber,
    port,
    adminPort,
    async close() {
      await subscriber.stop();
      await Promise.all([closeServer(server), closeServer(admin)]);
      await routes.flush();
    },
  };
}
