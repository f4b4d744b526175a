import type { Config } from '@backstage/config';

/** The proxy's settings, read from the same app-config as the backend. */
export interface ProxyConfig {
  baseDomain: string;
  listen: { port: number; host?: string };
  /** Health and readiness endpoints; not reachable through site hosts. */
  admin: { port: number; host?: string };
  backendUrl: string;
  token: string;
  routesCacheFile: string | undefined;
  store: { type: 'local'; directory: string };
}

export const DEFAULT_STORE_DIRECTORY = '../../.novahost/artifacts';

/** Reads `novahost.proxy.*` and `novahost.store.*`, failing with the key that is wrong. */
export function readProxyConfig(config: Config): ProxyConfig {
  const proxy = config.getOptionalConfig('novahost.proxy');
  const backendBase = config.getOptionalString('backend.baseUrl');
  const backendUrl =
    proxy?.getOptionalString('backendUrl') ??
    (backendBase
      ? `${backendBase.replace(/\/+$/, '')}/api/novahost`
      : undefined);
  if (!backendUrl) {
    throw new Error(
      'novahost.proxy.backendUrl (or backend.baseUrl) must be set: the proxy reads its routing table from the backend',
    );
  }
  const token = proxy?.getOptionalString('token');
  if (!token) {
    throw new Error(
      'novahost.proxy.token must be set to a static token listed in backend.auth.externalAccess',
    );
  }
  const storeType = config.getOptionalString('novahost.store.type') ?? 'local';
  if (storeType !== 'local') {
    throw new Error(
      `novahost.store.type '${storeType}' is not supported by this proxy version; use 'local'`,
    );
  }
  return {
    baseDomain: proxy?.getOptionalString('baseDomain') ?? 'localhost',
    listen: {
      port: proxy?.getOptionalNumber('listen.port') ?? 8080,
      host: proxy?.getOptionalString('listen.host'),
    },
    admin: {
      port: proxy?.getOptionalNumber('admin.port') ?? 8081,
      host: proxy?.getOptionalString('admin.host'),
    },
    backendUrl: backendUrl.replace(/\/+$/, ''),
    token,
    routesCacheFile: proxy?.getOptionalString('routesCacheFile'),
    store: {
      type: 'local',
      directory:
        config.getOptionalString('novahost.store.local.directory') ??
        DEFAULT_STORE_DIRECTORY,
    },
  };
}
