/**
 * The build protocol: what the build program and the backend's /internal
 * API exchange, declared once. The backend's zod schemas are checked against
 * these types at compile time (plugins/novahost-backend/src/service/buildProtocol.ts).
 *
 * Every call carries the per-deployment build token as a bearer token.
 */

/** What the backend tells the program to build. */
export interface BuildSpec {
  deploymentId: string;
  repoUrl: string;
  ref: string;
  rootDirectory: string;
  installCommand: string | null;
  buildCommand: string | null;
  outputDirectory: string | null;
  timeoutSeconds: number;
  /**
   * The project's variables for this deployment's target and the system
   * variables (NOVAHOST_ENV, NOVAHOST_URL…), given to install and build.
   */
  env: Record<string, string>;
  /**
   * Names of `env` entries whose values are secret: every form of them
   * (secretForms in redact.ts) is masked in the lines the program ships.
   */
  secretEnv?: string[];
  /**
   * How the clone step reaches a remote repository; absent for local paths.
   * Fetched with the build token, so on Kubernetes only the clone container
   * sees it: never the build container, the Job or the database.
   */
  repoAccess?: RepoAccess;
}

/** HTTP Basic credentials for a repository's host (GitHub: `x-access-token` and a token). */
export interface RepoCredential {
  username: string;
  password: string;
}

export interface RepoAccess {
  /**
   * Minted for this build from the backend's `integrations` config; given
   * to git for the fetch only, never written to the work directory.
   */
  credential?: RepoCredential;
  /**
   * One line naming the host and what to configure, the failure's message
   * when the host refuses the clone (e.g. `github.com: no credentials; add
   * integrations.github with a GitHub App installed on acme/site or a token`).
   */
  hint: string;
}

/** One line of build output as the program ships it. */
export interface ShippedLine {
  seq: number;
  ts: string;
  stream: 'stdout' | 'stderr' | 'system';
  text: string;
}

/** Where the backend wants one missing blob uploaded. */
export interface UploadTarget {
  hash: string;
  url: string;
  method: 'PUT';
  headers?: Record<string, string>;
}

export type BuildEvent =
  | {
      type: 'phase';
      phase: 'building';
      commitSha?: string;
      /** Sent only when one was detected (a framework id like `vite`). */
      framework?: string;
    }
  | { type: 'phase'; phase: 'uploading' }
  | { type: 'failed'; error: string; exitCode: number | null };

/** POST /manifest body: every output file, path → content hash and size. */
export type ManifestFiles = Record<string, { hash: string; size: number }>;

/** POST /manifest answer: the blobs the store does not have yet. */
export interface ManifestResponse {
  missing: UploadTarget[];
}

/** POST /finalize answer. */
export interface FinalizeResponse {
  status: string;
  url: string;
}

/**
 * The build cache (buildCache.ts). The clone step asks what to restore,
 * naming the key of this checkout; the backend answers with one entry of
 * the project (this branch first, then the production branch; this key
 * first, then the newest) and where to download its archive (a presigned
 * URL on S3/R2, else its own endpoint), or why there is none. The publish
 * step saves only what the backend allows for the deployment (never a
 * fork's, never a preview's into the production branch).
 */
export interface CacheRestoreRequest {
  /** sha256 hex of the lockfile, package.json, Node and package manager. */
  key: string;
}

/** Where one archive is read or written, with the headers to send. */
export interface CacheArchiveLocation {
  url: string;
  headers?: Record<string, string>;
}

export interface CacheEntryToRestore extends CacheArchiveLocation {
  /** The archive's sha256: the download must hash to it. */
  hash: string;
  size: number;
  /** The entry's key: the same as requested, or another (a fallback). */
  key: string;
  /** The branch whose entry it is. */
  branch: string;
}

/** The archive limits, the same for saving and restoring. */
export interface CacheArchiveLimits {
  maxArchiveBytes: number;
  maxUnpackedBytes: number;
}

export interface CacheRestoreResponse {
  restore: CacheEntryToRestore | null;
  /** Why nothing is restored, for the log (absent: there is no entry yet). */
  reason?: string;
  limits: CacheArchiveLimits;
}

/** GET /cache/save answer: whether publish may save, and the limits. */
export interface CacheSavePlan {
  allowed: boolean;
  /** Why not, for the log (absent: nothing to say, e.g. no restore asked). */
  reason?: string;
  limits: CacheArchiveLimits;
  /**
   * The entry this build restored, when it was of the build's own key: a
   * tree with the same fingerprint is committed again without packing.
   */
  restored?: CacheArchiveInfo;
}

/** POST /cache/upload and /cache/commit body: the archive publish made. */
export interface CacheArchiveInfo {
  hash: string;
  size: number;
  /** sha256 of the trees' listing (paths, kinds, file sizes, link targets). */
  fingerprint: string;
}

/** POST /cache/upload answer: where to put the archive; null when stored already. */
export interface CacheUploadResponse {
  upload: UploadTarget | null;
}

/** POST /cache/commit answer. */
export interface CacheCommitResponse {
  branch: string;
  key: string;
  /** Older entries of the project removed to stay under its cap. */
  evicted: number;
}

/**
 * How the build step, which holds no token, writes its log: to its standard
 * output (on Kubernetes the container log, which the backend follows through
 * the Kubernetes API), one line per log line: the stream's tag, one space,
 * the text. Untagged lines are standard output.
 */
export type StepLogTag = 'out' | 'err' | 'sys';

export const STEP_LOG_TAGS: Record<ShippedLine['stream'], StepLogTag> = {
  stdout: 'out',
  stderr: 'err',
  system: 'sys',
};

/**
 * Where each step's log lines start numbering (`seq`, the backend's
 * `clientSeq`, by which it drops lines it already has). The steps number
 * their lines independently, so their ranges must not overlap: `clone` and
 * `publish` ship theirs with the token, the backend numbers the lines it
 * follows from the `build` step's container log. (Run as one process, the
 * program numbers all lines from 1.)
 */
export const LOG_SEQ_BASE = {
  clone: 0,
  build: 700_000_000,
  publish: 1_400_000_000,
} as const;
