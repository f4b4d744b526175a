import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  InputError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import {
  branchAliasLabel,
  DEPLOYMENT_TARGETS,
  DeploymentTarget,
  envNameSchema,
  EnvVar,
  MAX_ENV_TARGET_BYTES,
  MAX_ENV_VARS,
  putEnvVarSchema,
  SiteUrlOptions,
  utf8Bytes,
} from '@internal/plugin-novahost-common';
import { randomUUID } from 'crypto';
import type { NovahostDatabase } from '../database/NovahostDatabase';
import type { EnvTotals } from '../database/envVars';
import type { DeploymentRow, EnvVarRow, ProjectRow } from '../database/tables';
import { formatBytes } from './limits';
import { toIso } from './mappers';
import type { SecretBox } from './secrets/SecretBox';
import { SecretMasks } from './secrets/SecretMasks';
import { systemEnv } from './systemEnv';
import { parse } from './validation';

export type EnvServiceOptions = {
  db: NovahostDatabase;
  /** Undefined when no key is configured: secret variables are refused. */
  box: SecretBox | undefined;
  logger: LoggerService;
  urls: SiteUrlOptions;
};

/** What a build gets: the variables, and which of them are secret. */
export type BuildEnv = { env: Record<string, string>; secretEnv: string[] };

/** A row's additional data: its ciphertext opens for this project, name and target only. */
const aadOf = (r: Pick<EnvVarRow, 'project_id' | 'name' | 'target'>) =>
  `${r.project_id}\0${r.name}\0${r.target}`;

const sealedOf = (r: EnvVarRow) => ({
  ciphertext: r.ciphertext!,
  iv: r.iv!,
  authTag: r.auth_tag!,
  keyId: r.key_id!,
});

/**
 * Project environment variables: set, list (secrets without their value),
 * delete; what each build gets (its target's variables, no secret for a
 * fork's pull request, then the system variables); the masks of every
 * deployment's secrets. Secret values are sealed (SecretBox) before they
 * reach the database and opened only for a build's spec and its masks.
 */
export class EnvService {
  /** What each deployment's log lines and errors must not show. */
  readonly masks: SecretMasks;

  constructor(private readonly o: EnvServiceOptions) {
    this.masks = new SecretMasks(id => this.projectSecretsOf(id));
  }

  /**
   * Start-up: every stored secret must open with a configured key (else
   * the backend does not start, naming the key), and those under a
   * previous key are sealed again with the current one, so that key can
   * be removed from the config.
   */
  async start(): Promise<void> {
    const { box, db, logger } = this.o;
    const stored = await db.env.keyIds();
    const unknown = stored.filter(k => !box?.has(k.keyId));
    if (unknown.length) {
      const count = unknown.reduce((n, k) => n + k.count, 0);
      const keys = unknown.map(k => k.keyId).join(', ');
      throw new Error(
        box
          ? `${count} secret variables are encrypted with key ${keys}, which is neither novahost.secrets.encryptionKey (key ${box.keyId}) nor in novahost.secrets.previousKeys: configure the key they were encrypted with (during a rotation the old key stays in previousKeys until the backend has re-encrypted them)`
          : `${count} secret variables are stored (key ${keys}) but no key is configured: set novahost.secrets.encryptionKey (NOVAHOST_SECRETS_KEY in production) to the key they were encrypted with`,
      );
    }
    if (!box) {
      logger.warn(
        'Secret variables are off: set novahost.secrets.encryptionKey (README: Environment variables and secrets)',
      );
      return;
    }
    let resealed = 0;
    for (const row of await db.env.sealedWithOther(box.keyId)) {
      const clear = box.open(sealedOf(row), aadOf(row));
      const next = box.seal(clear, aadOf(row));
      const done = await db.env.reseal(row, {
        ciphertext: next.ciphertext,
        iv: next.iv,
        auth_tag: next.authTag,
        key_id: next.keyId,
      });
      if (done) resealed++;
    }
    if (resealed) {
      logger.info(
        `Re-encrypted ${resealed} secret variables with the current key ${box.keyId}; previous keys can be removed from novahost.secrets.previousKeys once every replica runs with this key`,
      );
    }
  }

  async list(project: ProjectRow): Promise<EnvVar[]> {
    const entries = new Map<string, EnvVarRow[]>();
    for (const row of await this.o.db.env.list(project.id)) {
      const rows = entries.get(row.entry_id) ?? [];
      rows.push(row);
      entries.set(row.entry_id, rows);
    }
    return [...entries.values()].map(itemOf).sort(byNameThenTarget);
  }

  /**
   * Sets `name` for the body's targets: what those targets had is replaced,
   * the name keeps its value for a target not named. Applies to the next
   * deployment.
   */
  async set(
    project: ProjectRow,
    rawName: string,
    body: unknown,
    by: string | undefined,
  ): Promise<EnvVar> {
    const name = checkName(rawName);
    const req = parse(putEnvVarSchema, body, 'variable');
    const { box } = this.o;
    if (req.secret && !box) {
      throw new ServiceUnavailableError(
        'Secret variables are off on this Novahost: the administrator sets novahost.secrets.encryptionKey (README: Environment variables and secrets)',
      );
    }
    const entryId = randomUUID();
    const now = new Date();
    const rows: EnvVarRow[] = req.targets.map(target => {
      const at = { project_id: project.id, name, target };
      const sealed = req.secret ? box!.seal(req.value, aadOf(at)) : undefined;
      return {
        ...at,
        entry_id: entryId,
        secret: req.secret,
        value: sealed ? null : req.value,
        ciphertext: sealed?.ciphertext ?? null,
        iv: sealed?.iv ?? null,
        auth_tag: sealed?.authTag ?? null,
        key_id: sealed?.keyId ?? null,
        value_bytes: utf8Bytes(req.value),
        updated_at: now,
        updated_by: by ?? null,
      };
    });
    await this.o.db.env.replace(rows, totals =>
      checkTotals(project, req.targets, totals),
    );
    return itemOf(rows);
  }

