import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { readArtifactStoreConfig } from './config';
import { LocalArtifactStore } from './LocalArtifactStore';
import { S3ArtifactStore } from './S3ArtifactStore';
import type { ArtifactStore } from './types';

/** Creates the configured artifact store (`novahost.store.type`), like techdocs' Publisher.fromConfig. */
export function artifactStoreFromConfig(
  config: Config,
  logger: LoggerService,
): ArtifactStore {
  const store = readArtifactStoreConfig(config);
  if (store.type === 's3') return S3ArtifactStore.fromConfig(config, logger);
  const local = new LocalArtifactStore(store.directory);
  logger.info(`Artifacts stored in ${local.directory}`);
  return local;
}
