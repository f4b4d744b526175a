import type { DeploymentManifest } from '@internal/plugin-novahost-common';
import type { Readable } from 'stream';

/** Store implementations, chosen by `novahost.store.type`. */
export type ArtifactStoreType = 'local' | 's3';

/** Where the build program sends one missing blob. */
export type BlobUploadTarget = {
  hash: string;
  url: string;
  method: 'PUT';
  headers?: Record<string, string>;
};

/** Bytes `start` to `end` of a blob, both inclusive (as in HTTP ranges). */
export type ByteRange = { start: number; end: number };

/**
 * The read side of a store: what the proxy serves deployments from.
 * Manifests are read by deployment id, blobs by content hash; nothing is
 * ever listed.
 */
export interface ArtifactStoreReader {
  /** The stored manifest as written, or undefined when there is none. */
  getManifest(deploymentId: string): Promise<DeploymentManifest | undefined>;
  /**
   * Opens a blob for reading, optionally a byte range. Rejects with a
   * NotFoundError (see isNotFoundError) when the store does not have it.
   */
  openBlob(hash: string, range?: ByteRange): Promise<Readable>;
}

/** Where a build reads one object: a URL and the headers to send. */
export type DownloadLocation = {
  url: string;
  headers?: Record<string, string>;
};

/**
 * Build cache archives, content-addressed like blobs but apart from them
 * (`caches/ab/<sha256>`): never served by the proxy, deleted when their
 * entries are evicted, never shared with deployment output.
 */
export interface CacheArchiveStore {
  /**
   * Where a build uploads an archive: `uploadUrl` (the backend's endpoint)
   * for the local store; a presigned, create-only PUT URL signed for the
   * size and sha256 on S3/R2.
   */
  uploadTarget(
    hash: string,
    size: number,
    uploadUrl: string,
  ): Promise<BlobUploadTarget>;
  /** Where a build downloads an archive: `downloadUrl` or a presigned GET URL. */
  downloadLocation(
    hash: string,
    downloadUrl: string,
  ): Promise<DownloadLocation>;
  /** Stores an archive through the backend, checking its sha256 and size. */
  put(hash: string, content: Readable, maxBytes: number): Promise<number>;
  /** Reads an archive; rejects with a NotFoundError when there is none. */
  open(hash: string): Promise<Readable>;
  /** An archive's size, or undefined when the store does not have it. */
  size(hash: string): Promise<number | undefined>;
  delete(hashes: string[]): Promise<void>;
}

/**
 * Content-addressed storage of build output. Blobs are immutable and keyed by
 * their sha256; a deployment is a manifest of path → hash.
 */
export interface ArtifactStore extends ArtifactStoreReader {
  /** Fails with a clear error when the store cannot be used (startup check). */
  checkReady(): Promise<void>;

  /**
   * Where the build program should upload a blob. The local store answers
   * with the backend's own upload endpoint (`uploadUrl`); the s3 store with
   * a presigned PUT URL, so credentials never leave the backend.
   */
  uploadTarget(
    hash: string,
    size: number,
    uploadUrl: string,
  ): Promise<BlobUploadTarget>;

  /**
   * Stores a blob from a stream, verifying its sha256 equals `hash`. Throws
   * InputError on a mismatch or when it exceeds `maxBytes`; nothing partial
   * is ever visible under the blob's key.
   */
  putBlob(hash: string, content: Readable, maxBytes: number): Promise<number>;

  hasBlob(hash: string): Promise<boolean>;
  /**
   * Whether a blob uploaded straight to the store (not through putBlob)
   * really has the content its hash names. Stores that verify on write
   * may omit it.
   */
  verifyBlob?(hash: string): Promise<'ok' | 'missing' | 'mismatch'>;
  deleteBlobs(hashes: string[]): Promise<void>;

  putManifest(manifest: DeploymentManifest): Promise<void>;
  deleteManifests(deploymentIds: string[]): Promise<void>;

  /** Build cache archives; a store without them builds without a cache. */
  readonly caches?: CacheArchiveStore;
}
