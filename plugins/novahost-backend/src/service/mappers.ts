import {
  Deployment,
  Project,
  SiteUrlOptions,
  aliasUrl,
  deploymentUrl,
  productionUrl,
} from '@internal/plugin-novahost-common';
import { DeploymentRow, ProjectRow } from '../database/tables';

/** Normalizes a timestamp as SQLite (number/string) or Postgres (Date) returns it. */
export function toIso(value: Date | string | number | null): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number') return new Date(value).toISOString();
  const asNumber = Number(value);
  if (!Number.isNaN(asNumber) && /^\d+$/.test(value)) {
    return new Date(asNumber).toISOString();
  }
  const d = new Date(
    value.includes('T') || value.includes('Z')
      ? value
      : `${value.replace(' ', 'T')}Z`,
  );
  return Number.isNaN(d.getTime()) ? value : d.toISOString();
}

export function toMillis(value: Date | string | number | null): number {
  const iso = toIso(value);
  return iso ? new Date(iso).getTime() : 0;
}

export function projectFromRow(row: ProjectRow, urls: SiteUrlOptions): Project {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    repoUrl: withoutCredentials(row.repo_url),
    branch: row.branch,
    rootDirectory: row.root_directory,
    installCommand: row.install_command,
    buildCommand: row.build_command,
    outputDirectory: row.output_directory,
    owner: row.owner,
    entityRef: row.entity_ref,
    spa: Boolean(row.spa),
    autoPromote: Boolean(row.auto_promote),
    watchPaths: parseWatchPaths(row.watch_paths),
    allowForkPreviews: Boolean(row.allow_fork_previews),
    productionDeploymentId: row.production_deployment_id,
    url: productionUrl(row.slug, urls),
    createdAt: toIso(row.created_at)!,
    updatedAt: toIso(row.updated_at)!,
  };
}

/** The stored watch paths (a JSON array), [] when unset or unreadable. */
export function parseWatchPaths(value: string | null): string[] {
  if (!value) return [];
  try {
    const parsed = JSON.parse(value);
    return Array.isArray(parsed)
      ? parsed.filter((p): p is string => typeof p === 'string')
      : [];
  } catch {
    return [];
  }
}

/**
 * A deployment as the API shows it; `aliases` (branch → label) gives the
 * branch alias URL, which exists once a deployment of the branch was ready.
 */
export function deploymentFromRow(
  row: DeploymentRow,
  project: Pick<ProjectRow, 'slug' | 'production_deployment_id'>,
  urls: SiteUrlOptions,
  aliases?: ReadonlyMap<string, string>,
): Deployment {
  const label = row.branch ? aliases?.get(row.branch) : undefined;
  return {
    id: row.id,
    shortId: row.short_id,
    projectId: row.project_id,
    ref: row.ref,
    commitSha: row.commit_sha,
    target: row.target ?? 'production',
    branch: row.branch ?? null,
    pullRequest:
      row.pr_number === null || row.pr_number === undefined
        ? null
        : { number: Number(row.pr_number), fork: Boolean(row.fork) },
    source: row.source ?? 'manual',
    aliasUrl: label ? aliasUrl(label, urls) : null,
    status: row.status,
    error: row.error,
    exitCode: row.exit_code,
    createdBy: row.created_by,
    url: deploymentUrl(project.slug, row.short_id, urls),
    isProduction: project.production_deployment_id === row.id,
    stats:
      row.stats_files === null
        ? null
        : {
            files: Number(row.stats_files),
            bytes: Number(row.stats_bytes ?? 0),
            newBlobs: Number(row.stats_new_blobs ?? 0),
            newBytes: Number(row.stats_new_bytes ?? 0),
          },
    framework: row.framework,
    createdAt: toIso(row.created_at)!,
    startedAt: toIso(row.started_at),
    uploadingAt: toIso(row.uploading_at),
    finishedAt: toIso(row.finished_at),
  };
}

/**
 * A repo URL without user info. The API refuses such URLs; this keeps any
 * row written before that rule from leaking a token in an answer.
 */
export function withoutCredentials(repoUrl: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/]*@/i.test(repoUrl)) return repoUrl;
  try {
    const url = new URL(repoUrl);
    url.username = '';
    url.password = '';
    return url.toString();
  } catch {
    return repoUrl;
  }
}
