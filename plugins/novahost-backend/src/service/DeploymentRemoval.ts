import type { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError } from '@backstage/errors';
import { isTerminalStatus } from '@internal/plugin-novahost-common';
import type { EventBus } from '../bus';
import type { NovahostDatabase } from '../database/NovahostDatabase';
import type { DeletedDeployment } from '../database/retention';
import type { DeploymentRow, ProjectRow } from '../database/tables';
import type { ArtifactGc } from './ArtifactGc';
import { publishRoutesChanged } from './channels';

export type DeploymentRemovalOptions = {
  db: NovahostDatabase;
  bus: EventBus;
  gc: ArtifactGc;
  logger: LoggerService;
  /** Cancels an unfinished deployment, stopping its build (DeploymentService.cancel). */
  cancel: (deploymentId: string, by?: string) => Promise<unknown>;
};

/** What one removal did. */
export type Removal = {
  deleted: DeletedDeployment[];
  /** Blobs no remaining deployment referenced, deleted from the store. */
  blobs: number;
};

const productionRefusal = (row: DeploymentRow, project: ProjectRow) =>
  new ConflictError(
    `Deployment ${row.short_id} is the production deployment of ${project.slug}; ` +
      'promote another deployment first',
  );

/**
 * Deletes deployments: a user's DELETE and retention go through here. The
 * rows (deployment, logs, blob references; the aliases serving it move on)
 * go in one transaction first, so nothing routes to a deployment whose files
 * are being removed; then the route tables are told, and the manifests and
 * the blobs no remaining deployment references are deleted from the store.
 */
export class DeploymentRemoval {
  constructor(private readonly o: DeploymentRemovalOptions) {}

  /**
   * Deletes one deployment of `project` (DELETE /deployments/:id). The
   * production deployment is refused (409); an unfinished one is canceled
   * first (its build stopped), as Vercel does.
   */
  async deleteDeployment(
    row: DeploymentRow,
    project: ProjectRow,
    by?: string,
  ): Promise<void> {
    if (project.production_deployment_id === row.id) {
      throw productionRefusal(row, project);
    }
    if (!isTerminalStatus(row.status)) {
      // A ConflictError says it finished meanwhile: delete it all the same.
      await this.o.cancel(row.id, by).catch(e => {
        if (!(e instanceof ConflictError)) throw e;
      });
    }
    const { deleted, blobs } = await this.remove([row.id], {
      keepRouted: false,
    });
    const now = deleted.length
      ? undefined
      : await this.o.db.getDeployment(row.id);
    // Still there: promoted between our check and the delete, or a build
    // that would not stop. Gone: a concurrent delete did it.
    if (now && !isTerminalStatus(now.status)) {
      throw new ConflictError(
        `Deployment ${row.short_id} is still ${now.status}; try again once it has stopped`,
      );
    }
    if (now) throw productionRefusal(row, project);
    this.o.logger.info(
      `Deleted deployment ${row.short_id} of ${project.slug}${
        by ? ` for ${by}` : ''
      }: ${blobs} unreferenced blobs removed`,
    );
  }

  /**
   * Deletes finished deployments that are not production (nor, with
   * `keepRouted`, served by a routed alias), then their artifacts. Returns
   * what was deleted; the others are left as they are.
   */
  async remove(ids: string[], opts: { keepRouted: boolean }): Promise<Removal> {
    if (!ids.length) return { deleted: [], blobs: 0 };
    // Read before the references go; collected only once nothing uses them.
    const candidates = await this.o.gc.candidates(ids);
    const deleted = await this.o.db.retention.deleteDeployments(ids, opts);
    if (!deleted.length) return { deleted, blobs: 0 };
    await publishRoutesChanged(this.o.bus);
    const blobs = await this.o.gc.collect(
      deleted.map(d => d.id),
      candidates,
    );
    return { deleted, blobs };
  }
}
