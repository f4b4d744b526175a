/**
 * The artifact layout shared by the backend (writes) and the proxy (reads).
 * Blobs are stored once by content hash; a deployment is a manifest that maps
 * each path to a hash. Keys are the same in every store (a directory for the
 * local store, object keys for S3/R2).
 */

/** One file of a deployment. @public */
export interface ManifestEntry {
  /** sha256 of the content, lower-case hex. */
  hash: string;
  size: number;
}

/** The immutable file list of one deployment. @public */
export interface DeploymentManifest {
  version: 1;
  deploymentId: string;
  createdAt: string;
  /** Keys are relative POSIX paths without a leading slash: `index.html`, `assets/app.js`. */
  files: Record<string, ManifestEntry>;
}

const HASH_RE = /^[a-f0-9]{64}$/;

/** Whether `hash` is a sha256 hex digest. @public */
export function isContentHash(hash: string): boolean {
  return HASH_RE.test(hash);
}

/** Store key of a blob: `blobs/ab/abcdef…`. @public */
export function blobKey(hash: string): string {
  if (!isContentHash(hash)) throw new Error(`Invalid content hash '${hash}'`);
  return `blobs/${hash.slice(0, 2)}/${hash}`;
}

/** Store key of a deployment's manifest. @public */
export function manifestKey(deploymentId: string): string {
  if (!/^[a-zA-Z0-9-]+$/.test(deploymentId)) {
    throw new Error(`Invalid deployment id '${deploymentId}'`);
  }
  return `manifests/${deploymentId}.json`;
}

/**
 * Whether a manifest path is safe: relative, POSIX, no empty, `.` or `..`
 * segments, no backslashes, NUL or control characters.
 * @public
 */
export function isSafeManifestPath(path: string): boolean {
  if (!path || path.length > 1024) return false;
  if (path.startsWith('/') || path.includes('\\')) return false;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) return false;
  return path
    .split('/')
    .every(segment => segment !== '' && segment !== '.' && segment !== '..');
}
