// The stores live in @internal/plugin-novahost-node, shared with the proxy.
// This re-export keeps existing imports working until they point there.
export {
  artifactStoreFromConfig,
  createS3Client,
  DEFAULT_LOCAL_STORE_DIRECTORY,
  LocalArtifactStore,
  readS3StoreOptions,
  S3ArtifactStore,
} from '@internal/plugin-novahost-node';
export type {
  ArtifactStore,
  ArtifactStoreType,
  BlobUploadTarget,
  S3StoreOptions,
} from '@internal/plugin-novahost-node';
