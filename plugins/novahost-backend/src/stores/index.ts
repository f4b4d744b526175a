import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { LocalArtifactStore } from './LocalArtifactStore';
import { S3ArtifactStore } from './S3ArtifactStore';
import { ArtifactStore, ArtifactStoreType } from './types';

export type {
  ArtifactStore,
  ArtifactStoreType,
  BlobUploadTarget,
} from './types';
export { LocalArtifactStore } from './LocalArtifactStore';
export {
  S3ArtifactStore,
  createS3Client,
  readS3StoreOptions,
} from './S3ArtifactStore';
export type { S3StoreOptions } from './S3ArtifactStore';

/** Creates the configured artifact store (`novahost.store.type`), like techdocs' Publisher.fromConfig. */
export function artifactStoreFromConfig(
  config: Config,
  logger: LoggerService,
): ArtifactStore {
  const type = (config.getOptionalString('novahost.store.type') ??
    'local') as ArtifactStoreType;
  switch (type) {
    case 'local': {
      const store = LocalArtifactStore.fromConfig(config);
      logger.info(`Novahost artifacts stored in ${store.directory}`);
      return store;
    }
    case 's3':
      return S3ArtifactStore.fromConfig(config, logger);
    default:
      throw new Error(
        `Unknown novahost.store.type '${type}', expected 'local' or 's3'`,
      );
  }
}
