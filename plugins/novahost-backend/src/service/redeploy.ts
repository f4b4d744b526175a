import type { Deployment } from '@internal/plugin-novahost-common';
import type { DeploymentRow } from '../database/tables';
import type { DeploymentLogs } from './DeploymentLogs';
import type { DeploymentService } from './DeploymentService';

/**
 * Builds a deployment's commit again, as a new deployment of the same
 * branch, pull request and target (source `redeploy`), with the project's
 * variables as they are now. A deployment whose commit was never known
 * (it failed before the checkout) is rebuilt from its ref. `cache: false`
 * builds without restoring the build cache.
 */
export async function redeploy(
  o: { deployments: DeploymentService; logs: DeploymentLogs },
  old: DeploymentRow,
  opts: { createdBy?: string; cache?: boolean },
): Promise<Deployment> {
  const buildCache = opts.cache !== false;
  const created = await o.deployments.create(old.project_id, {
    ref: old.commit_sha ?? old.ref,
    branch: old.branch ?? undefined,
    pullRequest:
      old.pr_number !== null
        ? { number: Number(old.pr_number), fork: Boolean(old.fork) }
        : undefined,
    target: old.target,
    source: 'redeploy',
    buildCache,
    createdBy: opts.createdBy,
  });
  await o.logs.system(
    created.id,
    `Redeploy of ${old.short_id} with the project's current variables${
      buildCache ? '' : ', without the build cache'
    }`,
  );
  return created;
}
