import type { Config } from '@backstage/config';
import {
  readArtifactStoreConfig,
  type ArtifactStoreConfig,
} from '@internal/plugin-novahost-node';

/** The proxy's settings, read from the same app-config as the backend. */
export interface ProxyConfig {
  baseDomain: string;
  listen: { port: number; host?: string };
  /** Health and readiness endpoints; not reachable through site hosts. */
  admin: { port: number; host?: string };
  backendUrl: string;
  token: string;
  routesCacheFile: string | undefined;
  /** Strict-Transport-Security on production hosts (TLS terminated in front). */
  hsts?: string;
  /** Per-client-address rate limit. */
  rateLimit?: { requestsPerSecond: number; burst: number };
  /** Bytes of compressed blobs kept in memory. */
  compressionCacheBytes?: number;
  /** One JSON line per request on stdout (default true). */
  accessLog?: boolean;
  /** A client must send its headers within this long (default 10 s). */
  headersTimeoutMs?: number;
  /** …and its whole request within this long (default 30 s). */
  requestTimeoutMs?: number;
  /** The backend's `novahost.store`, read the same way it does. */
  store: ArtifactStoreConfig;
}

function readFetchMode(config: Config): 'getObject' | 'presignedUrl' {
  const mode = config.getOptionalString('novahost.proxy.s3FetchMode');
  // Measured with yarn bench:proxy-s3: presigned URLs serve ~1.3–1.9x the
  // requests/s of GetObject at a fraction of the p99.
  if (mode === undefined) return 'presignedUrl';
  if (mode !== 'getObject' && mode !== 'presignedUrl') {
    throw new Error(
      `novahost.proxy.s3FetchMode must be 'getObject' or 'presignedUrl', not '${mode}'`,
    );
  }
  return mode;
}

function readStore(config: Config): ProxyConfig['store'] {
  const store = readArtifactStoreConfig(config);
  return store.type === 's3'
    ? { ...store, fetchMode: readFetchMode(config) }
    : store;
}

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
    hsts: proxy?.getOptionalBoolean('hsts')
      ? 'max-age=63072000; includeSubDomains'
      : undefined,
    rateLimit: proxy?.has('rateLimit')
      ? {
          requestsPerSecond: proxy.getNumber('rateLimit.requestsPerSecond'),
          burst:
            proxy.getOptionalNumber('rateLimit.burst') ??
            proxy.getNumber('rateLimit.requestsPerSecond') * 2,
        }
      : undefined,
    compressionCacheBytes: proxy?.getOptionalNumber('compressionCacheBytes'),
    accessLog: proxy?.getOptionalBoolean('accessLog'),
    headersTimeoutMs: proxy?.getOptionalNumber('headersTimeoutMs'),
    requestTimeoutMs: proxy?.getOptionalNumber('requestTimeoutMs'),
    store: readStore(config),
  };
}
