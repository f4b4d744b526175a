import {
  aliasUrl,
  deploymentUrl,
  productionUrl,
  SiteUrlOptions,
} from '@internal/plugin-novahost-common';
import type { DeploymentRow, ProjectRow } from '../database/tables';

/**
 * The variables every build gets from the platform, like Vercel's
 * VERCEL_*: what is built, for which target, and where it will be served.
 * The build program adds NOVAHOST_GIT_COMMIT_SHA once it has checked the
 * commit out (a branch deploy does not know it before), and NOVAHOST_GIT_REF.
 */
export function systemEnv(o: {
  row: DeploymentRow;
  project: ProjectRow;
  urls: SiteUrlOptions;
  /** The branch alias's label, when the deployment has a branch. */
  aliasLabel?: string;
}): Record<string, string> {
  const { row, project, urls } = o;
  const env: Record<string, string> = {
    CI: '1',
    NOVAHOST: '1',
    NOVAHOST_ENV: row.target,
    NOVAHOST_PROJECT: project.slug,
    NOVAHOST_URL: deploymentUrl(project.slug, row.short_id, urls),
    NOVAHOST_PROJECT_PRODUCTION_URL: productionUrl(project.slug, urls),
  };
  if (row.branch) env.NOVAHOST_GIT_BRANCH = row.branch;
  if (o.aliasLabel) env.NOVAHOST_BRANCH_URL = aliasUrl(o.aliasLabel, urls);
  if (row.commit_sha) env.NOVAHOST_GIT_COMMIT_SHA = row.commit_sha;
  if (row.pr_number !== null && row.pr_number !== undefined) {
    env.NOVAHOST_GIT_PULL_REQUEST = String(row.pr_number);
  }
  return env;
}
