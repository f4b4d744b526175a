import type { DeploymentTarget } from '@internal/plugin-novahost-common';
import { Knex } from 'knex';
import { ENV_VARS, EnvVarRow, PROJECTS } from './tables';

/** A project's variables after a change, for its limits. */
export type EnvTotals = {
  /** Rows (one per name and target). */
  count: number;
  /** Bytes of names and values each target's deployments get. */
  bytes: Record<DeploymentTarget, number>;
};

/** A secret row sealed again under another key (rotation). */
export type Resealed = Pick<
  EnvVarRow,
  'ciphertext' | 'iv' | 'auth_tag' | 'key_id'
>;

/**
 * Project environment variables: one row per name and target. Secrets are
 * stored sealed (SecretBox); nothing here sees a clear secret.
 */
export class EnvVarQueries {
  constructor(private readonly db: Knex) {}

  list(projectId: string): Promise<EnvVarRow[]> {
    return this.db<EnvVarRow>(ENV_VARS)
      .where({ project_id: projectId })
      .orderBy([{ column: 'name' }, { column: 'target' }]);
  }

  /** What a deployment of `target` gets. */
  forTarget(projectId: string, target: DeploymentTarget): Promise<EnvVarRow[]> {
    return this.db<EnvVarRow>(ENV_VARS)
      .where({ project_id: projectId, target })
      .orderBy('name');
  }

  /** A project's secret rows (every target), to mask their values. */
  secrets(projectId: string): Promise<EnvVarRow[]> {
    return this.db<EnvVarRow>(ENV_VARS).where({
      project_id: projectId,
      secret: true,
    });
  }

  /**
   * Replaces what `rows`' targets had for their name (one name, one
   * project) by `rows`, in one transaction; `check` sees the project's
   * totals afterwards and throws to undo it. Writers of one project are
   * serialized by a lock on its row (Postgres).
   */
  async replace(
    rows: EnvVarRow[],
    check: (totals: EnvTotals) => void,
  ): Promise<void> {
    const { project_id: projectId, name } = rows[0];
    await this.db.transaction(async tx => {
      await tx(PROJECTS).where({ id: projectId }).forUpdate().first('id');
      await tx(ENV_VARS)
        .where({ project_id: projectId, name })
        .whereIn(
          'target',
          rows.map(r => r.target),
        )
        .delete();
      await tx(ENV_VARS).insert(rows);
      check(await totals(tx, projectId));
    });
  }

  /** Deletes `name` (of one target only when given); returns the rows deleted. */
  delete(
    projectId: string,
    name: string,
    target?: DeploymentTarget,
  ): Promise<number> {
    return this.db(ENV_VARS)
      .where({ project_id: projectId, name })
      .modify(q => {
        if (target) q.where({ target });
      })
      .delete();
  }

  /** The keys stored secrets are sealed with, and how many each seals. */
  async keyIds(): Promise<Array<{ keyId: string; count: number }>> {
    const rows: Array<{ key_id: string; count: number | string }> =
      await this.db(ENV_VARS)
        .where({ secret: true })
        .groupBy('key_id')
        .select('key_id')
        .count({ count: '*' });
    return rows.map(r => ({
      keyId: String(r.key_id),
      count: Number(r.count),
    }));
  }

  /** Secret rows sealed with another key than `keyId` (a rotation's). */
  sealedWithOther(keyId: string): Promise<EnvVarRow[]> {
    return this.db<EnvVarRow>(ENV_VARS)
      .where({ secret: true })
      .whereNot({ key_id: keyId });
  }

  /**
   * Stores a row sealed again, unless it changed meanwhile (a new value,
   * or another replica sealed it first). Returns whether it did.
   */
  async reseal(row: EnvVarRow, next: Resealed): Promise<boolean> {
    const count = await this.db(ENV_VARS)
      .where({
        project_id: row.project_id,
        name: row.name,
        target: row.target,
        key_id: row.key_id,
        iv: row.iv,
      })
      .update(next);
    return count > 0;
  }
}

async function totals(tx: Knex, projectId: string): Promise<EnvTotals> {
  const rows: Array<Pick<EnvVarRow, 'name' | 'target' | 'value_bytes'>> =
    await tx(ENV_VARS)
      .where({ project_id: projectId })
      .select('name', 'target', 'value_bytes');
  const bytes: EnvTotals['bytes'] = { production: 0, preview: 0 };
  for (const r of rows) {
    bytes[r.target] += Buffer.byteLength(r.name) + Number(r.value_bytes);
  }
  return { count: rows.length, bytes };
}
