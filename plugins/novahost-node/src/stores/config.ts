import type { Config } from '@backstage/config';
import type { ArtifactStoreType } from './types';

/** Where the local store keeps artifacts when no directory is configured. */
export const DEFAULT_LOCAL_STORE_DIRECTORY = '../../.novahost/artifacts';

/** The `novahost.store.s3` block, with defaults filled in. */
export type S3StoreOptions = {
  bucket: string;
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Prepended to every key, to share a bucket; ends with `/` when set. */
  prefix: string;
  /** Lifetime of presigned upload URLs (default 900). */
  presignExpirySeconds?: number;
  /** Re-read each new blob at finalize and check its hash (default true). */
  verifyUploads?: boolean;
  /**
   * How blobs are read: `getObject` (the default) streams the SDK's
   * GetObject response; `presignedUrl` fetches a presigned GET URL (signed
   * once per blob and reused) with a plain keep-alive HTTP client. The proxy
   * sets it from `novahost.proxy.s3FetchMode`; `yarn bench:proxy-s3`
   * measures both.
   */
  fetchMode?: 'getObject' | 'presignedUrl';
};

/** The configured store (`novahost.store`), as a discriminated union on `type`. */
export type ArtifactStoreConfig =
  | { type: 'local'; directory: string }
  | ({ type: 's3' } & S3StoreOptions);

/** Reads the `novahost.store.s3` block (the backend writes, the proxy reads). */
export function readS3StoreOptions(config: Config): S3StoreOptions {
  const c = config.getConfig('novahost.store.s3');
  const credentials = c.getOptionalConfig('credentials');
  const prefix = c.getOptionalString('prefix') ?? '';
  return {
    bucket: c.getString('bucket'),
    endpoint: c.getOptionalString('endpoint') || undefined,
    region: c.getOptionalString('region') ?? 'auto',
    forcePathStyle: c.getOptionalBoolean('forcePathStyle') ?? false,
    credentials: credentials
      ? {
          accessKeyId: credentials.getString('accessKeyId'),
          secretAccessKey: credentials.getString('secretAccessKey'),
        }
      : undefined,
    prefix: prefix && !prefix.endsWith('/') ? `${prefix}/` : prefix,
    presignExpirySeconds: c.getOptionalNumber('presignExpirySeconds') ?? 900,
    verifyUploads: c.getOptionalBoolean('verifyUploads') ?? true,
  };
}

/** Reads `novahost.store.local.directory`, as given (relative to the working directory). */
export function readLocalStoreDirectory(config: Config): string {
  return (
    config.getOptionalString('novahost.store.local.directory') ??
    DEFAULT_LOCAL_STORE_DIRECTORY
  );
}

/** Reads `novahost.store`, failing with the key that is wrong. */
export function readArtifactStoreConfig(config: Config): ArtifactStoreConfig {
  const type = (config.getOptionalString('novahost.store.type') ??
    'local') as ArtifactStoreType;
  switch (type) {
    case 'local':
      return { type, directory: readLocalStoreDirectory(config) };
    case 's3':
      return { type, ...readS3StoreOptions(config) };
    default:
      throw new Error(
        `Unknown novahost.store.type '${type}', expected 'local' or 's3'`,
      );
  }
}