  /** Deletes `name`, or only its value for `target`. */
  async remove(
    project: ProjectRow,
    rawName: string,
    target?: DeploymentTarget,
  ): Promise<void> {
    const name = checkName(rawName);
    const deleted = await this.o.db.env.delete(project.id, name, target);
    if (!deleted) {
      throw new NotFoundError(
        `${project.slug} has no variable ${name}${
          target ? ` for ${target}` : ''
        }`,
      );
    }
  }

  /**
   * What the deployment's build gets: its target's variables (a fork's
   * pull request: the plain ones only), then the system variables, which
   * no project variable can replace. The secret values are remembered as
   * the deployment's masks.
   */
  async forBuild(row: DeploymentRow, project: ProjectRow): Promise<BuildEnv> {
    const env: Record<string, string> = {};
    const secretEnv: string[] = [];
    for (const r of await this.o.db.env.forTarget(project.id, row.target)) {
      if (!r.secret) {
        env[r.name] = r.value ?? '';
      } else if (!row.fork) {
        env[r.name] = this.open(r);
        secretEnv.push(r.name);
      }
    }
    const aliasLabel = row.branch
      ? await this.aliasLabel(project, row.branch)
      : undefined;
    Object.assign(
      env,
      systemEnv({ row, project, urls: this.o.urls, aliasLabel }),
    );
    this.masks.remember(
      row.id,
      secretEnv.map(n => env[n]),
    );
    return { env, secretEnv };
  }

  /** The branch alias's label: the stored one, else the one it will get. */
  private async aliasLabel(project: ProjectRow, branch: string) {
    const stored = await this.o.db.aliases.get(project.id, branch);
    if (stored) return stored.label;
    const plain = branchAliasLabel(project.slug, branch);
    return (await this.o.db.aliases.labelTaken(plain))
      ? branchAliasLabel(project.slug, branch, { hashed: true })
      : plain;
  }

  private open(r: EnvVarRow): string {
    if (!this.o.box) {
      throw new Error(
        `The secret variable ${r.name} cannot be decrypted: novahost.secrets.encryptionKey is not set`,
      );
    }
    try {
      return this.o.box.open(sealedOf(r), aadOf(r));
    } catch (e) {
      throw new Error(
        `The secret variable ${r.name} (${r.target}) cannot be decrypted: ${
          (e as Error).message
        }`,
      );
    }
  }

  /** The clear secrets of a deployment's project (for its masks). */
  private async projectSecretsOf(deploymentId: string): Promise<string[]> {
    const row = await this.o.db.getDeployment(deploymentId);
    if (!row || !this.o.box) return [];
    const values: string[] = [];
    for (const r of await this.o.db.env.secrets(row.project_id)) {
      try {
        values.push(this.open(r));
      } catch (e) {
        // Never given to a build either; the build's spec fails on it.
        this.o.logger.warn(String((e as Error).message));
      }
    }
    return values;
  }
}

function checkName(name: string): string {
  const result = envNameSchema.safeParse(name);
  if (!result.success) {
    throw new InputError(
      `Invalid variable name: ${result.error.issues[0].message}`,
    );
  }
  return result.data;
}

function checkTotals(
  project: ProjectRow,
  targets: DeploymentTarget[],
  totals: EnvTotals,
) {
  if (totals.count > MAX_ENV_VARS) {
    throw new InputError(
      `${project.slug} would have ${totals.count} variables (one per name and target), over the limit of ${MAX_ENV_VARS}`,
    );
  }
  for (const target of targets) {
    if (totals.bytes[target] > MAX_ENV_TARGET_BYTES) {
      throw new InputError(
        `The ${target} variables of ${project.slug} would hold ${formatBytes(
          totals.bytes[target],
        )} of names and values, over the limit of ${formatBytes(
          MAX_ENV_TARGET_BYTES,
        )} per deployment`,
      );
    }
  }
}

/** By name (as the database orders them); of one name's values, production's first. */
function byNameThenTarget(a: EnvVar, b: EnvVar): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  const rank = (v: EnvVar) => DEPLOYMENT_TARGETS.indexOf(v.targets[0]);
  return rank(a) - rank(b);
}

/** The rows one write set, as the API lists them; a secret without its value. */
function itemOf(rows: EnvVarRow[]): EnvVar {
  const first = rows[0];
  const targets = DEPLOYMENT_TARGETS.filter(t =>
    rows.some(r => r.target === t),
  );
  return {
    name: first.name,
    targets,
    secret: Boolean(first.secret),
    ...(first.secret ? {} : { value: first.value ?? '' }),
    updatedAt: toIso(first.updated_at)!,
    updatedBy: first.updated_by,
  };
}
