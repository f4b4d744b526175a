import { ConflictError } from '@backstage/errors';
import {
  branchAliasLabel,
  splitDeploymentLabel,
} from '@internal/plugin-novahost-common';
import { Knex } from 'knex';
import { toMillis } from '../service/mappers';
import { isUniqueViolation } from './sqlHelpers';
import {
  ALIASES,
  AliasRow,
  DEPLOYMENTS,
  DeploymentRow,
  PROJECTS,
} from './tables';

/**
 * Branch aliases: `<slug>-git-<branch>` serves the branch's newest ready
 * deployment. A label is unique across projects, slugs and aliases alike:
 * when the plain label is taken it gets a hash (see branchAliasLabel).
 */
export class AliasQueries {
  constructor(private readonly db: Knex) {}

  get(projectId: string, branch: string): Promise<AliasRow | undefined> {
    return this.db<AliasRow>(ALIASES)
      .where({ project_id: projectId, branch })
      .first();
  }

  list(projectId: string): Promise<AliasRow[]> {
    return this.db<AliasRow>(ALIASES)
      .where({ project_id: projectId })
      .orderBy('branch');
  }

  /** Whether a project slug or an alias uses `label`. */
  async labelTaken(label: string, db: Knex = this.db): Promise<boolean> {
    const [project, alias] = await Promise.all([
      db(PROJECTS).where({ slug: label }).first('id'),
      db(ALIASES).where({ label }).first('label'),
    ]);
    return Boolean(project || alias);
  }

  /**
   * Points the branch's alias at `deployment` unless it already serves a
   * newer one (by created_at, then id), creating the alias on the first
   * ready deployment, and routes it again if it was removed. Returns the
   * alias afterwards.
   */
  async point(
    project: { id: string; slug: string },
    deployment: Pick<
      DeploymentRow,
      'id' | 'created_at' | 'branch' | 'pr_number'
    >,
  ): Promise<AliasRow> {
    const branch = deployment.branch!;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.db.transaction(tx =>
          this.pointIn(tx, project, branch, deployment),
        );
      } catch (e) {
        // Two replicas creating the same alias: the loser updates it.
        if (!isUniqueViolation(e) || attempt >= 2) throw e;
      }
    }
  }

  private async pointIn(
    tx: Knex.Transaction,
    project: { id: string; slug: string },
    branch: string,
    deployment: Pick<DeploymentRow, 'id' | 'created_at' | 'pr_number'>,
  ): Promise<AliasRow> {
    const now = new Date();
    const current = await tx<AliasRow>(ALIASES)
      .where({ project_id: project.id, branch })
      .forUpdate()
      .first();
    if (!current) {
      const row: AliasRow = {
        project_id: project.id,
        branch,
        label: await this.freeLabel(tx, project.slug, branch),
        deployment_id: deployment.id,
        pr_number: deployment.pr_number,
        pr_comment_id: null,
        removed_at: null,
        created_at: now,
        updated_at: now,
      };
      await tx(ALIASES).insert(row);
      return row;
    }
    const patch: Partial<AliasRow> = { removed_at: null, updated_at: now };
    if (deployment.pr_number !== null) {
      patch.pr_number = deployment.pr_number;
      // The stored comment is on the earlier pull request of the branch.
      if (Number(current.pr_number) !== Number(deployment.pr_number)) {
        patch.pr_comment_id = null;
      }
    }
    const served = current.deployment_id
      ? await tx<DeploymentRow>(DEPLOYMENTS)
          .where({ id: current.deployment_id })
          .first('id', 'created_at')
      : undefined;
    if (!served || isNewer(deployment, served)) {
      patch.deployment_id = deployment.id;
    }
    await tx(ALIASES).where({ project_id: project.id, branch }).update(patch);
    return { ...current, ...patch };
  }

  /** The plain label, or the hashed one when a project or alias has it or it reads as a deployment host. */
  private async freeLabel(
    tx: Knex,
    slug: string,
    branch: string,
  ): Promise<string> {
    const plain = branchAliasLabel(slug, branch);
    const split = splitDeploymentLabel(plain);
    const shadows =
      split && (await tx(PROJECTS).where({ slug: split.slug }).first('id'));
    if (!shadows && !(await this.labelTaken(plain, tx))) return plain;
    const hashed = branchAliasLabel(slug, branch, { hashed: true });
    if (await this.labelTaken(hashed, tx)) {
      throw new ConflictError(
        `No free alias for branch '${branch}' of ${slug}: '${plain}' and '${hashed}' are taken`,
      );
    }
    return hashed;
  }

  /** Records the pull request a branch belongs to (its alias exists once a deployment is ready). */
  async setPullRequest(
    projectId: string,
    branch: string,
    patch: Partial<Pick<AliasRow, 'pr_number' | 'pr_comment_id'>>,
  ): Promise<void> {
    await this.db(ALIASES)
      .where({ project_id: projectId, branch })
      .update({ ...patch, updated_at: new Date() });
  }

  /** Stops routing the alias (closed pull request, deleted branch). Returns whether it was routed. */
  async remove(projectId: string, branch: string): Promise<boolean> {
    const count = await this.db(ALIASES)
      .where({ project_id: projectId, branch })
      .whereNull('removed_at')
      .update({ removed_at: new Date(), updated_at: new Date() });
    return count > 0;
  }

  /** Deletes aliases removed before `before` (retention); returns them. */
  async purgeRemoved(before: Date): Promise<AliasRow[]> {
    const rows = await this.db<AliasRow>(ALIASES)
      .whereNotNull('removed_at')
      .where('removed_at', '<', before);
    for (const r of rows) {
      await this.db(ALIASES)
        .where({ project_id: r.project_id, branch: r.branch })
        .whereNotNull('removed_at')
        .delete();
    }
    return rows;
  }
}

function isNewer(
  a: Pick<DeploymentRow, 'id' | 'created_at'>,
  b: Pick<DeploymentRow, 'id' | 'created_at'>,
): boolean {
  const d = toMillis(a.created_at) - toMillis(b.created_at);
  return d > 0 || (d === 0 && a.id > b.id);
}
