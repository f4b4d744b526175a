export type {
  ArtifactStore,
  ArtifactStoreReader,
  ArtifactStoreType,
  BlobUploadTarget,
  ByteRange,
  CacheArchiveStore,
  DownloadLocation,
} from './types';
export { cacheArchiveKey } from './cacheArchives';
export {
  DEFAULT_LOCAL_STORE_DIRECTORY,
  readArtifactStoreConfig,
  readLocalStoreDirectory,
  readS3StoreOptions,
} from './config';
export type { ArtifactStoreConfig, S3StoreOptions } from './config';
export { isNotFoundError } from './notFound';
export { createS3Client } from './s3Client';
export { LocalArtifactStore } from './LocalArtifactStore';
export { S3ArtifactStore } from './S3ArtifactStore';
export { artifactStoreFromConfig } from './fromConfig';
