import type {
  DeploymentSource,
  DeploymentStatus,
  DeploymentTarget,
} from '@internal/plugin-novahost-common';

/** Row types of the Novahost tables (see migrations/). */

export type ProjectRow = {
  id: string;
  name: string;
  slug: string;
  repo_url: string;
  branch: string;
  root_directory: string;
  install_command: string | null;
  build_command: string | null;
  output_directory: string | null;
  /** A full lower-case entity ref (group or user); null only for legacy rows. */
  owner: string | null;
  /** The catalog entity this project belongs to; its spec.owner is the owner. */
  entity_ref: string | null;
  spa: boolean | number;
  auto_promote: boolean | number;
  /** `host/owner/name` of repo_url (see repoKey); null for local repositories. */
  repo_key: string | null;
  /** JSON array of repository paths a push must touch; null: the root directory. */
  watch_paths: string | null;
  /** Build previews of pull requests from forks (without secrets). */
  allow_fork_previews: boolean | number;
  production_deployment_id: string | null;
  created_at: Date | string;
  updated_at: Date | string;
};

export type DeploymentRow = {
  id: string;
  short_id: string;
  project_id: string;
  ref: string;
  commit_sha: string | null;
  status: DeploymentStatus;
  error: string | null;
  exit_code: number | null;
  created_by: string | null;
  build_token_hash: string | null;
  runner_handle: string | null;
  /** Lines stored so far (the last line's seq). */
  log_seq: number;
  /** UTF-8 bytes of the lines stored so far. */
  log_bytes: number | string;
  /** The build's output went past a log limit; later lines are dropped. */
  log_truncated: boolean | number;
  pending_manifest: string | null;
  stats_files: number | null;
  stats_bytes: number | string | null;
  stats_new_blobs: number | null;
  stats_new_bytes: number | string | null;
  framework: string | null;
  /** production: of the production branch; preview: any other branch. */
  target: DeploymentTarget;
  /** The branch built; null for a commit deployed by SHA. */
  branch: string | null;
  pr_number: number | null;
  source: DeploymentSource;
  /** From a fork's pull request: built without secrets. */
  fork: boolean | number;
  /** false: built without restoring the build cache (redeploy without cache). */
  build_cache: boolean | number;
  /** The build cache key the clone step asked for (service/BuildCacheService.ts). */
  cache_key: string | null;
  /** The cache archive handed to this build to restore. */
  cache_restored: string | null;
  /** The cache archive this build announced for upload. */
  cache_upload: string | null;
  created_at: Date | string;
  started_at: Date | string | null;
  uploading_at: Date | string | null;
  finished_at: Date | string | null;
};

export type LogRow = {
  deployment_id: string;
  seq: number;
  client_seq: number | null;
  ts: Date | string;
  stream: string;
  text: string;
};

export type BlobRow = {
  hash: string;
  size: number | string;
  created_at: Date | string;
};

export const PROJECTS = 'novahost_projects';
export const DEPLOYMENTS = 'novahost_deployments';
export const LOGS = 'novahost_deployment_logs';
export const BLOBS = 'novahost_blobs';
export const DEPLOYMENT_BLOBS = 'novahost_deployment_blobs';
export const LOCKS = 'novahost_locks';
export const DOMAINS = 'novahost_domains';
export const ALIASES = 'novahost_aliases';
export const DELIVERIES = 'novahost_webhook_deliveries';
export const ENV_VARS = 'novahost_env_vars';
export const BUILD_CACHES = 'novahost_build_caches';

/** One entry of a project's build cache: an archive saved for a branch and key. */
export type BuildCacheRow = {
  id: string;
  project_id: string;
  branch: string;
  key: string;
  archive_hash: string;
  size: number | string;
  /** sha256 of the archive's listing (paths, kinds, file sizes, links). */
  fingerprint: string;
  created_at: Date | string;
  last_used_at: Date | string;
};

/**
 * A project's variable for one target. A secret has no `value`: only its
 * AES-256-GCM ciphertext, IV, tag (base64) and the id of its key.
 */
export type EnvVarRow = {
  project_id: string;
  name: string;
  target: DeploymentTarget;
  /** Shared by the rows one write set (listed as one variable). */
  entry_id: string;
  secret: boolean | number;
  value: string | null;
  ciphertext: string | null;
  iv: string | null;
  auth_tag: string | null;
  key_id: string | null;
  value_bytes: number;
  updated_at: Date | string;
  updated_by: string | null;
};

/** A branch's stable alias `<slug>-git-<branch>`. */
export type AliasRow = {
  project_id: string;
  branch: string;
  label: string;
  /** The branch's newest ready deployment. */
  deployment_id: string | null;
  pr_number: number | null;
  pr_comment_id: string | null;
  /** Closed pull request or deleted branch: no longer routed. */
  removed_at: Date | string | null;
  created_at: Date | string;
  updated_at: Date | string;
};

export type DeliveryRow = {
  delivery_id: string;
  event: string;
  repo_key: string | null;
  outcome: string | null;
  received_at: Date | string;
};

export type DomainRow = {
  hostname: string;
  project_id: string;
  token: string;
  verified_at: Date | string | null;
  created_at: Date | string;
};

/** A new queued deployment row: the given fields, every other one empty. */
export function newDeploymentRow(
  fields: Pick<
    DeploymentRow,
    'id' | 'short_id' | 'project_id' | 'ref' | 'created_at'
  > &
    Partial<DeploymentRow>,
): DeploymentRow {
  return {
    commit_sha: null,
    status: 'queued',
    error: null,
    exit_code: null,
    created_by: null,
    build_token_hash: null,
    runner_handle: null,
    log_seq: 0,
    log_bytes: 0,
    log_truncated: false,
    pending_manifest: null,
    stats_files: null,
    stats_bytes: null,
    stats_new_blobs: null,
    stats_new_bytes: null,
    framework: null,
    target: 'production',
    branch: null,
    pr_number: null,
    source: 'manual',
    fork: false,
    build_cache: true,
    cache_key: null,
    cache_restored: null,
    cache_upload: null,
    started_at: null,
    uploading_at: null,
    finished_at: null,
    ...fields,
  };
}
