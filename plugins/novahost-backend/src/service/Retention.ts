import type { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import type { NovahostDatabase } from '../database/NovahostDatabase';
import type { DeploymentRemoval } from './DeploymentRemoval';

/** `novahost.retention`: what is kept, and how often the rest is deleted. */
export type RetentionSettings = {
  enabled: boolean;
  intervalMinutes: number;
  /** Ready deployments kept per project and branch (at least 1). */
  keepPerBranch: number;
  /** How long previews of a closed pull request or deleted branch stay. */
  removedPreviewGraceHours: number;
  /** How long webhook deliveries are remembered (the webhook check shows the newest). */
  webhookDeliveryDays: number;
};

export function readRetentionSettings(config: Config): RetentionSettings {
  const c = config.getOptionalConfig('novahost.retention');
  const number = (
    key: string,
    fallback: number,
    min: number,
    integer = false,
  ) => {
    const value = c?.getOptionalNumber(key) ?? fallback;
    if (
      !Number.isFinite(value) ||
      value < min ||
      (integer && !Number.isInteger(value))
    ) {
      throw new Error(
        `novahost.retention.${key} must be ${
          integer ? 'an integer' : 'a number'
        } of at least ${min}, got ${value}`,
      );
    }
    return value;
  };
  return {
    enabled: c?.getOptionalBoolean('enabled') ?? true,
    intervalMinutes: number('intervalMinutes', 60, 1),
    keepPerBranch: number('keepPerBranch', 10, 1, true),
    removedPreviewGraceHours: number('removedPreviewGraceHours', 24, 0),
    webhookDeliveryDays: number('webhookDeliveryDays', 30, 1),
  };
}

/** What one run deleted. */
export type RetentionReport = {
  /** Deployments past the kept window of their branch. */
  expired: number;
  /** Previews of closed pull requests and deleted branches past the grace period. */
  removedPreviews: number;
  /** Blobs deleted from the store. */
  blobs: number;
  /** Aliases of closed pull requests and deleted branches. */
  aliases: number;
  webhookDeliveries: number;
};

/** Deployments deleted per transaction (their blob lists are held in memory). */
const BATCH = 100;
const HOUR_MS = 3_600_000;

/**
 * The scheduled clean-up (`novahost-retention`, one replica at a time).
 * Kept: every project's production deployment, the `keepPerBranch` newest
 * ready deployments of each branch, every deployment a routed alias serves,
 * and anything not finished. Deleted, in batches the database picks: older
 * deployments (failed and canceled ones once `keepPerBranch` newer ones
 * finished), previews of closed pull requests and deleted branches once
 * their alias has been removed for the grace period (then the alias too),
 * and old webhook deliveries. Deleting goes through DeploymentRemoval:
 * logs and blob references with the row, then the blobs nothing uses.
 */
export class Retention {
  constructor(
    private readonly o: {
      db: NovahostDatabase;
      removal: DeploymentRemoval;
      logger: LoggerService;
      settings: RetentionSettings;
      now?: () => Date;
    },
  ) {}

  get settings(): RetentionSettings {
    return this.o.settings;
  }

  /** One pass; stops between batches when `signal` aborts (the task's timeout). */
  async run(signal?: AbortSignal): Promise<RetentionReport> {
    const { db, settings } = this.o;
    const now = (this.o.now?.() ?? new Date()).getTime();
    const graceEnd = new Date(
      now - settings.removedPreviewGraceHours * HOUR_MS,
    );
    const report: RetentionReport = {
      expired: 0,
      removedPreviews: 0,
      blobs: 0,
      aliases: 0,
      webhookDeliveries: 0,
    };
    const drain = async (next: () => Promise<string[]>) => {
      let count = 0;
      while (!signal?.aborted) {
        const ids = await next();
        if (!ids.length) break;
        const removal = await this.o.removal.remove(ids, { keepRouted: true });
        report.blobs += removal.blobs;
        count += removal.deleted.length;
        // All of them kept meanwhile (promoted, aliased): picked again next run.
        if (!removal.deleted.length) break;
      }
      return count;
    };
    report.expired = await drain(() =>
      db.retention.expired(settings.keepPerBranch, BATCH),
    );
    report.removedPreviews = await drain(() =>
      db.retention.removedPreviews(graceEnd, BATCH),
    );
    if (!signal?.aborted) {
      report.aliases = (await db.aliases.purgeRemoved(graceEnd)).length;
      report.webhookDeliveries = await db.deliveries.purge(
        new Date(now - settings.webhookDeliveryDays * 24 * HOUR_MS),
      );
    }
    const total = Object.values(report).reduce((a, b) => a + b, 0);
    if (total > 0 || signal?.aborted) {
      this.o.logger.info(
        `Retention${
          signal?.aborted ? ' (stopped at its timeout)' : ''
        }: deleted ` +
          `${report.expired} deployments past the ${settings.keepPerBranch} kept per branch, ` +
          `${report.removedPreviews} previews of closed pull requests or deleted branches, ` +
          `${report.blobs} unreferenced blobs, ${report.aliases} removed aliases, ` +
          `${report.webhookDeliveries} webhook deliveries`,
      );
    }
    return report;
  }
}
