import { Knex } from 'knex';
import { isUniqueViolation } from './sqlHelpers';
import { DELIVERIES, DeliveryRow } from './tables';

/** Outcomes starting with this may be retried by a redelivery. */
export const FAILED_OUTCOME_PREFIX = 'failed:';

/**
 * Webhook deliveries by id: the first to claim one handles it, so a
 * redelivery (GitHub's "Redeliver", or a retry of a timed-out one) starts
 * nothing new; what was done is recorded as the delivery's outcome.
 */
export class DeliveryQueries {
  constructor(private readonly db: Knex) {}

  /**
   * Records a delivery as received; false when it was already (a
   * redelivery). A delivery whose handling failed may be claimed again.
   * The insert decides races between replicas (the primary key).
   */
  async claim(row: Omit<DeliveryRow, 'outcome'>): Promise<boolean> {
    try {
      await this.db(DELIVERIES).insert({ ...row, outcome: null });
      return true;
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
    }
    const retried = await this.db(DELIVERIES)
      .where({ delivery_id: row.delivery_id })
      .where('outcome', 'like', `${FAILED_OUTCOME_PREFIX}%`)
      .update({ outcome: null, received_at: row.received_at });
    return retried === 1;
  }

  async setOutcome(deliveryId: string, outcome: string): Promise<void> {
    await this.db(DELIVERIES)
      .where({ delivery_id: deliveryId })
      .update({ outcome });
  }

  get(deliveryId: string): Promise<DeliveryRow | undefined> {
    return this.db<DeliveryRow>(DELIVERIES)
      .where({ delivery_id: deliveryId })
      .first();
  }

  /** The newest delivery for a repository (`host/owner/name`). */
  latest(repoKey: string): Promise<DeliveryRow | undefined> {
    return this.db<DeliveryRow>(DELIVERIES)
      .where({ repo_key: repoKey })
      .orderBy('received_at', 'desc')
      .orderBy('delivery_id', 'desc')
      .first();
  }

  /** Forgets deliveries received before `before` (GitHub redelivers for 3 days at most); returns how many. */
  purge(before: Date): Promise<number> {
    return this.db(DELIVERIES).where('received_at', '<', before).delete();
  }
}
