/**
 * A real proxy on fresh ports for tests and benches: its routes from a
 * fake backend (or a real one), its files from a given store.
 */
import type { RouteTable } from '@internal/plugin-novahost-common';
import type { ArtifactReader } from '../artifacts';
import type { ProxyConfig } from '../config';
import { MemoryLogger, type Logger } from '../logger';
import { startProxy, type RunningProxy } from '../proxy';
import { eventually, startFakeBackend, type FakeBackend } from './fixtures';
import { httpGet, type TestResponse } from './http';

/** The token the fake backend started by {@link startTestProxy} accepts. */
export const TEST_PROXY_TOKEN = 'test-proxy-token';

export interface TestProxyOptions {
  /**
   * Where the routes come from: a table served by a fake backend started
   * (and stopped) with the proxy, or a running backend's `/api/novahost`
   * URL and the token it accepts.
   */
  routes: RouteTable | { backendUrl: string; token: string };
  /** A local store's directory, or any store configuration. */
  store: string | ProxyConfig['store'];
  /** Public port; a free one when 0 or left out. */
  port?: number;
  /** Any other setting (hsts, rateLimit, timeouts, routesCacheFile, …). */
  config?: Partial<
    Omit<ProxyConfig, 'store' | 'backendUrl' | 'token' | 'listen' | 'admin'>
  >;
  /** Lines are kept here; a fresh MemoryLogger when left out. */
  logger?: Logger;
  /** Reads the store instead of the reader `store` configures. */
  reader?: ArtifactReader;
  reconnectDelayMs?: number;
  /** Resolve only once the proxy has a routing table (default true). */
  waitForRoutes?: boolean;
}

/** A running proxy (see RunningProxy) with request helpers. */
export interface TestProxy extends Omit<RunningProxy, 'close'> {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The settings it runs with, to start another proxy alike. */
  config: ProxyConfig;
  /** The fake backend, when `routes` was a table. */
  backend: FakeBackend | undefined;
  /** GET (or `method`) `http://<host><path>` from the proxy. */
  get(
    host: string,
    path: string,
    options?: { method?: string; headers?: Record<string, string> },
  ): Promise<TestResponse>;
  /** GET `path` (`/healthz`, `/readyz`, `/metrics`) from the admin port. */
  getAdmin(path: string): Promise<TestResponse>;
  /** Stops the proxy, then the fake backend if it started one. */
  stop(): Promise<void>;
}

export async function startTestProxy(
  options: TestProxyOptions,
): Promise<TestProxy> {
  let backend: FakeBackend | undefined;
  let upstream: { backendUrl: string; token: string };
  if ('projects' in options.routes) {
    backend = await startFakeBackend(TEST_PROXY_TOKEN, options.routes);
    upstream = { backendUrl: backend.url, token: TEST_PROXY_TOKEN };
  } else {
    upstream = options.routes;
  }
  const config: ProxyConfig = {
    baseDomain: 'localhost',
    routesCacheFile: undefined,
    ...options.config,
    listen: { port: options.port ?? 0, host: '127.0.0.1' },
    admin: { port: 0, host: '127.0.0.1' },
    ...upstream,
    store:
      typeof options.store === 'string'
        ? { type: 'local', directory: options.store }
        : options.store,
  };
  let proxy: RunningProxy;
  try {
    proxy = await startProxy(config, options.logger ?? new MemoryLogger(), {
      reader: options.reader,
      reconnectDelayMs: options.reconnectDelayMs,
    });
  } catch (error) {
    await backend?.stop();
    throw error;
  }
  const stop = async () => {
    await proxy.close();
    await backend?.stop();
  };
  if (options.waitForRoutes ?? true) {
    try {
      await eventually(() => {
        if (!proxy.routes.index) throw new Error('the proxy has no routes');
      }, 10_000);
    } catch (error) {
      await stop();
      throw error;
    }
  }
  const { close: _close, ...running } = proxy;
  return {
    ...running,
    url: `http://127.0.0.1:${proxy.port}`,
    config,
    backend,
    get: (host, path, requestOptions) =>
      httpGet(proxy.port, host, path, requestOptions),
    getAdmin: path => httpGet(proxy.adminPort, 'localhost', path),
    stop,
  };
}
